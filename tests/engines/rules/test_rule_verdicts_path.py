"""The verdicts path (outputs="verdicts", evaluated in row batches) gives exactly the full result's
verdicts, status, distance, held and ladder columns, for every pack in force, on boundary cases."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from rule_helpers import YEAR, packs, panel

from kechuang.engines.rules.evaluate import VERDICTS, evaluate, verdict_columns
from kechuang.engines.rules.packs import packs_in_force
from kechuang.tiers.features import build_features, input_columns, reference_date
from kechuang.tiers.measures import MEASURES

LADDER = ["rung_eval", "rung", "next_distance"]


def _hnte_years(sales: float, rd: float, **over) -> dict[int, dict]:
    return {
        y: {"sales_revenue": sales, "rd_expense": rd, "rd_expense_domestic": rd, **over}
        for y in (2022, 2023, 2024)
    }


def _gazelle(growth: float, **over) -> pl.DataFrame:
    years = {
        2021: {"operating_revenue": 1000.0},
        2022: {"operating_revenue": 1100.0},
        2023: {"operating_revenue": 1200.0},
        2024: {"operating_revenue": 1000.0 * (1 + growth) ** 3},
    }
    spend = 0.05 * 1000.0 * (1 + growth) ** 3
    return panel(years, rd_expense=spend, sci_activity_expense=spend, **over)


def _cases() -> list[pl.DataFrame]:
    """One-enterprise panels on the packs' boundaries, with missing data and titles held."""
    unicorn = dict(founded=dt.date(2018, 1, 1), pe_funded=True, latest_valuation=None)
    little = {
        2022: {"operating_revenue": 5000.0 / 1.05**2, "rd_expense": 600.0},
        2023: {"operating_revenue": 5000.0 / 1.05, "rd_expense": 600.0},
        2024: {
            "operating_revenue": 5000.0,
            "rd_expense": 600.0,
            "main_business_revenue": 4500.0,
            "total_liabilities": 4500.0,
            "total_assets": 6000.0,
            "ip_class1": 4,
        },
    }
    return [
        panel(),
        # 科技型中小企业: exactly 60 points, 56 points, staff exactly 10% and 9%
        panel(tech_staff=30, rd_expense=250.0, ip_class1=0, ip_class2=0, total_cost=1e9),
        panel(tech_staff=29, rd_expense=250.0, ip_class1=0, ip_class2=0, total_cost=1e9),
        panel(tech_staff=10, employees=100),
        panel(tech_staff=9, employees=100, rd_expense=400.0, ip_class1=1),
        panel(employees=500, sales_revenue=20000.0, total_assets=20000.0),
        panel(employees=501),
        # 高新技术企业: R&D-ratio tiers at and just under their thresholds
        panel(_hnte_years(5000.0, 250.0)),
        panel(_hnte_years(5000.0, 249.5)),
        panel(_hnte_years(20000.01, round(20000.01 * 0.03, 6))),
        panel(_hnte_years(5000.0, 250.0, rd_expense_domestic=150.0)),
        panel(_hnte_years(5000.0, 250.0, rd_expense_outsourced=50.0)),
        panel(founded=dt.date(2024, 6, 1), hnte_applied_on=dt.date(2025, 6, 1)),
        panel(founded=dt.date(2024, 6, 1)),
        panel(q_hnte_core_ip_score=1.0, q_hnte_innovation_score=71.0),
        panel(q_hnte_valid=True),
        # 瞪羚: growth exactly 20% and just under
        _gazelle(0.20),
        _gazelle(0.1999),
        _gazelle(0.20, founded=dt.date(2010, 6, 1)),
        # 专精特新 / 小巨人 at their thresholds, with and without the qualification facts
        panel(little),
        panel(little).with_columns(
            q_specialised_title=True, q_niche_years=3.0, q_market_top=True, q_zjtx_score=60.0
        ),
        # 独角兽 / 潜在独角兽: valuations exactly on the lines, in dollars and in yuan
        panel({2024: {"equity_financing": 40000.0}}, latest_valuation_usd=100000.0, **unicorn),
        panel({2024: {"equity_financing": 40000.0}}, latest_valuation_usd=100000.01, **unicorn),
        panel(latest_valuation_usd=70000.0, key_core_tech=True, **unicorn),
        panel(latest_valuation_usd=20000.0, new_track=True, key_core_tech=False, **unicorn),
        panel(founded=dt.date(2021, 1, 1), pe_funded=True, latest_valuation=30000.0),
        panel(founded=dt.date(2021, 1, 1), pe_funded=True, latest_valuation=29999.0),
        panel(
            {2024: {"equity_financing": 3500.0}},
            founded=dt.date(2019, 5, 1),
            latest_valuation_usd=10000.0,
            pe_funded=True,
        ),
        # missing data: blank ratios, no history, no founding date, undeclared facts
        panel(rd_expense=None, tech_staff=None),
        panel({2024: {}}, founded=None),
        panel(sales_revenue=0.0, operating_revenue=0.0, rd_expense=0.0),
        panel(mainland_resident=None, pe_funded=None, key_core_tech=None),
        panel(major_accident=True),
    ]


def _features() -> pl.DataFrame:
    frames = [df.with_columns(pl.lit(f"E{i:02d}").alias("key")) for i, df in enumerate(_cases())]
    return build_features(pl.concat(frames, how="diagonal_relaxed"), YEAR)


def _in_force() -> list:
    return packs_in_force(list(packs().values()), reference_date(YEAR))


def test_the_boundary_panel_reaches_every_verdict():
    full = evaluate(_features(), _in_force(), YEAR, MEASURES)
    seen = set()
    for pack in _in_force():
        seen.update(full.get_column(f"{pack.code}|status").to_list())
    assert {VERDICTS[v] for v in seen} == set(VERDICTS)


@pytest.mark.parametrize("together", [True, False], ids=["all packs", "pack by pack"])
def test_verdicts_path_equals_the_full_result(together):
    features = _features()
    in_force = _in_force()
    assert len(in_force) >= 8
    for chosen in [in_force] if together else [[p] for p in in_force]:
        full = evaluate(features, chosen, YEAR, MEASURES)
        for batch_rows in (1, 7, 10_000):  # one row a batch, ragged batches, one batch
            lean = evaluate(
                features, chosen, YEAR, MEASURES, outputs="verdicts", batch_rows=batch_rows
            )
            assert lean.columns == ["key", *verdict_columns(chosen), *LADDER]
            assert lean.height == features.height
            assert_frame_equal(lean, full.select(lean.columns), check_exact=True)


def test_verdicts_path_keeps_the_callers_columns_and_empty_frames():
    features = _features().with_columns(pl.col("key").str.to_lowercase().alias("label"))
    chosen = _in_force()
    lean = evaluate(features, chosen, YEAR, MEASURES, keep=("label",), outputs="verdicts")
    assert lean.columns[:2] == ["key", "label"]
    assert lean.get_column("label").to_list() == features.get_column("label").to_list()
    empty = evaluate(
        features.head(0), chosen, YEAR, MEASURES, keep=("label",), outputs="verdicts", batch_rows=4
    )
    assert empty.height == 0 and empty.columns == lean.columns


def test_an_unknown_output_is_refused():
    with pytest.raises(ValueError, match="outputs"):
        evaluate(_features(), _in_force(), YEAR, MEASURES, outputs="scores")


def test_the_input_columns_are_all_the_features_need():
    frames = [
        df.with_columns(pl.lit(f"E{i:02d}").alias("key"), pl.lit("名称").alias("name"))
        for i, df in enumerate(_cases())
    ]
    panel = pl.concat(frames, how="diagonal_relaxed")
    wanted = ["key", *(c for c in input_columns() if c in panel.columns)]
    assert "name" not in wanted and "tech_staff" in wanted and "q_hnte_valid" in wanted
    chosen = _in_force()
    whole = evaluate(build_features(panel, YEAR), chosen, YEAR, MEASURES, outputs="verdicts")
    narrow = build_features(panel.select(wanted), YEAR)
    lean = evaluate(narrow, chosen, YEAR, MEASURES, outputs="verdicts")
    assert_frame_equal(lean, whole, check_exact=True)
