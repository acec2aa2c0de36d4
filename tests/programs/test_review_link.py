"""The workflow through the real review engine.

review_link passes the database's applications, experts and relations to the engine in the file
interface's Chinese headers; the assignment stored never pairs an expert with a conflicted
application, recusal draws a replacement, and the ranking carries the engine's corrected score,
interval and band with a funding line at the budget."""

from __future__ import annotations

from progdata import assign, score, to_review
from sqlalchemy import select

from kechuang.core.security import SYSTEM
from kechuang.programs import service as svc
from kechuang.programs.models import Assignment, Expert, Relation


def _bank(session, n=6):
    from factories import make_uscc

    out = []
    for i in range(n):
        e = Expert(
            code=f"RL{i}",
            name=f"专家{i}",
            id_no=f"32100019650101{i:04d}",
            unit_name=f"单位{i}",
            unit_uscc=make_uscc(700 + i),
            fields="肿瘤",
            keywords=["肿瘤", "早筛"],
            finance=i == 0,
            max_load=5,
        )
        session.add(e)
        out.append(e)
    session.flush()
    return out


def test_assignment_avoids_conflicts_and_recusal_replaces(session, pw):
    p, call = pw["p"], pw["call"]
    experts = _bank(session)
    app = to_review(session, p, call)
    # expert RL1 works at the applicant unit (open 任职): rule (2)
    session.add(
        Relation(
            a=experts[1].id_no,
            a_kind="person",
            b=app.unit_uscc,
            b_kind="unit",
            relation="employment",
            start_year=2020,
        )
    )
    session.flush()
    out = svc.assign_reviewers(session, SYSTEM, call.id)
    assert out["assigned"] == call.per_application and not out["infeasible"]
    chosen = set(
        session.scalars(select(Assignment.expert_id).where(Assignment.application_id == app.id))
    )
    assert experts[1].id not in chosen
    first = session.scalars(select(Assignment).where(Assignment.application_id == app.id)).first()
    res = svc.recuse(session, SYSTEM, first.id, "亲属关系未登记")
    assert res["replacement"]["assigned"] == 1
    live = session.scalars(
        select(Assignment).where(Assignment.application_id == app.id, Assignment.state != "recused")
    ).all()
    assert len(live) == call.per_application and experts[1].id not in {a.expert_id for a in live}


def test_ranking_and_funding_line(session, pw):
    p, call = pw["p"], pw["call"]
    experts = _bank(session)
    apps = [to_review(session, p, call, title=f"项目{i}", budget=80) for i in range(3)]
    for app, base in zip(apps, (90, 80, 70), strict=True):
        for e, lean in zip(experts[2:4], (0, -5), strict=True):
            score(session, assign(session, app.id, e), base + lean)
    data = svc.ranking(session, SYSTEM, call.id, budget=160)
    assert [r["title"] for r in data["rows"]] == ["项目0", "项目1", "项目2"]
    assert [r["funded"] for r in data["rows"]] == [True, True, False]
    assert data["spent"] == 160
    assert all({"raw_mean", "corrected", "interval", "rank_band"} <= set(r) for r in data["rows"])
    what_if = svc.ranking(session, SYSTEM, call.id, budget=80)
    assert [r["funded"] for r in what_if["rows"]] == [True, False, False]
