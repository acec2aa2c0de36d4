"""A corpus of messy files: a number is stored only when its meaning is sure.

Each case builds one file and states its outcome: the exact values stored (and what the import
report says it normalised), or the rows and columns it is rejected at, with every table unchanged.
No case may raise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pytest
from dbcheck import table_counts_and_checksums
from factories import make_enterprise, make_principal, make_uscc
from sheets import Formula, NoResult, Pct, Sheet, csv_rows, workbook, xlsx
from sqlalchemy import select
from web import login

from kechuang.core.excel import parse_columns
from kechuang.registry.models import Enterprise
from kechuang.statistics.imports import import_file
from kechuang.statistics.models import EnterpriseYear, ZoneYear
from kechuang.statistics.templates import (
    COLUMNS_BY_KIND,
    ENTERPRISE_COLUMNS,
    ENTERPRISE_YEAR_COLUMNS,
    ZONE_YEAR_COLUMNS,
)

EY = [
    "统一社会信用代码",
    "年度",
    "职工总数(人)",
    "营业收入(万元)",
    "研发费用总额(万元)",
    "是否上市",
]
ZY = ["高新区", "年度", "总绿地率(%)", "二氧化碳排放量增长率(%)"]
ENT = ["统一社会信用代码", "企业名称", "所属高新区", "行业代码(GB/T 4754)", "技术领域"]
YEAR = 2023


@dataclass
class Ctx:
    """What a case builds its file from: two enterprises in 扬州高新区 without 2023 figures."""

    a: Enterprise
    b: Enterprise


@dataclass
class Stored:
    """The file is imported: figures[(enterprise 'a'/'b', year)] or zone[(indicator)] or
    enterprises[uscc-key] hold exactly these values; the report's notes contain these texts."""

    figures: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    zone: dict[str, float | None] = field(default_factory=dict)
    enterprise: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass
class Rejected:
    """The file is rejected with (at least) these errors: (row, column, text in the reason)."""

    errors: list[tuple[int, str, str]]
    notes: tuple[str, ...] = ()


@dataclass
class Case:
    kind: str
    build: Callable[[Ctx], bytes]
    expect: Stored | Rejected
    filename: str = "data.xlsx"
    options: dict[str, Any] = field(default_factory=dict)


def ey(rows, header=EY, title=()):
    """An enterprise-year sheet: optional title rows, the header, the rows."""
    return workbook(Sheet("数据", [*title, header, *rows]))


def row_a(c: Ctx, *figures):
    return [c.a.uscc, YEAR, *figures]


CASES: dict[str, Case] = {
    # --- headers --------------------------------------------------------------------------
    "misspelled header is rejected with a suggestion": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, 10, 100)], ["统一社会信用代码", "年度", "职工总数(人)", "营业总收入(万元)"]
        ),
        Rejected(
            [(1, "营业总收入(万元)", "营业总收入(万元)：不是模板列，是否指 营业收入(万元)？")]
        ),
    ),
    "misspelled header ignored by name is stored without it": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, 10, 100)], ["统一社会信用代码", "年度", "职工总数(人)", "营业总收入(万元)"]
        ),
        Stored(
            {("a", YEAR): {"employees": 10, "operating_revenue": None}},
            notes=("已忽略非模板列：营业总收入(万元)",),
        ),
        options={"ignore_columns": ["营业总收入（万元）"]},
    ),
    "unknown header far from any column is rejected": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, 10, "x")], ["统一社会信用代码", "年度", "职工总数(人)", "联系人"]),
        Rejected([(1, "联系人", "联系人：不是模板列（")]),
    ),
    "every unknown header ignored on request": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, 10, "张三", "备注")],
            ["统一社会信用代码", "年度", "职工总数(人)", "联系人", "备注"],
        ),
        Stored({("a", YEAR): {"employees": 10}}, notes=("已忽略非模板列：联系人、备注",)),
        options={"ignore_columns": True},
    ),
    "aliases, stars and full-width brackets match template columns": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, 10, 300)], ["*社会信用代码", "年份", "职工人数（人）", "研发费用（万元）"]
        ),
        Stored({("a", YEAR): {"employees": 10, "rd_expense": 300.0}}),
    ),
    "序号 column is dropped and said so": Case(
        "enterprise_years",
        lambda c: ey(
            [[1, c.a.uscc, YEAR, 10]], ["序号", "统一社会信用代码", "年度", "职工总数(人)"]
        ),
        Stored({("a", YEAR): {"employees": 10}}, notes=("已忽略非模板列：序号",)),
    ),
    "column with data but no header is rejected": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, 10, 5)], ["统一社会信用代码", "年度", "职工总数(人)", None]),
        Rejected([(1, "D列", "第 D 列有数据但没有表头")]),
    ),
    "same column twice is rejected": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, 10, 11)], ["统一社会信用代码", "年度", "职工总数(人)", "职工总数"]),
        Rejected([(1, "职工总数", "出现了不止一次")]),
    ),
    # --- units in headers -----------------------------------------------------------------
    "营业收入(元) is converted exactly to 万元": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, 12345000)], ["统一社会信用代码", "年度", "营业收入(元)"]),
        Stored(
            {("a", YEAR): {"operating_revenue": 1234.5}},
            notes=("营业收入(元) 按 1元 = 0.0001万元 换算",),
        ),
    ),
    "营业收入(亿元) 0.1 is exactly 1000 万元": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, 0.1)], ["统一社会信用代码", "年度", "营业收入(亿元)"]),
        Stored(
            {("a", YEAR): {"operating_revenue": 1000.0}},
            notes=("营业收入(亿元) 按 1亿元 = 10000万元 换算",),
        ),
    ),
    "营业收入(千元) 1234 is 123.4 万元": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, 1234)], ["统一社会信用代码", "年度", "营业收入(千元)"]),
        Stored({("a", YEAR): {"operating_revenue": 123.4}}),
    ),
    "职工总数(万人) 0.012 is 120 人": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, 0.012)], ["统一社会信用代码", "年度", "职工总数(万人)"]),
        Stored({("a", YEAR): {"employees": 120}}),
    ),
    "a unit that does not convert rejects the column": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, 5)], ["统一社会信用代码", "年度", "营业收入(件)"]),
        Rejected([(1, "营业收入(件)", "单位“件”无法换算为模板单位“万元”")]),
    ),
    "title row unit applies to headers without a unit": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, 30000)],
            ["统一社会信用代码", "年度", "营业收入"],
            title=[["2023年度企业统计表（单位：元）"]],
        ),
        Stored(
            {("a", YEAR): {"operating_revenue": 3.0}},
            notes=("已跳过表头上方的标题行：第1行", "按标题行“单位：元”读取"),
        ),
    ),
    # --- units and words in cells ---------------------------------------------------------
    "2万 in a 人 column is 20000": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, "2万")], ["统一社会信用代码", "年度", "职工总数(人)"]),
        Stored({("a", YEAR): {"employees": 20000}}),
    ),
    "1.5亿 in a 万元 column is 15000": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, "1.5亿")], ["统一社会信用代码", "年度", "营业收入(万元)"]),
        Stored({("a", YEAR): {"operating_revenue": 15000.0}}),
    ),
    "0.1亿元 typed in a cell is exactly 1000": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, "0.1亿元")], ["统一社会信用代码", "年度", "营业收入(万元)"]),
        Stored({("a", YEAR): {"operating_revenue": 1000.0}}),
    ),
    "元 typed in a 万元 column is refused": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, "5000000元")], ["统一社会信用代码", "年度", "营业收入(万元)"]),
        Rejected([(2, "营业收入(万元)", "单位应为万元，请把“元”换算为万元后填写")]),
    ),
    "3千元 typed in a 万元 column is refused": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, "3千元")], ["统一社会信用代码", "年度", "营业收入(万元)"]),
        Rejected([(2, "营业收入(万元)", "单位应为万元，请把“千元”换算为万元后填写")]),
    ),
    "a count unit in a money column is refused": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, "30家")], ["统一社会信用代码", "年度", "营业收入(万元)"]),
        Rejected([(2, "营业收入(万元)", "单位“家”与本列单位（万元）不符")]),
    ),
    "(50) is refused, never read as 50": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, "(50)")], ["统一社会信用代码", "年度", "营业收入(万元)"]),
        Rejected([(2, "营业收入(万元)", "括号表示负数还是备注？请直接填写 -50 或 50")]),
    ),
    "full-width （50） is refused too": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, "（50）")], ["统一社会信用代码", "年度", "净利润(万元)"]),
        Rejected([(2, "净利润(万元)", "括号表示负数还是备注")]),
    ),
    "— and / and 不适用 are blanks": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, 10, "—", "/", "不适用")],
            [
                "统一社会信用代码",
                "年度",
                "职工总数(人)",
                "营业收入(万元)",
                "研发费用总额(万元)",
                "出口额(万元)",
            ],
        ),
        Stored(
            {
                ("a", YEAR): {
                    "employees": 10,
                    "operating_revenue": None,
                    "rd_expense": None,
                    "export_value": None,
                }
            },
            notes=("按空白处理",),
        ),
    ),
    "无 keeps meaning 否 in a 是/否 column": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, "无", "—")], ["统一社会信用代码", "年度", "是否上市", "列入失信名单"]
        ),
        Stored({("a", YEAR): {"is_listed": False, "dishonest_listed": None}}),
    ),
    "a row holding only missing-value words is a blank row": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, 10), ["—", "/", "-"]], ["统一社会信用代码", "年度", "职工总数(人)"]),
        Stored({("a", YEAR): {"employees": 10}}),
    ),
    "the clear marker in a required column is refused": Case(
        "enterprise_years",
        lambda c: ey([[c.a.uscc, "〔清空〕", 10]], ["统一社会信用代码", "年度", "职工总数(人)"]),
        Rejected([(2, "年度", "必填项不能清空")]),
    ),
    "thousands separators and full-width digits": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, "１，２３４.５万元")], ["统一社会信用代码", "年度", "营业收入(万元)"]
        ),
        Stored({("a", YEAR): {"operating_revenue": 1234.5}}),
    ),
    # --- Excel error values and formulas --------------------------------------------------
    "#DIV/0! from a formula is refused naming the cell": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, 10, Formula("=1/0", "#DIV/0!"))],
            ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)"],
        ),
        Rejected([(2, "营业收入(万元)", "Excel 错误值 #DIV/0!")]),
    ),
    "#N/A from a lookup formula is refused": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, Formula("=NA()", "#N/A"))], ["统一社会信用代码", "年度", "职工总数(人)"]
        ),
        Rejected([(2, "职工总数(人)", "Excel 错误值 #N/A")]),
    ),
    "#VALUE! typed as text is refused": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, "#VALUE!")], ["统一社会信用代码", "年度", "营业收入(万元)"]),
        Rejected([(2, "营业收入(万元)", "Excel 错误值 #VALUE!")]),
    ),
    "#REF! in a text column is refused": Case(
        "enterprise_years",
        lambda c: ey([[c.a.uscc, "#REF!", YEAR]], ["统一社会信用代码", "企业名称", "年度"]),
        Rejected([(2, "企业名称", "Excel 错误值 #REF!")]),
    ),
    "a formula without a cached result is refused": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, 10, NoResult("=C2*2"))],
            ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)"],
        ),
        Rejected([(2, "营业收入(万元)", "公式没有计算结果，请在 Excel 中打开并保存后再导入")]),
    ),
    "a formula with a cached result is read as its result": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, 10, Formula("=100+20", 120))],
            ["统一社会信用代码", "年度", "职工总数(人)", "营业收入(万元)"],
        ),
        Stored({("a", YEAR): {"operating_revenue": 120.0}}),
    ),
    # --- sheets ---------------------------------------------------------------------------
    "hidden first sheet with old data: the visible sheet is imported": Case(
        "enterprise_years",
        lambda c: workbook(
            Sheet("旧数据", [EY[:3], [c.a.uscc, YEAR, 999]], state="hidden"),
            Sheet("数据", [EY[:3], [c.a.uscc, YEAR, 10]]),
        ),
        Stored({("a", YEAR): {"employees": 10}}, notes=("已跳过隐藏的工作表：“旧数据”",)),
    ),
    "very hidden sheet is never read": Case(
        "enterprise_years",
        lambda c: workbook(
            Sheet("数据", [EY[:3], [c.a.uscc, YEAR, 10]]),
            Sheet("草稿", [EY[:3], [c.a.uscc, YEAR, 999]], state="veryHidden"),
        ),
        Stored({("a", YEAR): {"employees": 10}}, notes=("已跳过隐藏的工作表：“草稿”",)),
    ),
    "the 填写说明 sheet is never the data sheet": Case(
        "enterprise_years",
        lambda c: workbook(
            Sheet("填写说明", [["统一社会信用代码", "年度", "职工总数(人)"], ["说明", "说明"]]),
            Sheet("数据", [EY[:3], [c.a.uscc, YEAR, 10]]),
        ),
        Stored({("a", YEAR): {"employees": 10}}, notes=("读取了工作表“数据”",)),
    ),
    "of several visible sheets the one with the template header is used": Case(
        "enterprise_years",
        lambda c: workbook(
            Sheet("封面", [["2023年度统计报表"], ["填报单位：某公司"]]),
            Sheet("数据", [EY[:3], [c.a.uscc, YEAR, 10]]),
        ),
        Stored({("a", YEAR): {"employees": 10}}, notes=("读取了工作表“数据”",)),
    ),
    "two sheets matching the template are refused": Case(
        "enterprise_years",
        lambda c: workbook(
            Sheet("一月", [EY[:3], [c.a.uscc, YEAR, 10]]),
            Sheet("二月", [EY[:3], [c.a.uscc, YEAR, 11]]),
        ),
        Rejected([(0, "（文件）", "有多个工作表符合模板（一月、二月）")]),
    ),
    "no sheet matching the template is refused naming the columns": Case(
        "enterprise_years",
        lambda c: workbook(Sheet("甲", [["姓名", "电话"]]), Sheet("乙", [["a", "b"]])),
        Rejected([(0, "（文件）", "都没有模板的表头；应有的列：统一社会信用代码")]),
    ),
    # --- rows around the data -------------------------------------------------------------
    "title rows are skipped and row numbers stay real": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, 10, "abc")],
            EY[:4],
            title=[["2023年度高新区企业统计表（单位：万元）"], ["填报单位：扬州高新区"]],
        ),
        Rejected(
            [(4, "营业收入(万元)", "不是有效的数字")],
            notes=("已跳过表头上方的标题行：第1行“2023年度高新区企业统计表（单位：万元）”；第2行",),
        ),
    ),
    "leading blank rows and columns keep row and column names": Case(
        "enterprise_years",
        lambda c: workbook(
            Sheet("数据", [[], [], [None, *EY[:4]], [None, c.a.uscc, YEAR, 10, "x"]])
        ),
        Rejected([(4, "营业收入(万元)", "不是有效的数字")]),
    ),
    "a header with more unknown than known columns is still found under a title": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, 10, "a", "b", "c")],
            ["统一社会信用代码", "年度", "职工总数(人)", "联系人", "电话", "地址"],
            title=[["2023年度企业统计表"]],
        ),
        Rejected([(2, "联系人", "联系人：不是模板列"), (2, "地址", "地址：不是模板列")]),
    ),
    "合计 row is skipped": Case(
        "enterprise_years",
        lambda c: ey([row_a(c, 10), ["合计", None, 10]], EY[:3]),
        Stored({("a", YEAR): {"employees": 10}}, notes=("已跳过合计/签名行：第3行“合计”",)),
    ),
    "合 计 with a space and 填表人 lines are skipped": Case(
        "enterprise_years",
        lambda c: ey(
            [row_a(c, 10), ["合 计", None, 10], [None, "填表人：张三", None, "审核人：李四"]],
            EY[:3],
        ),
        Stored({("a", YEAR): {"employees": 10}}, notes=("第3行“合计”", "第4行“填表人：张三")),
    ),
    "merged 年度 fills the rows it spans": Case(
        "enterprise_years",
        lambda c: workbook(
            Sheet("数据", [EY[:3], [c.a.uscc, YEAR, 10], [c.b.uscc, None, 20]], merges=["B2:B3"])
        ),
        Stored(
            {("a", YEAR): {"employees": 10}, ("b", YEAR): {"employees": 20}},
            notes=("年度：合并单元格 B2:B3 的值“2023”已填入第2-3行",),
        ),
    ),
    "a merged figure spanning rows is refused naming the range": Case(
        "enterprise_years",
        lambda c: workbook(
            Sheet("数据", [EY[:3], [c.a.uscc, YEAR, 10], [c.b.uscc, YEAR, None]], merges=["C2:C3"])
        ),
        Rejected([(2, "职工总数(人)", "合并单元格 C2:C3 跨越多行")]),
    ),
    # --- percent --------------------------------------------------------------------------
    "percent-formatted 0.35 is 35": Case(
        "zone_years",
        lambda c: workbook(Sheet("数据", [ZY[:3], ["扬州高新区", YEAR, Pct(0.35)]])),
        Stored(zone={"green_coverage": 35.0}, notes=("1 个单元格为百分比格式",)),
    ),
    "percent-formatted with decimals 0.3512 is 35.12": Case(
        "zone_years",
        lambda c: workbook(Sheet("数据", [ZY[:3], ["扬州高新区", YEAR, Pct(0.3512, "0.00%")]])),
        Stored(zone={"green_coverage": 35.12}),
    ),
    "35% as text is 35": Case(
        "zone_years",
        lambda c: xlsx(ZY[:3], [["扬州高新区", YEAR, "35%"]]),
        Stored(zone={"green_coverage": 35.0}),
    ),
    "3.5‰ is 0.35 in a (%) column": Case(
        "zone_years",
        lambda c: xlsx(ZY[:3], [["扬州高新区", YEAR, "3.5‰"]]),
        Stored(zone={"green_coverage": 0.35}),
    ),
    "bare 0.35 in a (%) column is ambiguous": Case(
        "zone_years",
        lambda c: xlsx(ZY[:3], [["扬州高新区", YEAR, 0.35]]),
        Rejected([(2, "总绿地率(%)", "0.35 是比例还是百分数？请填写 35 或 35%")]),
    ),
    "bare 0.35 with the user's confirmation is 35": Case(
        "zone_years",
        lambda c: xlsx(ZY, [["扬州高新区", YEAR, 0.35, -0.05]]),
        Stored(
            zone={"green_coverage": 35.0, "co2_growth": -5.0},
            notes=("总绿地率(%)：全列数值均不大于 1，按您的确认视为比例，已乘以 100",),
        ),
        options={"percent_as_fraction": True},
    ),
    "confirmation does not cover a column mixing 0.35 and 40": Case(
        "zone_years",
        lambda c: xlsx(ZY[:3], [["扬州高新区", YEAR, 0.35], ["江都高新区", YEAR, 40]]),
        Rejected([(2, "总绿地率(%)", "是比例还是百分数")]),
        options={"percent_as_fraction": True},
    ),
    "a number above 1 in a (%) column is taken as is": Case(
        "zone_years",
        lambda c: xlsx(ZY[:3], [["扬州高新区", YEAR, 35]]),
        Stored(zone={"green_coverage": 35.0}),
    ),
    "a percent-formatted cell in a 万元 column is refused": Case(
        "enterprise_years",
        lambda c: workbook(Sheet("数据", [EY[:4], [c.a.uscc, YEAR, 10, Pct(0.35)]])),
        Rejected([(2, "营业收入(万元)", "单位“%”与本列单位（万元）不符")]),
    ),
    "merged 高新区 fills the zone-year rows it spans": Case(
        "zone_years",
        lambda c: workbook(
            Sheet(
                "数据", [ZY[:3], ["扬州高新区", YEAR, 30], [None, YEAR - 1, 31]], merges=["A2:A3"]
            )
        ),
        Stored(zone={"green_coverage": 30.0}, notes=("高新区：合并单元格 A2:A3",)),
    ),
    "an error value in a zone-year file is refused": Case(
        "zone_years",
        lambda c: workbook(
            Sheet("数据", [ZY[:3], ["扬州高新区", YEAR, Formula("=A1+1", "#VALUE!")]])
        ),
        Rejected([(2, "总绿地率(%)", "Excel 错误值 #VALUE!")]),
    ),
    # --- text length ----------------------------------------------------------------------
    "a name longer than 200 characters is refused in Chinese": Case(
        "enterprises",
        lambda c: xlsx(ENT[:2], [[make_uscc(), "长" * 250]]),
        Rejected([(2, "企业名称", "超过最大长度 200 字（此处 250 字）")]),
    ),
    "an industry code longer than 5 characters is refused": Case(
        "enterprises",
        lambda c: xlsx(ENT[:2] + ["行业代码(GB/T 4754)"], [[make_uscc(), "某公司", "C351123"]]),
        Rejected([(2, "行业代码(GB/T 4754)", "超过最大长度 5 字（此处 7 字）")]),
    ),
    "a tech field longer than 20 characters is refused": Case(
        "enterprises",
        lambda c: xlsx(ENT[:2] + ["技术领域"], [[make_uscc(), "某公司", "电" * 21]]),
        Rejected([(2, "技术领域", "超过最大长度 20 字（此处 21 字）")]),
    ),
    "a name of exactly 200 characters is stored": Case(
        "enterprises",
        lambda c: xlsx(ENT[:3], [["91321003MA0000X01J", "长" * 200, "扬州高新区"]]),
        Stored(enterprise={"name": "长" * 200}),
    ),
    # --- CSV ------------------------------------------------------------------------------
    "GBK CSV with a title row and a 合计 row": Case(
        "enterprise_years",
        lambda c: csv_rows(
            [["2023年度统计表"], EY[:4], row_a(c, 10, "1.5亿"), ["合计", "", 10, 15000]]
        ),
        Stored(
            {("a", YEAR): {"employees": 10, "operating_revenue": 15000.0}},
            notes=("第1行“2023年度统计表”", "第4行“合计”"),
        ),
        filename="统计.csv",
    ),
    "GBK CSV with a misspelled header": Case(
        "enterprise_years",
        lambda c: csv_rows([["统一社会信用代码", "年度", "营业总收入(万元)"], row_a(c, 5)]),
        Rejected([(1, "营业总收入(万元)", "是否指 营业收入(万元)？")]),
        filename="统计.csv",
    ),
    "GBK CSV with 元 in the header": Case(
        "enterprise_years",
        lambda c: csv_rows(
            [["统一社会信用代码", "年度", "营业收入（元）"], row_a(c, "12,345,000")]
        ),
        Stored({("a", YEAR): {"operating_revenue": 1234.5}}),
        filename="统计.csv",
    ),
}


@pytest.fixture
def ctx(session, world):
    """Two enterprises without 2023 figures and a city admin."""
    zone = world["city"]["yzhtz"]
    return Ctx(make_enterprise(session, zone), make_enterprise(session, zone))


def _figures(session, ent: Enterprise, year: int) -> EnterpriseYear | None:
    return session.scalar(
        select(EnterpriseYear).where(
            EnterpriseYear.enterprise_id == ent.id,
            EnterpriseYear.year == year,
            EnterpriseYear.is_current.is_(True),
        )
    )


@pytest.mark.parametrize("name", list(CASES))
def test_corpus(session, ctx, name):
    case = CASES[name]
    principal = make_principal(session, "city_admin")
    content = case.build(ctx)
    before = table_counts_and_checksums(session)
    report = import_file(session, principal, case.kind, content, case.filename, **case.options)
    expect = case.expect
    for note in expect.notes:
        assert any(note in n for n in report.notes), (note, report.notes)
    if isinstance(expect, Rejected):
        assert not report.ok
        got = [(e.row, e.column, e.reason) for e in report.errors]
        for row, column, reason in expect.errors:
            assert any(r == row and c == column and reason in why for r, c, why in got), got
        assert table_counts_and_checksums(session) == before
        return
    assert report.ok, report.errors
    for (who, year), values in expect.figures.items():
        row = _figures(session, getattr(ctx, who), year)
        assert row is not None
        assert {k: getattr(row, k) for k in values} == values
    if expect.zone:
        zone_id = ctx.a.zone_id
        got = {
            z.indicator_code: z.value
            for z in session.scalars(
                select(ZoneYear).where(
                    ZoneYear.zone_id == zone_id,
                    ZoneYear.year == YEAR,
                    ZoneYear.is_current.is_(True),
                )
            )
        }
        assert {k: got.get(k) for k in expect.zone} == expect.zone
    if expect.enterprise:
        ent = session.scalar(select(Enterprise).where(Enterprise.uscc == "91321003MA0000X01J"))
        assert ent is not None
        assert {k: getattr(ent, k) for k in expect.enterprise} == expect.enterprise


def test_corpus_is_large_enough():
    assert len(CASES) >= 45


# --- the framework's interfaces --------------------------------------------------------------


def test_clear_marker_gives_null_and_a_flag_column():
    cols = [
        c
        for c in ENTERPRISE_YEAR_COLUMNS
        if c.code in {"uscc", "year", "operating_revenue", "employees", "rd_expense"}
    ]
    df = pl.DataFrame(
        {
            "uscc": ["u1", "u2", "u3", "u4"],
            "year": ["2024"] * 4,
            "employees": ["10", None, "12", "13"],
            "operating_revenue": ["〔清空〕", "5", " [清空] ", "【清空】"],
            "rd_expense": ["1", "2", "3", None],
        },
    ).select([c.code for c in cols])
    parsed = parse_columns(df, cols)
    assert parsed.cleared == frozenset({"operating_revenue"})
    assert parsed.data.get_column("operating_revenue").to_list() == [None, 5.0, None, None]
    assert parsed.data.get_column("__clear_operating_revenue").to_list() == [
        True,
        False,
        True,
        True,
    ]
    assert "__clear_employees" not in parsed.data.columns
    assert parsed.data.schema["__clear_operating_revenue"] == pl.Boolean
    assert not [e for e in parsed.errors if e.column != "统一社会信用代码"]


def test_every_text_column_has_the_model_length():
    from kechuang.registry.models import Carrier, Park, Region, Zone

    target = {
        ("enterprises", "uscc"): Enterprise.__table__.c.uscc,
        ("enterprises", "name"): Enterprise.__table__.c.name,
        ("enterprises", "industry_code"): Enterprise.__table__.c.industry_code,
        ("enterprises", "tech_field"): Enterprise.__table__.c.tech_field,
        ("enterprises", "region"): Region.__table__.c.name,
        ("enterprises", "zone"): Zone.__table__.c.full_name,
        ("enterprises", "counted_zone"): Zone.__table__.c.full_name,
        ("enterprises", "park"): Park.__table__.c.name,
        ("enterprises", "incubator"): Carrier.__table__.c.name,
        ("enterprise_years", "uscc"): Enterprise.__table__.c.uscc,
        ("enterprise_years", "name"): Enterprise.__table__.c.name,
        ("zone_years", "zone"): Zone.__table__.c.full_name,
    }
    text = {
        (kind, c.code): c.max_length
        for kind, cols in COLUMNS_BY_KIND.items()
        for c in cols
        if c.kind in {"text", "uscc"}
    }
    assert set(text) == set(target)
    assert text == {k: col.type.length for k, col in target.items()}
    assert text[("enterprises", "name")] == 200 and text[("enterprises", "industry_code")] == 5


@pytest.mark.parametrize("kind", list(COLUMNS_BY_KIND))
def test_headers_and_aliases_are_unambiguous(kind):
    from kechuang.core.excel import _canon_header

    seen: dict[str, str] = {}
    for col in COLUMNS_BY_KIND[kind]:
        for name in {col.header, col.template_header, col.code, *col.aliases}:
            key = _canon_header(name)
            assert seen.setdefault(key, col.code) == col.code, (kind, name)
    merge_fill = {c.code for c in COLUMNS_BY_KIND[kind] if c.merge_fill}
    assert merge_fill <= {"year", "zone"}


def test_template_notes_document_aliases_missing_words_and_the_clear_marker():
    from kechuang.statistics.templates import template

    lines = pl.read_excel(template("enterprise_years"), sheet_name="填写说明", has_header=False)
    text = "\n".join(str(v) for v in lines.to_series().to_list())
    for needle in ("〔清空〕", "“—”", "研发费用总额(万元)：研发费用", "忽略非模板列", "按比例填写"):
        assert needle in text, needle


def test_zone_column_lengths_hold_on_enterprises():
    assert {c.code: c.max_length for c in ENTERPRISE_COLUMNS}["zone"] == 200
    assert {c.code: c.max_length for c in ZONE_YEAR_COLUMNS}["zone"] == 200


def test_options_reach_statistics_kinds_and_spare_others(session, world):
    from kechuang.core.domain import import_kind

    principal = make_principal(session, "city_admin")
    content = xlsx(
        ["统一社会信用代码", "年度", "职工总数(人)", "备注"], [[world["a"].uscc, 2023, 9, "x"]]
    )
    spec = import_kind("enterprise_years")
    report = spec.run_import(session, principal, content, "a.xlsx", True, ignore_columns=True)
    assert report.ok and "已忽略非模板列：备注" in report.message()
    report = spec.run_import(session, principal, content, "a.xlsx", True)
    assert not report.ok and report.errors[0].reason.startswith("备注：不是模板列")
    quals = import_kind("enterprise_qualifications")  # its import takes no options
    report = quals.run_import(
        session, principal, b"x", "q.pdf", True, ignore_columns=True, percent_as_fraction=True
    )
    assert not report.ok and "不支持的文件类型" in report.errors[0].reason


def test_cli_flags(session, world, tmp_path):
    from typer.testing import CliRunner

    from kechuang.cli import app as cli

    path = tmp_path / "zone.xlsx"
    path.write_bytes(
        xlsx(
            ["高新区", "年度", "总绿地率(%)", "备注", "联系人"],
            [["扬州高新区", 2023, 0.3, "", "x"]],
        )
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["import", "zone_years", str(path), "--dry-run"])
    assert result.exit_code == 1 and "不是模板列" in result.output
    result = runner.invoke(
        cli, ["import", "zone_years", str(path), "--dry-run", "--ignore-columns", "备注,联系人"]
    )
    assert result.exit_code == 1 and "是比例还是百分数" in result.output
    result = runner.invoke(
        cli,
        ["import", "zone_years", str(path), "--ignore-unknown-columns", "--percent-fraction"],
    )
    assert result.exit_code == 0, result.output
    assert "已忽略非模板列：备注、联系人" in result.output and "乘以 100" in result.output
    value = session.scalar(
        select(ZoneYear.value).where(
            ZoneYear.indicator_code == "green_coverage", ZoneYear.year == 2023
        )
    )
    assert value == 30.0


def test_api_form_fields(client, world, session):
    h = login(client, "city")
    content = xlsx(["高新区", "年度", "总绿地率(%)", "备注"], [["扬州高新区", 2023, 0.3, "x"]])
    post = lambda **data: client.post(  # noqa: E731
        "/api/v1/imports",
        headers=h,
        data={"kind": "zone_years", "dry_run": "true", **data},
        files={"file": ("z.xlsx", content)},
    )

    def job(**data):  # an import is a job: 202, then its result at the job endpoint
        r = post(**data)
        assert r.status_code == 202, r.text
        return client.get(r.headers["location"], headers=h).json()

    j = job()
    assert j["state"] == "rejected" and "是否指" not in str(j) and "备注：不是模板列" in str(j)
    j = job(ignore_columns="备注")
    assert j["state"] == "rejected" and "是比例还是百分数" in str(j)
    j = job(ignore_columns="*", percent_as_fraction="true")
    assert j["state"] == "done", j
    assert any("已忽略非模板列：备注" in n for n in j["result"]["notes"])
