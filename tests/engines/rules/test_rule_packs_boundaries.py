"""Every shipped pack pinned on the boundary cases of the reference (enterprise-rules.md §2–§5)."""

from __future__ import annotations

import datetime as dt

import pytest
from rule_helpers import YEAR, explained, packs, panel, run, status, verdict

from kechuang.engines.rules.packs import RulePackError, parse_pack

T = "tech_sme_2017"
H = "hnte_2016"


# --- 科技型中小企业 -------------------------------------------------------------------------------


def _tech_score(**kw) -> tuple[float, float, str]:
    r = run(T, panel(**kw))
    return (
        r[f"{T}|score_lo"],
        r[f"{T}|score_hi"],
        ("met", "manual_review", "unknown", "unmet")[r[f"{T}|status"]],
    )


def test_tech_sme_exactly_60_points_passes_and_59_fails():
    # staff 30% → 20; R&D/sales exactly 5% → 40; no IP → 0: exactly 60
    lo, hi, st = _tech_score(
        tech_staff=30, rd_expense=250.0, ip_class1=0, ip_class2=0, total_cost=1e9
    )
    assert (lo, hi, st) == (60, 60, "met")
    # staff 29% → 16: 56 points
    lo, _, st = _tech_score(
        tech_staff=29, rd_expense=250.0, ip_class1=0, ip_class2=0, total_cost=1e9
    )
    assert (lo, st) == (56, "unmet")


def test_tech_sme_staff_exactly_10_percent_scores_4_and_below_is_fatal():
    r = run(T, panel(tech_staff=10, employees=100))
    assert r[f"{T}|item|staff|lo"] == 4
    # 9 of 100: staff score 0 → fails even with 80 points elsewhere
    r = run(T, panel(tech_staff=9, employees=100, rd_expense=400.0, ip_class1=1))
    assert r[f"{T}|item|staff|lo"] == 0 and r[f"{T}|score_lo"] == 80
    assert r[f"{T}|score_pass|verdict"] == 3 and r[f"{T}|status"] == 3


@pytest.mark.parametrize(
    ("ratio_sales", "points"),
    [(0.06, 50), (0.05, 40), (0.04, 30), (0.03, 20), (0.02, 10), (0.0199, 0)],
)
def test_tech_sme_rd_bands_inclusive(ratio_sales, points):
    r = run(T, panel(rd_expense=round(5000 * ratio_sales, 2), total_cost=1e9))
    assert r[f"{T}|item|rd|lo"] == points


def test_tech_sme_enterprise_chooses_the_better_rd_ratio():
    # 2% of sales (10 pts) but 25% of cost (40 pts): the enterprise picks the cost ratio
    r = run(T, panel(rd_expense=100.0, total_cost=400.0))
    assert r[f"{T}|item|rd|lo"] == 40


@pytest.mark.parametrize(
    ("ip1", "ip2", "points"), [(1, 0, 30), (0, 4, 24), (0, 3, 18), (0, 2, 12), (0, 1, 6), (0, 0, 0)]
)
def test_tech_sme_ip_bands(ip1, ip2, points):
    assert run(T, panel(ip_class1=ip1, ip_class2=ip2))[f"{T}|item|ip|lo"] == points


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("employees", 500, "met"),
        ("employees", 501, "unmet"),
        ("sales_revenue", 20000.0, "met"),
        ("sales_revenue", 20000.01, "unmet"),
        ("total_assets", 20000.0, "met"),
        ("total_assets", 20000.01, "unmet"),
    ],
)
def test_tech_sme_size_caps_include_the_boundary(field, value, expected):
    kw = {field: value}
    if field == "employees":
        kw["tech_staff"] = 150
    assert verdict(T, "basics", panel(**kw)) == expected


@pytest.mark.parametrize(
    "route", ["q_hnte_valid", "q_national_award_5y", "q_rd_institution", "standards"]
)
def test_tech_sme_each_direct_confirmation_route(route):
    weak = dict(tech_staff=5, rd_expense=0.0, ip_class1=0, ip_class2=0)
    assert status(T, panel(**weak)) == "unmet"
    if route == "standards":
        years = {y: {} for y in (2020, 2021, 2022, 2023, 2024)}
        years[2020] = {"standards_led": 1}  # four years before 2024: inside 近五年
        df = panel(years, **weak)
    else:
        df = panel(**weak).with_columns(**{route: True})
    assert status(T, df) == "met"


def test_tech_sme_standard_six_years_ago_is_outside_five_years():
    years = {y: {} for y in (2019, 2020, 2021, 2022, 2023, 2024)}
    years[2019] = {"standards_led": 1}
    assert verdict(T, "direct_standard", panel(years, tech_staff=5)) == "unmet"


def test_tech_sme_direct_route_does_not_waive_basic_conditions():
    df = panel(employees=600, tech_staff=200).with_columns(q_hnte_valid=True)
    assert status(T, df) == "unmet"


def test_tech_sme_missing_data_is_unknown():
    assert status(T, panel(employees=None)) == "unknown"
    assert status(T, panel(major_accident=None)) == "unknown"
    row = explained(T, panel(employees=None)).filter(condition="employees_cap").row(0, named=True)
    assert row["verdict"] == "unknown" and "缺少数据" in row["gap_text"]


# --- 高新技术企业 ---------------------------------------------------------------------------------


def _hnte_years(sales: float, rd: float, **over) -> dict[int, dict]:
    return {
        y: {"sales_revenue": sales, "rd_expense": rd, "rd_expense_domestic": rd, **over}
        for y in (2022, 2023, 2024)
    }


@pytest.mark.parametrize(
    ("sales", "threshold"), [(5000.0, 0.05), (5000.01, 0.04), (20000.0, 0.04), (20000.01, 0.03)]
)
def test_hnte_rd_ratio_tier_boundaries(sales, threshold):
    rd = round(sales * threshold, 6)
    r = run(H, panel(_hnte_years(sales, rd)))
    assert r[f"{H}|rd_ratio|t"] == pytest.approx(threshold)
    assert r[f"{H}|rd_ratio|verdict"] == 0  # exactly at the threshold: met
    r = run(H, panel(_hnte_years(sales, rd - 0.5)))
    assert r[f"{H}|rd_ratio|verdict"] == 3


def test_hnte_rd_gap_in_the_enterprises_units():
    # 2亿 sales each year, R&D 3.2%: the tier is 4%, so 0.8% × 60000 = 480万 more R&D over 3 years
    df = panel(_hnte_years(20000.0, 640.0))
    row = explained(H, df).filter(condition="rd_ratio").row(0, named=True)
    assert row["verdict"] == "unmet"
    assert row["gap"] == pytest.approx(480.0)
    assert (
        "销售收入5000万–2亿元档" in row["gap_text"]
        and "增加（境内）研发费用约 480.0万元" in row["gap_text"]
    )


def test_hnte_outsourced_rd_counts_at_80_percent():
    years = _hnte_years(5000.0, 250.0, rd_expense_outsourced=50.0)
    r = run(H, panel(years))
    assert r[f"{H}|rd_ratio|v"] == pytest.approx(240.0 / 5000.0)
    assert r[f"{H}|rd_ratio|verdict"] == 3


def test_hnte_domestic_share_exactly_60_percent():
    assert (
        verdict(H, "rd_domestic", panel(_hnte_years(5000.0, 250.0, rd_expense_domestic=150.0)))
        == "met"
    )
    assert (
        verdict(H, "rd_domestic", panel(_hnte_years(5000.0, 250.0, rd_expense_domestic=149.0)))
        == "unmet"
    )


def test_hnte_staff_exactly_10_percent():
    assert verdict(H, "tech_staff", panel(tech_staff=10, employees=100)) == "met"
    assert verdict(H, "tech_staff", panel(tech_staff=9, employees=100)) == "unmet"


def test_hnte_registered_one_year_counts_to_the_application_date():
    # 办法 第十一条（一）: registration → application ≥ 365 days (the application is in 2025)
    founded = dt.date(2024, 6, 1)
    on = lambda d: panel(founded=founded, hnte_applied_on=d)  # noqa: E731
    assert verdict(H, "registered_1y", on(dt.date(2025, 6, 1))) == "met"  # exactly 365 days
    assert verdict(H, "registered_1y", on(dt.date(2025, 5, 31))) == "unmet"  # 364 days
    # founded during the fiscal year, no application date: unknown (not unmet at 31 December)
    assert verdict(H, "registered_1y", panel(founded=founded)) == "unknown"
    # without a date, 1 January of the application year is a lower bound that may suffice
    assert verdict(H, "registered_1y", panel(founded=dt.date(2024, 1, 2))) == "met"  # 365 days
    assert verdict(H, "registered_1y", panel(founded=dt.date(2024, 1, 3))) == "unknown"  # 364
    assert verdict(H, "registered_1y", panel(founded=dt.date(2015, 1, 1))) == "met"
    assert verdict(H, "registered_1y", panel(founded=None)) == "unknown"


def test_hnte_core_ip_is_expert_review_unless_a_score_is_on_record():
    # 第十一条（二）: owning IP only opens expert review; the register's expert score decides
    assert verdict(H, "owns_ip", panel()) == "manual_review"
    assert verdict(H, "owns_ip", panel(ip_class1=0, ip_class2=0)) == "unmet"
    assert verdict(H, "owns_ip", panel(ip_class1=None)) == "unknown"
    assert verdict(H, "owns_ip", panel(q_hnte_core_ip_score=1.0)) == "met"  # > 0
    assert verdict(H, "owns_ip", panel(q_hnte_core_ip_score=0.0)) == "unmet"


def test_hnte_innovation_is_decided_by_an_expert_total_on_record():
    assert verdict(H, "innovation", panel()) in ("manual_review", "unmet")
    assert verdict(H, "innovation", panel(q_hnte_innovation_score=70.0)) == "unmet"  # >70 only
    assert verdict(H, "innovation", panel(q_hnte_innovation_score=70.5)) == "met"
    assert verdict(H, "innovation", panel(q_hnte_innovation_score=71.0)) == "met"
    # with no record, a range reaching above 70 is expert review, never met from the data alone
    rich = run(H, panel(tech_transfers=6, ip_class1=3))
    assert rich[f"{H}|innovation|verdict"] == 1 and rich[f"{H}|status"] != 0


def test_hnte_standards_item_counts_joined_standards_and_a_blank_is_not_zero():
    r = run(H, panel(standards_led=0, standards_participated=1))
    assert (r[f"{H}|item|ip_standard|lo"], r[f"{H}|item|ip_standard|hi"]) == (1, 2)
    r = run(H, panel(standards_led=0, standards_participated=0))
    assert (r[f"{H}|item|ip_standard|lo"], r[f"{H}|item|ip_standard|hi"]) == (0, 0)
    blank = {y: {"standards_participated": None} for y in (2021, 2022, 2023, 2024)}
    r = run(H, panel(blank))
    assert r[f"{H}|item|ip_standard|lo"] is None and r[f"{H}|score_unknown"]
    # one year with a standard is enough whatever the blanks
    blank[2023] = {"standards_participated": 1}
    assert run(H, panel(blank))[f"{H}|item|ip_standard|lo"] == 1


def _growth(s1: float, s2: float, s3: float, founded=dt.date(2015, 1, 1)) -> dict:
    years = {2022: {"sales_revenue": s1}, 2023: {"sales_revenue": s2}, 2024: {"sales_revenue": s3}}
    return run(H, panel(years, founded=founded))


@pytest.mark.parametrize(
    ("rate", "points"),
    [
        (0.35, (9, 10)),
        (0.25, (7, 8)),
        (0.15, (5, 6)),
        (0.05, (3, 4)),
        (0.0, (0, 0)),
        (0.01, (1, 2)),
        (-0.2, (0, 0)),
    ],
)
def test_hnte_growth_bands_at_the_exact_rates(rate, points):
    s1 = 10000.0
    s2 = s1 * (1 + rate)
    s3 = s2 * (1 + rate)
    r = _growth(s1, s2, s3)
    assert r[f"{H}|item|sales_growth|lo"] == points[0]
    assert r[f"{H}|item|sales_growth|hi"] == points[1]


def test_hnte_growth_zero_first_year_uses_last_two_years():
    r = _growth(0.0, 1000.0, 1350.0)
    assert r[f"{H}|item|sales_growth|lo"] == 9  # 1350/1000 − 1 = 35%


def test_hnte_growth_zero_second_year_is_zero():
    r = _growth(1000.0, 0.0, 5000.0)
    assert (r[f"{H}|item|sales_growth|lo"], r[f"{H}|item|sales_growth|hi"]) == (0, 0)


def test_hnte_growth_with_fewer_than_three_years_of_history():
    # founded 2023: two operating years → S3/S2 − 1 = 25%
    two = run(
        H,
        panel(
            {2023: {"sales_revenue": 1000.0}, 2024: {"sales_revenue": 1250.0}},
            founded=dt.date(2023, 3, 1),
        ),
    )
    assert two[f"{H}|item|sales_growth|lo"] == 7
    # founded 2024: one year → 0
    one = run(H, panel({2024: {"sales_revenue": 1250.0}}, founded=dt.date(2024, 1, 1)))
    assert one[f"{H}|item|sales_growth|hi"] == 0
    # an old firm whose earlier years are missing is unknown, not "short history"
    gap = run(H, panel({2024: {}}, founded=dt.date(2010, 1, 1)))
    assert gap[f"{H}|item|sales_growth|lo"] is None


def test_hnte_innovation_score_range_and_strict_70():
    # IP 30 (class-1, bonus capped), transfers ≥5 (25–30), growth 35%+ on both (18–20),
    # management 0–20 → [73, 100]: met only because 73 > 70
    years = {
        2022: {"sales_revenue": 10000.0, "total_assets": 2000.0, "total_liabilities": 1000.0},
        2023: {"sales_revenue": 13500.0, "total_assets": 2350.0, "total_liabilities": 1000.0},
        2024: {"sales_revenue": 18225.0, "total_assets": 2822.5, "total_liabilities": 1000.0},
    }
    for y in years:
        years[y].update(
            tech_transfers=5,
            ip_class1=2,
            rd_expense=1000.0,
            rd_expense_domestic=1000.0,
            total_revenue=18225.0,
            high_tech_revenue=15000.0,
        )
    r = run(H, panel(years))
    assert r[f"{H}|group|ip|hi"] == 30
    assert r[f"{H}|innovation|verdict"] in (0, 1)
    lo = r[f"{H}|score_lo"]
    assert lo == 0 + 0 + 7 + 1 + 0 + 25 + 0 + 9 + 9  # experts at their minimum
    assert r[f"{H}|innovation|verdict"] == (0 if lo > 70 else 1)


def test_hnte_transfer_average_below_one_scores_zero():
    years = {2022: {"tech_transfers": 0}, 2023: {"tech_transfers": 1}, 2024: {"tech_transfers": 1}}
    r = run(H, panel(years))
    assert r[f"{H}|item|transfer|hi"] == 0
    years[2022]["tech_transfers"] = 1
    assert run(H, panel(years))[f"{H}|item|transfer|lo"] == 1


def test_hnte_missing_high_tech_revenue_is_unknown():
    assert verdict(H, "ht_revenue", panel(high_tech_revenue=None)) == "unknown"


# --- 创新型 / 专精特新 / 小巨人 ----------------------------------------------------------------------

I = "innovative_sme_2022"


def test_innovative_sme_exactly_60_points_with_group_minima():
    # innovation: IP 0 + R&D 5% → 20; growth: 5% → 10 + debt 50% → 10 = 20;
    # specialisation: domain (not strategic) 5 + main share 60% → 15 → 20; total exactly 60
    df = panel(
        {2023: {"main_business_revenue": 3000.0}, 2024: {"main_business_revenue": 3150.0}},
        ip_class1=0,
        ip_class2=0,
        operating_revenue=5250.0,
        rd_expense=262.5,
    )
    r = run(I, df)
    assert (r[f"{I}|score_lo"], r[f"{I}|score_hi"]) == (60, 60)
    assert r[f"{I}|score_pass|verdict"] == 0
    # growth 4.9% → 5 (+ debt 10 = 15, the group minimum): 55 — the declared strategic-emerging
    # product (10 instead of 5) is exactly what reaches 60
    df2 = panel(
        {2023: {"main_business_revenue": 3000.0}, 2024: {"main_business_revenue": 3147.0}},
        ip_class1=0,
        ip_class2=0,
        operating_revenue=5245.0,
        rd_expense=262.25,
    )
    assert run(I, df2)[f"{I}|score_pass|verdict"] == 3
    assert run(I, df2.with_columns(strategic_emerging=True))[f"{I}|score_pass|verdict"] == 0
    # not declared: the item is unknown, the score spans 55–60: unknown, not a guess
    undeclared = run(I, df2.with_columns(strategic_emerging=None))
    assert (undeclared[f"{I}|item|domain|lo"], undeclared[f"{I}|score_pass|verdict"]) == (None, 2)
    df3 = df2.with_columns(main_business_revenue=2000.0)  # share 38% → 0: [40, 45] fails outright
    assert run(I, df3)[f"{I}|score_pass|verdict"] == 3


@pytest.mark.parametrize(
    ("ip", "points"),
    [
        (dict(ip_class1=2, ip_class1_self_developed=1, ip_class1_high_value=1), 20),
        (dict(ip_class1=2, ip_class1_self_developed=1, ip_class1_high_value=0), 15),
        (dict(ip_class1=2, ip_class1_self_developed=0, ip_class1_high_value=0), 10),
        (
            dict(
                ip_class1=0, ip_class2=1, ip_class1_self_developed=None, ip_class1_high_value=None
            ),
            5,
        ),
        (dict(ip_class1=0, ip_class2=0), 0),
        # a high-value one decides even if the self-developed count is blank
        (dict(ip_class1=1, ip_class1_self_developed=None, ip_class1_high_value=1), 20),
        # Ⅰ类 IP without the counts that grade it: unknown, not the lowest band
        (dict(ip_class1=1, ip_class1_self_developed=None, ip_class1_high_value=0), None),
        (dict(ip_class1=1, ip_class1_self_developed=1, ip_class1_high_value=None), None),
    ],
)
def test_innovative_sme_ip_item_is_exact_with_the_ip_kinds(ip, points):
    r = run(I, panel(**ip))
    assert (r[f"{I}|item|ip|lo"], r[f"{I}|item|ip|hi"]) == (points, points)
    # an unknown item counts 0 to its full 20 points in the total range
    assert r[f"{I}|score_unknown"] == (points is None)


def test_innovative_sme_equity_direct_route_exactly_500():
    years = {
        2022: {"equity_financing": 200.0},
        2023: {"equity_financing": 100.0},
        2024: {"equity_financing": 200.0},
    }
    weak = dict(ip_class1=0, ip_class2=0, rd_expense=0.0)
    assert verdict(I, "direct_equity", panel(years, **weak)) == "met"
    years[2024]["equity_financing"] = 199.99
    assert verdict(I, "direct_equity", panel(years, **weak)) == "unmet"


def test_specialised_2022_without_market_years_is_unknown_and_with_them_decides():
    S = "specialised_sme_2022"
    df = panel(rd_expense=100.0, operating_revenue=3000.0)
    assert verdict(S, "niche_2y", df) == "unknown"
    assert verdict(S, "niche_2y", df.with_columns(q_niche_years=2.0)) == "met"
    assert verdict(S, "rd_amount", df) == "met"  # exactly 100万
    assert verdict(S, "rd_ratio", df) == "met"  # 100/3000 = 3.33%


def test_little_giant_boundaries():
    L = "little_giant_2026"
    years = {
        2022: {"operating_revenue": 5000.0 / 1.05**2, "rd_expense": 600.0},
        2023: {"operating_revenue": 5000.0 / 1.05, "rd_expense": 600.0},
        2024: {
            "operating_revenue": 5000.0,
            "rd_expense": 600.0,
            "main_business_revenue": 4500.0,
            "total_liabilities": 4500.0,
            "total_assets": 6000.0,
            "ip_class1": 4,
        },
    }
    df = panel(years)
    r = run(L, df)
    for cond in ("revenue", "main_share", "revenue_cagr", "debt", "rd_sum", "rd_ratio", "ip"):
        assert r[f"{L}|{cond}|verdict"] == 0, cond  # each exactly at its threshold
    assert r[f"{L}|chain|verdict"] == 1
    full = df.with_columns(
        q_specialised_title=True, q_niche_years=3.0, q_market_top=True, q_zjtx_score=60.0
    )
    assert status(L, full) == "manual_review"  # only the 产业链 item is left to experts


# --- 瞪羚 / 独角兽 ---------------------------------------------------------------------------------

G = "gazelle_js_2024"


def _gazelle(growth: float, **over):
    years = {
        2021: {"operating_revenue": 1000.0},
        2022: {"operating_revenue": 1100.0},
        2023: {"operating_revenue": 1200.0},
        2024: {"operating_revenue": 1000.0 * (1 + growth) ** 3},
    }
    spend = 0.05 * 1000.0 * (1 + growth) ** 3
    return panel(years, rd_expense=spend, sci_activity_expense=spend, **over)


def test_gazelle_growth_exactly_20_percent():
    assert verdict(G, "route_revenue", _gazelle(0.20)) == "met"
    assert status(G, _gazelle(0.20)) == "met"
    assert verdict(G, "route_revenue", _gazelle(0.1999)) == "unmet"


def test_gazelle_tech_activity_expense_must_exceed_4_percent():
    df = _gazelle(0.20).with_columns(sci_activity_expense=0.04 * 1728.0)
    assert verdict(G, "tech_spend", df) == "unmet"  # >4%: exactly 4% is not enough
    assert verdict(G, "tech_spend", df.with_columns(sci_activity_expense=0.0401 * 1728.0)) == "met"
    # its own figure: R&D expense does not stand in for it
    high_rd = df.with_columns(sci_activity_expense=None, rd_expense=0.2 * 1728.0)
    assert verdict(G, "tech_spend", high_rd) == "unknown"


def test_gazelle_founding_year_rolls_with_the_assessment_year():
    assert verdict(G, "r1_founded", _gazelle(0.2, founded=dt.date(2011, 6, 1))) == "met"
    assert verdict(G, "r1_founded", _gazelle(0.2, founded=dt.date(2010, 6, 1))) == "unmet"
    assert verdict(G, "r1_founded", _gazelle(0.2, founded=dt.date(2010, 6, 1)), year=2023) == "met"


def test_unicorn_valuation_exactly_1_billion_dollars():
    # 10亿美元 (100000万美元): GEI says 以上 (met), Jiangsu says 超过 (not met)
    df = panel(
        {2024: {"equity_financing": 40000.0}},
        founded=dt.date(2018, 1, 1),
        latest_valuation=None,
        latest_valuation_usd=100000.0,
        pe_funded=True,
    )
    assert verdict("unicorn_gei_2025", "valuation", df) == "met"
    assert status("unicorn_gei_2025", df) == "met"
    assert verdict("unicorn_js_2025", "valuation_10", df) == "unmet"
    assert status("unicorn_js_2025", df) == "unmet"  # no key-core-technology claim, no new track
    above = df.with_columns(latest_valuation_usd=100000.01)
    assert status("unicorn_js_2025", above) == "met"
    # only a CNY valuation: converted at the pack's rate (700000万元 = 10亿美元)
    cny = df.with_columns(latest_valuation_usd=None, latest_valuation=700000.0)
    assert verdict("unicorn_gei_2025", "valuation", cny) == "met"


def test_unicorn_7_billion_route_is_a_threshold_with_the_key_technology_claim():
    U = "unicorn_js_2025"
    df = panel(
        founded=dt.date(2018, 1, 1),
        latest_valuation_usd=70000.0,
        pe_funded=True,
        key_core_tech=True,
    )
    assert verdict(U, "valuation_7", df) == "met" and status(U, df) == "met"  # ≥7亿 included
    assert verdict(U, "valuation_7", df.with_columns(latest_valuation_usd=69999.0)) == "unmet"
    assert verdict(U, "valuation", df.with_columns(key_core_tech=False)) == "unmet"
    assert verdict(U, "valuation", df.with_columns(key_core_tech=None)) == "unknown"
    # a new-track firm below the line: the relaxation is for experts to grant
    small = df.with_columns(latest_valuation_usd=20000.0, key_core_tech=False, new_track=True)
    assert verdict(U, "valuation", small) == "manual_review"
    assert verdict(U, "valuation", small.with_columns(new_track=None)) == "unknown"


def test_private_equity_is_a_declared_fact_not_inferred_from_a_valuation():
    df = panel(
        {2024: {"equity_financing": 40000.0}},
        founded=dt.date(2018, 1, 1),
        latest_valuation_usd=200000.0,
    )
    for code in ("unicorn_gei_2025", "unicorn_js_2025", "potential_unicorn_gei_2025"):
        assert verdict(code, "invested", df.with_columns(pe_funded=None)) == "unknown"
        assert verdict(code, "invested", df.with_columns(pe_funded=False)) == "unmet"
        assert verdict(code, "invested", df.with_columns(pe_funded=True)) == "met"


def test_potential_unicorn_js_has_a_cny_route():
    P = "potential_unicorn_js_2025"
    df = panel(founded=dt.date(2021, 1, 1), pe_funded=True, latest_valuation_usd=None)
    # 3亿元 (CNY route) although 30000万元 is only 4286万美元 at 7.0
    assert status(P, df.with_columns(latest_valuation=30000.0)) == "met"
    assert status(P, df.with_columns(latest_valuation=29999.0)) == "unmet"
    usd = df.with_columns(latest_valuation=None)
    assert status(P, usd.with_columns(latest_valuation_usd=5000.0)) == "met"  # 0.5亿美元
    assert status(P, usd.with_columns(latest_valuation_usd=4000.0)) == "unmet"  # = 2.8亿元
    assert status(P, usd) == "unknown"


def test_potential_unicorn_age_routes():
    P = "potential_unicorn_gei_2025"
    df = panel(
        {2024: {"equity_financing": 3500.0}},
        founded=dt.date(2019, 5, 1),
        latest_valuation_usd=10000.0,
        pe_funded=True,
    )  # age 5: the "5年内" route, exactly 1亿美元 and 500万美元
    assert status(P, df) == "met"
    assert status(P, df.with_columns(latest_valuation_usd=9999.0)) == "unmet"


def test_missing_valuation_is_unknown():
    assert verdict("unicorn_gei_2025", "valuation", panel(latest_valuation=None)) == "unknown"


def test_tech_sme_article_6_declarations():
    # 第六条（一）境内居民企业 and（三）产品不属禁止/限制/淘汰类 are evaluated, unknown when blank
    assert verdict(T, "basics", panel()) == "met"
    assert verdict(T, "resident", panel(mainland_resident=False)) == "unmet"
    assert verdict(T, "resident", panel(mainland_resident=None)) == "unknown"
    assert verdict(T, "products_allowed", panel(restricted_products=True)) == "unmet"
    assert verdict(T, "products_allowed", panel(restricted_products=None)) == "unknown"
    assert status(T, panel(restricted_products=None)) == "unknown"
    assert status(T, panel(mainland_resident=False)) == "unmet"


def test_tech_sme_standard_route_blank_is_not_zero():
    years = {y: {"standards_led": None} for y in (2021, 2022, 2023, 2024)}
    assert verdict(T, "direct_standard", panel(years)) == "unknown"
    years[2022] = {"standards_led": 1}
    assert verdict(T, "direct_standard", panel(years)) == "met"
    assert verdict(T, "direct_standard", panel()) == "unmet"  # 0 in every year on file


# --- pack files ---------------------------------------------------------------------------------


def test_every_condition_and_band_cites_a_document_and_article():
    assert len(packs()) >= 10
    for pack in packs().values():
        assert pack.documents and pack.conditions
        for cond in pack.conditions:
            assert cond.cite is not None and cond.cite.article, (pack.code, cond.code)
        for item in pack.scores:
            assert item.cite is not None and item.cite.article, (pack.code, item.code)
        assert pack.readings, pack.code


def test_unconfirmed_rules_are_marked():
    assert packs()["specialised_sme_2026"].confirmation == "unconfirmed"
    assert packs()["gazelle_js_2024"].confirmation == "single_source"
    spec22 = {i.code: i for i in packs()["specialised_sme_2022"].scores}
    assert not spec22["rd_staff"].confirmed and not spec22["distinctive"].confirmed
    rows = explained("specialised_sme_2026", panel())
    assert rows.height > 0 and not any(rows.get_column("confirmed"))


def test_a_pack_without_citation_is_rejected():
    raw = {
        "code": "x",
        "family": "x",
        "name": "x",
        "version": "1",
        "rung": 1,
        "effective_from": "2020-01-01",
        "confirmation": "confirmed",
        "documents": ["DOC-1"],
        "conditions": [{"code": "a", "label": "甲", "measure": "employees", "le": 5}],
    }
    with pytest.raises(RulePackError, match="缺少出处"):
        parse_pack(raw)
    raw["conditions"][0]["source"] = {
        "code": "nope",
        "article": "第一条",
        "confirmation": "confirmed",
    }
    with pytest.raises(RulePackError, match="未列入本规则包的 documents"):
        parse_pack(raw)
    with pytest.raises(RulePackError, match="“nope”不在来源登记表中"):
        parse_pack(raw, {"DOC-1": "《文件》"})
    # every problem at once: an unknown code, a missing article and an unknown level
    raw["conditions"] = [
        {
            "code": "a",
            "label": "甲",
            "measure": "employees",
            "le": 5,
            "source": {"code": "nope", "article": "第一条", "confirmation": "confirmed"},
        },
        {
            "code": "b",
            "label": "乙",
            "measure": "employees",
            "le": 5,
            "source": {"code": "DOC-1", "confirmation": "confirmed"},
        },
        {
            "code": "c",
            "label": "丙",
            "measure": "employees",
            "le": 5,
            "source": {"code": "DOC-1", "article": "第三条", "confirmation": "maybe"},
        },
    ]
    with pytest.raises(RulePackError) as err:
        parse_pack(raw, {"DOC-1": "《文件》"})
    assert len(err.value.problems) == 3
    text = str(err.value)
    assert "甲（a）" in text and "“nope”不在来源登记表中" in text
    assert "乙（b）" in text and "缺少条款 article" in text
    assert "丙（c）" in text and "'maybe'" in text
    # the old form is refused with a hint
    raw["conditions"] = [
        {
            "code": "a",
            "label": "甲",
            "measure": "employees",
            "le": 5,
            "cite": {"doc": "d", "article": "一"},
        }
    ]
    with pytest.raises(RulePackError, match="“cite”已停用"):
        parse_pack(raw, {"DOC-1": "《文件》"})


def test_year_is_the_assessment_year():
    assert run(T, panel())["key"] == "A" and YEAR == 2024
