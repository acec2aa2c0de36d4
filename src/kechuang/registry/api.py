"""API routes for zones and enterprises (every query scoped to the principal)."""

from __future__ import annotations

from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Query

from kechuang.core.errors import NotFound
from kechuang.core.responses import ERROR_RESPONSES
from kechuang.core.scope import can_see_zone_data
from kechuang.core.web import CurrentPrincipal, DbSession
from kechuang.registry import service
from kechuang.registry.models import CARRIER_KINDS, INDUSTRY_ROLES, Zone
from kechuang.registry.schemas import (
    CarrierOut,
    EnterpriseDetail,
    EnterprisePage,
    ZoneDetail,
    ZoneOut,
)
from kechuang.statistics import service as stats

router = APIRouter(prefix="/api/v1", tags=["登记"], responses=ERROR_RESPONSES)


def zone_dict(zone: Zone) -> dict[str, Any]:
    """A zone with its parks and strategic industries."""
    return {
        "id": zone.id,
        "code": zone.code,
        "name": zone.name,
        "full_name": zone.full_name,
        "kind": zone.kind,
        "level": zone.level,
        "region_code": zone.region_code,
        "candidate_for": zone.candidate_for,
        "source": zone.source,
        "parks": [
            {
                "id": p.id,
                "code": p.code,
                "name": p.name,
                "confirmed": p.confirmed,
                "source": p.source,
            }
            for p in zone.parks
        ],
        "strategic_industries": [
            {
                "code": zi.industry_code,
                "name": zi.industry.name,
                "role": zi.role,
                "role_label": INDUSTRY_ROLES.get(zi.role),
            }
            for zi in zone.industries
        ],
    }


@router.get("/zones", summary="高新区列表（含园区与战略产业）", response_model=list[ZoneOut])
def zones(session: DbSession, _principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every zone with parks and strategic industries (registry facts, visible to all users)."""
    return [zone_dict(z) for z in service.list_zones(session)]


@router.get("/zones/{zone_id}", summary="高新区详情", response_model=ZoneDetail)
def zone(session: DbSession, principal: CurrentPrincipal, zone_id: int) -> dict[str, Any]:
    """One zone; its statistics only when the principal may see them."""
    z = service.get_zone(session, zone_id)
    if z is None:
        raise NotFound("高新区不存在")
    out = zone_dict(z)
    out["yearly"], out["zone_statistics"] = [], []
    if can_see_zone_data(principal, zone_id):
        totals = stats.zone_totals(session, principal)
        out["yearly"] = totals.filter(pl.col("zone_id") == zone_id).drop("zone_id").to_dicts()
        out["zone_statistics"] = stats.zone_year_figures(session, principal, zone_id)
    return out


@router.get("/carriers", summary="创新载体", response_model=list[CarrierOut])
def carriers(
    session: DbSession, _principal: CurrentPrincipal, zone_id: int | None = None
) -> list[dict[str, Any]]:
    """Innovation carriers (public registry facts)."""
    return [
        {
            "id": c.id,
            "code": c.code,
            "name": c.name,
            "kind": c.kind,
            "kind_label": CARRIER_KINDS.get(c.kind, c.kind),
            "level": c.level,
            "zone_id": c.zone_id,
        }
        for c in service.list_carriers(session, zone_id)
    ]


@router.get("/enterprises", summary="企业列表（分页、筛选、搜索）", response_model=EnterprisePage)
def enterprises(
    session: DbSession,
    principal: CurrentPrincipal,
    zone_id: int | None = None,
    park_id: int | None = None,
    industry: Annotated[str | None, Query(description="GB/T 4754 代码前缀")] = None,
    tech_field: str | None = None,
    q: Annotated[str | None, Query(description="名称关键字或信用代码")] = None,
    year: int | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 20,
    sort: str = "id",
    descending: bool = False,
) -> dict[str, Any]:
    """The enterprises the principal may see, one page at a time."""
    flt = service.EnterpriseFilter(zone_id, park_id, industry, tech_field, q)
    rows, total = service.list_enterprises(
        session, principal, flt, page, page_size, sort, descending, year
    )
    return {"total": total, "page": page, "page_size": page_size, "items": rows}


@router.get(
    "/enterprises/{enterprise_id}",
    summary="企业详情（含年度统计）",
    response_model=EnterpriseDetail,
)
def enterprise(
    session: DbSession, principal: CurrentPrincipal, enterprise_id: int
) -> dict[str, Any]:
    """One enterprise with its current yearly figures and the revision history."""
    ent = service.get_enterprise(session, principal, enterprise_id)
    return {
        **service.enterprise_summary(ent),
        "counted_zone": ent.counted_zone.name if ent.counted_zone else None,
        "incubator": ent.incubator.name if ent.incubator else None,
        "years": stats.enterprise_years(session, principal, enterprise_id),
        "revisions": stats.enterprise_revisions(session, principal, enterprise_id),
    }
