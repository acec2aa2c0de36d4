"""Database engine, sessions, the declarative base and migrations.

One transaction per request, UI action or CLI command: `session_scope()` commits at the end and rolls
back on error; services only flush(). Tests swap the session factory to run inside a rolled-back
transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from kechuang.core.config import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every table."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True)}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself, so that transactions and SAVEPOINTs behave as on
    # PostgreSQL (pysqlite's implicit transactions would otherwise skip reads and savepoints).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL and foreign keys, PostgreSQL uses psycopg 3."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    else:
        settings = get_settings()
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
        )
    return engine


_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None


def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    global _engine
    if _engine is None:
        _engine = make_engine(get_settings().resolved_database_url())
    return _engine


def set_session_factory(
    factory: sessionmaker[Session] | None, engine: Engine | None = None
) -> None:
    """Replace the session factory (tests bind it to a connection inside a transaction)."""
    global _factory, _engine
    _factory = factory
    if engine is not None:
        _engine = engine


def session_factory() -> sessionmaker[Session]:
    """The session factory in use."""
    global _factory
    if _factory is None:
        _factory = sessionmaker(bind=get_engine(), expire_on_commit=False)
    return _factory


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error, always close."""
    session = session_factory()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one session (and transaction) per request."""
    with session_scope() as session:
        yield session


# Migrations: the Alembic environment (env.py, script.py.mako) lives in migration_env/ and each
# domain keeps its revisions in its own package, kechuang/<domain>/migrations/, one Alembic branch
# per domain labelled with its name. Revision ids are dated and domain-named
# (20261127_registry_initial); a revision whose tables refer to another domain's tables names the
# revision that creates them in depends_on. New revision (file named by its id):
#   from alembic import command
#   command.revision(alembic_config(url), "what changed", autogenerate=True,
#                    rev_id="20261205_points_add_x", head="points@head",
#                    version_path="src/kechuang/points/migrations")
MIGRATION_ENV = Path(__file__).resolve().parents[1] / "migration_env"

# Revision ids used before migrations moved into the domain packages: one initial revision 0001
# (core, registry, statistics and account tables) with a branch from it per domain. Each maps to the
# new revisions that create exactly the same tables, written as Alembic records them after such an
# upgrade: without 20261127_registry_initial, which the others depend on and so imply. A database
# stamped with old ids is restamped before it is migrated.
LEGACY_REVISIONS: dict[str, tuple[str, ...]] = {
    "0001": (
        "20261127_core_initial",
        "20261127_statistics_initial",
        "20261127_accounts_initial",
    ),
    "0002": ("20261127_zones_initial",),
    "0003": ("20261127_points_initial",),
    "0004": ("20261128_tiers_initial",),
}


_EXTRA_LOCATIONS: set[Path] = set()


def add_migration_location(folder: Path) -> None:
    """Add a domain's revisions folder (the assembler does, from each manifest)."""
    _EXTRA_LOCATIONS.add(Path(folder).resolve())


def migration_locations() -> list[Path]:
    """Every revisions folder: each `kechuang/<package>/migrations` found beside core in the
    installed package (so a wheel finds them as a checkout does), plus any a manifest added."""
    package = Path(__file__).resolve().parents[1]
    found = {p.resolve() for p in package.glob("*/migrations") if p.is_dir()}
    return sorted(found | _EXTRA_LOCATIONS)


def alembic_config(url: str | None = None, locations: Iterable[str | Path] | None = None):
    """An Alembic configuration for the given (or configured) database.

    The environment is migration_env/ and the version locations are the given folders, or else
    every kechuang/<package>/migrations folder of the installed package: no path outside it.
    """
    from alembic.config import Config

    if locations is None:
        locations = migration_locations()
    # configparser treats % as interpolation (URL-encoded passwords, paths): escape it
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATION_ENV).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_path_separator", "os")  # the same, for Alembic before 1.16
    cfg.set_main_option(
        "version_locations", os.pathsep.join(str(p) for p in locations).replace("%", "%%")
    )
    cfg.set_main_option("file_template", "%%(rev)s")
    cfg.set_main_option(
        "sqlalchemy.url", (url or get_settings().resolved_database_url()).replace("%", "%%")
    )
    return cfg


def restamp_legacy(url: str | None = None) -> set[str] | None:
    """Rewrite old revision ids (0001…0004) in alembic_version to the equivalent new revisions.

    Returns the new revisions stamped, or None when there was nothing to rewrite. Only the version
    table changes: the tables the old revisions made are exactly those the new ones make.
    """
    from alembic import command
    from sqlalchemy import inspect, text

    cfg = alembic_config(url)
    engine = make_engine(cfg.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            stamped = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()
    legacy = stamped & LEGACY_REVISIONS.keys()
    if not legacy:
        return None
    # every later old revision branched from 0001, so any of them implies 0001
    targets = set(LEGACY_REVISIONS["0001"]) | (stamped - legacy)
    for old in legacy:
        targets.update(LEGACY_REVISIONS[old])
    command.stamp(cfg, sorted(targets), purge=True)
    return targets


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    """Migrate the database up to a revision (default: every domain branch's head).

    A database stamped with the old revision ids is restamped first (see LEGACY_REVISIONS).
    """
    from alembic import command

    restamp_legacy(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Migrate the database down to a revision (default: empty)."""
    from alembic import command

    restamp_legacy(url)
    command.downgrade(alembic_config(url), revision)


def bulk_insert(session: Session, table: Any, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows inside the session's transaction, at driver speed.

    PostgreSQL gets COPY and SQLite a plain executemany of tuples; both run on the session's own
    connection, so an import stays all-or-nothing. Values must be Python scalars or None.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    raw = connection.connection.driver_connection
    names = ", ".join(columns)
    if dialect == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elif dialect == "sqlite":
        # SQLAlchemy stores SQLite datetimes as naive UTC text; match it for aware values.
        aware = [i for i, v in enumerate(rows[0]) if isinstance(v, datetime) and v.tzinfo]
        if aware:
            rows = [
                tuple(
                    v.astimezone(UTC).replace(tzinfo=None) if i in aware and v else v
                    for i, v in enumerate(row)
                )
                for row in rows
            ]
        marks = ", ".join("?" for _ in columns)
        cursor = raw.cursor()
        try:
            cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
        finally:
            cursor.close()
    else:
        from sqlalchemy import insert

        session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics (after a bulk load such as the demo build).

    Right after 517,726 enterprise-years were loaded PostgreSQL still estimated 94 rows for a
    year's points list and chose a plan that sorted all of them; autovacuum gets there later.
    """
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        return  # SQLite plans these reads well without statistics
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")


# the column types read_frame can take through PostgreSQL's CSV (no text: empty and NULL differ)
_FRAME_TYPES = (pl.Int64, pl.Int32, pl.Int16, pl.Int8, pl.UInt8, pl.Float64, pl.Boolean)


def read_frame(session: Session, stmt: Any, schema: dict[str, Any]) -> pl.DataFrame:
    """The rows of a SELECT of numbers and booleans as a Polars frame with `schema`, in its order.

    PostgreSQL streams them with COPY (SELECT …) TO STDOUT as CSV on the session's own connection
    (so the transaction's own writes are seen): at 100,000 enterprises, fetching 517,726
    enterprise-years as Python tuples took seconds per page view. The statement's parameters are
    rendered as literals (COPY takes no bind parameters), so they must be values the platform chose
    (ids, years, codes), never text a user typed. Other databases fetch rows.
    """
    bad = [k for k, v in schema.items() if v not in _FRAME_TYPES]
    if bad:
        raise ValueError(f"read_frame reads numbers and booleans only, not {bad}")
    session.flush()
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return pl.DataFrame(session.execute(stmt).all(), schema=schema, orient="row")
    sql = stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    buffer = bytearray()
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
        for block in copy:
            buffer += block
    if not buffer:
        return pl.DataFrame(schema=schema)
    as_read = {k: pl.String if v == pl.Boolean else v for k, v in schema.items()}
    frame = pl.read_csv(bytes(buffer), has_header=False, schema=as_read)
    # PostgreSQL writes booleans as t / f
    return frame.with_columns(
        (pl.col(k) == "t").alias(k) for k, v in schema.items() if v == pl.Boolean
    )


# What `schema_status` answers, for the server and the CLI to explain in Chinese.
SCHEMA_MESSAGES = {
    "empty": "数据库尚未初始化：请先运行 kechuang db upgrade",
    "behind": "数据库版本落后：请先运行 kechuang db upgrade",
    "unknown": "数据库的迁移版本不是本程序所知的版本（可能由更新版本的 kechuang 创建）："
    "请使用相应版本的 kechuang，或运行 kechuang db upgrade 前先核对版本",
    "unreachable": "无法连接数据库：请检查 KECHUANG_DATABASE_URL 与数据库服务",
}


def migration_heads(url: str | None = None) -> set[str]:
    """The head revision of every domain branch the installed code ships."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def stamped_revisions(engine: Engine) -> set[str]:
    """The revisions recorded in the database's alembic_version (empty when there is none)."""
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return set()
        return set(connection.scalars(text("SELECT version_num FROM alembic_version")))


def schema_status(url: str | None = None) -> str:
    """Whether the database matches the code's migrations: ok, empty, behind, unknown, unreachable.

    "behind" means every stamped revision is one the code knows (an older release, or a domain whose
    branch was never applied); "unknown" means a revision the code does not ship, e.g. a newer one.
    """
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    url = url or get_settings().resolved_database_url()
    engine = make_engine(url)
    try:
        stamped = stamped_revisions(engine)
    except (SQLAlchemyError, OSError):
        return "unreachable"
    finally:
        engine.dispose()
    if not stamped:
        return "empty"
    script = ScriptDirectory.from_config(alembic_config(url))
    known = {rev.revision for rev in script.walk_revisions()}
    if not stamped <= known:
        return "behind" if stamped <= known | LEGACY_REVISIONS.keys() else "unknown"
    # Alembic leaves out a revision that a stamped one depends on, so compare what they cover
    covered = {
        rev.revision for rev in script.revision_map.iterate_revisions(tuple(stamped), "base")
    }
    return "ok" if set(script.get_heads()) <= covered else "behind"
