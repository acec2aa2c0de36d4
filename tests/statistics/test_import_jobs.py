"""Imports as jobs (API, CLI, cancel, stale jobs) and undoing an import."""

from __future__ import annotations

import os

import pytest
from sheets import xlsx
from sqlalchemy import select
from typer.testing import CliRunner
from web import login

from kechuang.core import jobs
from kechuang.core.audit import AuditLog
from kechuang.core.domain import import_kind
from kechuang.core.errors import Conflict, NotFound
from kechuang.core.security import SYSTEM, Principal
from kechuang.statistics.import_jobs import run_import_job, submit_import
from kechuang.statistics.imports import import_file
from kechuang.statistics.models import EnterpriseYear, ImportBatch, ZoneYear
from kechuang.statistics.undo import undo_import

HEADER = ["统一社会信用代码", "年度", "营业收入(万元)"]


def _post(client, headers, content, name="f.xlsx", **data):
    return client.post(
        "/api/v1/imports",
        headers=headers,
        data={"kind": "enterprise_years", **data},
        files={"file": (name, content)},
    )


def _job(client, headers, response):
    assert response.status_code == 202, response.text
    return client.get(f"/api/v1/jobs/{response.json()['id']}", headers=headers).json()


def _revenue(session, ent, year=2025):
    rows = session.execute(
        select(EnterpriseYear.revision, EnterpriseYear.operating_revenue).where(
            EnterpriseYear.enterprise_id == ent.id,
            EnterpriseYear.year == year,
            EnterpriseYear.is_current.is_(True),
        )
    ).all()
    assert len(rows) <= 1, rows  # one current revision at most
    return tuple(rows[0]) if rows else None


# --- the API: 202, job endpoint, duplicates ------------------------------------------------------


def test_an_import_is_a_job_with_its_result_and_a_repeated_file_needs_confirmation(
    client, world, session
):
    h = login(client, "zone_yz")
    a = world["a"]
    content = xlsx(HEADER, [[a.uscc, 2025, 6000]])
    job = _job(client, h, _post(client, h, content))
    assert (
        job["state"] == "done"
        and job["stage"] == "done"
        and job["kind"] == ("import:enterprise_years")
    )
    assert job["result"]["created"] == 1 and job["username"] == "zone_yz"
    assert len(job["sha256"]) == 64 and job["finished_at"] >= job["started_at"]
    batch = session.scalar(select(ImportBatch).where(ImportBatch.id == job["result"]["import_id"]))
    assert batch.job_id == job["id"]

    again = _post(client, h, content, name="same-file-other-name.xlsx")
    assert again.status_code == 409
    detail = again.json()["detail"]
    assert f"由 zone_yz 导入，批次 #{batch.id}" in detail and "该文件已于 20" in detail
    assert _revenue(session, a) == (1, 6000)

    dry = _job(client, h, _post(client, h, content, dry_run="true"))  # a dry run is never refused
    assert dry["state"] == "done" and dry["result"]["dry_run"] is True

    confirmed = _job(client, h, _post(client, h, content, confirm_duplicate="true"))
    assert confirmed["state"] == "done" and confirmed["result"]["unchanged"] == 1


def test_a_repeated_file_from_someone_else_does_not_name_them(client, world, session):
    a = world["a"]
    content = xlsx(HEADER, [[a.uscc, 2025, 6000]])
    admin = login(client, "city")
    assert _job(client, admin, _post(client, admin, content))["state"] == "done"
    h = login(client, "zone_yz")
    detail = _post(client, h, content).json()["detail"]
    assert "由 其他用户 导入" in detail and "city" not in detail


def test_jobs_are_seen_by_their_owner_and_the_bureau_only(client, world):
    h = login(client, "zone_yz")
    job = _job(client, h, _post(client, h, xlsx(HEADER, [[world["a"].uscc, 2025, 1]])))
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=login(client, "city")).status_code == 200
    other = login(client, "ent_b")
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=other).status_code == 404
    assert client.get(f"/api/v1/jobs/{job['id']}/report", headers=other).status_code == 404
    assert all(j["id"] != job["id"] for j in client.get("/api/v1/jobs", headers=other).json())
    assert client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=other).status_code == 404
    # a finished job cannot be cancelled
    assert client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=h).status_code == 409


# --- cancel, stale jobs ----------------------------------------------------------------------------


def test_a_job_cancelled_while_queued_stores_nothing(session, world):
    spec = import_kind("enterprise_years")
    content = xlsx(HEADER, [[world["a"].uscc, 2025, 777]])
    job_id = submit_import(session, SYSTEM, spec, content, "c.xlsx", False)
    jobs.request_cancel(session, SYSTEM, job_id)
    state = run_import_job(job_id, SYSTEM, spec, content, "c.xlsx", False)
    assert state["state"] == "cancelled" and "未保存任何数据" in state["error"]
    assert _revenue(session, world["a"]) is None
    assert job_id not in jobs.LIVE


def test_cancel_is_refused_once_the_store_step_began(session, world):
    job_id = jobs.create(SYSTEM, "import:x", "x")
    jobs.LIVE[job_id].start("store", 10)
    with pytest.raises(Conflict, match="正在保存数据"):
        jobs.request_cancel(session, SYSTEM, job_id)
    jobs.LIVE.pop(job_id)


def test_a_cancel_honoured_between_stages_not_during_store():
    progress = jobs.Progress(1)
    progress.start("parse")
    progress.cancel.set()
    with pytest.raises(jobs.JobCancelled):
        progress.start("check", 5)
    progress = jobs.Progress(2)
    progress.start("store", 5)
    progress.cancel.set()
    progress.advance(5)
    progress.check_cancel()  # storing: the cancel no longer applies
    assert (progress.done, progress.total) == (5, 5)


def test_jobs_of_dead_processes_are_reaped_as_failed(session):
    dead = jobs.Job(kind="import:x", username="u", owner=f"{jobs.HOST}:999999999:abcd")
    mine_lost = jobs.Job(kind="import:x", username="u", owner=jobs._owner(), state="running")
    elsewhere = jobs.Job(kind="import:x", username="u", owner="another-host:1:abcd")
    finished = jobs.Job(kind="import:x", username="u", owner=f"{jobs.HOST}:999999999:x")
    finished.state = "done"
    session.add_all([dead, mine_lost, elsewhere, finished])
    session.flush()
    assert jobs.reap_stale(session) == 2
    assert (dead.state, mine_lost.state, elsewhere.state, finished.state) == (
        "failed",
        "failed",
        "queued",
        "done",
    )
    assert "进程已中止" in dead.error and dead.finished_at is not None


def test_a_job_that_raises_ends_failed_with_the_reason(session):
    def work(_session):
        raise RuntimeError("磁盘已满")

    state = jobs.run(SYSTEM, "x", "测试", work)
    assert state["state"] == "failed" and "磁盘已满" in state["error"]


# --- the CLI ----------------------------------------------------------------------------------


def test_cli_import_runs_a_job_and_asks_before_a_repeated_file(session, world, tmp_path):
    from kechuang.cli import app

    file = tmp_path / "年报.xlsx"
    file.write_bytes(xlsx(HEADER, [[world["a"].uscc, 2025, 4321]]))
    first = CliRunner().invoke(app, ["import", "enterprise_years", str(file)])
    assert first.exit_code == 0, first.output
    assert "导入成功" in first.output and "任务 #" in first.output
    again = CliRunner().invoke(app, ["import", "enterprise_years", str(file)])
    assert again.exit_code == 2 and "该文件已于" in again.output and "--yes" in again.output
    forced = CliRunner().invoke(app, ["import", "enterprise_years", str(file), "--yes"])
    assert forced.exit_code == 0 and "未变化 1" in forced.output
    listed = CliRunner().invoke(app, ["jobs", "list"])
    assert listed.exit_code == 0 and "已完成" in listed.output


def test_cli_undo(session, world, tmp_path):
    from kechuang.cli import app

    file = tmp_path / "更正.xlsx"
    file.write_bytes(xlsx(HEADER, [[world["a"].uscc, 2024, 5555]]))
    assert CliRunner().invoke(app, ["import", "enterprise_years", str(file)]).exit_code == 0
    batch = session.scalar(select(ImportBatch.id).order_by(ImportBatch.id.desc()).limit(1))
    refused = CliRunner().invoke(app, ["imports", "undo", str(batch)])
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert _revenue(session, world["a"], 2024) == (2, 5555)
    done = CliRunner().invoke(app, ["imports", "undo", str(batch), "--yes"])
    assert done.exit_code == 0, done.output
    assert _revenue(session, world["a"], 2024) == (1, 5000)
    listed = CliRunner().invoke(app, ["imports", "list"])
    assert "已撤销" in listed.output


# --- undo ---------------------------------------------------------------------------------------


def _import(session, principal, rows, name):
    report = import_file(session, principal, "enterprise_years", xlsx(HEADER, rows), name)
    assert report.ok, report.errors
    return report.import_id


def test_undo_brings_back_the_previous_revision_and_is_one_audited_step(session, world):
    a, b = world["a"], world["b"]
    first = _import(session, SYSTEM, [[a.uscc, 2025, 100], [b.uscc, 2025, 200]], "v1.xlsx")
    second = _import(session, SYSTEM, [[a.uscc, 2025, 150]], "v2.xlsx")
    assert _revenue(session, a) == (2, 150)

    with pytest.raises(Conflict, match=f"之后的导入批次 #{second} 又修改了同样的数据"):
        undo_import(session, SYSTEM, first)
    assert _revenue(session, a) == (2, 150)  # the refusal changed nothing

    outcome = undo_import(session, SYSTEM, second)
    assert (outcome["retired"], outcome["restored"]) == (1, 1)
    assert _revenue(session, a) == (1, 100) and _revenue(session, b) == (1, 200)
    retired = session.scalar(select(EnterpriseYear).where(EnterpriseYear.import_id == second))
    assert retired.is_current is False and retired.operating_revenue == 150  # still readable
    entry = session.scalar(
        select(AuditLog).where(AuditLog.action == "undo").order_by(AuditLog.id.desc()).limit(1)
    )
    assert entry.entity == "import_batches" and entry.entity_id == str(second)
    with pytest.raises(Conflict, match="已于"):
        undo_import(session, SYSTEM, second)

    # the first import can go now: its rows had nothing before them
    outcome = undo_import(session, SYSTEM, first)
    assert (outcome["retired"], outcome["restored"]) == (2, 0)
    assert _revenue(session, a) is None and _revenue(session, b) is None

    # a new import after undos takes the next free revision number (no unique-key clash)
    _import(session, SYSTEM, [[a.uscc, 2025, 180]], "v3.xlsx")
    assert _revenue(session, a) == (3, 180)


def test_undo_skips_an_undone_later_import_and_restores_across_it(session, world):
    a = world["a"]
    first = _import(session, SYSTEM, [[a.uscc, 2025, 100]], "v1.xlsx")
    second = _import(session, SYSTEM, [[a.uscc, 2025, 150]], "v2.xlsx")
    undo_import(session, SYSTEM, second)
    third = _import(session, SYSTEM, [[a.uscc, 2025, 170]], "v3.xlsx")
    assert _revenue(session, a) == (3, 170)
    undo_import(session, SYSTEM, third)
    assert _revenue(session, a) == (1, 100)  # revision 2 was undone: 1 is current again
    assert first


def test_zone_year_imports_undo_too(session, world):
    rows = [["扬州高新区", 2024, 35]]
    report = import_file(
        session, SYSTEM, "zone_years", xlsx(["高新区", "年度", "总绿地率(%)"], rows), "z2.xlsx"
    )
    assert report.ok and report.revised == 1
    undo_import(session, SYSTEM, report.import_id)
    value = session.scalar(
        select(ZoneYear.value).where(
            ZoneYear.zone_id == world["city"]["yzhtz"].id,
            ZoneYear.indicator_code == "green_coverage",
            ZoneYear.is_current.is_(True),
        )
    )
    assert value == 30


def test_only_the_importer_and_the_bureau_may_undo(session, world, client):
    zone_admin = login(client, "zone_yz")
    job = _job(
        client, zone_admin, _post(client, zone_admin, xlsx(HEADER, [[world["a"].uscc, 2025, 9]]))
    )
    batch = job["result"]["import_id"]
    other = Principal(99, "someone", "zone_admin", zone_id=world["city"]["jiangdu"].id)
    with pytest.raises(NotFound):
        undo_import(session, other, batch)
    assert (
        client.post(f"/api/v1/imports/{batch}/undo", headers=login(client, "ent_b")).status_code
        == 404
    )
    r = client.post(f"/api/v1/imports/{batch}/undo", headers=zone_admin)
    assert r.status_code == 200 and r.json()["retired"] == 1
    listed = client.get("/api/v1/imports", headers=zone_admin).json()
    assert listed[0]["undone_by"] == "zone_yz" and listed[0]["undone_at"]
    assert client.post(f"/api/v1/imports/{batch}/undo", headers=zone_admin).status_code == 409


def test_progress_is_reported_per_stage(session, world):
    seen: list[tuple[str, int, int]] = []
    spec = import_kind("enterprise_years")
    content = xlsx(HEADER, [[world["a"].uscc, 2025, 1], [world["b"].uscc, 2025, 2]])
    job_id = submit_import(session, SYSTEM, spec, content, "p.xlsx", False)
    state = run_import_job(
        job_id,
        SYSTEM,
        spec,
        content,
        "p.xlsx",
        False,
        listeners=(lambda p: seen.append((p.stage, p.done, p.total)),),
    )
    assert state["state"] == "done"
    stages = [s for s, _, _ in seen]
    assert (
        stages.index("queue")
        < stages.index("parse")
        < stages.index("check")
        < stages.index("store")
    )
    assert ("store", 2, 2) in seen and state["progress_total"] == 2


@pytest.mark.skipif(os.name != "posix", reason="file locks are checked on POSIX here")
def test_the_writer_lock_is_exclusive_and_released():
    import threading

    from kechuang.core.db import get_engine

    order: list[str] = []
    release = threading.Event()

    def holder() -> None:
        with jobs.writer_lock(get_engine()):
            order.append("first in")
            release.wait(5)
            order.append("first out")

    t = threading.Thread(target=holder)
    t.start()
    while not order:
        pass
    waited = []

    def waiting() -> None:
        waited.append(1)
        release.set()

    with jobs.writer_lock(get_engine(), waiting=waiting):
        order.append("second in")
    t.join()
    assert order == ["first in", "first out", "second in"] and waited


def test_an_enterprises_import_undoes_through_the_registry_history(session, world):
    from factories import make_uscc

    from kechuang.registry.models import Enterprise

    new = make_uscc()
    header = ["统一社会信用代码", "企业名称", "所属高新区"]
    rows = [
        [new, "新登记科技有限公司", "扬州高新区"],
        [world["a"].uscc, "甲高新科技（改名）有限公司", None],
    ]
    report = import_file(session, SYSTEM, "enterprises", xlsx(header, rows), "e.xlsx")
    assert report.ok and (report.created, report.revised) == (1, 1), report.errors
    outcome = undo_import(session, SYSTEM, report.import_id)
    assert (outcome["retired"], outcome["restored"]) == (2, 1)
    assert session.scalar(select(Enterprise).where(Enterprise.uscc == new)) is None
    session.refresh(world["a"])
    assert world["a"].name == "甲高新科技有限公司"


def test_job_row_update_retries_a_locked_sqlite_database(monkeypatch):
    """SQLite refuses a lock upgrade at once ("database is locked") when two connections that
    both read try to write; the job's state update is retried instead of failing the job."""
    from contextlib import contextmanager

    from sqlalchemy.exc import OperationalError

    calls = {"n": 0}
    seen = {}

    class Row:
        state = "running"

    @contextmanager
    def flaky():
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("UPDATE jobs", {}, Exception("database is locked"))

        class S:
            def get(self, _model, _id):
                return seen.setdefault("row", Row())

        yield S()

    monkeypatch.setattr(jobs, "session_scope", flaky)
    monkeypatch.setattr(jobs.time, "sleep", lambda _s: None)
    jobs._update(7, state="done")
    assert calls["n"] == 3 and seen["row"].state == "done"
    # any other database error is not retried

    @contextmanager
    def broken():
        raise OperationalError("UPDATE jobs", {}, Exception("no such table: jobs"))
        yield

    monkeypatch.setattr(jobs, "session_scope", broken)
    with pytest.raises(OperationalError, match="no such table"):
        jobs._update(7, state="done")
