"""Backup and restore (.kcbak): backup → wipe → restore gives identical tables on SQLite and on
PostgreSQL (and across them); damaged, foreign and mismatched files and non-empty targets are refused
without changing anything; SQLite's WAL is included; the CLI asks before destroying data; serve
refuses a database that is not ready.

These tests need committed data, so they use their own databases (files under tmp_path, or temporary
PostgreSQL databases beside KECHUANG_TEST_DATABASE_URL's), never the per-test rolled-back session.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import zipfile
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from scratch import on_postgres, postgres_beside, run_database_url
from sqlalchemy import insert, inspect, null, select, text, update
from typer.testing import CliRunner

from kechuang.core import backup as kb
from kechuang.core import db
from kechuang.core.audit import AuditLog
from kechuang.core.config import get_settings
from kechuang.domains import load_models

load_models()
# conftest points KECHUANG_DATABASE_URL at the run's test database (SQLite or PostgreSQL)
TEST_DATABASE_URL = run_database_url()
ON_POSTGRES = on_postgres()
runner = CliRunner()

# Values a careless format would lose: Chinese and emoji, quotes and control characters, floats
# whose shortest text matters, a JSON null next to an SQL NULL, nested JSON.
ODD_SUMMARY = '引号"与\\反斜杠\n换行\t制表 😀 ﹏'
ODD_JSON = {"名称": "扬州", "list": [1, 2.5, None, "中", {"深": [True, False]}], "x": 1e-300}
ODD_FLOAT = 0.1 + 0.2


# --- databases -----------------------------------------------------------------------------------


@contextmanager
def scratch_database(name: str, tmp_path: Path, backend: str):
    """A new, empty database of the backend; dropped (PostgreSQL) afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / (name + '.db')}"
        return
    with postgres_beside(name) as url:
        yield url


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not ON_POSTGRES, reason="KECHUANG_TEST_DATABASE_URL is not PostgreSQL"))]  # fmt: skip


@contextmanager
def configured(url: str, var_dir: Path | None = None):
    """Point the process's settings, engine and session factory at `url` for a while."""
    saved = {k: os.environ.get(k) for k in ("KECHUANG_DATABASE_URL", "KECHUANG_VAR_DIR")}
    saved_engine, saved_factory = db._engine, db._factory
    if url:
        os.environ["KECHUANG_DATABASE_URL"] = url
    else:
        os.environ.pop("KECHUANG_DATABASE_URL", None)
    if var_dir is not None:
        os.environ["KECHUANG_VAR_DIR"] = str(var_dir)
    get_settings.cache_clear()
    db._engine, db._factory = None, None
    try:
        yield
    finally:
        if db._engine is not None:
            db._engine.dispose()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()
        db._engine, db._factory = saved_engine, saved_factory


def build_world(url: str) -> None:
    """A small demo world (every domain's tables, audit included) plus the odd values, committed."""
    from kechuang.demo.loader import build_demo

    with configured(url):
        build_demo(lambda _msg: None, n_enterprises=40)
    engine = db.make_engine(url)
    with engine.begin() as c:
        c.execute(
            insert(AuditLog),
            [
                {"at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "username": "张三",
                 "action": "update", "entity": "zones", "entity_id": "1", "summary": ODD_SUMMARY,
                 "before": ODD_JSON, "after": null()},
                {"at": datetime(2026, 1, 2, tzinfo=UTC), "username": "李四", "action": "create",
                 "entity": "zones", "entity_id": "", "summary": "", "before": None, "after": []},
            ],
        )  # fmt: skip
        from kechuang.statistics.models import EnterpriseYear

        first = c.scalar(select(EnterpriseYear.id).order_by(EnterpriseYear.id).limit(1))
        c.execute(
            update(EnterpriseYear)
            .where(EnterpriseYear.id == first)
            .values(operating_revenue=ODD_FLOAT, rd_expense=None)
        )
    engine.dispose()


@pytest.fixture(scope="module")
def world_file(tmp_path_factory):
    """A backup of the small world built on SQLite (what most refusal tests restore)."""
    folder = tmp_path_factory.mktemp("world")
    url = f"sqlite:///{folder / 'source.db'}"
    build_world(url)
    kb.backup(url, folder / "world.kcbak")
    return folder / "world.kcbak", kb.table_checksums(db.make_engine(url))


def checksums(url: str) -> dict[str, tuple[int, str]]:
    """Per-table (rows, SHA-256) of the database at url."""
    engine = db.make_engine(url)
    try:
        return kb.table_checksums(engine)
    finally:
        engine.dispose()


def odd_rows(url: str) -> tuple:
    """The odd values read back through the ORM types, independent of the backup's encoding."""
    from kechuang.statistics.models import EnterpriseYear

    engine = db.make_engine(url)
    try:
        with engine.connect() as c:
            audit = c.execute(
                select(AuditLog.at, AuditLog.username, AuditLog.summary, AuditLog.before).where(
                    AuditLog.summary == ODD_SUMMARY
                )
            ).one()
            sql_null = c.scalar(
                select(AuditLog.id).where(AuditLog.summary == ODD_SUMMARY, AuditLog.after.is_(None))
            )
            revenue = c.execute(
                select(EnterpriseYear.operating_revenue, EnterpriseYear.rd_expense)
                .order_by(EnterpriseYear.id)
                .limit(1)
            ).one()
            from kechuang.registry.models import Enterprise

            founded = c.scalar(select(Enterprise.founded_on).order_by(Enterprise.id).limit(1))
    finally:
        engine.dispose()
    at = audit.at if audit.at.tzinfo else audit.at.replace(tzinfo=UTC)
    return (at, *audit[1:], sql_null is not None, tuple(revenue), founded)  # fmt: skip


# --- the round trip ------------------------------------------------------------------------------


def _audit_restore(session, manifest) -> None:
    from kechuang.core.audit import record

    record(session, "restore", "database", summary=f"恢复 {manifest.total_rows} 行")


@pytest.mark.parametrize("backend", BACKENDS)
def test_backup_wipe_restore_gives_identical_tables(backend, tmp_path):
    with scratch_database("restore", tmp_path, backend) as url:
        build_world(url)
        before = checksums(url)
        odd = odd_rows(url)
        assert before["audit_log"][0] > 40 and before["enterprise_years"][0] > 40
        assert before["points_scores"][0] > 0 and before["zone_evaluation_runs"][0] > 0
        assert odd == (
            datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "张三", ODD_SUMMARY, ODD_JSON,
            True, (ODD_FLOAT, None), odd[-1],
        )  # fmt: skip
        assert isinstance(odd[-1], date)

        manifest = kb.backup(url, tmp_path / "b.kcbak")
        assert manifest.total_rows == sum(n for n, _ in before.values())

        db.downgrade(url, "base")  # wipe: every table dropped …
        engine = db.make_engine(url)
        assert "audit_log" not in inspect(engine).get_table_names()
        engine.dispose()
        kb.restore(url, tmp_path / "b.kcbak")  # … and the empty database is migrated and filled

        assert checksums(url) == before
        assert odd_rows(url) == odd

        # over the data again, as the CLI does it: the audit record is written after the rows
        kb.restore(url, tmp_path / "b.kcbak", force=True, after=_audit_restore)
        after = checksums(url)
        assert after.pop("audit_log")[0] == before["audit_log"][0] + 1
        assert after == {k: v for k, v in before.items() if k != "audit_log"}
        # new rows get fresh ids (PostgreSQL's sequences were moved past the restored ids)
        engine = db.make_engine(url)
        with engine.begin() as c:
            c.execute(insert(AuditLog).values(username="x", action="create", entity="zones"))
        engine.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="KECHUANG_TEST_DATABASE_URL is not PostgreSQL")
def test_a_sqlite_backup_restores_into_postgresql_and_back(world_file, tmp_path):
    path, expected = world_file
    with scratch_database("cross", tmp_path, "postgresql") as pg:
        kb.restore(pg, path)
        assert checksums(pg) == expected
        kb.backup(pg, tmp_path / "from_pg.kcbak")
    lite = f"sqlite:///{tmp_path / 'back.db'}"
    kb.restore(lite, tmp_path / "from_pg.kcbak")
    assert checksums(lite) == expected


def test_the_checksum_sees_a_changed_value(world_file, tmp_path):
    """The comparison the round trip relies on is not blind."""
    path, expected = world_file
    url = f"sqlite:///{tmp_path / 't.db'}"
    kb.restore(url, path)
    engine = db.make_engine(url)
    with engine.begin() as c:
        c.execute(update(AuditLog).where(AuditLog.id == 1).values(summary="改"))
    engine.dispose()
    changed = checksums(url)
    assert changed["audit_log"] != expected["audit_log"]
    assert {k: v for k, v in changed.items() if k != "audit_log"} == {
        k: v for k, v in expected.items() if k != "audit_log"
    }


def test_sqlite_backup_includes_what_the_wal_still_holds(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    db.upgrade(url)
    writer = sqlite3.connect(tmp_path / "live.db")
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")  # keep the last write in the WAL only
        writer.execute("INSERT INTO regions (code, name) VALUES ('321099', '最后导入区')")
        writer.commit()
        assert (tmp_path / "live.db-wal").stat().st_size > 0
        # what copying the file loses
        shutil.copy(tmp_path / "live.db", tmp_path / "copied.db")
        copied = sqlite3.connect(tmp_path / "copied.db")
        assert copied.execute("SELECT count(*) FROM regions").fetchone() == (0,)
        copied.close()

        kb.backup(url, tmp_path / "live.kcbak")  # while the writer is still connected
    finally:
        writer.close()
    target = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    kb.restore(target, tmp_path / "live.kcbak")
    engine = db.make_engine(target)
    with engine.connect() as c:
        assert c.execute(text("SELECT code, name FROM regions")).all() == [("321099", "最后导入区")]
    engine.dispose()


# --- refusals ------------------------------------------------------------------------------------


def test_restore_into_a_non_empty_database_is_refused_without_force(world_file, tmp_path):
    path, expected = world_file
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    kb.restore(url, path)
    engine = db.make_engine(url)
    with engine.begin() as c:
        c.execute(insert(AuditLog).values(username="新", action="create", entity="zones"))
    engine.dispose()
    busy = checksums(url)
    with pytest.raises(kb.NotEmptyError, match="已有数据.*--force"):
        kb.restore(url, path)
    assert checksums(url) == busy
    kb.restore(url, path, force=True)
    assert checksums(url) == expected


def _rewrite(path: Path, out: Path, change) -> Path:
    """A copy of a backup with members changed by change(name, bytes) -> bytes (a valid zip)."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, change(name, src.read(name)))
    return out


def _manifest_edit(edit):
    def change(name, data):
        if name != kb.MANIFEST:
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()

    return change


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncated", "已损坏"),
        ("bit_flip", "已损坏"),
        ("row_edited", "校验和不符"),
        ("table_missing", "缺少表"),
        ("foreign", "已损坏"),
        ("other_format", "不是 kechuang 备份格式"),
        ("future_format", "格式版本"),
        ("other_revision", "数据库版本.*不一致"),
    ],
)
def test_a_damaged_foreign_or_mismatched_file_is_refused_and_nothing_changes(
    world_file, tmp_path, damage, message
):
    path, _ = world_file
    url = f"sqlite:///{tmp_path / 'target.db'}"
    kb.restore(url, path)
    before = checksums(url)
    bad = tmp_path / "bad.kcbak"
    raw = path.read_bytes()
    if damage == "truncated":
        bad.write_bytes(raw[: len(raw) // 2])
    elif damage == "bit_flip":
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("tables/enterprise_years.jsonl")
        at = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
        bad.write_bytes(raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1 :])
    elif damage == "row_edited":

        def edit_row(name, data):
            return data.replace("扬州".encode(), "苏州".encode(), 1) if "zones" in name else data

        _rewrite(path, bad, edit_row)
    elif damage == "table_missing":
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
            for name in src.namelist():
                if name != "tables/users.jsonl":
                    dst.writestr(name, src.read(name))
    elif damage == "foreign":
        bad.write_bytes(b"PK\x03\x04 not really a zip")
    elif damage == "other_format":
        _rewrite(path, bad, _manifest_edit(lambda m: m.update(format="something-else")))
    elif damage == "future_format":
        _rewrite(path, bad, _manifest_edit(lambda m: m.update(format_version=99)))
    else:
        _rewrite(
            path,
            bad,
            _manifest_edit(lambda m: m["alembic_revisions"].append("20991231_points_future")),
        )
    with pytest.raises(kb.BackupError, match=message):
        kb.restore(url, bad, force=True)
    assert checksums(url) == before


def test_a_restore_that_fails_half_way_leaves_the_database_as_it_was(world_file, tmp_path):
    """A file whose checksums are right but whose rows break a constraint (a duplicated user)."""
    path, _ = world_file
    url = f"sqlite:///{tmp_path / 'target.db'}"
    kb.restore(url, path)
    engine = db.make_engine(url)
    with engine.begin() as c:
        c.execute(insert(AuditLog).values(username="留下", action="create", entity="zones"))
    engine.dispose()
    before = checksums(url)

    def duplicate_user(name, data):
        if name == "tables/users.jsonl":
            return data + data.splitlines(keepends=True)[0]
        if name == kb.MANIFEST:
            import hashlib

            manifest = json.loads(data)
            with zipfile.ZipFile(path) as z:
                users = z.read("tables/users.jsonl")
            users += users.splitlines(keepends=True)[0]
            for t in manifest["tables"]:
                if t["name"] == "users":
                    t["rows"] += 1
                    t["sha256"] = hashlib.sha256(users).hexdigest()
            return json.dumps(manifest).encode()
        return data

    bad = _rewrite(path, tmp_path / "dup.kcbak", duplicate_user)
    kb.read_manifest(bad)  # the file itself checks out
    with pytest.raises(kb.BackupError, match="已撤销，数据库未作任何更改"):
        kb.restore(url, bad, force=True)
    assert checksums(url) == before


def test_backup_refuses_an_unmigrated_database_and_writes_no_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(kb.BackupError, match="kechuang db upgrade"):
        kb.backup(url, tmp_path / "x.kcbak")
    assert not list(tmp_path.glob("x.kcbak*"))


# --- schema status -------------------------------------------------------------------------------


def test_schema_status(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert db.schema_status(url) == "empty"
    db.upgrade(url)
    assert db.schema_status(url) == "ok"
    db.downgrade(url, "points@base")
    assert db.schema_status(url) == "behind"
    db.upgrade(url)
    engine = db.make_engine(url)
    with engine.begin() as c:
        c.execute(text("INSERT INTO alembic_version VALUES ('20991231_points_future')"))
    engine.dispose()
    assert db.schema_status(url) == "unknown"
    assert db.schema_status(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}") == "unreachable"


# --- the command line ----------------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path):
    """The CLI pointed at a fresh SQLite file (KECHUANG_DATABASE_URL), restored afterwards."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with configured(url, tmp_path / "var"):
        yield url


def _cli(*args, input=None):  # noqa: A002 - CliRunner's name
    from kechuang.cli import app

    return runner.invoke(app, list(args), input=input)


def _tables(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_cli_backup_and_restore_with_confirmation(cli_db, world_file, tmp_path):
    path, expected = world_file
    result = _cli("db", "restore", str(path))  # an empty database needs no --force
    assert result.exit_code == 0, result.output
    assert "校验和全部一致" in result.output
    restored = checksums(cli_db)
    assert {k: v for k, v in restored.items() if k != "audit_log"} == {
        k: v for k, v in expected.items() if k != "audit_log"
    }
    # the restore is audited, after the restored rows
    assert restored["audit_log"][0] == expected["audit_log"][0] + 1

    result = _cli("db", "backup", str(tmp_path / "again.kcbak"))
    assert result.exit_code == 0, result.output
    engine = db.make_engine(cli_db)
    with engine.connect() as c:
        actions = list(c.scalars(select(AuditLog.action).order_by(AuditLog.id.desc()).limit(2)))
    engine.dispose()
    assert actions == ["backup", "restore"]

    busy = checksums(cli_db)
    result = _cli("db", "restore", str(path))
    assert result.exit_code == 2 and "--force" in result.output
    result = _cli("db", "restore", str(path), "--force")  # no terminal, no --yes
    assert result.exit_code == 2 and "--yes" in result.output
    result = _cli("db", "restore", str(path), "--force", input="n\n")
    assert result.exit_code == 1 and "已取消" in result.output
    assert checksums(cli_db) == busy
    result = _cli("db", "restore", str(path), "--force", input="y\n")
    assert result.exit_code == 0, result.output
    result = _cli("db", "restore", str(tmp_path / "again.kcbak"), "--force", "--yes")
    assert result.exit_code == 0, result.output

    (tmp_path / "junk.kcbak").write_bytes(b"junk")
    result = _cli("db", "restore", str(tmp_path / "junk.kcbak"), "--force", "--yes")
    assert result.exit_code == 2 and "已损坏" in result.output
    assert "Traceback" not in result.output


def test_cli_downgrade_asks_and_refuses_without_a_terminal(cli_db):
    db.upgrade(cli_db)
    result = _cli("db", "downgrade", "base")
    assert result.exit_code == 2
    assert "确定吗" in result.output and "--yes" in result.output
    assert "audit_log" in _tables(cli_db)
    result = _cli("db", "downgrade", "base", input="n\n")
    assert result.exit_code == 1 and "audit_log" in _tables(cli_db)
    result = _cli("db", "downgrade", "base", "--yes")
    assert result.exit_code == 0, result.output
    assert "audit_log" not in _tables(cli_db)


@pytest.fixture
def no_server(monkeypatch):
    """Replace uvicorn.run: record the call instead of serving."""
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append((a, kw)))
    # serve refuses the default secret key before it looks at the database
    monkeypatch.setenv("KECHUANG_SECRET_KEY", "test-secret-key-not-the-default")
    get_settings.cache_clear()
    return calls


def test_serve_refuses_an_empty_database(cli_db, no_server):
    result = _cli("serve")
    assert result.exit_code == 1
    assert "数据库尚未初始化：请先运行 kechuang db upgrade" in result.output
    assert no_server == []


def test_serve_refuses_a_database_behind_the_migrations(cli_db, no_server):
    db.upgrade(cli_db)
    db.downgrade(cli_db, "points@base")
    result = _cli("serve")
    assert result.exit_code == 1
    assert "数据库版本落后：请先运行 kechuang db upgrade" in result.output
    assert no_server == []
    db.upgrade(cli_db)
    result = _cli("serve", "--port", "9123")
    assert result.exit_code == 0, result.output
    assert no_server and no_server[0][1]["port"] == 9123


def test_demo_after_build_only_serves_the_demo_database(tmp_path, no_server, monkeypatch):
    """kc.sh demo --build-only, then kc.sh demo: reused, not rebuilt, and served; plain serve
    points at kechuang demo instead of serving the empty production database."""
    from kechuang.demo import loader

    with configured("", tmp_path / "var"):
        assert loader.demo_database_url().endswith("demo.db")
        built = loader.build_demo
        monkeypatch.setattr(loader, "build_demo", lambda say, **_: built(say, n_enterprises=30))
        result = _cli("demo", "--build-only")
        assert result.exit_code == 0, result.output
        assert no_server == []
        get_settings.cache_clear()  # demo sets KECHUANG_DATABASE_URL for its own process
        os.environ.pop("KECHUANG_DATABASE_URL", None)
        get_settings.cache_clear()
        db._engine, db._factory = None, None

        result = _cli("serve")
        assert result.exit_code == 1 and "kechuang demo" in result.output

        os.environ.pop("KECHUANG_DATABASE_URL", None)
        get_settings.cache_clear()
        db._engine, db._factory = None, None
        result = _cli("demo")
        assert result.exit_code == 0, result.output
        assert "复用已有演示数据库" in result.output
        assert len(no_server) == 1
        assert db.schema_status(os.environ["KECHUANG_DATABASE_URL"]) == "ok"
        assert os.environ["KECHUANG_DATABASE_URL"].endswith("demo.db")


def test_serve_runs_several_workers_only_for_the_api(cli_db, no_server):
    """The UI runs in one process; --api-only serves the API alone, on as many workers as asked."""
    db.upgrade(cli_db)
    result = _cli("serve", "--workers", "3")
    assert result.exit_code == 2
    assert "网页界面只能在一个进程中运行" in result.output and "--api-only" in result.output
    assert no_server == []
    result = _cli("serve", "--workers", "0", "--api-only")
    assert result.exit_code == 2 and no_server == []
    result = _cli("serve", "--api-only", "--workers", "3", "--port", "9124")
    assert result.exit_code == 0, result.output
    (target,), options = no_server[0]
    assert target == "kechuang.app:create_api" and options["factory"] is True
    assert options["workers"] == 3 and options["port"] == 9124
    result = _cli("serve")
    assert result.exit_code == 0, result.output
    assert no_server[1][0] == ("kechuang.main:app",) and no_server[1][1]["workers"] == 1


def test_demo_builds_the_number_of_enterprises_asked(tmp_path, no_server, monkeypatch):
    """kechuang demo --enterprises 100000 builds the scale database (docs/scale.md)."""
    from kechuang.demo import loader

    seen = []
    monkeypatch.setattr(loader, "build_demo", lambda say, **kw: seen.append(kw) or "已生成")
    with configured("", tmp_path / "var"):
        result = _cli("demo", "--build-only", "--enterprises", "150")
        assert result.exit_code == 0, result.output
        assert seen == [{"n_enterprises": 150}]
        result = _cli("demo", "--build-only", "--enterprises", "5")
        assert result.exit_code == 2 and len(seen) == 1
