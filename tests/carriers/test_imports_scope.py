"""Imports of the chain: happy paths and unhappy ones (unknown column, bad date, bad USCC,
overlap, unknown carrier: a Chinese message naming row and column, nothing stored); scope over the
API (zone admin of another zone 404, enterprise sees only his own record, bank 403)."""

from __future__ import annotations

import pytest
from factories import make_enterprise, row_counts
from sheets import xlsx
from web import PASSWORD, login

from kechuang.accounts.service import create_user
from kechuang.carriers import imports
from kechuang.carriers.models import Attribution, Incubation, TechContract
from kechuang.core.domain import import_kind

INC_HEADER = ["统一社会信用代码", "孵化载体", "入孵日期", "毕业或离开日期", "结束原因"]
CONTRACT_HEADER = ["合同登记编号", "合同类型", "成交金额(万元)", "卖方统一社会信用代码", "卖方名称",
                   "买方统一社会信用代码", "买方名称", "登记年度"]  # fmt: skip


def _run(session, principal, kind, content):
    return import_kind(kind).run_import(session, principal, content, "f.xlsx", False)


def test_incubation_import_stores_all_rows(session, chain, people):
    e = make_enterprise(session, chain["city"]["yzhtz"])
    rep = _run(session, people["zone_yz"], "incubations", xlsx(INC_HEADER, [
        [e.uscc, "T-INC2", "2022-01-01", "2023-06-30", "达到毕业条件"],
        [e.uscc, "测试孵化器一", "2023-06-30", None, None],  # a transfer on the day it graduated
    ]))  # fmt: skip
    assert rep.ok, rep.errors
    assert rep.created == 2
    stays = (
        session.query(Incubation)
        .filter_by(enterprise_id=e.id)
        .order_by(Incubation.entered_on)
        .all()
    )
    assert [s.outcome for s in stays] == ["graduated", None]


@pytest.mark.parametrize(
    ("header", "row", "column", "reason"),
    [
        (
            [*INC_HEADER, "孵化面积"],
            ["{u}", "T-INC1", "2022-01-01", None, None, "100"],
            "孵化面积",
            "",
        ),
        (INC_HEADER, ["{u}", "T-INC1", "2022-13-45", None, None], "入孵日期", ""),
        (
            INC_HEADER,
            ["91321003MA00000001", "T-INC1", "2022-01-01", None, None],
            "统一社会信用代码",
            "",
        ),
        (INC_HEADER, ["{u}", "不存在的载体", "2022-01-01", None, None], "孵化载体", "不是已登记"),
        (
            INC_HEADER,
            ["{u}", "T-INC1", "2022-01-01", "2021-01-01", "倒闭"],
            "结束原因",
            "不在代码表中",
        ),
    ],
)
def test_bad_incubation_file_stores_nothing(session, chain, people, header, row, column, reason):
    e = make_enterprise(session, chain["city"]["yzhtz"])
    good = [e.uscc, "T-INC2", "2010-01-01", "2011-01-01", "closed"]
    before = row_counts(session)
    rows = [good, [c.replace("{u}", e.uscc) if isinstance(c, str) else c for c in row]]
    if len(header) > len(INC_HEADER):
        rows[0] = [*good, "1"]
    rep = _run(session, people["city"], "incubations", xlsx(header, rows))
    assert not rep.ok
    assert any(err.column.startswith(column) and reason in err.reason for err in rep.errors), (
        rep.errors
    )
    assert "未导入" in rep.message()
    assert row_counts(session) == before


def test_overlap_inside_the_file_and_with_stored_rows(session, chain, people):
    e7 = chain["ents"]["e7"]  # in incubation since 2024-02-01
    e = make_enterprise(session, chain["city"]["yzhtz"])
    before = row_counts(session)
    rep = _run(session, people["city"], "incubations", xlsx(INC_HEADER, [
        [e.uscc, "T-INC1", "2020-01-01", "2021-01-01", "closed"],
        [e.uscc, "T-INC2", "2020-06-01", None, None],
        [e7.uscc, "T-INC2", "2024-03-01", None, None],
    ]))  # fmt: skip
    assert {(err.row, "不能同时" in err.reason) for err in rep.errors} == {(3, True), (4, True)}
    assert row_counts(session) == before


def test_zone_admin_cannot_import_another_zones_enterprise(session, chain, people):
    j = make_enterprise(session, chain["city"]["jiangdu"])
    rep = _run(session, people["zone_yz"], "incubations",
               xlsx(INC_HEADER, [[j.uscc, "T-INC1", "2022-01-01", None, None]]))  # fmt: skip
    assert [e.column for e in rep.errors] == ["统一社会信用代码"]


def test_contracts_import_and_duplicates(session, chain, people):
    ents = chain["ents"]
    row = ["HT-1", "技术转让", "12.5", ents["e1"].uscc, "卖方", ents["j1"].uscc, "买方", 2024]
    rep = _run(session, people["city"], "tech_contracts", xlsx(CONTRACT_HEADER, [row]))
    assert rep.ok and session.query(TechContract).one().amount == 12.5
    before = row_counts(session)
    rep = _run(session, people["city"], "tech_contracts", xlsx(CONTRACT_HEADER, [
        row, ["HT-2", "技术捐赠", "1", ents["e1"].uscc, "卖", "913210035", "买", 2024]]))  # fmt: skip
    cols = {e.column for e in rep.errors}
    assert {"合同登记编号", "合同类型", "买方统一社会信用代码"} <= cols, rep.errors
    assert row_counts(session) == before
    with pytest.raises(Exception, match="无权"):
        _run(session, people["zone_yz"], "tech_contracts", xlsx(CONTRACT_HEADER, [row]))


def test_attribution_import_updates_counted_zone(session, chain, people):
    city = chain["city"]
    e = make_enterprise(session, city["yzhtz"])
    header = [
        "统一社会信用代码",
        "安排类型",
        "孵化或所在高新区",
        "计入高新区",
        "起始日期",
        "终止日期",
    ]
    rep = _run(session, people["city"], "attributions", xlsx(header, [
        [e.uscc, "飞地经济", "扬州高新区", city["hangji"].name, "2024-01-01", None]]))  # fmt: skip
    assert rep.ok, rep.errors
    session.refresh(e)
    assert e.counted_zone_id == city["hangji"].id
    before = row_counts(session)
    rep = _run(session, people["city"], "attributions", xlsx(header, [
        [e.uscc, "异地孵化", "扬州高新区", city["jiangdu"].name, "2025-01-01", None],
        [e.uscc, "结对共建", "扬州高新区", "扬州高新区", "2020-01-01", "2019-01-01"]]))  # fmt: skip
    reasons = " ".join(err.reason for err in rep.errors)
    assert "重叠" in reasons and "相同" in reasons and "晚于起始日期" in reasons
    assert row_counts(session) == before and session.query(Attribution).count() == 1


def test_relocation_import_needs_a_graduation(session, chain, people):
    ents = chain["ents"]
    header = ["统一社会信用代码", "落地日期", "是否市内", "落地高新区", "市外去向"]
    before = row_counts(session)
    rep = _run(session, people["city"], "relocations", xlsx(header, [
        [ents["e7"].uscc, "2024-06-01", "是", "扬州高新区", None],  # still in incubation
        [ents["e1"].uscc, "2023-06-01", "否", None, None],  # outside without a destination
    ]))  # fmt: skip
    assert {e.column for e in rep.errors} == {"落地日期", "市外去向"}
    assert row_counts(session) == before
    rep = _run(session, people["city"], "relocations",
               xlsx(header, [[ents["e1"].uscc, "2023-06-01", "是", "扬州高新区", None]]))  # fmt: skip
    assert rep.ok, rep.errors


def test_carriers_import_creates_carrier_and_profile(session, chain, people):
    header = ["载体编号", "载体名称", "载体类型", "级别", "所在高新区", "运营主体", "运营主体类型"]
    rep = _run(session, people["city"], "carrier_profiles", xlsx(header, [
        ["T-FP1", "测试特色产业园", "特色产业园", "省级", "扬州高新区", "某投资公司", "社会资本"]]))  # fmt: skip
    assert rep.ok, rep.errors
    rows = {
        c["code"]: c
        for c in __import__("kechuang.carriers.service", fromlist=["x"]).list_carriers(
            session, people["city"]
        )
    }
    assert (
        rows["T-FP1"]["stage"] == "industry" and rows["T-FP1"]["operator_kind_label"] == "社会资本"
    )
    rep = _run(session, people["city"], "carrier_profiles", xlsx(header, [
        ["T-FP2", "坏", "加速器", "区级", "不存在区", "x", "私人"]]))  # fmt: skip
    assert {e.column for e in rep.errors} == {"载体类型", "级别", "所在高新区", "运营主体类型"}


def test_templates_have_the_headers():
    for kind in (
        "carrier_profiles",
        "incubations",
        "relocations",
        "attributions",
        "tech_contracts",
    ):
        assert import_kind(kind).template_bytes()[:2] == b"PK"
    assert imports.INCUBATION_COLUMNS[0].header == "统一社会信用代码"


# ------------------------------------------------------------------ scope over the API


@pytest.fixture
def api_users(session, chain):
    city = chain["city"]
    for name, role, kw in (
        ("ch_city", "city_admin", {}),
        ("ch_yz", "zone_admin", {"zone_id": city["yzhtz"].id}),
        ("ch_jd", "zone_admin", {"zone_id": city["jiangdu"].id}),
        ("ch_ent", "enterprise_user", {"enterprise_id": chain["ents"]["e2"].id}),
        ("ch_bank", "bank_viewer", {}),
    ):
        create_user(session, username=name, password=PASSWORD, role=role, **kw)
    session.flush()


def test_api_scope(client, session, chain, api_users):
    e3 = chain["incs"]["e3"].id
    v = "/api/v1/chain"
    assert client.get(f"{v}/incubations/{e3}", headers=login(client, "ch_yz")).status_code == 200
    assert client.get(f"{v}/incubations/{e3}", headers=login(client, "ch_jd")).status_code == 404
    assert client.get(f"{v}/incubations/{e3}", headers=login(client, "ch_ent")).status_code == 404
    ent = login(client, "ch_ent")
    mine = client.get(f"{v}/incubations", headers=ent).json()
    assert [r["enterprise_id"] for r in mine] == [chain["ents"]["e2"].id]
    assert (mine[0]["origin"], mine[0]["carrier"]) == ("测试应用型研究院", "测试孵化器一")
    assert client.get(f"{v}/metrics?year=2024", headers=ent).status_code == 403
    bank = login(client, "ch_bank")
    for path in ("/incubations", "/carriers", "/summary", "/contracts"):
        assert client.get(v + path, headers=bank).status_code == 403
    jd = client.get(f"{v}/incubations", headers=login(client, "ch_jd")).json()
    assert {r["enterprise_id"] for r in jd} == {chain["ents"]["j1"].id}
    yz = login(client, "ch_yz")
    assert (
        client.get(
            f"{v}/metrics?year=2024&zone_id={chain['city']['jiangdu'].id}", headers=yz
        ).status_code
        == 404
    )
    m = client.get(f"{v}/metrics?year=2024", headers=yz).json()
    assert m["total"]["graduates"] == 2
    s = client.get(f"{v}/summary?year=2024", headers=login(client, "ch_city")).json()
    assert s["graduates"] == 3
    assert client.get(f"{v}/methodology", headers=ent).json()["criteria_any"]
