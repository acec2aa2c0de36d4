"""The audit trail: who did what, when, with the values before and after.

Every ORM write to a class marked `__audited__ = True` is recorded automatically at flush time, so
no service can forget it. Bulk writes that bypass the ORM (imports) call `record()` themselves with
one entry per import that names the batch, which in turn is stamped on every stored figure.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Integer, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from kechuang.core.db import Base, utcnow
from kechuang.core.security import SYSTEM, Principal

# Chinese names of audited tables; each domain declares its own in its manifest.
ENTITY_LABELS: dict[str, str] = {
    "audit_log": "审计日志",
    "jobs": "后台任务",
    "database": "数据库",
    "requests": "请求",
}
ACTION_LABELS = {
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "import": "导入",
    "login": "登录",
    "export": "导出",
    "undo": "撤销",
    "backup": "备份",
    "restore": "恢复",
    "approve": "审核通过",
    "reject": "驳回",
    "logout": "退出登录",
    "login_failed": "登录失败",
    "login_locked": "锁定期间尝试登录",
    "lockout": "登录锁定",
    "denied": "拒绝访问",
    "reset_password": "重置密码",
    "change_password": "修改密码",
    "rejected": "拒绝导入",
}


class AuditLog(Base):
    """One audited action."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


def bind_principal(session: Session, principal: Principal) -> Session:
    """Attach the acting principal to a session so that its writes are attributed."""
    session.info["principal"] = principal
    return session


def current_principal(session: Session) -> Principal:
    """The principal bound to the session (the system when none is)."""
    return session.info.get("principal", SYSTEM)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _row(
    principal: Principal,
    action: str,
    entity: str,
    entity_id: Any,
    summary: str,
    before: dict | None,
    after: dict | None,
) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "user_id": principal.user_id,
        "username": principal.username,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id or ""),
        "summary": summary[:500],
        "before": before,
        "after": after,
    }


def record(
    session: Session,
    action: str,
    entity: str,
    entity_id: Any = "",
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """Write one audit entry for the session's principal (for writes that bypass the ORM)."""
    session.execute(
        insert(AuditLog),
        [_row(current_principal(session), action, entity, entity_id, summary, before, after)],
    )


def _snapshot(obj: Any, side: str) -> dict[str, Any]:
    state = inspect(obj)
    excluded = getattr(obj, "__audit_exclude__", ())
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in excluded:
            continue
        hist = state.attrs[attr.key].history
        if side == "before":
            value = (
                hist.deleted[0] if hist.deleted else (hist.unchanged[0] if hist.unchanged else None)
            )
        else:
            value = (
                hist.added[0]
                if hist.added
                else (hist.unchanged[0] if hist.unchanged else getattr(obj, attr.key, None))
            )
        out[attr.key] = _jsonable(value)
    return out


def _changed_only(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


@event.listens_for(Session, "after_flush")
def _audit_after_flush(session: Session, _ctx: Any) -> None:
    principal = current_principal(session)
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            after = _snapshot(obj, "after")
            rows.append(
                _row(principal, "create", obj.__tablename__, _key(obj), _label(obj), None, after)
            )
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(
            obj, include_collections=False
        ):
            before, after = _changed_only(_snapshot(obj, "before"), _snapshot(obj, "after"))
            if after:
                rows.append(
                    _row(
                        principal,
                        "update",
                        obj.__tablename__,
                        _key(obj),
                        _label(obj),
                        before,
                        after,
                    )
                )
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            rows.append(
                _row(
                    principal,
                    "delete",
                    obj.__tablename__,
                    _key(obj),
                    _label(obj),
                    _snapshot(obj, "before"),
                    None,
                )
            )
    if rows:
        session.connection().execute(insert(AuditLog), rows)


def _key(obj: Any) -> str:
    # identity keys are assigned only after the flush finishes; the mapped key is there already
    return ",".join(str(v) for v in inspect(obj).mapper.primary_key_from_instance(obj))


def _label(obj: Any) -> str:
    for attr in ("name", "username", "code", "uscc"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    return ""
