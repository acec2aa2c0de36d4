"""Alembic environment: runs migrations against the URL in the Alembic config."""

from alembic import context

from kechuang.core.db import make_engine
from kechuang.models import metadata

config = context.config


def run_migrations_online() -> None:
    """Run migrations with a connection (batch mode so that SQLite can alter tables)."""
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
