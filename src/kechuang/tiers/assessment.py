"""梯度培育 assessment: evaluate the principal's enterprises against the tier packs, explain each
pack's conditions and gaps, and list the 后备库 (candidates closest to a rung). Reads only; every
enterprise comes through the registry's scoped query or `tiers.scope`."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.excel import Column, write_sheets
from kechuang.core.security import Principal
from kechuang.engines.rules.evaluate import VERDICT_LABELS, VERDICTS, evaluate, explain
from kechuang.engines.rules.packs import Pack
from kechuang.registry.models import Enterprise, Zone
from kechuang.registry.service import EnterpriseFilter, enterprise_query
from kechuang.statistics.queries import current_figures
from kechuang.tiers.features import build_features
from kechuang.tiers.measures import MEASURES
from kechuang.tiers.methodology import (
    RUNG_LABELS,
    TierError,
    families,
    pack_summary,
    packs_for_year,
    source_fields,
)
from kechuang.tiers.qualifications import qualification_facts, qualification_frame
from kechuang.tiers.scope import visible_enterprise


def _registry(session: Session, principal: Principal, flt: EnterpriseFilter) -> pl.DataFrame:
    stmt = enterprise_query(principal, flt).with_only_columns(
        Enterprise.id,
        Enterprise.uscc,
        Enterprise.name,
        Enterprise.founded_on,
        Enterprise.tech_field,
        Enterprise.industry_code,
        Enterprise.zone_id,
        Enterprise.counted_zone_id,
    )
    schema = {
        "key": pl.Int64,
        "uscc": pl.String,
        "name": pl.String,
        "founded_on": pl.Date,
        "tech_field": pl.String,
        "industry_code": pl.String,
        "zone_id": pl.Int64,
        "counted_zone_id": pl.Int64,
    }
    df = pl.DataFrame(session.execute(stmt).all(), schema=schema, orient="row")
    # statistics follow the counting zone (飞地/异地孵化), as the statistics pages do
    return df.with_columns(pl.coalesce("counted_zone_id", "zone_id").alias("stat_zone_id"))


def scoped_panel(
    session: Session, principal: Principal, years: list[int], flt: EnterpriseFilter | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The principal's enterprises (registry columns) and their figures for the years, long."""
    reg = _registry(session, principal, flt or EnterpriseFilter())
    ids = reg.get_column("key").to_list()
    figures = (
        current_figures(session, ids, years).drop("id", "revision").rename({"enterprise_id": "key"})
    )
    panel = figures.join(
        reg.select("key", "founded_on", "tech_field", "industry_code"), on="key", how="inner"
    )
    return reg, panel


def evaluate_year(
    session: Session,
    principal: Principal,
    year: int,
    flt: EnterpriseFilter | None = None,
    detail: bool = False,
    packs: list[Pack] | None = None,
) -> tuple[pl.DataFrame, list[Pack]]:
    """Every visible enterprise with figures for the year, evaluated against every applicable pack."""
    packs = packs or packs_for_year(year)
    reg, panel = scoped_panel(session, principal, [year - k for k in range(5)], flt)
    facts = qualification_facts(qualification_frame(session, reg.get_column("key").to_list()), year)
    if facts.width > 1:
        panel = panel.join(facts, on="key", how="left")
    features = build_features(panel, year)
    result = evaluate(features, packs, year, MEASURES, detail=detail)
    result = result.join(
        reg.select("key", "uscc", "name", "zone_id", "stat_zone_id"), on="key", how="left"
    )
    return result, packs


def zone_names(session: Session) -> dict[int, str]:
    """Zone id → name, for labelling counts and candidate rows."""
    return dict(session.execute(select(Zone.id, Zone.name)).all())


def explain_rows(result: pl.DataFrame, packs: list[Pack], year: int) -> list[dict[str, Any]]:
    """Per pack of a one-enterprise result: its summary, verdict, score items and conditions."""
    rows = explain(result, packs, MEASURES).sort("order")
    out = []
    for pack in packs:
        sub = rows.filter(pl.col("pack") == pack.code)
        if sub.is_empty():
            continue
        cites = {c.code: c.cite for c in pack.leaf_conditions()}
        first = sub.row(0, named=True)
        out.append(
            {
                **pack_summary(pack, year),
                "status": first["pack_status"],
                "status_label": VERDICT_LABELS[first["pack_status"]],
                "score_lo": first["score_lo"],
                "score_hi": first["score_hi"],
                "items": _items(result, pack),
                "conditions": [
                    {
                        k: r[k]
                        for k in (
                            "condition",
                            "label",
                            "kind",
                            "depth",
                            "parent",
                            "measure",
                            "unit",
                            "value",
                            "value_text",
                            "threshold",
                            "threshold_text",
                            "tier",
                            "verdict",
                            "gap",
                            "gap_unit",
                            "gap_text",
                            "source",
                            "confirmed",
                        )
                    }
                    | {"verdict_label": VERDICT_LABELS[r["verdict"]]}
                    | source_fields(cites.get(r["condition"]))
                    for r in sub.iter_rows(named=True)
                ],
            }
        )
    return out


def _items(result: pl.DataFrame, pack: Pack) -> list[dict[str, Any]]:
    row = result.row(0, named=True)
    return [
        {
            "code": i.code,
            "label": i.label,
            "group": pack.group_labels.get(i.group, i.group),
            "max": i.max_points,
            "lo": row.get(f"{pack.code}|item|{i.code}|lo"),
            "hi": row.get(f"{pack.code}|item|{i.code}|hi"),
            "confirmed": i.confirmed,
            "source": pack.cite_text(i.cite),
            **source_fields(i.cite),
        }
        for i in pack.scores
    ]


def enterprise_assessment(
    session: Session, principal: Principal, enterprise_id: int, year: int | None = None
) -> dict[str, Any]:
    """Every pack's verdict, score breakdown, conditions and gaps for one visible enterprise."""
    ent = visible_enterprise(session, principal, enterprise_id)
    years = sorted(current_figures(session, [enterprise_id]).get_column("year").to_list())
    if not years:
        return {
            "enterprise_id": ent.id,
            "name": ent.name,
            "year": None,
            "packs": [],
            "message": "该企业暂无年度统计数据，无法评估",
        }
    year = year if year in years else years[-1]
    result, packs = evaluate_year(
        session, principal, year, EnterpriseFilter(q=ent.uscc), detail=True
    )
    result = result.filter(pl.col("key") == enterprise_id)
    row = result.row(0, named=True)
    return {
        "enterprise_id": ent.id,
        "name": ent.name,
        "uscc": ent.uscc,
        "year": year,
        "years": years,
        "rung": row["rung"],
        "rung_label": RUNG_LABELS[row["rung"]],
        "rung_eval": row["rung_eval"],
        "next_distance": row["next_distance"],
        "packs": explain_rows(result, packs, year),
    }


def candidates(
    session: Session,
    principal: Principal,
    family: str,
    year: int,
    zone_id: int | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """The 后备库 for a rung: visible enterprises not yet meeting it, closest first, with gaps."""
    packs = packs_for_year(year)
    pack = next((p for p in packs if p.family == family), None)
    if pack is None:
        raise TierError(f"未知的梯度类型“{family}”，可选：{'、'.join(families())}")
    limit = max(1, min(limit, 2000))
    result, _ = evaluate_year(
        session, principal, year, EnterpriseFilter(zone_id=zone_id), packs=[pack]
    )
    status = pl.col(f"{pack.code}|status")
    pool = (
        result.filter(
            (status != 0) & ~pl.col(f"{pack.code}|held") & (pl.col(f"{pack.code}|distance") < 10)
        )
        .sort([f"{pack.code}|distance", "key"])
        .head(limit)
    )
    total = int(
        (
            (result.get_column(f"{pack.code}|status") != 0)
            & ~result.get_column(f"{pack.code}|held")
        ).sum()
    )
    rows: list[dict[str, Any]] = []
    if not pool.is_empty():
        ids = pool.get_column("key").to_list()
        detailed, _ = evaluate_year(
            session, principal, year, EnterpriseFilter(zone_id=zone_id), detail=True, packs=[pack]
        )
        detailed = detailed.filter(pl.col("key").is_in(ids))
        ex = explain(detailed, [pack], MEASURES).filter(
            pl.col("verdict").is_in(["unmet", "unknown", "manual_review"])
            & pl.col("kind").is_in(["compare", "score", "manual"])
        )
        gaps = ex.group_by("key", maintain_order=True).agg(
            pl.col("gap_text").drop_nulls().alias("gaps")
        )
        zones = zone_names(session)
        merged = pool.join(gaps, on="key", how="left")
        for r in merged.iter_rows(named=True):
            rows.append(
                {
                    "enterprise_id": r["key"],
                    "uscc": r["uscc"],
                    "name": r["name"],
                    "zone": zones.get(r["stat_zone_id"], ""),
                    "rung": r["rung"],
                    "status": VERDICTS[r[f"{pack.code}|status"]],
                    "status_label": VERDICT_LABELS[VERDICTS[r[f"{pack.code}|status"]]],
                    "distance": round(r[f"{pack.code}|distance"], 4),
                    "gaps": r["gaps"] or [],
                }
            )
    return {"pack": pack_summary(pack, year), "year": year, "total_not_met": total, "rows": rows}


CANDIDATE_COLUMNS = (
    Column("rank", "序号", "int"),
    Column("name", "企业名称"),
    Column("uscc", "统一社会信用代码"),
    Column("zone", "统计归属高新区"),
    Column("status_label", "评估结论"),
    Column("distance", "差距指数", "decimal"),
    Column("gaps", "差距（需弥补的条件）"),
)


def candidates_xlsx(data: dict[str, Any]) -> bytes:
    """The candidate list as an .xlsx (one row per enterprise, gaps joined by ；)."""
    df = pl.DataFrame(
        [
            {
                "rank": i + 1,
                "name": r["name"],
                "uscc": r["uscc"],
                "zone": r["zone"],
                "status_label": r["status_label"],
                "distance": r["distance"],
                "gaps": "；".join(r["gaps"]),
            }
            for i, r in enumerate(data["rows"])
        ],
        schema={
            "rank": pl.Int64,
            "name": pl.String,
            "uscc": pl.String,
            "zone": pl.String,
            "status_label": pl.String,
            "distance": pl.Float64,
            "gaps": pl.String,
        },
    )
    pack = data["pack"]
    return write_sheets(
        [(f"{pack['name']}后备库", CANDIDATE_COLUMNS, df)],
        [
            f"{pack['name']}后备库（{data['year']}年数据，规则 {pack['version']}，{pack['confirmation_label']}）",
            "差距指数：各未满足条件的相对差距之和，越小越接近；不可弥补的条件（规模上限、成立年限）不列入。",
            "差距按企业自身单位给出（万元、人、件），为达到门槛所需的最小增量（约数）。",
        ],
    )
