"""The 后备库 sorted and paged by the service: pages continue in the asked order, unknown keys fall
back to closest-first, scope is kept; on the page: header sort, links and the year selector."""

from __future__ import annotations

import asyncio

from factories import make_principal
from nicegui import ui
from nicegui.testing import User
from web import log_in

from kechuang.core.security import SYSTEM
from kechuang.tiers import assessment


def walk(session, principal, sort, descending, year=2024, size=1):
    out, offset = [], 0
    while True:
        data = assessment.candidates(
            session, principal, "hnte", year, None, size, sort, descending, offset
        )
        out += data["rows"]
        offset += size
        if offset >= data["listed"]:
            return out, data


def test_name_sort_pages_continue(session, tier_world) -> None:
    rows, data = walk(session, SYSTEM, "name", False)
    names = [r["name"] for r in rows]
    assert len(names) == data["listed"] == 3
    assert names == sorted(names)
    down, _ = walk(session, SYSTEM, "name", True, size=2)
    assert [r["name"] for r in down] == names[::-1]


def test_distance_default_and_unknown_key(session, tier_world) -> None:
    closest, _ = walk(session, SYSTEM, None, False, size=10)
    distances = [r["distance"] for r in closest]
    assert distances == sorted(distances)
    for bad in ("bogus", "name desc", "gaps"):
        rows, _ = walk(session, SYSTEM, bad, False)
        assert [r["enterprise_id"] for r in rows] == [r["enterprise_id"] for r in closest]


def test_zone_admin_sorted_candidates_are_hers(session, tier_world, city) -> None:
    admin = make_principal(session, "zone_admin", zone=city["jiangdu"])
    rows, data = walk(session, admin, "zone", False)
    assert [r["name"] for r in rows] == ["乙江都智能有限公司"]
    assert data["listed"] == 1


async def test_candidates_page_sorts_on_the_server_and_selects_the_year(
    user: User, tier_world
) -> None:
    await log_in(user, "city")
    await user.open("/tiers/candidates")
    await user.should_see(marker="candidates-source", retries=100)
    table = user.find(marker="candidates").elements.pop()
    assert len(table.rows) == 3 and all(r["url"].startswith("/enterprises/") for r in table.rows)
    names = sorted(r["name"] for r in table.rows)
    user.find(ui.table).trigger(
        "request",
        {"pagination": {"page": 2, "rowsPerPage": 2, "sortBy": "name", "descending": True}},
    )
    for _ in range(200):
        if len(table.rows) == 1:
            break
        await asyncio.sleep(0.05)
    assert [r["name"] for r in table.rows] == [names[0]]  # the last of a descending list
    assert table.rows[0]["rank"] == 3
    select = user.find(marker="year-select").elements.pop()
    assert list(select.options) == [2024, 2023, 2022]
    select.value = 2022  # reopens /tiers/candidates?year=2022
    await user.should_see(marker="candidates-source", retries=100)
    assert user.find(marker="year-select").elements.pop().value == 2022


async def test_dashboard_years_end_at_the_chosen_year(user: User, tier_world) -> None:
    await log_in(user, "city")
    await user.open("/tiers?year=2023")
    await user.should_see(marker="tier-counts", retries=100)
    assert user.find(marker="year-select").elements.pop().value == 2023
    await user.should_see("2023年数据", retries=100)
    await user.should_not_see("2024年数据")
