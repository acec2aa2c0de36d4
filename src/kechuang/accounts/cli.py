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
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="至少 10 位，不能是常见密码",
    ),
    zone: str | None = typer.Option(None, help="高新区管理员所属高新区（名称或代码）"),
    enterprise: str | None = typer.Option(None, help="企业用户所属企业的信用代码"),
    display_name: str = typer.Option("", help="显示名"),
    region: str | None = typer.Option(
        None, help="区县管理员、村信息员所属区县（6 位）或乡镇（9 位）GB/T 2260 代码"
    ),
    commissioner: int | None = typer.Option(None, help="科技特派员账号对应的特派员编号"),
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
                region_code=region,
                commissioner_id=commissioner,
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


def _change(username: str, **changes) -> str:
    """Apply changes to a user as the command-line operator; returns the user's name."""
    from kechuang.accounts.service import update_user, user_by_name
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.security import SecurityError

    with session_scope() as session:
        bind_principal(session, cli_principal(None))
        try:
            update_user(session, user_by_name(session, username), **changes)
        except SecurityError as exc:
            fail(str(exc), 2)
    return username


@app.command("deactivate")
def user_deactivate(username: str = typer.Argument(...)) -> None:
    """停用用户：不能再登录，已有会话与令牌立即失效（记入审计日志）。"""
    _change(username, active=False)
    console.print(f"[green]已停用用户 {username}[/green]")


@app.command("activate")
def user_activate(username: str = typer.Argument(...)) -> None:
    """重新启用已停用的用户。"""
    _change(username, active=True)
    console.print(f"[green]已启用用户 {username}[/green]")


@app.command("set-role")
def user_set_role(
    username: str = typer.Argument(...),
    role: str = typer.Option(..., help="角色：" + "、".join(ROLES)),
    zone: str | None = typer.Option(None, help="高新区管理员所属高新区（名称或代码）"),
    enterprise: str | None = typer.Option(None, help="企业用户所属企业的信用代码"),
    region: str | None = typer.Option(None, help="所属区县（6 位）或乡镇（9 位）代码"),
    commissioner: int | None = typer.Option(None, help="对应的特派员编号"),
) -> None:
    """修改用户的角色和范围（高新区、企业、区县或特派员）；其会话与令牌失效，须重新登录。"""
    from sqlalchemy import or_, select

    from kechuang.core.db import session_scope
    from kechuang.registry.models import Enterprise, Zone

    zone_id = enterprise_id = None
    with session_scope() as session:
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
    _change(
        username,
        role=role,
        zone_id=zone_id,
        enterprise_id=enterprise_id,
        region_code=region,
        commissioner_id=commissioner,
    )
    console.print(f"[green]已修改 {username} 的角色：{ROLES[role].label}[/green]")


@app.command("reset-password")
def user_reset_password(username: str = typer.Argument(...)) -> None:
    """重置密码：生成一次性密码（只显示这一次），用户首次登录后必须修改。"""
    from kechuang.accounts.service import reset_password, user_by_name
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.security import SecurityError

    with session_scope() as session:
        bind_principal(session, cli_principal(None))
        try:
            temporary = reset_password(session, user_by_name(session, username))
        except SecurityError as exc:
            fail(str(exc), 2)
    console.print(f"{username} 的一次性密码：{temporary}")
    console.print("请当面或通过安全渠道交给用户；首次登录后须修改。")


@app.command("passwd")
def user_passwd(
    username: str = typer.Argument(...),
    password: str = typer.Option(
        ...,
        prompt="新密码",
        hide_input=True,
        confirmation_prompt=True,
        help="至少 10 位，不能是常见密码或用户名",
    ),
) -> None:
    """为用户设置新密码（服务器操作员使用；用户自己在网页“修改密码”或 API 修改）。"""
    from kechuang.accounts.service import set_password, user_by_name
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.security import SecurityError

    with session_scope() as session:
        bind_principal(session, cli_principal(None))
        try:
            set_password(session, user_by_name(session, username), password)
        except SecurityError as exc:
            fail(str(exc), 2)
    console.print(f"[green]已修改 {username} 的密码[/green]")
