"""Points pages through NiceGUI's user simulation: leaderboard, card, what-if, consent, bank role."""

from __future__ import annotations

import pytest
from factories import make_principal
from nicegui import ui
from nicegui.testing import User
from web import log_in

from kechuang.core.security import SYSTEM
from kechuang.points import service as svc
from kechuang.points.models import BANK_ROLE


@pytest.fixture
def scored(session, world):
    make_principal(session, BANK_ROLE, username="bank1")
    svc.create_run(session, SYSTEM)
    svc.set_consent(session, SYSTEM, world["a"].id, True, "书面授权书 001", b"%PDF", "a.pdf")
    session.flush()
    return world


async def test_city_admin_runs_and_sees_the_leaderboard(user: User, world) -> None:
    await log_in(user, "city")
    await user.open("/points")
    await user.should_see("尚未计算创新积分", retries=100)
    user.find(marker="run").click()
    await user.should_see(marker="provisional", retries=300)  # the page reloads when done
    table = [t for t in user.find(ui.table).elements if t.rows and "rank_city" in t.rows[0]][0]
    assert {r["name"] for r in table.rows} == {
        "甲高新科技有限公司",
        "乙江都智能有限公司",
        "丙飞地企业有限公司",
    }
    await user.open("/points/methodology")
    await user.should_see(
        "初创期：成立年限（年） < 5 且 营业收入(万元) < 2000（暂行）", retries=100
    )
    # the indicator tables (the sources-registry tables have no “name” column)
    tables = [t for t in user.find(ui.table).elements if "name" in t.rows[0]]
    assert sorted(len(t.rows) for t in tables) == [14, 18]
    default = next(t for t in tables if len(t.rows) == 18)
    assert any(r["name"] == "研发投入强度" and r["confidence"] == "单一来源" for r in default.rows)


async def test_enterprise_user_sees_only_his_card_and_can_simulate(user: User, scored) -> None:
    await log_in(user, "ent_b")
    await user.open("/points")
    await user.should_see(marker="points-card", retries=100)
    await user.should_see("生命周期阶段", retries=100)
    items = user.find(marker="points-items").elements.pop()
    assert len(items.rows) == 18
    user.find(ui.number).elements.pop().value = 0  # other inputs stay 0
    next(
        n for n in user.find(ui.number).elements if n.props["label"] == "研发费用增加（万元）"
    ).value = 100
    user.find(marker="what-if").click()
    await user.should_see("模拟结果", retries=100)
    await user.open(f"/enterprises/{scored['a'].id}")
    await user.should_see("企业不存在或无权查看", retries=100)
    await user.should_not_see("积分贷名单", retries=20)
    await user.open("/points/bank")
    await user.should_see("无权访问此页面", retries=100)


async def test_enterprise_page_has_the_points_card(user: User, scored) -> None:
    await log_in(user, "city")
    await user.open(f"/enterprises/{scored['a'].id}")
    await user.should_see(marker="points-radar", retries=100)
    await user.should_see("已授权", retries=100)
    await user.should_see("出具积分证明（Word）", retries=100)


async def test_bank_viewer_sees_only_the_consented_list(user: User, scored) -> None:
    await log_in(user, "bank1")
    await user.open("/points/bank")
    table = user.find(marker="bank-list").elements.pop()
    assert [r["name"] for r in table.rows] == ["甲高新科技有限公司"]
    await user.open("/points")
    await user.should_see("无权访问此页面", retries=100)
    await user.open(f"/enterprises/{scored['a'].id}")
    await user.should_see("无权访问此页面", retries=100)  # banks may not open enterprise pages


async def test_consent_on_the_page_follows_who_may_change_it(user: User, scored) -> None:
    await log_in(user, "zone_yz")  # 甲 is in his zone, yet consent is not his to give
    await user.open(f"/enterprises/{scored['a'].id}")
    await user.should_see(marker="consent-hint", retries=100)
    await user.should_not_see("保存授权")
    await log_in(user, "city")
    await user.open(f"/enterprises/{scored['a'].id}")
    await user.should_see(marker="consent-document", retries=100)
    await user.should_see("保存授权")
