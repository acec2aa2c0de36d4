"""Who may read and change the statistics domain's objects.

Enterprise-year figures follow their enterprise (the registry's enterprise rule for reads,
`can_write_enterprise` for imports); zone-year figures follow their zone's data rule, and only the
bureau and zone administrators enter them; an import batch is seen by the bureau and by the person
who made it. An enterprise user's figures are submissions: reviewed by the zone admin of the
enterprise's zone or counted zone (or the city admin), read-only to the enterprise, hidden from banks.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from kechuang.core.security import Principal
from kechuang.registry.models import Enterprise
from kechuang.registry.scope import can_see_zone_data
from kechuang.statistics.models import ImportBatch, Submission


def import_batch_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the import batches the principal may see."""
    if principal.is_city_admin:
        return true()
    return ImportBatch.user_id == principal.user_id


def can_write_zone_year(principal: Principal, zone_id: int) -> bool:
    """True when the principal may enter zone-level figures for this zone."""
    return principal.scope in ("all", "zone") and can_see_zone_data(principal, zone_id)


def submits_for_review(principal: Principal) -> bool:
    """True when the principal's figures are submissions that a bureau reviewer must approve."""
    return principal.scope == "enterprise"


def can_review(principal: Principal) -> bool:
    """True for the roles that approve or reject submissions (city and zone administrators)."""
    return principal.scope == "all" or (principal.scope == "zone" and principal.zone_id is not None)


def submission_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the submissions the principal may see."""
    if principal.scope == "all":
        return true()
    if principal.scope == "zone" and principal.zone_id is not None:
        in_zone = select(Enterprise.id).where(
            or_(
                Enterprise.zone_id == principal.zone_id,
                Enterprise.counted_zone_id == principal.zone_id,
            )
        )
        return Submission.enterprise_id.in_(in_zone)
    if principal.scope == "enterprise" and principal.enterprise_id is not None:
        return Submission.enterprise_id == principal.enterprise_id
    return false()
