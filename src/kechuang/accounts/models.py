"""Users and API tokens: the people who log in and their bearer tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.core.db import Base, utcnow


class User(Base):
    """A person who logs in; zone_admin users carry a zone, enterprise users an enterprise,
    region-scoped users (区县管理员, 村信息员) a GB/T 2260 code, commissioners their record's id."""

    __tablename__ = "users"
    __audited__ = True
    __audit_exclude__ = ("password_hash",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), nullable=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), nullable=True)
    # no foreign keys: a 乡镇 code is not in the regions table, and the commissioners table
    # belongs to a domain above this one (the commissioners domain checks the id it binds)
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    commissioner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # set by a password reset: the one-time password must be replaced before anything else
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class ApiToken(Base):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    # 'api' (bearer token) or 'web' (a browser login); both end after the idle timeout
    kind: Mapped[str] = mapped_column(String(8), default="api")
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginFailure(Base):
    """One failed login, kept for throttling by account and by client address."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), default="", index=True)
