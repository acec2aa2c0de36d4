"""Who may read and change the statistics domain's objects.

Enterprise-year figures follow their enterprise (the registry's enterprise rule for reads,
`can_write_enterprise` for imports); zone-year figures follow their zone's data rule, and only the
bureau and zone administrators enter them; an import batch is seen by the bureau and by the person
who made it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from kechuang.core.security import Principal
from kechuang.registry.scope import can_see_zone_data
from kechuang.statistics.models import ImportBatch


def import_batch_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the import batches the principal may see."""
    if principal.is_city_admin:
        return true()
    return ImportBatch.user_id == principal.user_id


def can_write_zone_year(principal: Principal, zone_id: int) -> bool:
    """True when the principal may enter zone-level figures for this zone."""
    return principal.scope in ("all", "zone") and can_see_zone_data(principal, zone_id)
