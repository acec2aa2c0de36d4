"""The 重点攻关 demo: one year of calls in each 指南 domain plus 揭榜挂帅, 赛马 and 定向委托, ~400
applications, ~600 experts with relations, every name labelled 演示数据, demo logins scoped."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from kechuang.accounts.service import principal_of, user_by_name
from kechuang.programs import service as svc
from kechuang.programs.demo import has_demo_data, seed_demo
from kechuang.programs.models import Application, Call, Expert, Relation
from kechuang.programs.taxonomy import load_guide


def test_demo_seeding(session):
    assert not has_demo_data(session)
    message = seed_demo(session)
    assert "400 项申报" in message and "600 名专家" in message
    assert has_demo_data(session)
    kinds = Counter(session.scalars(select(Call.kind)))
    assert kinds == {"normal": 4, "jiebang": 1, "saima": 1, "directed": 1}
    domains = {
        load_guide().domain_of(d) for c in session.scalars(select(Call)) for d in c.directions
    }
    assert domains == {"AGR", "HEALTH", "SAFETY", "CARBON"}
    assert session.scalar(select(func.count(Application.id))) == 400
    assert session.scalar(select(func.count(Expert.id))) == 600
    assert session.scalar(select(func.count(Relation.id))) == 900
    names = list(session.scalars(select(Application.title))) + list(
        session.scalars(select(Expert.name))
    )
    names += list(session.scalars(select(Call.title)))
    assert all("演示数据" in n for n in names)
    assert all(session.scalars(select(Application.is_demo)))
    # every application left 草稿; the 定向委托 ones wait in 论证 (no open call)
    states = Counter(session.scalars(select(Application.state)))
    assert "draft" not in states and states["proposal"] > 0
    directed = session.scalar(select(Call.id).where(Call.kind == "directed"))
    assert states["proposal"] == session.scalar(
        select(func.count(Application.id)).where(Application.call_id == directed)
    )
    # the normal calls are reviewed by the engine and reach 公示
    normal = select(Call.id).where(Call.kind == "normal")
    published = session.scalar(
        select(func.count(Application.id)).where(
            Application.call_id.in_(normal), Application.state == "publicity"
        )
    )
    assert published > 0 and "评审引擎未安装" not in message
    # the demo logins see their own slices
    applicant = principal_of(user_by_name(session, "shenbao"))
    own = svc.list_applications(session, applicant)
    assert 0 < len(own) < 400 and all(a.applicant_user_id == applicant.user_id for a in own)
    owner = principal_of(user_by_name(session, "fabang"))
    assert {a.call_id for a in svc.list_applications(session, owner)} <= {
        c.id for c in session.scalars(select(Call).where(Call.kind == "jiebang"))
    }
    # the portfolio: every application classified, some confirmed, outcomes of funded projects
    from kechuang.programs.portfolio_models import Classification, Outcome

    assert "项目布局：400 项已分类" in message
    confirmed = session.scalar(
        select(func.count(Classification.id)).where(Classification.confirmed.is_not(None))
    )
    assert confirmed == 50 and all(session.scalars(select(Classification.is_demo)))
    outcomes = list(session.scalars(select(Outcome)))
    assert outcomes and all(o.is_demo and "演示数据" in o.evidence for o in outcomes)
    funded = {a.id for a in session.scalars(select(Application).where(Application.granted > 0))}
    assert {o.application_id for o in outcomes} <= funded
