"""Who may read and write the 重点攻关 domain's objects.

- 市科技局 (city_admin): everything; runs calls, review, decisions, 公示 and projects.
- 项目申报单位 (applicant, scope 'own'): the applications the user created.
- 评审专家 (expert, scope 'own', the user is linked to one expert record): only the applications
  assigned to him and not recused, and his own assignments and scores.
- 发榜方 (challenge_owner, scope 'own'): his own challenges and the 揭榜 applications to them.
- every other role: nothing (RoleError, 403). Out-of-scope objects raise ScopeError (404).

Calls that are open or closed are public to every role of the domain; 公示 pages need no login.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from kechuang.core.scope import RoleError
from kechuang.core.security import Principal
from kechuang.programs import APPLICANT, CHALLENGE_OWNER, DOMAIN_ROLES, EXPERT
from kechuang.programs.models import Application, Assignment, Call, Challenge, Expert


def require_domain_role(principal: Principal) -> None:
    """Refuse roles that have nothing to do with programmes (403)."""
    if principal.role not in DOMAIN_ROLES:
        raise RoleError("该账号无权使用重点攻关项目功能")


def require_role(principal: Principal, roles: tuple[str, ...], what: str) -> None:
    """Refuse a role that may not do `what` (403, Chinese)."""
    require_domain_role(principal)
    if principal.role not in roles:
        raise RoleError(f"{principal.role_label}无权{what}")


def expert_of(session: Session, principal: Principal) -> Expert | None:
    """The expert record an expert account acts as (None for others or an unlinked account)."""
    if principal.role != EXPERT or principal.user_id is None:
        return None
    return session.scalars(select(Expert).where(Expert.user_id == principal.user_id)).first()


def _own_challenges(principal: Principal):
    return select(Challenge.id).where(Challenge.owner_user_id == principal.user_id)


def application_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the applications the principal may see."""
    require_domain_role(principal)
    if principal.scope == "all":
        return true()
    if principal.user_id is None:
        return false()
    if principal.role == APPLICANT:
        return Application.applicant_user_id == principal.user_id
    if principal.role == EXPERT:
        return Application.id.in_(
            select(Assignment.application_id)
            .join(Expert, Expert.id == Assignment.expert_id)
            .where(Expert.user_id == principal.user_id, Assignment.state != "recused")
        )
    if principal.role == CHALLENGE_OWNER:
        return Application.call_id.in_(
            select(Call.id).where(Call.challenge_id.in_(_own_challenges(principal)))
        )
    return false()


def challenge_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the challenges the principal may see (published ones are public)."""
    require_domain_role(principal)
    if principal.scope == "all":
        return true()
    if principal.role == CHALLENGE_OWNER:
        return (Challenge.owner_user_id == principal.user_id) | (
            Challenge.state.in_(("published", "closed"))
        )
    return Challenge.state.in_(("published", "closed"))


def call_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the calls the principal may see (unpublished: the bureau only)."""
    require_domain_role(principal)
    if principal.scope == "all":
        return true()
    return Call.state != "draft"


def assignment_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the review assignments the principal may see."""
    require_domain_role(principal)
    if principal.scope == "all":
        return true()
    if principal.role == EXPERT and principal.user_id is not None:
        return Assignment.expert_id.in_(
            select(Expert.id).where(Expert.user_id == principal.user_id)
        )
    return false()
