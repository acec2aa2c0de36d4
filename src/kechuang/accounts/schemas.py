"""Request and response models of the accounts API: tokens, the current user, users, audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from kechuang.core.web import IdField


class TokenOut(BaseModel):
    """A bearer token."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    must_change_password: bool = Field(
        False, description="密码已被重置：须先通过 POST /api/v1/me/password 修改密码"
    )


class MeOut(BaseModel):
    """Who the token belongs to and what the role is bound to."""

    username: str
    display_name: str
    role: str
    role_label: str
    zone_id: int | None = Field(description="高新区管理员所属高新区")
    enterprise_id: int | None = Field(description="企业用户所属企业")
    region_code: str | None = Field(None, description="区县管理员、村信息员所属区县或乡镇代码")
    commissioner_id: int | None = Field(None, description="科技特派员账号对应的特派员")
    must_change_password: bool = Field(False, description="须先修改密码")


class UserIn(BaseModel):
    """A new user (the password must pass the policy: ≥ 10 characters, not common, not the name)."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    role: str = Field(max_length=32)
    display_name: str = Field("", max_length=100)
    zone_id: IdField | None = None
    enterprise_id: IdField | None = None
    region_code: str | None = Field(None, pattern=r"^\d{6}(\d{3})?$", description="GB/T 2260 代码")
    commissioner_id: IdField | None = None


class UserPatch(BaseModel):
    """Changes to a user; fields left out stay as they are."""

    active: bool | None = Field(None, description="false 停用（令牌与会话立即失效），true 启用")
    role: str | None = Field(None, max_length=32)
    zone_id: IdField | None = None
    enterprise_id: IdField | None = None
    region_code: str | None = Field(None, pattern=r"^\d{6}(\d{3})?$", description="GB/T 2260 代码")
    commissioner_id: IdField | None = None
    display_name: str | None = Field(None, max_length=100)


class PasswordChangeIn(BaseModel):
    """Changing one's own password."""

    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class DoneOut(BaseModel):
    """An action that returns nothing but its outcome."""

    message: str


class TemporaryPasswordOut(BaseModel):
    """A one-time password: shown once, to be changed at the next login."""

    temporary_password: str


class UserOut(BaseModel):
    """A user without the password hash."""

    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    zone_id: int | None
    enterprise_id: int | None
    region_code: str | None = None
    commissioner_id: int | None = None
    active: bool


class AuditEntryOut(BaseModel):
    """One audit entry: who did what to which object, with the values before and after."""

    id: int
    at: str = Field(description="时间（北京时间，ISO 8601，带时区）")
    username: str
    action: str
    action_label: str
    entity: str
    entity_label: str
    entity_id: str
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(BaseModel):
    """A page of audit entries, newest first."""

    total: int
    items: list[AuditEntryOut]


class HealthOut(BaseModel):
    """Liveness and the database in use."""

    status: str
    version: str
    database: str
