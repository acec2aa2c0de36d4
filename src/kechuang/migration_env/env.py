"""Alembic environment: runs the domains' migrations against the URL in the Alembic config.

kechuang.core.db.alembic_config() points Alembic here and at every kechuang/<domain>/migrations
folder. Batch mode lets SQLite alter tables; it does so by copying a table into a new one and
dropping the old. With foreign keys enforced, that drop deletes the table's rows first, which fails
on referencing rows or, worse, cascades (ON DELETE CASCADE) and loses them. So on SQLite foreign
keys are switched off for the migration (as SQLite's documentation prescribes for schema changes)
and checked with PRAGMA foreign_key_check before it commits.
"""

from alembic import context
from sqlalchemy import Connection

from kechuang.core.db import make_engine
from kechuang.models import metadata

config = context.config


def _set_sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # on the DBAPI connection, outside any transaction: inside one the pragma does nothing
    raw = connection.connection.driver_connection
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _set_sqlite_foreign_keys(connection, False)
    try:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"迁移后外键不一致（foreign_key_check）：{broken[:10]}")
    finally:
        if sqlite:
            _set_sqlite_foreign_keys(connection, True)


def run_migrations_online() -> None:
    """Run migrations with a connection given in the config's attributes, or a new one."""
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


run_migrations_online()
