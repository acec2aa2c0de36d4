"""Import jobs across processes: two imports at once queue; kill -9 leaves nothing partial.

These tests run the real `kechuang` command in child processes against a committed database of
the run's kind (a SQLite file, or a PostgreSQL database beside the test database).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from factories import make_uscc
from scratch import postgres_beside
from sheets import xlsx
from sqlalchemy import text

from kechuang.core import db

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kill -9 and file locks: POSIX")

HEADER = ["统一社会信用代码", "年度", "营业收入(万元)"]
USCC = [make_uscc(9_100_001), make_uscc(9_100_002)]


@pytest.fixture(scope="module")
def _pg_database(engine):
    """PostgreSQL only: a database beside the run's, dropped afterwards."""
    if engine.dialect.name != "postgresql":
        yield None
        return
    with postgres_beside("jobs") as url:
        yield url


class Live:
    """A committed database with two enterprises (2024 revenue 100 and 200) and a CLI to run."""

    def __init__(self, url: str, tmp: Path):
        self.url, self.tmp = url, tmp
        self.env = {
            **os.environ,
            "KECHUANG_DATABASE_URL": url,
            "KECHUANG_VAR_DIR": str(tmp / "var"),
        }

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        """Start `kechuang ARGS` in a child process."""
        return subprocess.Popen(
            [sys.executable, "-m", "kechuang.cli", *args],
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def run(self, *args: str, **env: str) -> str:
        """Run `kechuang ARGS` to its end; fails the test on a non-zero exit."""
        proc = self.start(*args, **env)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out
        return out

    def file(self, name: str, rows) -> str:
        """Write an enterprise-year file and return its path."""
        path = self.tmp / name
        path.write_bytes(xlsx(HEADER, rows))
        return str(path)

    def scalar(self, sql: str):
        """One value from the database."""
        eng = db.make_engine(self.url)
        try:
            with eng.connect() as conn:
                return conn.execute(text(sql)).scalar()
        finally:
            eng.dispose()

    def rows(self, sql: str) -> list[tuple]:
        """Rows from the database."""
        eng = db.make_engine(self.url)
        try:
            with eng.connect() as conn:
                return [tuple(r) for r in conn.execute(text(sql)).all()]
        finally:
            eng.dispose()

    def revisions(self) -> list[tuple]:
        """(uscc, year, revision, is_current, revenue) of every stored figure."""
        return self.rows(
            "SELECT e.uscc, y.year, y.revision, y.is_current, y.operating_revenue"
            " FROM enterprise_years y JOIN enterprises e ON e.id = y.enterprise_id"
            " ORDER BY e.uscc, y.year, y.revision"
        )

    def wait_for(self, condition, what: str, timeout: float = 60) -> None:
        """Poll until condition() holds."""
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"等待超时：{what}"
            time.sleep(0.1)


@pytest.fixture
def live(engine, _pg_database, tmp_path) -> Live:
    """A fresh committed database with the city and two enterprises of 扬州高新区."""
    if _pg_database is None:
        url = f"sqlite:///{tmp_path / 'live.db'}"
    else:
        url = _pg_database
        eng = db.make_engine(url)
        with eng.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        eng.dispose()
    lv = Live(url, tmp_path)
    lv.run("db", "upgrade")
    ents = tmp_path / "企业.xlsx"
    ents.write_bytes(
        xlsx(
            ["统一社会信用代码", "企业名称", "所属高新区"],
            [[USCC[0], "甲公司", "扬州高新区"], [USCC[1], "乙公司", "扬州高新区"]],
        )
    )
    lv.run("import", "enterprises", str(ents))
    lv.run(
        "import",
        "enterprise_years",
        lv.file("base.xlsx", [[USCC[0], 2024, 100], [USCC[1], 2024, 200]]),
    )
    return lv


def _pause(live: Live, name: str, seconds: float, stage: str = "store") -> dict[str, str]:
    return {
        "KECHUANG_TEST_JOB_PAUSE": stage,
        "KECHUANG_TEST_JOB_PAUSE_SECONDS": str(seconds),
        "KECHUANG_TEST_JOB_PAUSE_MARK": str(live.tmp / name),
    }


def test_two_imports_at_once_both_succeed_in_turn(live):
    one = live.file("one.xlsx", [[USCC[0], 2024, 111], [USCC[1], 2024, 222]])
    two = live.file("two.xlsx", [[USCC[0], 2024, 333], [USCC[1], 2025, 444]])
    first = live.start("import", "enterprise_years", one, **_pause(live, "one.mark", 2))
    live.wait_for(lambda: (live.tmp / "one.mark").exists(), "第一个导入进入保存阶段")
    second = live.start("import", "enterprise_years", two)
    out1, _ = first.communicate(timeout=120)
    out2, _ = second.communicate(timeout=120)
    assert first.returncode == 0, out1
    assert second.returncode == 0, out2
    assert "database is locked" not in out1 + out2 and "Traceback" not in out1 + out2
    # the second waited, then revised what the first had stored: revisions 1, 2, 3 in order
    assert live.revisions() == [
        (USCC[0], 2024, 1, False, 100),
        (USCC[0], 2024, 2, False, 111),
        (USCC[0], 2024, 3, True, 333),
        (USCC[1], 2024, 1, False, 200),
        (USCC[1], 2024, 2, True, 222),
        (USCC[1], 2025, 1, True, 444),
    ]
    states = live.rows("SELECT state FROM jobs ORDER BY id")
    assert states[-2:] == [("done",), ("done",)]


def test_kill_9_while_storing_leaves_nothing_and_the_job_failed(live):
    before = live.revisions()
    batches = live.scalar("SELECT count(*) FROM import_batches")
    path = live.file("kill.xlsx", [[USCC[0], 2024, 999], [USCC[1], 2024, 888]])
    proc = live.start("import", "enterprise_years", path, **_pause(live, "kill.mark", 60))
    live.wait_for(lambda: (live.tmp / "kill.mark").exists(), "导入进入保存阶段")
    assert live.scalar("SELECT state FROM jobs ORDER BY id DESC LIMIT 1") == "running"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    assert live.revisions() == before  # the open transaction died with the process
    assert live.scalar("SELECT count(*) FROM import_batches") == batches
    listed = live.run("jobs", "list")
    assert "失败" in listed
    assert live.scalar("SELECT state FROM jobs ORDER BY id DESC LIMIT 1") == "failed"

    live.run("import", "enterprise_years", path)  # a rerun succeeds
    assert (USCC[0], 2024, 2, True, 999) in live.revisions()


def test_kill_9_while_queued_leaves_nothing_and_a_rerun_succeeds(live):
    before = live.revisions()
    holder = live.start(
        "import",
        "enterprise_years",
        live.file("hold.xlsx", [[USCC[0], 2024, 555]]),
        **_pause(live, "hold.mark", 60, stage="check"),  # holds the writer lock, writes nothing yet
    )
    live.wait_for(lambda: (live.tmp / "hold.mark").exists(), "第一个导入持有写入锁")
    path = live.file("queued.xlsx", [[USCC[1], 2024, 777]])
    queued = live.start("import", "enterprise_years", path)
    live.wait_for(
        lambda: live.scalar("SELECT count(*) FROM jobs WHERE filename = 'queued.xlsx'") == 1,
        "第二个导入排队",
    )
    time.sleep(0.5)
    assert live.scalar("SELECT state FROM jobs WHERE filename = 'queued.xlsx'") == "queued"
    os.kill(queued.pid, signal.SIGKILL)
    os.kill(holder.pid, signal.SIGKILL)
    queued.wait(timeout=30)
    holder.wait(timeout=30)

    assert live.revisions() == before
    live.run("jobs", "list")  # listing reaps the dead processes' jobs
    assert live.rows("SELECT state FROM jobs WHERE filename IN ('hold.xlsx', 'queued.xlsx')") == [
        ("failed",),
        ("failed",),
    ]
    live.run("import", "enterprise_years", path)
    assert (USCC[1], 2024, 2, True, 777) in live.revisions()
