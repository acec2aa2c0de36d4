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


class MeOut(BaseModel):
    """Who the token belongs to and what the role is bound to."""

    username: str
    display_name: str
    role: str
    role_label: str
    zone_id: int | None = Field(description="高新区管理员所属高新区")
    enterprise_id: int | None = Field(description="企业用户所属企业")


class UserIn(BaseModel):
    """A new user."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8)
    role: str
    display_name: str = ""
    zone_id: IdField | None = None
    enterprise_id: IdField | None = None


class UserOut(BaseModel):
    """A user without the password hash."""

    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    zone_id: int | None
    enterprise_id: int | None
    active: bool


class AuditEntryOut(BaseModel):
    """One audit entry: who did what to which object, with the values before and after."""

    id: int
    at: str = Field(description="时间（UTC，ISO 8601）")
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
