"""What the zone-evaluation page modules share: the roles that open them, the choices behind their
selectors, table columns and number text."""

from __future__ import annotations

from typing import Any

from kechuang.core.db import session_scope
from kechuang.core.domain import BUREAU_ROLES
from kechuang.zones import service

# The roles that open the evaluation pages: those zones.scope.require_reader lets read.
READERS = BUREAU_ROLES


def table_columns(*spec: tuple[str, str]) -> list[dict[str, Any]]:
    """Left-aligned ui.table columns from (field, label) pairs."""
    return [{"name": k, "label": v, "field": k, "align": "left"} for k, v in spec]


def fmt_num(v: float | None, digits: int = 2) -> str:
    """A number with thousands separators and `digits` decimals; None as an em dash."""
    return "—" if v is None else f"{v:,.{digits}f}"


def load_choices() -> dict[str, Any]:
    """The years, frameworks and peer sets the selectors offer, and whether the data is a demo."""
    with session_scope() as session:
        years = service.available_years(session)
        fws = {f.code: f.name for f in service.list_frameworks(session)}
        sets = {p["code"]: p["name"] for p in service.list_peer_sets(session)}
        demo = service.is_demo(session)
    return {"years": years, "frameworks": fws, "peer_sets": sets, "demo": demo}
