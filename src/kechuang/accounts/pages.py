"""Account pages: login, users and the audit log (the last two for city admins)."""

from __future__ import annotations

import secrets
import time
import uuid

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, run, ui
from sqlalchemy import select

from kechuang.accounts.audit_log import AUDIT_SORTS, audit_export, audit_rows
from kechuang.accounts.models import User
from kechuang.accounts.service import (
    attempt_login,
    change_password,
    create_user,
    get_user,
    issue_token,
    principal_of,
    reset_password,
    revoke_token,
    update_user,
)
from kechuang.core import audit
from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.layout import (
    PASSWORD_PAGE,
    SESSION_KEY,
    download_bytes,
    frame,
    logout,
    session_principal,
    start_page,
)
from kechuang.core.security import ROLES, Principal, SecurityError
from kechuang.core.tables import ServerTable, sortable_columns
from kechuang.core.web import client_address


def _login(
    username: str, password: str, address: str, previous: str | None
) -> tuple[str, Principal, bool] | str:
    """(session token, principal, must change password) on success, else the message to show."""
    with session_scope() as session:
        if previous:
            revoke_token(session, previous)  # a login always starts a new session
        outcome = attempt_login(session, username, password, address)
        user = outcome.user
        if user is None:
            return outcome.message
        token, _ = issue_token(session, user, kind="web")
        audit.record(session, "login", "users", user.id, f"{user.username} 登录网页")
        return token, principal_of(user), user.must_change_password


def _client_address() -> str:
    try:
        return client_address(ui.context.client.request)
    except (AttributeError, RuntimeError):
        return ""


# A login ends over plain HTTP (/login/complete) so that the browser gets a new session cookie:
# a browser id someone planted before the login (session fixation) then holds nothing.
# ticket → (session token, page to open, browser id it was issued to, expiry)
_TICKETS: dict[str, tuple[str, str, str, float]] = {}
TICKET_SECONDS = 60


def _issue_ticket(token: str, target: str, browser_id: str) -> str:
    """A single-use ticket that completes the login in the browser that asked for it."""
    now = time.monotonic()
    for key in [k for k, v in _TICKETS.items() if v[3] < now]:
        del _TICKETS[key]
    ticket = secrets.token_urlsafe(32)
    _TICKETS[ticket] = (token, target, browser_id, now + TICKET_SECONDS)
    return ticket


@app.get("/login/complete", include_in_schema=False)
async def complete_login(request: Request, ticket: str = "") -> RedirectResponse:
    """Move the new session to a fresh browser id and empty the old one's storage."""
    entry = _TICKETS.pop(ticket, None)
    old = request.session.get("id", "")
    if entry is None or entry[3] < time.monotonic() or entry[2] != old:
        return RedirectResponse("/login", status_code=303)
    token, target = entry[0], entry[1]
    users = app.storage._users  # NiceGUI keeps user storage per browser id (no public API)
    if old in users:
        users[old].clear()
    new = str(uuid.uuid4())
    request.session["id"] = new  # the session middleware sends the new signed cookie
    await app.storage._create_user_storage(new)
    users[new][SESSION_KEY] = token
    return RedirectResponse(target, status_code=303)


@ui.page("/login")
def login_page() -> None:
    """Username and password form."""
    ui.page_title("登录 - 科创")
    with ui.card().classes("absolute-center w-96"):
        ui.label("科创 · 科技创新规划管理平台").classes("text-h6")
        ui.label("请登录").classes("text-grey-7")
        username = ui.input("用户名").classes("w-full").props("autofocus")
        password = ui.input("密码", password=True, password_toggle_button=True).classes("w-full")
        message = ui.label("").classes("text-negative")

        async def submit() -> None:
            if not username.value or not password.value:
                message.set_text("请输入用户名和密码")
                return
            found = await run.io_bound(
                _login,
                username.value,
                password.value,
                address,
                app.storage.user.get(SESSION_KEY),
            )
            if isinstance(found, str):
                message.set_text(found)
                return
            app.storage.user.clear()
            target = PASSWORD_PAGE if found[2] else start_page(found[1])
            ticket = _issue_ticket(found[0], target, browser_id)
            ui.navigate.to(f"/login/complete?ticket={ticket}")

        address = _client_address()  # read while the page's request is at hand
        browser_id = app.storage.browser.get("id", "")

        password.on("keydown.enter", submit)
        ui.button("登录", on_click=submit).classes("w-full").mark("login")


def _change_own(user_id: int, old: str, new: str) -> str | None:
    with session_scope() as session:
        user = get_user(session, user_id)
        from kechuang.accounts.service import principal_of

        bind_principal(session, principal_of(user))
        try:
            change_password(session, user, old, new)
        except SecurityError as exc:
            return str(exc)
        return None


@ui.page(PASSWORD_PAGE)
def password_page() -> None:
    """Change one's own password; after a reset, the only page a user can open."""
    principal = session_principal()
    if principal is None:
        ui.navigate.to("/login")
        return
    ui.page_title("修改密码 - 科创")
    with ui.card().classes("absolute-center w-96"):
        ui.label("修改密码").classes("text-h6").mark("page-title")
        if principal.must_change_password:
            ui.label("密码已被管理员重置，请先设置新密码").classes("text-warning")
        ui.label("至少 10 位，不能是常见密码，不能与用户名相同").classes("text-grey-7")
        old = ui.input("原密码", password=True).classes("w-full").mark("old-password")
        new = ui.input("新密码", password=True).classes("w-full").mark("new-password")
        again = ui.input("再次输入新密码", password=True).classes("w-full").mark("new-again")
        message = ui.label("").classes("text-negative")

        async def submit() -> None:
            if new.value != again.value:
                message.set_text("两次输入的新密码不一致")
                return
            error = await run.io_bound(
                _change_own, principal.user_id, old.value or "", new.value or ""
            )
            if error:
                message.set_text(error)
                return
            ui.notify("密码已修改", type="positive")
            ui.navigate.to(start_page(principal))

        with ui.row().classes("w-full justify-between"):
            ui.button("修改密码", on_click=submit).mark("change-password")
            ui.button("退出", icon="logout", on_click=logout).props("flat")


def _users() -> list[dict]:
    with session_scope() as session:
        from kechuang.registry.models import Enterprise, Zone

        zones = dict(session.execute(select(Zone.id, Zone.name)).all())
        rows = []
        for u in session.scalars(select(User).order_by(User.id)):
            ent = session.get(Enterprise, u.enterprise_id) if u.enterprise_id else None
            rows.append(
                {
                    "id": u.id,
                    "username": u.username,
                    "display_name": u.display_name,
                    "role": ROLES[u.role].label if u.role in ROLES else u.role,
                    "zone": zones.get(u.zone_id, ""),
                    "enterprise": ent.name if ent else "",
                    "active": "是" if u.active else "否",
                }
            )
        return rows


@ui.page("/users")
def users_page() -> None:
    """City admins list and add users."""
    with frame("用户管理", roles=("city_admin",)) as principal:
        if principal is None:
            return
        columns = [
            {"name": k, "label": v, "field": k, "align": "left"}
            for k, v in (
                ("username", "用户名"),
                ("display_name", "显示名"),
                ("role", "角色"),
                ("zone", "高新区"),
                ("enterprise", "企业"),
                ("active", "启用"),
            )
        ]
        table = ui.table(columns=columns, rows=_users(), row_key="id").classes("w-full")
        with session_scope() as session:
            from kechuang.registry.models import Zone

            zone_options = dict(session.execute(select(Zone.id, Zone.name)).all())
        with ui.card().classes("w-full"):
            ui.label("新增用户").classes("text-subtitle1")
            with ui.row().classes("items-end"):
                username = ui.input("用户名")
                display = ui.input("显示名")
                password = ui.input("初始密码（至少10位）", password=True)
                role = ui.select(
                    {k: r.label for k, r in ROLES.items()}, label="角色", value="zone_admin"
                ).classes("w-40")
                zone = ui.select(zone_options, label="高新区（高新区管理员）").classes("w-48")
                uscc = ui.input("企业信用代码（企业用户）")
            message = ui.label("")

            def add() -> None:
                from kechuang.registry.models import Enterprise

                try:
                    with session_scope() as session:
                        bind_principal(session, principal)
                        ent_id = None
                        if uscc.value:
                            ent_id = session.scalar(
                                select(Enterprise.id).where(
                                    Enterprise.uscc == uscc.value.strip().upper()
                                )
                            )
                            if ent_id is None:
                                raise SecurityError(f"未登记的企业信用代码：{uscc.value}")
                        create_user(
                            session,
                            username=username.value or "",
                            password=password.value or "",
                            role=role.value,
                            display_name=display.value or "",
                            zone_id=zone.value,
                            enterprise_id=ent_id,
                        )
                except SecurityError as exc:
                    message.set_text(str(exc))
                    message.classes(replace="text-negative")
                    return
                message.set_text(f"已创建用户 {username.value}")
                message.classes(replace="text-positive")
                table.rows = _users()
                table.update()

            ui.button("创建", icon="person_add", on_click=add)
        _manage_card(principal, table, zone_options)


def _manage(principal, user_id: int, what: str, role: str | None, zone_id: int | None) -> str:
    """Apply one management action; returns the Chinese outcome (or raises SecurityError)."""
    with session_scope() as session:
        bind_principal(session, principal)
        user = get_user(session, user_id)
        if what == "deactivate":
            update_user(session, user, active=False, acting=principal)
            return f"已停用 {user.username}（其会话与令牌已失效）"
        if what == "activate":
            update_user(session, user, active=True, acting=principal)
            return f"已启用 {user.username}"
        if what == "role":
            update_user(session, user, role=role, zone_id=zone_id, acting=principal)
            return f"已修改 {user.username} 的角色与范围（需重新登录）"
        temporary = reset_password(session, user)
        return f"{user.username} 的一次性密码：{temporary}（只显示这一次，首次登录后须修改）"


def _manage_card(principal, table, zone_options: dict) -> None:
    with ui.card().classes("w-full"):
        ui.label("管理用户").classes("text-subtitle1")
        with ui.row().classes("items-end"):
            who = ui.select(
                {r["id"]: r["username"] for r in _users()}, label="用户", with_input=True
            ).classes("w-48")
            role = ui.select({k: r.label for k, r in ROLES.items()}, label="新角色").classes("w-40")
            zone = ui.select(zone_options, label="高新区（高新区管理员）").classes("w-48")
        message = ui.label("").mark("manage-message")

        def act(what: str) -> None:
            if who.value is None:
                message.set_text("请先选择用户")
                message.classes(replace="text-negative")
                return
            try:
                text = _manage(principal, who.value, what, role.value, zone.value)
            except (SecurityError, ValueError) as exc:
                message.set_text(str(exc))
                message.classes(replace="text-negative")
                return
            message.set_text(text)
            message.classes(replace="text-positive")
            table.rows = _users()
            table.update()

        with ui.row():
            ui.button("停用", icon="block", on_click=lambda: act("deactivate"))
            ui.button("启用", icon="check_circle", on_click=lambda: act("activate"))
            ui.button("修改角色与范围", icon="badge", on_click=lambda: act("role"))
            ui.button("重置密码", icon="key", on_click=lambda: act("reset")).mark("reset-password")


def _parse_day(text: str | None):
    from datetime import date

    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise SecurityError(f"日期格式有误：{text}（应为 2026-01-31）") from exc


@ui.page("/audit")
async def audit_page() -> None:
    """The audit log, newest first, paged on the server."""
    with frame("审计日志", roles=("city_admin",)) as principal:
        if principal is None:
            return
        with ui.row().classes("items-end"):
            entity = ui.select(
                {"": "全部", **dict(sorted(audit.ENTITY_LABELS.items(), key=lambda kv: kv[1]))},
                label="对象",
                value="",
            ).classes("w-40")
            action = ui.select({"": "全部", **audit.ACTION_LABELS}, label="操作", value="").classes(
                "w-40"
            )
            username = ui.input("操作人").classes("w-32")
            entity_id = ui.input("对象编号").classes("w-28")
            date_from = ui.input("起始日期（如 2026-01-01）").classes("w-44")
            date_to = ui.input("截止日期").classes("w-36")
        problem = ui.label("").classes("text-negative")

        def filters() -> dict:
            return {
                "entity": entity.value or None,
                "action": action.value or None,
                "username": (username.value or "").strip() or None,
                "entity_id": (entity_id.value or "").strip() or None,
                "date_from": _parse_day(date_from.value),
                "date_to": _parse_day(date_to.value),
            }

        columns = sortable_columns(
            (
                ("at", "时间(北京时间)"),
                ("username", "操作人"),
                ("action", "操作"),
                ("entity", "对象"),
                ("entity_id", "编号"),
                ("summary", "摘要"),
                ("change", "变更"),
            ),
            sortable=tuple(AUDIT_SORTS),
        )
        for column in columns:
            # 变更 shows stored values as they were stored (codes included): it is the record
            column["verbatim"] = column["name"] == "change"
        chosen: dict = {}  # the filters of the shown list (checked before they are used)
        listing = ServerTable(
            columns,
            lambda r: audit_rows(chosen, r.clamped_page, r.limit, r.sort, r.descending),
            sort="at",
            descending=True,
        )

        async def reload() -> None:
            try:
                picked = filters()
            except SecurityError as exc:
                problem.set_text(str(exc))
                return
            problem.set_text("")
            chosen.clear()
            chosen.update(picked)
            await listing.reload()

        for control in (entity, action):
            control.on_value_change(lambda: reload())
        for control in (username, entity_id, date_from, date_to):
            control.on("keydown.enter", lambda: reload())
        ui.button("筛选", icon="filter_alt", on_click=lambda: reload()).mark("audit-filter")

        async def export() -> None:
            try:
                chosen = filters()
            except SecurityError as exc:
                problem.set_text(str(exc))
                return
            content = await run.io_bound(audit_export, chosen)
            download_bytes(content, "审计日志.xlsx")

        ui.button("导出审计日志", icon="download", on_click=export)
        await listing.reload()
