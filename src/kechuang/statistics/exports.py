"""Exports of enterprises, enterprise-year and zone-year statistics, in the templates' columns."""

from __future__ import annotations

import polars as pl
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kechuang.core import audit
from kechuang.core.excel import demo_data_present, write_sheets
from kechuang.core.formatting import fmt_local_time
from kechuang.core.security import Principal
from kechuang.registry.models import Carrier, Enterprise, Park, Zone
from kechuang.registry.scope import scope_label, zone_data_scope
from kechuang.registry.service import EnterpriseFilter, enterprise_query
from kechuang.statistics.fields import FIELD_CODES
from kechuang.statistics.models import ImportBatch, ZoneYear
from kechuang.statistics.queries import current_figures
from kechuang.statistics.templates import (
    COLUMNS_BY_KIND,
    SHEET_NAMES,
    check_kind,
    kind_label,
    notes,
)
from kechuang.statistics.zone_fields import ZONE_YEAR_INDICATORS


def export_frame(
    session: Session,
    principal: Principal,
    kind: str,
    flt: EnterpriseFilter | None = None,
    year: int | None = None,
) -> pl.DataFrame:
    """The rows an export writes, scoped to the principal, in template column codes."""
    check_kind(kind)
    flt = flt or EnterpriseFilter()
    if kind == "enterprises":
        ents = list(session.scalars(enterprise_query(principal, flt).order_by(Enterprise.id)))
        zones = {z.id: z.name for z in session.scalars(select(Zone))}
        parks = {p.id: p.name for p in session.scalars(select(Park))}
        carriers = {c.id: c.name for c in session.scalars(select(Carrier))}
        return pl.DataFrame(
            {
                "uscc": [e.uscc for e in ents],
                "name": [e.name for e in ents],
                "founded_on": [e.founded_on for e in ents],
                "region": [e.region_code for e in ents],
                "zone": [zones.get(e.zone_id) for e in ents],
                "park": [parks.get(e.park_id) for e in ents],
                "industry_code": [e.industry_code for e in ents],
                "tech_field": [e.tech_field for e in ents],
                "incubator": [carriers.get(e.incubator_id) for e in ents],
                "counted_zone": [zones.get(e.counted_zone_id) for e in ents],
            },
            schema={
                "uscc": pl.String,
                "name": pl.String,
                "founded_on": pl.Date,
                "region": pl.String,
                "zone": pl.String,
                "park": pl.String,
                "industry_code": pl.String,
                "tech_field": pl.String,
                "incubator": pl.String,
                "counted_zone": pl.String,
            },
        )
    if kind == "enterprise_years":
        ent_stmt = enterprise_query(principal, flt).with_only_columns(
            Enterprise.id, Enterprise.uscc, Enterprise.name
        )
        ents = pl.DataFrame(
            session.execute(ent_stmt).all(),
            orient="row",
            schema={"enterprise_id": pl.Int64, "uscc": pl.String, "name": pl.String},
        )
        figures = current_figures(
            session, ents.get_column("enterprise_id").to_list(), [year] if year else None
        )
        return (
            figures.join(ents, on="enterprise_id", how="inner")
            .sort(["uscc", "year"])
            .select(["uscc", "name", "year", *FIELD_CODES])
        )
    stmt = (
        select(Zone.name, ZoneYear.year, ZoneYear.indicator_code, ZoneYear.value)
        .join(Zone, Zone.id == ZoneYear.zone_id)
        .where(ZoneYear.is_current.is_(True), zone_data_scope(principal))
    )
    if year:
        stmt = stmt.where(ZoneYear.year == year)
    long = pl.DataFrame(
        session.execute(stmt).all(),
        orient="row",
        schema={
            "zone": pl.String,
            "year": pl.Int64,
            "indicator_code": pl.String,
            "value": pl.Float64,
        },
    )
    codes = [z.code for z in ZONE_YEAR_INDICATORS]
    if long.is_empty():
        return pl.DataFrame(
            schema={"zone": pl.String, "year": pl.Int64} | {c: pl.Float64 for c in codes}
        )
    wide = long.pivot(on="indicator_code", index=["zone", "year"], values="value")
    wide = wide.with_columns(
        [pl.lit(None, dtype=pl.Float64).alias(c) for c in codes if c not in wide.columns]
    )
    return wide.select(["zone", "year", *codes]).sort(["zone", "year"])


def _scope(session: Session, principal: Principal, kind: str, flt: EnterpriseFilter | None) -> str:
    """Whose rows the file holds: the filtered zone (enterprise kinds), else the principal's scope."""
    zone = session.get(Zone, flt.zone_id) if flt and flt.zone_id and kind != "zone_years" else None
    return zone.name if zone else scope_label(session, principal)


def _data_date(session: Session, principal: Principal, kind: str) -> str | None:
    """The Beijing date of the newest import of the kind the principal's data may come from (a
    city-wide file, or one of her zone's); None (the export's date) for other scopes."""
    if principal.scope not in ("all", "zone"):
        return None
    stmt = select(func.max(ImportBatch.created_at)).where(
        ImportBatch.kind == kind, ImportBatch.undone_at.is_(None)
    )
    if principal.scope == "zone":
        stmt = stmt.where(
            or_(ImportBatch.zone_id.is_(None), ImportBatch.zone_id == principal.zone_id)
        )
    newest = session.scalar(stmt)
    return fmt_local_time(newest)[:10] if newest else None


def export_file(
    session: Session,
    principal: Principal,
    kind: str,
    flt: EnterpriseFilter | None = None,
    year: int | None = None,
) -> bytes:
    """An .xlsx in the template's columns (so that it imports back unchanged); audited."""
    frame = export_frame(session, principal, kind, flt, year)
    audit.record(session, "export", kind, "", f"导出{kind_label(kind)}（{frame.height} 行）")
    return write_sheets(
        [(SHEET_NAMES[kind], COLUMNS_BY_KIND[kind], frame)],
        [
            "本文件与导入模板同列，修改后可直接再导入（标题行与本说明页在导入时跳过）。",
            *notes(kind),
        ],
        title=f"{kind_label(kind)}导出",
        scope=_scope(session, principal, kind, flt),
        year=year if year else ("全部年度" if kind != "enterprises" else None),
        data_date=_data_date(session, principal, kind),
        demo=demo_data_present(session),
    )
