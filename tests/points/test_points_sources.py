"""Points indicators show their source's registry title and article, and the confirmation label."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User
from web import log_in, login

STDAILY = "科技日报关于企业创新积分制的报道（2023）"


def test_api_gives_title_article_code_and_level(client, world):
    body = client.get("/api/v1/points/methodologies", headers=login(client, "city")).json()
    torch = next(m for m in body if m["code"] == "torch_core")
    rd = next(i for i in torch["indicators"] if i["code"] == "rd_intensity")
    assert rd["source"] == f"{STDAILY} 核心指标“企业研发投入强度”"
    assert (rd["source_code"], rd["confidence"], rd["confidence_label"]) == (
        "STDAILY-2023-POINTS",
        "single_source",
        "单一来源",
    )
    assert "6%" in rd["note"]
    assert torch["source"].startswith("《“创新积分制”工作指引（全国试行版）》")
    assert {s["confidence"] for s in torch["stages"]} == {"provisional"}
    facts = {s["code"]: s for s in torch["sources"]}
    assert set(facts) == {
        "MOST-2024-POINTS",
        "THIRD-POINTS-UI",
        "KC-POINTS-2025",
        "STDAILY-2023-POINTS",
    }
    assert facts["MOST-2024-POINTS"]["issuer"] == "科技部办公厅"
    assert facts["MOST-2024-POINTS"]["number"] is None  # 文号 unknown: not invented
    assert "[P" not in str(body) and "§" not in str(body)


async def test_methodology_page_shows_the_source_title(user: User, world) -> None:
    await log_in(user, "city")
    await user.open("/points/methodology")
    await user.should_see("依据：《“创新积分制”工作指引（全国试行版）》", retries=100)
    await user.should_see("（暂行）", retries=100)
    rows = [r for t in user.find(ui.table).elements for r in t.rows]
    rd = next(r for r in rows if r.get("name") == "研发投入强度")
    assert rd["source"].startswith(f"{STDAILY} 核心指标“企业研发投入强度”")
    assert rd["confidence"] == "单一来源"
    registry = user.find(marker="sources").elements
    assert len(registry) == 2  # one per methodology
    cited = {r["code"]: r for t in user.find(ui.table).elements for r in t.rows if "code" in r}
    assert cited["MOST-2024-POINTS"]["issuer"] == "科技部办公厅"
    assert cited["STDAILY-2023-POINTS"]["caveat"].startswith("标题未经来源确认")
