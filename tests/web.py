"""Logging in from tests: bearer headers for the API, the login form for pages."""

from __future__ import annotations

from nicegui.testing import User

PASSWORD = "Yz-kc-test-2026"  # every user of the `world` fixtures has it


def login(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Bearer headers for the user (asserts the login works)."""
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def log_in(user: User, username: str, password: str = PASSWORD) -> None:
    """Fill in the login form, submit it and wait for the landing page."""
    await user.open("/login")
    user.find("用户名").type(username)
    user.find("密码").type(password)
    user.find(marker="login").click()
    await user.should_see(marker="page-title", retries=100)
