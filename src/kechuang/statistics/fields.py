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
    StatField(
        "ip_class1_self_developed",
        "自主研发Ⅰ类知识产权数",
        "件",
        "int",
        note="Ⅰ类知识产权中自主研发取得的件数（不含受让、受赠、并购）",
    ),
    StatField(
        "ip_class1_high_value",
        "高价值Ⅰ类知识产权数",
        "件",
        "int",
        note="海外有同族授权、维持年限超过10年、实现较高金额质押融资或获国家科学技术奖、中国专利奖的Ⅰ类知识产权",
    ),
    StatField("invention_patents_granted", "当年发明专利授权数", "件", "int"),
    StatField("standards_led", "主导制定标准数", "项", "int"),
    StatField(
        "standards_participated",
        "参与制定标准数",
        "项",
        "int",
        note="参与（非主导）编制的国家标准、行业标准、检测方法、技术规范",
    ),
    StatField("tech_contract_value", "技术合同成交额", "万元", "decimal"),
    StatField("tech_transfers", "科技成果转化数", "项", "int"),
    StatField("equity_financing", "股权融资额", "万元", "decimal"),
    StatField("latest_valuation", "最近一轮估值", "万元", "decimal", note="人民币估值"),
    StatField(
        "latest_valuation_usd",
        "最近一轮美元估值",
        "万美元",
        "decimal",
        note="以美元计的最近一轮投后估值；只有人民币估值时留空",
    ),
    StatField(
        "sci_activity_expense",
        "科技活动费用支出",
        "万元",
        "decimal",
        note="科技活动费用（统计口径，含研发费用以外的科技活动支出），与研发费用总额分别填写",
    ),
    StatField("is_listed", "是否上市", "", "bool"),
    StatField("major_accident", "重大安全/质量事故", "", "bool"),
    StatField("environmental_violation", "严重环境违法", "", "bool"),
    StatField("dishonest_listed", "列入失信名单", "", "bool"),
    StatField("abnormal_operation", "列入经营异常名录", "", "bool"),
    # Declarations the tier rules need (是/否; blank = not declared, read as unknown).
    StatField(
        "mainland_resident",
        "境内注册居民企业",
        "",
        "bool",
        note="在中国境内（不含港澳台）注册的居民企业",
    ),
    StatField(
        "restricted_products",
        "产品属禁止/限制/淘汰类",
        "",
        "bool",
        note="提供的产品和服务属于国家规定的禁止、限制和淘汰类",
    ),
    StatField(
        "strategic_emerging",
        "主导产品属战略性新兴产业",
        "",
        "bool",
        note="主导产品属于《战略性新兴产业分类》",
    ),
    StatField(
        "pe_funded",
        "获私募股权投资",
        "",
        "bool",
        note="获得过专业投资机构的私募股权投资",
    ),
    StatField(
        "key_core_tech",
        "关键核心技术突破等情形",
        "",
        "bool",
        note="关键核心技术突破、拥有高价值知识产权、填补国内空白、首台（套）或承担国家重大项目",
    ),
    StatField(
        "new_track",
        "属新赛道",
        "",
        "bool",
        note="具身智能、量子计算、脑机接口等新赛道",
    ),
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
