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
