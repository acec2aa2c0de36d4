"""The audit log as the city admin reads it: pages of rows sorted on the server, and its Excel
export. Kept apart from the page module so that services and tests can use it without
registering pages."""

from __future__ import annotations

import polars as pl
from sqlalchemy import func, select

from kechuang.accounts.api import audit_query
from kechuang.core import audit
from kechuang.core.audit import AuditLog
from kechuang.core.db import session_scope
from kechuang.core.excel import Column, write_sheets
from kechuang.core.formatting import local_time
from kechuang.core.security import actor_label
from kechuang.core.tables import sort_order

# the audit columns a reader may sort by; time sorts by id (ids follow the time of writing)
AUDIT_SORTS = {
    "at": AuditLog.id,
    "username": AuditLog.username,
    "action": AuditLog.action,
    "entity": AuditLog.entity,
}


def audit_rows(
    filters: dict,
    page: int,
    page_size: int,
    sort: str | None = "at",
    descending: bool = True,
) -> tuple[list[dict], int]:
    """One page of the audit log (filtered as audit_query takes them), sorted by a whitelisted column."""
    order = sort_order(AUDIT_SORTS, sort, descending, AuditLog.id.desc(), "at")
    with session_scope() as session:
        stmt = audit_query(**filters)
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = []
        for a in session.scalars(
            stmt.order_by(*order).offset((max(1, page) - 1) * page_size).limit(page_size)
        ):
            rows.append(
                {
                    "id": a.id,
                    "at": local_time(a.at).strftime("%Y-%m-%d %H:%M:%S"),
                    "username": actor_label(a.username),
                    "action": audit.ACTION_LABELS.get(a.action, a.action),
                    "entity": audit.ENTITY_LABELS.get(a.entity, a.entity),
                    "entity_id": a.entity_id,
                    "summary": a.summary,
                    "change": audit.change_text(a.before, a.after),
                }
            )
        return rows, total


AUDIT_COLUMNS = (
    Column("at", "时间(北京时间)"),
    Column("username", "操作人"),
    Column("action", "操作"),
    Column("entity", "对象"),
    Column("entity_id", "编号"),
    Column("summary", "摘要"),
    Column("change", "变更"),
)


def audit_export(filters: dict) -> bytes:
    """The filtered audit log as an Excel export (at most 100,000 rows)."""
    rows, _ = audit_rows(filters, 1, 100_000)
    frame = pl.DataFrame(rows, schema={c.code: pl.String for c in AUDIT_COLUMNS} | {"id": pl.Int64})
    labels = {"entity": "对象", "action": "操作", "username": "操作人", "entity_id": "编号"}
    labels |= {"date_from": "起始日期", "date_to": "截止日期"}
    chosen = "；".join(
        f"{labels.get(k, k)}：{v}" for k, v in filters.items() if v not in (None, "")
    )
    return write_sheets(
        [("审计日志", AUDIT_COLUMNS, frame)],
        [f"筛选条件：{chosen or '无'}", f"共 {frame.height} 条（最多导出 100,000 条）。"],
        title="审计日志",
        scope="全平台",
        sources=["本平台审计日志（每次写入由系统自动记录）"],
    )
