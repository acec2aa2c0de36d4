"""The 重点攻关 portfolio: classification with confirmation and correction (audited, becomes
labelled history), the disagreement flag, the coverage counts and flags, funding by 领域 and year,
outcomes linked to the enterprise registry, the outcome import, and who may see what."""

from __future__ import annotations

import pytest
from factories import make_enterprise, make_uscc
from progdata import app_data, call_data
from sheets import xlsx
from sqlalchemy import func, select

from kechuang.core.audit import AuditLog
from kechuang.core.errors import Conflict, Unprocessable
from kechuang.core.scope import RoleError, ScopeError
from kechuang.core.security import SYSTEM
from kechuang.programs import portfolio as pf
from kechuang.programs import service as svc
from kechuang.programs.portfolio_imports import OUTCOME_COLUMNS, import_outcomes, outcome_template
from kechuang.programs.portfolio_models import Classification, Outcome
from kechuang.programs.taxonomy import load_guide

DIRS = ["HEALTH-NCD", "CARBON-CLEAN", "AGR-SPECIAL"]


@pytest.fixture
def world(session, pw):
    """Two calls (2025, 2026) and five applications with hand-set 立项经费."""
    calls = {}
    for code, year in (("PF25", 2025), ("PF26", 2026)):
        c = svc.create_call(session, SYSTEM, call_data(code, year=year, directions=DIRS))
        svc.set_call_state(session, SYSTEM, c.id, "open")
        calls[year] = c
    specs = [
        # key, applicant, year, declared, title, keywords, granted
        ("tumor", "a1", 2026, "HEALTH-NCD-TUMOR", "肺癌靶向治疗耐药机制研究", ["肺癌", "靶向治疗", "肿瘤"], 100.0),
        ("wrong", "a1", 2026, "CARBON-CLEAN-H2", "胃癌与肝癌化疗方案优化研究", ["胃癌", "肝癌", "化疗", "肿瘤"], 0.0),
        ("pv", "a2", 2026, "CARBON-CLEAN-PV", "光伏组件高效电池片研发", ["光伏", "太阳能", "组件"], 50.0),
        ("storage", "a2", 2025, "CARBON-CLEAN-STORAGE", "液流电池储能系统", ["储能", "液流电池"], 80.0),
        ("lotus", "a1", 2025, "AGR-SPECIAL-LOTUS", "莲藕新品种选育", ["莲藕", "栽培"], 0.0),
    ]  # fmt: skip
    apps = {}
    for i, (key, who, year, direction, title, kw, granted) in enumerate(specs):
        a = svc.create_application(
            session,
            pw["p"][who],
            calls[year].id,
            app_data(make_uscc(700 + i), direction=direction, title=title, keywords=kw,
                     leader_id_no=f"3210001980010100{i:02d}", unit_name=f"单位{key}"),
        )  # fmt: skip
        a.granted = granted
        apps[key] = a
    session.flush()
    return {"apps": apps, "calls": calls}


def test_classify_flags_a_strong_disagreement(session, pw, world):
    res = pf.classify_applications(session, SYSTEM)
    assert res["classified"] == 5 and "已确认历史 0 条" in res["model"]
    rows = {r["code"]: r for r in pf.list_classifications(session, SYSTEM)}
    wrong = rows[world["apps"]["wrong"].code]
    assert wrong["declared"] == "CARBON-CLEAN" and wrong["predicted"] == "HEALTH-NCD"
    assert wrong["disagreement"] and wrong["confidence"] >= pf.DISAGREE_MIN_CONFIDENCE
    assert wrong["declared_probability"] < pf.DISAGREE_MAX_DECLARED
    assert "疑似申报方向不符" in wrong["explanation"] and "概率" in wrong["explanation"]
    assert wrong["terms"] and all(t["contribution"] > 0 for t in wrong["terms"])
    assert sum(r["probability"] for r in wrong["ranked"]) <= 1.0 + 1e-9
    tumor = rows[world["apps"]["tumor"].code]
    assert tumor["predicted"] == "HEALTH-NCD" and not tumor["disagreement"]
    assert (
        tumor["predicted_domain"] == "HEALTH" and tumor["domain_confidence"] >= tumor["confidence"]
    )
    assert [
        r["code"] for r in pf.list_classifications(session, SYSTEM, disagreement_only=True)
    ] == [world["apps"]["wrong"].code]


def test_confirm_is_audited_and_becomes_history(session, pw, world):
    pf.classify_applications(session, SYSTEM)
    wrong = world["apps"]["wrong"]
    out = pf.confirm(session, pw["p"]["city"], wrong.id, "HEALTH-NCD-TUMOR", "内容为肿瘤")
    assert out["confirmed"] == "HEALTH-NCD" and out["effective"] == "HEALTH-NCD"
    assert not out["disagreement"]
    assert session.scalar(
        select(func.count(AuditLog.id)).where(AuditLog.entity == "program_classifications")
    )
    history = pf.labelled_history(session, load_guide())
    assert len(history) == 1 and history[0][1] == "HEALTH-NCD" and "胃癌" in history[0][0]
    # re-classifying keeps the confirmation and trains on it
    res = pf.classify_applications(session, SYSTEM)
    assert "已确认历史 1 条" in res["model"]
    assert pf.get_classification(session, SYSTEM, wrong.id)["confirmed"] == "HEALTH-NCD"
    for bad in ("HEALTH", "NOPE"):
        with pytest.raises(Unprocessable, match="不存在或不是方向"):
            pf.confirm(session, SYSTEM, wrong.id, bad)
    # not yet classified: 404 with the reason
    session.execute(Classification.__table__.delete())
    with pytest.raises(ScopeError, match="尚未分类"):
        pf.confirm(session, SYSTEM, wrong.id, "HEALTH-NCD")


def _row(cov, code):
    return next(r for r in cov["rows"] if r["code"] == code)


def test_coverage_counts_and_flags(session, pw, world):
    cov = pf.coverage(session, SYSTEM, 2025, 2026)
    assert cov["years"] == [2025, 2026] and cov["threshold"] == 2
    ncd = _row(cov, "HEALTH-NCD")
    assert ncd["years"][1] == {"year": 2026, "applications": 1, "funded": 1, "funding": 100.0}
    assert ncd["flag"] == "薄弱"  # 1 funded < 2
    clean = _row(cov, "CARBON-CLEAN")
    assert [(c["applications"], c["funded"], c["funding"]) for c in clean["years"]] == [
        (1, 1, 80.0),
        (2, 1, 50.0),
    ]
    assert clean["funded"] == 2 and clean["funding"] == 130.0 and clean["flag"] == ""
    agr = _row(cov, "AGR-SPECIAL")
    assert agr["applications"] == 1 and agr["funded"] == 0 and agr["flag"] == "空白"
    assert _row(cov, "CARBON-CLEAN-PV")["funding"] == 50.0
    assert _row(cov, "SAFETY-FOOD")["flag"] == "空白"
    # a threshold of 1: one funded project is enough
    assert _row(pf.coverage(session, SYSTEM, threshold=1), "HEALTH-NCD")["flag"] == ""
    # one year only
    only = pf.coverage(session, SYSTEM, 2025, 2025)
    assert _row(only, "HEALTH-NCD")["applications"] == 0
    # a confirmed correction moves the application (and drops its declared 课题)
    pf.classify_applications(session, SYSTEM)
    pf.confirm(session, SYSTEM, world["apps"]["wrong"].id, "HEALTH-NCD")
    cov = pf.coverage(session, SYSTEM, 2025, 2026)
    assert _row(cov, "HEALTH-NCD")["applications"] == 2
    assert _row(cov, "CARBON-CLEAN")["applications"] == 2
    assert _row(cov, "CARBON-CLEAN-H2")["applications"] == 0
    with pytest.raises(Unprocessable, match="早于"):
        pf.coverage(session, SYSTEM, 2026, 2025)
    with pytest.raises(Unprocessable, match="阈值"):
        pf.coverage(session, SYSTEM, threshold=0)


def test_funding_by_domain_sums(session, pw, world):
    fund = pf.funding_by_domain(session, SYSTEM)
    assert fund["years"] == [2025, 2026] and fund["unit"] == "万元"
    rows = {r["domain"]: r for r in fund["rows"]}
    assert rows["HEALTH"]["years"] == [
        {"year": 2025, "funded": 0, "funding": 0.0},
        {"year": 2026, "funded": 1, "funding": 100.0},
    ]
    assert rows["CARBON"]["funded"] == 2 and rows["CARBON"]["funding"] == 130.0
    assert rows["AGR"]["funding"] == 0.0 and rows["SAFETY"]["funded"] == 0
    chart = pf.funding_chart(fund)
    assert [s["name"] for s in chart["series"]] == ["2025", "2026"]
    heat = pf.coverage_heatmap(pf.coverage(session, SYSTEM))
    assert len(heat["yAxis"]["data"]) == len(load_guide().directions())
    assert (
        pf.portfolio_xlsx(
            pf.coverage(session, SYSTEM), fund, pf.outcomes_by_domain(session, SYSTEM)
        )[:2]
        == b"PK"
    )


def test_outcomes_link_registry_and_scope(session, pw, world):
    apps = world["apps"]
    ent = make_enterprise(session, None, name="登记企业有限公司", uscc=apps["tumor"].unit_uscc)
    a1, a2 = pw["p"]["a1"], pw["p"]["a2"]
    o = pf.add_outcome(
        session, a1, apps["tumor"].id, {"kind": "patent", "quantity": 2, "year": 2027}
    )
    assert o["unit"] == "件" and o["enterprise_id"] == ent.id and o["registry"] == "企业库已登记"
    o2 = pf.add_outcome(
        session,
        SYSTEM,
        apps["pv"].id,
        {"kind": "revenue", "quantity": 320.5, "unit": "万元", "year": 2027},
    )
    assert o2["enterprise_id"] is None and "未在企业库" in o2["registry"]
    with pytest.raises(ScopeError):  # another applicant's project
        pf.add_outcome(session, a1, apps["pv"].id, {"kind": "patent", "quantity": 1, "year": 2027})
    with pytest.raises(Conflict, match="尚未立项"):
        pf.add_outcome(
            session, a1, apps["wrong"].id, {"kind": "patent", "quantity": 1, "year": 2027}
        )
    with pytest.raises(Unprocessable, match="单位应为"):
        pf.add_outcome(
            session,
            a1,
            apps["tumor"].id,
            {"kind": "revenue", "quantity": 1, "unit": "元", "year": 2027},
        )
    with pytest.raises(Unprocessable, match="整数"):
        pf.add_outcome(
            session, a1, apps["tumor"].id, {"kind": "patent", "quantity": 1.5, "year": 2027}
        )
    with pytest.raises(Unprocessable, match="成果类型"):
        pf.add_outcome(
            session, a1, apps["tumor"].id, {"kind": "paper", "quantity": 1, "year": 2027}
        )
    assert [r["id"] for r in pf.list_outcomes(session, a1)] == [o["id"]]
    assert [r["id"] for r in pf.list_outcomes(session, a2)] == [o2["id"]]
    assert len(pf.list_outcomes(session, SYSTEM)) == 2
    summary = pf.outcomes_by_domain(session, SYSTEM)
    rows = {r["domain"]: r for r in summary["rows"]}
    assert rows["HEALTH"]["patent"] == 2.0 and rows["CARBON"]["revenue"] == 320.5
    assert summary["outcomes"] == 2 and summary["from_registered_units"] == 1
    assert pf.outcomes_by_domain(session, SYSTEM, 2028, 2030)["outcomes"] == 0  # outcome year


@pytest.mark.parametrize("who", ["a1", "e1", "o1", "bank", "farmer"])
def test_portfolio_is_the_bureaus(session, pw, world, who):
    p = pw["p"][who]
    for fn in (pf.coverage, pf.funding_by_domain, pf.outcomes_by_domain, pf.list_classifications,
               pf.classify_applications):  # fmt: skip
        with pytest.raises(RoleError):
            fn(session, p)
    with pytest.raises(RoleError):
        pf.confirm(session, p, world["apps"]["tumor"].id, "HEALTH-NCD")
    if who != "a1":  # experts, 发榜方 and other roles see no outcomes at all
        with pytest.raises(RoleError):
            pf.list_outcomes(session, p)


def test_outcome_import_all_or_nothing(session, pw, world):
    apps = world["apps"]
    assert outcome_template()[:2] == b"PK"
    header = [c.header for c in OUTCOME_COLUMNS]
    good = xlsx(header, [[apps["tumor"].code, "专利", 3, "件", 2027, "授权发明专利"],
                         [apps["tumor"].code, "营业收入", 150.5, "万元", 2027, None]])  # fmt: skip
    bad = xlsx(header, [[apps["tumor"].code, "专利", 3, "件", 2027, None],
                        [apps["pv"].code, "专利", 1, "件", 2027, None],
                        [apps["wrong"].code, "专利", 1, "件", 2027, None],
                        [apps["tumor"].code, "营业收入", 10, "元", 2027, None],
                        [apps["tumor"].code, "论文", 1, "篇", 2027, None]])  # fmt: skip
    rep = import_outcomes(session, pw["p"]["a1"], bad, "o.xlsx")
    cells = {(e.row, e.column) for e in rep.errors}
    assert cells == {(3, "申报编号"), (4, "申报编号"), (5, "单位"), (6, "成果类型")}
    assert session.scalar(select(func.count(Outcome.id))) == 0
    rep = import_outcomes(session, pw["p"]["a1"], good, "o.xlsx")
    assert rep.ok and rep.created == 2
    assert {(o.kind, o.quantity, o.unit) for o in session.scalars(select(Outcome))} == {
        ("patent", 3.0, "件"),
        ("revenue", 150.5, "万元"),
    }
    with pytest.raises(RoleError):
        import_outcomes(session, pw["p"]["e1"], good, "o.xlsx")
