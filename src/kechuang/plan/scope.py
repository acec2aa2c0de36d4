"""Who may read and write the plan's objects.

- 市科技局 (city_admin): everything; loads plans, enters figures and milestone evidence, links
  targets across periods, creates tasks, reviews progress reports.
- 高新区管理员 (zone_admin): reads the plan, targets and tasks (city totals only where the zones
  domain's withholding rule allows); reports progress on tasks whose responsible unit is her zone's
  committee. Writing for another unit's task is out of scope (404).
- every other role: nothing (RoleError, 403).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from kechuang.core.scope import RoleError, ScopeError
from kechuang.core.security import Principal
from kechuang.plan import ADMIN_ROLES, PLAN_ROLES
from kechuang.plan.models import PlanTask, ProgressReport, TaskUnit


def require_reader(principal: Principal) -> None:
    """Refuse roles that have nothing to do with the plan (403)."""
    if principal.role not in PLAN_ROLES:
        raise RoleError("该账号无权查看规划管理")


def require_admin(principal: Principal, what: str) -> None:
    """Only the bureau may `what` (403, Chinese)."""
    require_reader(principal)
    if principal.role not in ADMIN_ROLES:
        raise RoleError(f"{principal.role_label}无权{what}")


def own_unit_ids(principal: Principal):
    """A subquery of the task units the principal reports for (her zone's committee)."""
    return select(TaskUnit.id).where(TaskUnit.zone_id == (principal.zone_id or -1))


def report_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the progress reports the principal may see: the bureau all, a zone
    admin those of her own units (other units' reports are theirs to show)."""
    require_reader(principal)
    if principal.role in ADMIN_ROLES:
        return true()
    return ProgressReport.unit_id.in_(own_unit_ids(principal))


def unit_for_report(session: Session, principal: Principal, task: PlanTask, unit_id: int | None):
    """The unit a principal reports for on a task: the bureau any unit of the task, a zone admin
    only her zone's (ScopeError otherwise)."""
    require_reader(principal)
    units = list(session.scalars(select(TaskUnit).where(TaskUnit.task_id == task.id)))
    if principal.role in ADMIN_ROLES:
        pick = [u for u in units if unit_id is None or u.id == unit_id]
    else:
        pick = [
            u
            for u in units
            if u.zone_id is not None
            and u.zone_id == principal.zone_id
            and (unit_id is None or u.id == unit_id)
        ]
    if not pick:
        raise ScopeError("该任务不存在或不由本单位负责")
    return pick[0]
