"""Registry services: the city configuration, zones, carriers and scoped enterprise queries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from kechuang.core.errors import BadInput, Conflict, NotFound
from kechuang.core.palette import category_styles
from kechuang.core.scope import RoleError, ScopeError
from kechuang.core.security import Principal
from kechuang.registry.models import Carrier, Enterprise, Industry, Park, Region, Zone, ZoneIndustry
from kechuang.registry.scope import enterprise_scope


def city_config(name: str = "yangzhou") -> dict[str, Any]:
    """The shipped city configuration (regions, industries, zones, parks, carriers) as data."""
    text = (
        resources.files("kechuang.registry")
        .joinpath(f"methodology/{name}.yaml")
        .read_text(encoding="utf-8")
    )
    return yaml.safe_load(text)


@cache
def _gbt4754() -> dict[str, dict[str, str]]:
    text = resources.files("kechuang.registry").joinpath("data/gbt4754.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def industry_name(code: str | None) -> str | None:
    """The name of a GB/T 4754 code (C3511 → 专用设备制造业, by its division; C → 制造业); None when
    the code is empty or not in the classification."""
    code = (code or "").strip().upper()
    if not code or not code[0].isalpha():
        return None
    names = _gbt4754()
    section = names["sections"].get(code[0])
    if section is None:
        return None
    if len(code) == 1:
        return section["name"]
    first, last = section["divisions"]
    # the division must lie in the section's range: X12 or A35 is no industry
    if not code[1:3].isdigit() or not first <= int(code[1:3]) <= last:
        return None
    return names["divisions"].get(code[1:3])


def industry_label(code: str | None) -> str:
    """An industry for a page: its name with the code in brackets (专用设备制造业（C3511）); a code
    not in the classification as it is; an em dash when empty."""
    if not code:
        return "—"
    name = industry_name(code)
    return f"{name}（{code}）" if name else code


def load_city_config(session: Session, name: str = "yangzhou") -> dict[str, int]:
    """Insert or update the city's registry from its configuration file; idempotent and audited."""
    cfg = city_config(name)
    counts = {"regions": 0, "industries": 0, "zones": 0, "parks": 0, "carriers": 0}
    for item in cfg["regions"]:
        if _upsert(session, Region, {"code": item["code"]}, {"name": item["name"]}):
            counts["regions"] += 1
    for item in cfg["industries"]:
        if _upsert(
            session,
            Industry,
            {"code": item["code"]},
            {"name": item["name"], "gbt4754": list(item.get("gbt4754", []))},
        ):
            counts["industries"] += 1
    session.flush()
    for item in cfg["zones"]:
        zone = session.scalar(select(Zone).where(Zone.code == item["code"]))
        values = {
            "name": item["name"],
            "full_name": item.get("full_name", ""),
            "kind": item.get("kind", "高新区"),
            "level": item["level"],
            "region_code": item.get("region"),
            "candidate_for": item.get("candidate_for", ""),
            "source": item.get("source", ""),
        }
        if zone is None:
            zone = Zone(code=item["code"], **values)
            session.add(zone)
            counts["zones"] += 1
        else:
            for key, value in values.items():
                setattr(zone, key, value)
        session.flush()
        for park in item.get("parks", []):
            existing_park = session.scalar(select(Park).where(Park.code == park["code"]))
            if (
                existing_park is not None
                and existing_park.confirmed
                and not park.get("confirmed", True)
            ):
                continue  # the bureau confirmed this name on the platform: a reload keeps it
            if _upsert(
                session,
                Park,
                {"code": park["code"]},
                {
                    "zone_id": zone.id,
                    "name": park["name"],
                    "source": park.get("source", ""),
                    "confirmed": bool(park.get("confirmed", True)),
                },
            ):
                counts["parks"] += 1
        for ind in item.get("industries", []):
            existing = session.scalar(
                select(ZoneIndustry).where(
                    ZoneIndustry.zone_id == zone.id, ZoneIndustry.industry_code == ind["industry"]
                )
            )
            if existing is None:
                session.add(
                    ZoneIndustry(zone_id=zone.id, industry_code=ind["industry"], role=ind["role"])
                )
            else:
                existing.role = ind["role"]
    session.flush()
    zone_ids = dict(session.execute(select(Zone.code, Zone.id)).all())
    for item in cfg.get("carriers", []):
        if _upsert(
            session,
            Carrier,
            {"code": item["code"]},
            {
                "name": item["name"],
                "kind": item["kind"],
                "level": item["level"],
                "zone_id": zone_ids.get(item.get("zone")),
                "source": item.get("source", ""),
            },
        ):
            counts["carriers"] += 1
    session.flush()
    return counts


def confirm_park(session: Session, principal: Principal, park_id: int, name: str) -> Park:
    """Set a park's name as confirmed by the city bureau (city admin only; audited at flush)."""
    if principal.role != "city_admin":
        raise RoleError("只有市科技局管理员可以核实园区名称")
    park = session.get(Park, park_id)
    if park is None:
        raise NotFound("园区不存在")
    name = (name or "").strip()
    if not name:
        raise BadInput("请填写园区名称")
    if len(name) > 100:
        raise BadInput("园区名称不能超过 100 个字")
    clash = session.scalar(
        select(Park).where(Park.zone_id == park.zone_id, Park.name == name, Park.id != park.id)
    )
    if clash is not None:
        raise Conflict(f"本高新区已有名为“{name}”的园区")
    park.name = name
    park.confirmed = True
    session.flush()
    return park


def _upsert(session: Session, model: type, key: dict[str, Any], values: dict[str, Any]) -> bool:
    obj = session.scalar(select(model).filter_by(**key))
    if obj is None:
        session.add(model(**key, **values))
        return True
    for attr, value in values.items():
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
    return False


def industry_styles(session: Session, rest: str | None = None) -> dict[str, dict[str, Any]]:
    """Chart styles per strategic industry code: the whole catalogue by code, so an industry has
    the same colour on every chart whatever else the chart shows (`rest` is drawn grey)."""
    codes = list(session.scalars(select(Industry.code).order_by(Industry.code)))
    return category_styles(codes, rest=rest)


def list_zones(session: Session) -> list[Zone]:
    """All zones with their parks and strategic industries (public registry facts)."""
    stmt = (
        select(Zone)
        .options(
            selectinload(Zone.parks),
            selectinload(Zone.industries).selectinload(ZoneIndustry.industry),
        )
        .order_by(Zone.id)
    )
    return list(session.scalars(stmt))


def get_zone(session: Session, zone_id: int) -> Zone | None:
    """One zone with its parks and industries."""
    return session.scalar(
        select(Zone)
        .where(Zone.id == zone_id)
        .options(
            selectinload(Zone.parks),
            selectinload(Zone.industries).selectinload(ZoneIndustry.industry),
        )
    )


def list_regions(session: Session) -> list[Region]:
    """All regions (区县)."""
    return list(session.scalars(select(Region).order_by(Region.code)))


def list_carriers(session: Session, zone_id: int | None = None) -> list[Carrier]:
    """Innovation carriers, optionally of one zone."""
    stmt = select(Carrier).order_by(Carrier.id)
    if zone_id is not None:
        stmt = stmt.where(Carrier.zone_id == zone_id)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class EnterpriseFilter:
    """Filters for enterprise lists: zone, park, industry code prefix, tech field, name/USCC search."""

    zone_id: int | None = None
    park_id: int | None = None
    industry: str | None = None
    tech_field: str | None = None
    q: str | None = None


def enterprise_query(principal: Principal, flt: EnterpriseFilter) -> Select:
    """The scoped, filtered SELECT of enterprises (every list, search and export starts here)."""
    stmt = select(Enterprise).where(enterprise_scope(principal))
    if flt.zone_id is not None:
        stmt = stmt.where(
            or_(Enterprise.zone_id == flt.zone_id, Enterprise.counted_zone_id == flt.zone_id)
        )
    if flt.park_id is not None:
        stmt = stmt.where(Enterprise.park_id == flt.park_id)
    if flt.industry:
        stmt = stmt.where(Enterprise.industry_code.startswith(flt.industry.strip().upper()))
    if flt.tech_field:
        stmt = stmt.where(Enterprise.tech_field == flt.tech_field)
    if flt.q and flt.q.strip():
        term = flt.q.strip()
        stmt = stmt.where(or_(Enterprise.name.contains(term), Enterprise.uscc == term.upper()))
    return stmt


def enterprise_summary(ent: Enterprise) -> dict[str, Any]:
    """The registry facts of an enterprise as a plain dict."""
    return {
        "id": ent.id,
        "uscc": ent.uscc,
        "name": ent.name,
        "founded_on": ent.founded_on.isoformat() if ent.founded_on else None,
        "region_code": ent.region_code,
        "zone_id": ent.zone_id,
        "zone": ent.zone.name if ent.zone else None,
        "park_id": ent.park_id,
        "park": ent.park.name if ent.park else None,
        "industry_code": ent.industry_code,
        "tech_field": ent.tech_field,
        "counted_zone_id": ent.counted_zone_id,
        "is_demo": ent.is_demo,
    }


def get_enterprise(session: Session, principal: Principal, enterprise_id: int) -> Enterprise:
    """One enterprise the principal may see; raises ScopeError (as 'not found') otherwise."""
    ent = session.scalar(
        select(Enterprise)
        .where(Enterprise.id == enterprise_id, enterprise_scope(principal))
        .options(
            selectinload(Enterprise.zone),
            selectinload(Enterprise.park),
            selectinload(Enterprise.counted_zone),
            selectinload(Enterprise.incubator),
        )
    )
    if ent is None:
        raise ScopeError("企业不存在或无权查看")
    return ent
