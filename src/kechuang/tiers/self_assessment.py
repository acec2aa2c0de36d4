"""Self-assessment: typed-in figures (several years) evaluated against every pack; it stores
nothing, so anyone the bureau allows may use it."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from kechuang.engines.rules.evaluate import evaluate
from kechuang.tiers.assessment import explain_rows
from kechuang.tiers.features import build_features
from kechuang.tiers.measures import MEASURES
from kechuang.tiers.methodology import RUNG_LABELS, TierError, packs_for_year

SELF_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("employees", "职工总数", "人"),
    ("tech_staff", "科技人员数", "人"),
    ("rd_staff", "研发人员数", "人"),
    ("operating_revenue", "营业收入", "万元"),
    ("main_business_revenue", "主营业务收入", "万元"),
    ("sales_revenue", "销售收入", "万元"),
    ("total_revenue", "总收入", "万元"),
    ("high_tech_revenue", "高新技术产品(服务)收入", "万元"),
    ("rd_expense", "研发费用总额", "万元"),
    ("rd_expense_domestic", "境内研发费用", "万元"),
    ("rd_expense_outsourced", "委托外部研发费用", "万元"),
    ("total_cost", "成本费用支出总额", "万元"),
    ("total_assets", "资产总额", "万元"),
    ("total_liabilities", "负债总额", "万元"),
    ("net_profit", "净利润", "万元"),
    ("ip_class1", "Ⅰ类知识产权数", "件"),
    ("ip_class2", "Ⅱ类知识产权数", "件"),
    ("ip_class1_self_developed", "自主研发Ⅰ类知识产权数", "件"),
    ("ip_class1_high_value", "高价值Ⅰ类知识产权数", "件"),
    ("standards_led", "主导制定标准数", "项"),
    ("standards_participated", "参与制定标准数", "项"),
    ("tech_transfers", "科技成果转化数", "项"),
    ("equity_financing", "股权融资额", "万元"),
    ("latest_valuation", "最近一轮估值（人民币）", "万元"),
    ("latest_valuation_usd", "最近一轮美元估值", "万美元"),
    ("sci_activity_expense", "科技活动费用支出", "万元"),
)
SELF_FLAGS: tuple[tuple[str, str], ...] = (
    ("is_listed", "是否上市"),
    ("major_accident", "重大安全/质量事故"),
    ("environmental_violation", "严重环境违法"),
    ("dishonest_listed", "列入失信名单"),
    ("abnormal_operation", "列入经营异常名录"),
    ("mainland_resident", "在中国境内（不含港澳台）注册的居民企业"),
    ("restricted_products", "产品和服务属于禁止、限制和淘汰类"),
    ("strategic_emerging", "主导产品属于《战略性新兴产业分类》"),
    ("pe_funded", "获得专业投资机构的私募股权投资"),
    (
        "key_core_tech",
        "关键核心技术突破、高价值知识产权、填补国内空白、首台（套）或承担国家重大项目",
    ),
    ("new_track", "属具身智能、量子计算、脑机接口等新赛道"),
)
SELF_QUALS: tuple[tuple[str, str], ...] = (
    ("q_hnte_valid", "持有有效期内的高新技术企业证书"),
    ("q_national_award_5y", "近五年国家级科技奖励（前三）"),
    ("q_award_3y", "近三年国家级或省级科技奖励"),
    ("q_rd_institution", "省部级以上研发机构"),
    ("q_innovative_title", "创新型中小企业称号"),
    ("q_specialised_title", "专精特新中小企业称号"),
    ("q_market_top", "主导产品细分市场占有率≥10%或前三"),
    ("q_hnte_innovation_score", "高企创新能力评价专家总分（已评审时填写）"),
    ("q_hnte_core_ip_score", "高企知识产权核心支持作用专家评分（0–8分，已评审时填写）"),
)

# facts typed as numbers (expert scores on record); the other facts are held / not held
SELF_SCORES: tuple[str, ...] = ("q_hnte_innovation_score", "q_hnte_core_ip_score")


def self_assess(
    year: int,
    figures: dict[int, dict[str, Any]],
    founded_on: date | None,
    tech_field: str | None = None,
    industry_code: str | None = None,
    facts: dict[str, Any] | None = None,
    hnte_applied_on: date | None = None,
) -> dict[str, Any]:
    """Evaluate typed-in figures (several years) against every pack; nothing is stored.

    A figure, declaration or date left out is `unknown` where a rule needs it; every open pack
    lists the inputs that could change its verdict (`missing_fields`)."""
    if year not in figures:
        raise TierError(f"请填写评价年度（{year}年）的数据")
    known = {f for f, _, _ in SELF_FIELDS} | {f for f, _ in SELF_FLAGS}
    rows = []
    for y, values in sorted(figures.items()):
        bad = set(values) - known
        if bad:
            raise TierError(f"{y}年数据中有未知的字段：{'、'.join(sorted(bad))}")
        for code, label, _ in SELF_FIELDS:
            v = values.get(code)
            if v is not None and (
                not isinstance(v, (int, float)) or (v < 0 and code != "net_profit")
            ):
                raise TierError(f"{y}年“{label}”应为不小于0的数字（收到：{v}）")
        rows.append(
            {
                "key": 0,
                "year": int(y),
                **values,
                "founded_on": founded_on,
                "hnte_applied_on": hnte_applied_on,
                "tech_field": tech_field,
                "industry_code": industry_code,
                **(facts or {}),
            }
        )
    panel = pl.DataFrame(rows, infer_schema_length=None)
    packs = packs_for_year(year)
    features = build_features(panel, year)
    result = evaluate(features, packs, year, MEASURES, detail=True)
    row = result.row(0, named=True)
    return {
        "year": year,
        "rung": row["rung"],
        "rung_label": RUNG_LABELS[row["rung"]],
        "packs": explain_rows(result, packs, year, features),
        "stored": False,
    }
