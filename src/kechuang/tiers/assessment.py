"""梯度培育 assessment: evaluate the principal's enterprises against the tier packs, explain each
pack's conditions and gaps, and list the 后备库 (candidates closest to a rung). Reads only; every
enterprise comes through the registry's scoped query or `tiers.scope`."""

from __future__ import annotations

import copy
import math
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.excel import Column, demo_data_present, write_sheets
from kechuang.core.formatting import fmt_int, fmt_local_time, fmt_money
from kechuang.core.security import Principal
from kechuang.engines.rules.evaluate import VERDICT_LABELS, VERDICTS, evaluate, explain
from kechuang.engines.rules.packs import Pack
from kechuang.registry.models import Enterprise, Zone
from kechuang.registry.scope import scope_label
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
from kechuang.tiers.scope import shared_scope, visible_enterprise


def _registry(
    session: Session,
    principal: Principal,
    flt: EnterpriseFilter,
    keys: list[int] | None = None,
) -> pl.DataFrame:
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
    if keys is not None:
        stmt = stmt.where(Enterprise.id.in_(keys))
    df = pl.DataFrame(session.execute(stmt).all(), schema=schema, orient="row")
    # statistics follow the counting zone (飞地/异地孵化), as the statistics pages do
    return df.with_columns(pl.coalesce("counted_zone_id", "zone_id").alias("stat_zone_id"))


def scoped_panel(
    session: Session,
    principal: Principal,
    years: list[int],
    flt: EnterpriseFilter | None = None,
    keys: list[int] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The principal's enterprises (registry columns, only `keys` when given) and their figures
    for the years, long."""
    reg = _registry(session, principal, flt or EnterpriseFilter(), keys)
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
    keys: list[int] | None = None,
    outputs: str = "full",
) -> tuple[pl.DataFrame, list[Pack]]:
    """Every visible enterprise with figures for the year (only `keys` when given), evaluated
    against every applicable pack.

    outputs="verdicts" keeps only verdicts, status, held, distance and rung (the engine's lean
    path): what counts and candidate rankings of a whole city need."""
    packs = packs or packs_for_year(year)
    # with `keys` (the candidates shown on a page) only their rows are read, not the city's
    reg, panel = scoped_panel(session, principal, [year - k for k in range(5)], flt, keys)
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
    session: Session,
    principal: Principal,
    enterprise_id: int,
    year: int | None = None,
    details: bool | str = True,
) -> dict[str, Any]:
    """Every pack's verdict, score breakdown, conditions and gaps for one visible enterprise;
    with `details` False only each pack's verdict and score, with a pack code that pack's
    details alone (the page explains a pack when it is opened)."""
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
        session, principal, year, EnterpriseFilter(q=ent.uscc), detail=details is not False
    )
    result = result.filter(pl.col("key") == enterprise_id)
    row = result.row(0, named=True)
    if details is False:
        explained = _verdict_rows(row, packs, year)
    elif details is True:
        explained = explain_rows(result, packs, year)
    else:
        explained = explain_rows(result, [p for p in packs if p.code == details], year)
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
        "packs": explained,
    }


def _verdict_rows(row: dict[str, Any], packs: list[Pack], year: int) -> list[dict[str, Any]]:
    """Per pack of a one-enterprise result row: its summary, verdict and score (no conditions)."""
    out = []
    for pack in packs:
        code = row.get(f"{pack.code}|status")
        if code is None:
            continue
        status = VERDICTS[code]
        out.append(
            {
                **pack_summary(pack, year),
                "status": status,
                "status_label": VERDICT_LABELS[status],
                "score_lo": row.get(f"{pack.code}|score_lo"),
                "score_hi": row.get(f"{pack.code}|score_hi"),
            }
        )
    return out


NEAREST = "next"  # the candidate list of every enterprise's nearest higher rung


def candidates(
    session: Session,
    principal: Principal,
    family: str,
    year: int,
    zone_id: int | None = None,
    limit: int = 100,
    sort: str | None = None,
    descending: bool = False,
    offset: int = 0,
) -> dict[str, Any]:
    """The 后备库 for a rung (or, with family "next", for each enterprise's nearest higher rung):
    visible enterprises not yet meeting it, closest first (or in a CANDIDATE_SORTS order, from
    `offset`), each with its 2–3 cheapest gaps in its own units. Verdicts come from the latest
    fresh snapshot when there is one."""
    # imported here: snapshots builds on this module's evaluation
    from kechuang.tiers.snapshots import freshness, year_results

    packs = packs_for_year(year)
    if family == NEAREST:
        chosen = packs
    else:
        chosen = [p for p in packs if p.family == family]
        if not chosen:
            raise TierError(f"未知的梯度类型“{family}”，可选：{'、'.join([NEAREST, *families()])}")
    limit = max(1, min(limit, 2000))
    flt = EnterpriseFilter(zone_id=zone_id)
    fresh = freshness(session, principal, [year])
    key = _pool_key(principal, fresh, family, year, zone_id)
    if key is not None and key in _POOL_MEMO:
        pool, total, source = _POOL_MEMO[key]
    else:
        results, source = year_results(
            session, principal, [year], flt, packs={year: chosen}, fresh=fresh
        )
        pool, total = _candidate_pool(results[year][0], chosen)
        if key is not None:
            if len(_POOL_MEMO) >= _POOL_MEMO_LIMIT:
                _POOL_MEMO.clear()
            _POOL_MEMO[key] = (pool, total, source)
    source = copy.deepcopy(source)
    listed = pool.height
    zones = zone_names(session)
    pool = _sorted_pool(pool, zones, sort, descending).slice(max(0, int(offset)), limit)
    by_code = {p.code: p for p in chosen}
    rows: list[dict[str, Any]] = []
    if not pool.is_empty():
        ids = pool.get_column("key").to_list()
        targets = sorted(set(pool.get_column("target").to_list()), key=lambda c: by_code[c].rung)
        t_packs = [by_code[c] for c in targets]
        detailed, _ = evaluate_year(
            session, principal, year, flt, detail=True, packs=t_packs, keys=ids
        )
        gaps = candidate_gaps(detailed, t_packs)
        for r in pool.iter_rows(named=True):
            pack = by_code[r["target"]]
            g = gaps.get((r["key"], pack.code), {"all": [], "top": [], "items": []})
            status = VERDICTS[r["status"]]
            rows.append(
                {
                    "enterprise_id": r["key"],
                    "uscc": r["uscc"],
                    "name": r["name"],
                    "zone": zones.get(r["stat_zone_id"], ""),
                    "rung": r["rung"],
                    "rung_label": RUNG_LABELS[r["rung"]],
                    "target_family": pack.family,
                    "target_rung": pack.rung,
                    "target_label": pack.name,
                    "status": status,
                    "status_label": VERDICT_LABELS[status],
                    "distance": round(r["distance"], 4),
                    "gaps": g["all"],
                    "top_gaps": g["top"],
                    "gap_items": g["items"],
                    "url": f"/enterprises/{r['key']}",
                }
            )
    if family == NEAREST:
        head = {
            "code": NEAREST,
            "family": NEAREST,
            "name": "各企业最近的下一梯度",
            "version": "、".join(f"{p.name} {p.version}" for p in chosen),
            "confirmation_label": "各规则包分别标注",
            "retrospective": any(pack_summary(p, year)["retrospective"] for p in chosen),
        }
        summaries = [pack_summary(p, year) for p in chosen]
        sources = {s["code"]: s for x in summaries for s in x["sources"]}
        summary = {
            **summaries[0],
            **head,
            "rung": 0,
            "rung_label": "",
            "documents": {k: v for x in summaries for k, v in x["documents"].items()},
            "sources": list(sources.values()),
            "readings": [],
            "not_evaluated": [],
        }
    else:
        summary = pack_summary(chosen[0], year)
    return {
        "pack": summary,
        "year": year,
        "total_not_met": total,
        "listed": listed,
        "offset": max(0, int(offset)),
        "rows": rows,
        "source": source,
        # what an export's title row says: whose enterprises, and whether they are demo data
        "scope": zone_names(session).get(zone_id, "")
        if zone_id
        else scope_label(session, principal),
        "demo": demo_data_present(session),
    }


# the orders a candidate list may ask for (anything else: closest first)
CANDIDATE_SORTS = ("distance", "name", "uscc", "zone", "rung", "target_rung", "status")


def _sorted_pool(
    pool: pl.DataFrame, zones: dict[int, str], sort: str | None, descending: bool
) -> pl.DataFrame:
    """The pool in the asked order, empty values last, ties by enterprise id (stable pages)."""
    if sort not in CANDIDATE_SORTS or sort == "distance":
        return pool.sort(
            ["distance", "target_rung", "key"],
            descending=[descending, False, False],
            nulls_last=True,
        )
    if sort == "zone":
        pool = pool.with_columns(
            pl.col("stat_zone_id")
            .replace_strict(zones, default=None, return_dtype=pl.String)
            .alias("zone")
        )
    return pool.sort([sort, "key"], descending=[descending, False], nulls_last=True)


# Candidate pools already read from a fresh snapshot in this process, per scope, zone filter,
# year and rung: at 100,000 enterprises a pool is built from every enterprise's stored verdicts
# and registry row (about a second), while a page of the list, another sort or the export needs
# only the pool. Kept while the snapshot and the data signature (which covers the registry's
# names and codes the pool carries) are unchanged; a frame is never modified, so it is shared.
_POOL_MEMO: dict[tuple, tuple[pl.DataFrame, int, dict[str, Any]]] = {}
_POOL_MEMO_LIMIT = 16


def _pool_key(
    principal: Principal, fresh: dict[str, Any], family: str, year: int, zone_id: int | None
) -> tuple | None:
    """The memo key of a pool read from a fresh snapshot (city or zone scope), else None."""
    scope = shared_scope(principal)
    if fresh["state"] != "fresh" or not fresh.get("signature") or scope is None:
        return None
    snap = fresh["snapshot"]
    return (
        snap["id"],
        str(snap["created_at"]),
        snap["input_hash"],
        fresh["signature"],
        scope,
        family,
        year,
        zone_id,
    )


def _candidate_pool(result: pl.DataFrame, packs: list[Pack]) -> tuple[pl.DataFrame, int]:
    """Per enterprise its target pack (the given one, or the nearest of the rungs above its own)
    with status and distance; and how many enterprises do not meet a target at all."""
    frames = []
    for p in packs:
        frames.append(
            result.select(
                "key",
                "uscc",
                "name",
                "stat_zone_id",
                "rung",
                pl.lit(p.code).alias("target"),
                pl.lit(p.rung, dtype=pl.Int64).alias("target_rung"),
                pl.col(f"{p.code}|status").alias("status"),
                pl.col(f"{p.code}|held").alias("held"),
                pl.col(f"{p.code}|distance").alias("distance"),
            )
        )
    long = pl.concat(frames, how="vertical_relaxed")
    open_ = long.filter((pl.col("status") != 0) & ~pl.col("held"))
    if len(packs) > 1:
        # only rungs above the enterprise's own are "next"; the nearest one wins (lower on ties)
        open_ = open_.filter(pl.col("target_rung") > pl.col("rung"))
    total = open_.select("key").unique().height
    pool = (
        open_.filter(pl.col("distance") < 10)
        .sort("distance", "target_rung")
        .group_by("key", maintain_order=True)
        .first()
    )
    return pool, total


def _amount(gap: float, unit: str) -> str:
    """A gap in its own unit: whole people/items rounded up, money in 万元/亿元, others 2 places."""
    if unit in ("人", "件", "项", "家", "分"):
        return fmt_int(math.ceil(gap - 1e-9), f" {unit}")
    if unit == "万元":
        return fmt_money(gap, 1).replace("万元", " 万元").replace("亿元", " 亿元")
    return f"{gap:,.2f} {unit}".rstrip()


def _lever_subject(text: str) -> tuple[str, str]:
    """ "增加研发费用" → ("研发费用", "还差"); "减少负债" → ("负债", "需减少")."""
    for verb in ("增加", "新增", "获得"):
        if text.startswith(verb):
            return text[len(verb) :], "还差"
    for verb in ("减少", "提高"):
        if text.startswith(verb):
            return text[len(verb) :], f"需{verb}"
    return text, "还差"


def _route(cond: Any, rows: dict[str, dict[str, Any]]) -> tuple[float, list[dict[str, Any]]]:
    """A condition's distance and the open leaves that make it, as the engine sums them: an
    all_of adds its children, an any_of takes its nearest alternative only (so the gaps listed are
    those of one route, not every route's)."""
    if cond.kind in ("all_of", "any_of"):
        parts = [_route(c, rows) for c in cond.children]
        if not parts:
            return 0.0, []
        if cond.kind == "any_of":
            return min(parts, key=lambda p: p[0])
        return sum(p[0] for p in parts), [leaf for p in parts for leaf in p[1]]
    r = rows.get(cond.code)
    if r is None:  # met (only open verdicts are looked up)
        return 0.0, []
    if r["verdict"] == "manual_review":
        return 0.25, [r]
    if r["verdict"] == "unknown":
        return 1.0, [r]
    if not cond.closable:
        return 10.0, [r]
    return (min(r["relative"], 1.0) if r["gap"] is not None else 1.0), [r]


def candidate_gaps(
    detailed: pl.DataFrame, packs: list[Pack], top: int = 3
) -> dict[tuple[int, str], dict[str, Any]]:
    """(key, pack) → all gap texts, the `top` cheapest closable gaps of the nearest route
    (smallest relative shortfall) as "研发费用 还差 35.2 万元", and their items; open verdicts
    without an amount on that route (missing data, expert review) fill the list after them."""
    if detailed.is_empty():
        return {}
    ex = explain(detailed, packs, MEASURES).filter(
        pl.col("verdict").is_in(["unmet", "unknown", "manual_review"])
        & pl.col("kind").is_in(["compare", "score", "manual"])
    )
    by_code = {p.code: p for p in packs}
    levers = {
        (p.code, c.code): MEASURES[c.test.measure].lever_text
        for p in packs
        for c in p.leaf_conditions()
        if c.test is not None and c.test.measure in MEASURES
    }
    # the engine's relative shortfall: |t − v| / |t|; a score test's own gap (from the top of
    # its range) over the pass mark, since its value is the range's low end
    ok_t = pl.col("threshold").is_not_null() & (pl.col("threshold").abs() > 1e-12)
    rel = (
        pl.when(ok_t & (pl.col("kind") == "score"))
        .then(pl.col("gap") / pl.col("threshold").abs())
        .when(ok_t)
        .then((pl.col("threshold") - pl.col("value")).abs() / pl.col("threshold").abs())
        .otherwise(1.0)
    )
    ex = ex.with_columns(rel.alias("relative")).with_row_index("__i")
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for (key, code), sub in ex.group_by("key", "pack", maintain_order=True):
        rows = {r["condition"]: r for r in sub.iter_rows(named=True)}
        leaves = [leaf for c in by_code[code].conditions for leaf in _route(c, rows)[1]]
        leaves.sort(key=lambda r: r["__i"])
        closable = [r for r in leaves if r["verdict"] == "unmet" and r["gap"] is not None]
        items = []
        for r in sorted(closable, key=lambda r: (r["relative"], r["__i"])):
            if r["kind"] == "score":
                subject, verb = "评价得分", "还差"
            else:
                subject, verb = _lever_subject(levers.get((code, r["condition"])) or r["measure"])
            items.append(
                {
                    "condition": r["condition"],
                    "label": r["label"],
                    "gap": r["gap"],
                    "unit": r["gap_unit"],
                    "relative": round(r["relative"], 4),
                    "text": f"{subject} {verb} {_amount(r['gap'], r['gap_unit'])}",
                }
            )
        texts = [i["text"] for i in items]
        # then what data or an expert could settle on that route (a yes/no has no amount)
        texts += [
            r["gap_text"]
            for r in leaves
            if r["verdict"] in ("unknown", "manual_review") and r["gap_text"]
        ]
        out[(key, code)] = {
            "all": [t for t in sub.sort("__i").get_column("gap_text").to_list() if t],
            "top": list(dict.fromkeys(texts))[:top],
            "items": items[:top],
        }
    return out


CANDIDATE_COLUMNS = (
    Column("rank", "序号", "int"),
    Column("name", "企业名称"),
    Column("uscc", "统一社会信用代码"),
    Column("zone", "统计归属高新区"),
    Column("rung_label", "当前梯度"),
    Column("target_label", "最近的目标梯度"),
    Column("status_label", "评估结论"),
    Column("distance", "差距指数", "decimal"),
    Column("top_gaps", "最易弥补的差距"),
    Column("gaps", "差距（需弥补的条件）"),
    Column("url", "企业页面"),
)


def candidates_xlsx(data: dict[str, Any]) -> bytes:
    """The candidate list as an .xlsx (one row per enterprise, gaps joined by ；)."""
    schema = {
        "rank": pl.Int64,
        "name": pl.String,
        "uscc": pl.String,
        "zone": pl.String,
        "rung_label": pl.String,
        "target_label": pl.String,
        "status_label": pl.String,
        "distance": pl.Float64,
        "top_gaps": pl.String,
        "gaps": pl.String,
        "url": pl.String,
    }
    df = pl.DataFrame(
        [
            {
                "rank": i + 1,
                **{k: r.get(k) for k in schema if k not in ("rank", "top_gaps", "gaps")},
                "top_gaps": "；".join(r.get("top_gaps", [])),
                "gaps": "；".join(r["gaps"]),
            }
            for i, r in enumerate(data["rows"])
        ],
        schema=schema,
    )
    pack = data["pack"]
    return write_sheets(
        [(f"{pack['name']}后备库", CANDIDATE_COLUMNS, df)],
        title=f"{pack['name']}后备库",
        scope=data.get("scope", ""),
        year=data["year"],
        demo=data.get("demo", False),
        sources=[src["code"] for src in pack.get("sources", []) if src.get("code")],
        methodology_version=str(pack.get("version", "")),
        notes=[
            f"{pack['name']}后备库（{data['year']}年数据，规则 {pack['version']}，{pack['confirmation_label']}"
            + ("，回溯评估：该版本规则当年尚未施行" if pack.get("retrospective") else "")
            + "）",
            "差距指数：各未满足条件的相对差距之和，越小越接近；不可弥补的条件（规模上限、成立年限）不列入。",
            "差距按企业自身单位给出（万元、人、件），为达到门槛所需的最小增量（约数）；"
            "“最易弥补的差距”按相对差距从小到大列出前三项。",
            "企业页面：在本平台地址后接该路径打开企业详情。",
            _source_note(data.get("source")),
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


def _source_note(source: dict[str, Any] | None) -> str:
    """Where the verdicts came from: a stored snapshot (with its id and time) or computed now."""
    if source and source.get("kind") == "snapshot":
        snap = source["snapshot"]
        return (
            f"评估结论读自梯度评估快照 #{snap['id']}（{fmt_local_time(snap['created_at'])}保存）。"
        )
    reason = f"（{source['reason']}）" if source and source.get("reason") else ""
    return f"评估结论为实时计算{reason}。"
