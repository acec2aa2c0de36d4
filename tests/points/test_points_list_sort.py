"""The points list sorted and paged in SQL (service and page): totals in order across pages,
unknown keys ignored, the zone admin's scope kept; on the page: links, names and the year."""

from __future__ import annotations

import asyncio

import pytest
from factories import make_principal
from nicegui import ui
from nicegui.testing import User
from sheets import xlsx
from sqlalchemy import select
from web import log_in

from kechuang.core.security import SYSTEM
from kechuang.points import service as svc
from kechuang.points.models import PointsScore
from kechuang.statistics.imports import import_file

HEADER = ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)", "研发费用总额(万元)"]


@pytest.fixture
def scored(session, world):
    """The world (2024 figures) with 2023 figures for 甲 and 乙, the codes of two industries, and
    one points run."""
    a, b = world["a"], world["b"]
    a.industry_code, b.industry_code = "C2710", "C3912"
    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(HEADER, [[a.uscc, 2023, 90, 4000, 200], [b.uscc, 2023, 50, 2500, 150]]),
        "p.xlsx",
    )
    assert rep.ok, rep.errors
    run = svc.create_run(session, SYSTEM)
    session.flush()
    return {**world, "run": run}


def stored(session, run, year):
    """(total, enterprise_id) of the year's scores, as the database holds them."""
    return [
        (s.total, s.enterprise_id)
        for s in session.scalars(
            select(PointsScore).where(PointsScore.run_id == run.id, PointsScore.year == year)
        )
    ]


def walk(session, principal, sort, descending, year=2024, n=1):
    out, page = [], 1
    while True:
        data = svc.top_list(
            session, principal, svc.ListFilter(), None, year, n, page, sort, descending
        )
        out += data["items"]
        if page * n >= data["total"]:
            return out
        page += 1


def test_total_descending_pages_continue_and_match_the_default(session, scored) -> None:
    expected = [
        e for _, e in sorted(stored(session, scored["run"], 2024), key=lambda t: (-t[0], t[1]))
    ]
    assert len(expected) == 3
    assert [r["enterprise_id"] for r in walk(session, SYSTEM, "total", True)] == expected
    # the old call (the best N) is the same order
    assert [r["enterprise_id"] for r in svc.top_list(session, SYSTEM)["items"]] == expected
    ascending = [r["enterprise_id"] for r in walk(session, SYSTEM, "total", False)]
    assert ascending == [
        e for _, e in sorted(stored(session, scored["run"], 2024), key=lambda t: (t[0], t[1]))
    ]


def test_name_sort_and_unknown_key(session, scored) -> None:
    names = [r["name"] for r in walk(session, SYSTEM, "name", False)]
    assert names == sorted(names) and len(names) == 3
    by_total = [r["enterprise_id"] for r in walk(session, SYSTEM, "total", True)]
    for bad in ("bogus", "total desc; --", "categories"):
        assert [r["enterprise_id"] for r in walk(session, SYSTEM, bad, True)] == by_total


def test_zone_admin_sorted_points_list_is_her_zone(session, scored, city) -> None:
    admin = make_principal(session, "zone_admin", zone=city["jiangdu"])
    rows = walk(session, admin, "name", True)
    assert [r["name"] for r in rows] == ["乙江都智能有限公司"]


def points_table(user: User) -> ui.table:
    return next(t for t in user.find(ui.table).elements if "rowsNumber" in t.pagination)


async def wait(predicate) -> None:
    for _ in range(200):
        if predicate():
            return
        await asyncio.sleep(0.05)
    assert predicate()


async def test_points_page_links_names_sorts_and_changes_year(user: User, scored) -> None:
    await log_in(user, "city")
    await user.open("/points")
    table = points_table(user)
    await wait(lambda: len(table.rows) == 3)
    a = scored["a"]
    row = next(r for r in table.rows if r["enterprise_id"] == a.id)
    assert row["url"] == f"/enterprises/{a.id}"
    assert row["industry_division"].startswith("医药制造业（C27")
    user.find(ui.table).trigger(
        "request",
        {"pagination": {"page": 2, "rowsPerPage": 2, "sortBy": "name", "descending": False}},
    )
    await wait(lambda: len(table.rows) == 1)
    last = sorted(["甲高新科技有限公司", "乙江都智能有限公司", "丙飞地企业有限公司"])[2]
    assert [r["name"] for r in table.rows] == [last]  # page 2 of 2 holds the last name
    assert table.pagination["rowsNumber"] == 3
    user.find(marker="year-select").elements.pop().value = 2023  # reopens /points?year=2023
    await wait(lambda: len(points_table(user).rows) == 2)  # 2023: 甲 and 乙 only
    assert {r["year"] for r in points_table(user).rows} == {2023}
