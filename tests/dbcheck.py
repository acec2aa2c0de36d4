"""Whole-database checks for "a rejected file changes nothing"."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session


def table_counts_and_checksums(session: Session) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row of every table (audit_log excepted), in key order."""
    from kechuang.models import Base

    session.flush()
    out: dict[str, tuple[int, str]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name == "audit_log":
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        rows = session.execute(select(table).order_by(*order)).all()
        digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
        out[table.name] = (len(rows), digest)
    return out
