"""Read and write rules for the registry's objects: enterprises and zones' data.

Every service that returns enterprise or zone data filters with these expressions, so a zone admin
never sees another zone's enterprises and an enterprise user sees only his own, whatever the route
(list, detail, export, search, aggregate). Domains above the registry build their rules on these.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from kechuang.core.scope import ScopeError
from kechuang.core.security import Principal
from kechuang.registry.models import Enterprise, Zone

__all__ = [
    "ScopeError",
    "can_see_zone_data",
    "can_write_enterprise",
    "require_zone_filter",
    "enterprise_scope",
    "scope_label",
    "zone_data_scope",
]


def enterprise_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the enterprises the principal may see.

    A zone admin sees enterprises registered in her zone and those counted in it (飞地/异地孵化).
    """
    if principal.scope == "all":
        return true()
    if principal.scope == "zone" and principal.zone_id is not None:
        return or_(
            Enterprise.zone_id == principal.zone_id, Enterprise.counted_zone_id == principal.zone_id
        )
    if principal.scope == "enterprise" and principal.enterprise_id is not None:
        return Enterprise.id == principal.enterprise_id
    return false()


def zone_data_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the zones whose statistics the principal may see."""
    if principal.scope == "all":
        return true()
    if principal.scope == "zone" and principal.zone_id is not None:
        return Zone.id == principal.zone_id
    return false()


def can_see_zone_data(principal: Principal, zone_id: int | None) -> bool:
    """True when the principal may read this zone's statistics."""
    if principal.scope == "all":
        return True
    return principal.scope == "zone" and zone_id is not None and principal.zone_id == zone_id


def can_write_enterprise(
    principal: Principal,
    zone_id: int | None,
    enterprise_id: int | None,
    counted_zone_id: int | None = None,
) -> bool:
    """True when the principal may create or change this enterprise's records."""
    if principal.scope == "all":
        return True
    if principal.scope == "zone":
        return principal.zone_id is not None and principal.zone_id in (zone_id, counted_zone_id)
    if principal.scope == "enterprise":
        return enterprise_id is not None and enterprise_id == principal.enterprise_id
    return False


def require_zone_filter(principal: Principal, zone_id: int | None) -> None:
    """A list filtered by a zone the principal may not read is refused (404), not answered empty:
    the bureau may name any zone, a zone admin only her own, an enterprise user none."""
    if zone_id is None or principal.scope == "all":
        return
    if principal.scope == "zone" and principal.zone_id == zone_id:
        return
    raise ScopeError(f"高新区 {zone_id} 不存在或无权查看")


def scope_label(session, principal: Principal) -> str:
    """Whose data the principal sees, as an export's title says it: 全市, a zone or an enterprise."""
    if principal.scope == "all":
        return "全市"
    if principal.scope == "zone" and principal.zone_id is not None:
        zone = session.get(Zone, principal.zone_id)
        return zone.name if zone else "本高新区"
    if principal.scope == "enterprise" and principal.enterprise_id is not None:
        ent = session.get(Enterprise, principal.enterprise_id)
        return ent.name if ent else "本企业"
    return principal.role_label
