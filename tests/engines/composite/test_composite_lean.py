"""A run that keeps only its last data set (keep_datasets=False, for many millions of units)
gives exactly the results of a run that keeps them all."""

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kechuang.engines.composite import run, spec_from_dict
from kechuang.engines.composite.pipeline import _PARALLEL_ROWS


def _spec():
    items = [{"code": "Index"}, {"code": "P0", "parent": "Index", "weight": 2}]
    items.append({"code": "P1", "parent": "Index"})
    for i in range(6):
        items.append({"code": f"x{i}", "parent": f"P{i // 3}", "direction": -1 if i == 2 else 1})
    return spec_from_dict(
        {
            "framework": {"items": items},
            "data": {"unit": "u", "groups": ["g"]},
            "steps": [
                {"treat": {"winmax": 5}},
                {"normalise": {"method": "minmax", "range": [0, 100], "by": ["g"]}},
                {"aggregate": {"method": "arithmetic"}},
            ],
            "rank": {"within": ["g"]},
        }
    )


@pytest.mark.parametrize("n", [500, _PARALLEL_ROWS + 5_000])  # both sides of the parallel paths
def test_lean_run_equals_the_full_run(n):
    rng = np.random.default_rng(11)
    cols = {"u": [f"U{i}" for i in range(n)], "g": rng.integers(0, 40, n)}
    for i in range(6):
        x = rng.lognormal(1.0, 2.0, n) if i % 2 == 0 else rng.normal(10.0, 3.0, n)
        x[rng.random(n) < 0.02] = np.nan
        cols[f"x{i}"] = x
    data = pl.DataFrame(cols).with_columns(pl.selectors.float().fill_nan(None))
    full = run(_spec(), data)
    lean = run(_spec(), data, keep_datasets=False)
    assert list(lean.datasets) == ["Aggregated"]
    assert len(full.datasets) == 4  # Raw, Treated, Normalised, Aggregated
    assert_frame_equal(lean.table, full.table, check_exact=True)
    assert_frame_equal(lean.aggregated, full.aggregated, check_exact=True)
    assert lean.record() == full.record()
    assert any(r.get("status") in ("winsorised", "transformed") for r in full.log[0]["indicators"])
