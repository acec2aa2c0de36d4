"""Tier services: scoped verdicts, candidates, the pipeline, qualifications and self-assessment."""

from __future__ import annotations

from datetime import date

import pytest
from books import records, sheets
from factories import make_principal, row_counts
from sheets import xlsx
from sqlalchemy import func, select

from kechuang.core.audit import AuditLog
from kechuang.core.scope import ScopeError
from kechuang.core.security import SYSTEM
from kechuang.tiers import assessment, dashboard, qualifications, self_assessment
from kechuang.tiers.methodology import TierError
from kechuang.tiers.models import EnterpriseQualification


def test_enterprise_assessment_has_every_pack_with_conditions_and_gaps(session, tier_world):
    data = assessment.enterprise_assessment(session, SYSTEM, tier_world["b"].id)
    assert data["year"] == 2024
    packs = {p["family"]: p for p in data["packs"]}
    assert {"tech_sme", "hnte", "innovative_sme", "gazelle", "little_giant"} <= set(packs)
    tech = packs["tech_sme"]
    # b: staff 12% → 4; R&D 1% of sales (0) or 50/4500 = 1.1% of cost (0); 1 Ⅱ类 → 6: 10 points
    assert tech["status"] == "unmet" and tech["score_lo"] == 10
    hnte = {c["condition"]: c for c in packs["hnte"]["conditions"]}
    rd = hnte["rd_ratio"]
    assert rd["verdict"] == "unmet" and rd["tier"] == "销售收入5000万元以下"
    assert rd["gap"] == pytest.approx(0.05 * 15000 - 150)  # 600万 more over three years
    assert "需增加（境内）研发费用约 600.0万元" in rd["gap_text"]
    assert rd["source"].startswith("《高新技术企业认定管理办法》")


def test_verdicts_alone_and_one_pack_s_details_agree_with_the_full_assessment(session, tier_world):
    full = assessment.enterprise_assessment(session, SYSTEM, tier_world["b"].id)
    brief = assessment.enterprise_assessment(session, SYSTEM, tier_world["b"].id, details=False)
    keys = ("code", "family", "status", "status_label", "score_lo", "score_hi", "confirmation")
    assert [{k: p[k] for k in keys} for p in brief["packs"]] == [
        {k: p[k] for k in keys} for p in full["packs"]
    ]
    assert all("conditions" not in p for p in brief["packs"])
    assert brief["rung"] == full["rung"] and brief["year"] == full["year"]
    hnte = next(p for p in full["packs"] if p["family"] == "hnte")
    one = assessment.enterprise_assessment(
        session, SYSTEM, tier_world["b"].id, full["year"], details=hnte["code"]
    )
    assert one["packs"] == [hnte]
    # the scope holds for the brief and the one-pack reading too
    zone_admin = make_principal(session, "zone_admin", zone=tier_world["city"]["yzhtz"])
    for details in (False, hnte["code"]):
        with pytest.raises(ScopeError):
            assessment.enterprise_assessment(
                session, zone_admin, tier_world["b"].id, details=details
            )


def test_scope_zone_admin_and_enterprise_user(session, tier_world):
    zone_admin = make_principal(session, "zone_admin", zone=tier_world["city"]["yzhtz"])
    ent_user = make_principal(session, "enterprise_user", enterprise=tier_world["b"])
    with pytest.raises(ScopeError):
        assessment.enterprise_assessment(session, zone_admin, tier_world["b"].id)
    with pytest.raises(ScopeError):
        assessment.enterprise_assessment(session, ent_user, tier_world["a"].id)
    assert assessment.enterprise_assessment(session, ent_user, tier_world["b"].id)["packs"]
    result, _ = assessment.evaluate_year(session, zone_admin, 2024)
    assert set(result.get_column("key").to_list()) == {tier_world["a"].id, tier_world["enclave"].id}
    # b is the city's only tech-SME candidate: none is left in her zone
    assert assessment.candidates(session, zone_admin, "tech_sme", 2024)["rows"] == []
    cands = assessment.candidates(session, zone_admin, "hnte", 2024)
    assert {r["enterprise_id"] for r in cands["rows"]} == {
        tier_world["a"].id,
        tier_world["enclave"].id,
    }
    cands = assessment.candidates(session, ent_user, "hnte", 2024)
    assert [r["enterprise_id"] for r in cands["rows"]] == [tier_world["b"].id]
    pipe = dashboard.pipeline(session, zone_admin, [2023, 2024])
    zones = {c["zone_id"] for c in pipe["counts"]}
    assert zones == {tier_world["city"]["yzhtz"].id, None}  # her zone and the visible total


def test_candidates_ranked_by_distance_with_gaps(session, tier_world):
    data = assessment.candidates(session, SYSTEM, "tech_sme", 2024)
    ids = [r["enterprise_id"] for r in data["rows"]]
    # a meets it; the enclave exceeds the size caps (not closable): only b is a candidate
    assert ids == [tier_world["b"].id]
    assert any("研发" in g for g in data["rows"][0]["gaps"])
    book = sheets(assessment.candidates_xlsx(data))
    assert list(book) == ["科技型中小企业后备库", "说明"]
    header, rows = records(assessment.candidates_xlsx(data), "科技型中小企业后备库")
    assert header == [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "统计归属高新区",
        "当前梯度",
        "最近的目标梯度",
        "评估结论",
        "差距指数",
        "最易弥补的差距",
        "差距（需弥补的条件）",
        "企业页面",
    ]
    b = tier_world["b"]
    assert [(r["序号"], r["企业名称"], r["统一社会信用代码"]) for r in rows] == [
        (1, b.name, b.uscc)
    ]
    assert rows[0]["统计归属高新区"] == "江都高新区"
    assert rows[0]["差距指数"] == pytest.approx(data["rows"][0]["distance"], abs=0.0051)
    assert rows[0]["差距（需弥补的条件）"] == "；".join(data["rows"][0]["gaps"])
    assert "研发" in rows[0]["差距（需弥补的条件）"]
    assert any("2024年数据" in (line[0] or "") for line in book["说明"])
    with pytest.raises(TierError, match="未知的梯度类型"):
        assessment.candidates(session, SYSTEM, "nope", 2024)


def test_pipeline_counts_targets_flows(session, tier_world):
    data = dashboard.pipeline(session, SYSTEM, [2022, 2023, 2024])
    total_2024 = next(c for c in data["counts"] if c["year"] == 2024 and c["zone_id"] is None)
    assert total_2024["tech_sme"] == 1  # a
    assert data["targets"]["status"] == "draft" and "征求意见稿" in data["targets"]["status_label"]
    hnte_target = next(t for t in data["targets"]["progress"] if t["code"] == "hnte")
    assert hnte_target["target"] == 4800
    stay = [f for f in data["flows"] if f["from_year"] == 2023 and f["kind"] == "stay"]
    assert sum(f["count"] for f in stay) == 3


def _quals(rows):
    return xlsx(
        ["统一社会信用代码", "资质类型", "级别", "取得日期", "有效期至", "数值", "证书编号/文号"],
        rows,
    )


def test_qualifications_import_is_all_or_nothing_and_audited(session, tier_world):
    b = tier_world["b"]
    bad = qualifications.import_qualifications(
        session,
        SYSTEM,
        _quals(
            [
                [b.uscc, "高新技术企业证书", "国家级", "2023-11-01", None, None, "GR2023"],
                [b.uscc, "不存在的资质", "", "2023-01-01", None, None, ""],
            ]
        ),
        "q.xlsx",
    )
    assert not bad.ok and "未知的资质类型" in bad.errors[0].reason
    assert session.scalar(select(func.count()).select_from(EnterpriseQualification)) == 0
    good = qualifications.import_qualifications(
        session,
        SYSTEM,
        _quals([[b.uscc, "高新技术企业证书", "国家级", "2023-11-01", None, None, "GR2023"]]),
        "q.xlsx",
    )
    assert good.ok and good.created == 1
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.entity == "enterprise_qualifications")
        )
        == 1
    )
    # the certificate makes b a tech SME by direct confirmation (第八条（一）) and holds rung 3
    data = assessment.enterprise_assessment(session, SYSTEM, b.id, 2024)
    tech = next(p for p in data["packs"] if p["family"] == "tech_sme")
    assert tech["status"] == "met" and data["rung"] == 3
    certs = dashboard.hnte_certificates(session, SYSTEM, [2024, 2026])
    assert certs[0]["valid"] == 1 and certs[1]["expiring"] == 1 and certs[1]["lapsed"] == 1


def test_zone_admin_cannot_import_other_zones_qualifications(session, tier_world):
    zone_admin = make_principal(session, "zone_admin", zone=tier_world["city"]["yzhtz"])
    rep = qualifications.import_qualifications(
        session,
        zone_admin,
        _quals(
            [[tier_world["b"].uscc, "省部级以上研发机构", "省级", "2020-01-01", None, None, ""]]
        ),
        "q.xlsx",
    )
    assert not rep.ok and rep.errors[0].reason == "企业未登记或无权导入该企业的数据"


def test_self_assessment_stores_nothing(session, tier_world):
    before = row_counts(session)
    figures = {
        y: {
            "employees": 100,
            "tech_staff": 30,
            "sales_revenue": 5000.0,
            "operating_revenue": 5000.0,
            "rd_expense": 250.0,
            "total_cost": 4500.0,
            "total_assets": 6000.0,
            "ip_class1": 0,
            "ip_class2": 0,
            "major_accident": False,
            "environmental_violation": False,
            "dishonest_listed": False,
            "abnormal_operation": False,
            "mainland_resident": True,
            "restricted_products": False,
        }
        for y in (2022, 2023, 2024)
    }
    data = self_assessment.self_assess(2024, figures, date(2015, 1, 1), "电子信息")
    tech = next(p for p in data["packs"] if p["family"] == "tech_sme")
    assert tech["status"] == "met" and tech["score_lo"] == 60 and data["stored"] is False
    session.flush()
    assert row_counts(session) == before
    with pytest.raises(TierError, match="研发费用总额"):
        self_assessment.self_assess(2024, {2024: {"rd_expense": -1}}, None)
    with pytest.raises(TierError, match="评价年度"):
        self_assessment.self_assess(2024, {2023: {}}, None)
