"""The workflow's use of the review engine: assignment stored with affinity and reason,
infeasibility passed on, recusal draws a replacement excluding the recused expert, ranking and
funding line from the aggregate, and the demo reaching 公示."""

from __future__ import annotations

import pytest
from progdata import score, to_review
from sqlalchemy import func, select

from kechuang.core.security import SYSTEM
from kechuang.programs import service as svc
from kechuang.programs.models import Application, Assignment, Expert, Publicity


def _bank(session, n):
    from factories import make_uscc

    for i in range(n):
        session.add(
            Expert(
                code=f"W{i}",
                name=f"专家{i}",
                id_no=f"32100019600101{i:04d}",
                unit_uscc=make_uscc(600 + i),
                fields="肿瘤早筛",
                keywords=["肿瘤", "早筛"],
                max_load=3,
            )
        )
    session.flush()


def test_assign_recuse_rank_decide(session, pw):
    p, call = pw["p"], pw["call"]  # per_application = 2
    _bank(session, 3)
    apps = [to_review(session, p, call, title=f"项目{i}", budget=100) for i in range(2)]
    out = svc.assign_reviewers(session, SYSTEM, call.id)
    assert out == {"assigned": 4, "infeasible": []}
    a = session.scalars(select(Assignment).where(Assignment.application_id == apps[0].id)).first()
    assert a.reason and a.affinity is not None and a.affinity >= 0
    with pytest.raises(Exception, match="没有待分配专家"):
        svc.assign_reviewers(session, SYSTEM, call.id)  # already staffed
    res = svc.recuse(session, SYSTEM, a.id, "师生关系")
    assert res["replacement"]["assigned"] == 1
    new = session.scalars(
        select(Assignment).where(
            Assignment.application_id == apps[0].id, Assignment.state == "assigned"
        )
    ).all()
    assert a.expert_id not in {x.expert_id for x in new} and len(new) == 2
    for app, base in zip(apps, (70, 90), strict=True):
        for x in session.scalars(
            select(Assignment).where(
                Assignment.application_id == app.id, Assignment.state == "assigned"
            )
        ):
            score(session, x, base)
        svc.transition(session, SYSTEM, app.id, "review_done", "")
    data = svc.ranking(session, SYSTEM, call.id, budget=100)
    assert [r["title"] for r in data["rows"]] == ["项目1", "项目0"]
    assert [r["funded"] for r in data["rows"]] == [True, False] and data["line_score"] == 90
    assert data["rows"][0]["interval"] == (90, 90)
    wide = svc.ranking(session, SYSTEM, call.id, budget=200)
    assert all(r["funded"] for r in wide["rows"]) and wide["spent"] == 200
    pub = svc.decide(session, SYSTEM, call.id, [data["rows"][0]["application_id"]], 100)
    assert apps[1].state == "publicity" and apps[0].state == "rejected"
    assert pub.application_ids == [apps[1].id]


def test_infeasible_is_reported(session, pw):
    p, call = pw["p"], pw["call"]
    _bank(session, 1)
    call.per_application = 5  # three experts in the bank (two from the fixture)
    to_review(session, p, call)
    out = svc.assign_reviewers(session, SYSTEM, call.id)
    assert out["assigned"] == 0 and out["infeasible"] and "专家" in out["infeasible"][0]


def test_demo_reaches_publicity_with_an_engine(session):
    from kechuang.programs.demo import seed_demo

    message = seed_demo(session)
    assert "已完成评审、决策与公示" in message
    assert session.scalar(select(func.count(Publicity.id))) == 4
    assert (
        session.scalar(select(func.count(Application.id)).where(Application.state == "publicity"))
        > 0
    )
