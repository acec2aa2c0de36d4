"""The one Excel export layer (core.excel.write_sheets): per-unit number formats, rounding to the
unit's decimals, the frozen header, the title row, the 说明 sheet and the 演示数据 mark — first on a
hand-made sheet, then on every Excel download the product offers."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from kechuang.core.excel import Column, read_sheet, rows_sheet, write_sheets

# the zone-evaluation tests' hand-computed three-zone case
sys.path.insert(0, str(Path(__file__).parents[1] / "zones"))

COLUMNS = (
    Column("zone", "高新区"),
    Column("year", "年度", "year"),
    Column("revenue", "营业收入", "decimal", "万元"),
    Column("growth", "增长率", "decimal", "%", allow_negative=True),
    Column("firms", "企业数", "decimal", "家"),
    Column("rank", "名次", "int"),
    Column("score", "得分", "decimal", decimals=1),
)
FRAME = pl.DataFrame(
    {
        "zone": ["扬州高新区", "江都高新区"],
        "year": [2024, 2024],
        "revenue": [81.92916732641223, 1234567.891],
        "growth": [-7.45e-09, 12.345],
        "firms": [3.0000001, 40.0],
        "rank": [1, 2],
        "score": [68.25, 64.04],
    }
)


def _book(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def _export(**kw) -> bytes:
    args = {"title": "高新区营收", "scope": "全市", "year": 2024} | kw
    return write_sheets([("数据", COLUMNS, FRAME)], ["口径：按统计归属高新区汇总。"], **args)


def test_the_layer_formats_rounds_titles_and_explains():
    book = _book(_export(demo=True, sources=["MOST-2017-115"], methodology_version="v1"))
    assert book.sheetnames == ["数据", "说明"]
    ws = book["数据"]
    assert ws["A1"].value.startswith("【演示数据】高新区营收 · 范围：全市 · 2024年度 · 数据截至")
    assert [c.value for c in ws[2]] == [
        "高新区", "年度", "营业收入(万元)", "增长率(%)", "企业数(家)", "名次", "得分",
    ]  # fmt: skip
    assert ws.freeze_panes == "A3"
    first, second = ws[3], ws[4]
    assert [c.number_format for c in first[1:]] == [
        "0", "#,##0.00", "0.00%", "#,##0", "#,##0", "#,##0.0",
    ]  # fmt: skip
    assert first[2].value == 81.93  # 81.92916732641223 rounded to the 万元 column's two decimals
    assert first[3].value == 0  # −7.45e−09 % is no growth, not a float residue
    assert second[2].value == 1234567.89
    assert second[3].value == pytest.approx(0.1235, abs=0)  # 12.345% to two decimals, half up
    assert first[4].value == 3 and isinstance(first[4].value, int)  # a count of 家 is whole
    assert first[5].value == 1 and isinstance(first[5].value, int)
    assert (first[6].value, second[6].value) == (68.3, 64.0)  # one declared decimal
    assert ws.column_dimensions["C"].width >= len("1,234,567.89")
    notes = [r[0] for r in book["说明"].iter_rows(values_only=True)]
    text = "\n".join(n or "" for n in notes)
    assert notes[0] == "【演示数据】高新区营收"
    assert "范围：全市" in text and "年度：2024" in text and "数据截至：" in text
    assert "来源：《科技型中小企业评价办法》（国科发政〔2017〕115号）" in text
    assert "方法版本：v1" in text and "生成时间：" in text
    assert re.search(r"输入数据指纹：sha256:[0-9a-f]{64}", text)
    assert notes[-1] == "口径：按统计归属高新区汇总。"


def test_the_input_hash_follows_the_data_and_a_domain_hash_wins():
    def digest(content: bytes) -> str:
        notes = [r[0] or "" for r in _book(content)["说明"].iter_rows(values_only=True)]
        return next(n for n in notes if n.startswith("输入数据指纹"))

    assert digest(_export()) == digest(_export())
    changed = FRAME.with_columns(pl.lit(81.94).alias("revenue"))
    other = write_sheets([("数据", COLUMNS, changed)], title="高新区营收", scope="全市", year=2024)
    assert digest(other) != digest(_export())
    assert digest(_export(input_hash="abc123")) == "输入数据指纹：abc123"


def test_without_demo_there_is_no_mark_and_templates_stay_bare():
    content = _export()
    book = _book(content)
    assert "演示数据" not in book["数据"]["A1"].value
    assert not any("演示数据" in (r[0] or "") for r in book["说明"].iter_rows(values_only=True))
    template = _book(write_sheets([("数据", COLUMNS, None)], ["填写要求"]))
    assert template.sheetnames == ["数据", "填写说明"]  # an import template keeps its 填写说明
    assert template["数据"]["A1"].value == "高新区" and template["数据"].freeze_panes == "A2"


def test_an_export_reads_back_under_its_title_row():
    sheet = read_sheet(_export(), "export.xlsx", COLUMNS)
    assert not sheet.errors and sheet.header_row == 2
    assert sheet.data.get_column("zone").to_list() == ["扬州高新区", "江都高新区"]


def test_rows_sheet_takes_units_from_headers_and_shares_as_percent():
    name, cols, frame = rows_sheet(
        "表",
        [{"n": 3, "v": 1.005, "s": 0.3512, "y": 2024}],
        [("n", "申报数(项)", "int"), ("v", "经费(万元)", "decimal"), ("s", "占比", "share"),
         ("y", "年度", "year")],
    )  # fmt: skip
    assert [(c.header, c.unit, c.kind) for c in cols] == [
        ("申报数", "项", "int"), ("经费", "万元", "decimal"), ("占比", "%", "decimal"),
        ("年度", "", "year"),
    ]  # fmt: skip
    ws = _book(write_sheets([(name, cols, frame)], title="t", scope="全市"))["表"]
    assert [c.value for c in ws[3]] == [3, 1.01, 0.3512, 2024]  # 1.005 rounds half up
    assert [c.number_format for c in ws[3]] == ["#,##0", "#,##0.00", "0.00%", "0"]


# ------------------------------------------------------------------ every download of the product

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Every GET route that can answer with an .xlsx and what it is. An export is produced and checked
# below; a template is a blank import form (no title row: it is filled in and imported); an error
# report lists the bad cells of an import; a stored file is handed back as it was uploaded. A new
# route that answers .xlsx fails test_every_xlsx_route_is_known until it is listed here (and, if
# it is an export, produced in EXPORTS).
XLSX_ROUTES = {
    "/api/v1/exports/{kind}": "export",
    "/api/v1/points/exports/{kind}": "export",
    "/api/v1/evaluation/exports/{kind}": "export",
    "/api/v1/tiers/candidates.xlsx": "export",
    "/api/v1/commissioners/assessment/export": "export",
    "/api/v1/plan/status.xlsx": "export",
    "/api/v1/templates/{kind}": "template",
    "/api/v1/tiers/qualifications/template": "template",
    "/api/v1/jobs/{job_id}/report": "error report",
    "/api/v1/plan/attachments/{attachment_id}": "stored file",
}


def test_every_xlsx_route_is_known():
    from kechuang.app import create_api

    spec = create_api().openapi()
    found = {
        path
        for path, ops in spec["paths"].items()
        if XLSX in ((ops.get("get") or {}).get("responses", {}).get("200", {}).get("content", {}))
    }
    assert found == set(XLSX_ROUTES), "列出（并在 EXPORTS 中生成）新的 Excel 下载"


MONEY_UNITS = ("万元", "亿元", "元")
COUNT_UNITS = ("家", "个", "件", "项", "人")


def _allowed_decimals(number_format: str) -> int:
    """The decimals a cell's format shows (a percent cell stores two more)."""
    fraction = number_format.split(".")[1] if "." in number_format else ""
    digits = sum(1 for ch in fraction if ch in "0#")
    return digits + 2 if number_format.endswith("%") else digits


def _decimals(value: float) -> int:
    text = repr(float(value))
    assert "e" not in text or abs(value) >= 1, f"{value!r} 带浮点尾数"
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def check_export(content: bytes, scope: str, year: str | None, demo: bool) -> None:
    """What every export must have: a title row (scope, year, data date, 演示数据 iff demo), a
    frozen header, each number in its unit's format and no more decimals than it shows, and a
    说明 sheet (sources, input hash, the 演示数据 mark iff demo)."""
    book = _book(content)
    assert book.sheetnames[-1] == "说明", book.sheetnames
    for ws in book.worksheets[:-1]:
        title = ws["A1"].value or ""
        assert f"范围：{scope}" in title and "数据截至" in title, (ws.title, title)
        if year:
            assert year in title, (ws.title, title)
        assert title.startswith("【演示数据】") is demo, (ws.title, title)
        assert ws.freeze_panes == "A3", ws.title
        headers = [c.value or "" for c in ws[2]]
        assert all(headers), (ws.title, headers)
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                if not isinstance(cell.value, int | float) or isinstance(cell.value, bool):
                    continue
                header, fmt = headers[cell.column - 1], cell.number_format
                where = f"{ws.title}!{cell.coordinate} {header} = {cell.value!r} ({fmt})"
                assert fmt != "General", where
                assert _decimals(cell.value) <= _allowed_decimals(fmt), where
                unit = m.group(1) if (m := re.search(r"[(（]([^()（）]+)[)）]$", header)) else ""
                if unit in MONEY_UNITS:
                    assert fmt.startswith("#,##0.00"), where
                elif unit == "%":
                    assert fmt.endswith("%"), where
                elif unit in COUNT_UNITS:
                    assert fmt == "#,##0", where
                if header in ("年度", "年份") or header.endswith("年"):
                    assert fmt == "0", where  # a year never shows as 2,024
    notes = "\n".join(r[0] or "" for r in book["说明"].iter_rows(values_only=True))
    assert f"范围：{scope}" in notes and "数据截至：" in notes and "来源：" in notes
    assert re.search(r"输入数据指纹：\S+", notes)
    assert ("演示数据" in notes) is demo


def _zone_case(session, city):
    from zone_helpers import build_case

    return build_case(session, city)


def _targets(demo: bool) -> bytes:
    from kechuang.zones.report import targets_xlsx

    tracker = {
        "required_path": {2020: 1500.0, 2024: 2200.123456},
        "actual": {2020: 1500.0, 2024: 2100.987654},
        "projection": {2025: {"central": 2300.55555, "low": 2100.1, "high": 2500.2}},
        "latest_year": 2024,
        "target_year": 2025,
        "baseline_year": 2020,
        "baseline_value": 1500.0,
        "target_value": 3000.0,
        "latest_value": 2100.987654,
        "required_cagr": 0.1486983549970351,
        "actual_cagr": 0.0878,
        "status_label": "存在风险",
    }
    zone = {
        "zone": "扬州高新区",
        "latest_value": 1200.333333,
        "share": 0.571428571,
        "actual_cagr": 0.0912345,
        "required_increase": 500.123456,
        "share_of_gap": 0.5714285,
        "projected_value": 1300.0,
        "projected_increase": 99.6666,
        "shortfall": 400.45678,
    }
    track = {"name": "高新区营业收入", "unit": "亿元", "source": "规划原文", "tracker": tracker}
    return targets_xlsx([{**track, "zones": [zone]}], demo)


def _exports(client, session, world, case) -> list[tuple[str, bytes, str, str | None]]:
    """(name, content, scope, year) of every export, made through its route where it has one."""
    from web import login

    from kechuang.accounts.audit_log import audit_export
    from kechuang.core.excel import demo_data_present
    from kechuang.core.security import SYSTEM
    from kechuang.plan import service as plan_service
    from kechuang.points import service as points
    from kechuang.programs import portfolio as pf

    city, zone = login(client, "city"), login(client, "zone_yz")
    out = []

    def get(name, url, headers, scope, year):
        r = client.get(url, headers=headers)
        assert r.status_code == 200, (name, r.text)
        out.append((name, r.content, scope, year))

    for kind in ("enterprises", "enterprise_years", "zone_years"):
        get(f"统计导出 {kind}", f"/api/v1/exports/{kind}", city, "全市", None)
        get(f"统计导出 {kind}（高新区）", f"/api/v1/exports/{kind}", zone, "扬州高新区", None)
    get("企业年度统计（2024）", "/api/v1/exports/enterprise_years?year=2024", city, "全市", "2024")
    yz = world["city"]["yzhtz"].id
    get(
        "企业名录（按高新区筛选）",
        f"/api/v1/exports/enterprises?zone_id={yz}",
        city,
        "扬州高新区",
        None,
    )
    points.create_run(session, SYSTEM)
    if not plan_service.list_periods(session, SYSTEM):
        plan_service.load_shipped(session, SYSTEM)  # the shipped 十四五 plan: targets and tasks
    session.flush()
    for kind in ("top", "movers", "bank"):
        out.append((f"积分 {kind}", points.export_xlsx(session, SYSTEM, kind), "全市", None))
    get("后备库", "/api/v1/tiers/candidates.xlsx?family=tech_sme&year=2024", city, "全市", "2024")
    get("考核表", "/api/v1/commissioners/assessment/export?year=2024", city, "全市", "2024")
    get("规划", "/api/v1/plan/status.xlsx?year=2024", city, "全市", "2024")
    get("规划（高新区）", "/api/v1/plan/status.xlsx?year=2024", zone, "扬州高新区", "2024")
    q = f"year=2024&framework=test_t&peer_set=trio&unit={case['C']}&against={case['A']}"
    for kind, scope in (("ranking", "全市高新区"), ("benchmark", "高邮高新区")):
        get(f"高新区 {kind}", f"/api/v1/evaluation/exports/{kind}?{q}", city, scope, "2024")
    get(
        "一区一战略",
        "/api/v1/evaluation/exports/specialisation?year=2024",
        city,
        "全市高新区",
        "2024",
    )
    out.append(("目标跟踪", _targets(demo_data_present(session)), "全市高新区", "2024"))
    cov = pf.coverage(session, SYSTEM)
    fund, outs = pf.funding_by_domain(session, SYSTEM), pf.outcomes_by_domain(session, SYSTEM)
    out.append(
        ("项目布局", pf.portfolio_xlsx(cov, fund, outs, demo_data_present(session)), "全市", None)
    )
    out.append(("审计日志", audit_export({}), "全平台", None))
    return out


def test_every_export_is_formatted_titled_and_marked(client, session, world):
    from sheets import xlsx

    from kechuang.core.security import SYSTEM
    from kechuang.statistics.imports import import_file

    case = _zone_case(session, world["city"])
    made = _exports(client, session, world, case)
    assert len(made) >= 20
    for name, content, scope, year in made:
        try:
            check_export(content, scope, year, demo=False)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc
    # once the database holds demo data every export says so, in its title and its 说明
    rep = import_file(
        session,
        SYSTEM,
        "enterprise_years",
        xlsx(["统一社会信用代码", "年度", "职工总数(人)"], [[world["a"].uscc, 2023, 90]]),
        "demo.xlsx",
        is_demo=True,
    )
    assert rep.ok, rep.errors
    for name, content, scope, year in _exports(client, session, world, case):
        if name == "审计日志":  # the audit log is the platform's own record, never demo data
            check_export(content, scope, year, demo=False)
            continue
        try:
            check_export(content, scope, year, demo=True)
        except AssertionError as exc:
            raise AssertionError(f"{name}（演示数据）: {exc}") from exc
