"""Who may read and write the 科技特派员 domain's objects.

- 市科技局 (city_admin): everything.
- 区县科技管理员 (county_admin, scope 'region' with a 6-digit GB/T 2260 code): the demands located in
  the county, the agreements, logs and ratings made there, and the commissioners who serve the
  county (its service areas) or live in it; dashboards count only those rows.
- 村信息员 (village_informant, scope 'region' with a 9-digit 乡镇 code, or 6 digits): posts demands
  in the area for farmers without an account and acts as their served party; sees the demands in
  the area and the agreements and logs of the demands he posted.
- 科技特派员 (commissioner, scope 'commissioner'): his own record, agreements, logs and ratings, and
  the demands of his agreements.
- 服务对象 (service_recipient, scope 'own'): the demands he posted or that name him, and their
  agreements, logs and ratings.
- zone admins, enterprise users and banks: nothing (RoleError, 403).

Out-of-scope objects raise ScopeError (404). Every service builds its queries from the clauses
here, so lists, details, counts and dashboards cannot disagree.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from kechuang.commissioners import (
    COMMISSIONER,
    COUNTY_ADMIN,
    DOMAIN_ROLES,
    INFORMANT,
    RECIPIENT,
)
from kechuang.commissioners.models import (
    Agreement,
    Commissioner,
    CommissionerArea,
    Demand,
)
from kechuang.core.scope import RoleError
from kechuang.core.security import Principal

POSTERS = ("city_admin", COUNTY_ADMIN, RECIPIENT, INFORMANT)
MATCHERS = ("city_admin", COUNTY_ADMIN)


def require_domain_role(principal: Principal) -> None:
    """Refuse roles that have nothing to do with commissioners (403)."""
    if principal.role not in DOMAIN_ROLES:
        raise RoleError("该账号无权使用科技特派员服务功能")


def require_role(principal: Principal, roles: tuple[str, ...], what: str) -> None:
    """Refuse a role that may not do `what` (403, Chinese)."""
    require_domain_role(principal)
    if principal.role not in roles:
        raise RoleError(f"{principal.role_label}无权{what}")


def _region(principal: Principal) -> str:
    return principal.region_code or "-"  # a region role without a code sees nothing


def in_region(column, code: str) -> ColumnElement[bool]:
    """Rows whose GB/T 2260 code lies in `code` (a county or a township)."""
    return column.like(f"{code}%") if code.isdigit() else false()


def owned_demand_ids(principal: Principal):
    """Subquery: demands whose served party is the principal (own account or posted for someone)."""
    return select(Demand.id).where(
        or_(Demand.owner_user_id == principal.user_id, Demand.posted_by_id == principal.user_id)
    )


def demand_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the demands the principal may see."""
    require_domain_role(principal)
    if principal.scope == "all":
        return true()
    if principal.role == COUNTY_ADMIN:
        code = _region(principal)
        if len(code) == 6:
            return Demand.county_code == code
        return in_region(Demand.region_code, code)
    if principal.role == INFORMANT:
        return or_(
            in_region(Demand.region_code, _region(principal)),
            Demand.id.in_(owned_demand_ids(principal)),
        )
    if principal.role == COMMISSIONER:
        return Demand.id.in_(
            select(Agreement.demand_id).where(
                Agreement.commissioner_id == principal.commissioner_id
            )
        )
    if principal.role == RECIPIENT:
        return Demand.id.in_(owned_demand_ids(principal))
    return false()


def agreement_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the agreements (and through them logs and ratings) one may see."""
    require_domain_role(principal)
    if principal.scope == "all":
        return true()
    if principal.role == COUNTY_ADMIN:
        code = _region(principal)
        if len(code) == 6:
            return Agreement.county_code == code
        return Agreement.demand_id.in_(select(Demand.id).where(in_region(Demand.region_code, code)))
    if principal.role == COMMISSIONER:
        return Agreement.commissioner_id == principal.commissioner_id
    if principal.role in (RECIPIENT, INFORMANT):
        return Agreement.demand_id.in_(owned_demand_ids(principal))
    return false()


def commissioner_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the commissioners whose records the principal may see."""
    require_domain_role(principal)
    if principal.scope == "all":
        return true()
    if principal.role == COUNTY_ADMIN:
        county = _region(principal)[:6]
        return or_(
            Commissioner.region_code == county,
            Commissioner.id.in_(
                select(CommissionerArea.commissioner_id).where(
                    CommissionerArea.region_code == county
                )
            ),
        )
    if principal.role == COMMISSIONER:
        return Commissioner.id == principal.commissioner_id
    if principal.role in (RECIPIENT, INFORMANT):
        # the served side sees the commissioners of its own agreements
        return Commissioner.id.in_(
            select(Agreement.commissioner_id).where(
                Agreement.demand_id.in_(owned_demand_ids(principal))
            )
        )
    return false()


def may_post_in(principal: Principal, region_code: str) -> bool:
    """True when the principal may post a demand located at `region_code`."""
    if principal.scope == "all" or principal.role == RECIPIENT:
        return True
    if principal.role in (COUNTY_ADMIN, INFORMANT):
        return region_code.startswith(_region(principal))
    return False


def is_county_side(principal: Principal, agreement: Agreement) -> bool:
    """True when the principal approves for the county: its county admin, or the bureau."""
    if principal.scope == "all":
        return True
    return principal.role == COUNTY_ADMIN and _region(principal)[:6] == agreement.county_code


def is_served_party(principal: Principal, demand: Demand) -> bool:
    """True when the principal is the demand's served party (own account, or the poster for it)."""
    if principal.user_id is None:
        return False
    return principal.user_id in (demand.owner_user_id, demand.posted_by_id) and principal.role in (
        RECIPIENT,
        INFORMANT,
    )


def is_commissioner_of(principal: Principal, commissioner_id: int) -> bool:
    """True when the principal acts as this commissioner."""
    return principal.role == COMMISSIONER and principal.commissioner_id == commissioner_id
