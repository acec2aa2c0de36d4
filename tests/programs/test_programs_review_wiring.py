"""The workflow's use of the review engine, with a stand-in engine injected (the real one is merged
separately): assignment stored with affinity and reason, infeasibility passed on, recusal draws a
replacement excluding the recused expert, ranking and funding line from the aggregate, and the
demo reaching 公示 when an engine is present."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from statistics import mean

import pytest
from progdata import score, to_review
from sqlalchemy import func, select

import kechuang.engines
from kechuang.core.security import SYSTEM
from kechuang.programs import service as svc
from kechuang.programs.models import Application, Assignment, Expert, Publicity


@dataclass
class _Result:
    pairs: list = field(default_factory=list)
    infeasible: list = field(default_factory=list)


def _assign(applications, experts, relations, year, per_application, finance):
    """Stand-in: the first experts with load left and no unit clash (no COI logic: not tested here)."""
    load = {e["专家编号"]: int(e["最多评审数"]) for e in experts}
    out = _Result()
    for a in applications:
        chosen = [
            e for e in experts if load[e["专家编号"]] > 0 and e["工作单位代码"] != a["申报单位代码"]
        ]
        chosen = chosen[:per_application]
        if len(chosen) < per_application:
            out.infeasible.append(f"{a['申报编号']}：可用专家不足")
            continue
        for e in chosen:
            load[e["专家编号"]] -= 1
            out.pairs.append(
                {
                    "申报编号": a["申报编号"],
                    "专家编号": e["专家编号"],
                    "匹配度": 0.5,
                    "理由": "替身引擎",
                }
            )
    return out


def _aggregate(rows, method="additive"):
    by: dict = {}
    for app, _expert, s in rows:
        by.setdefault(app, []).append(s)
    ranked = sorted(by, key=lambda a: -mean(by[a]))
    return [
        {
            "申报编号": a,
            "原始均分": mean(by[a]),
            "校正分": mean(by[a]),
            "区间下限": min(by[a]),
            "区间上限": max(by[a]),
            "名次": i + 1,
            "名次区间": f"{i + 1}",
        }
        for i, a in enumerate(ranked)
    ]


@pytest.fixture
def fake_engine(monkeypatch):
    mod = types.ModuleType("kechuang.engines.review")
    mod.assign_reviewers = _assign
    mod.aggregate_scores = _aggregate
    monkeypatch.setitem(sys.modules, "kechuang.engines.review", mod)
    monkeypatch.setattr(kechuang.engines, "review", mod, raising=False)
    return mod


def _bank(session, n):
    from factories import make_uscc

    for i in range(n):
        session.add(
            Expert(
                code=f"W{i}",
                name=f"专家{i}",
                id_no=f"32100019600101{i:04d}",
                unit_uscc=make_uscc(600 + i),
                max_load=3,
            )
        )
    session.flush()


def test_assign_recuse_rank_decide(session, pw, fake_engine):
    p, call = pw["p"], pw["call"]  # per_application = 2
    _bank(session, 3)
    apps = [to_review(session, p, call, title=f"项目{i}", budget=100) for i in range(2)]
    out = svc.assign_reviewers(session, SYSTEM, call.id)
    assert out == {"assigned": 4, "infeasible": []}
    a = session.scalars(select(Assignment).where(Assignment.application_id == apps[0].id)).first()
    assert a.reason == "替身引擎" and a.affinity == 0.5
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


def test_infeasible_is_reported(session, pw, fake_engine):
    p, call = pw["p"], pw["call"]
    _bank(session, 1)
    call.per_application = 5  # three experts in the bank (two from the fixture)
    to_review(session, p, call)
    out = svc.assign_reviewers(session, SYSTEM, call.id)
    assert out["assigned"] == 0 and "可用专家不足" in out["infeasible"][0]


def test_demo_reaches_publicity_with_an_engine(session, fake_engine):
    from kechuang.programs.demo import seed_demo

    message = seed_demo(session)
    assert "已完成评审、决策与公示" in message
    assert session.scalar(select(func.count(Publicity.id))) == 4
    assert (
        session.scalar(select(func.count(Application.id)).where(Application.state == "publicity"))
        > 0
    )
