"""Accounts: users, the password policy, login with throttling, sessions and tokens, the principal source."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kechuang.accounts.models import ApiToken, LoginFailure, User
from kechuang.core import audit
from kechuang.core.config import get_settings
from kechuang.core.db import utcnow
from kechuang.core.security import (
    BINDING_CHECKS,
    ROLES,
    Principal,
    SecurityError,
    hash_password,
    verify_password,
)

MIN_PASSWORD_LENGTH = 10


def principal_of(user: User) -> Principal:
    """The principal for a user row."""
    return Principal(
        user.id,
        user.username,
        user.role,
        user.zone_id,
        user.enterprise_id,
        user.display_name or user.username,
        must_change_password=bool(user.must_change_password),
        region_code=user.region_code,
        commissioner_id=user.commissioner_id,
    )


# ------------------------------------------------------------------ password policy


@lru_cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower-cased."""
    text = resources.files("kechuang.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def check_password_policy(password: str, username: str) -> None:
    """Raise SecurityError (Chinese) unless the password is long, uncommon and not the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SecurityError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    if password.strip().lower() == username.strip().lower():
        raise SecurityError("密码不能与用户名相同")
    if password.strip().lower() in common_passwords():
        raise SecurityError("密码过于常见，容易被猜中，请换一个")


# ------------------------------------------------------------------ users


def _check_region(session: Session, code: str | None) -> str:
    """A 6-digit 区县 code in the registry, or a 9-digit 乡镇 code inside one."""
    from kechuang.registry.models import Region

    code = (code or "").strip()
    if not code:
        raise SecurityError("该角色必须指定所属区县或乡镇（GB/T 2260 代码）")
    if not code.isdigit() or len(code) not in (6, 9):
        raise SecurityError(f"行政区划代码应为 6 位（区县）或 9 位（乡镇）数字：{code}")
    if session.get(Region, code[:6]) is None:
        raise SecurityError(f"区县不存在：{code[:6]}")
    return code


def _check_binding(
    session: Session,
    role: str,
    zone_id: int | None,
    enterprise_id: int | None,
    region_code: str | None = None,
    commissioner_id: int | None = None,
):
    from kechuang.registry.models import Enterprise, Zone

    if role not in ROLES:
        raise SecurityError(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    scope = ROLES[role].scope
    if scope == "zone":
        if zone_id is None:
            raise SecurityError("高新区管理员必须指定所属高新区")
        if session.get(Zone, zone_id) is None:
            raise SecurityError(f"高新区不存在：{zone_id}")
    if scope == "enterprise":
        if enterprise_id is None:
            raise SecurityError("企业用户必须指定所属企业")
        if session.get(Enterprise, enterprise_id) is None:
            raise SecurityError(f"企业不存在：{enterprise_id}")
    if scope == "region":
        region_code = _check_region(session, region_code)
    if scope == "commissioner":
        if commissioner_id is None:
            raise SecurityError("科技特派员账号必须指定对应的特派员编号")
        exists = BINDING_CHECKS.get("commissioner")
        if exists is not None and not exists(session, commissioner_id):
            raise SecurityError(f"特派员不存在：{commissioner_id}")
    return (
        zone_id if scope == "zone" else None,
        enterprise_id if scope == "enterprise" else None,
        region_code if scope == "region" else None,
        commissioner_id if scope == "commissioner" else None,
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
    enforce_policy: bool = True,
    region_code: str | None = None,
    commissioner_id: int | None = None,
) -> User:
    """Create a user after checking the role, its binding and the password policy; audited on flush.

    `enforce_policy=False` is for the demo loader only, whose published logins are weak on purpose.
    """
    username = username.strip()
    if not username:
        raise SecurityError("用户名不能为空")
    if enforce_policy:
        check_password_policy(password, username)
    zone_id, enterprise_id, region_code, commissioner_id = _check_binding(
        session, role, zone_id, enterprise_id, region_code, commissioner_id
    )
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise SecurityError(f"用户名已存在：{username}")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name or username,
        zone_id=zone_id,
        enterprise_id=enterprise_id,
        region_code=region_code,
        commissioner_id=commissioner_id,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User:
    """The user with this id (SecurityError when there is none)."""
    user = session.get(User, user_id)
    if user is None:
        from kechuang.core.errors import NotFound

        raise NotFound(f"用户不存在：{user_id}")
    return user


def user_by_name(session: Session, username: str) -> User:
    """The user with this username (SecurityError when there is none)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise SecurityError(f"用户不存在：{username}")
    return user


def revoke_sessions(session: Session, user: User, kind: str | None = None) -> None:
    """End every browser session and API token of the user (or only those of one kind)."""
    stmt = delete(ApiToken).where(ApiToken.user_id == user.id)
    if kind is not None:
        stmt = stmt.where(ApiToken.kind == kind)
    session.execute(stmt)


def update_user(
    session: Session,
    user: User,
    *,
    active: bool | None = None,
    role: str | None = None,
    zone_id: int | None = None,
    enterprise_id: int | None = None,
    display_name: str | None = None,
    acting: Principal | None = None,
    region_code: str | None = None,
    commissioner_id: int | None = None,
) -> User:
    """Deactivate/reactivate, re-role or re-scope a user; sessions end when access changes."""
    if (
        acting is not None
        and acting.user_id == user.id
        and (active is False or (role and role != user.role))
    ):
        raise SecurityError("不能停用自己或修改自己的角色")
    access_changed = False
    binding = (role, zone_id, enterprise_id, region_code, commissioner_id)
    if any(v is not None for v in binding):
        new_role = role or user.role
        z, e, r, c = _check_binding(
            session,
            new_role,
            zone_id if zone_id is not None else user.zone_id,
            enterprise_id if enterprise_id is not None else user.enterprise_id,
            region_code if region_code is not None else user.region_code,
            commissioner_id if commissioner_id is not None else user.commissioner_id,
        )
        old = (user.role, user.zone_id, user.enterprise_id, user.region_code, user.commissioner_id)
        access_changed = (new_role, z, e, r, c) != old
        user.role, user.zone_id, user.enterprise_id = new_role, z, e
        user.region_code, user.commissioner_id = r, c
    if active is not None and active != user.active:
        user.active = active
        access_changed = True
    if display_name is not None:
        user.display_name = display_name.strip() or user.username
    if access_changed:
        # a token carries the old role and scope in nobody's memory, but end it anyway: the
        # person must log in again to see what the new access shows
        revoke_sessions(session, user)
    session.flush()
    return user


def reset_password(session: Session, user: User) -> str:
    """Give the user a one-time password (returned once) that must be changed at the next login."""
    temporary = secrets.token_urlsafe(9)  # 12 characters, never a common password
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    revoke_sessions(session, user)
    session.flush()
    audit.record(session, "reset_password", "users", user.id, f"重置 {user.username} 的密码")
    return temporary


def change_password(session: Session, user: User, old: str, new: str) -> None:
    """Change one's own password: the old one is checked, the new one must pass the policy."""
    if not verify_password(user.password_hash, old):
        raise SecurityError("原密码不正确")
    if new == old:
        raise SecurityError("新密码不能与原密码相同")
    set_password(session, user, new)


def set_password(session: Session, user: User, new: str) -> None:
    """Set a password chosen by a person (policy checked); clears the forced change."""
    check_password_policy(new, user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    session.flush()
    audit.record(session, "change_password", "users", user.id, f"{user.username} 的密码已修改")


# ------------------------------------------------------------------ login and throttling

# verified when the username is unknown, so that an unknown name costs the same argon2 work
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


@dataclass
class LoginOutcome:
    """The user on success, else the Chinese message to show."""

    user: User | None
    message: str = ""


BAD_CREDENTIALS = "用户名或密码错误"


def _locked_message(minutes: int) -> str:
    return f"登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试"


def _failures_since(session: Session, column, value: str, since: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(column == value, LoginFailure.at >= since)
        )
        or 0
    )


def _locked(session: Session, username: str, address: str) -> bool:
    s = get_settings()
    # a lock lasts lock_minutes after the failure that reached the limit: counting the failures
    # within window + lock minutes keeps it until the limit-reaching failure ages out
    since = utcnow() - timedelta(minutes=max(s.login_window_minutes, s.login_lock_minutes))
    if _failures_since(session, LoginFailure.username, username, since) >= s.login_max_failures:
        return True
    return bool(address) and (
        _failures_since(session, LoginFailure.address, address, since)
        >= s.login_max_failures_per_address
    )


def attempt_login(
    session: Session, username: str, password: str, address: str = ""
) -> LoginOutcome:
    """Check a login; failures and lockouts are recorded and audited in the caller's transaction.

    The caller must commit even on failure (return an error response rather than raise).
    """
    from kechuang.core.audit import bind_principal

    username = (username or "").strip()[:64]
    address = (address or "")[:64]
    user = session.scalar(select(User).where(User.username == username))
    # argon2 work is done in every case, so neither timing nor the message tells a known name
    valid = verify_password(user.password_hash if user is not None else _DUMMY_HASH, password)
    s = get_settings()
    if _locked(session, username, address):
        _audit_anon(
            session, user, username, "login_locked", f"{username} 在锁定期间尝试登录（{address}）"
        )
        return LoginOutcome(None, _locked_message(s.login_lock_minutes))
    if user is not None and valid and user.active:
        session.execute(delete(LoginFailure).where(LoginFailure.username == username))
        bind_principal(session, principal_of(user))
        return LoginOutcome(user)
    session.add(LoginFailure(username=username, address=address))
    session.flush()
    reason = "账户已停用" if user is not None and valid else "密码错误" if user else "用户名不存在"
    _audit_anon(
        session, user, username, "login_failed", f"{username} 登录失败：{reason}（{address}）"
    )
    if _locked(session, username, address):
        _audit_anon(
            session,
            user,
            username,
            "lockout",
            f"{username} 连续登录失败，锁定 {s.login_lock_minutes} 分钟（{address}）",
        )
        return LoginOutcome(None, _locked_message(s.login_lock_minutes))
    return LoginOutcome(None, BAD_CREDENTIALS)


def _audit_anon(session: Session, user: User | None, username: str, action: str, summary: str):
    from kechuang.core.audit import bind_principal, current_principal

    previous = current_principal(session)
    bind_principal(session, Principal(None, username or "?", "none", display_name="未登录"))
    audit.record(session, action, "users", user.id if user is not None else "", summary)
    bind_principal(session, previous)


def authenticate(session: Session, username: str, password: str, address: str = "") -> User | None:
    """The active user with this username and password, or None (failures are throttled)."""
    return attempt_login(session, username, password, address).user


# ------------------------------------------------------------------ tokens and browser sessions


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, kind: str = "api") -> tuple[str, datetime]:
    """Create a new token (a bearer token, or a browser session's); returns it (shown once) and its expiry."""
    s = get_settings()
    hours = s.token_hours if kind == "api" else s.session_max_hours
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(hours=min(hours, s.session_max_hours))
    session.add(
        ApiToken(
            token_sha256=_token_digest(token),
            user_id=user.id,
            expires_at=expires,
            kind=kind,
            last_used_at=now,
        )
    )
    session.flush()
    return token, expires


def revoke_token(session: Session, token: str) -> None:
    """End one session or token (logout)."""
    session.execute(delete(ApiToken).where(ApiToken.token_sha256 == _token_digest(token)))


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value  # SQLite: naive


def user_for_token(session: Session, token: str) -> User | None:
    """The active user owning a token that is neither expired nor idle too long, or None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _token_digest(token)))
    if row is None:
        return None
    now = utcnow()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if _aware(row.expires_at) < now or _aware(row.last_used_at) + idle < now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if now - _aware(row.last_used_at) > timedelta(seconds=60):
        row.last_used_at = now  # at most one write a minute per session
        session.flush()
    return user


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

    def end_session(self, session: Session, token: str) -> None:
        """Revoke a browser session's token (logout)."""
        user = user_for_token(session, token)
        revoke_token(session, token)
        if user is not None:
            from kechuang.core.audit import bind_principal

            bind_principal(session, principal_of(user))
            audit.record(session, "logout", "users", user.id, f"{user.username} 退出网页")


def install() -> None:
    """Make the accounts tables the platform's source of principals."""
    from kechuang.core.security import set_principal_source

    set_principal_source(AccountPrincipals())
