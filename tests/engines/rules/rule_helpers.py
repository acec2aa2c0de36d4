"""Helpers for rule-engine tests: a panel from a few figures, evaluation of one pack."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import polars as pl

from kechuang.engines.rules.evaluate import evaluate, explain
from kechuang.engines.rules.packs import Pack, load_pack_dir
from kechuang.tiers.features import build_features
from kechuang.tiers.measures import MEASURES

PACK_DIR = Path(__file__).resolve().parents[3] / "src/kechuang/tiers/methodology/packs"
YEAR = 2024

# A plain small tech firm that meets the tech-SME rules comfortably.
BASE = dict(
    employees=100,
    tech_staff=30,
    rd_staff=20,
    operating_revenue=5000.0,
    main_business_revenue=4800.0,
    sales_revenue=5000.0,
    total_revenue=5000.0,
    high_tech_revenue=4000.0,
    rd_expense=250.0,
    rd_expense_domestic=250.0,
    rd_expense_outsourced=0.0,
    total_cost=4500.0,
    total_assets=6000.0,
    total_liabilities=3000.0,
    net_profit=300.0,
    ip_class1=1,
    ip_class2=5,
    standards_led=0,
    tech_transfers=3,
    equity_financing=0.0,
    latest_valuation=0.0,
    is_listed=False,
    major_accident=False,
    environmental_violation=False,
    dishonest_listed=False,
    abnormal_operation=False,
    # facts the tier rules need beyond the classic statistics (issue 15)
    ip_class1_self_developed=0,
    ip_class1_high_value=0,
    standards_participated=0,
    sci_activity_expense=250.0,
    latest_valuation_usd=None,
    mainland_resident=True,
    restricted_products=False,
    strategic_emerging=False,
    pe_funded=False,
    key_core_tech=False,
    new_track=False,
    tech_field="电子信息",
    industry_code="C3911",
)


@lru_cache
def packs() -> dict[str, Pack]:
    """Every shipped pack by code."""
    return {p.code: p for p in load_pack_dir(PACK_DIR)}


def panel(
    years: dict[int, dict] | None = None, founded: dt.date | None = dt.date(2015, 1, 1), **current
) -> pl.DataFrame:
    """A one-enterprise panel: BASE for 2021–2024, overridden per year and for 2024 by kwargs."""
    years = {y: {} for y in (2021, 2022, 2023, 2024)} if years is None else years
    rows = []
    for y, over in sorted(years.items()):
        row = {"key": "A", "year": y, **BASE, **over, "founded_on": founded}
        if y == YEAR:
            row.update(current)
        rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None)


def run(pack_code: str, df: pl.DataFrame, year: int = YEAR) -> dict:
    """Evaluate one pack; returns the single wide result row as a dict."""
    pack = packs()[pack_code]
    return evaluate(build_features(df, year), [pack], year, MEASURES).row(0, named=True)


def status(pack_code: str, df: pl.DataFrame, year: int = YEAR) -> str:
    """The pack's verdict for the one enterprise."""
    return ("met", "manual_review", "unknown", "unmet")[
        run(pack_code, df, year)[f"{pack_code}|status"]
    ]


def verdict(pack_code: str, cond: str, df: pl.DataFrame, year: int = YEAR) -> str:
    """One condition's verdict."""
    return ("met", "manual_review", "unknown", "unmet")[
        run(pack_code, df, year)[f"{pack_code}|{cond}|verdict"]
    ]


def explained(pack_code: str, df: pl.DataFrame, year: int = YEAR) -> pl.DataFrame:
    """The long explanation rows of one pack."""
    pack = packs()[pack_code]
    return explain(evaluate(build_features(df, year), [pack], year, MEASURES), [pack], MEASURES)
