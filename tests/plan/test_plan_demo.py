"""The demo plan: the 十四五 plan with milestone evidence, tasks of every §五/§六 action and their
quarterly progress 2021–2025, all flagged and labelled 演示数据, reproducible and seeded once."""

from __future__ import annotations

from kechuang.core.security import SYSTEM
from kechuang.plan import status
from kechuang.plan.demo import seed_demo
from kechuang.plan.models import MilestoneEvent, PlanPeriod, PlanTask, ProgressReport


def _snapshot(session):
    return sorted(
        (r.task_id, r.year, r.quarter, r.text, r.percent, r.state)
        for r in session.query(ProgressReport)
    )


def test_demo_plan_is_labelled_and_covers_every_action(session, city):
    summary = seed_demo(session)
    assert "14 项任务" in summary
    assert session.query(PlanPeriod).one().is_demo
    tasks = session.query(PlanTask).all()
    assert tasks and all(t.is_demo for t in tasks)
    reports = session.query(ProgressReport).all()
    assert {r.year for r in reports} == {2021, 2022, 2023, 2024, 2025}
    assert all(r.is_demo and r.text.startswith("演示数据") for r in reports)
    assert all(
        e.is_demo and e.evidence.startswith("演示数据") for e in session.query(MilestoneEvent)
    )
    rows = status.task_rows(session, SYSTEM, 2025)
    assert {r.section for r in rows} == {
        "（五）1",
        "（五）2",
        "（五）3",
        "（六）1",
        "（六）2",
        "（六）3",
        "（六）4",
    }
    assert any(r.overdue or r.at_risk for r in rows)
    # the 扬州高新区 committee leads tasks, so the demo zone admin has something to report on
    assert any(r.lead_unit == "扬州高新区管委会" for r in rows)
    targets = status.target_statuses(session, SYSTEM, 2025)
    assert len(targets) == 21 and all(t.status_label for t in targets)
    assert seed_demo(session) == "演示规划已存在"


def test_demo_plan_is_reproducible(session, city):
    seed_demo(session)
    first = _snapshot(session)
    session.rollback()
    # a second build from nothing gives the same reports (the test transaction undid the first)
    seed_demo(session)
    second = _snapshot(session)
    assert [x[1:] for x in first] == [x[1:] for x in second]
