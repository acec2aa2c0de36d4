"""Background jobs with progress, so that long work never runs on the UI event loop.

A job is a row (status, progress, message, result) and a function run in a worker thread. The
function receives a `report(fraction, message)` callback; the UI polls the row.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kechuang.core.db import Base, session_scope, utcnow
from kechuang.core.security import Principal

log = logging.getLogger(__name__)
STATUS_LABELS = {"queued": "排队中", "running": "运行中", "done": "已完成", "failed": "失败"}


class Job(Base):
    """One piece of background work and its progress."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(500), default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)


Report = Callable[[float, str], None]
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kechuang-job")


def _update(job_id: int, **values: Any) -> None:
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is not None:
            for key, value in values.items():
                setattr(job, key, value)


def submit(principal: Principal, kind: str, title: str,
           fn: Callable[..., dict[str, Any]], *args: Any) -> tuple[int, Future]:
    """Queue fn(report, *args) in a worker thread; returns the job id and its future."""
    with session_scope() as session:
        job = Job(kind=kind, title=title, user_id=principal.user_id, username=principal.username)
        session.add(job)
        session.flush()
        job_id = job.id

    def run() -> dict[str, Any]:
        _update(job_id, status="running")

        def report(fraction: float, message: str = "") -> None:
            _update(job_id, progress=max(0.0, min(1.0, fraction)), message=message[:500])

        try:
            result = fn(report, *args)
        except Exception as exc:  # noqa: BLE001 - the job row must say it failed
            log.error("job %s failed: %s", job_id, traceback.format_exc())
            _update(job_id, status="failed", message=str(exc)[:500], finished_at=utcnow())
            raise
        _update(job_id, status="done", progress=1.0, result=result, finished_at=utcnow())
        return result

    return job_id, _executor.submit(run)


def get_job(session: Session, principal: Principal, job_id: int) -> Job | None:
    """A job, visible to whoever started it and to city admins."""
    job = session.get(Job, job_id)
    if job is None or (not principal.is_city_admin and job.user_id != principal.user_id):
        return None
    return job


def recent_jobs(session: Session, principal: Principal, limit: int = 20) -> list[Job]:
    """The newest jobs the principal may see."""
    stmt = select(Job).order_by(Job.id.desc()).limit(limit)
    if not principal.is_city_admin:
        stmt = stmt.where(Job.user_id == principal.user_id)
    return list(session.scalars(stmt))
