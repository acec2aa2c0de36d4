"""The results table equals the plain definition (Polars ranks, then a stable sort) on panels,
with ties, missing scores and several rank groups, for every aggregation and normalisation path."""

import numpy as np
import polars as pl
import pytest

from kechuang.engines.composite import run, spec_from_dict
from kechuang.engines.composite.pipeline import rank_expr


def _data(n_units: int, years: list[int] | None, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for y in years or [None]:
        cols = {
            "unit": [f"U{i}" for i in range(n_units)],
            "zone": pl.Series(rng.choice(["a", "b", None], n_units).tolist(), dtype=pl.String),
            "cohort": rng.integers(0, 6, n_units).astype(np.int32),
        }
        for i in range(4):
            # rounded values give many tied scores; some units miss a whole pillar or everything
            x = np.round(rng.lognormal(1, 1, n_units) if i % 2 == 0 else rng.normal(5, 2, n_units))
            x[rng.random(n_units) < 0.2] = np.nan
            x[::13] = np.nan
            cols[f"x{i}"] = x
        if y is not None:
            cols["year"] = np.full(n_units, y, dtype=np.int64)
        rows.append(pl.DataFrame(cols))
    return pl.concat(rows).with_columns(pl.selectors.float().fill_nan(None))


def _spec(panel: bool, by: list[str], method: str = "arithmetic") -> object:
    return spec_from_dict(
        {
            "framework": {
                "items": [
                    {"code": "Index"},
                    {"code": "P0", "parent": "Index"},
                    {"code": "P1", "parent": "Index", "weight": 2},
                    *[
                        {
                            "code": f"x{i}",
                            "parent": f"P{i // 2}",
                            "weight": 1 + i % 2,
                            "direction": -1 if i == 3 else 1,
                        }
                        for i in range(4)
                    ],
                ]
            },
            "data": {"unit": "unit", "groups": ["cohort"], **({"time": "year"} if panel else {})},
            "steps": [
                {"treat": {"winmax": 2}},
                {"normalise": {"method": "minmax", "range": [1, 100], "by": by}},
                {"aggregate": {"method": method}},
            ],
            "rank": {"within": ["cohort", "zone"]},
        }
    )


@pytest.mark.parametrize("panel", [False, True])
@pytest.mark.parametrize("n", [30, 70_000])  # below and above the threaded path
@pytest.mark.parametrize("method", ["arithmetic", "geometric"])
def test_results_table_equals_ranks_then_stable_sort(panel, n, method):
    data = _data(n, [2022, 2021, 2023] if panel else None, seed=n)
    res = run(_spec(panel, ["cohort"], method), data)
    agg = res.aggregated
    period = ["year"] if panel else []
    exprs = [
        e
        for c in res.score_columns()
        for e in (
            pl.col(c),
            rank_expr(c, period).alias(f"{c}_rank"),
            *(rank_expr(c, period + [g]).alias(f"{c}_rank_{g}") for g in ("cohort", "zone")),
        )
    ]
    want = agg.select(*res.id_cols, *exprs).sort(
        [*period, "Index_rank"], nulls_last=True, maintain_order=True
    )
    assert agg.get_column("Index").null_count() > 0  # missing scores are exercised
    assert res.table.schema == want.schema
    assert res.table.equals(want)
