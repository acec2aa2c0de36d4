"""Scratch PostgreSQL databases beside the run's test database, for tests that need a database of
their own (schema rebuilds, several processes, backup and restore)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def run_database_url() -> str:
    """The run's test database (conftest points KECHUANG_DATABASE_URL at it)."""
    return os.environ.get("KECHUANG_TEST_DATABASE_URL") or os.environ["KECHUANG_DATABASE_URL"]


def on_postgres() -> bool:
    """True when the run's test database is PostgreSQL."""
    return run_database_url().startswith("postgresql")


@contextmanager
def postgres_beside(suffix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database named <test db>_<suffix>_<pid>, dropped afterwards."""
    base = make_url(run_database_url())
    name = f"{base.database}_{suffix}_{os.getpid()}"
    admin = create_engine(
        base.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
