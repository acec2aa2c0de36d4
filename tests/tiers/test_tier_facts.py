"""Facts the tier rules need (issue 15): the HNTE application date and expert scores in the
qualifications register, and the enterprise-year columns of the statistics template."""

from __future__ import annotations

from datetime import date

import polars as pl
from sheets import xlsx

from kechuang.core.security import SYSTEM
from kechuang.statistics.fields import FIELDS_BY_CODE
from kechuang.statistics.templates import ENTERPRISE_YEAR_COLUMNS
from kechuang.tiers import assessment, qualifications
from kechuang.tiers.qualifications import qualification_facts

NEW_FIELDS = {
    "ip_class1_self_developed": "自主研发Ⅰ类知识产权数(件)",
    "ip_class1_high_value": "高价值Ⅰ类知识产权数(件)",
    "standards_participated": "参与制定标准数(项)",
    "latest_valuation_usd": "最近一轮美元估值(万美元)",
    "sci_activity_expense": "科技活动费用支出(万元)",
    "mainland_resident": "境内注册居民企业",
    "restricted_products": "产品属禁止/限制/淘汰类",
    "strategic_emerging": "主导产品属战略性新兴产业",
    "pe_funded": "获私募股权投资",
    "key_core_tech": "关键核心技术突破等情形",
    "new_track": "属新赛道",
}


def test_every_new_fact_has_a_template_column_with_a_chinese_header():
    headers = {c.code: c.template_header for c in ENTERPRISE_YEAR_COLUMNS}
    for code, header in NEW_FIELDS.items():
        assert headers[code] == header and FIELDS_BY_CODE[code].note


def _q(rows):
    return pl.DataFrame(
        rows,
        schema={
            "key": pl.Int64,
            "kind": pl.String,
            "level": pl.String,
            "obtained_on": pl.Date,
            "expires_on": pl.Date,
            "value": pl.Float64,
        },
        orient="row",
    )


def test_application_date_and_expert_scores_apply_to_the_year_before():
    quals = _q(
        [
            (1, "hnte_application", "", date(2024, 6, 1), None, None),  # on 2023's figures
            (1, "hnte_application", "", date(2025, 9, 1), None, None),
            (1, "hnte_application", "", date(2025, 5, 20), None, None),
            (1, "hnte_innovation_score", "", date(2025, 8, 1), None, 68.0),
            (1, "hnte_innovation_score", "", date(2025, 10, 1), None, 74.0),  # the later review
            (1, "hnte_core_ip_score", "", date(2025, 10, 1), None, 6.0),
            (2, "hnte_certificate", "", date(2023, 1, 1), None, None),
        ]
    )
    f = {r["key"]: r for r in qualification_facts(quals, 2024).iter_rows(named=True)}
    assert f[1]["hnte_applied_on"] == date(2025, 5, 20)  # the first application that year
    assert (f[1]["q_hnte_innovation_score"], f[1]["q_hnte_core_ip_score"]) == (74.0, 6.0)
    assert f[2]["hnte_applied_on"] is None and f[2]["q_hnte_innovation_score"] is None
    earlier = {r["key"]: r for r in qualification_facts(quals, 2023).iter_rows(named=True)}
    assert earlier[1]["hnte_applied_on"] == date(2024, 6, 1)
    assert earlier[1]["q_hnte_innovation_score"] is None


def _quals(rows):
    return xlsx(
        ["统一社会信用代码", "资质类型", "级别", "取得日期", "有效期至", "数值", "证书编号/文号"],
        rows,
    )


def test_expert_scores_must_be_in_range_and_decide_the_hnte_expert_items(session, tier_world):
    a = tier_world["a"]
    bad = qualifications.import_qualifications(
        session,
        SYSTEM,
        _quals(
            [
                [
                    a.uscc,
                    "高企创新能力专家评分（填总分0–100与评审日期）",
                    "",
                    "2025-09-01",
                    None,
                    101,
                    "",
                ],
                [a.uscc, "hnte_core_ip_score", "", "2025-09-01", None, None, ""],
            ]
        ),
        "q.xlsx",
    )
    assert not bad.ok and len(bad.errors) == 2
    assert "0–100" in bad.errors[0].reason and "0–8" in bad.errors[1].reason
    before = assessment.enterprise_assessment(session, SYSTEM, a.id, 2024)
    hnte = next(p for p in before["packs"] if p["family"] == "hnte")
    conds = {c["condition"]: c for c in hnte["conditions"]}
    assert conds["owns_ip"]["verdict"] == "manual_review"
    assert conds["innovation"]["verdict"] in ("manual_review", "unmet")
    good = qualifications.import_qualifications(
        session,
        SYSTEM,
        _quals(
            [
                [a.uscc, "hnte_application", "", "2025-05-20", None, None, ""],
                [a.uscc, "hnte_innovation_score", "", "2025-09-01", None, 71, ""],
                [a.uscc, "hnte_core_ip_score", "", "2025-09-01", None, 6, ""],
            ]
        ),
        "q.xlsx",
    )
    assert good.ok, good.errors
    after = assessment.enterprise_assessment(session, SYSTEM, a.id, 2024)
    hnte = next(p for p in after["packs"] if p["family"] == "hnte")
    conds = {c["condition"]: c for c in hnte["conditions"]}
    assert conds["owns_ip"]["verdict"] == "met" and conds["innovation"]["verdict"] == "met"
    assert conds["innovation_expert"]["verdict"] == "met"
    assert conds["registered_1y"]["verdict"] == "met"
