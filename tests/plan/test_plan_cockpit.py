"""The cockpit's tiles through each domain's scope, its API and the report download."""

from __future__ import annotations

import io

from docx import Document
from web import login

from kechuang.core.security import SYSTEM
from kechuang.plan import service
from kechuang.plan.cockpit import TILES, cockpit, compact, figure
from kechuang.plan.cockpit_charts import CHARTS

V1 = "/api/v1"
KEYS = ["targets", "zones", "tiers", "points", "commissioners", "programs", "carriers"]


def test_city_admin_sees_every_tile_with_its_link(session, world, client):
    service.load_shipped(session, SYSTEM)
    session.flush()
    r = client.get(f"{V1}/plan/cockpit?year=2024", headers=login(client, "city"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert [t["key"] for t in data["tiles"]] == KEYS == [f.__name__[:-5] for f in TILES]
    tiles = {t["key"]: t for t in data["tiles"]}
    assert all(t["link"].startswith("/") for t in tiles.values())
    # the shipped plan's 21 targets, counted by status
    assert len(tiles["targets"]["items"]) == 21
    assert sum(s["value"] for s in tiles["targets"]["stats"]) == 21
    assert all(i["link"].startswith("/") for i in tiles["targets"]["items"])  # its detail page
    # the zones tile is the ranking of the two zones with 2024 figures
    assert tiles["zones"]["message"] is None
    # an empty module says so instead of showing an empty chart
    assert tiles["commissioners"]["message"] == "暂无数据" and tiles["commissioners"]["items"] == []
    for key, tile in tiles.items():  # every chart builds from its tile (also an empty one)
        if key != "targets" or tile["items"]:
            assert isinstance(CHARTS[key](tile), dict)


def test_zone_admin_gets_her_scope_and_no_city_wide_modules(session, world, client):
    service.load_shipped(session, SYSTEM)
    session.flush()
    r = client.get(f"{V1}/plan/cockpit?year=2024", headers=login(client, "zone_yz"))
    assert r.status_code == 200, r.text
    tiles = {t["key"]: t for t in r.json()["tiles"]}
    assert r.json()["scope_note"].startswith("本高新区")
    # 重点攻关 and 特派员 belong to the bureau: the tile says so, it carries no figures
    assert tiles["programs"]["items"] == [] and "无权" in tiles["programs"]["message"]
    assert tiles["commissioners"]["items"] == [] and "无权" in tiles["commissioners"]["message"]
    assert tiles["programs"]["link"] is None  # no link to a page she may not open
    assert not any("/" in str(s["unit"]) for s in tiles["tiers"]["stats"])  # no city ladder goal
    # the tier funnel counts her zone's enterprises only: 甲 and the enclave counted here, not 乙
    city = {t["key"]: t for t in cockpit(session, SYSTEM, 2024)["tiles"]}
    mine = sum(i["count"] for i in tiles["tiers"]["items"])
    allz = sum(i["count"] for i in city["tiers"]["items"])
    assert mine <= allz


def test_other_roles_are_refused(world, client):
    r = client.get(f"{V1}/plan/cockpit", headers=login(client, "ent_b"))
    assert r.status_code == 403 and "驾驶舱" in r.json()["detail"]
    assert client.get(f"{V1}/plan/report", headers=login(client, "ent_b")).status_code == 403


def test_report_download_is_word_and_audited(session, world, client):
    from sqlalchemy import select

    from kechuang.core.audit import AuditLog

    h = login(client, "city")
    r = client.get(f"{V1}/plan/report?year=2024", headers=h)
    assert r.status_code == 400 and "尚未加载规划" in r.json()["detail"]
    service.load_shipped(session, SYSTEM)
    session.flush()
    r = client.get(f"{V1}/plan/report?year=2024", headers=h)
    assert r.status_code == 200, r.text
    assert "attachment" in r.headers["content-disposition"]
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2024年度实施情况报告" in text and "期末评估" not in text  # 十四五 ends 2025
    rows = session.scalars(select(AuditLog).where(AuditLog.entity == "plan_report")).all()
    assert [(x.action, x.summary) for x in rows] == [
        ("export", "导出2024年度规划实施情况报告（Word）")
    ]


def test_compact_figures_for_tiles():
    assert compact(28_600_001.71) == "2,860万"
    assert compact(3.2e9) == "32.00亿"
    assert compact(1462) == "1,462" and compact(4.356) == "4.36" and compact(0.5) == "0.5"
    assert compact(None) == "—" and compact("2025") == "2025"
    # money in 万元 reads in 亿元 from 1亿 up; other units are appended as they are
    assert (
        figure(28_600_001.71, "万元") == "2,860亿元" and figure(30_000_000, "万元") == "3,000亿元"
    )
    assert figure(12_345, "万元") == "1.2亿元" and figure(5_960, "万元") == "5,960万元"
    assert figure(1462, "家") == "1,462家" and figure(None, "家") == "—"


async def test_cockpit_page_shows_the_tiles_and_downloads_the_report(user, session, world):
    from nicegui import ui
    from web import log_in

    service.load_shipped(session, SYSTEM)
    session.flush()
    await log_in(user, "city")
    await user.open("/plan/cockpit")
    await user.should_see("规划目标完成情况", retries=200)
    for title in ("高新区争先进位", "梯度培育漏斗", "企业创新积分", "重点攻关项目（按领域）"):
        await user.should_see(title)
    assert len(user.find(ui.echart).elements) >= 3
    user.find(marker="report-button").click()
    response = await user.download.next(timeout=60)
    doc = Document(io.BytesIO(response.content))
    assert any("实施情况报告" in p.text for p in doc.paragraphs)
