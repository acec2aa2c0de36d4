"""Imports: messy-but-unambiguous input is normalised; every kind of bad input is rejected whole."""

from __future__ import annotations

from datetime import date

import pytest
from factories import make_enterprise, make_principal, make_uscc
from sheets import csv_bytes, xlsx
from sqlalchemy import func, select

from kechuang.core.audit import AuditLog
from kechuang.core.security import SYSTEM
from kechuang.registry.models import Enterprise
from kechuang.statistics.exports import export_file
from kechuang.statistics.imports import import_file
from kechuang.statistics.models import EnterpriseYear, ImportBatch, ZoneYear

EY_HEADER = [
    "统一社会信用代码",
    "年度",
    "职工总数(人)",
    "科技人员数(人)",
    "营业收入(万元)",
    "研发费用总额(万元)",
    "是否上市",
]


def snapshot(session) -> tuple[int, ...]:
    """Row counts of every table an import may touch."""
    return tuple(
        session.scalar(select(func.count()).select_from(m))
        for m in (Enterprise, EnterpriseYear, ZoneYear, ImportBatch, AuditLog)
    )


def imp(session, kind, content, filename="data.xlsx", principal=SYSTEM, dry_run=False):
    """Run an import with the principal."""
    return import_file(session, principal, kind, content, filename, dry_run=dry_run)


@pytest.fixture
def ent(session, city):
    """One enterprise in 扬州高新区."""
    return make_enterprise(session, city["yzhtz"], name="扬州示例科技有限公司")


def test_messy_but_unambiguous_cells_are_normalised(session, ent):
    content = xlsx(
        EY_HEADER + ["成本费用支出总额（万元）"],
        [
            [
                f" {ent.uscc.lower()} ",
                "2024年",
                "１２０",
                "30人",
                "１，２３４.５万元",
                "1.2亿元",
                "是",
                "5,000",
            ],
        ],
    )
    # 研发费用 1.2亿元 = 12000万元 > 营业收入 1234.5: must be rejected, so fix the revenue below.
    report = imp(session, "enterprise_years", content)
    assert not report.ok and "研发费用总额大于营业收入" in report.errors[0].reason
    content = xlsx(
        EY_HEADER,
        [
            [f" {ent.uscc.lower()} ", "2024年", "１２０", "30人", "2.5亿", "1,234.5万元", "是"],
            [None, None, None, None, None, None, None],  # blank row: ignored
        ],
    )
    report = imp(session, "enterprise_years", content)
    assert report.ok, report.errors
    row = session.scalar(select(EnterpriseYear).where(EnterpriseYear.enterprise_id == ent.id))
    assert (row.year, row.employees, row.tech_staff) == (2024, 120, 30)
    assert row.operating_revenue == pytest.approx(25000.0)
    assert row.rd_expense == pytest.approx(1234.5)
    assert row.is_listed is True and row.revision == 1 and row.is_current
    assert row.import_id == report.import_id


def test_enterprise_dates_as_serials_and_chinese_months(session, city):
    u1, u2, u3 = make_uscc(), make_uscc(), make_uscc()
    content = xlsx(
        ["统一社会信用代码", "企业名称", "成立日期", "所属高新区", "行业代码(GB/T 4754)"],
        [
            [u1, "甲公司 ", 43539, "扬州高新区", "c3511"],
            [u2, "乙公司", "2019年3月", "yzhtz", "C27"],
            [u3, "丙公司", "2019/3/5", "江苏省扬州高新技术产业开发区", None],
        ],
    )
    report = imp(session, "enterprises", content)
    assert report.ok, report.errors
    got = {e.uscc: e for e in session.scalars(select(Enterprise))}
    assert got[u1].founded_on == date(2019, 3, 15) and got[u1].name == "甲公司"
    assert got[u1].industry_code == "C3511"
    assert got[u2].founded_on == date(2019, 3, 1)
    assert got[u3].founded_on == date(2019, 3, 5)
    assert {got[u].zone_id for u in (u1, u2, u3)} == {city["yzhtz"].id}
    assert got[u1].region_code == "321003"  # taken from the zone when not given


def test_gbk_csv_is_read(session, city):
    content = csv_bytes(
        ["统一社会信用代码", "企业名称", "所属高新区"],
        [[make_uscc(), "扬州某某电子有限公司", "江都高新区"]],
        encoding="gb18030",
    )
    report = imp(session, "enterprises", content, "名录.csv")
    assert report.ok, report.errors
    assert report.created == 1


def _wrong_check_digit(code: str) -> str:
    """The same code with another check digit (so it fails the check, whatever the code was)."""
    return code[:-1] + ("1" if code.endswith("0") else "0")


BAD_CASES = {
    "wrong check digit": (
        "enterprises",
        lambda e: xlsx(
            ["统一社会信用代码", "企业名称"],
            [[_wrong_check_digit(make_uscc()), "坏代码公司"]],
        ),
        "校验位",
    ),
    "unknown zone": (
        "enterprises",
        lambda e: xlsx(
            ["统一社会信用代码", "企业名称", "所属高新区"], [[make_uscc(), "某公司", "火星高新区"]]
        ),
        "未知的高新区",
    ),
    "duplicate uscc-year": (
        "enterprise_years",
        lambda e: xlsx(
            EY_HEADER, [[e.uscc, 2024, 10, 2, 100, 5, "否"], [e.uscc, "2024", 10, 2, 100, 5, "否"]]
        ),
        "与第 2 行重复",
    ),
    "negative amount": (
        "enterprise_years",
        lambda e: xlsx(EY_HEADER, [[e.uscc, 2024, 10, 2, -100, 5, "否"]]),
        "不能为负数",
    ),
    "rd above revenue": (
        "enterprise_years",
        lambda e: xlsx(EY_HEADER, [[e.uscc, 2024, 10, 2, 100, 101, "否"]]),
        "研发费用总额大于营业收入",
    ),
    "tech staff above employees": (
        "enterprise_years",
        lambda e: xlsx(EY_HEADER, [[e.uscc, 2024, 10, 11, 100, 5, "否"]]),
        "科技人员数多于职工总数",
    ),
    "high-value IP above class-1 IP": (
        "enterprise_years",
        lambda e: xlsx(
            ["统一社会信用代码", "年度", "Ⅰ类知识产权数(件)", "高价值Ⅰ类知识产权数(件)"],
            [[e.uscc, 2024, 1, 2]],
        ),
        "高价值Ⅰ类知识产权数多于Ⅰ类知识产权数",
    ),
    "self-developed IP above class-1 IP": (
        "enterprise_years",
        lambda e: xlsx(
            ["统一社会信用代码", "年度", "Ⅰ类知识产权数(件)", "自主研发Ⅰ类知识产权数(件)"],
            [[e.uscc, 2024, 0, 1]],
        ),
        "自主研发Ⅰ类知识产权数多于Ⅰ类知识产权数",
    ),
    "yuan instead of wanyuan": (
        "enterprise_years",
        lambda e: xlsx(EY_HEADER, [[e.uscc, 2024, 10, 2, "5000000元", 5, "否"]]),
        "单位应为万元",
    ),
    "missing required column": (
        "enterprise_years",
        lambda e: xlsx(["企业名称", "营业收入(万元)"], [["x", 1]]),
        "缺少必填列",
    ),
    "unregistered enterprise": (
        "enterprise_years",
        lambda e: xlsx(EY_HEADER, [[make_uscc(), 2024, 10, 2, 100, 5, "否"]]),
        "企业未登记",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_is_rejected_and_changes_nothing(session, ent, case):
    kind, build, reason = BAD_CASES[case]
    before = snapshot(session)
    report = imp(session, kind, build(ent))
    assert not report.ok
    assert any(reason in e.reason for e in report.errors), report.errors
    assert all(e.row >= 1 and e.column for e in report.errors)
    assert snapshot(session) == before


def test_not_a_spreadsheet_is_rejected(session, ent):
    before = snapshot(session)
    report = imp(session, "enterprise_years", b"%PDF-1.4 not a sheet", "报表.xlsx")
    assert not report.ok and "不是有效的 Excel 文件" in report.errors[0].reason
    report = imp(session, "enterprise_years", b"\x00\x01binary", "报表.csv")
    assert not report.ok and "不是文本表格" in report.errors[0].reason
    report = imp(session, "enterprise_years", b"abc", "报表.pdf")
    assert not report.ok and "不支持的文件类型" in report.errors[0].reason
    assert snapshot(session) == before


def test_one_bad_row_rejects_the_whole_file(session, ent, city):
    other = make_enterprise(session, city["yzhtz"])
    before = snapshot(session)
    report = imp(
        session,
        "enterprise_years",
        xlsx(
            EY_HEADER,
            [
                [ent.uscc, 2024, 10, 2, 100, 5, "否"],
                [other.uscc, 2024, 10, 2, 100, "abc", "否"],
            ],
        ),
    )
    assert [(e.row, e.column) for e in report.errors] == [(3, "研发费用总额(万元)")]
    assert "不是有效的数字" in report.errors[0].reason and report.errors[0].value == "abc"
    assert snapshot(session) == before


def test_dry_run_validates_without_storing(session, ent):
    before = snapshot(session)
    report = imp(
        session,
        "enterprise_years",
        xlsx(EY_HEADER, [[ent.uscc, 2024, 10, 2, 100, 5, "否"]]),
        dry_run=True,
    )
    assert report.ok and report.created == 1 and report.import_id is None
    assert snapshot(session) == before


def test_corrections_create_revisions_and_keep_history(session, ent):
    imp(session, "enterprise_years", xlsx(EY_HEADER, [[ent.uscc, 2024, 10, 2, 100, 5, "否"]]))
    same = imp(
        session, "enterprise_years", xlsx(EY_HEADER, [[ent.uscc, 2024, 10, 2, 100, 5, "否"]])
    )
    assert (same.created, same.revised, same.unchanged) == (0, 0, 1)
    fix = imp(
        session,
        "enterprise_years",
        xlsx(["统一社会信用代码", "年度", "营业收入(万元)"], [[ent.uscc, 2024, 120]]),
    )
    assert fix.ok and fix.revised == 1 and fix.carried_forward >= 3
    rows = session.scalars(
        select(EnterpriseYear)
        .where(EnterpriseYear.enterprise_id == ent.id)
        .order_by(EnterpriseYear.revision)
    ).all()
    assert [(r.revision, r.is_current, r.operating_revenue) for r in rows] == [
        (1, False, 100.0),
        (2, True, 120.0),
    ]
    assert rows[1].employees == 10 and rows[1].rd_expense == 5  # blanks carried forward
    assert rows[0].import_id != rows[1].import_id
    assert rows[0].created_at is not None and rows[1].created_at >= rows[0].created_at


def test_import_is_audited_once_with_counts(session, ent):
    report = imp(
        session, "enterprise_years", xlsx(EY_HEADER, [[ent.uscc, 2024, 10, 2, 100, 5, "否"]])
    )
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "import"))
    assert entry.entity_id == str(report.import_id) and entry.after["created"] == 1


def test_zone_admin_cannot_import_other_zones(session, city, ent):
    principal = make_principal(session, "zone_admin", zone=city["jiangdu"])
    before = snapshot(session)
    report = imp(
        session,
        "enterprise_years",
        xlsx(EY_HEADER, [[ent.uscc, 2024, 10, 2, 100, 5, "否"]]),
        principal=principal,
    )
    assert not report.ok and "无权" in report.errors[0].reason
    report = imp(
        session,
        "zone_years",
        xlsx(["高新区", "年度", "总绿地率(%)"], [["扬州高新区", 2024, 30]]),
        principal=principal,
    )
    assert not report.ok and "无权" in report.errors[0].reason
    report = imp(
        session,
        "enterprises",
        xlsx(
            ["统一社会信用代码", "企业名称", "所属高新区"], [[make_uscc(), "新公司", "扬州高新区"]]
        ),
        principal=principal,
    )
    assert not report.ok and "无权" in report.errors[0].reason
    assert snapshot(session) == before


def test_zone_years_import_and_revision(session, city):
    header = ["高新区", "年度", "总绿地率(%)", "单位增加值综合能耗(吨标准煤/万元)"]
    r1 = imp(session, "zone_years", xlsx(header, [["扬州高新区", 2024, 30, 0.4]]))
    assert r1.ok and r1.created == 2
    r2 = imp(session, "zone_years", xlsx(header, [["yzhtz", 2024, 31, None]]))
    assert r2.ok and (r2.revised, r2.created, r2.unchanged) == (1, 0, 0)
    rows = session.scalars(
        select(ZoneYear)
        .where(ZoneYear.indicator_code == "green_coverage")
        .order_by(ZoneYear.revision)
    ).all()
    assert [(r.value, r.is_current) for r in rows] == [(30.0, False), (31.0, True)]


@pytest.mark.parametrize("kind", ["enterprises", "enterprise_years", "zone_years"])
def test_export_imports_back_unchanged(session, city, ent, kind):
    imp(session, "enterprise_years", xlsx(EY_HEADER, [[ent.uscc, 2024, 10, 2, 100, 5, "否"]]))
    imp(session, "zone_years", xlsx(["高新区", "年度", "总绿地率(%)"], [["扬州高新区", 2024, 30]]))
    content = export_file(session, SYSTEM, kind)
    before = snapshot(session)
    report = imp(session, kind, content, "export.xlsx")
    assert report.ok, report.errors
    assert report.created == 0 and report.revised == 0 and report.unchanged >= 1
    # an unchanged re-import adds a batch and an audit entry, but no figures or enterprises
    after = snapshot(session)
    assert after[:3] == before[:3]


def test_percent_figures_are_written_as_percent_cells_and_read_back_exactly():
    """A bare 0.91 in a (%) column is refused as ambiguous, so templates, exports and the demo
    write percent cells (0.0091 shown as 0.91%); reading them back must give the very same value."""
    import random

    import polars as pl

    from kechuang.core.excel import Column, parse_columns, read_sheet, write_sheets

    rng = random.Random(1)
    values = [round(rng.uniform(-100, 100), rng.choice([0, 1, 2, 3, 4])) for _ in range(500)]
    values += [0.91, -0.47, 0.57, 0.3, 12.345, 0.001, 99.99, 1e-4, 0.0]
    cols = (
        Column("zone", "高新区", required=True),
        Column("year", "年度", "year", required=True),
        Column("growth", "增长率", "decimal", "%", allow_negative=True),
    )
    frame = pl.DataFrame(
        {"zone": ["扬州"] * len(values), "year": [2024] * len(values), "growth": values}
    )
    content = write_sheets([("数据", cols, frame)])
    sheet = read_sheet(content, "a.xlsx", cols)
    assert not sheet.errors
    parsed = parse_columns(sheet.data, cols, sheet.rows, units=sheet.units)
    assert not parsed.errors, parsed.errors[:3]
    assert parsed.data.get_column("growth").to_list() == values


def test_a_date_column_refuses_future_dates_unless_it_allows_them():
    """Dates after today are refused (an issue or founding date cannot lie ahead) except in a column
    that allows them (a 有效期至); the rule is per column and the default is unchanged."""
    from datetime import date, timedelta

    import polars as pl

    from kechuang.core.excel import Column, parse_columns

    cols = (
        Column("issued", "取得日期", "date"),
        Column("until", "有效期至", "date", allow_future=True),
    )
    today = date.today()
    ahead = (today + timedelta(days=400)).isoformat()
    frame = pl.DataFrame(
        {"issued": [today.isoformat(), ahead], "until": [ahead, today.isoformat()]}
    )
    parsed = parse_columns(frame, cols)
    assert [(e.row, e.column, e.reason) for e in parsed.errors] == [(3, "取得日期", "日期晚于今天")]
    assert parsed.data.get_column("until").to_list()[0] == today + timedelta(days=400)
