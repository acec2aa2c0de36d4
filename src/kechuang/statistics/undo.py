"""Undoing a finished import as one audited step.

An import never overwrites: it adds revisions and moves the `is_current` flag. Undoing it retires
its revisions (they stay readable, marked with the undone batch) and makes the revision before each
of them current again. It is refused when a later import that still stands changed the same rows:
undoing underneath it would silently bring back figures that import replaced.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kechuang.core import audit
from kechuang.core.db import utcnow
from kechuang.core.errors import Conflict, NotFound, Unprocessable
from kechuang.core.security import Principal
from kechuang.registry.models import Enterprise, Zone
from kechuang.statistics.history import registry_changes_of_import, revert_enterprise_import
from kechuang.statistics.models import EnterpriseYear, ImportBatch, Submission, ZoneYear
from kechuang.statistics.scope import import_batch_scope
from kechuang.statistics.templates import kind_label

# The figures each import kind stores, keyed by what one revision chain is about.
_REVISED = {
    "enterprise_years": (EnterpriseYear, ("enterprise_id", "year")),
    "zone_years": (ZoneYear, ("zone_id", "year", "indicator_code")),
}


def get_batch(session: Session, principal: Principal, batch_id: int) -> ImportBatch:
    """An import batch the principal may see (its own, or any for the city admin); 404 otherwise."""
    batch = session.scalar(
        select(ImportBatch).where(ImportBatch.id == batch_id, import_batch_scope(principal))
    )
    if batch is None:
        raise NotFound(f"导入批次 #{batch_id} 不存在")
    return batch


def undo_import(session: Session, principal: Principal, batch_id: int) -> dict[str, Any]:
    """Undo an import: retire its revisions and bring back the previous ones (all or nothing)."""
    batch = get_batch(session, principal, batch_id)
    if batch.undone_at is not None:
        when = batch.undone_at.strftime("%Y-%m-%d %H:%M")
        raise Conflict(f"导入批次 #{batch.id} 已于 {when} 由 {batch.undone_by} 撤销")
    if batch.kind == "enterprises":
        restored, retired = _undo_enterprises(session, batch)
    elif batch.kind in _REVISED:
        model, keys = _REVISED[batch.kind]
        restored, retired = _undo_revisions(session, batch, model, list(keys))
    else:
        raise Unprocessable(f"{kind_label(batch.kind)}的导入不支持撤销")
    batch.undone_at = utcnow()
    batch.undone_by = principal.username
    session.flush()
    summary = (
        f"撤销导入批次 #{batch.id}（{kind_label(batch.kind)}“{batch.filename}”）："
        f"{retired} 条记录撤回，其中 {restored} 条恢复为导入前的版本"
    )
    audit.record(
        session,
        "undo",
        "import_batches",
        batch.id,
        summary,
        before={"undone": False},
        after={"undone": True, "retired": retired, "restored": restored},
    )
    return {"import_id": batch.id, "retired": retired, "restored": restored, "message": summary}


def _frame(rows: list[Any], names: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        [tuple(r) for r in rows], schema=names, orient="row", infer_schema_length=None
    )


def _undo_revisions(
    session: Session, batch: ImportBatch, model: type, keys: list[str]
) -> tuple[int, int]:
    cols = [getattr(model, k) for k in keys]
    mine = _frame(
        session.execute(
            select(model.id, *cols, model.revision).where(model.import_id == batch.id)
        ).all(),
        ["id", *keys, "revision"],
    )
    withdrawn = 0
    if model is EnterpriseYear:
        mine, withdrawn = _withdraw_submissions(session, batch, mine)
    if mine.is_empty():
        return 0, withdrawn
    first = keys[0]
    ids = mine.get_column(first).unique().to_list()
    found: list[Any] = []
    for start in range(0, len(ids), 1000):
        stmt = (
            select(model.id, *cols, model.revision, model.import_id, ImportBatch.undone_at)
            .outerjoin(ImportBatch, ImportBatch.id == model.import_id)
            .where(getattr(model, first).in_(ids[start : start + 1000]))
        )
        if model is EnterpriseYear:
            # a pending, rejected or withdrawn submission was never current: not part of the chain
            stmt = stmt.outerjoin(Submission, Submission.enterprise_year_id == model.id).where(
                (Submission.id.is_(None)) | (Submission.status == "approved")
            )
        found += session.execute(stmt).all()
    chain = _frame(found, ["o_id", *keys, "o_revision", "o_import", "o_undone"]).with_columns(
        pl.col("o_undone").is_not_null().alias("o_undone")
    )
    joined = mine.join(chain, on=keys)
    standing = joined.filter(~pl.col("o_undone") & (pl.col("o_import").ne_missing(batch.id)))
    later = standing.filter(pl.col("o_revision") > pl.col("revision"))
    if not later.is_empty():
        raise Conflict(_later_message(session, batch, later, keys))
    previous = (
        standing.filter(pl.col("o_revision") < pl.col("revision"))
        .sort("o_revision")
        .group_by(keys)
        .last()
        .get_column("o_id")
        .to_list()
    )
    batch_ids = mine.get_column("id").to_list()
    for start in range(0, len(batch_ids), 1000):
        session.execute(
            update(model)
            .where(model.id.in_(batch_ids[start : start + 1000]))
            .values(is_current=False)
        )
    for start in range(0, len(previous), 1000):
        session.execute(
            update(model)
            .where(model.id.in_(previous[start : start + 1000]))
            .values(is_current=True)
        )
    return len(previous), len(batch_ids) + withdrawn


def _withdraw_submissions(
    session: Session, batch: ImportBatch, mine: pl.DataFrame
) -> tuple[pl.DataFrame, int]:
    """Withdraw the batch's submissions still awaiting review; the revisions that were never
    current (pending, rejected) leave the undo, which only moves approved ones."""
    unapproved = [
        r
        for (r,) in session.execute(
            select(Submission.enterprise_year_id).where(
                Submission.import_id == batch.id, Submission.status != "approved"
            )
        ).all()
    ]
    if not unapproved:
        return mine, 0
    withdrawn = session.execute(
        update(Submission)
        .where(Submission.import_id == batch.id, Submission.status == "pending")
        .values(status="withdrawn", reason="导入已撤销")
    ).rowcount
    return mine.filter(~pl.col("id").is_in(unapproved)), int(withdrawn or 0)


def _later_message(
    session: Session, batch: ImportBatch, later: pl.DataFrame, keys: list[str]
) -> str:
    """Name the later import and the first rows it changed, in words a clerk recognises."""
    sample = later.sort("o_import").head(3)
    later_id = int(sample.get_column("o_import")[0])
    names: list[str] = []
    for row in sample.iter_rows(named=True):
        if "enterprise_id" in row:
            ent = session.get(Enterprise, row["enterprise_id"])
            who = ent.name if ent else f"企业 {row['enterprise_id']}"
        else:
            zone = session.get(Zone, row["zone_id"])
            who = zone.name if zone else f"高新区 {row['zone_id']}"
        names.append(f"{who} {row['year']} 年")
    return (
        f"不能撤销导入批次 #{batch.id}：之后的导入批次 #{later_id} 又修改了同样的数据"
        f"（{'、'.join(names)}{'等' if later.height > 3 else ''}）。请先撤销批次 #{later_id}。"
    )


def _undo_enterprises(session: Session, batch: ImportBatch) -> tuple[int, int]:
    """Registry imports are undone from the registry revisions they recorded."""
    changes = registry_changes_of_import(session, batch.id)
    revert_enterprise_import(session, batch.id)
    updated = sum(1 for c in changes if c.action == "update")
    return updated, len(changes)
