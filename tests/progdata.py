"""Helpers for the 重点攻关 tests: valid call and application fields, and direct assignment and
scoring (the review engine's job, which these tests do not need)."""

from __future__ import annotations

from datetime import date

from factories import make_uscc

from kechuang.core.security import SYSTEM
from kechuang.programs import service as svc
from kechuang.programs.models import Assignment, Expert, Score

YEAR = 2026


def call_data(code: str, kind: str = "normal", **kw) -> dict:
    """A valid open call's fields."""
    return {
        "code": code,
        "year": YEAR,
        "kind": kind,
        "title": f"测试批次{code}",
        "directions": kw.pop("directions", ["HEALTH-NCD", "CARBON-CLEAN"]),
        "budget": kw.pop("budget", 200.0),
        "opens_on": date(2000, 1, 1),
        "closes_on": date(2100, 12, 31),
        "per_application": 2,
        "finance_required": False,
        **kw,
    }


def app_data(uscc: str, **kw) -> dict:
    """A valid application's fields."""
    return {
        "unit_name": kw.pop("unit_name", "测试申报单位"),
        "unit_uscc": uscc,
        "leader_name": "张三",
        "leader_id_no": kw.pop("leader_id_no", "321000198001010011"),
        "direction": kw.pop("direction", "HEALTH-NCD-TUMOR"),
        "title": kw.pop("title", "肿瘤早筛关键技术"),
        "keywords": ["肿瘤", "早筛"],
        "budget": kw.pop("budget", 100.0),
        **kw,
    }


def assign(session, app_id: int, expert: Expert) -> Assignment:
    """Assign an expert directly (the engine's job; these tests do not need it)."""
    a = Assignment(application_id=app_id, expert_id=expert.id, affinity=0.5, reason="测试")
    session.add(a)
    session.flush()
    return a


def score(session, a: Assignment, value: float) -> None:
    """Score an assignment directly."""
    session.add(
        Score(
            assignment_id=a.id, application_id=a.application_id, expert_id=a.expert_id, score=value
        )
    )
    a.state = "scored"
    session.flush()


def to_review(session, p, call, **kw):
    """An application by a1 submitted and passed to 专家评审."""
    app = svc.create_application(session, p["a1"], call.id, app_data(make_uscc(), **kw))
    svc.transition(session, p["a1"], app.id, "submit", "提交")
    if call.kind == "normal":
        svc.transition(session, SYSTEM, app.id, "start_form_review", "")
        svc.transition(session, SYSTEM, app.id, "form_pass", "")
    else:
        svc.transition(session, SYSTEM, app.id, "start_review", "")
    return app
