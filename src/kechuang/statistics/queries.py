"""Reads of the statistics for pages, the API and other domains: current figures, revisions,
zone totals, enterprise lists with the year's figures, import history."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from kechuang.core.db import read_frame
from kechuang.core.security import Principal
from kechuang.core.tables import PageRequest, sort_order
from kechuang.registry.models import Enterprise, Zone
from kechuang.registry.scope import can_see_zone_data, enterprise_scope, zone_data_scope
from kechuang.registry.service import EnterpriseFilter, enterprise_query, enterprise_summary
from kechuang.statistics.fields import ENTERPRISE_YEAR_FIELDS, FIELD_CODES, FIELD_DTYPES
from kechuang.statistics.models import EnterpriseYear, ImportBatch, ZoneYear
from kechuang.statistics.scope import import_batch_scope
from kechuang.statistics.zone_fields import ZONE_INDICATORS_BY_CODE


def current_figures(
    session: Session, enterprise_ids: list[int] | None = None, years: list[int] | None = None
) -> pl.DataFrame:
    """Current revisions of enterprise-year figures as a Polars frame (unscoped: callers scope)."""
    cols = [
        EnterpriseYear.id,
        EnterpriseYear.enterprise_id,
        EnterpriseYear.year,
        EnterpriseYear.revision,
    ] + [getattr(EnterpriseYear, f.code) for f in ENTERPRISE_YEAR_FIELDS]
    stmt = select(*cols).where(EnterpriseYear.is_current.is_(True))
    if years:
        stmt = stmt.where(EnterpriseYear.year.in_(years))
    if enterprise_ids is not None and len(enterprise_ids) < 5000:
        stmt = stmt.where(EnterpriseYear.enterprise_id.in_(enterprise_ids))
    schema = {"id": pl.Int64, "enterprise_id": pl.Int64, "year": pl.Int64, "revision": pl.Int64}
    schema |= FIELD_DTYPES
    df = read_frame(session, stmt, schema)
    if enterprise_ids is not None and len(enterprise_ids) >= 5000:
        df = df.filter(pl.col("enterprise_id").is_in(enterprise_ids))
    return df


def enterprise_years(
    session: Session, principal: Principal, enterprise_id: int
) -> list[dict[str, Any]]:
    """An enterprise's current figures per year (scoped: empty if the principal may not see it)."""
    visible = session.scalar(
        select(Enterprise.id).where(Enterprise.id == enterprise_id, enterprise_scope(principal))
    )
    if visible is None:
        return []
    df = current_figures(session, [enterprise_id]).sort("year")
    return df.drop("id").to_dicts()


def enterprise_revisions(
    session: Session, principal: Principal, enterprise_id: int
) -> list[dict[str, Any]]:
    """Every revision of an enterprise's figures with the import it came from (scoped)."""
    visible = session.scalar(
        select(Enterprise.id).where(Enterprise.id == enterprise_id, enterprise_scope(principal))
    )
    if visible is None:
        return []
    stmt = (
        select(EnterpriseYear, ImportBatch.filename, ImportBatch.username, ImportBatch.created_at)
        .outerjoin(ImportBatch, ImportBatch.id == EnterpriseYear.import_id)
        .where(EnterpriseYear.enterprise_id == enterprise_id)
        .order_by(EnterpriseYear.year, EnterpriseYear.revision)
    )
    out = []
    for row, filename, username, at in session.execute(stmt).all():
        out.append(
            {
                "year": row.year,
                "revision": row.revision,
                "is_current": row.is_current,
                "import_id": row.import_id,
                "filename": filename,
                "username": username,
                "imported_at": at.isoformat() if at else None,
                **{c: getattr(row, c) for c in FIELD_CODES},
            }
        )
    return out


def list_imports(session: Session, principal: Principal, limit: int = 50) -> list[ImportBatch]:
    """Recent import batches: all for city admins, one's own otherwise."""
    stmt = (
        select(ImportBatch)
        .where(import_batch_scope(principal))
        .order_by(ImportBatch.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


COUNTING_RULE = "按统计归属高新区计数"  # the one rule the dashboard, zone pages and evaluation use


def zone_totals(
    session: Session, principal: Principal, years: list[int] | None = None
) -> pl.DataFrame:
    """Enterprise counts and revenue per zone and year, for the zones whose data the principal sees.

    One counting rule everywhere (the one zone evaluation uses, docs/zones.md): an enterprise counts
    in its counted zone when it has one (飞地), otherwise where registered. Each row also says how
    many enterprises it holds that are registered elsewhere (`enclaves_in`) and how many registered
    in the zone are counted in another (`counted_elsewhere`), so a page can state the rule.
    """
    # aggregated in the database: at 100,000 enterprises (517,726 enterprise-years) reading the
    # figures into Python took seconds per dashboard view
    counted = func.coalesce(Enterprise.counted_zone_id, Enterprise.zone_id)
    moved = and_(
        Enterprise.counted_zone_id.is_not(None),
        or_(Enterprise.zone_id.is_(None), Enterprise.counted_zone_id != Enterprise.zone_id),
    )
    where = [EnterpriseYear.is_current.is_(True), enterprise_scope(principal)]
    if years:
        where.append(EnterpriseYear.year.in_(years))

    def total(column):
        return func.coalesce(func.sum(column), 0)

    stmt = (
        select(
            counted,
            EnterpriseYear.year,
            func.count(),
            total(EnterpriseYear.operating_revenue),
            total(EnterpriseYear.rd_expense),
            total(EnterpriseYear.employees),
            func.sum(case((moved, 1), else_=0)),
        )
        .join(Enterprise, Enterprise.id == EnterpriseYear.enterprise_id)
        .where(*where, counted.is_not(None))
        .group_by(counted, EnterpriseYear.year)
    )
    out = pl.DataFrame(
        session.execute(stmt).all(),
        orient="row",
        schema={
            "zone_id": pl.Int64,
            "year": pl.Int64,
            "enterprises": pl.UInt32,
            "operating_revenue": FIELD_DTYPES["operating_revenue"],
            "rd_expense": FIELD_DTYPES["rd_expense"],
            "employees": FIELD_DTYPES["employees"],
            "enclaves_in": pl.Int64,
        },
    )
    away_stmt = (
        select(Enterprise.zone_id, EnterpriseYear.year, func.count())
        .join(Enterprise, Enterprise.id == EnterpriseYear.enterprise_id)
        .where(*where, moved, Enterprise.zone_id.is_not(None))
        .group_by(Enterprise.zone_id, EnterpriseYear.year)
    )
    away = pl.DataFrame(
        session.execute(away_stmt).all(),
        orient="row",
        schema={"zone_id": pl.Int64, "year": pl.Int64, "counted_elsewhere": pl.Int64},
    )
    zones = pl.DataFrame(
        session.execute(
            select(Zone.id, Zone.name, Zone.code).where(zone_data_scope(principal))
        ).all(),
        orient="row",
        schema={"zone_id": pl.Int64, "zone": pl.String, "zone_code": pl.String},
    )
    # only the zones whose statistics the principal may read: a zone admin gets her zone's row, not
    # rows of other zones made of her registered enterprises counted there
    return (
        out.join(away, on=["zone_id", "year"], how="left")
        .with_columns(pl.col("counted_elsewhere").fill_null(0))
        .join(zones, on="zone_id", how="inner")
        .sort(["year", "zone_id"])
    )


def counting_rule_line(rows: list[dict[str, Any]] | pl.DataFrame) -> str:
    """The Chinese line stating the counting rule behind zone totals (and its 飞地 counts)."""
    if isinstance(rows, pl.DataFrame):
        rows = rows.to_dicts()
    enclaves = sum(r.get("enclaves_in") or 0 for r in rows)
    away = sum(r.get("counted_elsewhere") or 0 for r in rows)
    if len(rows) == 1:
        return f"{COUNTING_RULE}（含飞地企业 {enclaves} 家，不含注册在本区但计入他区的 {away} 家）"
    return f"{COUNTING_RULE}：飞地企业计入统计归属高新区，不计入注册地高新区（共 {enclaves} 家）"


def zone_year_figures(session: Session, principal: Principal, zone_id: int) -> list[dict[str, Any]]:
    """A zone's current zone-level figures (empty when the principal may not see them)."""
    if not can_see_zone_data(principal, zone_id):
        return []
    stmt = (
        select(
            ZoneYear.year,
            ZoneYear.indicator_code,
            ZoneYear.value,
            ZoneYear.revision,
            ZoneYear.import_id,
        )
        .where(
            ZoneYear.zone_id == zone_id,
            ZoneYear.is_current.is_(True),
            ZoneYear.value.is_not(None),  # a value retired by 〔清空〕 is no current figure
        )
        .order_by(ZoneYear.year, ZoneYear.indicator_code)
    )
    out = []
    for year, code, value, revision, import_id in session.execute(stmt).all():
        ind = ZONE_INDICATORS_BY_CODE.get(code)
        out.append(
            {
                "year": year,
                "indicator_code": code,
                "name": ind.name if ind else code,
                "unit": ind.unit if ind else "",
                "value": value,
                "revision": revision,
                "import_id": import_id,
            }
        )
    return out


# --- enterprise lists with the year's figures -------------------------------------------

# the sort keys a list may ask for; anything else sorts by id (see core/tables.sort_order)
SORTS = (
    "id",
    "uscc",
    "name",
    "founded_on",
    "zone",
    "industry_code",
    "revenue",
    "rd_expense",
    "employees",
)


def list_enterprises(
    session: Session,
    principal: Principal,
    flt: EnterpriseFilter,
    page: int = 1,
    page_size: int = 20,
    sort: str = "id",
    descending: bool = False,
    year: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the enterprises the principal may see, with the year's figures, sorted in SQL
    by a whitelisted key (revenue sorts as a number, empty figures last); and the total."""
    request = PageRequest(page, page_size, sort, descending)
    base = enterprise_query(principal, flt)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    year = year or latest_year(session)
    stats = (
        select(
            EnterpriseYear.enterprise_id,
            EnterpriseYear.operating_revenue,
            EnterpriseYear.rd_expense,
            EnterpriseYear.employees,
        )
        .where(EnterpriseYear.year == year, EnterpriseYear.is_current.is_(True))
        .subquery()
    )
    zone = aliased(Zone)
    columns = {
        "id": Enterprise.id,
        "uscc": Enterprise.uscc,
        "name": Enterprise.name,
        "founded_on": Enterprise.founded_on,
        "zone": zone.name,
        "industry_code": Enterprise.industry_code,
        "revenue": stats.c.operating_revenue,
        "rd_expense": stats.c.rd_expense,
        "employees": stats.c.employees,
    }
    stmt = (
        base.add_columns(stats.c.operating_revenue, stats.c.rd_expense, stats.c.employees)
        .outerjoin(stats, stats.c.enterprise_id == Enterprise.id)
        .outerjoin(zone, zone.id == Enterprise.zone_id)
        .options(selectinload(Enterprise.zone), selectinload(Enterprise.park))
        .order_by(*sort_order(columns, sort, descending, Enterprise.id, "id"))
        .offset(request.offset)
        .limit(request.limit)
    )
    rows = []
    for ent, revenue, rd, employees in session.execute(stmt).all():
        rows.append(
            {
                **enterprise_summary(ent),
                "operating_revenue": revenue,
                "rd_expense": rd,
                "employees": employees,
                "year": year,
            }
        )
    return rows, total


def enterprise_list_years(session: Session) -> list[int]:
    """The fiscal years with current enterprise figures, newest first (for year selectors)."""
    return list(
        session.scalars(
            select(EnterpriseYear.year)
            .where(EnterpriseYear.is_current.is_(True))
            .distinct()
            .order_by(EnterpriseYear.year.desc())
        )
    )


def latest_year(session: Session) -> int | None:
    """The newest fiscal year with current figures."""
    return session.scalar(
        select(func.max(EnterpriseYear.year)).where(EnterpriseYear.is_current.is_(True))
    )


def has_demo_data(session: Session) -> bool:
    """True when an import was made by the demo loader (pages show the 演示数据 badge)."""
    return (
        session.scalar(select(ImportBatch.id).where(ImportBatch.is_demo.is_(True)).limit(1))
        is not None
    )
