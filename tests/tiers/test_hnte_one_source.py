"""One source for the 高新技术企业 count: the qualifications register, read by one function
(tiers.qualifications.hnte_holders) for the tiers dashboard's card and table, the funnel's HNTE
rung, the certificates table and the zone evaluation; and the register's import that accepts
有效期至 dates in the future but not past the kind's validity.

The fixture (rule: a certificate valid on 31 December of the year), hand-counted:

| enterprise | registered / counted zone | certificate(s)                         | 2023 | 2024 |
|------------|---------------------------|----------------------------------------|------|------|
| a          | 扬州 / 扬州               | 2023-11-01, blank (→ 2026-10-31)       | yes  | yes  |
| enclave    | 杭集 / 扬州 (飞地)        | 2022-03-01, 有效期至 2025-02-28        | yes  | yes  |
| c          | 扬州                      | 2021-06-01, blank (→ 2024-05-31)       | yes  | no: expired in 2024 |
| b          | 江都                      | 2025-01-10                             | no   | no: issued after the year |
| d (no figures) | 江都                  | 2024-12-31 (issued on the last day)    | no   | yes  |
| e          | 江都                      | 2021-12-31, 有效期至 2024-12-30        | yes  | no: ends the day before |
| f (no figures) | 杭集                  | 2022-12-31 and renewal 2025-12-01      | yes  | yes (once) |
| g          | 高邮                      | only an HNTE *application* 2024-05-01  | no   | no: not a certificate |

Expected per zone (the counting zone) — 2024: 扬州 2 (a, enclave), 江都 1 (d), 杭集 1 (f), 高邮 0; total 4.
2023: 扬州 3, 江都 1 (e), 杭集 1, 高邮 0 (no zone-year: no figures, no certificate); total 5.
Net increase 2024: 扬州 −1, 江都 0, 杭集 0, 高邮 unknown.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import make_enterprise, make_principal
from sheets import xlsx
from sqlalchemy import func, select

from kechuang.core.security import SYSTEM
from kechuang.tiers import dashboard, qualifications
from kechuang.tiers.models import EnterpriseQualification
from kechuang.zones import service as zones
from kechuang.zones.inputs import city_indicator_values

QUAL_HEADER = [
    "统一社会信用代码",
    "资质类型",
    "级别",
    "取得日期",
    "有效期至",
    "数值",
    "证书编号/文号",
]
HNTE = "高新技术企业证书"
OPTIONS = {"uncertainty_runs": 0, "treat": False, "normalise": "minmax"}
FRAMEWORK = {
    "code": "test_hnte",
    "name": "高企数测试框架",
    "version": "1",
    "publish": ["rank"],
    "dimensions": [
        {
            "code": "H1",
            "name": "产业",
            "weight": 100,
            "status": "confirmed",
            "rows": [
                {"row": "1.1", "name": "高新技术企业数", "weight": 1.0, "status": "confirmed",
                 "indicator": "hnte_count"},
                {"row": "1.2", "name": "当年净增高新技术企业数", "weight": 1.0,
                 "status": "confirmed", "indicator": "hnte_increase"},
            ],
        }
    ],
}  # fmt: skip


def _import(session, rows, principal=SYSTEM):
    return qualifications.import_qualifications(
        session, principal, xlsx(QUAL_HEADER, rows), "资质.xlsx"
    )


def _stored(session) -> int:
    return session.scalar(select(func.count()).select_from(EnterpriseQualification))


@pytest.fixture
def register(session, world):
    """world (a, b, enclave with 2024 figures) + c, e, g with figures, d, f without; certificates."""
    city = world["city"]
    c = make_enterprise(session, city["yzhtz"], name="丁证书过期有限公司")
    d = make_enterprise(session, city["jiangdu"], name="戊年末发证有限公司")
    e = make_enterprise(session, city["jiangdu"], name="己前一日到期有限公司")
    f = make_enterprise(session, city["hangji"], name="庚杭集持证有限公司")
    g = make_enterprise(session, city["gaoyou"], name="辛仅申请有限公司")
    from kechuang.statistics.imports import import_file

    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(
            ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)", "研发费用总额(万元)"],
            [[x.uscc, 2024, 40, 3000, 200] for x in (c, e, g)],
        ),
        "more.xlsx",
    )
    assert rep.ok, rep.errors
    a, b, enclave = world["a"], world["b"], world["enclave"]
    rep = _import(
        session,
        [
            [a.uscc, HNTE, "国家级", "2023-11-01", None, None, "GR202332000001"],
            [enclave.uscc, HNTE, "国家级", "2022-03-01", "2025-02-28", None, "GR202232000002"],
            [c.uscc, HNTE, "国家级", "2021-06-01", None, None, "GR202132000003"],
            [b.uscc, HNTE, "国家级", "2025-01-10", None, None, "GR202532000004"],
            [d.uscc, HNTE, "国家级", "2024-12-31", None, None, "GR202432000005"],
            [e.uscc, HNTE, "国家级", "2021-12-31", "2024-12-30", None, "GR202132000006"],
            [f.uscc, HNTE, "国家级", "2022-12-31", None, None, "GR202232000007"],
            [f.uscc, HNTE, "国家级", "2025-12-01", "2028-11-30", None, "GR202532000008"],
            [g.uscc, "高企认定申请（取得日期填申请日期）", "", "2024-05-01", None, None, ""],
        ],
    )
    assert rep.ok and rep.created == 9, rep.errors
    session.flush()
    return {**world, "c": c, "d": d, "e": e, "f": f, "g": g}


EXPECTED = {
    2024: {"yzhtz": 2, "jiangdu": 1, "hangji": 1, "gaoyou": 0},
    2023: {"yzhtz": 3, "jiangdu": 1, "hangji": 1, "gaoyou": 0},
}

# What a zone administrator sees: her zone's enterprises by registration or by counting zone — the
# enclave (registered in 杭集, counted in 扬州) is visible to both administrators.
VISIBLE = {
    2024: {"yzhtz": 2, "jiangdu": 1, "hangji": 2, "gaoyou": 0},
    2023: {"yzhtz": 3, "jiangdu": 1, "hangji": 2, "gaoyou": 0},
}


def test_the_one_function_counts_by_hand(session, register):
    city = register["city"]
    held = qualifications.hnte_holders(session, [2023, 2024])
    for year, per_zone in EXPECTED.items():
        got = held.filter(held["year"] == year)
        for code, n in per_zone.items():
            assert got.filter(got["zone_id"] == city[code].id).height == n, (year, code)
    in_2024 = set(held.filter(held["year"] == 2024).get_column("enterprise_id").to_list())
    r = register
    assert in_2024 == {r["a"].id, r["enclave"].id, r["d"].id, r["f"].id}


def test_dashboard_funnel_certificates_and_zone_evaluation_agree_for_every_zone(session, register):
    city = register["city"]
    codes = list(EXPECTED[2024])
    ids = [city[c].id for c in codes]
    zone_values = city_indicator_values(session, ids, [2023, 2024], ["hnte_count", "hnte_increase"])
    zones.save_framework(session, SYSTEM, FRAMEWORK)
    zones.save_peer_set(session, SYSTEM, "four", "四区", [city[c].name for c in codes])
    ev = zones.evaluate(session, SYSTEM, 2024, "test_hnte", "four", OPTIONS)
    raw = {
        (v["unit"], v["indicator"]): v["raw"] for v in ev.values() if v["indicator"] == "hnte_count"
    }
    city_pipe = dashboard.pipeline(session, SYSTEM, [2023, 2024])
    for code in codes:
        zone_id = city[code].id
        for year in (2023, 2024):
            want = EXPECTED[year][code]
            # zone evaluation: the indicator values and the evaluation's raw values
            row = zone_values.filter(
                (zone_values["zone_id"] == zone_id) & (zone_values["year"] == year)
            )
            # a zone-year with neither figures nor certificates (高邮 2023) has no row at all
            got = row.get_column("hnte_count")[0] if row.height else 0
            assert got == want and (row.height == 1 or (code, year) == ("gaoyou", 2023))
            # the city dashboard's per-zone table
            counted = [
                c for c in city_pipe["counts"] if c["year"] == year and c["zone_id"] == zone_id
            ]
            assert (counted[0]["hnte"] if counted else 0) == want, (code, year)
        assert raw[(f"z{zone_id}", "hnte_count")] == EXPECTED[2024][code]
        increase = zone_values.filter(
            (zone_values["zone_id"] == zone_id) & (zone_values["year"] == 2024)
        ).get_column("hnte_increase")[0]
        if code == "gaoyou":
            assert increase is None  # no 2023 zone-year to subtract from: unknown, not 0
        else:
            assert increase == EXPECTED[2024][code] - EXPECTED[2023][code]
        # the zone's own administrator: her zone's row says the zone's count; the card, the
        # visible total, the funnel and the certificates table agree on her visible range
        admin = make_principal(session, "zone_admin", zone=city[code])
        pipe = dashboard.pipeline(session, admin, [2023, 2024])
        mine = [c for c in pipe["counts"] if c["year"] == 2024 and c["zone_id"] == zone_id]
        assert (mine[0]["hnte"] if mine else 0) == EXPECTED[2024][code], code
        card = next(t for t in pipe["targets"]["progress"] if t["code"] == "hnte")
        total = next(c for c in pipe["counts"] if c["year"] == 2024 and c["zone_id"] is None)
        rung3 = next(f for f in pipe["funnel"] if f["rung"] == 3)
        certs = {c["year"]: c["valid"] for c in pipe["certificates"]}
        want = VISIBLE[2024][code]
        assert card["current"] == total["hnte"] == rung3["holders"] == certs[2024] == want, code
        assert certs[2023] == VISIBLE[2023][code]
        # a holder is on the HNTE rung at least, with figures for the year or not
        assert rung3["value"] >= rung3["holders"]
    total = next(c for c in city_pipe["counts"] if c["year"] == 2024 and c["zone_id"] is None)
    assert total["hnte"] == 4
    assert "资质登记" in city_pipe["hnte_rule"]
    # the evaluation says where the count comes from
    rows = {r["indicator"]: r for r in ev.framework.rows_table()}
    assert rows["hnte_count"]["data_source"] == "资质登记"


def test_the_register_counts_nothing_from_financials(session, register):
    """An enterprise meeting every financial condition but holding no certificate is not counted:
    g reports strong figures and only applied; 高邮 stays at 0."""
    city = register["city"]
    values = city_indicator_values(session, [city["gaoyou"].id], [2024], ["hnte_count"])
    assert values.get_column("hnte_count").to_list() == [0.0]


# --- the import: 有效期至 in the future, checked against the kind's validity ---------------------


def test_a_valid_certificate_expiring_next_year_imports(session, world):
    b = world["b"]
    today = date.today()
    issued = date(today.year - 2, 3, 15)
    expires = date(today.year + 1, 3, 14)  # three years less a day: next year
    rep = _import(
        session, [[b.uscc, HNTE, "国家级", issued.isoformat(), expires.isoformat(), None, "GR1"]]
    )
    assert rep.ok and rep.created == 1, rep.errors
    stored = session.scalar(select(EnterpriseQualification))
    assert stored.expires_on == expires
    # a title running into the future imports too
    rep = _import(
        session,
        [
            [
                b.uscc,
                "专精特新中小企业称号",
                "省级",
                issued.isoformat(),
                expires.isoformat(),
                None,
                "",
            ]
        ],
    )
    assert rep.ok, rep.errors


def test_a_certificate_running_past_its_validity_is_refused_with_the_row(session, world):
    a, b = world["a"], world["b"]
    rep = _import(
        session,
        [
            [a.uscc, HNTE, "国家级", "2023-11-01", "2026-10-31", None, "GR-ok"],
            # issued 2024-12-01: three years + the month's slack end on 2027-12-31
            [b.uscc, HNTE, "国家级", "2024-12-01", "2028-12-01", None, "GR-wrong"],
        ],
    )
    assert not rep.ok
    assert _stored(session) == 0  # the good row is not stored either
    [err] = rep.errors
    assert err.row == 3 and err.column == "有效期至" and err.value.startswith("2028-12-01")
    assert "高新技术企业证书" in err.reason and "3年" in err.reason
    assert "2027-12-31" in err.reason
    assert "文件“资质.xlsx”有 1 处错误，未导入任何数据" in rep.message()


def test_validity_boundary_and_other_date_rules(session, world):
    b = world["b"]
    # the last accepted day: issued 2024-12-01 → 2027-12-31 is accepted, 2028-01-01 is not
    ok = _import(session, [[b.uscc, HNTE, "国家级", "2024-12-01", "2027-12-31", None, "x"]])
    assert ok.ok, ok.errors
    bad = _import(session, [[b.uscc, HNTE, "国家级", "2024-12-02", "2028-01-02", None, "x"]])
    assert not bad.ok and "应不晚于 2028-01-01" in bad.errors[0].reason
    # an expiry before the issue date is still an error
    bad = _import(session, [[b.uscc, HNTE, "国家级", "2024-12-01", "2024-11-30", None, "x"]])
    assert [e.reason for e in bad.errors] == ["有效期至早于取得日期"]
    # the issue date may still not lie in the future
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    bad = _import(session, [[b.uscc, HNTE, "国家级", tomorrow, None, None, "x"]])
    assert [(e.column, e.reason) for e in bad.errors] == [("取得日期", "日期晚于今天")]
    # kinds without a fixed validity (an R&D institution) take any later expiry
    ok = _import(
        session, [[b.uscc, "省部级以上研发机构", "省级", "2020-01-01", "2035-12-31", None, ""]]
    )
    assert ok.ok, ok.errors
    assert _stored(session) == 2
