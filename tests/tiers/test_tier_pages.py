"""Tier pages through NiceGUI's user simulation: dashboard, candidates, enterprise section,
self-assessment (stores nothing), and scoping."""

from __future__ import annotations

from factories import row_counts
from nicegui.testing import User
from web import log_in


async def test_dashboard_counts_targets_and_charts(user: User, tier_world) -> None:
    await log_in(user, "city")
    await user.open("/tiers")
    await user.should_see("梯度培育看板", retries=100)
    await user.should_see("征求意见稿", retries=100)
    table = user.find(marker="tier-counts").elements.pop()
    total = next(r for r in table.rows if r["zone"] == "全部（可见范围）")
    assert total["tech_sme"].startswith("1")
    funnel = user.find(marker="tier-funnel").elements.pop()
    assert funnel.options["series"][0]["type"] == "funnel"
    # the HNTE rung says how many hold a certificate (none registered here), in whole numbers
    names = [d["name"] for d in funnel.options["series"][0]["data"]]
    assert "高新技术企业（其中持证 0 家）" in names
    assert total["hnte"].startswith("0")  # no certificate on record: 0, whatever the figures say
    await user.should_see("资质登记", retries=100)
    sankey = user.find(marker="tier-sankey").elements.pop()
    assert sankey.options["series"][0]["links"]


async def test_candidates_page_scoped_for_zone_admin(user: User, tier_world) -> None:
    await log_in(user, "zone_yz")
    await user.open("/tiers/candidates")
    await user.should_see("未达标", retries=100)
    table = user.find(marker="candidates").elements.pop()
    # hnte (the default rung) has all three as candidates city-wide; 乙 of 江都 is not hers
    assert {r["name"] for r in table.rows} == {"甲高新科技有限公司", "丙飞地企业有限公司"}


async def test_enterprise_page_has_tier_section(user: User, tier_world) -> None:
    await log_in(user, "ent_b")
    await user.open(f"/enterprises/{tier_world['b'].id}")
    await user.should_see("梯度评估", retries=100)
    await user.should_see(marker="pack-hnte", retries=100)
    await user.should_see("当前梯度", retries=100)


async def test_enterprise_user_cannot_open_dashboard(user: User, tier_world) -> None:
    await log_in(user, "ent_b")
    await user.open("/tiers")
    await user.should_see("无权访问此页面", retries=100)


async def test_self_assessment_gives_verdicts_and_stores_nothing(
    user: User, tier_world, session
) -> None:
    await log_in(user, "ent_b")
    before = row_counts(session)
    await user.open("/tiers/self-assessment")
    await user.should_see(marker="no-store-note", retries=100)
    user.find(marker="self-founded").type("2015-01-01")
    for code, value in (
        ("employees", 100),
        ("tech_staff", 30),
        ("sales_revenue", 5000),
        ("rd_expense", 250),
        ("total_cost", 4500),
        ("total_assets", 6000),
        ("ip_class1", 0),
        ("ip_class2", 0),
    ):
        for el in user.find(marker=f"self-{code}-0").elements:
            el.value = value
    for code, value in (
        ("mainland_resident", "yes"),
        ("restricted_products", "no"),
        ("major_accident", "no"),
        ("environmental_violation", "no"),
        ("dishonest_listed", "no"),
        ("abnormal_operation", "no"),
    ):
        for el in user.find(marker=f"self-flag-{code}").elements:
            el.value = value
    user.find(marker="self-evaluate").click()
    await user.should_see(marker="tier-rung", retries=100)
    await user.should_see(marker="pack-tech_sme", retries=100)
    tech = user.find(marker="pack-tech_sme").elements.pop()
    assert tech.text == "科技型中小企业（2017）：符合 · 得分 60 分"
    assert row_counts(session) == before  # no table gained a row, audited or not


async def test_dashboard_says_live_then_reads_the_snapshot_the_bureau_stores(
    user: User, tier_world, session
) -> None:
    from sqlalchemy import select

    from kechuang.tiers.models import TierSnapshot

    await log_in(user, "city")
    await user.open("/tiers")
    await user.should_see("以下为实时计算结果（尚未保存覆盖这些年度的评估快照）", retries=100)
    user.find(marker="tier-snapshot-save").click()
    await user.should_see("已保存梯度评估快照", retries=100)
    snap = session.scalars(select(TierSnapshot)).one()
    assert snap.years == [2022, 2023, 2024]
    await user.open("/tiers")
    await user.should_see(f"数据读自梯度评估快照 #{snap.id}", retries=100)
    await user.should_not_see(marker="tier-snapshot-save")
    table = user.find(marker="tier-counts").elements.pop()
    total = next(r for r in table.rows if r["zone"] == "全部（可见范围）")
    assert total["tech_sme"].startswith("1")


async def test_candidates_page_links_rows_and_shows_cheapest_gaps(user: User, tier_world) -> None:
    await log_in(user, "zone_yz")
    await user.open("/tiers/candidates")
    await user.should_see("按差距指数显示最接近的 2 家", retries=100)
    await user.should_see(marker="candidates-source", retries=100)
    table = user.find(marker="candidates").elements.pop()
    rows = {r["name"]: r for r in table.rows}
    a = rows["甲高新科技有限公司"]
    assert a["url"] == f"/enterprises/{tier_world['a'].id}"
    assert a["target"] == "高新技术企业" and a["gaps"].startswith("评价得分 还差 3 分")
