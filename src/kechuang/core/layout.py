"""The web UI frame: login state, the principal of the browser session, navigation and page shell.

Domain pages call `frame(title)` and get the principal back (or None after redirecting to the
login page). Navigation entries are registered by the domains, each with the roles that see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from string import Formatter

from nicegui import Client, app, ui

from kechuang.core.db import session_scope
from kechuang.core.domain import (
    NAV,
    START_PAGES,
    help_topic_for_module,
    section_functions,
)
from kechuang.core.security import Principal, principal_source

APP_TITLE = "科创 · 科技创新规划管理平台"
FONT_CSS = """
<style>
body, .q-table, .q-field, .q-btn { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC",
  "Source Han Sans SC", "WenQuanYi Micro Hei", Roboto, sans-serif; }
.kc-card-value { font-size: 1.6rem; font-weight: 600; }
.kc-muted { color: #6b7280; font-size: 0.85rem; }
</style>
"""


SESSION_KEY = "session_token"  # the browser login's token, kept server-side in NiceGUI user storage
PASSWORD_PAGE = "/password"


def session_principal() -> Principal | None:
    """The principal of the logged-in browser session, or None (also once it is idle or ended)."""
    token = app.storage.user.get(SESSION_KEY)
    if not token:
        return None
    with session_scope() as session:
        # a session token like an API token: it ends when idle, at its absolute lifetime, when the
        # user is deactivated or re-roled, and at logout
        return principal_source().by_token(session, token)


def demo_label() -> bool:
    """True when the database holds demo data; cached per process after the first look."""
    global _DEMO
    if _DEMO is None:
        # domains that hold demo rows register a probe (session) -> bool at "demo_probe"
        with session_scope() as session:
            _DEMO = any(probe(session) for probe in section_functions("demo_probe"))
    return _DEMO


_DEMO: bool | None = None


def reset_demo_label() -> None:
    """Forget the cached demo flag (after imports, and between tests)."""
    global _DEMO
    _DEMO = None


@contextmanager
def frame(title: str, roles: tuple[str, ...] | None = None) -> Iterator[Principal | None]:
    """The page shell: header, navigation drawer and content column; yields the principal.

    Yields None (after redirecting) when nobody is logged in or the role may not open the page.
    """
    principal = session_principal()
    if principal is None:
        ui.navigate.to("/login")
        yield None
        return
    if principal.must_change_password:
        ui.navigate.to(PASSWORD_PAGE)  # a reset password is changed before anything else
        yield None
        return
    ui.add_head_html(FONT_CSS)
    ui.page_title(f"{title} - 科创")
    with ui.header().classes("items-center justify-between bg-blue-9 q-px-md"):
        with ui.row().classes("items-center gap-2"):
            ui.button(icon="menu", on_click=lambda: drawer.toggle()).props("flat round color=white")
            ui.label(APP_TITLE).classes("text-h6 text-white")
            if demo_label():
                ui.badge("演示数据", color="orange").props("outline").classes("text-white")
        with ui.row().classes("items-center gap-2 text-white"):
            ui.link("使用说明", help_link()).classes("text-white").mark("help-link")
            ui.label(f"{principal.display_name or principal.username}（{principal.role_label}）")
            ui.button("退出", icon="logout", on_click=logout).props("flat color=white")
    # open beside the page on wide screens; on a phone it starts closed (the menu button opens it)
    with ui.left_drawer(value=None).classes("bg-grey-1") as drawer:
        for item in NAV:
            if item.roles is None or principal.role in item.roles:
                with (
                    ui.link(target=item.path).classes("no-underline text-grey-9 w-full"),
                    ui.row().classes("items-center gap-2 q-py-sm q-px-sm"),
                ):
                    ui.icon(item.icon)
                    ui.label(item.label)
    if roles is not None and principal.role not in roles:
        ui.label("无权访问此页面").classes("text-h6 text-negative")
        yield None
        return
    with ui.column().classes("w-full q-pa-md gap-4"):
        ui.label(title).classes("text-h5").mark("page-title")
        yield principal


def help_link() -> str:
    """The 使用说明 of the open page's module (found from the page module that registered its
    route, so no page needs editing), else the help index."""
    route = getattr(getattr(ui.context.client, "page", None), "path", None)
    for func, path in list(Client.page_routes.items()):
        if path == route:
            topic = help_topic_for_module(func.__module__)
            if topic is not None:
                return f"/help/{topic.name}"
    return "/help"


def start_page(who: str | Principal) -> str:
    """Where a role (or a principal) lands: its own start page, else the first page it may open.

    A start page may name the principal's zone or enterprise ("/zones/{zone_id}"); a role alone,
    or a principal bound to none, falls through to the first page the role may open.
    """
    role = who if isinstance(who, str) else who.role
    target = START_PAGES.get(role)
    if target is not None:
        names = [name for _, name, _, _ in Formatter().parse(target) if name]
        values = {n: getattr(who, n, None) for n in names} if not isinstance(who, str) else {}
        if all(values.get(n) is not None for n in names):
            return target.format(**values)
    for item in NAV:
        if item.roles is None or role in item.roles:
            return item.path
    return "/"


def logout() -> None:
    """End the browser session (its token is revoked, not only forgotten)."""
    token = app.storage.user.get(SESSION_KEY)
    end = getattr(principal_source(), "end_session", None)
    if token and end is not None:
        with session_scope() as session:
            end(session, token)
    app.storage.user.clear()
    ui.navigate.to("/login")


def stat_card(label: str, value: str, note: str = "") -> None:
    """A figure card for dashboards."""
    with ui.card().classes("min-w-[200px]"):
        ui.label(label).classes("kc-muted")
        ui.label(value).classes("kc-card-value")
        if note:
            ui.label(note).classes("kc-muted")


def download_bytes(content: bytes, filename: str) -> None:
    """Send a file to the browser."""
    ui.download.content(content, filename)
