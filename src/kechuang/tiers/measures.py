"""The measures the tier rule packs compare: named formulas over the tier feature frame.

Packs (data) name a measure and give the threshold, band and citation; the formula that turns
statistics into the measure is an official definition too, written once here and described in
docs/tiers.md. The rules engine (`kechuang.engines.rules`) is generic: the tiers domain hands it
`MEASURES`. A measure's lever says how to close a shortfall in the enterprise's own units (how
much more R&D, how many more technical staff), which is what a gap reports.

Ratios divide with the engine's `div` (x/0 = +∞ for x > 0, null for 0/0, never NaN).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl

from kechuang.engines.rules.measures import Ctx, Lever, Measure, div


def c(name: str) -> pl.Expr:
    """A feature column."""
    return pl.col(name)


def p(name: str, k: int) -> pl.Expr:
    """A feature column k years before the assessment year."""
    return pl.col(f"{name}__p{k}") if k else pl.col(name)


def _sum_years(field: str, n: int) -> pl.Expr:
    """Sum of a field over the last `n` years (null when any of them is missing)."""
    out = p(field, 0)
    for k in range(1, n):
        out = out + p(field, k)
    return out


def _sum_op_years(expr_of: Callable[[int], pl.Expr]) -> pl.Expr:
    """Sum over the operating years that count (op_years ≤ 3): later years only if they exist."""
    n = c("op_years")
    return (
        expr_of(0)
        + pl.when(n >= 2).then(expr_of(1)).otherwise(0.0)
        + pl.when(n >= 3).then(expr_of(2)).otherwise(0.0)
    )


def _rd_effective(k: int) -> pl.Expr:
    # 委托外部研发费用按实际发生额的80%计入 (工作指引): subtract the other 20%; a blank outsourced
    # cell is read as none outsourced.
    return p("rd_expense", k) - 0.2 * p("rd_expense_outsourced", k).fill_null(0.0)


def hnte_growth(field_of: Callable[[int], pl.Expr]) -> pl.Expr:
    """The HNTE growth rate with its edge rules (工作指引 企业成长性).

    rate = ½ (V2/V1 + V3/V2) − 1 over the three years ending with the assessment year; first-year
    value ≤ 0 → V3/V2 − 1; second-year value ≤ 0 → 0; two operating years → V3/V2 − 1; one → 0.
    """
    v1, v2, v3 = field_of(2), field_of(1), field_of(0)
    n = c("op_years")
    three = (
        pl.when(v2 <= 0)
        .then(0.0)
        .when(v1 <= 0)
        .then(v3 / v2 - 1.0)
        .otherwise(0.5 * (v2 / v1 + v3 / v2) - 1.0)
    )
    two = pl.when(v2 <= 0).then(0.0).otherwise(v3 / v2 - 1.0)
    return (
        pl.when(n >= 3)
        .then(three)
        .when(n == 2)
        .then(two)
        .when(n == 1)
        .then(pl.lit(0.0))
        .otherwise(None)
    )


def _net_assets(k: int) -> pl.Expr:
    return p("total_assets", k) - p("total_liabilities", k)


def _cagr(field: str, years: int) -> pl.Expr:
    base, end = p(field, years), p(field, 0)
    return (
        pl.when(base > 0)
        .then((end / base).pow(1.0 / years) - 1.0)
        .when((base == 0) & (end > 0))
        .then(float("inf"))
        .otherwise(None)
    )


def _yoy(field: str, k: int = 0) -> pl.Expr:
    base, end = p(field, k + 1), p(field, k)
    return (
        pl.when(base > 0)
        .then(end / base - 1.0)
        .when((base == 0) & (end > 0))
        .then(float("inf"))
        .when((base == 0) & (end == 0))
        .then(0.0)
        .otherwise(None)
    )


# --- levers: the amount that closes a gap (given the threshold t) --------------------------------


def _add_to_num(num: pl.Expr, den: pl.Expr) -> Lever:
    return lambda _ctx, t: t * den - num


def _add_to_both(num: pl.Expr, den: pl.Expr) -> Lever:
    # the added amount raises the denominator too (new technical staff are also staff)
    return lambda _ctx, t: (t * den - num) / (1.0 - t)


def _raise(value: pl.Expr) -> Lever:
    return lambda _ctx, t: t - value


def _growth_to(field: str, years: int) -> Lever:
    return lambda _ctx, t: p(field, years) * (1.0 + t).pow(years) - p(field, 0)


def _ratio_cap(num: pl.Expr, den: pl.Expr) -> Lever:
    return lambda _ctx, t: num - t * den


# Every measure a tier pack may name, by code: what the tiers domain hands the rules engine.
MEASURES: dict[str, Measure] = {}


def _m(code: str, label: str, unit: str, build: Callable[[Ctx], pl.Expr], **kw: Any) -> None:
    MEASURES[code] = Measure(code, label, unit, build, **kw)


# size and basics
_m("employees", "职工总数", "人", lambda _: c("employees"))
_m("sales_revenue", "销售收入", "万元", lambda _: c("sales_revenue"))
_m("total_assets", "资产总额", "万元", lambda _: c("total_assets"))
_m(
    "operating_revenue",
    "营业收入",
    "万元",
    lambda _: c("operating_revenue"),
    lever=_raise(c("operating_revenue")),
    lever_text="增加营业收入",
    lever_unit="万元",
)
for _flag, _label in (
    ("major_accident", "重大安全/质量事故"),
    ("environmental_violation", "严重环境违法"),
    ("dishonest_listed", "列入严重违法失信名单"),
    ("abnormal_operation", "列入经营异常名录"),
    ("is_listed", "已上市"),
    ("mainland_resident", "在中国境内（不含港澳台）注册的居民企业"),
    ("restricted_products", "产品和服务属于国家规定的禁止、限制和淘汰类"),
    ("strategic_emerging", "主导产品属于《战略性新兴产业分类》"),
    ("pe_funded", "获得专业投资机构的私募股权投资（企业声明）"),
    (
        "key_core_tech",
        "关键核心技术突破、高价值知识产权、填补国内空白、首台（套）或承担国家重大项目",
    ),
    ("new_track", "属具身智能、量子计算、脑机接口等新赛道"),
):
    _m(_flag, _label, "", lambda _, f=_flag: c(f))
_m("founded_year", "成立年份", "年", lambda _: c("founded_year").cast(pl.Float64))
_m(
    "age_years",
    "成立年限（评价年度减成立年份）",
    "年",
    lambda ctx: (pl.lit(ctx.year) - c("founded_year")).cast(pl.Float64),
)


def _registered_days(ctx: Ctx) -> pl.Expr:
    # 办法 第十一条（一）counts to the application, made in the year after the assessment year.
    # Without the application date, the days to 1 January of that year are a lower bound: enough
    # when they already reach a year, `unknown` otherwise (never the fiscal year-end).
    founded = c("founded_on")
    to_applied = (c("hnte_applied_on") - founded).dt.total_days().cast(pl.Float64)
    to_earliest = (pl.lit(date(ctx.year + 1, 1, 1)) - founded).dt.total_days().cast(pl.Float64)
    return (
        pl.when(c("hnte_applied_on").is_not_null())
        .then(to_applied)
        .when(to_earliest >= 365)
        .then(to_earliest)
        .otherwise(None)
    )


_m(
    "registered_days",
    "注册成立天数（至申请日；未填申请日时至次年1月1日）",
    "天",
    _registered_days,
)

# people
_m(
    "tech_staff_ratio",
    "科技人员占职工总数比例",
    "%",
    lambda _: div(c("tech_staff"), c("employees")),
    lever=_add_to_both(c("tech_staff"), c("employees")),
    lever_text="新增科技人员",
    lever_unit="人",
    integer=True,
)
_m(
    "rd_staff_ratio",
    "研发人员占职工总数比例",
    "%",
    lambda _: div(c("rd_staff"), c("employees")),
    lever=_add_to_both(c("rd_staff"), c("employees")),
    lever_text="新增研发人员",
    lever_unit="人",
    integer=True,
)

# R&D
_m(
    "rd_expense",
    "研发费用总额",
    "万元",
    lambda _: c("rd_expense"),
    lever=_raise(c("rd_expense")),
    lever_text="增加研发费用",
    lever_unit="万元",
)
_m(
    "rd_ratio_sales",
    "研发费用总额占销售收入总额比例",
    "%",
    lambda _: div(c("rd_expense"), c("sales_revenue")),
    lever=_add_to_num(c("rd_expense"), c("sales_revenue")),
    lever_text="增加研发费用",
    lever_unit="万元",
)
_m(
    "rd_ratio_cost",
    "研发费用总额占成本费用支出总额比例",
    "%",
    lambda _: div(c("rd_expense"), c("total_cost")),
    lever=_add_to_both(c("rd_expense"), c("total_cost")),
    lever_text="增加研发费用（同时计入成本费用）",
    lever_unit="万元",
)
_m(
    "rd_ratio_operating",
    "研发费用占营业收入比例",
    "%",
    lambda _: div(c("rd_expense"), c("operating_revenue")),
    lever=_add_to_num(c("rd_expense"), c("operating_revenue")),
    lever_text="增加研发费用",
    lever_unit="万元",
)
_m(
    "sci_activity_ratio",
    "科技活动费用支出占营业收入比例",
    "%",
    lambda _: div(c("sci_activity_expense"), c("operating_revenue")),
    lever=_add_to_num(c("sci_activity_expense"), c("operating_revenue")),
    lever_text="增加科技活动费用支出",
    lever_unit="万元",
)
_HNTE_RD = _sum_op_years(_rd_effective)
_HNTE_SALES = _sum_op_years(lambda k: p("sales_revenue", k))
_m(
    "hnte_rd_ratio",
    "近三个会计年度研发费用总额占同期销售收入总额比例（委托研发按80%计）",
    "%",
    lambda _: div(_HNTE_RD, _HNTE_SALES),
    lever=_add_to_num(_HNTE_RD, _HNTE_SALES),
    lever_text="增加（境内）研发费用",
    lever_unit="万元",
)
_m("hnte_latest_sales", "最近一年销售收入", "万元", lambda _: c("sales_revenue"))
_HNTE_DOM = _sum_op_years(lambda k: p("rd_expense_domestic", k))
_HNTE_RD_RAW = _sum_op_years(lambda k: p("rd_expense", k))
_m(
    "hnte_domestic_share",
    "境内研发费用占全部研发费用比例",
    "%",
    lambda _: div(_HNTE_DOM, _HNTE_RD_RAW),
    lever=_add_to_both(_HNTE_DOM, _HNTE_RD_RAW),
    lever_text="增加境内研发费用",
    lever_unit="万元",
)
_m(
    "rd_avg_2y",
    "近两年研发费用均值",
    "万元",
    lambda _: _sum_years("rd_expense", 2) / 2.0,
    lever=lambda _ctx, t: 2.0 * (t - _sum_years("rd_expense", 2) / 2.0),
    lever_text="增加研发费用（两年合计）",
    lever_unit="万元",
)
_m(
    "rd_sum_2y",
    "近两年研发费用合计",
    "万元",
    lambda _: _sum_years("rd_expense", 2),
    lever=_raise(_sum_years("rd_expense", 2)),
    lever_text="增加研发费用",
    lever_unit="万元",
)
_m(
    "rd_min_2y",
    "近两年研发费用（较低一年）",
    "万元",
    lambda _: pl.min_horizontal(p("rd_expense", 0), p("rd_expense", 1)),
    lever=lambda _ctx, t: (
        (t - p("rd_expense", 0)).clip(lower_bound=0) + (t - p("rd_expense", 1)).clip(lower_bound=0)
    ),
    lever_text="增加研发费用（不足年份合计）",
    lever_unit="万元",
)
_RATIO_P0 = div(p("rd_expense", 0), p("operating_revenue", 0))
_RATIO_P1 = div(p("rd_expense", 1), p("operating_revenue", 1))
_m(
    "rd_ratio_min_2y",
    "近两年研发费用占营业收入比例（较低一年）",
    "%",
    lambda _: (
        pl.when(_RATIO_P0.is_null() | _RATIO_P1.is_null())
        .then(None)
        .otherwise(pl.min_horizontal(_RATIO_P0, _RATIO_P1))
    ),
    lever=lambda _ctx, t: (
        (t * p("operating_revenue", 0) - p("rd_expense", 0)).clip(lower_bound=0)
        + (t * p("operating_revenue", 1) - p("rd_expense", 1)).clip(lower_bound=0)
    ),
    lever_text="增加研发费用（不足年份合计）",
    lever_unit="万元",
)

# intellectual property, standards, transfers
_m(
    "ip_class1",
    "Ⅰ类知识产权数",
    "件",
    lambda _: c("ip_class1"),
    lever=_raise(c("ip_class1")),
    lever_text="新增Ⅰ类知识产权",
    lever_unit="件",
    integer=True,
)
_m(
    "ip_class2",
    "Ⅱ类知识产权数",
    "件",
    lambda _: c("ip_class2"),
    lever=_raise(c("ip_class2")),
    lever_text="新增Ⅱ类知识产权",
    lever_unit="件",
    integer=True,
)
# Ⅰ类 subsets: none when there is no Ⅰ类 IP at all; a blank subset is not read as 0 otherwise.
_IP1_HIGH = pl.when(c("ip_class1") == 0).then(0.0).otherwise(c("ip_class1_high_value"))
_m(
    "ip_class1_high_value",
    "高价值Ⅰ类知识产权数",
    "件",
    lambda _: _IP1_HIGH,
    lever=_raise(_IP1_HIGH),
    lever_text="新增高价值Ⅰ类知识产权",
    lever_unit="件",
    integer=True,
)
_IP1_SELF = (
    pl.when(c("ip_class1") == 0)
    .then(0.0)
    # a high-value one already scores higher: the self-developed count does not matter then
    .when(_IP1_HIGH >= 1)
    .then(c("ip_class1_self_developed").fill_null(0.0))
    .otherwise(c("ip_class1_self_developed"))
)
_m(
    "ip_class1_self_developed",
    "自主研发Ⅰ类知识产权数",
    "件",
    lambda _: _IP1_SELF,
    lever=_raise(_IP1_SELF),
    lever_text="新增自主研发Ⅰ类知识产权",
    lever_unit="件",
    integer=True,
)
_m(
    "ip_class2_if_no_class1",
    "Ⅱ类知识产权数（有Ⅰ类时不需）",
    "件",
    lambda _: (
        pl.when(c("ip_class1") >= 1).then(c("ip_class2").fill_null(0.0)).otherwise(c("ip_class2"))
    ),
)
_m(
    "ip_total",
    "知识产权数（Ⅰ类＋Ⅱ类）",
    "件",
    lambda _: c("ip_class1") + c("ip_class2"),
    lever=_raise(c("ip_class1") + c("ip_class2")),
    lever_text="获得知识产权",
    lever_unit="件",
    integer=True,
)
_m(
    "standards_led_5y",
    "近五年主导制定标准数",
    "项",
    # a count ≥ 1 is enough whatever else is blank; 0 only when no year on file is blank
    lambda _: (
        pl.when(c("__standards_5y") >= 1)
        .then(c("__standards_5y"))
        .when(c("__standards_5y_blank"))
        .then(None)
        .otherwise(c("__standards_5y"))
        .cast(pl.Float64)
    ),
)


def _standards_3y() -> pl.Expr:
    # led and joined (参与) standards over the operating years that count; a blank is not 0
    known = _sum_op_years(
        lambda k: (
            p("standards_led", k).fill_null(0.0) + p("standards_participated", k).fill_null(0.0)
        )
    )
    blank = _sum_op_years(
        lambda k: (p("standards_led", k).is_null() | p("standards_participated", k).is_null()).cast(
            pl.Float64
        )
    )
    return pl.when(known >= 1).then(known).when(blank > 0).then(None).otherwise(known)


_m("standards_3y", "近三年主导或参与制定标准数", "项", lambda _: _standards_3y())
_TRANSFERS = _sum_op_years(lambda k: p("tech_transfers", k))
_m(
    "hnte_transfers_avg",
    "近三年科技成果转化年平均数",
    "项",
    lambda _: _TRANSFERS / c("op_years"),
    lever=lambda _ctx, t: t * c("op_years") - _TRANSFERS,
    lever_text="新增科技成果转化",
    lever_unit="项",
    integer=True,
)

# revenue structure and growth
_m(
    "ht_revenue_ratio",
    "高新技术产品（服务）收入占同期总收入比例",
    "%",
    lambda _: div(c("high_tech_revenue"), c("total_revenue")),
    lever=_add_to_both(c("high_tech_revenue"), c("total_revenue")),
    lever_text="增加高新技术产品（服务）收入",
    lever_unit="万元",
)
_m("hnte_net_asset_growth", "净资产增长率", "%", lambda _: hnte_growth(_net_assets))
_m(
    "hnte_sales_growth",
    "销售收入增长率",
    "%",
    lambda _: hnte_growth(lambda k: p("sales_revenue", k)),
)
_m(
    "main_revenue_growth",
    "主营业务收入增长率",
    "%",
    lambda _: _yoy("main_business_revenue"),
    lever=lambda _ctx, t: p("main_business_revenue", 1) * (1.0 + t) - p("main_business_revenue", 0),
    lever_text="增加主营业务收入",
    lever_unit="万元",
)
_m(
    "main_growth_avg_2y",
    "近两年主营业务收入平均增长率",
    "%",
    lambda _: (_yoy("main_business_revenue", 0) + _yoy("main_business_revenue", 1)) / 2.0,
)
_m(
    "main_share",
    "主营业务收入占营业收入比例",
    "%",
    lambda _: div(c("main_business_revenue"), c("operating_revenue")),
    lever=_add_to_both(c("main_business_revenue"), c("operating_revenue")),
    lever_text="增加主营业务收入",
    lever_unit="万元",
)
_m(
    "debt_ratio",
    "资产负债率",
    "%",
    lambda _: div(c("total_liabilities"), c("total_assets")),
    lever=_ratio_cap(c("total_liabilities"), c("total_assets")),
    lever_text="减少负债",
    lever_unit="万元",
)
_m("net_margin", "净利润率", "%", lambda _: div(c("net_profit"), c("operating_revenue")))
_m(
    "revenue_cagr_2y",
    "近两年营业收入复合增长率",
    "%",
    lambda _: _cagr("operating_revenue", 2),
    lever=_growth_to("operating_revenue", 2),
    lever_text="增加营业收入",
    lever_unit="万元",
)
_m("revenue_base_3y", "三年前（基年）营业收入", "万元", lambda _: p("operating_revenue", 3))
_m(
    "revenue_cagr_3y",
    "近三年营业收入复合增长率",
    "%",
    lambda _: _cagr("operating_revenue", 3),
    lever=_growth_to("operating_revenue", 3),
    lever_text="增加营业收入",
    lever_unit="万元",
)
_m(
    "revenue_yoy",
    "营业收入同比增长率",
    "%",
    lambda _: _yoy("operating_revenue"),
    lever=lambda _ctx, t: p("operating_revenue", 1) * (1.0 + t) - p("operating_revenue", 0),
    lever_text="增加营业收入",
    lever_unit="万元",
)
_m(
    "revenue_worst_yoy_3y",
    "近三年营业收入最大同比变化（最低一年）",
    "%",
    lambda _: pl.min_horizontal(
        _yoy("operating_revenue", 0), _yoy("operating_revenue", 1), _yoy("operating_revenue", 2)
    ),
)
_m("employees_base_3y", "三年前（基年）从业人员", "人", lambda _: p("employees", 3))
_m(
    "employees_cagr_3y",
    "近三年从业人员复合增长率",
    "%",
    lambda _: _cagr("employees", 3),
    lever=_growth_to("employees", 3),
    lever_text="增加从业人员",
    lever_unit="人",
    integer=True,
)
_m(
    "employees_yoy",
    "从业人员同比增长率",
    "%",
    lambda _: _yoy("employees"),
    lever=lambda _ctx, t: p("employees", 1) * (1.0 + t) - p("employees", 0),
    lever_text="增加从业人员",
    lever_unit="人",
    integer=True,
)

# financing and valuation
_m(
    "equity_2y",
    "近两年新增股权融资",
    "万元",
    lambda _: _sum_years("equity_financing", 2),
    lever=_raise(_sum_years("equity_financing", 2)),
    lever_text="新增股权融资",
    lever_unit="万元",
)
_m(
    "equity_3y",
    "近三年新增股权融资",
    "万元",
    lambda _: _sum_years("equity_financing", 3),
    lever=_raise(_sum_years("equity_financing", 3)),
    lever_text="新增股权融资",
    lever_unit="万元",
)
_m(
    "cum_equity",
    "累计股权融资",
    "万元",
    lambda _: c("__equity_cum"),
    lever=_raise(c("__equity_cum")),
    lever_text="新增股权融资",
    lever_unit="万元",
)
_m(
    "valuation",
    "最近一轮投后估值",
    "万元",
    lambda _: c("latest_valuation"),
    lever=_raise(c("latest_valuation")),
    lever_text="提高估值",
    lever_unit="万元",
)


def _usd_rate(ctx: Ctx) -> float:
    return float(ctx.params.get("usd_cny_rate", 7.0))


# A valuation is one number: given in one currency, it is converted to the other at the pack's
# rate (usd_cny_rate); given in both, each test reads its own currency.
_m(
    "valuation_usd",
    "最近一轮估值（美元计；只填人民币时按规则包汇率折算）",
    "万美元",
    lambda ctx: pl.coalesce(c("latest_valuation_usd"), c("latest_valuation") / _usd_rate(ctx)),
    lever=lambda ctx, t: (
        t - pl.coalesce(c("latest_valuation_usd"), c("latest_valuation") / _usd_rate(ctx))
    ),
    lever_text="提高估值",
    lever_unit="万美元",
    uses_params=True,
)
_m(
    "valuation_cny",
    "最近一轮估值（人民币计；只填美元时按规则包汇率折算）",
    "万元",
    lambda ctx: pl.coalesce(c("latest_valuation"), c("latest_valuation_usd") * _usd_rate(ctx)),
    lever=lambda ctx, t: (
        t - pl.coalesce(c("latest_valuation"), c("latest_valuation_usd") * _usd_rate(ctx))
    ),
    lever_text="提高估值",
    lever_unit="万元",
    uses_params=True,
)
_m(
    "has_investment",
    "获得股权投资（私募）",
    "",
    lambda _: (c("__equity_cum") > 0) | (c("latest_valuation") > 0),
)

# registry facts compared with the pack's lists
_m(
    "tech_field_supported",
    "核心技术属于《国家重点支持的高新技术领域》",
    "",
    lambda ctx: (
        pl.when(c("tech_field").is_null())
        .then(None)
        .otherwise(c("tech_field").is_in(list(ctx.params.get("tech_fields", []))))
    ),
    uses_params=True,
)
_m(
    "industry_excluded",
    "属于不参评行业",
    "",
    lambda ctx: (
        pl.when(c("industry_code").is_null())
        .then(None)
        .otherwise(
            pl.any_horizontal(
                [
                    c("industry_code").str.starts_with(str(x))
                    for x in ctx.params.get("excluded_industry_prefixes", ["~"])
                ]
            )
        )
    ),
    uses_params=True,
)

# qualifications (not in the statistics; from the qualification register or the input file)
for _q, _label, _unit in (
    ("q_hnte_valid", "持有有效期内的高新技术企业证书", ""),
    ("q_national_award_5y", "近五年获国家级科技奖励且在获奖单位中排名前三", ""),
    ("q_national_award_3y", "近三年获国家级科技奖励且在获奖单位中排名前三", ""),
    ("q_award_3y", "近三年获国家级或省级科技奖励", ""),
    ("q_prov_award_3y", "近三年获省部级以上科技奖励且排名前三", ""),
    ("q_rd_institution", "拥有经认定的省部级以上研发机构", ""),
    ("q_honour", "国家级技术创新示范企业、知识产权优势/示范企业等荣誉（有效期内）", ""),
    ("q_innovative_title", "已获创新型（科技和创新型）中小企业称号", ""),
    ("q_specialised_title", "已获专精特新中小企业称号", ""),
    ("q_little_giant_title", "已获专精特新“小巨人”称号", ""),
    ("q_niche_years", "从事特定细分市场年限", "年"),
    ("q_market_top", "主导产品细分市场占有率≥10%或位居前三", ""),
    ("q_zjtx_score", "专精特新发展评价得分", "分"),
    ("q_hnte_innovation_score", "高企创新能力评价专家总分（登记在册）", "分"),
    ("q_hnte_core_ip_score", "知识产权核心支持作用专家评分（登记在册）", "分"),
):
    _m(_q, _label, _unit, lambda _, q=_q, u=_unit: c(q).cast(pl.Float64) if u else c(q))

# An HNTE expert score on record decides the expert-judged items; without one they stay expert
# review. "On record and passing" is false (not unknown) when nothing is on record, so that the
# pack's other route — the score range, or expert review — decides.
_m(
    "hnte_expert_innovation_pass",
    "专家评审的创新能力评价总分已登记且高于70分",
    "",
    lambda _: (c("q_hnte_innovation_score") > 70).fill_null(False),
)
_m(
    "hnte_expert_innovation_absent",
    "尚未登记创新能力评价专家总分",
    "",
    lambda _: c("q_hnte_innovation_score").is_null(),
)
_m(
    "hnte_expert_core_ip_pass",
    "专家评审认定知识产权对主要产品发挥核心支持作用（评分＞0，已登记）",
    "",
    lambda _: (c("q_hnte_core_ip_score") > 0).fill_null(False),
)
_m(
    "hnte_expert_core_ip_absent",
    "尚未登记知识产权核心支持作用专家评分",
    "",
    lambda _: c("q_hnte_core_ip_score").is_null(),
)
