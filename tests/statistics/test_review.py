"""Enterprise users' figures are submissions: invisible to analytics until a reviewer approves them.

Attack 2 of issue 11: an enterprise user imported 研发费用 300,000 万元 and it went straight into the
dashboards, points and the bank list. Now it waits for the zone admin (or city admin), who sees it
beside the current figures with automatic flags and approves or rejects it with a reason.
"""

from __future__ import annotations

import pytest
from factories import make_enterprise
from sheets import xlsx
from web import login

from kechuang.accounts.service import create_user, principal_of
from kechuang.core.audit import AuditLog
from kechuang.core.errors import Conflict, NotFound
from kechuang.core.security import SYSTEM
from kechuang.statistics import review
from kechuang.statistics.imports import import_file
from kechuang.statistics.models import EnterpriseYear, Submission
from kechuang.statistics.queries import current_figures, zone_totals
from kechuang.statistics.undo import undo_import

HEADER = [
    "统一社会信用代码",
    "年度",
    "营业收入(万元)",
    "研发费用总额(万元)",
    "境内研发费用(万元)",
    "委托外部研发费用(万元)",
]


@pytest.fixture
def people(session, world):
    """An enterprise user of 甲 (扬州高新区) and a zone admin of 江都高新区, beside the world's users."""
    city = world["city"]
    ent_a = create_user(
        session,
        username="ent_a",
        password="Yz-kc-test-2026",
        role="enterprise_user",
        enterprise_id=world["a"].id,
    )
    zone_jd = create_user(
        session,
        username="zone_jd",
        password="Yz-kc-test-2026",
        role="zone_admin",
        zone_id=city["jiangdu"].id,
    )
    session.flush()
    return {"ent_a": principal_of(ent_a), "zone_jd": principal_of(zone_jd)}


def _submit(session, principal, uscc, revenue, rd, domestic=None, outsourced=None, year=2024):
    rep = import_file(
        session,
        principal,
        "enterprise_years",
        xlsx(HEADER, [[uscc, year, revenue, rd, domestic, outsourced]]),
        "报送.xlsx",
    )
    assert rep.ok, rep.errors
    return rep


def _rd(session, enterprise_id, year=2024):
    df = current_figures(session, [enterprise_id], [year])
    return df.get_column("rd_expense").to_list()


def _points(client, headers, enterprise_id):
    assert client.post("/api/v1/points/runs", headers=headers, json={}).status_code in (200, 201)
    r = client.get(f"/api/v1/points/enterprises/{enterprise_id}", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    body.pop("run", None)
    return body


def test_attack2_enterprise_import_waits_for_review(session, world, people, client):
    a = world["a"]
    city = login(client, "city")
    points_before = _points(client, city, a.id)
    totals_before = zone_totals(session, SYSTEM, [2024]).to_dicts()
    rep = _submit(session, people["ent_a"], a.uscc, 400000, 300000)
    assert rep.submitted and "已提交审核" in rep.message()
    # nothing downstream moved: current figures, zone totals (dashboards), points
    assert _rd(session, a.id) == [300]
    assert zone_totals(session, SYSTEM, [2024]).to_dicts() == totals_before
    assert _points(client, city, a.id) == points_before
    r = client.get(f"/api/v1/enterprises/{a.id}", headers=city)
    assert [y["rd_expense"] for y in r.json()["years"]] == [300]

    sub = session.query(Submission).one()
    assert sub.status == "pending"
    zone_yz = login(client, "zone_yz")
    listed = client.get("/api/v1/submissions", headers=zone_yz).json()
    assert [s["id"] for s in listed] == [sub.id]
    rd = next(c for c in listed[0]["changes"] if c["code"] == "rd_expense")
    assert (rd["current"], rd["submitted"], rd["changed"]) == (300, 300000, True)
    assert rd["change_pct"] == pytest.approx(99900.0)
    kinds = {f["kind"] for f in listed[0]["flags"]}
    assert "jump" in kinds  # 300 → 300000 is 1000×

    r = client.post(f"/api/v1/submissions/{sub.id}/approve", headers=zone_yz)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    assert _rd(session, a.id) == [300000]
    assert _points(client, city, a.id) != points_before
    assert session.query(AuditLog).filter_by(action="approve", entity="submissions").count() == 1
    # one current revision per enterprise-year, the old one kept
    rows = session.query(EnterpriseYear).filter_by(enterprise_id=a.id, year=2024).all()
    assert sorted((r.revision, r.is_current) for r in rows) == [(1, False), (2, True)]


def test_rejection_keeps_figures_out_and_tells_the_enterprise(session, world, people, client):
    a = world["a"]
    _submit(session, people["ent_a"], a.uscc, 400000, 300000)
    sub = session.query(Submission).one()
    zone_yz = login(client, "zone_yz")
    r = client.post(f"/api/v1/submissions/{sub.id}/reject", headers=zone_yz, json={"reason": ""})
    assert r.status_code in (400, 422)
    r = client.post(
        f"/api/v1/submissions/{sub.id}/reject",
        headers=zone_yz,
        json={"reason": "研发费用与上年相差千倍，请核实"},
    )
    assert r.status_code == 200, r.text
    assert _rd(session, a.id) == [300]
    ent = login(client, "ent_a")
    mine = client.get("/api/v1/submissions?status=all", headers=ent).json()
    assert [(s["status_label"], s["reason"]) for s in mine] == [
        ("已驳回", "研发费用与上年相差千倍，请核实")
    ]
    assert mine[0]["flags"] == []  # peer statistics are for reviewers only
    assert client.post(f"/api/v1/submissions/{sub.id}/approve", headers=zone_yz).status_code == 409
    assert session.query(AuditLog).filter_by(action="reject", entity="submissions").count() == 1
    # a later bureau import gets a fresh revision number above the rejected one
    rep = import_file(
        session, SYSTEM, "enterprise_years", xlsx(HEADER, [[a.uscc, 2024, 5000, 310]]), "b.xlsx"
    )
    assert rep.ok and _rd(session, a.id) == [310]


def test_scope_of_submissions(session, world, people, client):
    a = world["a"]
    _submit(session, people["ent_a"], a.uscc, 400000, 300000)
    sub = session.query(Submission).one()
    other = login(client, "zone_jd")
    assert client.get("/api/v1/submissions", headers=other).json() == []
    assert client.get(f"/api/v1/submissions/{sub.id}", headers=other).status_code == 404
    assert client.post(f"/api/v1/submissions/{sub.id}/approve", headers=other).status_code == 404
    r = client.post(f"/api/v1/submissions/{sub.id}/reject", headers=other, json={"reason": "x"})
    assert r.status_code == 404
    # another enterprise's user: 404; the submitting enterprise: read-only (403 on decisions)
    assert (
        client.get(f"/api/v1/submissions/{sub.id}", headers=login(client, "ent_b")).status_code
        == 404
    )
    own = login(client, "ent_a")
    assert client.get(f"/api/v1/submissions/{sub.id}", headers=own).status_code == 200
    assert client.post(f"/api/v1/submissions/{sub.id}/approve", headers=own).status_code == 403
    create_user(session, username="bank_r", password="Yz-kc-test-2026", role="bank_viewer")
    session.flush()
    assert client.get("/api/v1/submissions", headers=login(client, "bank_r")).status_code == 403
    # the city admin sees and may decide every submission
    city = login(client, "city")
    assert [s["id"] for s in client.get("/api/v1/submissions", headers=city).json()] == [sub.id]
    assert _rd(session, a.id) == [300]


def test_counted_zone_admin_reviews_the_enclave(session, world, people):
    enclave = world["enclave"]  # registered in 邗江, counted in 扬州高新区
    user = create_user(
        session,
        username="ent_c",
        password="Yz-kc-test-2026",
        role="enterprise_user",
        enterprise_id=enclave.id,
    )
    session.flush()
    _submit(session, principal_of(user), enclave.uscc, 900, 45)
    zone_yz = principal_of(session.query(type(user)).filter_by(username="zone_yz").one())
    assert [s["enterprise_id"] for s in review.list_submissions(session, zone_yz)] == [enclave.id]


def test_stale_submission_is_refused(session, world, people, client):
    a = world["a"]
    _submit(session, people["ent_a"], a.uscc, 5000, 320)
    sub = session.query(Submission).one()
    # the bureau corrects the figures after the enterprise submitted
    rep = import_file(
        session, SYSTEM, "enterprise_years", xlsx(HEADER, [[a.uscc, 2024, 5100, 330]]), "c.xlsx"
    )
    assert rep.ok
    listed = client.get("/api/v1/submissions", headers=login(client, "zone_yz")).json()
    assert listed[0]["stale"] is True
    with pytest.raises(Conflict, match="已被更新"):
        review.approve(session, SYSTEM, sub.id)
    assert _rd(session, a.id) == [330]


def test_resubmission_supersedes_and_undo_withdraws(session, world, people):
    a = world["a"]
    _submit(session, people["ent_a"], a.uscc, 5000, 320)
    rep = _submit(session, people["ent_a"], a.uscc, 5000, 350)
    statuses = [s.status for s in session.query(Submission).order_by(Submission.id)]
    assert statuses == ["superseded", "pending"]
    undo_import(session, people["ent_a"], rep.import_id)
    statuses = [s.status for s in session.query(Submission).order_by(Submission.id)]
    assert statuses == ["superseded", "withdrawn"]
    assert _rd(session, a.id) == [300]
    with pytest.raises(Conflict):
        review.approve(
            session, SYSTEM, session.query(Submission).order_by(Submission.id.desc()).first().id
        )


def test_undo_of_a_bureau_import_ignores_pending_submissions(session, world, people):
    a = world["a"]
    rep = import_file(
        session, SYSTEM, "enterprise_years", xlsx(HEADER, [[a.uscc, 2024, 5000, 310]]), "c.xlsx"
    )
    _submit(session, people["ent_a"], a.uscc, 5000, 999)  # revision 3, pending
    undo_import(session, SYSTEM, rep.import_id)  # not blocked by the pending revision
    assert _rd(session, a.id) == [300]


# --- flags on hand-made cases ---------------------------------------------------------------


def test_component_flag_exact():
    assert (
        review.component_flags(
            {"rd_expense": 100, "rd_expense_domestic": 80, "rd_expense_outsourced": 20}
        )
        == []
    )
    # within 0.5% rounding
    assert (
        review.component_flags(
            {"rd_expense": 100, "rd_expense_domestic": 80, "rd_expense_outsourced": 20.4}
        )
        == []
    )
    flags = review.component_flags(
        {"rd_expense": 100, "rd_expense_domestic": 70, "rd_expense_outsourced": 20}
    )
    assert (
        len(flags) == 1 and "境内研发费用 70 + 委托外部研发费用 20 = 90 万元" in flags[0]["message"]
    )
    assert review.component_flags({"rd_expense": 100, "rd_expense_domestic": 70}) == []


def test_jump_flag_exact():
    assert (
        review.jump_flags({"operating_revenue": 300}, {"operating_revenue": 100}, "上年", 3) == []
    )
    flags = review.jump_flags({"operating_revenue": 301}, {"operating_revenue": 100}, "上年", 3)
    assert [f["code"] for f in flags] == ["operating_revenue"] and "3.01 倍" in flags[0]["message"]
    flags = review.jump_flags({"employees": 10}, {"employees": 31}, "上年", 3)
    assert [f["code"] for f in flags] == ["employees"]
    assert review.jump_flags({"employees": 10}, {"employees": 30}, "上年", 3) == []
    assert review.jump_flags({"employees": 0}, {"employees": 30}, "上年", 3) == []


def test_jump_ratio_is_configurable(session, world, people, monkeypatch):
    from kechuang.core.config import get_settings

    a = world["a"]
    _submit(session, people["ent_a"], a.uscc, 5000, 500)  # 300 → 500: 1.67×
    sub = session.query(Submission).one()
    d = review.submission_dict(session, SYSTEM, sub)
    assert not [f for f in d["flags"] if f["kind"] == "jump"]
    monkeypatch.setenv("KECHUANG_REVIEW_JUMP_RATIO", "1.5")
    get_settings.cache_clear()
    try:
        d = review.submission_dict(session, SYSTEM, sub)
        assert [f["code"] for f in d["flags"] if f["kind"] == "jump"] == ["rd_expense"]
    finally:
        monkeypatch.delenv("KECHUANG_REVIEW_JUMP_RATIO")
        get_settings.cache_clear()


def test_robust_z_exact():
    peers = [0.01, 0.02, 0.03, 0.04, 0.05]  # median 0.03, MAD 0.01
    assert review.robust_z(0.03, peers) == pytest.approx(0)
    assert review.robust_z(0.10, peers) == pytest.approx(0.6745 * 7)
    assert review.robust_z(0.10, peers[:4]) is None  # too few peers
    assert review.robust_z(0.10, [0.02] * 6) is None  # no spread


def test_peer_flag_on_zone_distribution(session, world, people):
    city, a = world["city"], world["a"]
    rows = []
    for i, ratio in enumerate([0.01, 0.02, 0.03, 0.04, 0.05]):
        ent = make_enterprise(session, city["yzhtz"], name=f"同区企业{i}")
        rows.append([ent.uscc, 2024, 1000, 1000 * ratio])
    session.flush()
    assert import_file(session, SYSTEM, "enterprise_years", xlsx(HEADER[:4], rows), "p.xlsx").ok
    # peers: the five above and the enclave (800, 40 → 5%); a itself is left out
    _submit(session, people["ent_a"], a.uscc, 5000, 500)  # 10%
    sub = session.query(Submission).one()
    flags = [
        f for f in review.submission_dict(session, SYSTEM, sub)["flags"] if f["kind"] == "peers"
    ]
    # peers 1,2,3,4,5,5 %: median 3.5%, MAD 1.5%; z = 0.6745 × 6.5 / 1.5 = 2.92 → no flag
    assert flags == []
    _submit(session, people["ent_a"], a.uscc, 5000, 1000)  # 20%: z = 0.6745 × 16.5 / 1.5 = 7.4
    sub = session.query(Submission).filter_by(status="pending").one()
    flags = [
        f for f in review.submission_dict(session, SYSTEM, sub)["flags"] if f["kind"] == "peers"
    ]
    assert len(flags) == 1 and "同一高新区 6 家企业" in flags[0]["message"]
    assert "稳健 z 值 7.4" in flags[0]["message"]


def test_rule_flags_reuse_the_import_rules():
    flags = review.rule_flags({"rd_expense": 10, "rd_expense_domestic": 20})
    assert [f["code"] for f in flags] == ["rd_expense_domestic"]
    assert "境内研发费用大于研发费用总额" in flags[0]["message"]


def test_reviewer_of_other_zone_gets_404_from_service(session, world, people):
    _submit(session, people["ent_a"], world["a"].uscc, 5000, 320)
    sub = session.query(Submission).one()
    with pytest.raises(NotFound):
        review.approve(session, people["zone_jd"], sub.id)
