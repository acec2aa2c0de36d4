"""API routes for accounts: login tokens, the current user, users and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import func, select

from kechuang.accounts.models import User
from kechuang.accounts.schemas import AuditPage, MeOut, TokenOut, UserIn, UserOut
from kechuang.accounts.service import authenticate, create_user, issue_token, principal_of
from kechuang.core import audit
from kechuang.core.audit import AuditLog, bind_principal
from kechuang.core.errors import Unprocessable
from kechuang.core.responses import ERROR_RESPONSES
from kechuang.core.security import ROLES
from kechuang.core.web import CityAdmin, CurrentPrincipal, DbSession, Page
from kechuang.registry.models import Enterprise, Zone

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)


@router.post("/auth/token", tags=["平台"], summary="登录并获取令牌", response_model=TokenOut)
def token(session: DbSession, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
    """Exchange a username and password for a bearer token."""
    user = authenticate(session, form.username, form.password)
    if user is None:
        raise HTTPException(401, "用户名或密码错误")
    bind_principal(session, principal_of(user))
    value, expires = issue_token(session, user)
    audit.record(session, "login", "users", user.id, f"{user.username} 通过 API 登录")
    return TokenOut(access_token=value, expires_at=expires)


@router.get("/me", tags=["平台"], summary="当前用户", response_model=MeOut)
def me(principal: CurrentPrincipal) -> dict[str, Any]:
    """Who the token belongs to and what the role may see."""
    return {
        "username": principal.username,
        "display_name": principal.display_name,
        "role": principal.role,
        "role_label": principal.role_label,
        "zone_id": principal.zone_id,
        "enterprise_id": principal.enterprise_id,
    }


def user_dict(user: User) -> dict[str, Any]:
    """A user without the password hash."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": ROLES[user.role].label if user.role in ROLES else "",
        "zone_id": user.zone_id,
        "enterprise_id": user.enterprise_id,
        "active": user.active,
    }


@router.get("/users", tags=["平台"], summary="用户列表（市科技局）", response_model=list[UserOut])
def list_users(session: DbSession, _admin: CityAdmin) -> list[dict[str, Any]]:
    """All users."""
    return [user_dict(u) for u in session.scalars(select(User).order_by(User.id))]


@router.post(
    "/users",
    tags=["平台"],
    summary="新增用户（市科技局）",
    status_code=201,
    response_model=UserOut,
)
def add_user(session: DbSession, _admin: CityAdmin, body: UserIn) -> dict[str, Any]:
    """Create a user; audited. 422 when the zone or enterprise it is bound to does not exist."""
    for field, model, label in (("zone_id", Zone, "高新区"), ("enterprise_id", Enterprise, "企业")):
        ref = getattr(body, field)
        if ref is not None and session.get(model, ref) is None:
            message = f"{label} #{ref} 不存在"
            raise Unprocessable(message, [{"field": field, "message": message}])
    return user_dict(create_user(session, **body.model_dump()))


@router.get("/audit", tags=["平台"], summary="审计日志（市科技局）", response_model=AuditPage)
def audit_log(
    session: DbSession,
    _admin: CityAdmin,
    entity: str | None = None,
    username: str | None = None,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """Audit entries, newest first, optionally by entity or user."""
    stmt = select(AuditLog)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    if username:
        stmt = stmt.where(AuditLog.username == username)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(
        stmt.order_by(AuditLog.id.desc()).offset((page - 1) * page_size).limit(page_size)
    )
    return {"total": total, "items": [audit_entry(a) for a in rows]}


def audit_entry(a: AuditLog) -> dict[str, Any]:
    """An audit entry as JSON."""
    return {
        "id": a.id,
        "at": a.at.isoformat(),
        "username": a.username,
        "action": a.action,
        "action_label": audit.ACTION_LABELS.get(a.action, a.action),
        "entity": a.entity,
        "entity_label": audit.ENTITY_LABELS.get(a.entity, a.entity),
        "entity_id": a.entity_id,
        "summary": a.summary,
        "before": a.before,
        "after": a.after,
    }
