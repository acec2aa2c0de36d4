"""Accounts: creating users, passwords, login and bearer tokens, and the principal source."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts.models import ApiToken, User
from kechuang.core.config import get_settings
from kechuang.core.db import utcnow
from kechuang.core.security import ROLES, Principal, SecurityError, hash_password, verify_password


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
        expires = expires.replace(tzinfo=UTC)
    if expires < utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


class AccountPrincipals:
    """The principal source backed by the users and tokens tables."""

    def by_token(self, session: Session, token: str) -> Principal | None:
        """The principal of an unexpired token of an active user."""
        user = user_for_token(session, token)
        return principal_of(user) if user is not None else None

    def by_user_id(self, session: Session, user_id: int) -> Principal | None:
        """The principal of an active user."""
        user = session.scalar(select(User).where(User.id == user_id, User.active.is_(True)))
        return principal_of(user) if user is not None else None

    def by_username(self, session: Session, username: str) -> Principal | None:
        """The principal of a user by name."""
        user = session.scalar(select(User).where(User.username == username))
        return principal_of(user) if user is not None else None


def install() -> None:
    """Make the accounts tables the platform's source of principals."""
    from kechuang.core.security import set_principal_source

    set_principal_source(AccountPrincipals())
