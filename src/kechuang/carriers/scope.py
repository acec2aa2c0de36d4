"""Who may read and write the carriers chain.

- 市科技局 (city_admin): everything.
- 高新区管理员 (zone_admin): the carriers located in her zone, and the incubations, relocations,
  attributions and contracts of enterprises she may see (registered or counted in her zone,
  registry.scope) or of carriers in her zone; the chain metrics of her zone only.
- 企业用户 (enterprise_user): his own incubation records, relocations, attributions and the contracts
  his enterprise signed; no metrics, no other enterprise.
- banks and every other role: nothing (RoleError, 403).

Out-of-scope objects raise ScopeError (404).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from kechuang.carriers import BUREAU_ROLES, DOMAIN_ROLES
from kechuang.carriers.models import Attribution, Incubation, Relocation, TechContract
from kechuang.core.scope import RoleError, ScopeError
from kechuang.core.security import Principal
from kechuang.registry.models import Carrier, Enterprise
from kechuang.registry.scope import enterprise_scope

__all__ = ["RoleError", "ScopeError"]


def require_domain_role(principal: Principal) -> None:
    """Refuse roles that have nothing to do with the chain (403)."""
    if principal.role not in DOMAIN_ROLES:
        raise RoleError("该账号无权查看创新载体链条")


def require_bureau(principal: Principal, what: str = "查看载体链条统计") -> None:
    """Refuse roles other than the bureau and zone admins (403)."""
    require_domain_role(principal)
    if principal.role not in BUREAU_ROLES:
        raise RoleError(f"{principal.role_label}无权{what}")


def require_role(principal: Principal, roles: tuple[str, ...], what: str) -> None:
    """Refuse a role that may not do `what` (403, Chinese)."""
    require_domain_role(principal)
    if principal.role not in roles:
        raise RoleError(f"{principal.role_label}无权{what}")


def visible_enterprises(principal: Principal):
    """Subquery: ids of the enterprises the principal may see."""
    return select(Enterprise.id).where(enterprise_scope(principal)).correlate(None)


def carrier_scope(principal: Principal) -> ColumnElement[bool]:
    """The carriers the principal may list: all (bureau), her zone's (zone admin), the carriers of
    his own incubations (enterprise)."""
    require_domain_role(principal)
    if principal.scope == "all":
        return true()
    if principal.scope == "zone" and principal.zone_id is not None:
        return Carrier.zone_id == principal.zone_id
    if principal.scope == "enterprise" and principal.enterprise_id is not None:
        return Carrier.id.in_(
            select(Incubation.carrier_id)
            .where(Incubation.enterprise_id == principal.enterprise_id)
            .correlate(None)
        )
    return false()


def incubation_scope(principal: Principal) -> ColumnElement[bool]:
    """The incubation records the principal may see."""
    require_domain_role(principal)
    if principal.scope == "all":
        return true()
    if principal.scope == "zone" and principal.zone_id is not None:
        zone_carriers = (
            select(Carrier.id).where(Carrier.zone_id == principal.zone_id).correlate(None)
        )
        return or_(
            Incubation.enterprise_id.in_(visible_enterprises(principal)),
            Incubation.carrier_id.in_(zone_carriers),
        )
    if principal.scope == "enterprise" and principal.enterprise_id is not None:
        return Incubation.enterprise_id == principal.enterprise_id
    return false()


def relocation_scope(principal: Principal) -> ColumnElement[bool]:
    """The relocations the principal may see (of enterprises he sees, or into her zone)."""
    require_domain_role(principal)
    if principal.scope == "all":
        return true()
    clause = Relocation.enterprise_id.in_(visible_enterprises(principal))
    if principal.scope == "zone" and principal.zone_id is not None:
        return or_(clause, Relocation.to_zone_id == principal.zone_id)
    return clause


def attribution_scope(principal: Principal) -> ColumnElement[bool]:
    """The attribution records the principal may see (either side of the arrangement)."""
    require_domain_role(principal)
    if principal.scope == "all":
        return true()
    clause = Attribution.enterprise_id.in_(visible_enterprises(principal))
    if principal.scope == "zone" and principal.zone_id is not None:
        return or_(
            clause,
            Attribution.counted_zone_id == principal.zone_id,
            Attribution.incubated_zone_id == principal.zone_id,
        )
    return clause


def contract_scope(principal: Principal) -> ColumnElement[bool]:
    """The technology contracts the principal may see: those a visible enterprise signed."""
    require_domain_role(principal)
    if principal.scope == "all":
        return true()
    usccs = select(Enterprise.uscc).where(enterprise_scope(principal)).correlate(None)
    return or_(TechContract.seller_uscc.in_(usccs), TechContract.buyer_uscc.in_(usccs))


def require_zone(principal: Principal, zone_id: int | None) -> None:
    """A zone filter the principal may not use is refused (404)."""
    if zone_id is None or principal.scope == "all":
        return
    if principal.scope == "zone" and principal.zone_id == zone_id:
        return
    raise ScopeError(f"高新区 {zone_id} 不存在或无权查看")
