"""The 科技特派员 demo: ~300 commissioners (teams and legal persons included) and ~1,200 demands over
Yangzhou's six 区县, every name labelled 演示数据, served demands counted, demo logins scoped."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from kechuang.accounts.service import principal_of, user_by_name
from kechuang.commissioners.dashboard import dashboard
from kechuang.commissioners.demo import COUNTIES, seed_demo
from kechuang.commissioners.models import Commissioner, CommissionerMember, Demand
from kechuang.core.security import SYSTEM


def test_demo_seeding(session, city):
    message = seed_demo(session)
    assert "300 名特派员" in message and "1200 条需求" in message
    kinds = Counter(session.scalars(select(Commissioner.kind)))
    assert kinds["individual"] == 240 and kinds["team"] == 30 and kinds["legal_person"] == 30
    names = (
        list(session.scalars(select(Commissioner.name)))
        + list(session.scalars(select(Demand.recipient_name)))
        + list(session.scalars(select(CommissionerMember.name)))
    )
    assert all("演示数据" in n for n in names)
    assert set(session.scalars(select(Demand.county_code).distinct())) == set(COUNTIES)
    assert session.scalar(select(func.count(Demand.id))) == 1200
    board = dashboard(session, SYSTEM)
    assert board["total"]["served"] > 400 and board["total"]["days"] > 0
    baoying = principal_of(user_by_name(session, "baoying"))
    mine = dashboard(session, baoying)
    assert [r["key"] for r in mine["by"]["county"]] == ["321023"]
    county_total = next(r for r in board["by"]["county"] if r["key"] == "321023")
    assert mine["total"]["demands"] == county_total["demands"]
