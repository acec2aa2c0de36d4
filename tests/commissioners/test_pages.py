"""科技特派员 pages through NiceGUI's user simulation: posting a demand, the county queue with a
suggestion to confirm, approvals, logging a visit, confirming it, the dashboard and the assessment."""

from __future__ import annotations

from datetime import date

from cmdata import BAOYING, GAOYOU, demand_data
from nicegui.testing import User
from sqlalchemy import select
from web import log_in

from kechuang.commissioners import service as svc
from kechuang.commissioners.models import Agreement, Demand, ServiceLog


async def test_informant_posts_a_demand(user: User, cw, session) -> None:
    await log_in(user, "by_informant")
    await user.open("/demands/new")
    await user.should_see("发布服务需求", retries=100)
    user.find(marker="d-title").type("藕塘土壤板结")
    user.find(marker="d-text").type("连作五年，藕产量下降三成，请专家看看")
    user.find(marker="d-recipient").type("演示数据·李大伯")
    user.find(marker="d-submit").click()
    await user.should_see("已发布", retries=100)
    d = session.scalar(select(Demand).where(Demand.title == "藕塘土壤板结"))
    assert d.region_code == BAOYING + "101" and d.owner_user_id == cw["users"]["by_informant"].id


async def test_queue_confirm_then_approvals_log_and_confirmation(user: User, cw, session) -> None:
    p = cw["p"]
    d = svc.post_demand(
        session, p["by_informant"], demand_data(BAOYING + "101", title="宝应待匹配")
    )
    gy = svc.post_demand(session, p["gy_farmer"], demand_data(GAOYOU, title="高邮的需求"))
    (s,) = svc.store_suggestions(
        session,
        p["by_admin"],
        d.id,
        [{"commissioner_id": cw["c_by"].id, "score": 0.8, "reasons": ["同产业：莲藕"]}],
        "urgent",
    )
    session.flush()
    await log_in(user, "by_admin")
    await user.open("/commissioners/queue")
    await user.should_see("宝应待匹配", retries=100)
    await user.should_not_see("高邮的需求")
    await user.should_see("同产业：莲藕")
    user.find(marker=f"confirm-{s.id}").click()
    await user.should_see("已确认", retries=100)
    a = session.scalar(select(Agreement).where(Agreement.demand_id == d.id))
    assert a is not None and a.county_approved_at is not None
    assert gy.status == "open"


async def test_commissioner_logs_a_visit_on_his_page(user: User, cw, session) -> None:
    p = cw["p"]
    d = svc.post_demand(session, p["by_informant"], demand_data(BAOYING + "101"))
    a = svc.create_agreement(session, p["by_admin"], d.id, cw["c_by"].id)
    svc.approve_agreement(session, p["by_informant"], a.id)
    session.flush()
    await log_in(user, "tpy_by")
    await user.open("/commissioners/me")
    await user.should_see("演示数据·宝应特派员", retries=100)
    user.find(marker=f"approve-{a.id}").click()
    await user.should_see("填写服务日志", retries=100)
    session.refresh(a)
    assert a.status == "active"
    user.find(marker="log-content").type("现场取土样，讲解深翻晒垡")
    for el in user.find(marker="log-days").elements:
        el.value = 1.5
    user.find(marker="log-submit").click()
    await user.should_see("待服务对象确认", retries=100)
    log = session.scalar(select(ServiceLog).where(ServiceLog.agreement_id == a.id))
    assert log.days == 1.5 and log.status == "submitted"


async def test_served_party_confirms_on_my_demands(user: User, cw, session) -> None:
    p = cw["p"]
    d = svc.post_demand(session, p["by_informant"], demand_data(BAOYING + "101"))
    a = svc.create_agreement(session, p["by_admin"], d.id, cw["c_by"].id)
    svc.approve_agreement(session, p["by_informant"], a.id)
    svc.approve_agreement(session, p["tpy_by"], a.id)
    log = svc.log_service(
        session,
        p["tpy_by"],
        a.id,
        {"served_on": date.today(), "days": 1, "content": "指导藕塘施肥"},
    )
    session.flush()
    await log_in(user, "by_informant")
    await user.open("/demands")
    await user.should_see("待确认的服务", retries=100)
    user.find(marker=f"confirm-log-{log.id}").click()
    await user.should_see("已确认", retries=100)
    session.refresh(log)
    assert log.status == "confirmed"


async def test_dashboard_shows_only_the_county(user: User, cw, session) -> None:
    p = cw["p"]
    svc.post_demand(session, p["by_informant"], demand_data(BAOYING + "101"))
    svc.post_demand(session, p["gy_farmer"], demand_data(GAOYOU))
    session.flush()
    await log_in(user, "by_admin")
    await user.open("/commissioners/dashboard")
    await user.should_see("分区县", retries=100)
    user.find(marker="dash-year").elements.pop().value = 0
    await user.should_see(marker="dash-county", retries=100)
    rows = user.find(marker="dash-county").elements.pop().rows
    assert [r["label"] for r in rows] == ["宝应县", "合计"] and rows[-1]["demands"] == 1


async def test_other_roles_cannot_open_the_pages(user: User, cw) -> None:
    await log_in(user, "zone_x")
    await user.open("/commissioners/queue")
    await user.should_see("无权访问此页面", retries=100)


async def test_assessment_page_runs_and_lists(user: User, cw) -> None:
    await log_in(user, "city")
    await user.open("/commissioners/assessment")
    await user.should_see("服务情况 60 分", retries=100)
    user.find(marker="a-run").click()
    await user.should_see("考核完成", retries=100)
    rows = user.find(marker="assessment-table").elements.pop().rows
    assert {r["name"] for r in rows} == {"演示数据·宝应特派员", "演示数据·高邮特派员"}
    assert {r["grade"] for r in rows} == {"不合格"}


async def test_register_lists_only_the_countys_commissioners(user: User, cw) -> None:
    await log_in(user, "by_admin")
    await user.open("/commissioners")
    await user.should_see("共 1 名", retries=100)
    rows = user.find(marker="commissioner-register").elements.pop().rows
    assert [r["name"] for r in rows] == ["演示数据·宝应特派员"]
