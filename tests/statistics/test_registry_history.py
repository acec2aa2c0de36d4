"""The registry keeps history: an enterprises file changes only what it holds (a blank cell keeps,
〔清空〕 clears), every change is a revision with its import, shown on the enterprise page and in the
API, and an import's registry changes can be reverted."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_enterprise, make_principal, make_uscc, row_counts
from nicegui import ui
from nicegui.testing import User
from sheets import xlsx
from sqlalchemy import select
from web import log_in, login

from kechuang.accounts.service import create_user
from kechuang.core.audit import AuditLog
from kechuang.core.errors import Unprocessable
from kechuang.core.security import SYSTEM
from kechuang.registry.models import Enterprise, Park, Zone
from kechuang.statistics.history import registry_changes_of_import, revert_enterprise_import
from kechuang.statistics.imports import import_file
from kechuang.statistics.models import EnterpriseRevision, EnterpriseYear, ZoneYear
from kechuang.statistics.queries import zone_year_figures

NAME = "扬州甲科技有限公司"
FULL_HEADER = [
    "统一社会信用代码",
    "企业名称",
    "成立日期",
    "所在区县",
    "所属高新区",
    "所在园区",
    "行业代码(GB/T 4754)",
    "技术领域",
]


def imp(session, kind, content, principal=SYSTEM, dry_run=False, filename="名录.xlsx"):
    """Run an import."""
    return import_file(session, principal, kind, content, filename, dry_run=dry_run)


def facts(ent: Enterprise) -> tuple:
    """The registry facts an enterprises file sets."""
    return (
        ent.name,
        ent.founded_on,
        ent.region_code,
        ent.zone_id,
        ent.park_id,
        ent.industry_code,
        ent.tech_field,
    )


def revisions(session, ent) -> list[EnterpriseRevision]:
    """The enterprise's registry revisions, oldest first."""
    stmt = (
        select(EnterpriseRevision)
        .where(EnterpriseRevision.enterprise_id == ent.id)
        .order_by(EnterpriseRevision.id)
    )
    return list(session.scalars(stmt))


@pytest.fixture
def officer(session):
    """A bureau user whose name revisions carry."""
    return make_principal(session, "city_admin", username="wang")


@pytest.fixture
def ids(session, city):
    """Zone and park ids by code."""
    parks = {p.code: p.id for p in session.scalars(select(Park))}
    return {"zone": {k: z.id for k, z in city.items()}, "park": parks}


@pytest.fixture
def ent(session, city, officer):
    """An enterprise created by a full enterprises file (so it has its creation revision)."""
    uscc = make_uscc()
    row = [uscc, NAME, "2019-03-15", "邗江区", "扬州高新区", "yzhtz-bio", "c2710", "生物与新医药"]
    report = imp(session, "enterprises", xlsx(FULL_HEADER, [row]), officer, filename="首次.xlsx")
    assert report.ok and report.created == 1, report.errors
    return session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))


def original(ids) -> tuple:
    return (
        NAME,
        date(2019, 3, 15),
        "321003",
        ids["zone"]["yzhtz"],
        ids["park"]["yzhtz-bio"],
        "C2710",
        "生物与新医药",
    )


# --- only the columns present change --------------------------------------------------------


def test_a_file_with_only_uscc_and_name_keeps_every_other_fact(session, ent, ids, officer):
    same = imp(session, "enterprises", xlsx(["统一社会信用代码", "企业名称"], [[ent.uscc, NAME]]))
    assert same.ok and (same.created, same.revised, same.unchanged) == (0, 0, 1)
    assert facts(ent) == original(ids)
    assert len(revisions(session, ent)) == 1  # only its creation

    renamed = imp(
        session,
        "enterprises",
        xlsx(["统一社会信用代码", "企业名称"], [[ent.uscc, "扬州甲科技股份有限公司"]]),
        officer,
        filename="改名.xlsx",
    )
    assert renamed.ok and (renamed.created, renamed.revised, renamed.unchanged) == (0, 1, 0)
    assert facts(ent) == ("扬州甲科技股份有限公司", *original(ids)[1:])
    rev = revisions(session, ent)[-1]
    assert (rev.action, rev.before, rev.after) == (
        "update",
        {"name": NAME},
        {"name": "扬州甲科技股份有限公司"},
    )
    assert (rev.import_id, rev.username) == (renamed.import_id, "wang")
    assert ent.import_id == renamed.import_id
    assert renamed.notes == [] and renamed.cleared == 0


def test_the_creation_is_a_revision_with_every_fact(session, ent, ids):
    (rev,) = revisions(session, ent)
    assert (rev.action, rev.before, rev.username) == ("create", {}, "wang")
    assert rev.after == {
        "uscc": ent.uscc,
        "name": NAME,
        "founded_on": "2019-03-15",
        "region_code": "321003",
        "zone_id": ids["zone"]["yzhtz"],
        "park_id": ids["park"]["yzhtz-bio"],
        "industry_code": "C2710",
        "tech_field": "生物与新医药",
    }
    assert rev.import_id == ent.import_id
    audited = session.scalar(
        select(AuditLog).where(
            AuditLog.entity == "enterprise_revisions", AuditLog.entity_id == str(rev.id)
        )
    )
    assert audited is not None and audited.action == "create"


def test_blank_cells_keep_and_clear_markers_clear(session, ent, ids):
    row = [ent.uscc, NAME, None, None, None, "〔清空〕", "【清空】", " [清空] "]
    report = imp(session, "enterprises", xlsx(FULL_HEADER, [row]))
    assert report.ok, report.errors
    assert (report.created, report.revised, report.unchanged, report.cleared) == (0, 1, 0, 3)
    assert "3 个原有数值按〔清空〕标记清除" in report.message()
    assert facts(ent) == (NAME, date(2019, 3, 15), "321003", ids["zone"]["yzhtz"], None, None, None)
    rev = revisions(session, ent)[-1]
    assert rev.before == {
        "park_id": ids["park"]["yzhtz-bio"],
        "industry_code": "C2710",
        "tech_field": "生物与新医药",
    }
    assert rev.after == {"park_id": None, "industry_code": None, "tech_field": None}
    # clearing what is already empty changes nothing
    again = imp(session, "enterprises", xlsx(FULL_HEADER, [row]))
    assert (again.revised, again.unchanged, again.cleared) == (0, 1, 0)


@pytest.mark.parametrize(
    ("kind", "header", "row", "column"),
    [
        ("enterprises", ["统一社会信用代码", "企业名称"], ["U", "〔清空〕"], "企业名称"),
        ("enterprises", ["统一社会信用代码", "企业名称"], ["【清空】", NAME], "统一社会信用代码"),
        ("enterprise_years", ["统一社会信用代码", "年度"], ["U", "[清空]"], "年度"),
        ("zone_years", ["高新区", "年度", "总绿地率(%)"], ["〔清空〕", 2024, 30], "高新区"),
    ],
)
def test_a_clear_marker_in_a_required_column_is_rejected(session, ent, kind, header, row, column):
    row = [ent.uscc if v == "U" else v for v in row]
    before = row_counts(session)
    report = imp(session, kind, xlsx(header, [row]))
    assert [(e.row, e.column, e.reason) for e in report.errors] == [(2, column, "必填项不能清空")]
    assert row_counts(session) == before


# --- zone changes ---------------------------------------------------------------------------


def test_a_zone_change_keeps_the_park_only_if_it_belongs(session, ent, ids):
    header = ["统一社会信用代码", "企业名称", "所属高新区"]
    before = row_counts(session)
    report = imp(session, "enterprises", xlsx(header, [[ent.uscc, NAME, "江都高新区"]]))
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (
            2,
            "所在园区",
            "原登记园区“生物医药园”不属于江都高新区：请同时填写新的所在园区，或填写〔清空〕",
        )
    ]
    assert row_counts(session) == before and ent.zone_id == ids["zone"]["yzhtz"]
    # a park of another zone named in the file is refused as before
    report = imp(
        session,
        "enterprises",
        xlsx(header + ["所在园区"], [[ent.uscc, NAME, "江都高新区", "yzhtz-mems"]]),
    )
    assert [(e.column, e.reason) for e in report.errors] == [
        ("所在园区", "园区不存在或不属于所填高新区")
    ]


def test_a_zone_change_is_noted_and_brings_the_district_when_the_file_has_none(session, ent, ids):
    header = ["统一社会信用代码", "企业名称", "所属高新区", "所在园区"]
    dry = imp(
        session,
        "enterprises",
        xlsx(header, [[ent.uscc, NAME, "江都高新区", "〔清空〕"]]),
        dry_run=True,
    )
    assert dry.ok and dry.notes == [
        "第2行 扬州甲科技有限公司：所属高新区由 扬州高新区 改为 江都高新区"
    ]
    assert len(revisions(session, ent)) == 1 and ent.zone_id == ids["zone"]["yzhtz"]
    report = imp(session, "enterprises", xlsx(header, [[ent.uscc, NAME, "江都高新区", "〔清空〕"]]))
    assert report.ok and report.revised == 1
    assert report.notes == ["第2行 扬州甲科技有限公司：所属高新区由 扬州高新区 改为 江都高新区"]
    assert report.as_dict()["notes"] == report.notes
    assert (ent.zone_id, ent.park_id, ent.region_code) == (ids["zone"]["jiangdu"], None, "321012")
    rev = revisions(session, ent)[-1]
    assert rev.before == {
        "zone_id": ids["zone"]["yzhtz"],
        "park_id": ids["park"]["yzhtz-bio"],
        "region_code": "321003",
    }
    assert rev.after == {
        "zone_id": ids["zone"]["jiangdu"],
        "park_id": None,
        "region_code": "321012",
    }


def test_a_blank_district_cell_keeps_the_district_when_the_zone_changes(session, ent, ids):
    header = ["统一社会信用代码", "企业名称", "所在区县", "所属高新区", "所在园区"]
    report = imp(
        session, "enterprises", xlsx(header, [[ent.uscc, NAME, None, "江都高新区", "〔清空〕"]])
    )
    assert report.ok, report.errors
    assert (ent.zone_id, ent.region_code) == (ids["zone"]["jiangdu"], "321003")


# --- statistics files -----------------------------------------------------------------------

EY = [
    "统一社会信用代码",
    "企业名称",
    "年度",
    "职工总数(人)",
    "营业收入(万元)",
    "研发费用总额(万元)",
]


def _figures(session, ent) -> list[tuple]:
    stmt = (
        select(EnterpriseYear)
        .where(EnterpriseYear.enterprise_id == ent.id)
        .order_by(EnterpriseYear.revision)
    )
    return [
        (r.revision, r.is_current, r.employees, r.operating_revenue, r.rd_expense)
        for r in session.scalars(stmt)
    ]


def test_a_clear_marker_retires_an_enterprise_year_value(session, ent):
    first = imp(session, "enterprise_years", xlsx(EY, [[ent.uscc, None, 2024, 10, 100, 5]]))
    assert first.ok, first.errors
    report = imp(
        session, "enterprise_years", xlsx(EY, [[ent.uscc, None, 2024, None, "〔清空〕", None]])
    )
    assert report.ok, report.errors
    assert (report.revised, report.carried_forward, report.cleared) == (1, 2, 1)
    assert "1 个原有数值按〔清空〕标记清除" in report.message()
    assert _figures(session, ent) == [(1, False, 10, 100.0, 5.0), (2, True, 10, None, 5.0)]
    # the marker where nothing is left to clear changes nothing
    again = imp(
        session, "enterprise_years", xlsx(EY, [[ent.uscc, None, 2024, None, "〔清空〕", None]])
    )
    assert (again.revised, again.unchanged, again.cleared) == (0, 1, 0)
    # on a year with no figures yet it stores the row without the value
    new_year = imp(
        session, "enterprise_years", xlsx(EY, [[ent.uscc, None, 2023, 7, "〔清空〕", None]])
    )
    assert (new_year.created, new_year.cleared) == (1, 0)


def test_a_clear_marker_retires_a_zone_year_value(session, city):
    header = ["高新区", "年度", "总绿地率(%)", "单位增加值综合能耗(吨标准煤/万元)"]
    assert imp(session, "zone_years", xlsx(header, [["扬州高新区", 2024, 30, 0.4]])).ok
    report = imp(session, "zone_years", xlsx(header, [["扬州高新区", 2024, "〔清空〕", None]]))
    assert report.ok, report.errors
    assert (report.created, report.revised, report.unchanged, report.cleared) == (0, 1, 0, 1)
    rows = session.scalars(
        select(ZoneYear)
        .where(ZoneYear.indicator_code == "green_coverage")
        .order_by(ZoneYear.revision)
    ).all()
    assert [(r.revision, r.value, r.is_current) for r in rows] == [
        (1, 30.0, False),
        (2, None, True),
    ]
    assert rows[1].import_id == report.import_id
    codes = [f["indicator_code"] for f in zone_year_figures(session, SYSTEM, city["yzhtz"].id)]
    assert "green_coverage" not in codes and len(codes) == 1
    again = imp(session, "zone_years", xlsx(header, [["扬州高新区", 2024, "〔清空〕", None]]))
    assert again.ok and (again.created, again.revised, again.unchanged, again.cleared) == (
        0,
        0,
        0,
        0,
    )
    restored = imp(session, "zone_years", xlsx(header, [["扬州高新区", 2024, 31, None]]))
    assert restored.revised == 1


def test_a_name_that_differs_from_the_registry_is_rejected(session, ent):
    before = row_counts(session)
    report = imp(
        session, "enterprise_years", xlsx(EY, [[ent.uscc, "扬州乙公司", 2024, 10, 100, 5]])
    )
    assert [(e.row, e.column, e.value, e.reason) for e in report.errors] == [
        (
            2,
            "企业名称",
            "扬州乙公司",
            "企业名称与登记不符：文件为“扬州乙公司”，登记为“扬州甲科技有限公司”",
        )
    ]
    assert row_counts(session) == before


def test_names_are_compared_after_trimming_and_width_folding(session, city):
    ent = make_enterprise(session, city["yzhtz"], name="扬州（江都）ＡＢ科技有限公司")
    rows = [
        [ent.uscc, " 扬州(江都)AB科技有限公司 ", 2024, 10, 100, 5],
        [ent.uscc, None, 2023, 10, 100, 5],  # blank: not checked
    ]
    report = imp(session, "enterprise_years", xlsx(EY, rows))
    assert report.ok and report.created == 2, report.errors


def test_a_denied_enterprise_name_is_not_revealed(session, city, ent):
    principal = make_principal(session, "zone_admin", zone=city["jiangdu"])
    report = imp(
        session, "enterprise_years", xlsx(EY, [[ent.uscc, "别的公司", 2024, 10, 100, 5]]), principal
    )
    assert [e.reason for e in report.errors] == ["企业未登记或无权导入该企业的数据"]


# --- undo -----------------------------------------------------------------------------------


def test_revert_restores_before_values_and_deletes_created_enterprises(session, ent, ids):
    new_uscc = make_uscc()
    header = ["统一社会信用代码", "企业名称", "所属高新区", "所在园区", "技术领域"]
    report = imp(
        session,
        "enterprises",
        xlsx(
            header,
            [
                [ent.uscc, "扬州甲新名称有限公司", "江都高新区", "〔清空〕", None],
                [new_uscc, "新建公司", "扬州高新区", None, "新材料"],
            ],
        ),
    )
    assert report.ok and (report.created, report.revised) == (1, 1)
    changes = registry_changes_of_import(session, report.import_id)
    assert [c.action for c in changes] == ["update", "create"]
    first_import = revisions(session, ent)[0].import_id

    revert_enterprise_import(session, report.import_id)

    session.refresh(ent)
    assert facts(ent) == original(ids)
    assert ent.import_id == first_import
    assert session.scalar(select(Enterprise).where(Enterprise.uscc == new_uscc)) is None
    assert registry_changes_of_import(session, report.import_id) == []
    assert [r.action for r in revisions(session, ent)] == ["create"]


def test_revert_refuses_when_a_later_import_changed_the_enterprise(session, ent, ids):
    one = imp(session, "enterprises", xlsx(["统一社会信用代码", "企业名称"], [[ent.uscc, "一号"]]))
    two = imp(
        session,
        "enterprises",
        xlsx(["统一社会信用代码", "企业名称", "技术领域"], [[ent.uscc, "一号", "新材料"]]),
    )
    assert one.revised == 1 and two.revised == 1
    before = row_counts(session)
    with pytest.raises(Unprocessable) as exc:
        revert_enterprise_import(session, one.import_id)
    assert str(exc.value) == (
        f"企业“一号”（{ent.uscc}）在本次导入之后又被第 {two.import_id} 号导入修改，"
        "不能撤销本次导入的登记变更：请先撤销后来的导入"
    )
    assert row_counts(session) == before and (ent.name, ent.tech_field) == ("一号", "新材料")
    # undone newest first, both go
    revert_enterprise_import(session, two.import_id)
    revert_enterprise_import(session, one.import_id)
    assert facts(ent) == original(ids)


def test_revert_refuses_to_delete_a_created_enterprise_that_has_figures(session, ent):
    created = imp(
        session,
        "enterprises",
        xlsx(["统一社会信用代码", "企业名称"], [[make_uscc(), "有数据公司"]]),
    )
    other = session.scalar(select(Enterprise).where(Enterprise.name == "有数据公司"))
    assert imp(session, "enterprise_years", xlsx(EY, [[other.uscc, None, 2024, 1, 2, 1]])).ok
    before = row_counts(session)
    with pytest.raises(Unprocessable) as exc:
        revert_enterprise_import(session, created.import_id)
    assert str(exc.value) == (
        f"企业“有数据公司”（{other.uscc}）由本次导入新增，但现已有企业年度统计等数据，"
        "不能删除：请先删除或撤销这些数据"
    )
    assert row_counts(session) == before


# --- the enterprise page and the API --------------------------------------------------------


@pytest.fixture
def history_world(world, session):
    """World enterprise 乙 renamed and moved by an import of the bureau user 'city'."""
    b = world["b"]
    principal = make_principal(session, "city_admin", username="li")
    report = imp(
        session,
        "enterprises",
        xlsx(
            ["统一社会信用代码", "企业名称", "所属高新区"],
            [[b.uscc, "乙江都智能股份公司", "扬州高新区"]],
        ),
        principal,
        filename="迁移.xlsx",
    )
    assert report.ok and report.revised == 1, report.errors
    create_user(session, username="bank_h", password="Yz-kc-test-2026", role="bank_viewer")
    session.flush()
    return {**world, "import_id": report.import_id}


def test_api_lists_revisions_in_scope(history_world, client, session):
    b, a = history_world["b"], history_world["a"]
    zones = {z.code: z.id for z in session.scalars(select(Zone))}
    body = client.get(f"/api/v1/enterprises/{b.id}/revisions", headers=login(client, "city")).json()
    assert len(body) == 1
    rev = body[0]
    assert (rev["import_id"], rev["filename"], rev["action"], rev["username"]) == (
        history_world["import_id"],
        "迁移.xlsx",
        "update",
        "li",
    )
    assert {
        c["field"]: (c["label"], c["before"], c["after"], c["before_text"], c["after_text"])
        for c in rev["changes"]
    } == {
        "name": (
            "企业名称",
            "乙江都智能有限公司",
            "乙江都智能股份公司",
            "乙江都智能有限公司",
            "乙江都智能股份公司",
        ),
        "region_code": ("所在区县", "321012", "321003", "江都区", "邗江区"),
        "zone_id": ("所属高新区", zones["jiangdu"], zones["yzhtz"], "江都高新区", "扬州高新区"),
    }
    own = client.get(f"/api/v1/enterprises/{b.id}/revisions", headers=login(client, "ent_b"))
    assert own.status_code == 200 and len(own.json()) == 1
    # another enterprise's user: the same 404 as the enterprise's own route
    headers = login(client, "ent_b")
    detail = client.get(f"/api/v1/enterprises/{a.id}", headers=headers)
    revs = client.get(f"/api/v1/enterprises/{a.id}/revisions", headers=headers)
    assert (detail.status_code, revs.status_code) == (404, 404)
    assert revs.json()["detail"] == detail.json()["detail"] == "企业不存在或无权查看"
    # a bank reads no enterprise data at all: 403 whatever the enterprise
    headers = login(client, "bank_h")
    for ent in (a, b):
        detail = client.get(f"/api/v1/enterprises/{ent.id}", headers=headers)
        revs = client.get(f"/api/v1/enterprises/{ent.id}/revisions", headers=headers)
        assert (detail.status_code, revs.status_code) == (403, 403)
        assert revs.json()["detail"] == detail.json()["detail"] == "无权查看企业与高新区数据"
    missing = client.get("/api/v1/enterprises/999999/revisions", headers=login(client, "city"))
    assert missing.status_code == 404


def test_api_revisions_are_hidden_from_another_zone(world, client, session):
    other = make_principal(session, "zone_admin", zone=world["city"]["jiangdu"], username="jd")
    assert other.zone_id == world["city"]["jiangdu"].id
    imp(
        session,
        "enterprises",
        xlsx(["统一社会信用代码", "企业名称"], [[world["a"].uscc, "甲改名公司"]]),
    )
    headers = login(client, "jd")
    response = client.get(f"/api/v1/enterprises/{world['a'].id}/revisions", headers=headers)
    assert response.status_code == 404 and "甲改名公司" not in response.text
    response = client.get(
        f"/api/v1/enterprises/{world['a'].id}/revisions", headers=login(client, "zone_yz")
    )
    assert response.status_code == 200 and response.json()[0]["changes"][0]["after"] == "甲改名公司"


async def test_the_enterprise_page_shows_the_registry_history(user: User, history_world) -> None:
    await log_in(user, "city")
    await user.open(f"/enterprises/{history_world['b'].id}")
    await user.should_see("登记信息变更记录", retries=100)
    table = user.find(marker="registry-history").elements.pop()
    assert isinstance(table, ui.table)
    import_id = history_world["import_id"]
    rows = [(r["source"], r["username"], r["field"], r["change"]) for r in table.rows]
    source = f"第 {import_id} 号导入“迁移.xlsx”"
    assert rows == [
        (source, "li", "企业名称", "乙江都智能有限公司 → 乙江都智能股份公司"),
        (source, "li", "所在区县", "江都区 → 邗江区"),
        (source, "li", "所属高新区", "江都高新区 → 扬州高新区"),
    ]
    assert all(len(r["at"]) == 19 for r in table.rows)
