"""The PostgreSQL connection pool is sized from the settings (docs/scale.md)."""

from __future__ import annotations

import pytest

from kechuang.core import db
from kechuang.core.config import get_settings


@pytest.fixture
def pool_settings(monkeypatch):
    """Settings read afresh with the pool variables given, restored afterwards."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"KECHUANG_{name.upper()}", value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()


def test_postgresql_pool_takes_its_size_from_the_settings(pool_settings):
    # no connection is opened: the pool is only configured
    pool_settings(db_pool_size="7", db_max_overflow="3", db_pool_timeout="12")
    engine = db.make_engine("postgresql://nobody@127.0.0.1:1/none")
    try:
        assert engine.pool.size() == 7
        assert engine.pool._max_overflow == 3
        assert engine.pool._timeout == 12
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_pool_defaults_allow_twenty_connections_per_process(pool_settings):
    pool_settings()
    engine = db.make_engine("postgresql://nobody@127.0.0.1:1/none")
    try:
        assert engine.pool.size() + engine.pool._max_overflow == 20
    finally:
        engine.dispose()


def test_a_bad_pool_size_is_refused_by_the_settings(pool_settings):
    with pytest.raises(ValueError):
        pool_settings(db_pool_size="many")
        get_settings()
