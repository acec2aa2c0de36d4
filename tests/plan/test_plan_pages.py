"""Plan pages through NiceGUI's user simulation: the bureau sees targets with status chips and
enters a target value; a zone admin reports a quarter on her unit's task from the Gantt view and
the bureau's review queue lists it; other roles may not open the pages.

The /plan page computes every target's status on load; on a loaded 2-core machine that took more
than the 10 s that 100 retries wait, so the waits are generous (they cost nothing when it is fast)."""

from __future__ import annotations

import asyncio
from datetime import date

from nicegui import background_tasks
from nicegui.testing import User
from web import log_in

from kechuang.core.security import SYSTEM
from kechuang.plan import service
from kechuang.plan.models import PlanAction, ProgressReport


def _plan(session):
    service.load_shipped(session, SYSTEM)
    action = session.query(PlanAction).filter_by(code="五.2").one()
    task = service.create_task(
        session,
        SYSTEM,
        {"action_id": action.id, "title": "页面任务", "lead_unit": "扬州高新区管委会",
         "starts_on": date(2021, 1, 1), "due_on": date(2025, 12, 31)},
    )  # fmt: skip
    session.flush()
    return task


async def test_bureau_sees_targets_with_status(user: User, session, world) -> None:
    _plan(session)
    await log_in(user, "city")
    await user.open("/plan")
    await user.should_see("全市高新区营业收入", retries=600)
    await user.should_see("（五）2 推动高新区争先进位")
    await user.should_see(marker="target-zone_revenue_3000yi")
    await user.should_see(marker="plan-load")
    await user.should_see("目标待定")


async def test_zone_admin_reports_from_the_task_view(user: User, session, world) -> None:
    task = _plan(session)
    await log_in(user, "zone_yz")
    await user.open("/plan/tasks")
    await user.should_see("页面任务", retries=600)
    user.find(marker="task-report").click()
    await user.should_see("报送季度进展", retries=300)
    user.find("进展情况").type("页面报送的进展")
    user.find(marker="report-save").click()
    await user.should_see("已报送", retries=600)
    # the notice comes before the task list's refresh (a background task reading in a worker
    # thread) has finished; the test's page sessions share one connection, so opening the next page
    # while that thread still reads made their savepoints collide: let the refresh finish first
    for _ in range(600):
        if not any(t.get_name() == "refresh body" for t in background_tasks.running_tasks):
            break
        await asyncio.sleep(0.1)
    rep = session.query(ProgressReport).filter_by(task_id=task.id).one()
    assert rep.text == "页面报送的进展" and rep.state == "submitted"
    # a zone admin may not load plans or enter figures
    await user.open("/plan")
    await user.should_see("全市高新区营业收入", retries=600)
    await user.should_not_see(marker="plan-load")
    await user.should_not_see(marker="target-enter")


async def test_other_roles_may_not_open_the_plan(user: User, session, world) -> None:
    await log_in(user, "ent_b")
    await user.open("/plan")
    await user.should_see("无权访问此页面", retries=600)
