"""Portfolio pages through NiceGUI's user simulation: the bureau classifies, sees the flag and the
coverage heat map and confirms a 方向; an applicant records an outcome of its own funded project;
the review screen points at the flagged applications; other roles may not open the portfolio."""

from __future__ import annotations

import asyncio

from factories import make_uscc
from nicegui.testing import User
from progdata import app_data
from sqlalchemy import select
from web import log_in

from kechuang.core.security import SYSTEM
from kechuang.programs import portfolio as pf
from kechuang.programs import service as svc
from kechuang.programs.portfolio_models import Classification, Outcome


def _apps(session, pw):
    p, call = pw["p"], pw["call"]
    ok = svc.create_application(session, p["a1"], call.id, app_data(make_uscc(811)))
    wrong = svc.create_application(
        session,
        p["a1"],
        call.id,
        app_data(make_uscc(812), direction="CARBON-CLEAN-H2", title="胃癌化疗方案优化",
                 leader_id_no="321000198001010099"),
    )  # fmt: skip
    wrong.keywords = ["胃癌", "化疗", "肿瘤"]
    ok.granted = 60.0
    session.flush()
    return ok, wrong


async def test_bureau_classifies_and_confirms(user: User, session, pw) -> None:
    ok, wrong = _apps(session, pw)
    await log_in(user, "city")
    await user.open("/programs/portfolio")
    await user.should_see(marker="p-coverage", retries=100)
    user.find(marker="p-classify").click()
    await user.should_see("已分类 2 项", retries=100)
    await user.should_see(marker="p-heatmap", retries=100)
    row = session.scalar(select(Classification).where(Classification.application_id == wrong.id))
    assert row is not None and row.disagreement
    for _ in range(100):  # the refreshed section replaces the table once the handler is done
        codes = [[r["code"] for r in t.rows] for t in user.find(marker="p-flagged").elements]
        if codes == [[wrong.code]]:
            break
        await asyncio.sleep(0.05)
    assert codes == [[wrong.code]]  # listed among the flagged
    user.find(marker="p-app").elements.pop().value = wrong.id
    user.find(marker="p-direction").elements.pop().value = "HEALTH-NCD"
    user.find(marker="p-confirm").click()
    await user.should_see("已确认", retries=100)
    session.refresh(row)
    assert row.confirmed == "HEALTH-NCD"


async def test_review_screen_points_at_flags(user: User, session, pw) -> None:
    _, wrong = _apps(session, pw)
    pf.classify_applications(session, SYSTEM)
    session.flush()
    await log_in(user, "city")
    await user.open("/programs/review")
    await user.should_see(marker="r-disagree", retries=100)
    await user.should_see("到项目布局核对", retries=100)


async def test_applicant_records_an_outcome(user: User, session, pw) -> None:
    ok, _ = _apps(session, pw)
    await log_in(user, "a1")
    await user.open("/programs/outcomes")
    await user.should_see(marker="o-table", retries=100)
    user.find(marker="o-app").elements.pop().value = ok.id
    user.find(marker="o-kind").elements.pop().value = "patent"
    user.find(marker="o-qty").elements.pop().value = 2
    user.find(marker="o-add").click()
    await user.should_see("已登记", retries=100)
    o = session.scalar(select(Outcome).where(Outcome.application_id == ok.id))
    assert o is not None and o.quantity == 2.0 and o.unit == "件"


async def test_portfolio_is_refused_to_others(user: User, session, pw) -> None:
    await log_in(user, "e1")
    await user.open("/programs/portfolio")
    await user.should_see("无权访问此页面", retries=100)
