"""The MIDL reviewer-matching instance (177 × 118, iesl/fair-matching): the exact figures of the issue,
each answer verified by the independent checker."""

from __future__ import annotations

import csv

import pytest
from matching_helpers import check, lp_total, midl_dir, pairs_of, read_raw
from typer.testing import CliRunner

from kechuang.engines.matching import read_neutral, solve
from kechuang.engines.matching.cli import app

MAX_TOTAL = 201.884880
MAX_MIN = 0.944839  # rounded down from the exact max–min
FAIR_TOTAL = 201.768732


@pytest.fixture(scope="module")
def midl():
    """(directory, engine instance, independent raw form) of MIDL."""
    d = midl_dir()
    return d, read_neutral(d), read_raw(d)


def test_reader_keeps_every_candidate_and_drops_conflicts(midl):
    _, inst, raw = midl
    assert (inst.n_suppliers, inst.n_demands, inst.n_pairs) == (177, 118, 11755)
    assert len(raw.conflicts) == 2380
    assert int(inst.coverage.sum()) == 354 and int(inst.max_load.max()) == 4


def test_total_is_the_exact_optimum(midl):
    _, inst, raw = midl
    res = solve(inst, "total")
    assert res.feasible and res.status == "optimal"
    total, smallest = check(raw, pairs_of(res))
    assert total == pytest.approx(MAX_TOTAL, abs=1e-6)
    assert res.total == pytest.approx(total, abs=1e-9)
    assert res.min_demand_affinity == pytest.approx(smallest, abs=1e-12)
    assert res.gap_bound < 1e-8


def test_total_equals_the_lp_optimum_built_independently(midl):
    _, _, raw = midl
    assert lp_total(raw) == pytest.approx(MAX_TOTAL, abs=1e-6)


def test_fair_reaches_the_max_min_then_the_largest_total(midl):
    _, inst, raw = midl
    res = solve(inst, "fair")
    assert res.feasible and res.status == "optimal"
    total, smallest = check(raw, pairs_of(res))
    assert smallest >= MAX_MIN
    assert total >= 201.76
    assert total == pytest.approx(FAIR_TOTAL, abs=1e-6)
    assert res.min_demand_affinity == pytest.approx(smallest, abs=1e-12)
    assert total <= solve(inst, "total").total + 1e-9


runner = CliRunner()


@pytest.mark.parametrize(
    ("mode", "expect_total", "expect_min"),
    [("total", MAX_TOTAL, None), ("fair", FAIR_TOTAL, MAX_MIN)],
)
def test_cli_writes_the_assignment_file(midl, tmp_path, mode, expect_total, expect_min):
    directory, _, raw = midl
    out = tmp_path / f"{mode}.csv"
    res = runner.invoke(
        app, ["solve", str(directory), "--out", str(out), "--mode", mode, "--time-limit", "120"]
    )
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["demand_id", "supplier_id"]
    pairs = [tuple(r) for r in rows[1:]]
    assert len(pairs) == 354
    total, smallest = check(raw, pairs)
    assert total == pytest.approx(expect_total, abs=1e-6)
    if expect_min is not None:
        assert smallest >= expect_min
    assert f"{total:.6f}" in res.output
    assert f"{smallest:.6f}" in res.output
    assert "min 0 / max 4" in res.output
