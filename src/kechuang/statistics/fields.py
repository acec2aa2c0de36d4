"""The enterprise-year statistics fields: one definition used by models, templates, imports and engines.

Every figure a later capability needs (points, tiers, zone evaluation) is a column here. Units are
explicit: money in 万元, people in 人. The Chinese header is what the Excel template shows; an export
uses the same headers, so an export imports back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

FieldKind = Literal["int", "decimal", "bool"]


@dataclass(frozen=True)
class StatField:
    """One enterprise-year figure: identifier, Chinese header, unit and validation bounds."""

    code: str
    header: str
    unit: str
    kind: FieldKind
    allow_negative: bool = False
    note: str = ""
    aliases: tuple[str, ...] = ()  # other headers accepted on import (never another field's)

    @property
    def template_header(self) -> str:
        """The spreadsheet header: the Chinese name with its unit in parentheses."""
        return f"{self.header}({self.unit})" if self.unit else self.header


ENTERPRISE_YEAR_FIELDS: tuple[StatField, ...] = (
    StatField(
        "employees",
        "职工总数",
        "人",
        "int",
        note="含兼职、临时聘用（当年工作满6个月）",
        aliases=("职工人数", "年末职工总数", "从业人员数"),
    ),
    StatField("tech_staff", "科技人员数", "人", "int", aliases=("科技人员",)),
    StatField("rd_staff", "研发人员数", "人", "int", aliases=("研发人员",)),
    StatField("rd_staff_fte", "研发人员全时当量", "人年", "decimal"),
    StatField("operating_revenue", "营业收入", "万元", "decimal"),
    StatField("main_business_revenue", "主营业务收入", "万元", "decimal"),
    StatField("sales_revenue", "销售收入", "万元", "decimal"),
    StatField("total_revenue", "总收入", "万元", "decimal"),
    StatField("high_tech_revenue", "高新技术产品(服务)收入", "万元", "decimal"),
    StatField(
        "rd_expense", "研发费用总额", "万元", "decimal", aliases=("研发费用", "研究开发费用")
    ),
    StatField("rd_expense_domestic", "境内研发费用", "万元", "decimal"),
    StatField("rd_expense_outsourced", "委托外部研发费用", "万元", "decimal"),
    StatField("total_cost", "成本费用支出总额", "万元", "decimal"),
    StatField("total_assets", "资产总额", "万元", "decimal"),
    StatField("total_liabilities", "负债总额", "万元", "decimal"),
    StatField("net_profit", "净利润", "万元", "decimal", allow_negative=True),
    StatField("taxes_paid", "上缴税费", "万元", "decimal", aliases=("实际上缴税费", "纳税总额")),
    StatField("export_value", "出口额", "万元", "decimal", aliases=("出口总额",)),
    StatField(
        "ip_class1", "Ⅰ类知识产权数", "件", "int", note="发明专利、植物新品种、集成电路布图设计等"
    ),
    StatField("ip_class2", "Ⅱ类知识产权数", "件", "int", note="实用新型、外观设计、软件著作权等"),
    StatField("invention_patents_granted", "当年发明专利授权数", "件", "int"),
    StatField("standards_led", "主导制定标准数", "项", "int"),
    StatField("tech_contract_value", "技术合同成交额", "万元", "decimal"),
    StatField("tech_transfers", "科技成果转化数", "项", "int"),
    StatField("equity_financing", "股权融资额", "万元", "decimal"),
    StatField("latest_valuation", "最近一轮估值", "万元", "decimal"),
    StatField("is_listed", "是否上市", "", "bool"),
    StatField("major_accident", "重大安全/质量事故", "", "bool"),
    StatField("environmental_violation", "严重环境违法", "", "bool"),
    StatField("dishonest_listed", "列入失信名单", "", "bool"),
    StatField("abnormal_operation", "列入经营异常名录", "", "bool"),
)

FIELDS_BY_CODE: dict[str, StatField] = {f.code: f for f in ENTERPRISE_YEAR_FIELDS}
FIELD_CODES: tuple[str, ...] = tuple(f.code for f in ENTERPRISE_YEAR_FIELDS)
NUMERIC_FIELDS: tuple[str, ...] = tuple(f.code for f in ENTERPRISE_YEAR_FIELDS if f.kind != "bool")
FLAG_FIELDS: tuple[str, ...] = tuple(f.code for f in ENTERPRISE_YEAR_FIELDS if f.kind == "bool")
# The Polars type of each figure, for frames read from the database or simulated by the demo.
FIELD_DTYPES: dict[str, type[pl.DataType]] = {
    f.code: {"int": pl.Int64, "decimal": pl.Float64, "bool": pl.Boolean}[f.kind]
    for f in ENTERPRISE_YEAR_FIELDS
}
