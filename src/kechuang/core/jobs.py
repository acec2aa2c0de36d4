"""Jobs: runs that take more than a moment (imports, evaluations, …), one writer at a time.

A job is a row in `jobs` (kind, who, file hash, state, stage, progress, result or error) so that its
outcome survives a page reload or a restart. Jobs that write wait for the **writer lock** first: a
file lock beside a SQLite database, an advisory lock on PostgreSQL. Two imports therefore run one
after the other instead of failing with "database is locked" or a unique-key violation, whichever
process (server or CLI) started them. The job's own work runs in one transaction; the job row is
updated in short separate transactions before and after it, never during, so a kill -9 leaves the
data untouched (the database rolls the open transaction back) and the row in state queued or
running, which `reap_stale` turns into failed once the owning process is gone.

Progress (stage, rows done, rows total) lives in memory while the job runs, where the server's pages
and the CLI's progress bar read it; the work reports it through `current_progress()`, so services
need no extra parameter. A cancel request is honoured up to the store stage, never during it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Engine, Integer, String, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from kechuang.core.db import Base, get_engine, session_scope, utcnow
from kechuang.core.errors import Conflict, NotFound, UserError
from kechuang.core.security import Principal

STATES = {
    "queued": "排队中",
    "running": "运行中",
    "done": "已完成",
    "rejected": "未通过校验",
    "failed": "失败",
    "cancelled": "已取消",
}
ACTIVE = ("queued", "running")
STAGES = {
    "queue": "排队",
    "parse": "读取文件",
    "check": "校验",
    "store": "保存",
    "run": "计算",
    "done": "完成",
}
# This process, as written in the jobs it owns: host, pid and a token that tells a restarted
# process with a recycled pid from the one that started the job.
HOST = socket.gethostname()[:60]
PROCESS_TOKEN = secrets.token_hex(4)
POLL_SECONDS = 0.1


class Job(Base):
    """One long run: what, who, on which file, how far, and how it ended."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    username: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(16), default="queue")
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    owner: Mapped[str] = mapped_column(String(120), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str] = mapped_column(String(2000), default="")


class JobCancelled(Exception):
    """Raised inside a job's work when the user cancelled it before the store step."""


@dataclass
class Progress:
    """A running job's stage and row counts, shared with whoever watches it."""

    job_id: int | None = None
    stage: str = "queue"
    done: int = 0
    total: int = 0
    cancel: threading.Event = field(default_factory=threading.Event)
    listeners: list[Callable[[Progress], None]] = field(default_factory=list)
    storing: bool = False

    def start(self, stage: str, total: int = 0) -> None:
        """Enter a stage; entering "store" is the last moment a cancel is honoured."""
        self.check_cancel()
        if stage == "store":
            self.storing = True
        self.stage, self.done, self.total = stage, 0, max(int(total), 0)
        self._notify()

    def advance(self, rows: int = 1) -> None:
        """Count rows done in the current stage."""
        self.done = min(self.done + int(rows), self.total) if self.total else self.done + int(rows)
        self._notify()

    def check_cancel(self) -> None:
        """Raise JobCancelled when a cancel was requested and nothing is being stored yet."""
        if self.cancel.is_set() and not self.storing:
            raise JobCancelled()

    def as_dict(self) -> dict[str, Any]:
        """Stage, its Chinese label and the counts."""
        return {
            "stage": self.stage,
            "stage_label": STAGES.get(self.stage, self.stage),
            "progress_done": self.done,
            "progress_total": self.total,
        }

    def _notify(self) -> None:
        for listener in self.listeners:
            listener(self)


_NO_JOB = Progress()
_current: ContextVar[Progress] = ContextVar("kechuang_job_progress", default=_NO_JOB)
# Jobs this process owns and has not finished: their live progress and cancel switches.
LIVE: dict[int, Progress] = {}
_LIVE_LOCK = threading.Lock()


def current_progress() -> Progress:
    """The progress of the job running in this context (a detached one outside jobs)."""
    progress = _current.get()
    if progress is _NO_JOB:
        return Progress()  # callers may report freely; nobody watches
    return progress


# --- the writer lock ---------------------------------------------------------------------------

_THREAD_LOCK = threading.Lock()
ADVISORY_KEY = 20261206  # pg_advisory_lock key of kechuang's writer lock


def _lock_file(engine: Engine) -> Path | None:
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".writer.lock")


def _try_flock(handle: Any) -> bool:
    try:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False


@contextlib.contextmanager
def writer_lock(engine: Engine | None = None, waiting: Callable[[], None] | None = None):
    """Hold the database's single writer lock; `waiting()` is called while queued (it may raise).

    The operating system releases a file lock, and PostgreSQL an advisory lock, when the holder
    dies, so a killed job never blocks the queue.
    """
    engine = engine or get_engine()
    while not _THREAD_LOCK.acquire(timeout=POLL_SECONDS):
        if waiting:
            waiting()
    try:
        if engine.url.get_backend_name() == "postgresql":
            with engine.connect() as connection:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                while not connection.scalar(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}
                ):
                    if waiting:
                        waiting()
                    time.sleep(POLL_SECONDS)
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            return
        path = _lock_file(engine)
        if path is None:
            yield
            return
        with open(path, "a+b") as handle:
            while not _try_flock(handle):
                if waiting:
                    waiting()
                time.sleep(POLL_SECONDS)
            yield  # closing the file releases the lock
    finally:
        _THREAD_LOCK.release()


# --- job rows ----------------------------------------------------------------------------------


def _owner() -> str:
    return f"{HOST}:{os.getpid()}:{PROCESS_TOKEN}"


def create(
    principal: Principal,
    kind: str,
    label: str,
    *,
    filename: str = "",
    sha256: str = "",
    dry_run: bool = False,
) -> int:
    """Record a queued job (committed at once, so every process sees it) and return its id."""
    with session_scope() as session:
        job = Job(
            kind=kind[:64],
            label=label[:200],
            user_id=principal.user_id,
            username=principal.username,
            filename=filename[:255],
            sha256=sha256,
            dry_run=dry_run,
            owner=_owner(),
        )
        session.add(job)
        session.flush()
        job_id = job.id
    with _LIVE_LOCK:
        LIVE[job_id] = Progress(job_id)
    return job_id


# SQLite answers "database is locked" at once, without waiting, when two connections that both
# read try to write (the lock upgrade would deadlock); the job row's update is then simply retried.
UPDATE_ATTEMPTS = 40


def _update(job_id: int, **values: Any) -> None:
    for attempt in range(UPDATE_ATTEMPTS):
        try:
            with session_scope() as session:
                job = session.get(Job, job_id)
                if job is not None:
                    for key, value in values.items():
                        setattr(job, key, value)
            return
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == UPDATE_ATTEMPTS - 1:
                raise
            time.sleep(min(0.05 * (attempt + 1), 1.0))


def _cancel_requested(job_id: int) -> bool:
    with session_scope() as session:
        return bool(session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))


def execute(
    job_id: int,
    principal: Principal,
    work: Callable[[Session], Any],
    *,
    writes: bool = True,
    listeners: tuple[Callable[[Progress], None], ...] = (),
    reraise: bool = False,
) -> dict[str, Any]:
    """Run a queued job to its end and return its final state (as `job_dict`).

    `work(session)` runs in one transaction bound to the principal and returns a report with `ok`
    and `as_dict()` (a report that is not ok is rolled back: state "rejected") or a plain dict.
    With `reraise`, an error is recorded on the job and then raised again (for callers such as an
    API route that answer it themselves).
    """
    from kechuang.core.audit import bind_principal

    with _LIVE_LOCK:
        progress = LIVE.setdefault(job_id, Progress(job_id))
    progress.listeners.extend(listeners)
    token = _current.set(progress)
    last_poll = [0.0]

    def waiting() -> None:
        if time.monotonic() - last_poll[0] > 1.0:  # the cancel may come from another process
            last_poll[0] = time.monotonic()
            if _cancel_requested(job_id):
                progress.cancel.set()
        progress.check_cancel()

    try:
        progress.start("queue")
        lock = writer_lock(waiting=waiting) if writes else contextlib.nullcontext()
        with lock:
            if _cancel_requested(job_id):
                progress.cancel.set()
            progress.check_cancel()
            _update(job_id, state="running", stage="parse", started_at=utcnow(), owner=_owner())
            progress.start("parse")
            with session_scope() as session:
                bind_principal(session, principal)
                outcome = work(session)
                ok = getattr(outcome, "ok", True)
                if not ok:
                    session.rollback()
            result = _result_of(outcome)
            progress.stage = "done"
            _update(
                job_id,
                state="done" if ok else "rejected",
                stage="done",
                progress_done=progress.done,
                progress_total=progress.total,
                finished_at=utcnow(),
                result=result,
            )
    except JobCancelled:
        _update(job_id, state="cancelled", finished_at=utcnow(), error="已取消，未保存任何数据")
    except UserError as exc:
        _update(job_id, state="failed", finished_at=utcnow(), error=str(exc)[:2000])
        if reraise:
            raise
    except Exception as exc:  # noqa: BLE001 - a job must end in a state, whatever went wrong
        message = f"任务出错，未保存任何数据：{type(exc).__name__}: {exc}"
        _update(job_id, state="failed", finished_at=utcnow(), error=message[:2000])
        if reraise:
            raise
    finally:
        _current.reset(token)
        with _LIVE_LOCK:
            LIVE.pop(job_id, None)
    with session_scope() as session:
        job = session.get(Job, job_id)
        assert job is not None, job_id
        return job_dict(job)


def _result_of(outcome: Any) -> dict[str, Any]:
    """A finished job's result as JSON: the report's own dict, or the import-report contract."""
    if hasattr(outcome, "as_dict"):
        return outcome.as_dict()
    if hasattr(outcome, "message") and hasattr(outcome, "errors"):
        return {
            "ok": bool(outcome.ok),
            "dry_run": bool(getattr(outcome, "dry_run", False)),
            "message": outcome.message(),
            "errors": [dict(vars(e)) for e in outcome.errors],
        }
    return dict(outcome or {})


def run(
    principal: Principal,
    kind: str,
    label: str,
    work: Callable[[Session], Any],
    *,
    writes: bool = True,
    reraise: bool = False,
    **details: Any,
) -> dict[str, Any]:
    """Create a job and run it here and now (CLI, or a request that waits for its result)."""
    job_id = create(principal, kind, label, **details)
    return execute(job_id, principal, work, writes=writes, reraise=reraise)


def run_value(principal: Principal, kind: str, label: str, work: Callable[[Session], Any]) -> Any:
    """Run `work` as a job here and now and return what it returned; errors are raised again.

    For runs whose callers want their value (an API route, a page): the job row records who ran
    what, when and how it ended, and the run waits for the writer lock like an import.
    """
    holder: dict[str, Any] = {}

    def recorded(session: Session) -> dict[str, Any]:
        holder["value"] = work(session)
        return {"ok": True, "message": f"{label}完成"}

    run(principal, kind, label, recorded, reraise=True)
    return holder["value"]


def is_stale(job: Job) -> bool:
    """True when a queued or running job's owner process on this host is gone."""
    if job.state not in ACTIVE:
        return False
    host, _, rest = job.owner.partition(":")
    pid_text, _, token = rest.partition(":")
    if host != HOST or not pid_text.isdigit():
        return False  # another machine's job: it cannot be checked from here
    if token == PROCESS_TOKEN:
        return job.id not in LIVE
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # a recycled pid: the owner was an earlier process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def reap_stale(session: Session) -> int:
    """Mark jobs whose process died (kill -9, power cut) as failed; returns how many."""
    count = 0
    for job in session.scalars(select(Job).where(Job.state.in_(ACTIVE))):
        if is_stale(job):
            job.state = "failed"
            job.finished_at = utcnow()
            job.error = "任务所在进程已中止（如被强制结束），未保存任何数据；请重新运行"
            count += 1
    if count:
        session.flush()
    return count


def visible(principal: Principal):  # noqa: ANN201 - a SQL condition
    """Which jobs the principal may see: the city admin all, everyone else their own."""
    if principal.role == "city_admin":
        return Job.id.is_not(None)
    return Job.user_id == principal.user_id


def get_job(session: Session, principal: Principal, job_id: int) -> Job:
    """One job the principal may see (404 otherwise), with stale jobs reaped first."""
    reap_stale(session)
    job = session.scalar(select(Job).where(Job.id == job_id, visible(principal)))
    if job is None:
        raise NotFound("任务不存在")
    return job


def list_jobs(session: Session, principal: Principal, limit: int = 50) -> list[Job]:
    """The principal's recent jobs, newest first."""
    reap_stale(session)
    return list(
        session.scalars(select(Job).where(visible(principal)).order_by(Job.id.desc()).limit(limit))
    )


def request_cancel(session: Session, principal: Principal, job_id: int) -> Job:
    """Ask a queued or running job to stop before it stores anything."""
    job = get_job(session, principal, job_id)
    if job.state not in ACTIVE:
        raise Conflict(f"任务 #{job.id} 已{STATES[job.state]}，不能取消")
    progress = LIVE.get(job.id)
    if progress is not None and progress.storing:
        raise Conflict(f"任务 #{job.id} 正在保存数据，已不能取消")
    job.cancel_requested = True
    session.flush()
    if progress is not None:
        progress.cancel.set()
    return job


def job_dict(job: Job) -> dict[str, Any]:
    """A JSON-ready view of a job, with live progress when this process runs it."""
    live = LIVE.get(job.id)
    progress = (
        live.as_dict()
        if live is not None and job.state in ACTIVE
        else {
            "stage": job.stage,
            "stage_label": STAGES.get(job.stage, job.stage),
            "progress_done": job.progress_done,
            "progress_total": job.progress_total,
        }
    )
    return {
        "id": job.id,
        "kind": job.kind,
        "label": job.label,
        "username": job.username,
        "filename": job.filename,
        "sha256": job.sha256,
        "dry_run": job.dry_run,
        "state": job.state,
        "state_label": STATES.get(job.state, job.state),
        **progress,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "result": job.result,
        "error": job.error,
    }


def wait_for(job_id: int, timeout: float = 600.0) -> None:
    """Block until a job this process runs has finished (tests, scripts)."""
    deadline = time.monotonic() + timeout
    while job_id in LIVE and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)


def pause_for_tests(stage: str) -> None:
    """Sleep at a stage when KECHUANG_TEST_JOB_PAUSE names it (kill -9 tests only)."""
    if os.environ.get("KECHUANG_TEST_JOB_PAUSE") == stage:
        mark = os.environ.get("KECHUANG_TEST_JOB_PAUSE_MARK")
        if mark:
            Path(mark).write_text(str(os.getpid()))
        time.sleep(float(os.environ.get("KECHUANG_TEST_JOB_PAUSE_SECONDS", "30")))


def iter_chunks(rows: list[Any], size: int = 20_000) -> Iterator[list[Any]]:
    """Slices of rows, for stores that report progress as they go."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
