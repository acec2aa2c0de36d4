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
    cited_sources,
    families,
    inferred_reading,
    pack_summary,
    packs_for_year,
    retrospective,
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
    outputs: str = "full",
) -> tuple[pl.DataFrame, list[Pack]]:
    """Every visible enterprise with figures for the year, evaluated against every applicable pack.

    outputs="verdicts" keeps only verdicts, status, held, distance and rung (the engine's lean
    path): what counts and candidate rankings of a whole city need."""
    packs = packs or packs_for_year(year)
    reg, panel = scoped_panel(session, principal, [year - k for k in range(5)], flt)
    facts = qualification_facts(qualification_frame(session, reg.get_column("key").to_list()), year)
    if facts.width > 1:
        panel = panel.join(facts, on="key", how="left")
    features = build_features(panel, year)
    result = evaluate(features, packs, year, MEASURES, detail=detail, outputs=outputs)
    result = result.join(
        reg.select("key", "uscc", "name", "zone_id", "stat_zone_id"), on="key", how="left"
    )
    return result, packs


def zone_names(session: Session) -> dict[int, str]:
    """Zone id → name, for labelling counts and candidate rows."""
    return dict(session.execute(select(Zone.id, Zone.name)).all())


# --- labels every explanation row carries (CLI, API, pages, self-assessment) ----------------

ANNOTATIONS: dict[str, pl.DataType] = {
    "pack_confirmation": pl.String(),
    "pack_confirmation_label": pl.String(),
    "confirmation": pl.String(),
    "confirmation_label": pl.String(),
    "confirmed": pl.Boolean(),
    "inferred": pl.Boolean(),
    "inferred_reading": pl.String(),
    "retrospective": pl.Boolean(),
    "source_code": pl.String(),
    "source_title": pl.String(),
    "source_issuer": pl.String(),
    "source_number": pl.String(),
    "source_article": pl.String(),
    "source_full": pl.String(),
}


def condition_annotations(pack: Pack, year: int) -> dict[str, dict[str, Any]]:
    """Per condition code: the pack's and the condition's confirmation, whether the reading is
    inferred, whether the pack is applied retrospectively, and its sources in full."""
    retro = retrospective(pack, year)
    out: dict[str, dict[str, Any]] = {}
    for cond in pack.leaf_conditions():
        level = cond.cite.confirmation if cond.cite else "unconfirmed"
        reading = inferred_reading(pack, cond.code)
        srcs = cited_sources(pack, cond.cite, cond.code)
        first = srcs[0] if srcs else {}
        out[cond.code] = {
            "pack_confirmation": pack.confirmation,
            "pack_confirmation_label": pack.confirmation_label,
            "confirmation": level,
            "confirmation_label": source_fields(cond.cite)["confirmation_label"],
            # confirmed only when both the rule and the whole pack are (single_source is not)
            "confirmed": level == "confirmed" and pack.confirmation == "confirmed",
            "inferred": bool(reading),
            "inferred_reading": reading,
            "retrospective": retro,
            "source_code": first.get("code"),
            "source_title": first.get("citation"),
            "source_issuer": first.get("issuer"),
            "source_number": first.get("number"),
            "source_article": first.get("article"),
            "source_full": "；".join(x["full_text"] for x in srcs),
        }
    return out


def annotate(rows: pl.DataFrame, packs: list[Pack], year: int) -> pl.DataFrame:
    """Explanation rows (engine `explain`) with the labels of `ANNOTATIONS` added (overriding the
    engine's `confirmed`, which counts a single-source rule as confirmed)."""
    if rows.is_empty():
        return rows
    table = {
        f"{pack.code}|{code}": notes
        for pack in packs
        for code, notes in condition_annotations(pack, year).items()
    }
    key = pl.col("pack") + pl.lit("|") + pl.col("condition")
    return rows.with_columns(
        key.replace_strict(
            {k: v[name] for k, v in table.items()}, default=None, return_dtype=dtype
        ).alias(name)
        for name, dtype in ANNOTATIONS.items()
    )


# Feature columns that are not input fields, and the input field each stands for.
_DERIVED_INPUTS = {
    "__standards_5y": "standards_led",
    "__standards_5y_blank": "standards_led",
    "__equity_cum": "equity_financing",
    "founded_year": "founded_on",
}
_NOT_INPUTS = {"op_years", "assessment_year", "key", "year"}


def input_label(column: str) -> str:
    """The Chinese name of the input a feature column comes from (with the year it is for)."""
    from kechuang.statistics.fields import FIELDS_BY_CODE

    base, _, lag = column.partition("__p")
    base = _DERIVED_INPUTS.get(column, base)
    names = {
        "founded_on": "成立日期",
        "hnte_applied_on": "高企申请日期",
        "tech_field": "技术领域",
        "industry_code": "行业代码",
    }
    field = FIELDS_BY_CODE.get(base)
    label = field.template_header if field else names.get(base)
    if label is None:
        label = MEASURES[base].label if base in MEASURES else base
    return f"{label}（评价年度前{lag}年）" if lag else label


def _measure_columns(pack: Pack, code: str, year: int) -> list[str]:
    from kechuang.engines.rules.measures import Ctx

    expr = MEASURES[code].build(Ctx(year, pack.params))
    return [n for n in expr.meta.root_names() if n not in _NOT_INPUTS]


def _condition_measures(pack: Pack) -> dict[str, set[str]]:
    """Per condition code: the measures its verdict reads (a score test: every scored item's)."""
    items = {
        t.measure for i in pack.scores for s in (i, *i.choose_max) for b in s.bands for t in b.tests
    }
    out: dict[str, set[str]] = {}
    for cond in pack.leaf_conditions():
        if cond.kind == "compare" and cond.test is not None:
            out[cond.code] = {cond.test.measure} | {t.test.measure for t in cond.tiers if t.test}
        elif cond.kind == "score":
            out[cond.code] = set(items)
    return out


def _blank(column: str, year: int) -> pl.Expr:
    """True where an input the column comes from is blank and could be filled in."""
    if column.endswith("_blank"):  # a derived flag says "an input was blank" itself
        return pl.col(column)
    _, _, lag = column.partition("__p")
    if not lag.isdigit():
        return pl.col(column).is_null()
    # a year before the enterprise was founded has no figures to fill in
    founded = pl.col("founded_year")
    return pl.col(column).is_null() & (founded.is_null() | (founded <= year - int(lag)))


def missing_inputs(
    features: pl.DataFrame, rows: pl.DataFrame, packs: list[Pack], year: int
) -> pl.DataFrame:
    """Explanation rows with `missing_fields`: for a condition whose verdict is `unknown`, the
    inputs it reads that are blank for the enterprise (filling them could change the verdict)."""
    if rows.is_empty():
        return rows.with_columns(pl.lit(None, dtype=pl.List(pl.String)).alias("missing_fields"))
    frames = []
    for pack in packs:
        for cond, codes in _condition_measures(pack).items():
            cols = sorted({c for m in codes for c in _measure_columns(pack, m, year)})
            cols = [c for c in cols if c in features.columns]
            blanks = [pl.when(_blank(c, year)).then(pl.lit(input_label(c))) for c in cols]
            frames.append(
                features.select(
                    pl.col("key"),
                    pl.lit(pack.code).alias("pack"),
                    pl.lit(cond).alias("condition"),
                    (
                        pl.concat_list(blanks).list.drop_nulls().list.unique(maintain_order=True)
                        if blanks
                        else pl.lit([], dtype=pl.List(pl.String))
                    ).alias("missing_fields"),
                )
            )
    miss = pl.concat(frames) if frames else None
    indexed = rows.with_row_index("__i")
    if miss is None:
        out = indexed.with_columns(pl.lit(None, dtype=pl.List(pl.String)).alias("missing_fields"))
    else:
        out = indexed.join(
            miss.with_columns(pl.col("key").cast(rows.schema["key"])),
            on=["key", "pack", "condition"],
            how="left",
        )
    out = out.with_columns(
        pl.when(pl.col("verdict") == "unknown")
        .then(pl.col("missing_fields"))
        .alias("missing_fields")
    )
    return out.sort("__i").drop("__i")


def pack_missing_fields(rows: pl.DataFrame) -> dict[tuple[Any, str], list[str]]:
    """(key, pack) → the blank inputs that could change a pack verdict still open (unknown or
    expert review); a met or unmet pack is settled whatever is filled in."""
    if "missing_fields" not in rows.columns or rows.is_empty():
        return {}
    open_rows = rows.filter(
        pl.col("pack_status").is_in(["unknown", "manual_review"])
        & pl.col("missing_fields").is_not_null()
    )
    agg = open_rows.group_by("key", "pack", maintain_order=True).agg(
        pl.col("missing_fields").explode().drop_nulls().unique(maintain_order=True)
    )
    return {(r["key"], r["pack"]): r["missing_fields"] for r in agg.iter_rows(named=True)}


def explain_rows(
    result: pl.DataFrame, packs: list[Pack], year: int, features: pl.DataFrame | None = None
) -> list[dict[str, Any]]:
    """Per pack of a one-enterprise result: its summary, verdict, score items and conditions
    (with `features`, also the blank inputs that could change each open verdict)."""
    rows = annotate(explain(result, packs, MEASURES).sort("order"), packs, year)
    if features is not None:
        rows = missing_inputs(features, rows, packs, year)
    missing = pack_missing_fields(rows)
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
                "missing_fields": missing.get((first["key"], pack.code), []),
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
                            "pack_confirmation",
                            "inferred",
                            "inferred_reading",
                            "retrospective",
                            "source_full",
                        )
                    }
                    | {
                        "verdict_label": VERDICT_LABELS[r["verdict"]],
                        "missing_fields": r.get("missing_fields") or [],
                        "sources": cited_sources(pack, cites.get(r["condition"]), r["condition"]),
                    }
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
            "confirmed": i.confirmed
            and (i.cite is None or i.cite.confirmation == "confirmed")
            and pack.confirmation == "confirmed",
            "source": pack.cite_text(i.cite),
            "source_full": "；".join(x["full_text"] for x in cited_sources(pack, i.cite)),
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
        session,
        principal,
        year,
        EnterpriseFilter(zone_id=zone_id),
        packs=[pack],
        outputs="verdicts",
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
            f"{pack['name']}后备库（{data['year']}年数据，规则 {pack['version']}，{pack['confirmation_label']}"
            + ("，回溯评估：该版本规则当年尚未施行" if pack.get("retrospective") else "")
            + "）",
            "差距指数：各未满足条件的相对差距之和，越小越接近；不可弥补的条件（规模上限、成立年限）不列入。",
            "差距按企业自身单位给出（万元、人、件），为达到门槛所需的最小增量（约数）。",
            *(
                "出处："
                + src["citation"]
                + (f"，{src['issuer']}" if src.get("issuer") else "")
                + (f"，{src['date']}" if src.get("date") else "")
                for src in pack.get("sources", [])
            ),
            *(f"口径：{r}" for r in pack.get("readings", [])),
            *(f"未自动判断：{n['label']}（{n['source']}）" for n in pack.get("not_evaluated", [])),
        ],
    )
