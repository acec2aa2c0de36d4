"""The fast paths used on large inputs give exactly what the plain definitions give."""

import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from kechuang.engines.composite import run, spec_from_dict
from kechuang.engines.composite.io import hash_frame
from kechuang.engines.composite.pipeline import rank_expr
from kechuang.engines.composite.rank import group_codes, order_desc, rank_min_desc
from kechuang.engines.composite.stats import check_skew_kurt
from kechuang.engines.composite.treat import (
    LONG,
    _Column,
    _RunningSums,
    _winsorise_all,
    treat_vector,
)


def _values(rng, n, kind):
    if kind == 0:
        x = rng.random(n)
    elif kind == 1:
        x = np.round(rng.normal(size=n), 1)  # many ties
    elif kind == 2:
        x = 1.0 + rng.integers(0, 5, n) * 1e-13  # differ only in the lowest bits
    elif kind == 3:
        x = rng.choice([0.0, -0.0, np.inf, -np.inf, 1.0, -1.0, 5e-324], n)
    else:
        x = rng.random(n) * 100 + 5e-324 * rng.integers(0, 3, n)
    x[rng.random(n) < 0.1] = np.nan
    return x


@pytest.mark.parametrize("kind", range(5))
def test_ranks_equal_polars_rank_min_over_groups(kind):
    rng = np.random.default_rng(kind)
    for n in (1, 2, 17, 3000, 70_000):
        x = _values(rng, n, kind)
        df = pl.DataFrame(
            {
                "x": x,
                "g": rng.integers(0, 7, n).astype(np.int32),
                "h": rng.choice(["a", "b", None], n),
            }
        ).with_columns(pl.col("x").fill_nan(None))
        order = order_desc(x)
        expected_order = (
            df.with_row_index()
            .filter(pl.col("x").is_not_null())
            .sort("x", descending=True, maintain_order=True)
            .get_column("index")
            .to_numpy()
        )
        np.testing.assert_array_equal(order, expected_order)
        for keys in ([], ["g"], ["g", "h"]):
            want = df.select(rank_expr("x", keys)).to_series().fill_null(0).to_numpy()
            got = rank_min_desc(x, order, group_codes(df, keys) if keys else None)
            np.testing.assert_array_equal(got, want, err_msg=f"n={n} keys={keys}")


@pytest.mark.parametrize("trial", range(8))
def test_tail_winsorising_equals_the_whole_column_loop(trial):
    rng = np.random.default_rng(100 + trial)
    n = LONG * 3
    x = rng.lognormal(0, 1.2, n) * (-1 if trial % 2 else 1)
    if trial >= 4:
        x = np.round(x, 1)  # ties at the extremes
    if trial >= 6:
        x[rng.integers(0, n, 50)] = x.max()  # a large tie at the top
    x[rng.random(n) < 0.02] = np.nan
    for winmax in (1, 3, 5, 60):
        for force in (False, True):
            col = _Column(x)
            fast = col.winsorise(winmax, 2.0, 3.5, force)
            v = col.v
            sums = _RunningSums(v)
            state = check_skew_kurt(v, 2.0, 3.5)
            points, (passed, s, k) = _winsorise_all(v, sums, state, winmax, 2.0, 3.5, force)
            where = np.flatnonzero(~np.isnan(x))
            slow = [(int(where[i]), *points[i]) for i in sorted(points)]
            assert fast[0] == slow and fast[1:] == (passed, s, k)


def test_treat_vector_long_column_matches_reference_statistics():
    rng = np.random.default_rng(5)
    x = rng.lognormal(2, 1, 50_000)
    x[::97] = np.nan
    y, rec = treat_vector(x, {"winmax": 5})
    assert rec["status"] == "transformed" and rec["winsorise_attempted"] == 5
    mn, mx = np.nanmin(x), np.nanmax(x)
    np.testing.assert_array_equal(y, np.log(x - mn + 0.01 * (mx - mn)))
    ok, s, k = check_skew_kurt(x)
    assert rec["passed_before"] is ok and rec["skew_before"] == s and rec["kurt_before"] == k


def _bench_like(n=60_000, seed=3):
    rng = np.random.default_rng(seed)
    cols = {"unit": [f"U{i}" for i in range(n)], "cohort": rng.integers(0, 40, n).astype(np.int32)}
    for i in range(4):
        x = rng.lognormal(2, 1, n) if i % 2 == 0 else rng.normal(50, 10, n)
        x[rng.random(n) < 0.01] = np.nan
        cols[f"x{i}"] = x
    data = pl.DataFrame(cols).with_columns(pl.selectors.float().fill_nan(None))
    spec = spec_from_dict(
        {
            "framework": {
                "items": [
                    {"code": "Index"},
                    {"code": "P0", "parent": "Index"},
                    {"code": "P1", "parent": "Index", "weight": 2},
                    *[
                        {"code": f"x{i}", "parent": f"P{i // 2}", "direction": -1 if i == 3 else 1}
                        for i in range(4)
                    ],
                ]
            },
            "data": {"unit": "unit", "groups": ["cohort"]},
            "steps": [
                {"treat": {"winmax": 5}},
                {"normalise": {"method": "minmax", "by": ["cohort"]}},
                "aggregate",
            ],
            "rank": {"within": ["cohort"]},
        }
    )
    return spec, data


def test_results_table_equals_polars_ranks_and_sort():
    spec, data = _bench_like()
    res = run(spec, data)
    agg = res.aggregated
    exprs = [
        e
        for c in res.score_columns()
        for e in (
            pl.col(c),
            rank_expr(c, []).alias(f"{c}_rank"),
            rank_expr(c, ["cohort"]).alias(f"{c}_rank_cohort"),
        )
    ]
    want = agg.select(*res.id_cols, *exprs).sort("Index_rank", nulls_last=True, maintain_order=True)
    assert res.table.equals(want)
    assert res.table.schema == want.schema


def test_rerun_is_identical_and_hash_is_stable_across_processes():
    spec, data = _bench_like(20_000)
    a, b = run(spec, data), run(spec, data)
    assert a.record() == b.record()
    assert len(a.datasets) >= 3 and a.table.height == 20_000
    for name, frame in a.datasets.items():
        assert frame.equals(b.datasets[name]), name
    code = (
        "import numpy as np, polars as pl, sys; sys.path.insert(0, {!r});"
        "from test_composite_fast_paths import _bench_like; from kechuang.engines.composite.io import hash_frame;"
        "print(hash_frame(_bench_like(20_000)[1]))".format(
            str(__import__("pathlib").Path(__file__).parent)
        )
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == a.input_hash


def test_hash_sees_every_cell_type_and_treats_nan_as_missing():
    df = pl.DataFrame(
        {"f": [1.0, None, 3.0], "i": [1, None, 3], "s": ["a", None, ""], "b": [True, None, False]}
    )
    base = hash_frame(df)
    assert hash_frame(df.with_columns(pl.Series("f", [1.0, float("nan"), 3.0]))) == base
    for changed in (
        df.with_columns(pl.Series("f", [1.0, None, 3.5])),
        df.with_columns(pl.Series("i", [1, 0, 3])),
        df.with_columns(pl.Series("s", ["a", "", ""])),
        df.with_columns(pl.Series("s", ["", "a", ""])),
        df.with_columns(pl.Series("b", [True, False, False])),
        df.rename({"f": "g"}),
    ):
        assert hash_frame(changed) != base
