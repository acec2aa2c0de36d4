"""Demo seeding of the carriers chain (演示数据, reproducible): operator profiles for the registry's
carriers, one 特色产业园 per zone run by social capital, incubation histories for the demo
enterprises the generator placed in an incubator (Enterprise.incubator_id), relocations of
graduates, 飞地/异地孵化/结对共建 records for the enterprises counted in another zone
(Enterprise.counted_zone_id) and technology contracts between demo enterprises."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.carriers.methodology import current_chain
from kechuang.carriers.models import (
    Attribution,
    CarrierProfile,
    Incubation,
    Relocation,
    TechContract,
)
from kechuang.registry.models import Carrier, Enterprise, Park, Zone
from kechuang.statistics.queries import latest_year

SEED = 20261207
CONTRACTS_PER_YEAR = 240
PAST_SHARE = 0.12  # share of recent firms outside any carrier that graduated from one earlier
OUTSIDE = ("苏州工业园区", "南京江北新区", "上海张江科学城", "无锡高新区")
OPERATORS = {
    "incubator": ("government", "state_owned", "social_capital"),
    "maker_space": ("social_capital", "enterprise"),
    "university_science_park": ("university",),
    "star_innovation_space": ("enterprise", "social_capital"),
    "new_rd_institute": ("government", "university"),
    "key_lab": ("university", "enterprise"),
    "engineering_center": ("enterprise",),
    "agri_science_park": ("government",),
}
OPERATOR_NAMES = {
    "government": "{zone}管委会平台公司",
    "state_owned": "扬州市{zone}科创投资集团",
    "university": "扬州大学",
    "social_capital": "{zone}{tn}创业投资有限公司",
    "enterprise": "{zone}龙头企业",
}


def has_demo_data(session: Session) -> bool:
    """True when the chain's demo records are there."""
    return (
        session.scalar(select(Incubation.id).where(Incubation.is_demo.is_(True)).limit(1))
        is not None
    )


def seed_demo(session: Session) -> str:
    """Seed the chain's demo records; returns a summary line."""
    if has_demo_data(session):
        return "载体链条演示数据已存在"
    rng = random.Random(SEED)
    last = latest_year(session) or date.today().year - 1
    end_of_data = min(date(last, 12, 31), date.today())
    zones = list(session.scalars(select(Zone).order_by(Zone.id)))
    parks: dict[int, list[Park]] = {}
    for p in session.scalars(select(Park).order_by(Park.id)):
        parks.setdefault(p.zone_id, []).append(p)
    # one 特色产业园 per zone, built and run by social capital (规划（五）3)
    featured: dict[int, Carrier] = {}
    for z in zones:
        c = Carrier(code=f"{z.code}-fp1", name=f"{z.name}特色产业园（演示）", kind="featured_park",
                    level="市级", zone_id=z.id, source="演示数据", is_demo=True)  # fmt: skip
        session.add(c)
        featured[z.id] = c
    session.flush()
    zname = {z.id: z.name for z in zones}
    carriers = list(session.scalars(select(Carrier).order_by(Carrier.id)))
    have = set(session.scalars(select(CarrierProfile.carrier_id)))
    for c in carriers:
        if c.id in have:
            continue
        op = (
            "social_capital"
            if c.kind == "featured_park"
            else rng.choice(OPERATORS.get(c.kind, ("government",)))
        )
        name = OPERATOR_NAMES[op].format(
            zone=zname.get(c.zone_id, "扬州"), tn=rng.choice("瑞华恒泰德润")
        )
        park = parks.get(c.zone_id or 0)
        session.add(CarrierProfile(carrier_id=c.id, operator_kind=op, operator_name=name,
                                   park_id=rng.choice(park).id if park and rng.random() < 0.6 else None,
                                   university="扬州大学" if c.kind == "university_science_park" else "",
                                   is_demo=True))  # fmt: skip
    chain = current_chain()
    research: dict[int | None, list[int]] = {}
    for c in carriers:
        if chain.stage_of(c.kind) == "research":
            research.setdefault(c.zone_id, []).append(c.id)
    reasons_g = [r.code for r in chain.end_reasons if r.extra == "graduated"]
    reasons_l = [r.code for r in chain.end_reasons if r.extra == "left"]
    ents = list(
        session.scalars(
            select(Enterprise).where(Enterprise.incubator_id.is_not(None)).order_by(Enterprise.id)
        )
    )
    # graduates of earlier years: firms of the last twelve years that no longer sit in a carrier,
    # some of which were incubated in one of their zone's incubating carriers
    incubating: dict[int | None, list[int]] = {}
    for c in carriers:
        if chain.stage_of(c.kind) == "incubation":
            incubating.setdefault(c.zone_id, []).append(c.id)
    past = [
        e
        for e in session.scalars(
            select(Enterprise)
            .where(
                Enterprise.incubator_id.is_(None), Enterprise.founded_on >= date(last - 12, 1, 1)
            )
            .order_by(Enterprise.id)
        )
        if incubating.get(e.zone_id) and rng.random() < PAST_SHARE
    ]
    incubations = relocations = 0
    for e in [*ents, *past]:
        carrier_id = e.incubator_id or rng.choice(incubating[e.zone_id])
        start = (e.founded_on or date(last - 3, 1, 1)) + timedelta(days=rng.randint(0, 180))
        if start >= end_of_data:
            start = end_of_data - timedelta(days=30)
        inc = Incubation(enterprise_id=e.id, carrier_id=carrier_id, entered_on=start, is_demo=True,
                         note="演示数据")  # fmt: skip
        pool = research.get(e.zone_id) or []
        if pool and rng.random() < 0.35:
            inc.origin_carrier_id = rng.choice(pool)
        end = start + timedelta(days=rng.randint(420, 1400))
        draw = 0.0 if e.incubator_id is None else rng.random()  # past ones all graduated
        if e.incubator_id is None and end > end_of_data:
            continue
        if end <= end_of_data and draw < 0.65:
            inc.ended_on, inc.outcome = end, "graduated"
            inc.reason = "criteria_met" if rng.random() < 0.85 else rng.choice(reasons_g)
        elif end <= end_of_data and draw < 0.8:
            inc.ended_on, inc.outcome, inc.reason = end, "left", rng.choice(reasons_l)
        session.add(inc)
        incubations += 1
        if inc.outcome == "graduated" and rng.random() < 0.7:
            moved = min(inc.ended_on + timedelta(days=rng.randint(0, 90)), end_of_data)
            if rng.random() < 0.8:
                zone_id = e.zone_id
                fp = featured.get(zone_id) if rng.random() < 0.5 else None
                park = parks.get(zone_id or 0)
                rel = Relocation(enterprise_id=e.id, moved_on=moved, inside_city=True, to_zone_id=zone_id,
                                 to_carrier_id=fp.id if fp else None,
                                 to_park_id=rng.choice(park).id if park and not fp else None,
                                 is_demo=True)  # fmt: skip
            else:
                rel = Relocation(enterprise_id=e.id, moved_on=moved, inside_city=False,
                                 destination=rng.choice(OUTSIDE), is_demo=True)  # fmt: skip
            session.add(rel)
            relocations += 1
    session.flush()
    # link each relocation to the graduation it followed
    for rel in session.scalars(select(Relocation).where(Relocation.is_demo.is_(True))):
        rel.incubation_id = session.scalar(
            select(Incubation.id).where(
                Incubation.enterprise_id == rel.enterprise_id, Incubation.outcome == "graduated"
            )  # fmt: skip
        )
    arrangements = [a.code for a in chain.arrangements]
    counted = list(
        session.scalars(
            select(Enterprise)
            .where(Enterprise.counted_zone_id.is_not(None))
            .order_by(Enterprise.id)
        )
    )
    for i, e in enumerate(counted):
        session.add(Attribution(enterprise_id=e.id, arrangement=arrangements[i % len(arrangements)],
                                incubated_zone_id=e.zone_id, counted_zone_id=e.counted_zone_id,
                                valid_from=max(e.founded_on or date(2020, 1, 1), date(2018, 1, 1)),
                                basis="演示数据·合作共建协议（虚构）", is_demo=True))  # fmt: skip
    sellers = session.execute(
        select(Enterprise.uscc, Enterprise.name).order_by(Enterprise.id)
    ).all()
    kinds = [k.code for k in chain.contract_kinds]
    n = 0
    if len(sellers) >= 2:
        for year in range(last - 2, last + 1):
            for i in range(CONTRACTS_PER_YEAR):
                (su, sn), (bu, bn) = rng.sample(sellers, 2)
                session.add(TechContract(contract_no=f"演示-{year}-{i + 1:05d}",
                                         kind=rng.choices(kinds, weights=(5, 2, 1, 1, 6))[0],
                                         amount=round(rng.lognormvariate(3.5, 1.0), 2),
                                         seller_uscc=su, seller_name=sn, buyer_uscc=bu, buyer_name=bn,
                                         registered_year=year, is_demo=True))  # fmt: skip
                n += 1
    session.flush()
    return (
        f"载体链条：{len(zones)} 个特色产业园，{incubations} 段在孵经历，{relocations} 次毕业落地，"
        f"{len(counted)} 条统计归属安排，{n} 项技术合同（演示数据）"
    )
