"""Demo seeding of the carriers chain (演示数据)."""

from __future__ import annotations

from sqlalchemy.orm import Session


def seed_demo(session: Session) -> None:
    """Seed the chain's demo records (filled in below)."""
