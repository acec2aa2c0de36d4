"""Migrations: found inside the installed package, one branch per domain with dated domain-named ids,
depends_on for every cross-domain foreign key, no drift between the models and the migrations, old
revision ids restamped, and the `kechuang db` commands. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import tomllib
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from scratch import postgres_beside
from sqlalchemy import inspect, text

import kechuang
from kechuang.core import db
from kechuang.core.db import migration_locations
from kechuang.models import metadata

PACKAGE = Path(kechuang.__file__).resolve().parent
REVISION_ID = re.compile(r"^(?P<date>\d{8})_(?P<domain>[a-z]+)_[a-z0-9_]+$")
DOMAINS_WITH_MIGRATIONS = {
    "core",
    "accounts",
    "registry",
    "statistics",
    "zones",
    "points",
    "tiers",
    "commissioners",
    "programs",
    "plan",
}
# the options the drift check runs with (compare_type is Alembic's default; said here on purpose)
COMPARE_OPTS = {"compare_type": True, "compare_server_default": True}


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(db.alembic_config("sqlite://"))


def _url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _versions(url: str) -> set[str]:
    eng = db.make_engine(url)
    try:
        with eng.connect() as conn:
            return set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        eng.dispose()


def _stamp_raw(url: str, ids: list[str]) -> None:
    """Write ids into alembic_version directly, as the old scripts left them."""
    eng = db.make_engine(url)
    try:
        with eng.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version"))
            for rev in ids:
                conn.execute(
                    text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": rev}
                )
    finally:
        eng.dispose()


def _tables(url: str) -> set[str]:
    eng = db.make_engine(url)
    try:
        with eng.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        eng.dispose()


@pytest.fixture(scope="module")
def _pg_scratch(engine):
    """PostgreSQL only: a second database beside the run's, for tests that rebuild the schema."""
    if engine.dialect.name != "postgresql":
        yield None
        return
    with postgres_beside("scratch") as url:
        yield url


@pytest.fixture
def scratch_url(engine, _pg_scratch, tmp_path):
    """An empty database of the run's kind: a new SQLite file, or the emptied PostgreSQL scratch."""
    if _pg_scratch is None:
        return f"sqlite:///{tmp_path / 'scratch.db'}"
    eng = db.make_engine(_pg_scratch)
    try:
        with eng.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        eng.dispose()
    return _pg_scratch


# --- where migrations live ---------------------------------------------------------------------


def test_migrations_are_found_inside_the_package_not_the_repo_root():
    cfg = db.alembic_config("sqlite://")
    env = Path(cfg.get_main_option("script_location"))
    assert env.is_relative_to(PACKAGE) and (env / "env.py").is_file()
    assert (env / "script.py.mako").is_file()
    locations = [Path(p) for p in cfg.get_version_locations_list()]
    assert locations == migration_locations()
    assert all(p.is_relative_to(PACKAGE) and p.name == "migrations" for p in locations)
    assert {p.parent.name for p in locations} >= DOMAINS_WITH_MIGRATIONS
    script = ScriptDirectory.from_config(cfg)
    assert all(Path(rev.path).is_relative_to(PACKAGE) for rev in script.walk_revisions())


def test_given_locations_are_used():
    only = [PACKAGE / "core" / "migrations"]
    cfg = db.alembic_config("sqlite://", locations=only)
    assert [Path(p) for p in cfg.get_version_locations_list()] == only
    revisions = {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}
    assert revisions == {"20261127_core_initial", "20261206_core_jobs"}


def test_package_data_ships_every_migration_file():
    """The wheel gets the environment and every revision (checked against pyproject's patterns)."""
    pyproject = PACKAGE.parents[1] / "pyproject.toml"
    if not pyproject.is_file():
        pytest.skip(
            "installed without the source tree: nothing to check the wheel's patterns against"
        )
    patterns = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["package-data"][
        "kechuang"
    ]
    shipped = {p for pattern in patterns for p in PACKAGE.glob(pattern) if p.is_file()}
    needed = {PACKAGE / "migration_env" / "env.py"}
    needed |= {PACKAGE / "migration_env" / "script.py.mako"}
    for folder in migration_locations():
        needed |= set(folder.glob("*.py"))
    assert needed - shipped == set()


# --- revision ids, branches, dependencies ------------------------------------------------------


def test_revision_ids_are_dated_domain_named_and_branch_per_domain():
    script = _script()
    bases: dict[str, list[str]] = {}
    for rev in script.walk_revisions():
        path = Path(rev.path)
        domain = path.parent.parent.name
        m = REVISION_ID.match(rev.revision)
        assert m, f"{rev.revision}: expected YYYYMMDD_<domain>_<what>"
        date(int(m["date"][:4]), int(m["date"][4:6]), int(m["date"][6:]))  # a real date
        assert m["domain"] == domain, f"{rev.revision} lives in {domain}/migrations"
        assert path.stem == rev.revision
        assert len(rev.revision) <= 32, "alembic_version.version_num is VARCHAR(32)"
        if rev.down_revision is None:
            bases.setdefault(domain, []).append(rev.revision)
            assert rev.branch_labels == {domain}
        else:
            parents = rev.down_revision
            parents = (parents,) if isinstance(parents, str) else parents
            assert all(REVISION_ID.match(p)["domain"] == domain for p in parents)
    assert all(len(revs) == 1 for revs in bases.values()), bases
    assert set(bases) >= DOMAINS_WITH_MIGRATIONS


@pytest.mark.parametrize("domain", sorted(DOMAINS_WITH_MIGRATIONS))
def test_a_domain_alone_migrates_with_what_its_foreign_keys_need(scratch_url, domain):
    """Upgrading one branch brings exactly the tables its keys refer to, through depends_on.

    PostgreSQL refuses a key to a missing table; SQLite accepts one, so the reflected keys are
    checked as well.
    """
    db.upgrade(scratch_url, f"{domain}@head")
    eng = db.make_engine(scratch_url)
    try:
        with eng.connect() as conn:
            insp = inspect(conn)
            tables = set(insp.get_table_names())
            missing = {
                (table, fk["referred_table"])
                for table in tables
                for fk in insp.get_foreign_keys(table)
                if fk["referred_table"] not in tables
            }
    finally:
        eng.dispose()
    assert not missing, f"{domain}: keys to tables its revisions do not depend on: {missing}"
    db.downgrade(scratch_url, "base")
    assert _tables(scratch_url) <= {"alembic_version"}


# --- drift between models and migrations --------------------------------------------------------


def _diff(engine: sa.Engine, target: sa.MetaData) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts=COMPARE_OPTS), target)


def test_models_and_migrations_do_not_drift(engine):
    """The database migrated to heads has exactly the models' tables, columns, types, nullability,
    indexes, unique constraints and foreign keys."""
    diff = _diff(engine, metadata)
    assert diff == [], "models and migrations differ; add a migration:\n" + "\n".join(
        map(str, diff)
    )


def _copy() -> sa.MetaData:
    copy = sa.MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    return copy


def _add_column(m):
    m.tables["enterprises"].append_column(sa.Column("website", sa.String(200), nullable=True))


def _widen_type(m):
    m.tables["users"].c.username.type = sa.String(80)


def _change_type(m):
    m.tables["points_scores"].c.total.type = sa.Integer()


def _allow_null(m):
    m.tables["enterprises"].c.name.nullable = True


def _drop_index(m):
    table = m.tables["enterprises"]
    table.indexes.discard(next(ix for ix in table.indexes if ix.name == "ix_enterprises_name"))


def _add_index(m):
    sa.Index("ix_zones_kind", m.tables["zones"].c.kind)


def _add_unique(m):
    m.tables["regions"].append_constraint(sa.UniqueConstraint("name", name="uq_regions_name"))


def _drop_unique(m):
    table = m.tables["users"]
    table.constraints.discard(next(c for c in table.constraints if c.name == "uq_users_username"))


def _drop_foreign_key(m):
    table = m.tables["enterprises"]
    fk = next(c for c in table.foreign_key_constraints if c.name.endswith("_park_id_parks"))
    table.constraints.discard(fk)


def _no_cascade(m):
    fk = next(iter(m.tables["api_tokens"].foreign_key_constraints))
    fk.ondelete = None
    for element in fk.elements:
        element.ondelete = None


def _drop_timezone(m):
    m.tables["audit_log"].c.at.type = sa.DateTime(timezone=False)


def _server_default(m):
    m.tables["zones"].append_column(
        sa.Column("is_demo", sa.Boolean(), nullable=False, server_default=sa.false()),
        replace_existing=True,
    )


def _add_table(m):
    sa.Table("new_things", m, sa.Column("id", sa.Integer, primary_key=True))


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        (_add_column, "add_column"),
        (_widen_type, "modify_type"),
        (_change_type, "modify_type"),
        (_allow_null, "modify_nullable"),
        (_drop_index, "remove_index"),
        (_add_index, "add_index"),
        (_add_unique, "add_constraint"),
        (_drop_unique, "remove_constraint"),
        (_drop_foreign_key, "remove_fk"),
        (_no_cascade, "add_fk"),
        (_drop_timezone, "modify_type"),
        (_server_default, "modify_default"),
        (_add_table, "add_table"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else v,
)
def test_the_drift_check_sees_each_kind_of_change(engine, change, kind):
    """A model that differs from the migrations in any of these ways fails the check above."""
    if change is _drop_timezone and engine.dialect.name == "sqlite":
        pytest.skip("SQLite's DATETIME has no time-zone flag to compare; PostgreSQL checks it")
    target = _copy()
    change(target)
    diff = _diff(engine, target)
    kinds = {d[0][0] if isinstance(d, list) else d[0] for d in diff}
    assert kind in kinds, diff


# --- old revision ids --------------------------------------------------------------------------


def _seed(url: str) -> None:
    """Rows in the core, registry, accounts and statistics tables."""
    eng = db.make_engine(url)
    now = db.utcnow()
    try:
        with eng.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO zones (id, code, name, full_name, kind, level, candidate_for,"
                    " source, is_demo) VALUES (1, 'z', '甲区', '甲高新区', 'hightech', 'national',"
                    " '', '', false)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO enterprises (id, uscc, name, zone_id, is_demo, created_at,"
                    " updated_at) VALUES (1, '91321003MA0000001X', '甲公司', 1, false, :t, :t)"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO users (id, username, display_name, password_hash, role,"
                    " enterprise_id, active, created_at) VALUES (1, 'u', 'U', 'x',"
                    " 'enterprise_user', 1, true, :t)"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, username, action, entity, entity_id, summary)"
                    " VALUES (:t, 'u', 'create', 'enterprises', '1', '甲公司')"
                ),
                {"t": now},
            )
    finally:
        eng.dispose()


def _seeded_rows_kept(url: str) -> None:
    eng = db.make_engine(url)
    try:
        with eng.connect() as conn:
            for table in ("zones", "enterprises", "users", "audit_log"):
                assert conn.scalar(text(f"SELECT count(*) FROM {table}")) == 1, table
    finally:
        eng.dispose()


def test_a_database_at_old_0001_is_restamped_and_upgraded(engine, scratch_url):
    # the schema 0001 made, built by its new equivalents, then stamped as the old script left it
    for rev in db.LEGACY_REVISIONS["0001"]:
        db.upgrade(scratch_url, rev)
    assert "peer_zones" not in _tables(scratch_url)
    _seed(scratch_url)
    _stamp_raw(scratch_url, ["0001"])

    db.upgrade(scratch_url)

    assert _versions(scratch_url) == _versions(_url(engine))  # as a database migrated afresh
    assert {"peer_zones", "points_runs", "enterprise_qualifications"} <= _tables(scratch_url)
    _seeded_rows_kept(scratch_url)


def _old_heads_schema(url: str) -> None:
    """The schema the old revisions 0001…0004 made, built by their new equivalents (not heads:
    revisions added since then must still run on such a database)."""
    for revs in db.LEGACY_REVISIONS.values():
        for rev in revs:
            db.upgrade(url, rev)


def test_a_database_at_every_old_head_is_restamped_and_upgraded(engine, scratch_url):
    _old_heads_schema(scratch_url)
    _seed(scratch_url)
    _stamp_raw(scratch_url, ["0002", "0003", "0004"])

    db.upgrade(scratch_url)

    assert _versions(scratch_url) == _versions(_url(engine))
    _seeded_rows_kept(scratch_url)


def test_one_old_branch_is_restamped_and_the_others_are_added(scratch_url):
    for rev in (*db.LEGACY_REVISIONS["0001"], "20261127_points_initial"):
        db.upgrade(scratch_url, rev)
    _stamp_raw(scratch_url, ["0003"])

    assert db.restamp_legacy(scratch_url) == {
        *db.LEGACY_REVISIONS["0001"],
        "20261127_points_initial",
    }
    db.upgrade(scratch_url)
    assert {"peer_zones", "enterprise_qualifications"} <= _tables(scratch_url)


def test_downgrade_restamps_old_ids_too(scratch_url):
    _old_heads_schema(scratch_url)
    _stamp_raw(scratch_url, ["0002", "0003", "0004"])
    db.downgrade(scratch_url, "base")
    assert _tables(scratch_url) <= {"alembic_version"}


def test_a_database_with_new_ids_is_left_alone(scratch_url):
    assert db.restamp_legacy(scratch_url) is None  # empty: no version table
    db.upgrade(scratch_url)
    before = _versions(scratch_url)
    assert db.restamp_legacy(scratch_url) is None
    assert _versions(scratch_url) == before


# --- data survives table rebuilds --------------------------------------------------------------


def test_a_table_rebuild_keeps_the_rows_that_refer_to_it(scratch_url):
    """SQLite alters a table by copying it and dropping the old one; with foreign keys enforced the
    drop would fail on users' rows or cascade away qualifications. Statistics adds and drops the key
    enterprises.import_id, which rebuilds enterprises on SQLite."""
    db.upgrade(scratch_url)
    _seed(scratch_url)
    eng = db.make_engine(scratch_url)
    try:
        with eng.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO enterprise_qualifications (enterprise_id, kind, level, reference,"
                    " note, created_at) VALUES (1, 'hnte', 'national', '', '', :t)"
                ),
                {"t": db.utcnow()},
            )
    finally:
        eng.dispose()

    db.downgrade(scratch_url, "statistics@base")
    assert "import_batches" not in _tables(scratch_url)
    db.upgrade(scratch_url)

    _seeded_rows_kept(scratch_url)
    eng = db.make_engine(scratch_url)
    try:
        with eng.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM enterprise_qualifications")) == 1
    finally:
        eng.dispose()


# --- the command line --------------------------------------------------------------------------


def test_cli_db_upgrade_and_downgrade(scratch_url):
    env = {
        **os.environ,
        "KECHUANG_DATABASE_URL": scratch_url,
        "KECHUANG_VAR_DIR": tempfile.mkdtemp(prefix="kechuang-cli-"),
    }
    cli = [sys.executable, "-m", "kechuang.cli", "db"]
    up = subprocess.run([*cli, "upgrade"], env=env, capture_output=True, text=True)
    assert up.returncode == 0, up.stderr
    assert _versions(scratch_url) and "zones" in _tables(scratch_url)
    down = subprocess.run(
        [*cli, "downgrade", "base", "--yes"], env=env, capture_output=True, text=True
    )
    assert down.returncode == 0, down.stderr
    assert _tables(scratch_url) <= {"alembic_version"}
