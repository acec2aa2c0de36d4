"""The demo peers: fictional zones kept out of the registry, a peer set and stored runs."""

from __future__ import annotations

from sqlalchemy import select
from zone_helpers import build_case

from kechuang.core.security import SYSTEM
from kechuang.registry.service import list_zones
from kechuang.zones import service
from kechuang.zones.demo import DEMO_PEER_SET, seed_demo
from kechuang.zones.models import PeerZone


def test_seed_demo_adds_labelled_peers_outside_the_registry(session, city):
    build_case(session, city)
    message = seed_demo(session)
    assert "8 个示例高新区" in message
    peers = list(session.scalars(select(PeerZone)))
    assert [p.name for p in peers][:2] == ["示例高新区A", "示例高新区B"]
    assert all(p.is_demo and "演示数据" in p.source for p in peers)
    assert len(list_zones(session)) == 6  # city pages still list the six real zones
    units = service.peer_set_units(session, DEMO_PEER_SET)
    assert sum(u.is_city for u in units) == 5 and sum(not u.is_city for u in units) == 8
    runs = service.list_runs(session, SYSTEM)
    assert {r.year for r in runs} == {2023, 2024} and all(r.is_demo for r in runs)
    again = service.rerun(session, SYSTEM, runs[0].id)
    assert again["same_inputs"] and again["same_results"]
    assert seed_demo(session) == "演示对标数据已存在"
