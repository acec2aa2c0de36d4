"""Imports as jobs: the one path the API, the import page and the CLI take to import a file.

Each import (of any domain's kind) is recorded as a job and waits for the writer lock, so two
imports run one after the other. A file whose SHA-256 was already imported (and not undone) needs
the user's confirmation before it is imported again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core import jobs
from kechuang.core.domain import ImportKind
from kechuang.core.errors import Conflict
from kechuang.core.security import Principal
from kechuang.statistics.models import ImportBatch
from kechuang.statistics.scope import import_batch_scope


def sha256_of(content: bytes) -> str:
    """The file's SHA-256, as stored on its import batch."""
    return hashlib.sha256(content).hexdigest()


def duplicate_of(session: Session, principal: Principal, kind: str, sha256: str) -> str | None:
    """The Chinese notice when this exact file was already imported and not undone, else None."""
    batch = session.scalar(
        select(ImportBatch)
        .where(
            ImportBatch.kind == kind,
            ImportBatch.sha256 == sha256,
            ImportBatch.undone_at.is_(None),
        )
        .order_by(ImportBatch.id.desc())
        .limit(1)
    )
    if batch is None:
        return None
    when = batch.created_at.strftime("%Y-%m-%d")
    mine = session.scalar(
        select(ImportBatch.id).where(ImportBatch.id == batch.id, import_batch_scope(principal))
    )
    who = batch.username if mine is not None else "其他用户"
    return f"该文件已于 {when} 由 {who} 导入，批次 #{batch.id}"


def submit_import(
    session: Session,
    principal: Principal,
    spec: ImportKind,
    content: bytes,
    filename: str,
    dry_run: bool,
    confirm_duplicate: bool = False,
) -> int:
    """Check for a repeated file, then queue an import job and return its id.

    Raises Conflict (409) naming the earlier batch when the file was imported before and the user
    has not confirmed a second import; a dry run is never refused.
    """
    sha = sha256_of(content)
    if not dry_run and not confirm_duplicate:
        notice = duplicate_of(session, principal, spec.code, sha)
        if notice:
            raise Conflict(f"{notice}。如确需再次导入，请确认重复导入后重新提交。")
    verb = "试导入" if dry_run else "导入"
    return jobs.create(
        principal,
        f"import:{spec.code}",
        f"{verb}{spec.label}“{filename}”",
        filename=filename,
        sha256=sha,
        dry_run=dry_run,
    )


def run_import_job(
    job_id: int,
    principal: Principal,
    spec: ImportKind,
    content: bytes,
    filename: str,
    dry_run: bool,
    listeners: tuple[Callable[[jobs.Progress], None], ...] = (),
    **options: Any,
) -> dict[str, Any]:
    """Run a queued import job to its end (a dry run does not wait for the writer lock).

    `options` go to the import (ignore_columns, percent_as_fraction) where it accepts them.
    """

    def work(session: Session) -> Any:
        return spec.run_import(session, principal, content, filename, dry_run, **options)

    final = jobs.execute(job_id, principal, work, writes=not dry_run, listeners=listeners)
    if final.get("state") == "rejected":
        _audit_rejected(job_id, principal, spec, filename, dry_run, final)
    return final


def _audit_rejected(
    job_id: int, principal: Principal, spec: ImportKind, filename: str, dry_run: bool, final: dict
) -> None:
    """Record a rejected import (its own transaction: the import's was rolled back)."""
    from kechuang.core import audit
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope

    bad = len((final.get("result") or {}).get("errors") or [])
    with session_scope() as session:
        bind_principal(session, principal)
        audit.record(
            session,
            "rejected",
            "jobs",
            job_id,
            f"{'试导入' if dry_run else '导入'}{spec.label}“{filename}”未通过校验（{bad} 处错误）",
        )
