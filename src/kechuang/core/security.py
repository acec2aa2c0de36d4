"""Roles, the principal that every query is scoped by, passwords, and the hook that finds principals.

Users and tokens are the accounts domain's objects; core only knows the `PrincipalSource` that the
accounts domain installs, so the mechanism never imports a domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Role:
    """A role: its code, Chinese label and what it is scoped to (one of SCOPE_KINDS)."""

    code: str
    label: str
    scope: str


ROLES: dict[str, Role] = {}

# What a role can be bound to: everything, one zone, one enterprise, one administrative region
# (a GB/T 2260 区县 code, or a 9-digit 乡镇 code), one commissioner record, the user's own objects
# (those the user created or is a party to), or nothing.
SCOPE_KINDS = frozenset({"all", "zone", "enterprise", "region", "commissioner", "own", "none"})


# Checks that a binding names an existing object, for binding kinds whose objects belong to a
# domain (e.g. a commissioner record): scope kind → check(session, id) → True when it exists.
BINDING_CHECKS: dict[str, Callable[[Session, int], bool]] = {}


def register_binding_check(scope: str, check: Callable[[Session, int], bool]) -> None:
    """Let a domain say whether a bound id exists (accounts refuse a binding to nothing)."""
    BINDING_CHECKS[scope] = check


def register_role(code: str, label: str, scope: str) -> Role:
    """Add a role (domains declare theirs in their manifests, e.g. bank_viewer)."""
    if scope not in SCOPE_KINDS:
        raise ValueError(f"unknown scope {scope}")
    ROLES[code] = Role(code, label, scope)
    return ROLES[code]


register_role("city_admin", "市科技局管理员", "all")
register_role("zone_admin", "高新区管理员", "zone")
register_role("enterprise_user", "企业用户", "enterprise")


@dataclass(frozen=True)
class Principal:
    """Who is acting: the user, role and the zone, enterprise, region or commissioner it is bound to."""

    user_id: int | None
    username: str
    role: str
    zone_id: int | None = None
    enterprise_id: int | None = None
    display_name: str = ""
    # a reset password must be replaced before the principal may do anything else
    must_change_password: bool = False
    # GB/T 2260 code of the 区县 (6 digits) or 乡镇 (9 digits) a 'region' role is bound to
    region_code: str | None = None
    # the commissioner record a 'commissioner' role acts as
    commissioner_id: int | None = None

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


def actor_label(username: str | None) -> str:
    """Who did something, for a page: an account's user name, or 系统 for the platform itself."""
    return SYSTEM.display_name if username in (None, "", SYSTEM.username) else username


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


class PrincipalSource(Protocol):
    """Finds the principal behind a token, a browser session's user id or a username."""

    def by_token(self, session: Session, token: str) -> Principal | None:
        """The principal of an unexpired token of an active user."""

    def by_user_id(self, session: Session, user_id: int) -> Principal | None:
        """The principal of an active user."""

    def by_username(self, session: Session, username: str) -> Principal | None:
        """The principal of a user by name (command-line use)."""


_source: PrincipalSource | None = None


def set_principal_source(source: PrincipalSource) -> None:
    """Install the principal source (the accounts domain does, when the domains are installed)."""
    global _source
    _source = source


def principal_source() -> PrincipalSource:
    """The installed principal source."""
    if _source is None:
        raise RuntimeError("no principal source installed: call kechuang.domains.install() first")
    return _source
