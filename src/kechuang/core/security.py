"""Users, roles, passwords, tokens and the principal that every query is scoped by."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kechuang.core.config import get_settings
from kechuang.core.db import Base, utcnow


@dataclass(frozen=True)
class Role:
    """A role: its code, Chinese label and what it is scoped to ('all', 'zone', 'enterprise', 'none')."""

    code: str
    label: str
    scope: str


ROLES: dict[str, Role] = {}


def register_role(code: str, label: str, scope: str) -> Role:
    """Add a role (later capabilities register theirs, e.g. bank_viewer)."""
    if scope not in {"all", "zone", "enterprise", "none"}:
        raise ValueError(f"unknown scope {scope}")
    ROLES[code] = Role(code, label, scope)
    return ROLES[code]


register_role("city_admin", "市科技局管理员", "all")
register_role("zone_admin", "高新区管理员", "zone")
register_role("enterprise_user", "企业用户", "enterprise")


class User(Base):
    """A person who logs in; zone_admin users carry a zone, enterprise users an enterprise."""

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
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


@dataclass(frozen=True)
class Principal:
    """Who is acting: the user, role and the zone or enterprise the role is bound to."""

    user_id: int | None
    username: str
    role: str
    zone_id: int | None = None
    enterprise_id: int | None = None
    display_name: str = ""

    @property
    def scope(self) -> str:
        """The scope kind of the principal's role."""
        role = ROLES.get(self.role)
        return role.scope if role else "none"

    @property
    def is_city_admin(self) -> bool:
        """True for the bureau's administrators, who see everything."""
        return self.role == "city_admin"

    @property
    def role_label(self) -> str:
        """The Chinese name of the role."""
        role = ROLES.get(self.role)
        return role.label if role else self.role


SYSTEM = Principal(user_id=None, username="system", role="city_admin", display_name="系统")

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the stored argon2 hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class SecurityError(ValueError):
    """A user-facing security or account error (message in Chinese)."""


def principal_of(user: User) -> Principal:
    """The principal for a user row."""
    return Principal(
        user.id,
        user.username,
        user.role,
        user.zone_id,
        user.enterprise_id,
        user.display_name or user.username,
    )


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    zone_id: int | None = None,
    enterprise_id: int | None = None,
) -> User:
    """Create a user after checking the role and its binding; the write is audited on flush."""
    username = username.strip()
    if not username:
        raise SecurityError("用户名不能为空")
    if role not in ROLES:
        raise SecurityError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if len(password) < 8:
        raise SecurityError("密码至少 8 位")
    scope = ROLES[role].scope
    if scope == "zone" and zone_id is None:
        raise SecurityError("高新区管理员必须指定所属高新区")
    if scope == "enterprise" and enterprise_id is None:
        raise SecurityError("企业用户必须指定所属企业")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise SecurityError(f"用户名已存在：{username}")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name or username,
        zone_id=zone_id if scope == "zone" else None,
        enterprise_id=enterprise_id if scope == "enterprise" else None,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not verify_password(user.password_hash, password):
        return None
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User) -> tuple[str, datetime]:
    """Create a bearer token for the user; returns the token (shown once) and its expiry."""
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=get_settings().token_hours)
    session.add(ApiToken(token_sha256=_token_digest(token), user_id=user.id, expires_at=expires))
    session.flush()
    return token, expires


def user_for_token(session: Session, token: str) -> User | None:
    """The active user owning an unexpired token, or None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _token_digest(token)))
    if row is None:
        return None
    expires = row.expires_at
    if expires.tzinfo is None:  # SQLite returns naive datetimes
        from datetime import UTC

        expires = expires.replace(tzinfo=UTC)
    if expires < utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None
