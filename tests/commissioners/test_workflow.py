"""The 科技特派员 workflow in services: demand → confirmed commissioner → three-party agreement →
service logs → confirmation → rating → assessment; scope, wrong roles and unhappy paths."""

from __future__ import annotations

from datetime import date

import pytest
from cmdata import BAOYING, GAOYOU, JPEG, demand_data, individual

from kechuang.commissioners import service as svc
from kechuang.commissioners.assessment import assessment_table, gather_inputs, run_assessment
from kechuang.commissioners.dashboard import dashboard
from kechuang.core.errors import BadInput, Conflict, Unprocessable
from kechuang.core.scope import RoleError, ScopeError
from kechuang.core.security import SYSTEM


def _agreement(session, cw, region=BAOYING, who="by_informant", commissioner="c_by"):
    p = cw["p"]
    d = svc.post_demand(
        session, p[who], demand_data(region + ("101" if who == "by_informant" else ""))
    )
    admin = p["by_admin"] if region == BAOYING else p["gy_admin"]
    svc.store_suggestions(
        session,
        admin,
        d.id,
        [{"commissioner_id": cw[commissioner].id, "score": 0.9, "components": {"bm25": 0.5}}],
        "urgent",
    )
    (s,) = svc.list_suggestions(session, admin, d.id)
    a = svc.confirm_suggestion(session, admin, s.id)
    return d, a


def test_workflow_end_to_end(session, cw):
    p = cw["p"]
    d = svc.post_demand(session, p["by_informant"], demand_data(BAOYING + "101"), [("a.jpg", JPEG)])
    assert (
        d.county_code == BAOYING
        and d.status == "open"
        and d.owner_user_id == cw["users"]["by_informant"].id
    )
    assert len(svc.photo_ids(session, demand_id=d.id)) == 1
    svc.store_suggestions(
        session,
        p["by_admin"],
        d.id,
        [
            {"commissioner_id": cw["c_by"].id, "score": 0.9, "components": {"bm25": 0.6}},
            {"commissioner_id": cw["c_gy"].id, "score": 0.4, "components": {"bm25": 0.2}},
        ],
        "batch_total",
    )
    assert d.status == "suggested"
    best = svc.list_suggestions(session, p["by_admin"], d.id)[0]
    a = svc.confirm_suggestion(session, p["by_admin"], best.id)
    assert a.status == "pending" and a.county_approved_at is not None and d.status == "confirmed"
    # not active yet: no logging
    with pytest.raises(Conflict):
        svc.log_service(
            session,
            p["tpy_by"],
            a.id,
            {"served_on": date.today(), "days": 1, "content": "现场查看藕塘"},
        )
    svc.approve_agreement(session, p["tpy_by"], a.id)
    assert a.status == "pending"
    svc.approve_agreement(session, p["by_informant"], a.id)
    assert a.status == "active" and d.status == "in_service"
    log = svc.log_service(
        session,
        p["tpy_by"],
        a.id,
        {
            "served_on": date.today(),
            "days": 1.5,
            "content": "取土样，讲解秸秆还田",
            "trainees": 12,
            "new_techniques": 1,
            "income_wan": 3.5,
        },
        [("v.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50)],
    )
    assert log.status == "submitted"
    # not confirmed: not counted
    assert gather_inputs(session, date.today().year)[cw["c_by"].id]["days"] == 0
    with pytest.raises(Conflict):
        svc.rate_agreement(session, p["by_informant"], a.id, 5)
    svc.confirm_log(session, p["by_informant"], log.id)
    inputs = gather_inputs(session, date.today().year)[cw["c_by"].id]
    assert inputs["days"] == 1.5 and inputs["visits"] == 1 and inputs["income_wan"] == 3.5
    svc.rate_agreement(session, p["by_informant"], a.id, 4, "很好")
    with pytest.raises(Conflict):
        svc.rate_agreement(session, p["by_informant"], a.id, 5)
    run = run_assessment(session, p["city"], date.today().year)
    row = next(
        r
        for r in assessment_table(session, p["city"], run.year)
        if r["commissioner_id"] == cw["c_by"].id
    )
    # 1.5/30×40 + 1/12×20 = 3.67; 3.5/50×8 + 12/200×6 + 1/5×6 = 0.56+0.36+1.2 = 2.12; 4/5×20 = 16
    assert row["service"] == 3.67 and row["outcome"] == 2.12 and row["satisfaction"] == 16.0
    assert row["total"] == 21.79 and row["grade"] == "不合格"
    assert row["rating"] == 4.0
    # a commissioner nobody rated shows no rating ("—" on the page), not a mean of 0
    unrated = [
        r
        for r in assessment_table(session, p["city"], run.year)
        if r["commissioner_id"] != cw["c_by"].id
    ]
    assert unrated and all(r["rating"] is None and r["satisfaction"] == 0 for r in unrated)
    # the commissioner sees only his own row
    own = assessment_table(session, p["tpy_by"], run.year)
    assert [r["commissioner_id"] for r in own] == [cw["c_by"].id]
    svc.end_agreement(session, p["by_admin"], a.id)
    assert d.status == "closed"


def test_county_admin_sees_only_own_county(session, cw):
    p = cw["p"]
    d_gy, a_gy = _agreement(session, cw, GAOYOU, who="gy_farmer", commissioner="c_gy")
    d_by, _a_by = _agreement(session, cw, BAOYING)
    by = p["by_admin"]
    assert [d.id for d in svc.list_demands(session, by)] == [d_by.id]
    with pytest.raises(ScopeError):
        svc.get_demand(session, by, d_gy.id)
    with pytest.raises(ScopeError):
        svc.get_agreement(session, by, a_gy.id)
    with pytest.raises(ScopeError):
        svc.approve_agreement(session, by, a_gy.id)
    with pytest.raises(ScopeError):
        svc.store_suggestions(session, by, d_gy.id, [], "urgent")
    with pytest.raises(ScopeError):
        svc.create_agreement(session, by, d_gy.id, cw["c_by"].id)
    with pytest.raises(RoleError):
        svc.post_demand(session, by, demand_data(GAOYOU))
    board = dashboard(session, by)
    assert [r["key"] for r in board["by"]["county"]] == [BAOYING]
    assert board["total"]["demands"] == 1
    city_board = dashboard(session, p["city"])
    assert city_board["total"]["demands"] == 2
    # commissioners: only those serving 宝应
    assert {c.id for c in svc.list_commissioners(session, by)} == {cw["c_by"].id}
    with pytest.raises(ScopeError):
        svc.get_commissioner(session, by, cw["c_gy"].id)


def test_commissioner_and_recipient_see_only_their_own(session, cw):
    p = cw["p"]
    d_gy, a_gy = _agreement(session, cw, GAOYOU, who="gy_farmer", commissioner="c_gy")
    d_by, a_by = _agreement(session, cw, BAOYING)
    assert [a.id for a in svc.list_agreements(session, p["tpy_by"])] == [a_by.id]
    with pytest.raises(ScopeError):
        svc.get_agreement(session, p["tpy_by"], a_gy.id)
    with pytest.raises(ScopeError):
        svc.approve_agreement(session, p["tpy_by"], a_gy.id)
    assert [d.id for d in svc.list_demands(session, p["gy_farmer"])] == [d_gy.id]
    assert svc.list_demands(session, p["by_farmer"]) == []
    with pytest.raises(ScopeError):
        svc.get_demand(session, p["by_farmer"], d_gy.id)
    # the commissioner of 宝应 cannot log under 高邮's agreement, nor see its logs
    for who in ("tpy_gy", "gy_farmer"):
        svc.approve_agreement(session, p[who], a_gy.id)
    log = svc.log_service(
        session,
        p["tpy_gy"],
        a_gy.id,
        {"served_on": date.today(), "days": 1, "content": "指导罗氏沼虾尾水处理"},
    )
    with pytest.raises(ScopeError):
        svc.log_service(
            session,
            p["tpy_by"],
            a_gy.id,
            {"served_on": date.today(), "days": 1, "content": "冒名填写日志"},
        )
    with pytest.raises(ScopeError):
        svc.get_log(session, p["tpy_by"], log.id)
    with pytest.raises(ScopeError):
        svc.confirm_log(session, p["by_farmer"], log.id)
    # the commissioner cannot confirm his own log
    with pytest.raises(RoleError):
        svc.confirm_log(session, p["tpy_gy"], log.id)


def test_other_roles_get_403(session, cw):
    zone = cw["p"]["zone_x"]
    for call in (
        lambda: svc.list_demands(session, zone),
        lambda: svc.list_commissioners(session, zone),
        lambda: svc.list_agreements(session, zone),
        lambda: svc.post_demand(session, zone, demand_data(BAOYING)),
        lambda: dashboard(session, zone),
    ):
        with pytest.raises(RoleError):
            call()
    with pytest.raises(RoleError):
        svc.create_commissioner(session, cw["p"]["by_admin"], individual("x", BAOYING))
    with pytest.raises(RoleError):
        svc.store_suggestions(session, cw["p"]["by_informant"], 1, [], "urgent")
    with pytest.raises(RoleError):
        dashboard(session, cw["p"]["tpy_by"])


def test_unhappy_paths(session, cw):
    p = cw["p"]
    d, a = _agreement(session, cw)
    for who in ("tpy_by", "by_informant"):
        svc.approve_agreement(session, p[who], a.id)
    base = {"served_on": date.today(), "days": 1, "content": "现场指导施肥"}
    for bad in (
        {"days": 0.3},
        {"days": 0},
        {"days": 32},
        {"content": "短"},
        {"trainees": -1},
        {"income_wan": -1},
        {"served_on": date(2999, 1, 1)},
        {"served_on": "2024-13-01"},
    ):
        with pytest.raises(Unprocessable):
            svc.log_service(session, p["tpy_by"], a.id, {**base, **bad})
    log = svc.log_service(session, p["tpy_by"], a.id, base)
    svc.confirm_log(session, p["by_informant"], log.id)
    for score in (0, 6, 3.5, True):
        with pytest.raises(Unprocessable):
            svc.rate_agreement(session, p["by_informant"], a.id, score)
    with pytest.raises(RoleError):
        svc.rate_agreement(session, p["tpy_by"], a.id, 5)
    # a disputed log needs a reason and does not count
    log2 = svc.log_service(session, p["tpy_by"], a.id, base)
    with pytest.raises(Unprocessable):
        svc.confirm_log(session, p["by_informant"], log2.id, accept=False)
    svc.confirm_log(session, p["by_informant"], log2.id, accept=False, objection="当天未到场")
    assert gather_inputs(session, date.today().year)[cw["c_by"].id]["visits"] == 1
    # photos are checked by content and size
    with pytest.raises(BadInput):
        svc.post_demand(
            session, p["by_informant"], demand_data(BAOYING + "101"), [("x.jpg", b"GIF89a....")]
        )
    with pytest.raises(BadInput):
        svc.post_demand(
            session,
            p["by_informant"],
            demand_data(BAOYING + "101"),
            [("x.jpg", JPEG + b"0" * (5 * 1024 * 1024))],
        )
    # the informant posts only in his township
    with pytest.raises(RoleError):
        svc.post_demand(session, p["by_informant"], demand_data(BAOYING + "102"))
    with pytest.raises(Unprocessable):
        svc.post_demand(session, p["by_farmer"], demand_data("999999"))
    with pytest.raises(Unprocessable):
        svc.post_demand(session, p["by_farmer"], demand_data(BAOYING, recipient_kind="工厂"))


def test_commissioner_kinds_are_validated(session, cw):
    member = {"name": "成员", "title_level": "中级"}
    with pytest.raises(Unprocessable, match="至少 3 名专业技术人员"):
        svc.create_commissioner(
            session,
            SYSTEM,
            individual("法人", BAOYING, kind="legal_person", members=[member, member]),
        )
    ok = svc.create_commissioner(
        session, SYSTEM, individual("法人", BAOYING, kind="legal_person", members=[member] * 3)
    )
    assert len(svc.commissioner_members(session, ok.id)) == 3
    with pytest.raises(Unprocessable, match="负责人"):
        svc.create_commissioner(
            session, SYSTEM, individual("团队", BAOYING, kind="team", members=[member] * 3)
        )
    team = svc.create_commissioner(
        session,
        SYSTEM,
        individual(
            "团队",
            BAOYING,
            kind="team",
            members=[{**member, "is_leader": True}, member, member],
            service_areas=[BAOYING, GAOYOU],
        ),
    )
    assert svc.commissioner_areas(session, team.id) == [BAOYING, GAOYOU]
    with pytest.raises(Unprocessable, match="区县代码不存在"):
        svc.create_commissioner(session, SYSTEM, individual("x", "310000"))


def test_every_write_is_audited_with_before_and_after(session, cw):
    from sqlalchemy import select

    from kechuang.core.audit import AuditLog, bind_principal

    p = cw["p"]
    bind_principal(session, p["by_informant"])
    d, a = _agreement(session, cw)
    svc.approve_agreement(session, p["tpy_by"], a.id)
    bind_principal(session, p["by_informant"])
    svc.approve_agreement(session, p["by_informant"], a.id)
    session.flush()
    rows = session.scalars(
        select(AuditLog).where(AuditLog.entity == "service_agreements").order_by(AuditLog.id)
    ).all()
    assert rows[0].action == "create"
    last = rows[-1]
    assert last.action == "update" and last.username == "by_informant"
    assert last.before["status"] == "pending" and last.after["status"] == "active"
    created = session.scalars(
        select(AuditLog.entity).where(AuditLog.action == "create").distinct()
    ).all()
    assert {"demands", "commissioner_suggestions", "service_agreements"} <= set(created)
