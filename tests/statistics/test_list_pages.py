"""The enterprise list page through NiceGUI's user simulation: header sort done by the server,
one unit per column, industry names, links to the detail page, and the year selector."""

from __future__ import annotations

import asyncio

import pytest
from nicegui import ui
from nicegui.testing import User
from sheets import xlsx
from web import log_in

from kechuang.core.security import SYSTEM
from kechuang.statistics.imports import import_file

HEADER = ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)", "研发费用总额(万元)"]


@pytest.fixture
def two_years(session, world):
    """The world's 2024 figures (甲 5000, 乙 2000, 丙 800 万元) and a 2023 year (甲 300, 乙 45000)."""
    world["a"].industry_code = "C3912"
    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(HEADER, [[world["a"].uscc, 2023, 90, 300, 10], [world["b"].uscc, 2023, 40, 45000, 1]]),
        "y.xlsx",
    )
    assert rep.ok, rep.errors
    session.flush()
    return world


def listing(user: User) -> ui.table:
    return next(t for t in user.find(ui.table).elements if "rowsNumber" in t.pagination)


async def wait_rows(table: ui.table, names: list[str]) -> None:
    for _ in range(100):
        if [r["name"][:1] for r in table.rows] == names:
            return
        await asyncio.sleep(0.05)
    assert [r["name"][:1] for r in table.rows] == names


async def test_sort_by_revenue_is_done_by_the_server_across_pages(user: User, two_years) -> None:
    await log_in(user, "city")
    await user.open("/enterprises")
    table = listing(user)
    await wait_rows(table, ["甲", "乙", "丙"])  # by id until a header is clicked
    request = {"page": 1, "rowsPerPage": 2, "sortBy": "revenue", "descending": True}
    # what the browser sends when a header is clicked, then the next page
    for page, expected in ((1, ["甲", "乙"]), (2, ["丙"])):
        user.find(ui.table).trigger("request", {"pagination": {**request, "page": page}})
        await wait_rows(table, expected)
        assert table.pagination["rowsNumber"] == 3
        assert table.pagination["sortBy"] == "revenue"
    # one unit per column, in the header; the cell is a plain figure
    headers = {c["name"]: c["label"] for c in table.columns}
    assert headers["revenue"] == "营业收入（万元）"
    assert table.rows[0]["revenue"] == "800.00"
    assert "亿元" not in str(table.rows) and "万元" not in str(table.rows)


async def test_rows_link_to_the_detail_page_and_name_the_industry(user: User, two_years) -> None:
    await log_in(user, "city")
    await user.open("/enterprises")
    table = listing(user)
    await wait_rows(table, ["甲", "乙", "丙"])
    a = two_years["a"]
    row = table.rows[0]
    assert row["url"] == f"/enterprises/{a.id}"
    assert row["industry"] == "计算机、通信和其他电子设备制造业（C3912）"
    assert row["employees"] == "100"  # a count is a whole number
    assert "props.row.url" in table.slots["body-cell-name"].template


async def test_year_selector_changes_the_figures(user: User, two_years) -> None:
    await log_in(user, "city")
    await user.open("/enterprises")
    table = listing(user)
    await wait_rows(table, ["甲", "乙", "丙"])
    assert [r["revenue"] for r in table.rows] == ["5,000.00", "2,000.00", "800.00"]
    select = user.find(marker="year-select").elements.pop()
    assert list(select.options) == [2024, 2023]
    select.value = 2023  # reopens the page as /enterprises?year=2023
    await user.should_see("营业收入、研发费用、从业人员为 2023 年数据", retries=100)
    table = listing(user)
    await wait_rows(table, ["甲", "乙", "丙"])
    assert [r["revenue"] for r in table.rows] == ["300.00", "45,000.00", "—"]


async def test_year_in_the_address_is_kept_and_an_unknown_year_falls_back(
    user: User, two_years
) -> None:
    await log_in(user, "city")
    await user.open("/enterprises?year=2023")
    await user.should_see("为 2023 年数据", retries=100)
    await user.open("/enterprises?year=1999")
    await user.should_see("为 2024 年数据", retries=100)


async def test_zone_admin_sorted_list_is_her_zone(user: User, two_years) -> None:
    await log_in(user, "zone_yz")
    await user.open("/enterprises")
    table = listing(user)
    await wait_rows(table, ["甲", "丙"])
    user.find(ui.table).trigger(
        "request",
        {"pagination": {"page": 1, "rowsPerPage": 20, "sortBy": "revenue", "descending": False}},
    )
    await wait_rows(table, ["丙", "甲"])
    assert table.pagination["rowsNumber"] == 2
