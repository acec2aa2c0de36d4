"""Issue 11, attack 4: the top-quartile benchmark a zone admin receives is never one zone's value.

With five zones a linear 75th percentile lands exactly on one of them; the benchmark is now the
mean of the best quarter of the other zones, at least three of them (widened while it equals one
zone's value), and is withheld ("同类高新区不足3个，不显示") with fewer than three other zones.
"""

from __future__ import annotations

import io
import math

import pytest
from factories import make_enterprise
from openpyxl import load_workbook
from sheets import xlsx
from web import login
from zone_helpers import OPTIONS, build_case

from kechuang.accounts.service import create_user
from kechuang.core.security import SYSTEM
from kechuang.statistics.imports import import_file
from kechuang.zones import service
from kechuang.zones.evaluation import TOP_QUARTILE, WITHHELD_NOTE, top_group_mean

PASSWORD = "Yz-kc-test-2026"


@pytest.fixture
def quintet(session, city):
    """The three-zone case plus 杭集 (D) and 宝应 (E), a five-zone peer set and 高邮's admin (C).

    Chosen so that the old 75th/25th percentile of the five equals another zone's value on every
    indicator (rd_intensity 6 = D, green 40 = B, energy 0.3 = B, tech contracts 4 = B)."""
    case = build_case(session, city)
    d = make_enterprise(session, city["hangji"], name="丁企业有限公司")
    e = make_enterprise(session, city["baoying"], name="戊企业有限公司")
    header = [
        "统一社会信用代码",
        "年度",
        "职工总数(人)",
        "营业收入(万元)",
        "研发费用总额(万元)",
        "技术合同成交额(万元)",
    ]
    rows = [[d.uscc, 2024, 100, 10000, 600, 500], [e.uscc, 2024, 100, 10000, 700, 300]]
    assert import_file(session, SYSTEM, "enterprise_years", xlsx(header, rows), "de.xlsx").ok
    zone_rows = [["杭集高新区", 2024, 45, 0.25], ["宝应安宜高新技术产业园", 2024, 35, 0.35]]
    rep = import_file(
        session,
        SYSTEM,
        "zone_years",
        xlsx(["高新区", "年度", "总绿地率(%)", "单位增加值综合能耗(吨标准煤/万元)"], zone_rows),
        "de-z.xlsx",
    )
    assert rep.ok, rep.errors
    names = ["扬州高新区", "江都高新区", "高邮高新区", "杭集高新区", "宝应安宜高新技术产业园"]
    service.save_peer_set(session, SYSTEM, "five", "五区对标", names)
    create_user(
        session,
        username="q_gaoyou",
        password=PASSWORD,
        role="zone_admin",
        zone_id=city["gaoyou"].id,
    )
    session.flush()
    return {**case, "D": f"z{city['hangji'].id}", "E": f"z{city['baoying'].id}"}


def _out_of_scope_values(session, quintet) -> dict[str, list[float]]:
    """The zones other than C: raw and normalised values by indicator, dimension scores by
    dimension and their scores, keyed as the benchmark shows them."""
    ev = service.evaluate(session, SYSTEM, 2024, "test_t", "five", OPTIONS)
    others = {quintet[k] for k in "ABDE"}
    pool: dict[str, list[float]] = {}
    for v in ev.values():
        if v["unit"] in others:
            pool.setdefault(f"raw:{v['indicator']}", []).append(v["raw"])
            pool.setdefault(f"norm:{v['indicator']}", []).append(v["normalised"])
    for r in ev.table():
        if r["unit"] in others:
            pool.setdefault("score", []).append(r["score"])
            for code, d in r["dimensions"].items():
                pool.setdefault(f"dim:{code}", []).append(d["score"])
    return {k: [float(x) for x in v if x is not None] for k, v in pool.items()}


def _equal_to_any(value, pool) -> bool:
    return any(math.isclose(float(value), p, rel_tol=1e-9, abs_tol=1e-9) for p in pool)


def test_attack_4_no_benchmark_figure_equals_another_zones_value(client, session, quintet):
    pool = _out_of_scope_values(session, quintet)
    h = login(client, "q_gaoyou")
    q = "year=2024&framework=test_t&peer_set=five&uncertainty_runs=0"
    r = client.get(f"/api/v1/evaluation/benchmark?{q}&against=top_quartile", headers=h)
    assert r.status_code == 200, r.text
    bm = r.json()
    g = bm["gaps"]
    dims = [d["code"] for d in bm["radar"]["dimensions"]]
    shown = [("score", g["benchmark_score"])]
    shown += [(f"dim:{c}", v) for c, v in zip(dims, bm["radar"]["benchmark"], strict=True)]
    for row in g["rows"]:
        shown += [(f"raw:{row['indicator']}", row["benchmark_raw"])]
        shown += [(f"norm:{row['indicator']}", row["benchmark_normalised"])]
    assert all(v is not None for _, v in shown) and g["note"] is None, bm  # five zones: shown
    leaked = [(k, v) for k, v in shown if _equal_to_any(v, pool[k])]
    assert leaked == [], leaked
    rows = {row["indicator"]: row for row in g["rows"]}
    # the mean of the best three of A, B, D, E would be D's 6 %, so the group widens to four
    assert rows["rd_intensity"]["benchmark_raw"] == pytest.approx((7 + 6 + 5 + 3) / 4)
    # lower is better: (0.25 + 0.3 + 0.35) / 3 is B's 0.3, so widened to four as well
    assert rows["energy_per_va"]["benchmark_raw"] == pytest.approx((0.25 + 0.3 + 0.35 + 0.4) / 4)
    assert sum(row["points"] for row in g["rows"]) == pytest.approx(g["score_gap"])

    # the export carries the same figures, and no other
    r = client.get(f"/api/v1/evaluation/exports/benchmark?{q}&against=top_quartile", headers=h)
    assert r.status_code == 200, r.text
    book = load_workbook(io.BytesIO(r.content), data_only=True)
    sheet = book.worksheets[0]
    header = next(row for row in sheet.iter_rows(values_only=True) if row and "对标值" in row)
    col = header.index("对标值")
    raw_pool = [v for k, vs in pool.items() if k.startswith("raw:") for v in vs]
    cells = [
        row[col]
        for row in sheet.iter_rows(values_only=True)
        if row and isinstance(row[col], (int, float))
    ]
    assert len(cells) == 4 and not [v for v in cells if _equal_to_any(v, raw_pool)]


def test_fewer_than_three_other_zones_withhold_the_benchmark(client, session, city):
    case = build_case(session, city)  # three zones: two others
    ev = service.evaluate(session, SYSTEM, 2024, "test_t", case["peer_set"], OPTIONS)
    g = ev.gaps(case["C"], TOP_QUARTILE)
    assert g["benchmark_score"] is None and g["score_gap"] is None and g["note"] == WITHHELD_NOTE
    assert all(r["benchmark_raw"] is None and r["advice"] == WITHHELD_NOTE for r in g["rows"])
    assert ev.radar(case["C"], TOP_QUARTILE)["benchmark"] == [None, None]


def test_top_group_mean():
    assert top_group_mean([1.0, 2.0]) is None
    assert top_group_mean([1.0, 2.0, 4.0, None]) == pytest.approx(7 / 3)
    # lower is better: the best three are 1, 2, 3, whose mean 2 is one of them: widened to four
    assert top_group_mean([5.0, 1.0, 2.0, 3.0], higher_is_better=False) == pytest.approx(2.75)
    # ties: the mean of three equal values is each one's value, and so is withheld
    assert top_group_mean([3.0, 3.0, 3.0]) is None
    assert top_group_mean([1.0, 2.0, 3.0, 0.5]) == pytest.approx(6.5 / 4)


TARGETS = {
    "name": "测试目标",
    "version": "1",
    "targets": [
        {
            "code": "rev",
            "name": "营业收入",
            "indicator": "e.operating_revenue",
            "unit": "万元",
            "baseline_year": 2023,
            "baseline_value": None,
            "target_year": 2025,
            "target_value": 90000,
        }
    ],
}


def test_city_totals_need_three_other_zones_in_every_year(session, city, quintet):
    """The attack: the city's total less her own zone is the other zone's revenue when only one or
    two others report. In 2023 only A and B report besides 高邮 (C): withheld for C's admin."""
    from kechuang.zones.service import TARGET_WITHHELD_NOTE

    gaoyou = city["gaoyou"]
    admin = make_principal_for(session, "q_gaoyou")
    [t] = service.track_targets(session, admin, config=TARGETS)
    assert t["tracker"] is None and t["zones"] == [] and t["withheld"] == TARGET_WITHHELD_NOTE
    [full] = service.track_targets(session, SYSTEM, config=TARGETS)  # the bureau sees it
    assert full["tracker"]["actual"][2023] == pytest.approx(8000 + 18000 + 5000)
    # D and E report 2023 too: four others in every year, the totals are shown to C's admin
    d = make_enterprise(session, city["hangji"], name="丁二企业有限公司")
    e = make_enterprise(session, city["baoying"], name="戊二企业有限公司")
    header = ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)"]
    rows = [[d.uscc, 2023, 10, 9000], [e.uscc, 2023, 10, 9500]]
    assert import_file(session, SYSTEM, "enterprise_years", xlsx(header, rows), "d23.xlsx").ok
    [t] = service.track_targets(session, admin, config=TARGETS)
    assert t["tracker"]["actual"][2023] == pytest.approx(8000 + 18000 + 5000 + 9000 + 9500)
    assert [z["zone"] for z in t["zones"]] == [gaoyou.name]  # her own row only


def test_withheld_targets_through_api_and_export(client, session, city, quintet):
    """The shipped 3000亿元 target (baseline 2020) when 2020 has one other zone's figure."""
    x = make_enterprise(session, city["yzhtz"], name="庚企业有限公司")
    y = make_enterprise(session, city["gaoyou"], name="辛企业有限公司")
    header = ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)"]
    rows = [[x.uscc, 2020, 10, 4321.5], [y.uscc, 2020, 10, 1000]]
    assert import_file(session, SYSTEM, "enterprise_years", xlsx(header, rows), "x20.xlsx").ok
    h = login(client, "q_gaoyou")
    r = client.get("/api/v1/evaluation/targets", headers=h)
    assert r.status_code == 200, r.text
    [t] = r.json()
    assert t["tracker"] is None and t["zones"] == [] and "不予显示" in t["withheld"]
    assert "4321" not in r.text and "5321" not in r.text
    r = client.get("/api/v1/evaluation/exports/targets", headers=h)
    assert r.status_code == 200, r.text
    cells = [
        str(v)
        for sheet in load_workbook(io.BytesIO(r.content)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
    ]
    assert any("不予显示" in c for c in cells) and not any("4321" in c for c in cells)
    # the bureau gets the tracker
    [t] = service.track_targets(session, SYSTEM)
    assert t["tracker"]["actual"][2020] == pytest.approx(5321.5)


def make_principal_for(session, username):
    """The principal of a stored user."""
    from kechuang.accounts.models import User
    from kechuang.accounts.service import principal_of

    return principal_of(session.query(User).filter_by(username=username).one())
