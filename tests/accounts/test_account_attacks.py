"""Issue 11, first list, item 6, each attack as a test: throttling, unknown users, audit of failed
logins and refusals, session renewal, cookies, headers, the default key, the password policy and
account management (API, CLI, forced change after a reset)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner
from web import PASSWORD, login

from kechuang.accounts import service
from kechuang.accounts.models import ApiToken, User
from kechuang.accounts.service import create_user, issue_token, user_for_token
from kechuang.cli import app as cli
from kechuang.core.audit import AuditLog
from kechuang.core.config import get_settings
from kechuang.core.security import SecurityError

runner = CliRunner()


def _token(client, username: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def _actions(session, action: str) -> list[AuditLog]:
    return list(
        session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id))
    )


def test_forty_wrong_passwords_lock_the_account_and_the_right_one_is_refused(
    client, world, session
):
    for _ in range(40):
        r = _token(client, "city", "wrong-password")
        assert r.status_code == 401
    r = _token(client, "city")
    assert r.status_code == 401
    assert "锁定" in r.json()["detail"] and "15 分钟" in r.json()["detail"]
    assert _actions(session, "lockout"), "the lockout is audited"
    # once the lock has passed, the right password works again
    from kechuang.accounts.models import LoginFailure

    session.execute(update(LoginFailure).values(at=LoginFailure.at - timedelta(minutes=16)))
    assert _token(client, "city").status_code == 200


def test_failures_from_one_address_lock_it_for_every_account(client, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_max_failures_per_address", 6)
    for i in range(6):  # a different account each time: no account reaches its own limit
        assert _token(client, f"guess{i}", "whatever-123").status_code == 401
    r = _token(client, "zone_yz")
    assert r.status_code == 401 and "锁定" in r.json()["detail"]


def _token_from(client, address, username, password):
    return client.post(
        "/api/v1/auth/token",
        data={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )


def test_behind_a_trusted_proxy_each_caller_is_throttled_on_its_own(client, world, monkeypatch):
    """Behind a reverse proxy every caller has the proxy's address: one guesser would lock the
    whole bureau out. With the proxy trusted, the forwarded address is counted instead."""
    monkeypatch.setattr(get_settings(), "login_max_failures_per_address", 6)
    monkeypatch.setattr(get_settings(), "trusted_proxies", "10.9.9.9, testclient")
    for i in range(6):
        assert _token_from(client, "203.0.113.7", f"guess{i}", "whatever-123").status_code == 401
    r = _token_from(client, "203.0.113.7", "zone_yz", PASSWORD)
    assert r.status_code == 401 and "锁定" in r.json()["detail"]
    # another caller behind the same proxy logs in; a forged left-most entry does not help the
    # guesser (the right-most untrusted hop counts)
    assert _token_from(client, "198.51.100.2", "zone_yz", PASSWORD).status_code == 200
    r = _token_from(client, "198.51.100.2, 203.0.113.7", "city", PASSWORD)
    assert r.status_code == 401 and "锁定" in r.json()["detail"]


def test_forwarded_addresses_are_ignored_from_untrusted_peers(client, world, monkeypatch):
    """Without a trusted proxy a caller cannot escape throttling by inventing addresses."""
    monkeypatch.setattr(get_settings(), "login_max_failures_per_address", 6)
    for i in range(6):
        assert _token_from(client, f"192.0.2.{i}", f"guess{i}", "whatever-123").status_code == 401
    r = _token_from(client, "192.0.2.99", "zone_yz", PASSWORD)
    assert r.status_code == 401 and "锁定" in r.json()["detail"]


def test_unknown_usernames_verify_a_dummy_hash(client, world, monkeypatch):
    """Same work for unknown and known names: argon2 runs once either way, on the dummy hash."""
    seen = []
    real = service.verify_password

    def spy(password_hash, password):
        seen.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(service, "verify_password", spy)
    r_unknown = _token(client, "nobody-at-all", "wrong-password")
    r_known = _token(client, "city", "wrong-password")
    assert seen[0] == service._DUMMY_HASH and len(seen) == 2 and seen[1] != seen[0]
    assert r_unknown.status_code == r_known.status_code == 401
    assert r_unknown.json() == r_known.json() == {"detail": "用户名或密码错误"}


def test_failed_logins_are_audited(client, world, session):
    _token(client, "city", "wrong-password")
    _token(client, "ghost", "wrong-password")
    failed = _actions(session, "login_failed")
    assert {a.username for a in failed} == {"city", "ghost"}
    assert all("登录失败" in a.summary for a in failed)
    listed = client.get("/api/v1/audit?action=login_failed", headers=login(client, "city")).json()
    assert listed["total"] == 2 and listed["items"][0]["action_label"] == "登录失败"


def test_denied_requests_are_audited_but_unknown_routes_are_not(client, world, session):
    h = login(client, "zone_yz")
    other = world["b"]  # 江都: outside 扬州高新区
    assert client.get(f"/api/v1/enterprises/{other.id}", headers=h).status_code == 404
    assert client.get("/api/v1/users", headers=h).status_code == 403
    assert client.get("/api/v1/no-such-route", headers=h).status_code == 404
    denied = _actions(session, "denied")
    assert [a.username for a in denied] == ["zone_yz", "zone_yz"]
    assert f"/api/v1/enterprises/{other.id}" in denied[0].summary
    assert denied[1].entity_id == "403"


def test_a_login_issues_a_new_token_each_time(client, world):
    first = _token(client, "city").json()["access_token"]
    second = _token(client, "city").json()["access_token"]
    assert first != second


def test_idle_and_absolute_session_limits(session, world, monkeypatch):
    user = session.scalar(select(User).where(User.username == "city"))
    token, _ = issue_token(session, user, kind="web")
    assert user_for_token(session, token) is not None
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    row.last_used_at = row.last_used_at - timedelta(minutes=31)
    session.flush()
    assert user_for_token(session, token) is None  # idle longer than 30 minutes
    monkeypatch.setattr(get_settings(), "session_idle_minutes", 60 * 24)
    assert user_for_token(session, token) is not None
    row.expires_at = row.expires_at - timedelta(hours=13)
    session.flush()
    assert user_for_token(session, token) is None  # past the absolute lifetime


def test_session_cookie_flags(monkeypatch):
    from kechuang.ui_app import session_cookie_options

    monkeypatch.setenv("KECHUANG_SECURE_COOKIES", "1")
    monkeypatch.setenv("KECHUANG_SESSION_MAX_HOURS", "8")
    get_settings.cache_clear()
    try:
        options = session_cookie_options()
    finally:
        get_settings.cache_clear()
    assert options == {"max_age": 8 * 3600, "same_site": "lax", "https_only": True}
    # and Starlette's cookie then says so (HttpOnly is always set by SessionMiddleware)
    from starlette.applications import Starlette
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    def hit(request):
        request.session["id"] = "x"
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/", hit)])
    app.add_middleware(SessionMiddleware, secret_key="k", **options)
    cookie = TestClient(app, base_url="https://testserver").get("/").headers["set-cookie"]
    assert "secure" in cookie.lower() and "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower() and "Max-Age=28800" in cookie


def test_security_headers_on_api_and_pages(client):
    for url in ("/api/v1/health", "/api/openapi.json", "/api/v1/me"):
        h = client.get(url).headers
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "same-origin"
        csp = h["content-security-policy"]
        assert "default-src 'self'" in csp and "http" not in csp and "frame-ancestors 'none'" in csp


def test_serve_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.delenv("KECHUANG_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("served with the default key"))
    try:
        result = runner.invoke(cli, ["serve", "--port", "1"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1 and "KECHUANG_SECRET_KEY" in result.output


@pytest.mark.parametrize(
    "password", ["12345678", "1234567890", "kechuang2026", "Qwerty123456", "password123"]
)
@pytest.mark.parametrize("role", ["city_admin", "zone_admin", "enterprise_user"])
def test_common_passwords_are_refused_for_every_role(session, world, role, password):
    binding = {"zone_id": world["city"]["yzhtz"].id, "enterprise_id": world["a"].id}
    with pytest.raises(SecurityError, match="至少 10 位|过于常见"):
        create_user(session, username=f"u_{role}", password=password, role=role, **binding)


def test_password_equal_to_the_username_is_refused(session, world):
    with pytest.raises(SecurityError, match="不能与用户名相同"):
        create_user(session, username="wangxiaoming", password="WangXiaoMing", role="city_admin")


def test_api_refuses_12345678_for_a_city_admin(client, world):
    r = client.post(
        "/api/v1/users",
        headers=login(client, "city"),
        json={"username": "weak", "password": "12345678", "role": "city_admin"},
    )
    assert r.status_code == 400 and "至少 10 位" in r.json()["detail"]


def test_deactivate_re_role_reset_and_change_own_password_via_api(client, world, session):
    admin = login(client, "city")
    victim = session.scalar(select(User).where(User.username == "zone_yz"))
    own = login(client, "zone_yz")
    # deactivate: the token stops working at once, and logging in is refused
    r = client.patch(f"/api/v1/users/{victim.id}", headers=admin, json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/v1/me", headers=own).status_code == 401
    assert _token(client, "zone_yz").status_code == 401
    # reactivate and re-role to a zone admin of 江都
    jiangdu = world["city"]["jiangdu"].id
    r = client.patch(
        f"/api/v1/users/{victim.id}", headers=admin, json={"active": True, "zone_id": jiangdu}
    )
    assert r.status_code == 200 and r.json()["zone_id"] == jiangdu
    assert client.get("/api/v1/me", headers=login(client, "zone_yz")).json()["zone_id"] == jiangdu
    r = client.patch(f"/api/v1/users/{victim.id}", headers=admin, json={"role": "wizard"})
    assert r.status_code == 400 and "未知角色" in r.json()["detail"]
    # a zone admin may not manage users
    assert (
        client.patch(
            f"/api/v1/users/{victim.id}", headers=login(client, "zone_yz"), json={"active": False}
        ).status_code
        == 403
    )
    # reset: the one-time password works only for changing the password
    temporary = client.post(f"/api/v1/users/{victim.id}/reset-password", headers=admin).json()[
        "temporary_password"
    ]
    assert _token(client, "zone_yz").status_code == 401  # the old password is gone
    r = _token(client, "zone_yz", temporary)
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/v1/enterprises", headers=h).status_code == 403
    assert "修改密码" in client.get("/api/v1/enterprises", headers=h).json()["detail"]
    assert client.get("/api/v1/me", headers=h).json()["must_change_password"] is True
    r = client.post(
        "/api/v1/me/password",
        headers=h,
        json={"old_password": temporary, "new_password": "12345678"},
    )
    assert r.status_code == 400 and "至少 10 位" in r.json()["detail"]
    r = client.post(
        "/api/v1/me/password",
        headers=h,
        json={"old_password": temporary, "new_password": "江都-新密码-2026"},
    )
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/enterprises", headers=h).status_code == 200
    # change own password again, with a wrong old password first
    r = client.post(
        "/api/v1/me/password", headers=h, json={"old_password": "nope", "new_password": "x" * 12}
    )
    assert r.status_code == 400 and r.json()["detail"] == "原密码不正确"
    assert _token(client, "zone_yz", "江都-新密码-2026").status_code == 200
    actions = {
        a.action for a in session.scalars(select(AuditLog).where(AuditLog.entity == "users"))
    }
    assert {"update", "reset_password", "change_password", "login"} <= actions


def test_an_admin_cannot_deactivate_herself(client, world, session):
    me = session.scalar(select(User).where(User.username == "city"))
    r = client.patch(
        f"/api/v1/users/{me.id}", headers=login(client, "city"), json={"active": False}
    )
    assert r.status_code == 400 and "不能停用自己" in r.json()["detail"]


def test_user_management_from_the_cli(client, world, session):
    assert runner.invoke(cli, ["user", "deactivate", "ent_b"]).exit_code == 0
    assert _token(client, "ent_b").status_code == 401
    assert runner.invoke(cli, ["user", "activate", "ent_b"]).exit_code == 0
    assert _token(client, "ent_b").status_code == 200
    result = runner.invoke(
        cli, ["user", "set-role", "ent_b", "--role", "zone_admin", "--zone", "江都高新区"]
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "ent_b"))
    assert (user.role, user.zone_id, user.enterprise_id) == (
        "zone_admin",
        world["city"]["jiangdu"].id,
        None,
    )
    result = runner.invoke(cli, ["user", "reset-password", "ent_b"])
    assert result.exit_code == 0
    temporary = result.output.split("一次性密码：")[1].split()[0]
    r = _token(client, "ent_b", temporary)
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    result = runner.invoke(cli, ["user", "passwd", "ent_b", "--password", "12345678"])
    assert result.exit_code == 2 and "至少 10 位" in result.output
    result = runner.invoke(cli, ["user", "passwd", "ent_b", "--password", "a-much-better-one"])
    assert result.exit_code == 0
    assert _token(client, "ent_b", "a-much-better-one").json()["must_change_password"] is False
    result = runner.invoke(cli, ["user", "deactivate", "nobody"])
    assert result.exit_code == 2 and "用户不存在" in result.output


def test_rejected_imports_are_audited(client, world, session):
    from sheets import xlsx

    bad = xlsx(["统一社会信用代码", "年度", "营业收入(万元)"], [[world["a"].uscc, 2024, "很多"]])
    r = client.post(
        "/api/v1/imports",
        headers=login(client, "city"),
        data={"kind": "enterprise_years"},
        files={"file": ("bad.xlsx", bad)},
    )
    assert r.status_code == 202
    rejected = _actions(session, "rejected")
    assert len(rejected) == 1 and "bad.xlsx" in rejected[0].summary
    assert rejected[0].entity == "jobs" and rejected[0].username == "city"


def test_audit_filters_and_local_time(client, world, session):
    from datetime import UTC, datetime

    from kechuang.core import audit

    session.add(
        AuditLog(
            at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC),  # 2026-03-02 01:30 in Shanghai
            username="someone",
            action="export",
            entity="enterprises",
            entity_id="7",
            summary="x",
        )
    )
    session.flush()
    h = login(client, "city")
    q = "/api/v1/audit?username=someone&action=export&entity=enterprises&entity_id=7"
    items = client.get(q + "&date_from=2026-03-02&date_to=2026-03-02", headers=h).json()["items"]
    assert len(items) == 1 and items[0]["at"].startswith("2026-03-02T01:30:00+08:00")
    assert client.get(q + "&date_to=2026-03-01", headers=h).json()["total"] == 0
    r = client.get("/api/v1/audit?date_from=2026-13-01", headers=h)
    assert r.status_code == 422 and "date_from" in r.json()["detail"]
    assert audit.ACTION_LABELS["login_failed"] == "登录失败"
