"""Demo seeding for 科技特派员: ~300 commissioners (individuals, teams, legal persons) and ~1,200
demands over Yangzhou's 区县, agreements, confirmed service logs and ratings for part of them, one
assessment, and demo logins for each new role. Every name carries 演示数据; seeded, reproducible."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.accounts.models import User
from kechuang.accounts.service import create_user
from kechuang.commissioners import service as svc
from kechuang.commissioners.assessment import run_assessment
from kechuang.commissioners.models import Agreement, Demand, ServiceLog
from kechuang.core.audit import current_principal
from kechuang.core.db import utcnow

SEED = 20261207
N_COMMISSIONERS = 300
N_DEMANDS = 1200
COUNTIES = ("321002", "321003", "321012", "321023", "321081", "321084")
# (industry, problem types, expertise words): the plan's priorities (§六.1)
TOPICS = (
    ("莲藕", ("土壤修复", "品种改良", "精深加工"), "荷藕 莲藕 藕塘 土壤修复 连作障碍 深加工"),
    ("罗氏沼虾", ("尾水处理", "种苗繁育", "复合种养"), "罗氏沼虾 尾水处理 种苗 智慧养殖 稻虾共作"),
    ("蓝莓", ("设施栽培", "病虫害防治", "冷链"), "蓝莓 设施栽培 土壤酸化 冷链 保鲜"),
    ("水稻", ("复合种养", "病虫害防治", "机械化"), "水稻 稻虾共作 稻田综合种养 病虫害 绿色防控"),
    ("畜禽", ("疫病防控", "粪污处理", "饲料营养"), "生猪 家禽 疫病防控 粪污资源化 饲料配方"),
    ("蔬菜", ("设施栽培", "病虫害防治", "品种改良"), "设施蔬菜 大棚 水肥一体化 病虫害"),
    ("花卉苗木", ("品种改良", "设施栽培", "电商营销"), "花卉 苗木 盆景 组培 扦插 电商"),
    ("特色水产", ("尾水处理", "病害防治", "复合种养"), "河蟹 鳜鱼 青虾 水质调控 病害防治"),
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
UNITS = (
    "扬州大学",
    "江苏里下河地区农业科学研究所",
    "扬州市农业科学研究院",
    "扬州市职业大学",
    "江苏农牧科技职业学院",
)
RECIPIENTS = ("农户", "合作社", "家庭农场", "农业企业", "村集体")
DEMO_LOGINS = (
    {
        "username": "baoying",
        "role": "county_admin",
        "region_code": "321023",
        "note": "宝应县科技局（演示）",
    },
    {
        "username": "gaoyou",
        "role": "county_admin",
        "region_code": "321084",
        "note": "高邮市科技局（演示）",
    },
    {
        "username": "xinxiyuan",
        "role": "village_informant",
        "region_code": "321023101",
        "note": "宝应县村信息员（演示）",
    },
    {"username": "nonghu", "role": "service_recipient", "note": "服务对象（演示）"},
)


def _commissioner(rng: random.Random, i: int) -> dict:
    industry, problems, words = rng.choice(TOPICS)
    county = rng.choice(COUNTIES)
    kind = "individual" if i % 10 < 8 else ("team" if i % 10 == 8 else "legal_person")
    level = rng.choices(("正高", "副高", "中级", "初级"), (2, 4, 3, 1))[0]
    name = f"演示数据·{rng.choice(SURNAMES)}{rng.choice('建国明华丽军强伟芳敏静涛')}"
    members = []
    if kind == "team":
        name = f"演示数据·{industry}科技服务团{i}"
        members = [
            {
                "name": f"演示数据·成员{i}-{k}",
                "title_level": rng.choice(("正高", "副高", "中级")),
                "is_leader": k == 0,
            }
            for k in range(rng.randint(3, 6))
        ]
    elif kind == "legal_person":
        name = f"演示数据·{industry}农业科技有限公司{i}"
        members = [
            {"name": f"演示数据·技术员{i}-{k}", "title_level": rng.choice(("副高", "中级", "初级"))}
            for k in range(rng.randint(3, 8))
        ]
    areas = sorted({county, *rng.sample(COUNTIES, rng.randint(0, 2))})
    return {
        "kind": kind,
        "name": name,
        "unit": rng.choice(UNITS),
        "title": {"正高": "研究员", "副高": "副研究员", "中级": "农艺师", "初级": "助理农艺师"}[
            level
        ],
        "title_level": level,
        "expertise": f"{words} {rng.choice(problems)}",
        "strengths": "演示数据：技术力量与优势" if kind == "legal_person" else "",
        "industries": [industry],
        "problem_types": list(rng.sample(problems, 2)),
        "region_code": county,
        "service_areas": areas,
        "batch_year": rng.choice((2023, 2024, 2025)),
        "max_load": rng.randint(3, 8),
        "members": members,
    }


def seed_demo(session: Session) -> str:
    """Commissioners, demands, agreements, confirmed logs, ratings, one assessment, demo logins."""
    operator = current_principal(session)
    rng = random.Random(SEED)
    commissioners = [
        svc.create_commissioner(session, operator, _commissioner(rng, i))
        for i in range(N_COMMISSIONERS)
    ]
    by_county: dict[str, list[int]] = {c: [] for c in COUNTIES}
    for c in commissioners:
        for code in svc.commissioner_areas(session, c.id):
            by_county[code].append(c.id)
    users = {}
    for login in DEMO_LOGINS:
        user = session.scalar(select(User).where(User.username == login["username"]))
        users[login["username"]] = user or create_user(
            session,
            username=login["username"],
            password="kechuang2026",
            role=login["role"],
            display_name=login["note"],
            region_code=login.get("region_code"),
            enforce_policy=False,  # the demo's published logins are weak on purpose
        )
    tpy = session.scalar(select(User).where(User.username == "tpy"))
    if tpy is None:
        create_user(
            session,
            username="tpy",
            password="kechuang2026",
            role="commissioner",
            display_name=commissioners[0].name,
            commissioner_id=commissioners[0].id,
            enforce_policy=False,
        )
    this_year = date.today().year
    served = 0
    for i in range(N_DEMANDS):
        industry, problems, _words = rng.choice(TOPICS)
        county = rng.choice(COUNTIES)
        town = f"{county}{rng.randint(100, 112)}"
        problem = rng.choice(problems)
        owner = (
            users["nonghu"].id
            if i % 40 == 0
            else users["xinxiyuan"].id
            if county == "321023" and i % 7 == 0
            else None
        )
        d = Demand(
            title=f"{industry}{problem}求助（演示数据）",
            text=f"演示数据：{industry}生产中遇到{problem}问题，希望科技特派员现场指导。",
            industries=[industry],
            problem_type=problem,
            region_code=town,
            county_code=county,
            urgency="urgent" if rng.random() < 0.1 else "normal",
            recipient_name=f"演示数据·{rng.choice(SURNAMES)}{rng.choice(('家庭农场', '合作社', '大户', '水产公司'))}{i}",
            recipient_kind=rng.choice(RECIPIENTS),
            posted_by_id=owner,
            owner_user_id=owner,
            year=rng.choice((this_year - 1, this_year)),
        )
        session.add(d)
        session.flush()
        if rng.random() < 0.55 and by_county[county]:
            served += _serve(session, rng, d, rng.choice(by_county[county]))
    session.flush()
    run_assessment(session, operator, this_year)
    return (
        f"科技特派员演示数据：{len(commissioners)} 名特派员（含团队、法人），{N_DEMANDS} 条需求，"
        f"{served} 条已确认服务日志；登录 baoying/gaoyou（区县）、xinxiyuan（信息员）、nonghu（服务对象）、tpy（特派员）"
    )


def _serve(session: Session, rng: random.Random, d: Demand, commissioner_id: int) -> int:
    """An active (or ended) agreement with confirmed logs and perhaps a rating, written directly:
    the demo's history, not anyone's actions."""
    now = utcnow()
    start = date(d.year, rng.randint(1, 6), rng.randint(1, 28))
    a = Agreement(
        demand_id=d.id,
        commissioner_id=commissioner_id,
        county_code=d.county_code,
        content=f"演示数据：{d.title}",
        status="active",
        starts_on=start,
        commissioner_approved_at=now,
        recipient_approved_at=now,
        county_approved_at=now,
    )
    session.add(a)
    session.flush()
    n = 0
    for _ in range(rng.randint(1, 5)):
        served_on = min(start + timedelta(days=rng.randint(0, 150)), date.today())
        confirmed = rng.random() < 0.85
        session.add(
            ServiceLog(
                agreement_id=a.id,
                commissioner_id=commissioner_id,
                served_on=served_on,
                days=rng.choice((0.5, 1.0, 1.0, 1.5, 2.0, 3.0)),
                content=f"演示数据：现场指导{d.problem_type}",
                trainees=rng.randint(0, 60),
                new_varieties=rng.randint(0, 1),
                new_techniques=rng.randint(0, 2),
                new_equipment=rng.randint(0, 1),
                income_wan=round(rng.uniform(0, 20), 1),
                status="confirmed" if confirmed else "submitted",
                confirmed_at=now if confirmed else None,
            )
        )
        n += confirmed
    d.status = "in_service"
    if rng.random() < 0.5:
        a.status, a.ends_on, d.status = "ended", date.today(), "closed"
    if n and rng.random() < 0.7:
        from kechuang.commissioners.models import Rating

        session.add(
            Rating(
                agreement_id=a.id,
                commissioner_id=commissioner_id,
                score=rng.choices((5, 4, 3, 2), (5, 4, 1, 0.3))[0],
                comment="演示数据",
                year=d.year,
            )
        )
    return n
