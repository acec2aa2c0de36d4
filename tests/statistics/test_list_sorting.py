"""The enterprise list sorted and paged by the database: numeric revenue order across pages, empty
figures last, unknown keys ignored safely, the zone admin's scope kept, and the year chosen."""

from __future__ import annotations

import pytest
from factories import make_enterprise, make_principal
from sheets import xlsx

from kechuang.core.security import SYSTEM
from kechuang.registry.service import EnterpriseFilter
from kechuang.statistics.imports import import_file
from kechuang.statistics.queries import enterprise_list_years, list_enterprises

HEADER = ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)", "研发费用总额(万元)"]


@pytest.fixture
def listed(session, city):
    """Five enterprises in two zones; revenues chosen so that text order differs from numbers
    (900 < 2000 < 10000 but "10000" < "2000" < "900"), one without figures, and a 2023 year
    whose order is the reverse."""
    yz, jd = city["yzhtz"], city["jiangdu"]
    ents = {
        "a": make_enterprise(session, yz, name="甲企业有限公司"),
        "b": make_enterprise(session, yz, name="乙企业有限公司"),
        "c": make_enterprise(session, jd, name="丙企业有限公司"),
        "d": make_enterprise(session, yz, name="丁企业有限公司"),
        "e": make_enterprise(session, jd, name="戊企业有限公司"),  # no figures
    }
    rows = [
        [ents["a"].uscc, 2024, 10, 900, 50],
        [ents["b"].uscc, 2024, 20, 10000, 10],
        [ents["c"].uscc, 2024, 30, 2000, 300],
        [ents["d"].uscc, 2024, 40, 35000.5, 20],
        [ents["a"].uscc, 2023, 10, 40000, 1],
        [ents["b"].uscc, 2023, 20, 100, 1],
    ]
    rep = import_file(session, SYSTEM, "enterprise_years", xlsx(HEADER, rows), "s.xlsx")
    assert rep.ok, rep.errors
    return ents


def names(rows):
    return [r["name"][:1] for r in rows]


def walk(session, principal, sort, descending, size=2, year=None):
    """Every page of the list in order, concatenated."""
    out, page = [], 1
    while True:
        rows, total = list_enterprises(
            session, principal, EnterpriseFilter(), page, size, sort, descending, year
        )
        out += rows
        if page * size >= total:
            return out, total
        page += 1


def test_revenue_descending_is_numeric_and_pages_continue(session, listed) -> None:
    rows, total = walk(session, SYSTEM, "revenue", True)
    assert total == 5
    # 35000.5 > 10000 > 2000 > 900, the enterprise without figures last
    assert names(rows) == ["丁", "乙", "丙", "甲", "戊"]
    page2, _ = list_enterprises(session, SYSTEM, EnterpriseFilter(), 2, 2, "revenue", True)
    assert names(page2) == ["丙", "甲"]


def test_revenue_ascending_keeps_empty_figures_last(session, listed) -> None:
    rows, _ = walk(session, SYSTEM, "revenue", False)
    assert names(rows) == ["甲", "丙", "乙", "丁", "戊"]
    assert [r["operating_revenue"] for r in rows] == [900, 2000, 10000, 35000.5, None]


def test_rd_expense_and_employees_sort(session, listed) -> None:
    rd, _ = walk(session, SYSTEM, "rd_expense", True, size=3)
    assert names(rd) == ["丙", "甲", "丁", "乙", "戊"]
    staff, _ = walk(session, SYSTEM, "employees", False, size=10)
    assert names(staff) == ["甲", "乙", "丙", "丁", "戊"]


def test_zone_sort_groups_by_zone_name_with_id_tiebreak(session, listed, city) -> None:
    rows, _ = walk(session, SYSTEM, "zone", False, size=10)
    order = [r["zone"] for r in rows]
    assert order == sorted(order)  # the database and Python agree on these two names' order
    jd = [r["name"][:1] for r in rows if r["zone"] == city["jiangdu"].name]
    assert jd == ["丙", "戊"]  # equal zone: by id, the order they were made


@pytest.mark.parametrize("sort", ["nonsense", "name; DROP TABLE enterprises", "", "__class__"])
def test_unknown_sort_key_is_ignored_safely(session, listed, sort) -> None:
    rows, total = walk(session, SYSTEM, sort, False, size=10)
    assert total == 5
    assert [r["id"] for r in rows] == sorted(e.id for e in listed.values())


def test_zone_admin_sorted_list_holds_only_her_zone(session, listed, city) -> None:
    admin = make_principal(session, "zone_admin", zone=city["yzhtz"])
    rows, total = walk(session, admin, "revenue", True, size=1)
    assert total == 3
    assert names(rows) == ["丁", "乙", "甲"]
    assert {r["zone_id"] for r in rows} == {city["yzhtz"].id}


def test_year_changes_the_figures_and_the_order(session, listed) -> None:
    assert enterprise_list_years(session) == [2024, 2023]
    rows, _ = walk(session, SYSTEM, "revenue", True, size=10, year=2023)
    assert names(rows)[:2] == ["甲", "乙"]
    assert [r["operating_revenue"] for r in rows[:2]] == [40000, 100]
    assert {r["year"] for r in rows} == {2023}


def test_oversized_and_negative_pages_are_clamped(session, listed) -> None:
    rows, total = list_enterprises(session, SYSTEM, EnterpriseFilter(), -3, 10_000, "name", False)
    assert total == 5 and len(rows) == 5


def test_api_sorts_by_revenue_and_ignores_unknown_keys(client, listed, world) -> None:
    from web import login

    h = login(client, "city")
    q = "/api/v1/enterprises?year=2024&page_size=2"
    page1 = client.get(f"{q}&sort=revenue&descending=true&page=1", headers=h).json()
    page2 = client.get(f"{q}&sort=revenue&descending=true&page=2", headers=h).json()
    revenues = [r["operating_revenue"] for r in page1["items"] + page2["items"]]
    # world's 5000 (甲高新), 2000, 800 join the fixture's 35000.5, 10000, 2000, 900
    assert revenues == [35000.5, 10000, 5000, 2000]
    assert page1["items"][0]["rd_expense"] == 20
    bad = client.get(f"{q}&sort=operating_revenue%3BDROP&page=1", headers=h)
    assert bad.status_code == 200
    assert [r["id"] for r in bad.json()["items"]] == sorted(
        r["id"] for r in client.get(f"{q}&page_size=500", headers=h).json()["items"]
    )[:2]
