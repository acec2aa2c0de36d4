"""One counting rule for zone totals (issue 16): an enterprise counts in its statistical zone
(飞地: counted where it is counted, not where registered) on the dashboard, the zone page and
the API alike, and both pages say so."""

from __future__ import annotations

import pytest
from factories import make_enterprise, make_principal
from nicegui import ui
from nicegui.testing import User
from sheets import xlsx
from web import log_in, login

from kechuang.core.security import SYSTEM
from kechuang.statistics.imports import import_file
from kechuang.statistics.queries import counting_rule_line, zone_totals

# world: 甲 registered and counted in 扬州高新区 (5000), 乙 in 江都 (2000), 丙 registered in 杭集
# but counted in 扬州高新区 (800); here 丁 stays in 杭集 (300).
EXPECTED = {
    "yzhtz": ("2", "0.58", "含飞地企业 1 家，不含注册在本区但计入他区的 0 家"),
    "hangji": ("1", "0.03", "含飞地企业 0 家，不含注册在本区但计入他区的 1 家"),
    "jiangdu": ("1", "0.20", "含飞地企业 0 家，不含注册在本区但计入他区的 0 家"),
}
NAMES = {"yzhtz": "扬州高新区", "hangji": "杭集高新区", "jiangdu": "江都高新区"}


@pytest.fixture
def enclave_world(session, world):
    """The world plus an enterprise that stays in 杭集, and an admin of 杭集."""
    city = world["city"]
    d = make_enterprise(session, city["hangji"], name="丁杭集有限公司")
    header = ["统一社会信用代码", "年度", "营业收入(万元)", "研发费用总额(万元)"]
    rep = import_file(
        session, SYSTEM, "enterprise_years", xlsx(header, [[d.uscc, 2024, 300, 10]]), "d.xlsx"
    )
    assert rep.ok, rep.errors
    make_principal(session, "zone_admin", zone=city["hangji"], username="zone_hj")
    session.flush()
    return world


def test_zone_totals_count_each_enterprise_in_its_statistical_zone(session, enclave_world):
    city = enclave_world["city"]
    rows = {r["zone_code"]: r for r in zone_totals(session, SYSTEM, [2024]).to_dicts()}
    assert rows["yzhtz"]["enterprises"] == 2 and rows["yzhtz"]["operating_revenue"] == 5800
    assert rows["hangji"]["enterprises"] == 1 and rows["hangji"]["operating_revenue"] == 300
    assert (rows["yzhtz"]["enclaves_in"], rows["yzhtz"]["counted_elsewhere"]) == (1, 0)
    assert (rows["hangji"]["enclaves_in"], rows["hangji"]["counted_elsewhere"]) == (0, 1)
    # 杭集's admin sees 丙 (registered with her) but gets only her zone's row: 丙 is not added to it
    # and no row of 扬州高新区 is made for her out of 丙
    hj = make_principal(session, "zone_admin", zone=city["hangji"])
    own = zone_totals(session, hj, [2024]).to_dicts()
    assert [(r["zone_code"], r["enterprises"], r["operating_revenue"]) for r in own] == [
        ("hangji", 1, 300)
    ]
    assert counting_rule_line(own) == (
        "按统计归属高新区计数（含飞地企业 0 家，不含注册在本区但计入他区的 1 家）"
    )


def test_zone_api_gives_the_same_totals(client, enclave_world):
    city = enclave_world["city"]
    headers = login(client, "city")
    for code, (count, _, _) in EXPECTED.items():
        r = client.get(f"/api/v1/zones/{city[code].id}", headers=headers)
        assert r.status_code == 200, r.text
        yearly = [y for y in r.json()["yearly"] if y["year"] == 2024]
        assert [y["enterprises"] for y in yearly] == [int(count)], code
        assert [y["counted_elsewhere"] for y in yearly] == [1 if code == "hangji" else 0], code


async def test_dashboard_and_zone_pages_agree_and_state_the_rule(user: User, enclave_world) -> None:
    city = enclave_world["city"]
    await log_in(user, "city")
    await user.should_see("2024年 分高新区", retries=100)
    await user.should_see("按统计归属高新区计数", retries=100)
    table = user.find(ui.table).elements.pop()
    # one money unit per column, stated in its header (5,800万元 = 0.58亿元)
    assert {c["name"]: c["label"] for c in table.columns}["revenue"].endswith("（亿元）")
    home = {r["zone"]: r for r in table.rows}
    for code, (count, revenue, _) in EXPECTED.items():
        assert (home[NAMES[code]]["enterprises"], home[NAMES[code]]["revenue"]) == (
            count,
            revenue,
        ), code
    for code, (count, revenue, note) in EXPECTED.items():
        await user.open(f"/zones/{city[code].id}")
        await user.should_see(marker="counting-rule", retries=100)
        yearly = [t for t in user.find(ui.table).elements if t.rows and "revenue" in t.rows[0]]
        row = yearly[0].rows[-1]
        assert (row["year"], row["enterprises"], row["revenue"]) == (2024, count, revenue), code
        line = user.find(marker="counting-rule").elements.pop().text
        assert line == f"2024年 按统计归属高新区计数（{note}）", code


async def test_the_zone_admin_lands_on_the_same_figures(user: User, enclave_world) -> None:
    await log_in(user, "zone_hj")
    await user.should_see(marker="counting-rule", retries=100)
    yearly = [t for t in user.find(ui.table).elements if t.rows and "revenue" in t.rows[0]][0]
    assert [(r["enterprises"], r["revenue"]) for r in yearly.rows] == [("1", "0.03")]
    await user.should_see("不含注册在本区但计入他区的 1 家", retries=100)
