"""Fixtures for the 科技特派员 tests: the Yangzhou regions, commissioners and a user of every role."""

from __future__ import annotations

import pytest
from cmdata import BAOYING, GAOYOU, PASSWORD, individual

from kechuang.accounts.service import create_user, principal_of
from kechuang.commissioners.service import create_commissioner
from kechuang.core.security import SYSTEM


@pytest.fixture
def cw(session, city):
    """Two counties' worth of commissioners, demands' users and admins."""
    c_by = create_commissioner(session, SYSTEM, individual("演示数据·宝应特派员", BAOYING))
    c_gy = create_commissioner(session, SYSTEM, individual("演示数据·高邮特派员", GAOYOU))
    users = {}
    for name, role, kw in (
        ("city", "city_admin", {}),
        ("by_admin", "county_admin", {"region_code": BAOYING}),
        ("gy_admin", "county_admin", {"region_code": GAOYOU}),
        ("by_informant", "village_informant", {"region_code": BAOYING + "101"}),
        ("by_farmer", "service_recipient", {}),
        ("gy_farmer", "service_recipient", {}),
        ("tpy_by", "commissioner", {"commissioner_id": c_by.id}),
        ("tpy_gy", "commissioner", {"commissioner_id": c_gy.id}),
        ("zone_x", "zone_admin", {"zone_id": city["yzhtz"].id}),
    ):
        users[name] = create_user(session, username=name, password=PASSWORD, role=role, **kw)
    session.flush()
    p = {k: principal_of(u) for k, u in users.items()}
    return {"c_by": c_by, "c_gy": c_gy, "users": users, "p": p}
