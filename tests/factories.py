"""Plain factory functions for tests."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy.orm import Session
from stdnum.cn import uscc as stdnum_uscc

from kechuang.accounts.service import create_user, principal_of
from kechuang.registry.models import Enterprise

_counter = itertools.count(1)


def make_uscc(seq: int | None = None, region: str = "321003") -> str:
    """A valid 统一社会信用代码 for the region (check digit computed)."""
    n = next(_counter) if seq is None else seq
    body = f"91{region}MA{n:07d}"[:17]
    body = body[:8] + f"{n:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


def make_enterprise(
    session: Session, zone, name: str | None = None, uscc: str | None = None, **kw
) -> Enterprise:
    """An enterprise registered in the zone."""
    ent = Enterprise(
        uscc=uscc or make_uscc(),
        name=name or f"测试企业{next(_counter)}有限公司",
        zone_id=zone.id if zone is not None else None,
        region_code=zone.region_code if zone is not None else None,
        founded_on=kw.pop("founded_on", date(2015, 1, 1)),
        **kw,
    )
    session.add(ent)
    session.flush()
    return ent


def make_principal(session: Session, role: str, zone=None, enterprise=None, username=None):
    """A user of the role (bound to the zone or enterprise) and its principal."""
    user = create_user(
        session,
        username=username or f"u{next(_counter)}",
        password="Yz-kc-test-2026",
        role=role,
        zone_id=zone.id if zone is not None else None,
        enterprise_id=enterprise.id if enterprise is not None else None,
    )
    return principal_of(user)


def row_counts(session: Session) -> dict[str, int]:
    """Rows in every table of the database (for "stores nothing" checks that no new table or
    unaudited write can slip past)."""
    from sqlalchemy import func, inspect, select, table

    names = inspect(session.connection()).get_table_names()
    assert "audit_log" in names and "enterprise_years" in names, names
    return {
        name: session.scalar(select(func.count()).select_from(table(name)))
        for name in names
        if name != "alembic_version"
    }
