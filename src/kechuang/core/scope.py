"""The scope mechanism: how a principal's reach is expressed and enforced.

Core knows only the principal and this protocol; each domain declares the read and write rules of
its own objects next to its models (`<domain>/scope.py`) and its services apply them inside their
queries, so no caller ever filters finished results. Out-of-scope rows raise `ScopeError` (answered
as 404, the row "does not exist" for the caller); a role that may not use a feature at all raises
`RoleError` (403).
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import ColumnElement

from kechuang.core.errors import Forbidden, NotFound
from kechuang.core.security import Principal

# Aggregates over others shown to a scoped principal (peer means, benchmarks, totals, ranks) need at
# least this many others in the group; fewer would let one reader solve for another's figure.
PEER_GROUP_MIN = 3


class ScopeError(NotFound, PermissionError):
    """The principal may not see or change this object (message in Chinese); answered as 404."""


class RoleError(Forbidden):
    """The principal's role may not use this feature at all (message in Chinese); answered as 403."""


class ReadRule(Protocol):
    """A domain's read rule: a WHERE clause selecting the rows the principal may see."""

    def __call__(self, principal: Principal) -> ColumnElement[bool]:
        """The clause for this principal."""
