"""Innovation-points services: stored runs, explained cards, what-if, lists, consent, flags, exports.

Every read of enterprise data is scoped by `enterprise_scope(principal)`, except the bank list,
which a `bank_viewer` (scope "none") reaches only through recorded consent. Services flush, never
commit; ORM writes (runs, consent, flags) are audited automatically, the bulk score insert by
`audit.record`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from kechuang.core import audit
from kechuang.core.config import get_settings
from kechuang.core.db import bulk_insert
from kechuang.core.domain import section_functions
from kechuang.core.errors import BadInput, NotFound
from kechuang.core.excel import Column, write_sheets
from kechuang.core.scope import ScopeError
from kechuang.core.security import Principal
from kechuang.core.tables import sort_order
from kechuang.points import methodology as meth
from kechuang.points.models import (
    ConsentDocument,
    PointsConsent,
    PointsFlag,
    PointsRun,
    PointsScore,
)
from kechuang.points.scope import (
    bank_consent_join,
    forbid_bank,
    is_own_enterprise,
    may_write_flags_of,
    require_bank_list_reader,
    require_consent_writer,
    require_flag_writer,
    require_run_writer,
)
from kechuang.points.scoring import (
    PEER_GROUP_MIN,
    RANK_LABELS,
    ScoringError,
    input_hash,
    score,
    shortfalls,
    what_if,
)
from kechuang.registry.models import Enterprise, Zone
from kechuang.registry.scope import enterprise_scope, scope_label
from kechuang.registry.service import get_enterprise
from kechuang.statistics.fields import FIELDS_BY_CODE
from kechuang.statistics.queries import current_figures


class PointsError(BadInput):
    """Bad input to a points service (message in Chinese; nothing was changed)."""


# ------------------------------------------------------------------------------------------------
# inputs and runs


def load_inputs(
    session: Session, m: meth.Methodology, years: list[int] | None = None
) -> pl.DataFrame:
    """Every enterprise-year's current figures with registry facts and flags (internal: unscoped).

    Only runs (city admin) and what-if (which returns the asking enterprise's row only) read it.
    """
    figures = current_figures(session, None, years).drop("id", "revision")
    ents = session.execute(
        select(
            Enterprise.id,
            Enterprise.uscc,
            Enterprise.name,
            Enterprise.founded_on,
            Enterprise.industry_code,
            Enterprise.zone_id,
            Enterprise.counted_zone_id,
        )
    ).all()
    reg = pl.DataFrame(
        ents,
        orient="row",
        schema={
            "enterprise_id": pl.Int64,
            "uscc": pl.String,
            "name": pl.String,
            "founded_on": pl.Date,
            "industry_code": pl.String,
            "zone_id": pl.Int64,
            "counted_zone_id": pl.Int64,
        },
    )
    # ranks "in its zone" follow the statistics: an enclave counts where it is counted
    reg = reg.with_columns(pl.coalesce("counted_zone_id", "zone_id").alias("zone")).drop(
        "zone_id", "counted_zone_id"
    )
    frame = figures.join(reg, on="enterprise_id", how="inner")
    if m.flags:
        stmt = select(
            PointsFlag.enterprise_id, PointsFlag.year, PointsFlag.code, PointsFlag.value
        ).where(PointsFlag.code.in_(list(m.flags)))
        if years:
            stmt = stmt.where(PointsFlag.year.in_(years))
        flags = pl.DataFrame(
            session.execute(stmt).all(),
            orient="row",
            schema={
                "enterprise_id": pl.Int64,
                "year": pl.Int64,
                "code": pl.String,
                "value": pl.Boolean,
            },
        )
        if flags.height:
            wide = flags.pivot(on="code", index=["enterprise_id", "year"], values="value")
            frame = frame.join(wide, on=["enterprise_id", "year"], how="left")
    return frame.sort("enterprise_id", "year")


def methodology_of(run: PointsRun) -> meth.Methodology:
    """The methodology version a run was computed with."""
    try:
        return meth.load(f"{run.methodology_code}@{run.methodology_version}")
    except meth.MethodologyError as exc:
        raise PointsError(
            f"积分计算 #{run.id} 使用的方法“{run.methodology_code} "
            f"v{run.methodology_version}”已不在本系统中"
        ) from exc


def create_run(session: Session, principal: Principal, code: str | None = None) -> PointsRun:
    """Score every enterprise-year with a methodology and store the run (city admin only)."""
    require_run_writer(principal)
    try:
        m = meth.load(code)
    except meth.MethodologyError as exc:
        raise PointsError(str(exc)) from exc
    inputs = load_inputs(session, m)
    if inputs.is_empty():
        raise PointsError("暂无企业年度统计数据，无法计算创新积分：请先导入企业年度统计")
    scored = score(inputs, m, "enterprise_id")
    run = PointsRun(
        methodology_code=m.code,
        methodology_version=m.version,
        methodology_name=m.name,
        methodology_digest=m.digest,
        mode=m.mode,
        provisional=m.provisional,
        input_hash=input_hash(inputs, m, "enterprise_id"),
        years=sorted(int(y) for y in scored.get_column("year").unique()),
        scored=scored.height,
        created_by=principal.username,
    )
    session.add(run)
    session.flush()
    table = _storage_frame(scored, m, run.id)
    bulk_insert(session, PointsScore.__table__, table.columns, table.rows())
    audit.record(
        session,
        "create",
        "points_scores",
        run.id,
        f"计算创新积分（{m.label}）：{scored.height} 条企业年度积分",
        after={
            "run_id": run.id,
            "methodology": f"{m.code}@{m.version}",
            "input_hash": run.input_hash,
            "rows": scored.height,
        },
    )
    session.flush()
    return run


def _storage_frame(scored: pl.DataFrame, m: meth.Methodology, run_id: int) -> pl.DataFrame:
    codes = [i.code for i in m.indicators]
    short = pl.Series("__short", shortfalls(scored, m), dtype=pl.List(pl.String))
    hits = [pl.when(pl.col(f"bonus__{i.code}")).then(pl.lit(i.code)) for i in m.bonus] or [
        pl.lit(None, dtype=pl.String)
    ]
    negs = [pl.when(pl.col(f"neg__{i.code}")).then(pl.lit(i.code)) for i in m.negative] or [
        pl.lit(None, dtype=pl.String)
    ]
    detail = pl.struct(
        pl.struct([pl.col(f"v__{c}").alias(c) for c in codes]).alias("v"),
        pl.struct([pl.col(f"p__{c}").alias(c) for c in codes]).alias("p"),
        pl.struct([pl.col(f"gap__{c}").alias(c) for c in codes]).alias("gap"),
        pl.col("__short").alias("short"),
        pl.concat_list(hits).list.drop_nulls().alias("bonus"),
        pl.concat_list(negs).list.drop_nulls().alias("neg"),
    ).struct.json_encode()
    cats = pl.struct(
        [pl.col(f"c__{c.code}").alias(c.code) for c in m.categories]
    ).struct.json_encode()
    previous = scored.select(
        "enterprise_id", (pl.col("year") + 1).alias("year"), pl.col("total").alias("__previous")
    )
    scored = scored.with_columns(short).join(
        previous, on=["enterprise_id", "year"], how="left", maintain_order="left"
    )
    return scored.select(
        pl.lit(run_id).alias("run_id"),
        "enterprise_id",
        "year",
        "stage",
        pl.col("zone").cast(pl.Int64).alias("zone_id"),
        "industry_division",
        "total",
        (pl.col("total") - pl.col("__previous")).alias("delta"),
        "base",
        "bonus",
        "penalty",
        "vetoed",
        *[f"{k}_{s}" for s in RANK_LABELS for k in ("rank", "n")],
        cats.alias("categories"),
        detail.alias("detail"),
    )


def get_run(session: Session, run_id: int | None = None) -> PointsRun | None:
    """A run by id, or the newest run."""
    if run_id is not None:
        run = session.get(PointsRun, run_id)
        if run is None:
            raise PointsError(f"积分计算 #{run_id} 不存在")
        return run
    return session.scalar(select(PointsRun).order_by(PointsRun.id.desc()).limit(1))


def list_runs(session: Session) -> list[dict[str, Any]]:
    """Every run, newest first (methodology, version, input hash: public facts, no scores)."""
    return [
        run_summary(r) for r in session.scalars(select(PointsRun).order_by(PointsRun.id.desc()))
    ]


def run_summary(run: PointsRun) -> dict[str, Any]:
    """A run's facts as a dict."""
    return {
        "id": run.id,
        "methodology_code": run.methodology_code,
        "methodology_version": run.methodology_version,
        "methodology_name": run.methodology_name,
        "mode": run.mode,
        "mode_label": meth.MODES.get(run.mode, run.mode),
        "provisional": run.provisional,
        "input_hash": run.input_hash,
        "methodology_digest": run.methodology_digest,
        "years": list(run.years or []),
        "scored": run.scored,
        "created_by": run.created_by,
        "created_at": run.created_at.isoformat() if run.created_at else None,
    }


def _run_and_year(session: Session, run_id: int | None, year: int | None) -> tuple[PointsRun, int]:
    run = get_run(session, run_id)
    if run is None:
        raise PointsError("尚未计算创新积分：请市科技局管理员先执行一次积分计算")
    years = list(run.years or [])
    if year is None:
        year = max(years) if years else 0
    elif year not in years:
        raise PointsError(
            f"积分计算 #{run.id} 没有 {year} 年的积分（有：{'、'.join(map(str, years))}）"
        )
    return run, year


# ------------------------------------------------------------------------------------------------
# lists


@dataclass(frozen=True)
class ListFilter:
    """Filters of a top-N list: zone, industry (GB/T 4754 prefix), stage."""

    zone_id: int | None = None
    industry: str | None = None
    stage: str | None = None


# the keys a points list may be sorted by (anything else sorts by the total)
POINTS_SORTS = ("total", "name", "uscc", "zone", "industry_division", "stage", "rank", "rank_city")


def _rank_key(flt: ListFilter) -> str:
    if flt.stage:
        return "stage"
    if flt.industry:
        return "industry"
    if flt.zone_id is not None:
        return "zone"
    return "city"


def top_list(
    session: Session,
    principal: Principal,
    flt: ListFilter = ListFilter(),
    run_id: int | None = None,
    year: int | None = None,
    n: int = 50,
    page: int = 1,
    sort: str | None = None,
    descending: bool = True,
) -> dict[str, Any]:
    """The best N enterprise-years the principal may see, with the rank of the list's scope; or,
    with `page`/`sort`, page `page` of N rows in a whitelisted order (POINTS_SORTS) done in SQL."""
    forbid_bank(principal)
    run, year = _run_and_year(session, run_id, year)
    m = methodology_of(run)
    n = max(1, min(int(n), 1000))
    stmt = (
        select(PointsScore, Enterprise.name, Enterprise.uscc, Zone.name)
        .join(Enterprise, Enterprise.id == PointsScore.enterprise_id)
        .outerjoin(Zone, Zone.id == PointsScore.zone_id)
        .where(PointsScore.run_id == run.id, PointsScore.year == year, enterprise_scope(principal))
    )
    if flt.zone_id is not None:
        stmt = stmt.where(PointsScore.zone_id == flt.zone_id)
    if flt.industry:
        stmt = stmt.where(Enterprise.industry_code.startswith(flt.industry.strip().upper()))
    if flt.stage:
        if flt.stage not in m.stage_names():
            raise PointsError(
                f"未知的生命周期阶段“{flt.stage}”，可选：{'、'.join(m.stage_names())}"
            )
        stmt = stmt.where(PointsScore.stage == flt.stage)
    if principal.scope == "all" and not flt.industry:
        # nothing to check on the registry: count the run's scores through their index (the
        # join with 100,000 enterprises cost 0.3 s of every page and API call at scale)
        counted = (
            select(func.count())
            .select_from(PointsScore)
            .where(PointsScore.run_id == run.id, PointsScore.year == year)
        )
        if flt.zone_id is not None:
            counted = counted.where(PointsScore.zone_id == flt.zone_id)
        if flt.stage:
            counted = counted.where(PointsScore.stage == flt.stage)
    else:
        counted = select(func.count()).select_from(stmt.subquery())
    total = session.scalar(counted) or 0
    key = _rank_key(flt)
    columns = {
        "total": PointsScore.total,
        "name": Enterprise.name,
        "uscc": Enterprise.uscc,
        "zone": Zone.name,
        "industry_division": PointsScore.industry_division,
        "stage": PointsScore.stage,
        "rank": getattr(PointsScore, f"rank_{key}"),
        "rank_city": PointsScore.rank_city,
    }
    order = sort_order(columns, sort or "total", descending, PointsScore.enterprise_id, "total")
    rows = [
        _list_row(s, name, uscc, zone, m, key)
        for s, name, uscc, zone in session.execute(
            stmt.order_by(*order).offset((max(1, int(page)) - 1) * n).limit(n)
        )
    ]
    return {
        "run": run_summary(run),
        "year": year,
        "rank_scope": key,
        "rank_label": RANK_LABELS[key],
        "total": total,
        "items": rows,
        "methodology": methodology_brief(m),
    }


def _list_row(
    s: PointsScore, name: str, uscc: str, zone: str | None, m: meth.Methodology, key: str = "city"
) -> dict[str, Any]:
    cats = {c.name: round(float(s.categories.get(c.code) or 0), 2) for c in m.categories}
    return {
        "enterprise_id": s.enterprise_id,
        "name": name,
        "uscc": uscc,
        "zone": zone,
        "industry_division": s.industry_division,
        "year": s.year,
        "stage": s.stage,
        "stage_name": m.stage_names().get(s.stage, s.stage),
        "total": round(s.total, 2),
        "bonus": s.bonus,
        "penalty": s.penalty,
        "vetoed": s.vetoed,
        "rank": getattr(s, f"rank_{key}"),
        "of": getattr(s, f"n_{key}"),
        "rank_city": s.rank_city,
        "n_city": s.n_city,
        "rank_zone": s.rank_zone,
        "n_zone": s.n_zone,
        "rank_industry": s.rank_industry,
        "n_industry": s.n_industry,
        "categories": cats,
    }


def movers(
    session: Session,
    principal: Principal,
    run_id: int | None = None,
    year: int | None = None,
    n: int = 20,
) -> dict[str, Any]:
    """Year-on-year movers: the largest rises and falls of points against the previous year."""
    forbid_bank(principal)
    run, year = _run_and_year(session, run_id, year)
    m = methodology_of(run)
    prev = aliased(PointsScore)
    delta = PointsScore.delta
    stmt = (
        select(
            PointsScore,
            prev.total,
            prev.rank_city,
            delta,
            Enterprise.name,
            Enterprise.uscc,
            Zone.name,
        )
        .join(
            prev,
            and_(
                prev.enterprise_id == PointsScore.enterprise_id,
                prev.run_id == PointsScore.run_id,
                prev.year == year - 1,
            ),
        )
        .join(Enterprise, Enterprise.id == PointsScore.enterprise_id)
        .outerjoin(Zone, Zone.id == PointsScore.zone_id)
        .where(
            PointsScore.run_id == run.id,
            PointsScore.year == year,
            PointsScore.delta.is_not(None),
            enterprise_scope(principal),
        )
    )
    n = max(1, min(int(n), 500))

    def rows(order: Any) -> list[dict[str, Any]]:
        out = []
        for s, ptotal, prank, d, name, uscc, zone in session.execute(
            stmt.order_by(order, PointsScore.enterprise_id).limit(n)
        ):
            row = _list_row(s, name, uscc, zone, m)
            row |= {
                "previous_total": round(ptotal, 2),
                "delta": round(d, 2),
                "previous_rank_city": prank,
                "rank_change": (prank - s.rank_city) if prank and s.rank_city else None,
            }
            out.append(row)
        return out

    return {
        "run": run_summary(run),
        "year": year,
        "previous_year": year - 1,
        "risers": [r for r in rows(delta.desc()) if r["delta"] > 0],
        "fallers": [r for r in rows(delta.asc()) if r["delta"] < 0],
    }


def bank_list(
    session: Session, principal: Principal, run_id: int | None = None, year: int | None = None
) -> dict[str, Any]:
    """Enterprises that consented to share their points with banks (bank_viewer, city admin)."""
    require_bank_list_reader(principal)
    run, year = _run_and_year(session, run_id, year)
    m = methodology_of(run)
    # Not enterprise_scope: a bank's scope is "none"; consent is what admits a row here.
    stmt = (
        select(PointsScore, Enterprise.name, Enterprise.uscc, Zone.name)
        .join(Enterprise, Enterprise.id == PointsScore.enterprise_id)
        .join(PointsConsent, bank_consent_join())
        .outerjoin(Zone, Zone.id == PointsScore.zone_id)
        .where(PointsScore.run_id == run.id, PointsScore.year == year)
        .order_by(PointsScore.total.desc(), PointsScore.enterprise_id)
    )
    items = []
    for s, name, uscc, zone in session.execute(stmt):
        row = _list_row(s, name, uscc, zone, m)
        row["rank_city"] = shown_rank(row["rank_city"], row["n_city"])
        items.append(
            {
                k: row[k]
                for k in (
                    "enterprise_id",
                    "name",
                    "uscc",
                    "zone",
                    "industry_division",
                    "year",
                    "stage_name",
                    "total",
                    "rank_city",
                    "n_city",
                    "categories",
                )
            }
        )
    return {
        "run": run_summary(run),
        "year": year,
        "items": items,
        "methodology": methodology_brief(m),
    }


# ------------------------------------------------------------------------------------------------
# the enterprise card and what-if


RANK_WITHHELD = f"同组企业不足{PEER_GROUP_MIN + 1}家，不显示名次"


def shown_rank(rank: int | None, of: int | None) -> int | None:
    """A rank as shown outside the bureau's lists: withheld (None) in a group with fewer than
    PEER_GROUP_MIN others, where a rank (and how it moves in a what-if) would tell an enterprise
    where its few named peers stand."""
    if rank is None or of is None or of - 1 < PEER_GROUP_MIN:
        return None
    return rank


def methodology_brief(m: meth.Methodology) -> dict[str, Any]:
    """What a reader must know about the methodology: name, version, mode, provisional status."""
    return {
        "code": m.code,
        "version": m.version,
        "name": m.name,
        "label": m.label,
        "mode": m.mode,
        "mode_label": meth.MODES[m.mode],
        "scale": m.scale,
        "provisional": m.provisional,
        "status_label": m.status_label,
        "source": m.source,
    }


def enterprise_card(
    session: Session, principal: Principal, enterprise_id: int, run_id: int | None = None
) -> dict[str, Any]:
    """The explained points of one enterprise the principal may see: latest year and trend."""
    forbid_bank(principal)
    ent = get_enterprise(session, principal, enterprise_id)  # ScopeError when out of scope
    consent = session.scalar(
        select(PointsConsent).where(PointsConsent.enterprise_id == enterprise_id)
    )
    out: dict[str, Any] = {
        "enterprise_id": ent.id,
        "name": ent.name,
        "uscc": ent.uscc,
        "zone": ent.zone.name if ent.zone else None,
        "industry_code": ent.industry_code,
        "consent": {
            "consented": bool(consent and consent.consented),
            "basis": consent.basis if consent else "",
            "updated_by": consent.updated_by if consent else "",
            "updated_at": consent.updated_at.isoformat()
            if consent and consent.updated_at
            else None,
        },
        "run": None,
        "years": [],
        "latest": None,
    }
    run = get_run(session, run_id)
    if run is None:
        return out
    m = methodology_of(run)
    scores = list(
        session.scalars(
            select(PointsScore)
            .where(PointsScore.run_id == run.id, PointsScore.enterprise_id == enterprise_id)
            .order_by(PointsScore.year)
        )
    )
    out["run"] = run_summary(run)
    out["methodology"] = methodology_brief(m)
    out["years"] = [
        {
            "year": s.year,
            "total": round(s.total, 2),
            "stage": s.stage,
            "stage_name": m.stage_names().get(s.stage, s.stage),
            **{f"rank_{r}": shown_rank(getattr(s, f"rank_{r}"), getattr(s, f"n_{r}"))
               for r in RANK_LABELS},
            **{f"n_{r}": getattr(s, f"n_{r}") for r in RANK_LABELS},
        }
        for s in scores
    ]  # fmt: skip
    if scores:
        out["latest"] = explain(scores[-1], m)
    return out


def explain(s: PointsScore, m: meth.Methodology) -> dict[str, Any]:
    """One stored score explained: items, categories (with their maximum), items and shortfalls."""
    d = s.detail or {}
    if s.n_stage is not None and s.n_stage <= PEER_GROUP_MIN:
        d = {**d, "gap": {}}  # a run stored before gaps were withheld for small groups
    names = {i.code: i.name for i in m.indicators}
    items = []
    for ind in m.indicators:
        items.append(
            {
                "code": ind.code,
                "name": ind.name,
                "category": ind.category,
                "definition": ind.definition,
                "unit": ind.unit,
                "value": d.get("v", {}).get(ind.code),
                "reference": ind.reference,
                "weight": ind.weights[s.stage],
                "points": d.get("p", {}).get(ind.code, 0.0),
                "gap_to_median": d.get("gap", {}).get(ind.code),  # None: group too small
                "confidence": ind.confidence,
                "confidence_label": meth.CONFIDENCE.get(ind.confidence, ind.confidence),
                "source": ind.source,
            }
        )
    cats = [
        {
            "code": c.code,
            "name": c.name,
            "points": float(s.categories.get(c.code) or 0),
            "max": sum(i.weights[s.stage] for i in m.indicators if i.category == c.code),
        }
        for c in m.categories
    ]
    bonus = {i.code: i for i in m.bonus}
    neg = {i.code: i for i in m.negative}
    return {
        "year": s.year,
        "stage": s.stage,
        "stage_name": m.stage_names().get(s.stage, s.stage),
        "total": s.total,
        "base": s.base,
        "bonus": s.bonus,
        "penalty": s.penalty,
        "vetoed": s.vetoed,
        "categories": cats,
        "items": items,
        "ranks": {
            r: {
                "label": RANK_LABELS[r],
                "rank": shown_rank(getattr(s, f"rank_{r}"), getattr(s, f"n_{r}")),
                "of": getattr(s, f"n_{r}"),
            }
            for r in RANK_LABELS
        },
        "shortfalls": [
            {"code": c, "name": names.get(c, c), "gap": d["gap"][c]}
            for c in d.get("short", [])
            if d.get("gap", {}).get(c) is not None
        ],
        "bonus_items": [
            {"code": c, "name": bonus[c].name, "points": bonus[c].points}
            for c in d.get("bonus", [])
            if c in bonus
        ],
        "negative_items": [
            {"code": c, "name": neg[c].name, "points": neg[c].points, "veto": neg[c].veto}
            for c in d.get("neg", [])
            if c in neg
        ],
    }


WHAT_IF_FIELDS = (
    "rd_expense",
    "ip_class1",
    "ip_class2",
    "invention_patents_granted",
    "rd_staff",
    "tech_staff",
    "tech_contract_value",
    "tech_transfers",
    "standards_led",
    "operating_revenue",
    "high_tech_revenue",
    "equity_financing",
)


def what_if_for(
    session: Session,
    principal: Principal,
    enterprise_id: int,
    changes: dict[str, Any],
    year: int | None = None,
    run_id: int | None = None,
) -> dict[str, Any]:
    """New points and ranks of an enterprise if its figures changed, by a full rescore."""
    forbid_bank(principal)
    get_enterprise(session, principal, enterprise_id)  # scope check
    run, year = _run_and_year(session, run_id, year)
    m = methodology_of(run)
    if not changes:
        raise PointsError("请至少填写一项变化")
    unknown = [c for c in changes if c not in FIELDS_BY_CODE and c not in m.flags]
    if unknown:
        raise PointsError(f"不能模拟“{unknown[0]}”：不是企业年度统计字段或积分标记")
    # last year's figures feed growth indicators; ranks and cohorts are within the year
    inputs = load_inputs(session, m, [year - 1, year])
    try:
        result = what_if(inputs, m, enterprise_id, year, changes, "enterprise_id")
    except ScoringError as exc:
        raise PointsError(str(exc)) from exc
    return {
        "enterprise_id": enterprise_id,
        "year": year,
        "run_id": run.id,
        "methodology": methodology_brief(m),
        "changes": changes,
        "before": _brief(result.before, m),
        "after": _brief(result.after, m),
        "note": (
            "同类百分位计分：其他企业的得分不变，但本企业的变化会影响同类企业的百分位。"
            if m.mode == "relative"
            else "按满分参考值计分，排名按全部企业重新计算。"
        ),
    }


def _brief(row: dict[str, Any], m: meth.Methodology) -> dict[str, Any]:
    return {
        "total": row["total"],
        "stage": row["stage"],
        "stage_name": m.stage_names().get(row["stage"], row["stage"]),
        "ranks": {
            r: {"rank": shown_rank(row[f"rank_{r}"], row[f"n_{r}"]), "of": row[f"n_{r}"]}
            for r in RANK_LABELS
        },
        "categories": {c.code: row[f"c__{c.code}"] for c in m.categories},
        "items": {i.code: row[f"p__{i.code}"] for i in m.indicators},
        "bonus": row["bonus"],
        "penalty": row["penalty"],
        "vetoed": row["vetoed"],
    }


# ------------------------------------------------------------------------------------------------
# consent and flags


# What a signed authorisation may be: a scan or a PDF, within the upload limit.
CONSENT_DOCUMENT_TYPES = (".pdf", ".jpg", ".jpeg", ".png")


def set_consent(
    session: Session,
    principal: Principal,
    enterprise_id: int,
    consented: bool,
    basis: str = "",
    document: bytes | None = None,
    document_name: str = "",
) -> PointsConsent:
    """Record whether an enterprise shares its points with banks (audited, before and after).

    The enterprise's own user changes it online; a city admin only with the signed authorisation
    (`document`, a PDF or scan), which is stored with the change. Anyone else: 403."""
    forbid_bank(principal)
    ent = get_enterprise(session, principal, enterprise_id)
    require_consent_writer(principal, ent)
    basis = (basis or "").strip()
    own = is_own_enterprise(principal, ent)
    if own and not basis:
        basis = "企业用户在线授权" if consented else "企业用户在线撤回授权"
    if not basis:
        raise PointsError("请填写授权依据（如：企业书面授权书编号或日期）")
    if len(basis) > 200:
        raise PointsError("授权依据不能超过200字")
    doc = None
    if not own:  # the bureau acts on the enterprise's signed word, which it keeps
        doc = _consent_document(session, principal, ent, document, document_name)
    row = session.scalar(select(PointsConsent).where(PointsConsent.enterprise_id == enterprise_id))
    if row is None:
        row = PointsConsent(enterprise_id=enterprise_id)
        session.add(row)
    row.consented, row.basis, row.updated_by = bool(consented), basis, principal.username
    row.document_id = doc.id if doc else None
    row.document_name = doc.filename if doc else None
    row.document_sha256 = doc.sha256 if doc else None
    session.flush()
    return row


def _consent_document(
    session: Session,
    principal: Principal,
    ent: Enterprise,
    content: bytes | None,
    filename: str,
) -> ConsentDocument:
    """Store the uploaded authorisation (checked: present, a PDF or scan, within the limit)."""
    name = (filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1]
    if not content:
        raise PointsError(
            "市科技局管理员代为登记授权时，须上传企业签章的书面授权书（PDF 或扫描图片）"
        )
    if not name.lower().endswith(CONSENT_DOCUMENT_TYPES):
        raise PointsError(f"授权书“{name or '（未命名）'}”应为 PDF、JPG 或 PNG 文件")
    limit = get_settings().max_upload_mb * 1024 * 1024
    if len(content) > limit:
        raise PointsError(f"授权书超过 {get_settings().max_upload_mb}MB 上限")
    doc = ConsentDocument(
        enterprise_id=ent.id,
        filename=name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        content=content,
        uploaded_by=principal.username,
    )
    session.add(doc)
    session.flush()
    return doc


def consent_document(session: Session, principal: Principal, enterprise_id: int) -> ConsentDocument:
    """The authorisation the enterprise's consent in force rests on (its own user and the bureau);
    404 when there is none."""
    forbid_bank(principal)
    ent = get_enterprise(session, principal, enterprise_id)
    require_consent_writer(principal, ent)
    row = session.scalar(select(PointsConsent).where(PointsConsent.enterprise_id == enterprise_id))
    doc = session.get(ConsentDocument, row.document_id) if row and row.document_id else None
    if doc is None:
        raise NotFound("该企业的积分共享授权没有上传书面授权书")
    return doc


def all_flags() -> dict[str, str]:
    """Every flag any shipped methodology reads: code → Chinese name."""
    out: dict[str, str] = {}
    for m in meth.available():
        out |= m.flags
    return out


def set_flag(
    session: Session,
    principal: Principal,
    enterprise_id: int,
    year: int,
    code: str,
    value: bool,
    note: str = "",
) -> PointsFlag:
    """Record a yes/no input such as 高新技术企业（有效期内） for an enterprise-year (admins only)."""
    require_flag_writer(principal)
    flags = all_flags()
    if code not in flags:
        raise PointsError(
            f"未知的积分标记“{code}”，可选：{'、'.join(f'{k}（{v}）' for k, v in flags.items())}"
        )
    if not 1949 <= int(year) <= 2100:
        raise PointsError(f"年度“{year}”无效")
    ent = get_enterprise(session, principal, enterprise_id)
    if not may_write_flags_of(principal, ent):
        raise ScopeError("企业不存在或无权查看")
    row = session.scalar(
        select(PointsFlag).where(
            PointsFlag.enterprise_id == enterprise_id,
            PointsFlag.year == year,
            PointsFlag.code == code,
        )
    )
    if row is None:
        row = PointsFlag(enterprise_id=enterprise_id, year=year, code=code)
        session.add(row)
    row.value, row.note = bool(value), (note or "")[:200]
    session.flush()
    return row


# ------------------------------------------------------------------------------------------------
# exports


LIST_COLUMNS = (
    Column("rank", "名次", "int"),
    Column("name", "企业名称"),
    Column("uscc", "统一社会信用代码"),
    Column("zone", "高新区"),
    Column("industry_division", "行业大类"),
    Column("stage_name", "生命周期阶段"),
    Column("total", "创新积分", "decimal", "分"),
    Column("rank_city", "全市名次", "int"),
    Column("n_city", "全市参评数", "int"),
)
MOVER_COLUMNS = LIST_COLUMNS[1:] + (
    Column("previous_total", "上年积分", "decimal", "分"),
    Column("delta", "积分变化", "decimal", "分", allow_negative=True),
    Column("rank_change", "名次变化", "int", allow_negative=True),
)
BANK_COLUMNS = (
    Column("name", "企业名称"),
    Column("uscc", "统一社会信用代码"),
    Column("zone", "高新区"),
    Column("industry_division", "行业大类"),
    Column("stage_name", "生命周期阶段"),
    Column("total", "创新积分", "decimal", "分"),
    Column("rank_city", "全市名次", "int"),
    Column("n_city", "全市参评数", "int"),
)


DEMO_MARK = "演示数据"


def is_demo_data(session: Session, enterprise: Enterprise | None = None) -> bool:
    """True when the figures are demo data: the enterprise is a demo one, or the database holds
    demo data by the same probes that put the 演示数据 badge on every page."""
    if enterprise is not None and enterprise.is_demo:
        return True
    return any(probe(session) for probe in section_functions("demo_probe"))


def _notes(data: dict[str, Any], what: str, demo: bool = False) -> list[str]:
    mb = data.get("methodology") or {}
    run = data["run"]
    notes = (
        [f"{DEMO_MARK}：本表由演示数据库生成，企业与数字均为虚构，不得用于授信或决策。"]
        if demo
        else []
    )
    notes += [
        f"{what}，{data['year']}年度。积分计算 #{run['id']}，方法：{run['methodology_name']} "
        f"v{run['methodology_version']}（{run['mode_label']}），输入数据指纹 {run['input_hash'][:16]}。"
    ]
    if run.get("provisional"):
        notes.append("注意：" + (mb.get("status_label") or "暂行方法，指标与权重未经官方确认。"))
    return notes


def export_xlsx(session: Session, principal: Principal, kind: str, **kw: Any) -> bytes:
    """An Excel file of a list (top, movers or bank); the export is audited."""
    if kind == "top":
        data = top_list(session, principal, **kw)
        frame = pl.DataFrame(data["items"]) if data["items"] else None
        sheets = [("创新积分排行", LIST_COLUMNS, frame)]
        what = f"创新积分排行（{data['rank_label']}）"
    elif kind == "movers":
        data = movers(session, principal, **kw)
        sheets = [
            ("积分上升", MOVER_COLUMNS, pl.DataFrame(data["risers"]) if data["risers"] else None),
            ("积分下降", MOVER_COLUMNS, pl.DataFrame(data["fallers"]) if data["fallers"] else None),
        ]
        what = f"创新积分年度变化（{data['previous_year']}→{data['year']}）"
        data["methodology"] = methodology_brief(methodology_of(get_run(session, data["run"]["id"])))
    elif kind == "bank":
        data = bank_list(session, principal, **kw)
        sheets = [
            ("银行名单", BANK_COLUMNS, pl.DataFrame(data["items"]) if data["items"] else None)
        ]
        what = "积分贷银行名单（仅含已授权共享的企业）"
    else:
        raise PointsError(f"未知的名单类型“{kind}”，可选：top、movers、bank")
    demo = is_demo_data(session)
    if demo:  # the mark on every sheet's name too, not only in the notes
        sheets = [(f"{DEMO_MARK}·{name}", cols, frame) for name, cols, frame in sheets]
    run = data["run"]
    content = write_sheets(
        sheets,
        _notes(data, what, demo),
        title=what,
        scope=scope_label(session, principal),
        year=data["year"] if kind != "movers" else f"{data['previous_year']}→{data['year']}年度",
        demo=demo,
        sources=[src] if (src := (data.get("methodology") or {}).get("source")) else [],
        methodology_version=f"{run['methodology_name']} v{run['methodology_version']}",
        input_hash=run["input_hash"],
    )
    audit.record(session, "export", "points_scores", data["run"]["id"], f"导出{what}")
    return content


def result_table(scored: pl.DataFrame, m: meth.Methodology, id_col: str = "uscc") -> pl.DataFrame:
    """Scored rows with Chinese headers, as the CLI and file exports write them."""
    stage_names = m.stage_names()
    codes = {i.code: i.name for i in m.indicators}
    short = pl.Series("__short", ["、".join(codes[c] for c in s) for s in shortfalls(scored, m)])
    keep = [c for c in (id_col, "name") if c in scored.columns]
    cols = [pl.col(keep[0]).alias({"uscc": "统一社会信用代码"}.get(keep[0], keep[0]))]
    if "name" in keep:
        cols.append(pl.col("name").alias("企业名称"))
    cols += [
        pl.col("year").alias("年度"),
        pl.col("stage").replace_strict(stage_names).alias("生命周期阶段"),
        pl.col("total").round(4).alias("创新积分"),
        pl.col("base").round(4).alias("指标得分"),
        pl.col("bonus").alias("加分"),
        pl.col("penalty").alias("扣分"),
        pl.col("vetoed").alias("一票否决"),
        *[pl.col(f"c__{c.code}").round(4).alias(c.name) for c in m.categories],
        *[pl.col(f"rank_{r}").alias(f"{label}名次") for r, label in RANK_LABELS.items()],
        *[pl.col(f"p__{i.code}").round(4).alias(f"{i.name}(分)") for i in m.indicators],
        pl.col("__short").alias("低于同阶段中位数最多的指标"),
    ]
    return scored.with_columns(short).select(cols)
