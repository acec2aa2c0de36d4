"""Property tests (seeded random data, no extra dependency) plus cohorts and panels."""

import numpy as np
import polars as pl
import pytest

from kechuang.engines.composite import run, spec_from_dict

FW = {
    "items": [
        {"code": "Index"},
        {"code": "P1", "parent": "Index"},
        {"code": "P2", "parent": "Index", "weight": 2},
        {"code": "x1", "parent": "P1"},
        {"code": "x2", "parent": "P1", "direction": -1},
        {"code": "x3", "parent": "P2"},
        {"code": "x4", "parent": "P2", "weight": 3},
    ]
}
INDS = ["x1", "x2", "x3", "x4"]


def _data(rng, n=30, cohorts=None, years=None):
    d = {"u": [f"U{i:03d}" for i in range(n)]}
    for c in INDS:
        d[c] = rng.lognormal(1.0, 0.8, n)
    df = pl.DataFrame(d)
    if cohorts:
        df = df.with_columns(cohort=pl.Series([f"C{i % cohorts}" for i in range(n)]))
    return df


def _spec(normalise, aggregate=None, by=None, **data):
    norm = dict(normalise, **({"by": by} if by else {}))
    return spec_from_dict(
        {
            "framework": FW,
            "data": {"unit": "u", **data},
            "steps": [{"normalise": norm}, {"aggregate": aggregate or {}}],
        }
    )


MONOTONE = [
    ({"method": "minmax", "range": [1, 100]}, {"method": "arithmetic"}),
    ({"method": "minmax", "range": [1, 100]}, {"method": "geometric"}),
    ({"method": "minmax", "range": [1, 100]}, {"method": "harmonic"}),
    ({"method": "zscore"}, {"method": "arithmetic"}),
    ({"method": "rank"}, {"method": "generalised", "p": 2}),
    ({"method": "prank"}, {"method": "arithmetic"}),
    ({"method": "dist2max"}, {"method": "arithmetic"}),
    ({"method": "goalposts", "goalposts": [0, 8, 100]}, {"method": "arithmetic"}),
]


@pytest.mark.parametrize("normalise, aggregate", MONOTONE)
def test_raising_a_good_indicator_never_lowers_the_score(normalise, aggregate):
    rng = np.random.default_rng(7)
    spec = _spec(normalise, aggregate)
    for trial in range(15):
        df = _data(rng)
        base = run(spec, df, hash_input=False).aggregated
        i = int(rng.integers(df.height))
        # x1 is a "good" (raise it); x2 is a "bad", so lowering it is the improvement
        for col, factor in (("x1", 1 + rng.uniform(0.01, 2)), ("x2", rng.uniform(0.1, 0.99))):
            bumped = df.with_columns(
                pl.when(pl.int_range(pl.len()) == i)
                .then(pl.col(col) * factor)
                .otherwise(pl.col(col))
                .alias(col)
            )
            after = run(spec, bumped, hash_input=False).aggregated
            for code in ("P1", "Index"):
                assert after.get_column(code)[i] >= base.get_column(code)[i] - 1e-9, (
                    trial,
                    col,
                    code,
                )


def test_unit_order_does_not_matter():
    rng = np.random.default_rng(3)
    df = _data(rng)
    spec = spec_from_dict(
        {
            "framework": FW,
            "data": {"unit": "u"},
            "steps": [{"treat": {"winmax": 3}}, "normalise", "aggregate"],
        }
    )
    a = run(spec, df).table
    b = run(spec, df.sample(fraction=1.0, shuffle=True, seed=1)).table
    assert a.equals(b)


def test_minmax_is_scale_invariant():
    rng = np.random.default_rng(4)
    df = _data(rng)
    spec = _spec({"method": "minmax"})
    scaled = df.with_columns([pl.col(c) * 1000 + 5 for c in INDS])
    a, b = run(spec, df).table, run(spec, scaled).table
    np.testing.assert_allclose(a.get_column("Index").to_numpy(), b.get_column("Index").to_numpy())


def test_cohort_normalisation_equals_separate_runs():
    rng = np.random.default_rng(5)
    df = _data(rng, n=40, cohorts=4)
    together = run(_spec({"method": "minmax"}, by=["cohort"], groups=["cohort"]), df).aggregated
    parts = df.partition_by("cohort", as_dict=True)
    assert len(parts) == 4
    for cohort, part in parts.items():
        alone = run(_spec({"method": "minmax"}, groups=["cohort"]), part).aggregated
        got = together.filter(pl.col("cohort") == cohort[0]).sort("u")
        np.testing.assert_allclose(
            got.get_column("Index").to_numpy(), alone.sort("u").get_column("Index").to_numpy()
        )
        assert got.get_column("x1").min() == 0 and got.get_column("x1").max() == 100


def _panel():
    # unit A grows every year; B and C stay put
    rows = []
    for t, growth in ((2021, 0), (2022, 1), (2023, 2)):
        rows += [("A", t, 5.0 + growth), ("B", t, 4.0), ("C", t, 9.0)]
    df = pl.DataFrame(rows, schema=["u", "t", "x1"], orient="row")
    return df.with_columns([pl.col("x1").alias(c) for c in ("x2", "x3", "x4")])


def test_pooled_window_keeps_progress_visible():
    df = _panel()
    pooled = run(_spec({"method": "minmax", "window": "pooled"}, time="t"), df).table
    a = pooled.filter(pl.col("u") == "A").sort("t").get_column("P2").to_list()
    assert a[0] < a[1] < a[2]  # A's score rises year on year
    per = run(_spec({"method": "minmax", "window": "period"}, time="t"), df).table
    # per-period min–max re-scales every year; C is always 100 on x3 and x4
    assert per.filter(pl.col("u") == "C").get_column("P2").to_list() == [100.0] * 3
    # ranks are per period
    assert per.filter(pl.col("t") == 2023).get_column("Index_rank").sort().to_list() == [1, 2, 3]


def test_window_years_limit_the_reference_set():
    df = _panel()
    spec = _spec({"method": "minmax", "window": "pooled", "window_years": [2021, 2022]}, time="t")
    norm = run(spec, df).datasets["Normalised"]
    # min 4 and max 9 come from 2021–2022 only; A in 2023 is (7 − 4)/(9 − 4)·100
    a23 = norm.filter((pl.col("u") == "A") & (pl.col("t") == 2023)).get_column("x1").item()
    assert a23 == pytest.approx(60.0)
