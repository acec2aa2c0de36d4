"""一区一战略 specialisation on a constructed city: shares, LQ, HHI, similarity and 错位 flags."""

from __future__ import annotations

import polars as pl
import pytest
from factories import make_enterprise, make_principal
from sheets import xlsx
from sqlalchemy import select

from kechuang.core.security import SYSTEM
from kechuang.statistics.imports import import_file
from kechuang.zones import service
from kechuang.zones.specialisation import classify


@pytest.fixture
def portfolio(session, city):
    firms = [
        ("yzhtz", "C3511", 600),
        ("yzhtz", "C3581", 400),
        ("jiangdu", "I6513", 300),
        ("jiangdu", "I6531", 500),
        ("jiangdu", "M7320", 200),
        ("gaoyou", "C3871", 200),
        ("gaoyou", "I6450", 800),
    ]
    rows = []
    for zone, code, revenue in firms:
        e = make_enterprise(session, city[zone], industry_code=code)
        rows.append([e.uscc, 2024, 10, revenue])
    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)"], rows),
        "p.xlsx",
    )
    assert rep.ok, rep.errors
    return city


def test_classify_longest_prefix_then_declared():
    inds = [
        ("electronic_info", ["C39", "I65"]),
        ("digital_economy", ["I64", "I65"]),
        ("ai", ["I6513"]),
        ("biomedicine", ["C27", "C358"]),
        ("high_end_equipment", ["C35"]),
    ]
    out = classify(
        pl.Series(["I6513", "I6531", "I6531", "C3581", "C3511", None, "A0111"]),
        pl.Series([1, 1, 2, 1, 1, 1, 1]),
        inds,
        {(2, "digital_economy")},
    )
    assert out.to_list() == [
        "ai",
        "electronic_info",
        "digital_economy",
        "biomedicine",
        "high_end_equipment",
        "other",
        "other",
    ]


def test_shares_lq_hhi_and_flags(session, portfolio):
    city = portfolio
    res = service.specialisation_view(session, SYSTEM, 2024)
    zones = {z["zone"]: z for z in res["zones"]}
    assert zones["扬州高新区"]["declared_share"] == pytest.approx(1.0)
    assert zones["扬州高新区"]["hhi"] == pytest.approx(0.6**2 + 0.4**2)
    # 江都: 20 % of revenue is outside any strategic industry; HHI over strategic revenue only
    assert zones["江都高新区"]["declared_share"] == pytest.approx(0.8)
    assert zones["江都高新区"]["hhi"] == pytest.approx((0.3 / 0.8) ** 2 + (0.5 / 0.8) ** 2)
    cells = {(c["zone"], c["industry"]): c for c in res["cells"]}
    assert cells[("扬州高新区", "high_end_equipment")]["lq"] == pytest.approx(0.6 / (600 / 3000))
    assert cells[("江都高新区", "digital_economy")]["lq"] == pytest.approx(0.5 / (1300 / 3000))
    assert cells[("高邮高新区", "digital_economy")]["lq"] == pytest.approx(0.8 / (1300 / 3000))
    sim = {(s["zone_a"], s["zone_b"]): s["similarity"] for s in res["similarity"]}
    assert sim[("江都高新区", "高邮高新区")] == pytest.approx(0.4 / ((0.34**0.5) * (0.68**0.5)))
    assert sim[("扬州高新区", "江都高新区")] == pytest.approx(0.0)
    assert sim[("高邮高新区", "高邮高新区")] == pytest.approx(1.0)
    [flag] = res["flags"]
    assert {flag["zone_a"], flag["zone_b"]} == {"江都高新区", "高邮高新区"}
    assert [i["industry"] for i in flag["industries"]] == ["digital_economy"]
    zone_admin = make_principal(session, "zone_admin", zone=city["yzhtz"])
    mine = service.specialisation_view(session, zone_admin, 2024)
    assert {z["zone"] for z in mine["zones"]} == {"扬州高新区"}
    assert {c["zone"] for c in mine["cells"]} == {"扬州高新区"}
    assert mine["flags"] == []
    assert mine["similarity"]
    assert all(city["yzhtz"].id in (s["zone_a_id"], s["zone_b_id"]) for s in mine["similarity"])


def test_every_catalogue_industry_has_its_own_colour_on_the_share_chart(session, portfolio):
    from kechuang.core.palette import REST_COLOUR
    from kechuang.registry.models import Industry
    from kechuang.registry.service import industry_styles
    from kechuang.zones.charts import share_chart
    from kechuang.zones.specialisation import OTHER

    styles = industry_styles(session, rest=OTHER)
    codes = set(session.scalars(select(Industry.code)))
    assert len(codes) >= 13 and codes <= set(styles)
    colours = [styles[c]["itemStyle"]["color"] for c in codes]
    assert len(set(colours)) == len(colours)  # the catalogue fits the palette: no pattern needed
    assert REST_COLOUR not in colours
    by_name = dict(session.execute(select(Industry.name, Industry.code)).all())
    assert styles[by_name["人工智能"]] != styles[by_name["现代农业"]]
    res = service.specialisation_view(session, SYSTEM, 2024)
    series = share_chart(res)["series"]
    assert len(series) >= 4  # 高端装备, 生物医药, 人工智能, 数字经济, 照明, 其他 … in this city
    drawn = [s["itemStyle"]["color"] for s in series]
    assert len(set(drawn)) == len(drawn)
    # the same industry keeps the colour the registry gives it, on this chart as on any other
    for s in series:
        code = by_name.get(s["name"], OTHER)
        assert s["itemStyle"]["color"] == styles[code]["itemStyle"]["color"], s["name"]
    assert "其他行业" in {s["name"] for s in series}
    assert next(s for s in series if s["name"] == "其他行业")["itemStyle"]["color"] == REST_COLOUR
