"""API routes for accounts: login tokens, the current user, users and the audit log."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, OAuth2PasswordRequestForm
from sqlalchemy import func, select

from kechuang.accounts.models import User
from kechuang.accounts.schemas import (
    AuditPage,
    DoneOut,
    MeOut,
    PasswordChangeIn,
    TemporaryPasswordOut,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from kechuang.accounts.service import (
    attempt_login,
    change_password,
    create_user,
    get_user,
    issue_token,
    reset_password,
    revoke_token,
    update_user,
)
from kechuang.core import audit, errors
from kechuang.core.audit import AuditLog
from kechuang.core.errors import Unprocessable
from kechuang.core.formatting import LOCAL_TZ, local_time
from kechuang.core.responses import ERROR_RESPONSES
from kechuang.core.security import ROLES
from kechuang.core.web import (
    CityAdmin,
    CurrentPrincipal,
    DbSession,
    Id,
    Page,
    _bearer,
    client_address,
)
from kechuang.registry.models import Enterprise, Zone

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

UserId = Id


@router.post("/auth/token", tags=["平台"], summary="登录并获取令牌", response_model=TokenOut)
def token(
    request: Request, session: DbSession, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Any:
    """Exchange a username and password for a bearer token (a new one at every login)."""
    outcome = attempt_login(session, form.username, form.password, client_address(request))
    if outcome.user is None:
        # answered, not raised: the failure and its audit entry must be committed
        return JSONResponse(
            errors.body(outcome.message), status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    user = outcome.user
    value, expires = issue_token(session, user)
    audit.record(session, "login", "users", user.id, f"{user.username} 通过 API 登录")
    return TokenOut(
        access_token=value, expires_at=expires, must_change_password=user.must_change_password
    )


@router.post("/auth/logout", tags=["平台"], summary="退出登录（令牌作废）", response_model=DoneOut)
def logout(
    session: DbSession,
    principal: CurrentPrincipal,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> DoneOut:
    """End the bearer token used for this request."""
    if creds is not None:
        revoke_token(session, creds.credentials)
    audit.record(session, "logout", "users", principal.user_id, f"{principal.username} 退出登录")
    return DoneOut(message="已退出登录，令牌已作废")


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
        "region_code": principal.region_code,
        "commissioner_id": principal.commissioner_id,
        "must_change_password": principal.must_change_password,
    }


@router.post("/me/password", tags=["平台"], summary="修改自己的密码", response_model=DoneOut)
def my_password(session: DbSession, principal: CurrentPrincipal, body: PasswordChangeIn) -> DoneOut:
    """Change one's own password (the old one is required; the new one must pass the policy)."""
    change_password(
        session, get_user(session, principal.user_id), body.old_password, body.new_password
    )
    return DoneOut(message="密码已修改")


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
        "region_code": user.region_code,
        "commissioner_id": user.commissioner_id,
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


@router.get(
    "/users/{user_id}", tags=["平台"], summary="用户详情（市科技局）", response_model=UserOut
)
def read_user(session: DbSession, _admin: CityAdmin, user_id: UserId) -> dict[str, Any]:
    """One user."""
    return user_dict(get_user(session, user_id))


@router.patch(
    "/users/{user_id}",
    tags=["平台"],
    summary="停用、启用、修改角色或范围（市科技局）",
    response_model=UserOut,
)
def patch_user(
    session: DbSession, admin: CityAdmin, user_id: UserId, body: UserPatch
) -> dict[str, Any]:
    """Deactivate or reactivate a user, change the role, zone or enterprise; sessions end."""
    user = get_user(session, user_id)
    return user_dict(
        update_user(session, user, acting=admin, **body.model_dump(exclude_unset=True))
    )


@router.post(
    "/users/{user_id}/reset-password",
    tags=["平台"],
    summary="重置密码（市科技局）",
    response_model=TemporaryPasswordOut,
)
def reset_user_password(
    session: DbSession, _admin: CityAdmin, user_id: UserId
) -> TemporaryPasswordOut:
    """A one-time password, shown once; the user must change it at the next login."""
    return TemporaryPasswordOut(
        temporary_password=reset_password(session, get_user(session, user_id))
    )


@router.get("/audit", tags=["平台"], summary="审计日志（市科技局）", response_model=AuditPage)
def audit_log(
    session: DbSession,
    _admin: CityAdmin,
    entity: Annotated[str | None, Query(max_length=64, description="对象（表名）")] = None,
    username: Annotated[str | None, Query(max_length=64, description="操作人")] = None,
    action: Annotated[
        str | None, Query(max_length=16, description="操作（如 login_failed）")
    ] = None,
    entity_id: Annotated[str | None, Query(max_length=64, description="对象编号")] = None,
    date_from: Annotated[date | None, Query(description="起始日期（北京时间，含）")] = None,
    date_to: Annotated[date | None, Query(description="截止日期（北京时间，含）")] = None,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """Audit entries, newest first, filtered by entity, user, action and local date range."""
    stmt = audit_query(entity, username, action, entity_id, date_from, date_to)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(
        stmt.order_by(AuditLog.id.desc()).offset((page - 1) * page_size).limit(page_size)
    )
    return {"total": total, "items": [audit_entry(a) for a in rows]}


def audit_query(
    entity: str | None = None,
    username: str | None = None,
    action: str | None = None,
    entity_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
):
    """The audit entries matching the filters (dates are days in Asia/Shanghai, both inclusive)."""
    stmt = select(AuditLog)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    if username:
        stmt = stmt.where(AuditLog.username == username)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if entity_id:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    if date_from:
        stmt = stmt.where(AuditLog.at >= _utc_start(date_from))
    if date_to:
        stmt = stmt.where(AuditLog.at < _utc_start(date_to + timedelta(days=1)))
    return stmt


def _utc_start(day: date) -> datetime:
    from datetime import UTC

    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)


def audit_entry(a: AuditLog) -> dict[str, Any]:
    """An audit entry as JSON."""
    return {
        "id": a.id,
        "at": local_time(a.at).isoformat(),
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
