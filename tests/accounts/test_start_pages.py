"""Each role lands on the page that is its job, after login and when it opens / (issue 16)."""

from __future__ import annotations

import pytest
from factories import make_principal
from nicegui import ui
from nicegui.testing import User
from web import log_in

from kechuang.core.layout import start_page
from kechuang.core.security import Principal
from kechuang.domains import install


async def title(user: User) -> str:
    """The title of the page the simulated browser shows (once a redirect has landed)."""
    await user.should_see(marker="page-title", retries=100)
    return user.find(marker="page-title").elements.pop().text


async def test_enterprise_user_lands_on_its_own_enterprise(user: User, world) -> None:
    await log_in(user, "ent_b")
    assert await title(user) == "企业详情"
    await user.should_see("乙江都智能有限公司", retries=100)
    await user.should_not_see("2024年 企业数")  # not the city dashboard cut down to "1 家"
    await user.open("/")
    await user.should_see("乙江都智能有限公司", retries=100)
    assert await title(user) == "企业详情"


async def test_zone_admin_lands_on_her_zone(user: User, world) -> None:
    await log_in(user, "zone_yz")
    assert await title(user) == "高新区详情"
    await user.should_see("扬州高新区（", retries=100)
    await user.open("/")
    assert await title(user) == "高新区详情"
    await user.should_see("扬州高新区（", retries=100)


async def test_bureau_lands_on_the_city_dashboard(user: User, world) -> None:
    await log_in(user, "city")
    assert await title(user) == "首页"
    await user.should_see("2024年 企业数", retries=100)
    names = {r["zone"] for r in user.find(ui.table).elements.pop().rows}
    assert {"扬州高新区", "江都高新区"} <= names


async def test_bank_officer_lands_on_its_consented_list(user: User, world, session) -> None:
    make_principal(session, "bank_viewer", username="bank_s")
    await log_in(user, "bank_s")
    assert await title(user) == "积分贷银行名单"
    await user.open("/")
    assert await title(user) == "积分贷银行名单"


@pytest.mark.parametrize(
    ("principal", "page"),
    [
        (Principal(1, "e", "enterprise_user", enterprise_id=42), "/enterprises/42"),
        (Principal(1, "z", "zone_admin", zone_id=7), "/zones/7"),
        (Principal(1, "c", "city_admin"), "/"),
        (Principal(1, "b", "bank_viewer"), "/points/bank"),
        (Principal(1, "k", "commissioner", commissioner_id=3), "/commissioners/me"),
        # bound to nothing: the first page the role may open, never "/enterprises/None"
        (Principal(1, "e", "enterprise_user"), "/"),
    ],
)
def test_start_page_per_principal(principal: Principal, page: str) -> None:
    install()
    assert start_page(principal) == page


def test_a_role_alone_never_gets_an_unfilled_page() -> None:
    install()
    assert start_page("zone_admin") == "/"
    assert start_page("bank_viewer") == "/points/bank"
