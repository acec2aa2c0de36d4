"""Account pages: a reset password forces the change-password page before anything else; lockout."""

from __future__ import annotations

from nicegui.testing import User
from sqlalchemy import select

from kechuang.accounts.models import User as Account
from kechuang.accounts.service import reset_password


async def test_reset_password_forces_the_change_page_first(user: User, world, session) -> None:
    account = session.scalar(select(Account).where(Account.username == "zone_yz"))
    temporary = reset_password(session, account)
    session.flush()
    await user.open("/login")
    user.find("用户名").type("zone_yz")
    user.find("密码").type(temporary)
    user.find(marker="login").click()
    await user.should_see("密码已被管理员重置，请先设置新密码", retries=100)
    await user.open("/enterprises")  # any other page sends her back
    await user.should_see("密码已被管理员重置，请先设置新密码", retries=100)
    user.find(marker="old-password").type(temporary)
    user.find(marker="new-password").type("12345678")
    user.find(marker="new-again").type("12345678")
    user.find(marker="change-password").click()
    await user.should_see("密码至少 10 位", retries=100)
    user.find(marker="new-password").clear().type("扬州-新的密码-2026")
    user.find(marker="new-again").clear().type("扬州-新的密码-2026")
    user.find(marker="change-password").click()
    await user.should_not_see("密码已被管理员重置", retries=100)  # on her start page now
    await user.open("/enterprises")
    await user.should_see("企业", retries=100)
    await user.should_not_see("密码已被管理员重置", retries=5)


async def test_login_form_says_when_the_account_is_locked(user: User, world, session) -> None:
    from kechuang.accounts.service import attempt_login

    for _ in range(5):
        assert attempt_login(session, "city", "wrong-password").user is None
    session.flush()
    await user.open("/login")
    user.find("用户名").type("city")
    user.find("密码").type("Yz-kc-test-2026")  # the right one
    user.find(marker="login").click()
    await user.should_see("登录失败次数过多，已暂时锁定，请 15 分钟后再试", retries=100)


async def test_login_gives_the_browser_a_new_session_cookie(create_user, world) -> None:
    """Session fixation: an attacker plants his browser id on the victim before she logs in. The
    login ends on a new id, so the planted one opens nothing."""
    from web import log_in

    victim = create_user()
    await victim.open("/login")
    planted = dict(victim.http_client.cookies)
    assert planted, "the login page sets a session cookie"
    attacker = create_user()
    attacker.http_client.cookies.update(planted)
    await log_in(victim, "city")
    assert dict(victim.http_client.cookies) != planted  # renewed at login
    await victim.open("/enterprises")
    await victim.should_see("city（市科技局管理员）", retries=100)
    await attacker.open("/enterprises")
    await attacker.should_see("请登录", retries=100)  # sent to the login form
    await attacker.should_not_see("city（市科技局管理员）")


async def test_a_login_ticket_is_single_use_and_bound_to_its_browser(create_user, world) -> None:
    from kechuang.accounts import pages

    victim = create_user()
    await victim.open("/login")
    ticket = pages._issue_ticket("not-a-real-token", "/", "another-browser-id")
    await victim.open(f"/login/complete?ticket={ticket}")  # issued to another browser
    await victim.should_see("请登录", retries=100)
    await victim.open("/login/complete?ticket=forged")
    await victim.should_see("请登录", retries=100)
