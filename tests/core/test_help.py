"""使用说明: every domain with pages has one, /help lists them, each page links to its module's."""

from __future__ import annotations

import re
from datetime import date

import pytest
from nicegui import Client
from nicegui.testing import User
from web import PASSWORD, log_in

from kechuang.core.domain import HELP, help_topic_for_module, help_topics
from kechuang.domains import domains, install

# ASCII words a help text may use: the names of file kinds the users handle, and the acronym of
# the 统一社会信用代码 that the templates print; anything else is English or a developer's note
ALLOWED_ASCII = {"USCC", "Excel", "Word", "PDF"}

# one page of each module, opened to see its 使用说明 link
MODULE_PAGES = {
    "zones": "/evaluation/ranking",
    "points": "/points",
    "tiers": "/tiers",
    "commissioners": "/commissioners",
    "programs": "/programs/calls",
    "plan": "/plan",
    "carriers": "/carriers/chain",
    "statistics": "/imports",
    "registry": "/zones",
    "accounts": "/users",
}


def test_every_domain_with_pages_has_a_help_text() -> None:
    install()
    with_pages = {d.name for d in domains() if d.pages}
    assert with_pages <= set(HELP), with_pages - set(HELP)
    for name in with_pages:
        text = HELP[name].text()
        assert len(text) > 300 and text.lstrip().startswith("#"), name
        assert len(HELP[name].summary()) > 20, name  # the index says what the module is for
    assert set(MODULE_PAGES) == with_pages  # a new module joins the link test below


async def test_every_page_route_maps_to_its_modules_help(user: User) -> None:
    # the user fixture has registered every page, as the app does
    page_modules = {m: d.name for d in domains() for m in d.pages}
    mapped = 0
    for func, route in Client.page_routes.items():
        if func.__module__ in page_modules:
            mapped += 1
            topic = help_topic_for_module(func.__module__)
            assert topic is not None and topic.name == page_modules[func.__module__], route
    assert mapped >= 40


def test_help_texts_hold_no_english_or_developer_notes() -> None:
    install()
    for topic in help_topics():
        text = topic.text()
        words = set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", text))
        assert words <= ALLOWED_ASCII, (topic.name, sorted(words - ALLOWED_ASCII))
        # no paths, source codes (S20), file names or code spans
        assert not re.search(r"`|/\w|\.py|\.md|\bS\d+", text), topic.name


@pytest.fixture
def all_roles(session, world):
    """A user of every role that can log in (bound to an object where its role needs one)."""
    from kechuang.accounts.service import create_user
    from kechuang.commissioners import service as cs
    from kechuang.core.security import ROLES, SYSTEM

    commissioner = cs.create_commissioner(
        session,
        SYSTEM,
        {"kind": "individual", "name": "演示数据·宝应特派员", "unit": "扬州大学", "title": "研究员",
         "title_level": "正高", "expertise": "荷藕 土壤修复", "industries": ["莲藕"],
         "problem_types": ["土壤修复"], "region_code": "321023", "service_areas": ["321023"],
         "batch_year": date.today().year},
    )  # fmt: skip
    binding = {
        "zone": {"zone_id": world["city"]["yzhtz"].id},
        "enterprise": {"enterprise_id": world["a"].id},
        "region": {"region_code": "321023"},
        "commissioner": {"commissioner_id": commissioner.id},
    }
    names = {}
    for code, role in ROLES.items():
        names[code] = f"help_{code}"
        create_user(
            session, username=names[code], password=PASSWORD, role=code,
            **binding.get(role.scope, {}),
        )  # fmt: skip
    session.flush()
    return names


async def test_help_index_and_every_module_render_for_every_role(user: User, all_roles) -> None:
    install()
    assert len(all_roles) >= 11  # the three core roles and the domains' own
    for username in all_roles.values():
        await log_in(user, username)
        await user.open("/help")
        await user.should_see("使用说明", retries=100)
        for topic in help_topics():
            await user.should_see(marker=f"help-{topic.name}", retries=100)
            await user.should_see(topic.summary(), retries=100)
        for topic in help_topics():
            await user.open(f"/help/{topic.name}")
            await user.should_see(f"使用说明 · {topic.label}", retries=100)
            shown = user.find(marker="help-text").elements.pop()
            assert shown.content == topic.text()
        user.find("退出").click()
        await user.should_see("请登录", retries=100)


async def test_unknown_module_says_so_in_chinese(user: User, world) -> None:
    await log_in(user, "city")
    await user.open("/help/no_such_module")
    await user.should_see("未找到该模块的使用说明", retries=100)
    await user.should_not_see(marker="help-text")


async def test_help_needs_a_login(user: User, world) -> None:
    await user.open("/help/zones")
    await user.should_see("请登录", retries=100)


@pytest.mark.parametrize("module", sorted(MODULE_PAGES))
async def test_a_page_of_each_module_links_to_its_help(user: User, world, module) -> None:
    await log_in(user, "city")
    await user.open(MODULE_PAGES[module])
    await user.should_see(marker="page-title", retries=100)
    link = user.find(marker="help-link").elements.pop()
    assert link.props["href"] == f"/help/{module}"
    user.find(marker="help-link").click()
    await user.should_see(f"使用说明 · {HELP[module].label}", retries=100)


async def test_help_pages_link_back_to_the_index(user: User, world) -> None:
    await log_in(user, "zone_yz")
    await user.open("/help/points")
    link = user.find(marker="help-link").elements.pop()
    assert link.props["href"] == "/help"
