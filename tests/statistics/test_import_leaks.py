"""Issue 11, attacks 1 and 3: imports learn nothing about rows outside the caller's scope.

A file with any out-of-scope row is refused before it is compared with stored data: the report
lists only those cells ("无权导入…"), counts nothing and notes nothing about stored values, dry
run or not; an unregistered code and another's enterprise read alike outside the bureau.
"""

from __future__ import annotations

from factories import make_principal, make_uscc
from sheets import xlsx
from sqlalchemy import select
from web import login

from kechuang.registry.models import Enterprise
from kechuang.statistics.imports import NOT_YOURS, REFUSED, import_file
from kechuang.tiers.qualifications import import_qualifications

EY = [
    "统一社会信用代码",
    "企业名称",
    "年度",
    "职工总数(人)",
    "营业收入(万元)",
    "研发费用总额(万元)",
]
QUAL = ["统一社会信用代码", "资质类型", "取得日期"]


def _silent(report, reason: str) -> None:
    """The report says only that rows are out of scope: no counts, nothing stored, no notes."""
    d = report.as_dict()
    assert not report.ok and d["refused"] is True, d
    assert (d["created"], d["revised"], d["unchanged"], d["carried_forward"], d["cleared"]) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert d["message"].startswith(REFUSED), d["message"]
    assert {e["reason"] for e in d["errors"]} == {reason}, d["errors"]
    assert not [n for n in d["notes"] if "改为" in n or "登记" in n], d["notes"]
    assert "登记为" not in str(d)


def _shape(report) -> dict:
    """The report with the cell values (the guessed codes) left out."""
    d = report.as_dict()
    d["errors"] = [(e["row"], e["column"], e["reason"]) for e in d["errors"]]
    return d


def test_attack_1_an_enterprise_user_cannot_import_enterprises_through_the_api(
    client, world, session
):
    b = world["b"]
    h = login(client, "ent_b")
    content = xlsx(["统一社会信用代码", "所属高新区"], [[b.uscc, "扬州高新区"]])
    for dry in ("false", "true"):
        r = client.post(
            "/api/v1/imports",
            headers=h,
            data={"kind": "enterprises", "dry_run": dry},
            files={"file": ("e.xlsx", content)},
        )
        assert r.status_code == 403, r.text
        assert "无权导入企业名录" in r.json()["detail"]
    session.expire_all()
    assert session.get(Enterprise, b.id).zone_id == world["city"]["jiangdu"].id


def test_attack_3_a_zone_admin_dry_run_learns_nothing_of_another_zones_enterprise(
    client, world, session
):
    b = world["b"]  # 江都: 50 人, 2000 万元, 100 万元 in 2024
    h = login(client, "zone_yz")
    for guess in ([50, 2000, 100], [51, 2000, 100]):  # the right figures, then a wrong one
        content = xlsx(EY, [[b.uscc, "猜的名称有限公司", 2024, *guess]])
        r = client.post(
            "/api/v1/imports",
            headers=h,
            data={"kind": "enterprise_years", "dry_run": "true"},
            files={"file": ("guess.xlsx", content)},
        )
        assert r.status_code == 202, r.text
        job = client.get(f"/api/v1/jobs/{r.json()['id']}", headers=h).json()
        result = job["result"]
        assert result["refused"] is True and result["unchanged"] == result["revised"] == 0
        assert result["created"] == 0 and "乙江都" not in str(job)
        assert {e["reason"] for e in result["errors"]} == {NOT_YOURS}
    # a bank may not even dry-run a file
    make_principal(session, "bank_viewer", username="bank_dry")
    session.flush()
    r = client.post(
        "/api/v1/imports",
        headers=login(client, "bank_dry"),
        data={"kind": "enterprise_years", "dry_run": "true"},
        files={"file": ("guess.xlsx", xlsx(EY, [[b.uscc, None, 2024, 50, 2000, 100]]))},
    )
    assert r.status_code == 403, r.text


def test_a_mixed_file_is_refused_whole_without_counts(session, world):
    a, b = world["a"], world["b"]
    zone = make_principal(session, "zone_admin", zone=world["city"]["yzhtz"])
    rows = [
        [a.uscc, "甲高新科技有限公司", 2024, 100, 5000, 300],
        [b.uscc, None, 2024, 50, 2000, 100],
    ]
    for dry in (True, False):
        report = import_file(session, zone, "enterprise_years", xlsx(EY, rows), "m.xlsx", dry)
        _silent(report, NOT_YOURS)
        assert [e.row for e in report.errors] == [3]


def test_unregistered_and_out_of_scope_read_alike(session, world):
    b = world["b"]
    for principal in (
        make_principal(session, "zone_admin", zone=world["city"]["yzhtz"]),
        make_principal(session, "enterprise_user", enterprise=world["a"]),
    ):
        theirs = import_file(
            session,
            principal,
            "enterprise_years",
            xlsx(EY, [[b.uscc, "乙江都智能有限公司", 2024, 50, 2000, 100]]),
            "x.xlsx",
            True,
        )
        nobody = import_file(
            session,
            principal,
            "enterprise_years",
            xlsx(EY, [[make_uscc(), "乙江都智能有限公司", 2024, 50, 2000, 100]]),
            "x.xlsx",
            True,
        )
        _silent(theirs, NOT_YOURS)
        assert _shape(theirs) == _shape(nobody)
    city = make_principal(session, "city_admin")
    report = import_file(
        session, city, "enterprise_years", xlsx(EY, [[make_uscc(), None, 2024, 1, 1, 1]]), "c.xlsx"
    )
    assert not report.refused and "企业未登记：" in report.errors[0].reason


def test_zone_years_of_another_zone_are_refused_without_counts(session, world):
    zone = make_principal(session, "zone_admin", zone=world["city"]["yzhtz"])
    header = ["高新区", "年度", "总绿地率(%)"]
    for value in (20, 21):  # 江都's stored value, then another
        report = import_file(
            session,
            zone,
            "zone_years",
            xlsx(header, [["扬州高新区", 2024, 30], ["江都高新区", 2024, value]]),
            "z.xlsx",
            True,
        )
        _silent(report, "无权导入该高新区的数据")


def test_enterprises_of_another_zone_are_refused_without_names_or_moves(session, world):
    b = world["b"]
    zone = make_principal(session, "zone_admin", zone=world["city"]["yzhtz"])
    header = ["统一社会信用代码", "企业名称", "所属高新区", "所在园区"]
    report = import_file(
        session,
        zone,
        "enterprises",
        xlsx(header, [[b.uscc, "改个名字有限公司", "扬州高新区", None]]),
        "e.xlsx",
        True,
    )
    _silent(report, "无权导入该企业的数据")
    assert "江都" not in str(report.as_dict())


def test_qualifications_of_another_zone_are_refused_like_unregistered(session, world):
    zone = make_principal(session, "zone_admin", zone=world["city"]["yzhtz"])
    kind = "高新技术企业证书"
    theirs = import_qualifications(
        session, zone, xlsx(QUAL, [[world["b"].uscc, kind, "2023-01-01"]]), "q.xlsx", True
    )
    nobody = import_qualifications(
        session, zone, xlsx(QUAL, [[make_uscc(), kind, "2023-01-01"]]), "q.xlsx", True
    )
    assert theirs.refused and theirs.message().startswith(REFUSED)
    assert [e.reason for e in theirs.errors] == [NOT_YOURS]
    strip = lambda r: [(e.row, e.column, e.reason) for e in r.errors]  # noqa: E731
    assert strip(theirs) == strip(nobody) and theirs.message() == nobody.message()
    mine = import_qualifications(
        session, zone, xlsx(QUAL, [[world["a"].uscc, kind, "2023-01-01"]]), "q.xlsx", True
    )
    assert mine.ok, mine.errors
    assert session.scalar(select(Enterprise.id).where(Enterprise.id == world["b"].id))
