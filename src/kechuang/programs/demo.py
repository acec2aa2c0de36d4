"""Demo seeding for 重点攻关: one year of calls in each 指南 domain (指南申报 per domain, a 揭榜挂帅
call on a 发榜方's challenge, a 赛马 call and a 定向委托), ~400 applications, ~600 experts with ~900
relations, and demo logins for the new roles. Every name carries 演示数据; seeded, reproducible.

When the review engine is installed, the applications of the normal calls are also staffed with
reviewers, scored by simulated reviewers (leniency and noise), decided at the budget line and put
on 公示; without it they wait in 专家评审."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as stdnum_uscc

from kechuang.accounts.models import User
from kechuang.accounts.service import create_user, principal_of
from kechuang.core.audit import current_principal
from kechuang.programs import service as svc
from kechuang.programs.eligibility import default_pack
from kechuang.programs.models import Application, Assignment, Expert, Relation, Score
from kechuang.programs.portfolio_demo import seed_portfolio
from kechuang.programs.taxonomy import load_guide

SEED = 20261213
YEAR = 2026
N_APPLICATIONS = 400
N_EXPERTS = 600
N_UNITS = 160
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红"
TITLES = (
    "教授",
    "研究员",
    "主任医师",
    "正高级工程师",
    "副教授",
    "副研究员",
    "高级工程师",
    "高级会计师",
)
REGIONS = ("321002", "321003", "321012", "321023", "321081", "321084")
PASSWORD = "kechuang2026"
# the 论证 of the demo's 定向委托 call (why it goes to a named unit without an open call)
DIRECTED_RATIONALE = (
    "演示数据：监测预警任务时效要求高，仅市疾控体系具备样本与平台，经专家论证不宜公开征集"
)


def _uscc(n: int) -> str:
    body = f"91321000{n:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _id_no(n: int) -> str:
    # 18-character demo 证件号 (not a real person's): region 321000, a fixed date, a sequence
    return f"32100019800101{n:04d}"


def _login(session: Session, username: str, role: str, note: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    return user or create_user(
        session,
        username=username,
        password=PASSWORD,
        role=role,
        display_name=note,
        enforce_policy=False,  # the demo's published logins are weak on purpose
    )


def seed_demo(session: Session) -> str:
    """Calls, a challenge, applications, experts, relations and demo logins (演示数据)."""
    operator = current_principal(session)
    rng = random.Random(SEED)
    guide = load_guide()
    applicant = _login(session, "shenbao", "applicant", "演示数据·申报单位")
    owner = _login(session, "fabang", "challenge_owner", "演示数据·发榜方")
    expert_user = _login(session, "zhuanjia", "expert", "演示数据·评审专家")
    units = [
        (f"演示数据·扬州{_person(rng)}科技有限公司{i}", _uscc(100 + i)) for i in range(N_UNITS)
    ]
    topics = [n for n in guide.nodes.values() if n.level == 2]

    experts = []
    for i in range(N_EXPERTS):
        topic = rng.choice(topics)
        unit_name, unit_uscc = (
            units[rng.randrange(N_UNITS)]
            if rng.random() < 0.3
            else (
                f"演示数据·扬州大学{rng.choice('一二三四五')}院",
                _uscc(5000 + rng.randrange(20)),
            )
        )
        experts.append(
            Expert(
                code=f"ZJ{YEAR}{i + 1:04d}",
                name=f"演示数据·{_person(rng)}",
                id_no=_id_no(i + 1),
                unit_name=unit_name,
                unit_uscc=unit_uscc,
                title=rng.choice(TITLES),
                fields=guide.path(topic.parent or topic.code),
                keywords=list(topic.keywords[:3]),
                finance=i % 8 == 0,
                region_code=rng.choice(REGIONS),
                max_load=rng.choice((6, 8, 10)),
                user_id=expert_user.id if i == 0 else None,
                is_demo=True,
            )
        )
    session.add_all(experts)
    leaders = [(_person(rng), _id_no(5000 + i)) for i in range(N_APPLICATIONS)]
    relations = []
    kinds = ("employment", "shareholding", "kinship", "cooperation", "mentorship", "control")
    for _ in range(900):
        e = rng.choice(experts)
        kind = rng.choice(kinds)
        if kind in ("employment", "shareholding"):
            b, b_kind = rng.choice(units)[1], "unit"
        elif kind == "control":
            relations.append(
                Relation(a=rng.choice(units)[1], a_kind="unit", b=rng.choice(units)[1], b_kind="unit",
                         relation=kind, start_year=YEAR - rng.randint(1, 8), is_demo=True)
            )  # fmt: skip
            continue
        else:
            b, b_kind = rng.choice(leaders)[1], "person"
        start = YEAR - rng.randint(2, 12)
        end = None if rng.random() < 0.5 else min(YEAR, start + rng.randint(1, 6))
        relations.append(
            Relation(a=e.id_no, a_kind="person", b=b, b_kind=b_kind, relation=kind,
                     start_year=start, end_year=end, is_demo=True)
        )  # fmt: skip
    session.add_all(relations)
    session.flush()

    challenge = svc.create_challenge(
        session,
        operator,
        {
            "code": f"JB{YEAR}-01",
            "year": YEAR,
            "owner_unit": "演示数据·扬州某船舶制造有限公司",
            "owner_uscc": _uscc(9001),
            "title": "演示数据·船舶分段焊接节能降碳关键技术",
            "need": "船舶分段焊接能耗高，需研发低能耗焊接工艺与余热回收装置。",
            "acceptance_criteria": "单位分段焊接能耗下降15%以上；在发榜方产线连续运行3个月。",
            "direction": "CARBON-INDUSTRY-MANUF",
            "budget": 300,
        },
    )
    challenge.owner_user_id = owner.id
    svc.move_challenge(session, operator, challenge.id, "publish", "演示：榜单发布")
    opens, closes = date(YEAR, 3, 1), date(YEAR, 4, 30)
    calls = []
    for d in guide.domains():
        calls.append(
            svc.create_call(
                session,
                operator,
                {
                    "code": f"ZD{YEAR}-{d.code}",
                    "year": YEAR,
                    "kind": "normal",
                    "title": f"演示数据·{YEAR}年度重点研发计划（{d.name}）",
                    "directions": list(d.children),
                    "budget": 1500,
                    "opens_on": opens,
                    "closes_on": closes,
                    "per_application": 5,
                    "finance_required": True,
                    "eligibility": default_pack(),
                    "is_demo": True,
                },
            )
        )
    special = [
        ("jiebang", f"JB{YEAR}", "演示数据·揭榜挂帅：船舶分段焊接节能降碳", ["CARBON-INDUSTRY"], 300, challenge.id, 0),
        ("saima", f"SM{YEAR}", "演示数据·赛马制：新型储能关键技术", ["CARBON-CLEAN"], 600, None, 3),
        ("directed", f"DX{YEAR}", "演示数据·定向委托：重大传染病监测预警", ["HEALTH-INFECT"], 200, None, 0),
    ]  # fmt: skip
    for kind, code, title, dirs, budget, ch, awardees in special:
        calls.append(
            svc.create_call(
                session,
                operator,
                {
                    "code": code,
                    "year": YEAR,
                    "kind": kind,
                    "title": title,
                    "directions": dirs,
                    "budget": budget,
                    "opens_on": opens,
                    "closes_on": closes,
                    "per_application": 5,
                    "challenge_id": ch,
                    "awardees": awardees,
                    "rationale": DIRECTED_RATIONALE if kind == "directed" else None,
                    "is_demo": True,
                },
            )  # fmt: skip
        )
    for c in calls:
        c.state = "open"
    session.flush()

    as_applicant = principal_of(applicant)
    apps: list[Application] = []
    weights = [90] * 4 + [12, 20, 4]  # most applications go to the normal calls
    for i in range(N_APPLICATIONS):
        call = rng.choices(calls, weights=weights)[0]
        node = guide.nodes[rng.choice(call.directions)]
        topic = guide.nodes[rng.choice(node.children)] if node.children else node
        unit_name, unit_uscc = units[rng.randrange(N_UNITS)]
        leader, leader_id = leaders[i]
        data = {
            "unit_name": unit_name,
            "unit_uscc": unit_uscc,
            "leader_name": f"演示数据·{leader}",
            "leader_id_no": leader_id,
            "direction": topic.code,
            "title": f"演示数据·{topic.name}关键技术研究与示范{i + 1}",
            "keywords": list(rng.sample(topic.keywords, k=min(3, len(topic.keywords)))),
            "abstract": f"围绕{topic.name}开展{'、'.join(topic.keywords)}等研究。",
            "budget": float(rng.choice((30, 50, 80, 100, 150))),
            "is_demo": True,
        }
        actor = as_applicant if call.kind != "directed" else operator
        app = svc.create_application(session, actor, call.id, data, today=date(YEAR, 4, 1))
        app.applicant_user_id = applicant.id if i % 20 == 0 else None
        if call.kind != "directed":
            svc.transition(session, operator, app.id, "submit", "演示：提交申报")
            if call.kind == "normal":
                svc.transition(session, operator, app.id, "start_form_review", "演示")
                svc.transition(session, operator, app.id, "form_pass", "演示：形式审查通过")
            else:
                svc.transition(session, operator, app.id, "start_review", "演示：送评")
        apps.append(app)
    for c in calls:
        c.state = "closed"
    session.flush()
    reviewed = _review(session, operator, rng, [c for c in calls if c.kind == "normal"])
    portfolio = seed_portfolio(session, operator)
    return (
        f"重点攻关：{len(calls)} 个批次，{len(apps)} 项申报，{len(experts)} 名专家，"
        f"{len(relations)} 条关联关系；{reviewed}；{portfolio}"
    )


def _review(session: Session, operator, rng: random.Random, calls) -> str:
    """Staff, score (simulated reviewers), decide and publish the normal calls, if the engine is in."""
    for c in calls:
        svc.assign_reviewers(session, operator, c.id)
    quality = {a.id: rng.gauss(70, 8) for a in session.scalars(select(Application))}
    leniency = {e.id: rng.gauss(0, 5) for e in session.scalars(select(Expert))}
    for a in session.scalars(select(Assignment).where(Assignment.state == "assigned")):
        s = quality[a.application_id] + leniency[a.expert_id] + rng.gauss(0, 4)
        session.add(Score(assignment_id=a.id, application_id=a.application_id, expert_id=a.expert_id,
                          score=round(max(0, min(100, s)), 1)))  # fmt: skip
        a.state = "scored"
    session.flush()
    for c in calls:
        for a in svc.list_applications(session, operator, call_id=c.id, state="expert_review"):
            svc.transition(session, operator, a.id, "review_done", "演示：评审汇总")
        data = svc.ranking(session, operator, c.id)
        funded = [r["application_id"] for r in data["rows"] if r["funded"]]
        svc.decide(session, operator, c.id, funded, c.budget, "演示：按资助线立项",
                   today=date.today() - timedelta(days=3))  # fmt: skip
    return "已完成评审、决策与公示"


def has_demo_data(session: Session) -> bool:
    """True when the programme tables hold demo rows (pages show the 演示数据 badge)."""
    from kechuang.programs.models import Call

    return session.scalar(select(Call.id).where(Call.is_demo.is_(True)).limit(1)) is not None
