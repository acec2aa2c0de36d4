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
