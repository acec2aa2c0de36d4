"""Account pages: login, users and the audit log (the last two for city admins)."""

from __future__ import annotations

import json

from nicegui import app, run, ui
from sqlalchemy import func, select

from kechuang.accounts.models import User
from kechuang.accounts.service import authenticate, create_user, principal_of
from kechuang.core import audit
from kechuang.core.audit import AuditLog, bind_principal
from kechuang.core.db import session_scope
from kechuang.core.excel import Column, write_sheets
from kechuang.core.layout import download_bytes, frame, start_page
from kechuang.core.security import ROLES, SecurityError


def _login(username: str, password: str) -> tuple[int, str] | None:
    with session_scope() as session:
        user = authenticate(session, username, password)
        if user is None:
            return None
        bind_principal(session, principal_of(user))
        audit.record(session, "login", "users", user.id, f"{user.username} 登录网页")
        return user.id, user.role


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
            found = await run.io_bound(_login, username.value, password.value)
            if found is None:
                message.set_text("用户名或密码错误")
                return
            app.storage.user["user_id"] = found[0]
            ui.navigate.to(start_page(found[1]))

        password.on("keydown.enter", submit)
        ui.button("登录", on_click=submit).classes("w-full").mark("login")


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
                password = ui.input("初始密码（至少8位）", password=True)
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


def _audit_page(entity: str | None, page: int, page_size: int) -> tuple[list[dict], int]:
    with session_scope() as session:
        stmt = select(AuditLog)
        if entity:
            stmt = stmt.where(AuditLog.entity == entity)
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = []
        for a in session.scalars(
            stmt.order_by(AuditLog.id.desc()).offset((page - 1) * page_size).limit(page_size)
        ):
            rows.append(
                {
                    "id": a.id,
                    "at": a.at.strftime("%Y-%m-%d %H:%M:%S"),
                    "username": a.username,
                    "action": audit.ACTION_LABELS.get(a.action, a.action),
                    "entity": audit.ENTITY_LABELS.get(a.entity, a.entity),
                    "entity_id": a.entity_id,
                    "summary": a.summary,
                    "change": _change_text(a.before, a.after),
                }
            )
        return rows, total


def _change_text(before: dict | None, after: dict | None) -> str:
    if before and after:
        return "；".join(f"{k}: {before.get(k)} → {after.get(k)}" for k in after)[:300]
    if after:
        return json.dumps(after, ensure_ascii=False, default=str)[:300]
    if before:
        return "删除前：" + json.dumps(before, ensure_ascii=False, default=str)[:300]
    return ""


@ui.page("/audit")
def audit_page() -> None:
    """The audit log, newest first, paged on the server."""
    with frame("审计日志", roles=("city_admin",)) as principal:
        if principal is None:
            return
        entity = ui.select(
            {"": "全部", **dict(sorted(audit.ENTITY_LABELS.items(), key=lambda kv: kv[1]))},
            label="对象",
            value="",
        ).classes("w-48")
        columns = [
            {"name": k, "label": v, "field": k, "align": "left"}
            for k, v in (
                ("at", "时间(UTC)"),
                ("username", "操作人"),
                ("action", "操作"),
                ("entity", "对象"),
                ("entity_id", "编号"),
                ("summary", "摘要"),
                ("change", "变更"),
            )
        ]
        rows, total = _audit_page(None, 1, 20)
        table = ui.table(
            columns=columns,
            rows=rows,
            row_key="id",
            pagination={"rowsPerPage": 20, "page": 1, "rowsNumber": total},
        ).classes("w-full")

        async def reload(e=None) -> None:
            pag = e.args["pagination"] if e is not None else {**table.pagination, "page": 1}
            new_rows, new_total = await run.io_bound(
                _audit_page, entity.value or None, pag["page"], pag["rowsPerPage"]
            )
            table.rows = new_rows
            table.pagination = {**pag, "rowsNumber": new_total}
            table.update()

        table.on("request", reload)
        entity.on_value_change(lambda: reload())

        async def export() -> None:
            content = await run.io_bound(_audit_export, entity.value or None)
            download_bytes(content, "审计日志.xlsx")

        ui.button("导出审计日志", icon="download", on_click=export)


AUDIT_COLUMNS = (
    Column("at", "时间(UTC)"),
    Column("username", "操作人"),
    Column("action", "操作"),
    Column("entity", "对象"),
    Column("entity_id", "编号"),
    Column("summary", "摘要"),
    Column("change", "变更"),
)


def _audit_export(entity: str | None) -> bytes:
    import polars as pl

    rows, _ = _audit_page(entity, 1, 100_000)
    frame = pl.DataFrame(rows, schema={c.code: pl.String for c in AUDIT_COLUMNS} | {"id": pl.Int64})
    return write_sheets([("审计日志", AUDIT_COLUMNS, frame)])
