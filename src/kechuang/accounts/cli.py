"""`kechuang user …`: add and list users."""

from __future__ import annotations

import typer
from rich.table import Table

from kechuang.core.cli import cli_principal, console, fail
from kechuang.core.security import ROLES

app = typer.Typer(help="用户管理", no_args_is_help=True)


@app.command("add")
def user_add(
    username: str = typer.Argument(...),
    role: str = typer.Option(..., help="角色：" + "、".join(ROLES)),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="至少 8 位"
    ),
    zone: str | None = typer.Option(None, help="高新区管理员所属高新区（名称或代码）"),
    enterprise: str | None = typer.Option(None, help="企业用户所属企业的信用代码"),
    display_name: str = typer.Option("", help="显示名"),
) -> None:
    """新增用户（密码以 argon2 存储；操作记入审计日志）。"""
    from sqlalchemy import or_, select

    from kechuang.accounts.service import create_user
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.security import SecurityError
    from kechuang.registry.models import Enterprise, Zone

    with session_scope() as session:
        bind_principal(session, cli_principal(None))
        zone_id = enterprise_id = None
        if zone:
            zone_id = session.scalar(
                select(Zone.id).where(or_(Zone.name == zone, Zone.code == zone))
            )
            if zone_id is None:
                fail(f"未知的高新区：{zone}", 2)
        if enterprise:
            enterprise_id = session.scalar(
                select(Enterprise.id).where(Enterprise.uscc == enterprise.strip().upper())
            )
            if enterprise_id is None:
                fail(f"未登记的企业：{enterprise}", 2)
        try:
            create_user(
                session,
                username=username,
                password=password,
                role=role,
                display_name=display_name,
                zone_id=zone_id,
                enterprise_id=enterprise_id,
            )
        except SecurityError as exc:
            fail(str(exc), 2)
    console.print(f"[green]已创建用户 {username}（{ROLES[role].label}）[/green]")


@app.command("list")
def user_list() -> None:
    """列出用户。"""
    from sqlalchemy import select

    from kechuang.accounts.models import User
    from kechuang.core.db import session_scope

    table = Table("用户名", "显示名", "角色", "高新区", "企业", "启用")
    with session_scope() as session:
        for u in session.scalars(select(User).order_by(User.id)):
            table.add_row(
                u.username,
                u.display_name,
                ROLES[u.role].label if u.role in ROLES else u.role,
                str(u.zone_id or ""),
                str(u.enterprise_id or ""),
                "是" if u.active else "否",
            )
    console.print(table)
