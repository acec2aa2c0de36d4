"""The chain's demo seeding: consistent with the demo enterprises (their incubator and counted
zone), every record flagged is_demo, relocations only after a graduation, no overlapping stays."""

from __future__ import annotations

from datetime import date

from factories import make_enterprise
from sqlalchemy import select

from kechuang.carriers import service
from kechuang.carriers.demo import seed_demo
from kechuang.carriers.models import (
    Attribution,
    CarrierProfile,
    Incubation,
    Relocation,
    TechContract,
)
from kechuang.core.security import SYSTEM
from kechuang.registry.models import Carrier
from kechuang.statistics.models import EnterpriseYear


def test_demo_follows_the_registry(session, city):
    yz, jd = city["yzhtz"], city["jiangdu"]
    inc = Carrier(code="D-INC", name="演示数据孵化器", kind="incubator", level="省级", zone_id=yz.id,
                  is_demo=True)  # fmt: skip
    session.add(inc)
    session.flush()
    ents = [make_enterprise(session, yz, founded_on=date(2016 + i % 6, 3, 1), incubator_id=inc.id)
            for i in range(30)]  # fmt: skip
    enclave = make_enterprise(session, yz, counted_zone_id=jd.id)
    for e in ents:
        session.add(EnterpriseYear(enterprise_id=e.id, year=2024, operating_revenue=100.0))
    session.flush()
    message = seed_demo(session)
    assert "演示数据" in message
    stays = session.scalars(select(Incubation)).all()
    current = [s for s in stays if s.enterprise_id in {e.id for e in ents}]
    assert sorted(s.enterprise_id for s in current) == sorted(e.id for e in ents)
    assert all(s.carrier_id == inc.id for s in current) and all(s.is_demo for s in stays)
    # earlier graduates: firms outside any carrier now, incubated in their zone before
    for s in stays:
        if s not in current:
            assert s.outcome == "graduated" and s.ended_on <= date.today()
    by_ent = {}
    for s in stays:
        by_ent.setdefault(s.enterprise_id, []).append(s)
    assert all(len(v) == 1 for v in by_ent.values())
    assert all(s.ended_on is None or s.ended_on > s.entered_on for s in stays)
    assert any(s.outcome == "graduated" for s in stays)
    ended = {s.enterprise_id: s for s in stays}
    for r in session.scalars(select(Relocation)):
        grad = ended[r.enterprise_id]
        assert grad.outcome == "graduated" and r.moved_on >= grad.ended_on and r.is_demo
        assert r.incubation_id == grad.id
    (att,) = session.scalars(select(Attribution)).all()
    assert (att.enterprise_id, att.incubated_zone_id, att.counted_zone_id) == (
        enclave.id,
        yz.id,
        jd.id,
    )
    assert session.scalar(select(TechContract.id).where(TechContract.is_demo.is_(False))) is None
    assert session.query(CarrierProfile).count() == session.query(Carrier).count()
    assert seed_demo(session) == "载体链条演示数据已存在"
    s = service.chain_summary(session, SYSTEM, 2024)
    assert s["contracts_count"] > 0 and s["carriers_total"] >= 2
