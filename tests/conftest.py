"""Test fixtures: one migrated database per run (SQLite, or PostgreSQL when
KECHUANG_TEST_DATABASE_URL is set) and one rolled-back transaction per test."""

from __future__ import annotations

import logging
import os
import tempfile
import traceback
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from kechuang.core import db
from kechuang.core.audit import bind_principal
from kechuang.core.security import SYSTEM

pytest_plugins = ["nicegui.testing.user_plugin"]

_TMP = Path(tempfile.mkdtemp(prefix="kechuang-test-"))


def _worker_database(url: str) -> str:
    """Under pytest-xdist, each worker's own PostgreSQL database beside the run's (<db>_<worker>).

    Workers run at once and every run migrates its database from empty, so they cannot share one.
    SQLite needs nothing: each worker process already has its own temporary file.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgresql"):
        return url
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(
        base.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    _WORKER_DATABASES.append((base, name))
    return base.set(database=name).render_as_string(hide_password=False)


_WORKER_DATABASES: list = []
_RUN_URL = os.environ.get("KECHUANG_TEST_DATABASE_URL")
TEST_DATABASE_URL = _worker_database(_RUN_URL) if _RUN_URL else f"sqlite:///{_TMP / 'test.db'}"
if _RUN_URL:
    # tests/scratch.py and the server-starting tests read the run's database from here
    os.environ["KECHUANG_TEST_DATABASE_URL"] = TEST_DATABASE_URL
os.environ["KECHUANG_DATABASE_URL"] = TEST_DATABASE_URL
os.environ.setdefault("KECHUANG_VAR_DIR", str(_TMP / "var"))


class _DrawerProbeTimeout(logging.Filter):
    """Drop NiceGUI's "JavaScript did not respond" error for the drawer's open-state probe only.

    With `left_drawer(value=None)` NiceGUI asks the browser whether the drawer is open; the user
    simulation answers through its outbox, which under CPU load can miss NiceGUI's fixed 1 s
    timeout. That answer has no meaning in a simulated browser, and the user fixture fails a test
    on any ERROR log, so the page crawl failed at random on a loaded machine. Every other
    JavaScript timeout still fails the test.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but the drawer probe's timeout."""
        if not record.getMessage().startswith("JavaScript did not respond"):
            return True
        tb = record.exc_info[2] if record.exc_info else None
        frames = traceback.extract_tb(tb) if tb else []
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None and not frames:
            frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
            exc = exc.__cause__
        return not any(f.filename.endswith("elements/drawer.py") for f in frames)


logging.getLogger("nicegui").addFilter(_DrawerProbeTimeout())


def pytest_unconfigure(config):
    """Drop this worker's PostgreSQL database (the run's own is dropped by whoever created it)."""
    from sqlalchemy import create_engine, text

    for base, name in _WORKER_DATABASES:
        admin = create_engine(
            base.set(drivername="postgresql+psycopg", database="postgres"),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_report_header(config):
    """Say which database this run uses."""
    backend = "PostgreSQL" if TEST_DATABASE_URL.startswith("postgresql") else "SQLite"
    return f"kechuang test database: {backend}"


@pytest.fixture(scope="session")
def engine():
    """The test database, migrated from empty to head."""
    db.downgrade(TEST_DATABASE_URL, "base")
    db.upgrade(TEST_DATABASE_URL, "heads")
    eng = db.make_engine(TEST_DATABASE_URL)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    """A session inside a transaction that is rolled back after the test.

    Every session_scope() in the code under test (API, UI, jobs) joins the same transaction through
    savepoints, so commits inside the code are undone too.
    """
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    db.set_session_factory(factory, engine)
    sess = bind_principal(factory(), SYSTEM)
    try:
        yield sess
    finally:
        sess.close()
        outer.rollback()
        connection.close()
        db.set_session_factory(None)


@pytest.fixture
def city(session):
    """The shipped Yangzhou registry, loaded; returns zones by code."""
    from kechuang.registry.models import Zone
    from kechuang.registry.service import load_city_config

    load_city_config(session)
    session.flush()
    return {z.code: z for z in session.query(Zone).all()}


PASSWORD = "Yz-kc-test-2026"


@pytest.fixture
def world(session, city):
    """Two zones with one enterprise each (with figures) and a user of every role."""
    from factories import make_enterprise
    from sheets import xlsx

    from kechuang.accounts.service import create_user
    from kechuang.core.security import SYSTEM
    from kechuang.statistics.imports import import_file

    a = make_enterprise(session, city["yzhtz"], name="甲高新科技有限公司")
    b = make_enterprise(session, city["jiangdu"], name="乙江都智能有限公司")
    enclave = make_enterprise(
        session, city["hangji"], name="丙飞地企业有限公司", counted_zone_id=city["yzhtz"].id
    )
    header = ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)", "研发费用总额(万元)"]
    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(
            header,
            [
                [a.uscc, 2024, 100, 5000, 300],
                [b.uscc, 2024, 50, 2000, 100],
                [enclave.uscc, 2024, 10, 800, 40],
            ],
        ),
        "f.xlsx",
    )
    assert rep.ok, rep.errors
    import_file(
        session,
        SYSTEM,
        "zone_years",
        xlsx(
            ["高新区", "年度", "总绿地率(%)"], [["扬州高新区", 2024, 30], ["江都高新区", 2024, 20]]
        ),
        "z.xlsx",
    )
    create_user(session, username="city", password=PASSWORD, role="city_admin")
    create_user(
        session, username="zone_yz", password=PASSWORD, role="zone_admin", zone_id=city["yzhtz"].id
    )
    create_user(
        session, username="ent_b", password=PASSWORD, role="enterprise_user", enterprise_id=b.id
    )
    session.flush()
    return {"a": a, "b": b, "enclave": enclave, "city": city}


@pytest.fixture
def client(session):
    """An API test client whose sessions join the test transaction."""
    from fastapi.testclient import TestClient

    from kechuang.app import create_api

    with TestClient(create_api(), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(autouse=True)
def _fresh_demo_flag():
    """Each test looks up the 演示数据 label afresh (it is cached per process)."""
    from kechuang.core.layout import reset_demo_label

    reset_demo_label()
    yield
    reset_demo_label()
