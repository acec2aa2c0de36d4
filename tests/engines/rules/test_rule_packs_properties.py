"""Property tests: more R&D (all domestic) or more IP never lowers a score or turns met into unmet."""

from __future__ import annotations

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal
from rule_helpers import YEAR, packs

from kechuang.engines.rules.evaluate import MET, UNMET, evaluate
from kechuang.tiers.features import build_features
from kechuang.tiers.measures import MEASURES

N = 400


def _random_panel(rng: np.random.Generator) -> pl.DataFrame:
    rows = []
    for i in range(N):
        founded = int(rng.integers(2008, 2023))
        emp = int(rng.integers(5, 800))
        for y in (2021, 2022, 2023, 2024):
            rev = float(rng.uniform(100, 60000))
            rd = float(rev * rng.uniform(0, 0.12))
            assets = float(rev * rng.uniform(0.5, 2))
            rows.append(
                dict(
                    key=f"E{i}",
                    year=y,
                    employees=emp,
                    tech_staff=int(emp * rng.uniform(0, 0.5)),
                    rd_staff=int(emp * rng.uniform(0, 0.3)),
                    operating_revenue=rev,
                    main_business_revenue=rev * rng.uniform(0.4, 1),
                    sales_revenue=rev,
                    total_revenue=rev * 1.05,
                    high_tech_revenue=rev * rng.uniform(0, 1),
                    rd_expense=rd,
                    rd_expense_domestic=rd * rng.uniform(0.3, 1),
                    rd_expense_outsourced=rd * rng.uniform(0, 0.3),
                    total_cost=rev * rng.uniform(0.5, 1),
                    total_assets=assets,
                    total_liabilities=assets * rng.uniform(0.1, 0.9),
                    net_profit=rev * rng.uniform(-0.1, 0.2),
                    ip_class1=int(rng.integers(0, 6)),
                    ip_class2=int(rng.integers(0, 8)),
                    standards_led=int(rng.integers(0, 2)),
                    tech_transfers=int(rng.integers(0, 7)),
                    equity_financing=float(rng.choice([0, 300, 3000, 40000])),
                    latest_valuation=float(rng.choice([0, 30000, 80000, 720000])),
                    is_listed=False,
                    major_accident=False,
                    environmental_violation=False,
                    dishonest_listed=False,
                    abnormal_operation=False,
                    ip_class1_self_developed=0,
                    ip_class1_high_value=0,
                    standards_participated=int(rng.integers(0, 2)),
                    sci_activity_expense=rd * rng.uniform(1, 1.3),
                    mainland_resident=True,
                    restricted_products=False,
                    strategic_emerging=bool(rng.integers(0, 2)),
                    pe_funded=bool(rng.integers(0, 2)),
                    key_core_tech=bool(rng.integers(0, 2)),
                    new_track=False,
                    tech_field="新材料",
                    industry_code="C3985",
                    founded_year_=founded,
                )
            )
    df = pl.DataFrame(rows, infer_schema_length=None)
    return df.with_columns(pl.date(pl.col("founded_year_"), 1, 1).alias("founded_on")).drop(
        "founded_year_"
    )


def _scores(df: pl.DataFrame) -> pl.DataFrame:
    all_packs = list(packs().values())
    return evaluate(build_features(df, YEAR), all_packs, YEAR, MEASURES).sort("key")


def _check_not_worse(before: pl.DataFrame, after: pl.DataFrame) -> None:
    assert len(packs()) >= 10
    met = 0
    for pack in packs().values():
        if pack.scores:
            for side in ("score_lo", "score_hi"):
                a = before.get_column(f"{pack.code}|{side}").to_numpy()
                b = after.get_column(f"{pack.code}|{side}").to_numpy()
                assert np.all(b >= a - 1e-9), (pack.code, side)
        s0 = before.get_column(f"{pack.code}|status").to_numpy()
        s1 = after.get_column(f"{pack.code}|status").to_numpy()
        assert not np.any((s0 == MET) & (s1 == UNMET)), pack.code
        assert np.all(s1[s0 == MET] == MET), pack.code
        met += int((s0 == MET).sum())
    assert met > 0, "no enterprise met any pack before the change: the check would be empty"


def test_more_domestic_rd_never_hurts():
    rng = np.random.default_rng(7)
    df = _random_panel(rng)
    before = _scores(df)
    for extra in (0.5, 10.0, 300.0):
        # the added R&D is all domestic; cost grows with it (R&D is a cost), revenue does not
        bumped = df.with_columns(
            (pl.col("rd_expense") + extra).alias("rd_expense"),
            (pl.col("rd_expense_domestic") + extra).alias("rd_expense_domestic"),
        )
        _check_not_worse(before, _scores(bumped))


def test_more_intellectual_property_never_hurts():
    rng = np.random.default_rng(11)
    df = _random_panel(rng)
    before = _scores(df)
    for c1, c2 in ((1, 0), (0, 1), (0, 3), (2, 5)):
        bumped = df.with_columns(pl.col("ip_class1") + c1, pl.col("ip_class2") + c2)
        _check_not_worse(before, _scores(bumped))


def test_vectorised_equals_one_by_one():
    rng = np.random.default_rng(3)
    df = _random_panel(rng).filter(pl.col("key").is_in([f"E{i}" for i in range(12)]))
    whole = _scores(df)
    for key in whole.get_column("key").to_list()[:5]:
        single = _scores(df.filter(pl.col("key") == key))
        assert_frame_equal(single, whole.filter(pl.col("key") == key), rel_tol=1e-12)
