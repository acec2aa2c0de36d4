"""Suggestions through the engines: urgent top-N within the county, batch assignment respecting
loads and counties, explained reasons."""

from __future__ import annotations

import pytest
from cmdata import BAOYING, GAOYOU, demand_data, individual

from kechuang.commissioners import service as svc
from kechuang.commissioners import suggest
from kechuang.core.errors import Unprocessable
from kechuang.core.scope import RoleError
from kechuang.core.security import SYSTEM


def test_urgent_suggestions_rank_the_matching_expert_first(session, cw):
    p = cw["p"]
    other = svc.create_commissioner(
        session,
        SYSTEM,
        individual(
            "演示数据·畜禽专家",
            BAOYING,
            expertise="生猪 养殖 疫病防控",
            industries=["畜禽"],
            problem_types=["疫病防控"],
            title_level="中级",
        ),
    )
    d = svc.post_demand(session, p["by_informant"], demand_data(BAOYING + "101", urgency="urgent"))
    rows = suggest.suggest_urgent(session, p["by_admin"], d.id)
    ids = [r["commissioner_id"] for r in rows]
    # the livestock expert shares neither words nor 产业 with a lotus-soil demand: no candidate
    assert ids[0] == cw["c_by"].id and other.id not in ids
    assert cw["c_gy"].id not in ids  # 高邮's commissioner does not serve 宝应
    assert rows[0]["components"] and rows[0]["reasons"]
    assert d.status == "suggested"
    assert [s.commissioner_id for s in svc.list_suggestions(session, p["by_admin"], d.id)] == ids


def test_batch_respects_loads_and_counties(session, cw):
    p = cw["p"]
    cw["c_by"].max_load = 1
    d1 = svc.post_demand(session, p["by_informant"], demand_data(BAOYING + "101"))
    d2 = svc.post_demand(session, p["gy_farmer"], demand_data(GAOYOU))
    summary = suggest.suggest_batch(session, p["city"], mode="total")
    assert summary["assigned"] == 2
    (s1,) = svc.list_suggestions(session, p["city"], d1.id)
    (s2,) = svc.list_suggestions(session, p["city"], d2.id)
    assert (s1.commissioner_id, s2.commissioner_id) == (cw["c_by"].id, cw["c_gy"].id)
    # a second 宝应 demand cannot be covered: 宝应's only commissioner is at his load
    d3 = svc.post_demand(
        session, p["by_informant"], demand_data(BAOYING + "101", title="再一个需求")
    )
    svc.confirm_suggestion(session, p["city"], s1.id)
    with pytest.raises(Unprocessable) as exc:
        suggest.suggest_batch(session, p["by_admin"], mode="fair")
    assert f"#{d3.id}" in str(exc.value)


def test_only_admins_suggest(session, cw):
    d = svc.post_demand(session, cw["p"]["by_informant"], demand_data(BAOYING + "101"))
    with pytest.raises(RoleError):
        suggest.suggest_urgent(session, cw["p"]["tpy_by"], d.id)
    with pytest.raises(RoleError):
        suggest.suggest_batch(session, cw["p"]["by_informant"])
