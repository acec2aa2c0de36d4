"""Zone-year indicators that do not come from enterprises (the catalogue a zone-year file may use).

Zone-year statistics are stored long (zone, year, indicator, value) so that a bureau can add its own
indicators; this catalogue is the shipped set, taken from the rows of the 2021 national framework
(国科发火〔2021〕106号, reconstruction in reference/zone-evaluation.md §1.3) that enterprises cannot supply.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ZoneIndicator:
    """One zone-level figure: code, Chinese name, unit, and whether it may be negative."""

    code: str
    name: str
    unit: str
    allow_negative: bool = False


ZONE_YEAR_INDICATORS: tuple[ZoneIndicator, ...] = (
    ZoneIndicator("value_added", "全口径增加值", "万元"),
    ZoneIndicator("energy_per_value_added", "单位增加值综合能耗", "吨标准煤/万元"),
    ZoneIndicator("co2_growth", "二氧化碳排放量增长率", "%", allow_negative=True),
    ZoneIndicator("green_coverage", "总绿地率", "%"),
    ZoneIndicator("new_registered_enterprises", "当年新注册企业数", "家"),
    ZoneIndicator("national_incubation_institutions", "国家级创业服务机构数", "家"),
    ZoneIndicator("rd_institutions", "国家级和省级研发机构数", "家"),
    ZoneIndicator("employees_total", "从业人员数", "人"),
    ZoneIndicator("bachelor_plus_staff", "本科及以上学历从业人员数", "人"),
    ZoneIndicator("disposable_fiscal", "当年可支配财力", "万元"),
    ZoneIndicator("fiscal_st_expenditure", "财政科技支出", "万元"),
    ZoneIndicator("built_area", "建成区面积", "平方公里"),
    ZoneIndicator("foreign_returnee_staff", "外籍常驻及留学归国人员数", "人"),
    ZoneIndicator("hospitals_schools", "各级医院和各类学校数", "个"),
)

ZONE_INDICATORS_BY_CODE: dict[str, ZoneIndicator] = {z.code: z for z in ZONE_YEAR_INDICATORS}
