"""Tier conditions show their source's registry title and article, and its confirmation label."""

from __future__ import annotations

import asyncio

from nicegui import ui
from nicegui.testing import User
from web import log_in, login

HNTE_32 = "《高新技术企业认定管理办法》（国科发火〔2016〕32号）"


def test_api_gives_title_article_code_and_level(client, tier_world):
    body = client.get("/api/v1/tiers/packs", headers=login(client, "city")).json()
    hnte = next(p for p in body if p["code"] == "hnte_2016")
    first = next(c for c in hnte["conditions"] if c["code"] == "registered_1y")
    assert first["source"] == f"{HNTE_32} 第十一条（一）"
    assert (first["source_code"], first["confirmation"], first["confirmation_label"]) == (
        "MOST-2016-32",
        "confirmed",
        "已确认",
    )
    assert (
        hnte["documents"]["MOST-2016-195"]
        == "《高新技术企业认定管理工作指引》（国科发火〔2016〕195号）"
    )
    facts = {s["code"]: s for s in hnte["sources"]}
    assert facts["MOST-2016-32"]["number"] == "国科发火〔2016〕32号"
    assert facts["MOST-2016-32"]["issuer"] == "科技部、财政部、国家税务总局"
    assert facts["MOST-2016-195"]["unconfirmed"] == ["issuer"]
    assert any("most.gov.cn" in p for p in facts["MOST-2016-32"]["published"])
    spec22 = next(p for p in body if p["code"] == "specialised_sme_2022")
    rd_staff = next(s for s in spec22["scores"] if s["code"] == "rd_staff")
    assert rd_staff["confirmation_label"] == "未确认" and not rd_staff["confirmed"]
    gazelle = next(p for p in body if p["code"] == "gazelle_js_2024")
    assert gazelle["confirmation_label"] == "单一来源"
    # nothing points to notes outside the product
    text = str(body)
    assert "[P" not in text and "§" not in text and ".md" not in text


async def test_enterprise_page_shows_the_source_title(user: User, tier_world) -> None:
    await log_in(user, "ent_b")
    await user.open(f"/enterprises/{tier_world['b'].id}")
    await user.should_see(marker="pack-hnte", retries=100)
    tables = len(user.find(ui.table).elements)
    # a pack's details (its condition table) are fetched and built when its panel is opened;
    # one at a time here: the test sessions share one connection
    for panel in user.find(ui.expansion).elements:
        panel.value = True
        for _ in range(200):
            if len(user.find(ui.table).elements) > tables:
                break
            await asyncio.sleep(0.05)
        assert len(user.find(ui.table).elements) > tables, panel.text
        tables = len(user.find(ui.table).elements)
    sources = [r.get("source", "") for t in user.find(ui.table).elements for r in t.rows]
    # in full: title, 文号, issuer and article
    assert f"{HNTE_32}，科技部、财政部、国家税务总局 第十一条（一）" in sources
    assert any(s.endswith("（单一来源）") for s in sources)  # a level other than 已确认 is shown
    levels = [r.get("confirmation", "") for t in user.find(ui.table).elements for r in t.rows]
    assert "规则包已确认" in levels
    assert any(x.startswith("规则包单一来源") and "推断读法" in x for x in levels)
