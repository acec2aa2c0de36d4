"""Who may read and write the tiers domain's objects.

Assessments, candidate lists, the dashboard and the qualifications register are about enterprises,
so they follow the registry's enterprise rule (`registry.scope.enterprise_scope`): a principal sees
them for the enterprises he may see — the bureau all, a zone admin those registered or counted in her
zone, an enterprise user his own. The tier services select enterprises only through the registry's
scoped `enterprise_query` or the functions here, so nothing filters finished results. The dashboard
and candidate pages are the bureau's and zone admins' (`PAGE_ROLES`); the API answers any principal
within his scope. The one write, the qualifications register, is not an enterprise user's: his own
claims are not the record, and a row for an enterprise outside the importer's reach is a bad cell.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.domain import BUREAU_ROLES
from kechuang.core.security import Principal
from kechuang.registry.models import Enterprise
from kechuang.registry.scope import enterprise_scope
from kechuang.registry.service import get_enterprise

# The roles that open the dashboard and the candidate pages.
PAGE_ROLES = BUREAU_ROLES


def visible_enterprise(session: Session, principal: Principal, enterprise_id: int) -> Enterprise:
    """The enterprise whose assessment or qualifications are asked for; ScopeError (404) if unseen."""
    return get_enterprise(session, principal, enterprise_id)


def visible_ids_by_uscc(session: Session, principal: Principal, usccs: list[str]) -> dict[str, int]:
    """uscc → id of the registered enterprises among `usccs` the principal may see."""
    if not usccs:
        return {}
    rows = session.execute(
        select(Enterprise.uscc, Enterprise.id).where(
            Enterprise.uscc.in_(usccs), enterprise_scope(principal)
        )
    ).all()
    return dict(rows)


def may_import_qualifications(principal: Principal) -> bool:
    """False for enterprise users: qualifications come from the bureau's and zones' records."""
    return principal.scope != "enterprise"


def shared_scope(principal: Principal) -> str | None:
    """The scope whose kept or stored tier results a principal shares with every principal of the
    same scope: "all" (the city), "zone:<id>", or None (results are his own, never shared). Zone
    scope is the registry's zone columns, which the data signature covers."""
    if principal.scope == "all":
        return "all"
    if principal.scope == "zone" and principal.zone_id is not None:
        return f"zone:{principal.zone_id}"
    return None


def zone_choices(principal: Principal, zones: dict[int, str]) -> dict[int, str]:
    """The zones a principal may pick on the candidate page: a zone admin only her own."""
    if principal.scope == "zone":
        return {k: v for k, v in zones.items() if k == principal.zone_id}
    return zones
