"""The page-text checks catch what they must (and pass what a bureau writes); industries by name;
a park's name confirmed by the city admin only."""

from __future__ import annotations

import asyncio

import pytest
from nicegui.testing import User
from page_text import (
    DECIMAL_COUNT,
    INDUSTRY_CODE,
    english_words,
    findings,
)
from web import log_in

from kechuang.core.audit import AuditLog
from kechuang.core.errors import BadInput, Conflict
from kechuang.core.scope import RoleError
from kechuang.core.security import SYSTEM, Principal
from kechuang.registry import service
from kechuang.registry.models import Park
from kechuang.registry.service import industry_label, industry_name


def test_english_words_outside_the_allow_list() -> None:
    assert english_words("类型：emerging（national）") == ["emerging", "national"]
    assert english_words("参数 year：Field required") == ["year", "Field", "required"]
    assert english_words("v2025.1-provisional") == ["provisional"]  # v2025 is a code
    # names, units and codes pass: USCC, R&D, GB/T 4754, a file, a web site, a code glued to digits
    assert (
        english_words("USCC；R&D经费；GB/T 4754；导入 企业2024.xlsx；科技部网站 most.gov.cn") == []
    )
    assert english_words("批次 KJ2026-0001；证明 ABCD2026；91320000MA1XXXXX") == []
    assert english_words("登录人 city", frozenset({"city"})) == []


def test_decimal_counts() -> None:
    for bad in ("48.00 个", "40.00家", "3.0 件", "2.5 人", "12.00 项", "1.5次", "7.0 家企业"):
        assert DECIMAL_COUNT.search(bad), bad
    for good in (
        "48 个",
        "2.5 个百分点",
        "3.20 件/万人",
        "3.9 人与生态评分",
        "1,234.50万元",
        "0.75",
    ):
        assert not DECIMAL_COUNT.search(good), good


def test_industry_codes_need_their_name() -> None:
    for bad in ("行业：C39", "C3511", "行业代码 C35"):
        assert INDUSTRY_CODE.search(bad), bad
    for good in (
        "专用设备制造业（C3511）",
        "C35 专用设备制造业",
        "B 采矿业、C16 烟草",
        "KJ2026-0001",
    ):
        assert not INDUSTRY_CODE.search(good), good


def test_industry_names_from_gbt4754() -> None:
    assert industry_name("C3511") == "专用设备制造业"
    assert industry_name("c39") == "计算机、通信和其他电子设备制造业"
    assert industry_name("I65") == "软件和信息技术服务业"
    assert industry_name("C") == "制造业"
    assert (
        industry_name("Z99") is None and industry_name("") is None and industry_name("3511") is None
    )
    assert industry_label("C3911") == "计算机、通信和其他电子设备制造业（C3911）"
    assert industry_name("A35") is None  # division 35 is in section C, not A
    assert industry_label("X12") == "X12" and industry_label(None) == "—"


async def test_findings_on_a_page(user: User) -> None:
    """Each check on real elements: what a page shows, not its hidden parts."""
    from nicegui import ui

    await user.open("/login")
    with user.client.content:
        with ui.card():
            ui.label("园名：待核实")  # no way to fill it in
        with ui.card():
            ui.label("负责人：待核实")
            ui.link("去填写", "/enterprises")
        with ui.card():
            ui.label("电话：待核实（请在企业信息页填写）")
        ui.label("共 48.00 个")
        ui.table(
            columns=[
                {"name": "n", "label": "企业数", "field": "n"},
                {"name": "r", "label": "营业收入(万元)", "field": "r"},
            ],
            rows=[{"n": 3.0, "r": 12.5}],
        )
        ui.select({"emerging": "新兴产业"}, label="产业类型")  # codes as values are fine
        ui.label("主导产业（national）")
        ui.label("hidden words").set_visibility(False)
        ui.echart({"series": [{"name": "base", "type": "bar", "data": [1]}]})
    assert findings(user.client) == [
        "带小数的计数: 共 48.00 个",
        "待核实无填写入口: 园名：待核实",
        "英文 ['base']: base",
        "英文 ['national']: 主导产业（national）",
        "计数列带小数 企业数: [3.0]",
    ]


def _unconfirmed(session, city) -> Park:
    return session.query(Park).filter_by(zone_id=city["hangji"].id, confirmed=False).first()


def test_confirm_park_name(session, world) -> None:
    city = world["city"]
    park = _unconfirmed(session, city)
    assert park is not None
    zone_admin = Principal(
        user_id=None, username="zone_yz", role="zone_admin", zone_id=city["yzhtz"].id
    )
    with pytest.raises(RoleError):
        service.confirm_park(session, zone_admin, park.id, "新名")
    with pytest.raises(BadInput, match="请填写园区名称"):
        service.confirm_park(session, SYSTEM, park.id, "  ")
    with pytest.raises(BadInput, match="不能超过 100 个字"):
        service.confirm_park(session, SYSTEM, park.id, "园" * 101)
    other = session.query(Park).filter(Park.zone_id == park.zone_id, Park.id != park.id).first()
    with pytest.raises(Conflict, match="已有名为"):
        service.confirm_park(session, SYSTEM, park.id, other.name)
    service.confirm_park(session, SYSTEM, park.id, " 杭集日化产业园 ")
    session.refresh(park)
    assert (park.name, park.confirmed) == ("杭集日化产业园", True)
    entry = (
        session.query(AuditLog)
        .filter_by(entity="parks", entity_id=str(park.id), action="update")
        .order_by(AuditLog.id.desc())
        .first()
    )
    assert entry is not None and entry.after["name"] == "杭集日化产业园"
    # reloading the shipped configuration keeps the bureau's confirmed name
    service.load_city_config(session)
    session.refresh(park)
    assert (park.name, park.confirmed) == ("杭集日化产业园", True)


async def test_city_admin_confirms_a_park_on_the_zone_page(user: User, world, session) -> None:
    hangji = world["city"]["hangji"]
    await log_in(user, "city")
    await user.open(f"/zones/{hangji.id}")
    await user.should_see("（园名待核实）", retries=100)
    assert findings(user.client, frozenset({"city"})) == []
    assert len(user.find(marker="park-confirm").elements) == 4  # 一区四园, none confirmed yet
    park = _unconfirmed(session, world["city"])
    user.find(marker=f"park-name-{park.id}").clear()
    user.find(marker=f"park-save-{park.id}").click()
    await _notified(user, "请填写园区名称")
    user.find(marker=f"park-name-{park.id}").type("杭集日化产业园")
    user.find(marker=f"park-save-{park.id}").click()
    await _notified(user, "已确认园区名称：杭集日化产业园")
    session.refresh(park)
    assert park.confirmed and park.name == "杭集日化产业园"
    assert len(user.find(marker="park-confirm").elements) == 3


async def _notified(user: User, text: str) -> None:
    for _ in range(100):
        if user.notify.contains(text):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"没有提示“{text}”：{user.notify.messages}")


async def test_zone_admin_sees_who_confirms_a_park(user: User, world) -> None:
    await log_in(user, "zone_yz")
    await user.open(f"/zones/{world['city']['hangji'].id}")
    await user.should_see("请市科技局在本页确认", retries=100)
    await user.should_not_see(marker="park-confirm", retries=20)
    assert findings(user.client, frozenset({"zone_yz"})) == []
