"""重点攻关 pages through NiceGUI's user simulation: an applicant fills in and submits the form, the
bureau's review screen passes the form review, an expert scores an assigned application and sees
no other, a 发榜方 sees his challenge; roles outside a page are told they may not open it."""

from __future__ import annotations

from factories import make_uscc
from nicegui.testing import User
from progdata import assign, to_review
from sqlalchemy import select
from web import log_in

from kechuang.core.security import SYSTEM
from kechuang.programs import service as svc
from kechuang.programs.models import Application, Score


async def test_applicant_submits_the_form(user: User, session, pw) -> None:
    call = pw["call"]
    await log_in(user, "a1")
    await user.open(f"/programs/calls/{call.id}")
    await user.should_see("填报申报书", retries=100)
    user.find(marker="a-unit").type("页面测试单位")
    user.find(marker="a-uscc").type(make_uscc(4242))
    user.find(marker="a-leader").type("李四")
    user.find(marker="a-leader-id").type("321000198001010022")
    user.find(marker="a-title").type("页面提交的肿瘤项目")
    user.find(marker="a-keywords").type("肿瘤；影像")
    user.find(marker="a-submit").click()
    await user.should_see("页面提交的肿瘤项目", retries=100)
    app = session.scalar(select(Application).where(Application.title == "页面提交的肿瘤项目"))
    assert app.state == "submitted" and app.applicant_user_id == pw["users"]["a1"].id
    assert app.keywords == ["肿瘤", "影像"] and app.direction == "HEALTH-NCD"


async def test_bureau_review_screen_passes_form_review(user: User, session, pw) -> None:
    app = svc.create_application(
        session, pw["p"]["a1"], pw["call"].id, __import__("progdata").app_data(make_uscc())
    )
    svc.transition(session, pw["p"]["a1"], app.id, "submit", "")
    session.flush()
    await log_in(user, "city")
    await user.open("/programs/review")
    await user.should_see(marker="r-apps", retries=100)
    user.find(marker="r-start_form_review").click()
    await user.should_see("已处理", retries=100)
    session.refresh(app)
    assert app.state == "form_review"
    user.find(marker="r-form_pass").click()
    await user.should_see(marker="r-apps", retries=100)
    session.refresh(app)  # the click's handler has run by now (the simulated user runs it inline)
    assert app.state == "expert_review"
    user.find(marker="r-assign").click()  # through the review engine
    await user.should_see("个评审任务", retries=100)


async def test_bureau_recuses_from_the_review_screen(user: User, session, pw) -> None:
    p, call, ex = pw["p"], pw["call"], pw["experts"]
    app = to_review(session, p, call, title="要回避的项目")
    a = assign(session, app.id, ex["e1"])
    session.flush()
    await log_in(user, "city")
    await user.open("/programs/review")
    await user.should_see(marker="r-recuse-task", retries=100)
    user.find(marker="r-recuse-task").elements.pop().value = a.id
    user.find(marker="r-recuse-reason").type("申报单位为其原工作单位")
    user.find(marker="r-recuse").click()
    await user.should_see("已回避", retries=100)
    session.refresh(a)
    assert a.state == "recused" and a.recusal_reason == "申报单位为其原工作单位"


async def test_expert_scores_only_his_task(user: User, session, pw) -> None:
    p, call, ex = pw["p"], pw["call"], pw["experts"]
    mine = to_review(session, p, call, title="分给我的项目")
    other = to_review(session, p, call, title="分给别人的项目")
    a = assign(session, mine.id, ex["e1"])
    assign(session, other.id, ex["e2"])
    session.flush()
    await log_in(user, "e1")
    await user.open("/programs/expert")
    await user.should_see("分给我的项目", retries=100)
    await user.should_not_see("分给别人的项目")
    user.find(marker="t-score").type("88")
    user.find(marker="t-submit").click()
    await user.should_see("已提交评分", retries=100)
    s = session.scalar(select(Score).where(Score.assignment_id == a.id))
    session.refresh(a)
    assert s.score == 88 and a.state == "scored"


async def test_pages_refuse_other_roles(user: User, session, pw) -> None:
    await log_in(user, "a1")
    await user.open("/programs/review")
    await user.should_see("无权访问此页面", retries=100)


async def test_challenge_owner_page(user: User, session, pw) -> None:
    svc.create_challenge(
        session,
        pw["p"]["o1"],
        {"code": "JB-P", "year": 2026, "owner_unit": "页面发榜单位", "title": "页面测试榜单", "need": "需求",
         "acceptance_criteria": "验收标准甲", "direction": "", "budget": 10},
    )  # fmt: skip
    session.flush()
    await log_in(user, "o1")
    await user.open("/programs/challenges")
    await user.should_see("页面测试榜单", retries=100)
    await user.should_see("验收标准：验收标准甲")
    await log_in(user, "city")
    await user.open("/programs/experts")
    await user.should_see(marker="experts", retries=100)
    assert SYSTEM.is_city_admin
