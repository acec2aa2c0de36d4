"""Call eligibility as data: each call carries a rule pack (the engines/rules format) evaluated on
the applicant unit's registry record and its latest statistics, so "注册满1年、研发投入占比≥3%"
is a YAML condition with its source, not code.

The measures here turn the unit's facts into the numbers a pack compares; a unit missing from the
registry gets unknown values, which the engine reports as 数据缺失 (the bureau checks by hand)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.engines.rules.evaluate import (
    VERDICT_LABELS,
    col_name,
    evaluate,
    explain,
    verdict_name,
)
from kechuang.engines.rules.measures import Measure, div
from kechuang.engines.rules.packs import Pack, RulePackError, parse_pack
from kechuang.registry.models import Enterprise
from kechuang.statistics.models import EnterpriseYear

MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        Measure(
            "years_registered",
            "注册年限",
            "年",
            lambda ctx: pl.lit(ctx.year) - pl.col("founded_year"),
            integer=True,
        ),
        Measure("in_yangzhou", "注册地在扬州市", "", lambda ctx: pl.col("in_yangzhou")),
        Measure("employees", "从业人员", "人", lambda ctx: pl.col("employees"), integer=True),
        Measure("operating_revenue", "营业收入", "万元", lambda ctx: pl.col("operating_revenue")),
        Measure("rd_expense", "研发费用", "万元", lambda ctx: pl.col("rd_expense")),
        Measure(
            "rd_ratio",
            "研发费用占营业收入比例",
            "%",
            lambda ctx: div(pl.col("rd_expense"), pl.col("operating_revenue")),
        ),
    )
}
DEFAULT_PACK_FILE = Path(__file__).parent / "data" / "eligibility_default.yaml"


@cache
def default_pack() -> dict[str, Any]:
    """The shipped provisional eligibility pack (a dict, as a call stores it)."""
    raw = yaml.safe_load(DEFAULT_PACK_FILE.read_text(encoding="utf-8"))
    raw["effective_from"] = str(raw["effective_from"])  # JSON-storable
    return raw


SCHEMA = {
    "key": pl.String,
    "founded_year": pl.Int64,
    "in_yangzhou": pl.Boolean,
    "employees": pl.Float64,
    "operating_revenue": pl.Float64,
    "rd_expense": pl.Float64,
}


def parse_eligibility(raw: dict[str, Any]) -> Pack:
    """The call's eligibility pack; a malformed one raises RulePackError (Chinese)."""
    pack = parse_pack({"family": "program_eligibility", "rung": 1, **raw}, None)
    for cond in pack.leaf_conditions():
        if cond.test is not None and cond.test.measure not in MEASURES:
            raise RulePackError(
                f"申报条件“{cond.code}”使用了未知指标“{cond.test.measure}”（可用："
                + "、".join(f"{m.code}（{m.label}）" for m in MEASURES.values())
                + "）"
            )
    return pack


def unit_features(session: Session, usccs: list[str], year: int) -> pl.DataFrame:
    """One row per USCC: founding year, region and the latest figures up to `year` − 1."""
    ents = {
        e.uscc: e for e in session.scalars(select(Enterprise).where(Enterprise.uscc.in_(usccs)))
    }
    rows = []
    for uscc in usccs:
        e = ents.get(uscc)
        figures: Any = None
        if e is not None:
            figures = session.scalars(
                select(EnterpriseYear)
                .where(
                    EnterpriseYear.enterprise_id == e.id,
                    EnterpriseYear.is_current.is_(True),
                    EnterpriseYear.year <= year - 1,
                )
                .order_by(EnterpriseYear.year.desc())
                .limit(1)
            ).first()

        def num(name: str, f: Any = figures) -> float | None:
            v = getattr(f, name, None) if f is not None else None
            return float(v) if v is not None else None

        rows.append(
            {
                "key": uscc,
                "founded_year": e.founded_on.year if e is not None and e.founded_on else None,
                "in_yangzhou": (e.region_code or "").startswith("3210") if e is not None else None,
                "employees": num("employees"),
                "operating_revenue": num("operating_revenue"),
                "rd_expense": num("rd_expense"),
            }
        )
    return pl.DataFrame(rows, schema=SCHEMA)


def check_units(
    session: Session, raw_pack: dict[str, Any] | None, usccs: list[str], year: int
) -> dict[str, dict[str, Any]]:
    """Per USCC: verdict (met/unmet/unknown/manual_review), its Chinese label and the reasons."""
    if not raw_pack:
        return {u: {"verdict": "met", "label": "符合", "reasons": []} for u in usccs}
    pack = parse_eligibility(raw_pack)
    features = unit_features(session, usccs, year)
    result = evaluate(features, [pack], year, MEASURES)
    detail = explain(result, [pack], MEASURES)
    out: dict[str, dict[str, Any]] = {}
    for row in result.iter_rows(named=True):
        verdict = verdict_name(row[col_name(pack.code, "status")])
        reasons = [
            f"{r['label']}：{VERDICT_LABELS.get(r['verdict'], r['verdict'])}"
            + (f"（实际 {r['value_text']}）" if r.get("value_text") else "")
            for r in detail.filter(pl.col("key") == row["key"]).iter_rows(named=True)
            if r.get("verdict") != "met" and r.get("kind") == "compare"
        ]
        out[row["key"]] = {"verdict": verdict, "label": VERDICT_LABELS[verdict], "reasons": reasons}
    return out
