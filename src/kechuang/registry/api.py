"""API routes for the registry's public facts: zones with parks and industries, and carriers.

A zone's or an enterprise's page with figures is served by statistics (same paths).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kechuang.core.responses import ERROR_RESPONSES
from kechuang.core.web import DataReader, DbSession, IdQuery
from kechuang.registry import service
from kechuang.registry.models import CARRIER_KINDS, INDUSTRY_ROLES, Zone
from kechuang.registry.schemas import CarrierOut, ZoneOut

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
def zones(session: DbSession, _principal: DataReader) -> list[dict[str, Any]]:
    """Every zone with parks and strategic industries (registry facts, visible to all users)."""
    return [zone_dict(z) for z in service.list_zones(session)]


@router.get("/carriers", summary="创新载体", response_model=list[CarrierOut])
def carriers(
    session: DbSession, _principal: DataReader, zone_id: IdQuery = None
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
