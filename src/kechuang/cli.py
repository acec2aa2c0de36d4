"""The `kechuang` command: database, templates, imports, exports, users, the demo and the server."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from kechuang.core.security import ROLES, Principal

app = typer.Typer(
    help="科创 kechuang：城市科技创新规划管理平台",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="数据库迁移", no_args_is_help=True)
user_app = typer.Typer(help="用户管理", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
console = Console()
KINDS_HELP = (
    "enterprises（企业名录）、enterprise_years（企业年度统计）、zone_years（高新区年度统计）"
)


def _index_app() -> typer.Typer | None:
    try:
        from kechuang.engines.composite.cli import app as index_app
    except ImportError:
        return None
    return index_app


_idx = _index_app()
if _idx is not None:
    app.add_typer(_idx, name="index")


def _domain_commands() -> None:
    from kechuang.domains import domain_modules

    for domain, module in domain_modules("cli"):
        app.add_typer(module.app, name=domain)


_domain_commands()


def _cli_principal(username: str | None) -> Principal:
    """Act as a named user (scoped to that user's role) or as the command-line operator."""
    if username is None:
        return Principal(None, f"cli:{getpass.getuser()}", "city_admin", display_name="命令行")
    from sqlalchemy import select

    from kechuang.core.db import session_scope
    from kechuang.core.security import User, principal_of

    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            console.print(f"[red]用户不存在：{username}[/red]")
            raise typer.Exit(2)
        return principal_of(user)


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(code)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Option("heads", help="目标版本（默认最新）")) -> None:
    """迁移数据库到最新版本，并载入城市配置（高新区、园区、战略产业）。"""
    from kechuang.core.db import session_scope, upgrade
    from kechuang.registry.service import load_city_config

    upgrade(None, revision)
    if revision in ("head", "heads"):
        with session_scope() as session:
            counts = load_city_config(session)
        console.print(f"数据库已迁移到最新版本；城市配置新增：{counts}")
    else:
        console.print(f"数据库已迁移到 {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="目标版本，base 为清空")) -> None:
    """回退数据库迁移。"""
    from kechuang.core.db import downgrade

    downgrade(None, revision)
    console.print(f"数据库已回退到 {revision}")


@app.command("template")
def template_cmd(
    kind: str = typer.Argument(..., help=KINDS_HELP),
    file: Path = typer.Argument(..., help="输出的 .xlsx 文件"),
) -> None:
    """下载导入模板（中文表头，含填写说明）。"""
    from kechuang.core.excel import ImportFileError
    from kechuang.statistics.service import template

    try:
        file.write_bytes(template(kind))
    except ImportFileError as exc:
        _fail(str(exc), 2)
    console.print(f"模板已写入 {file}")


@app.command("import")
def import_cmd(
    kind: str = typer.Argument(..., help=KINDS_HELP),
    file: Path = typer.Argument(..., help=".xlsx 或 .csv 文件"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只校验，不保存"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限导入"),
    report: Path | None = typer.Option(None, help="错误报告 .xlsx 的输出位置"),
) -> None:
    """导入文件：全部单元格通过校验才保存；否则列出每个错误单元格并以非零状态退出。"""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.excel import error_report
    from kechuang.statistics.service import import_file

    if not file.is_file():
        _fail(f"文件不存在：{file}", 2)
    principal = _cli_principal(user)
    with session_scope() as session:
        bind_principal(session, principal)
        result = import_file(session, principal, kind, file.read_bytes(), file.name, dry_run)
        if not result.ok:
            session.rollback()
    if result.ok:
        console.print(f"[green]{result.message()}[/green]")
        return
    table = Table("行号", "列", "值", "原因", title=result.message())
    for err in result.errors[:200]:
        table.add_row(str(err.row), err.column, err.value, err.reason)
    console.print(table)
    if len(result.errors) > 200:
        console.print(f"……另有 {len(result.errors) - 200} 处错误，见错误报告")
    out = report or file.with_name(file.stem + "_错误报告.xlsx")
    out.write_bytes(error_report(result.errors))
    console.print(f"错误报告已写入 {out}")
    raise typer.Exit(1)


@app.command("export")
def export_cmd(
    kind: str = typer.Argument(..., help=KINDS_HELP),
    file: Path = typer.Argument(..., help="输出的 .xlsx 文件"),
    zone: str | None = typer.Option(None, help="只导出该高新区（名称或代码）"),
    year: int | None = typer.Option(None, help="只导出该年度"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限导出"),
) -> None:
    """导出数据，列与模板一致，可直接再导入。"""
    from sqlalchemy import or_, select

    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.excel import ImportFileError
    from kechuang.registry.models import Zone
    from kechuang.registry.service import EnterpriseFilter
    from kechuang.statistics.service import export_file

    principal = _cli_principal(user)
    with session_scope() as session:
        bind_principal(session, principal)
        zone_id = None
        if zone:
            zone_id = session.scalar(
                select(Zone.id).where(or_(Zone.name == zone, Zone.code == zone))
            )
            if zone_id is None:
                _fail(f"未知的高新区：{zone}", 2)
        try:
            content = export_file(session, principal, kind, EnterpriseFilter(zone_id=zone_id), year)
        except ImportFileError as exc:
            _fail(str(exc), 2)
    file.write_bytes(content)
    console.print(f"已导出到 {file}")


@user_app.command("add")
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

    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.security import SecurityError, create_user
    from kechuang.registry.models import Enterprise, Zone

    with session_scope() as session:
        bind_principal(session, _cli_principal(None))
        zone_id = enterprise_id = None
        if zone:
            zone_id = session.scalar(
                select(Zone.id).where(or_(Zone.name == zone, Zone.code == zone))
            )
            if zone_id is None:
                _fail(f"未知的高新区：{zone}", 2)
        if enterprise:
            enterprise_id = session.scalar(
                select(Enterprise.id).where(Enterprise.uscc == enterprise.strip().upper())
            )
            if enterprise_id is None:
                _fail(f"未登记的企业：{enterprise}", 2)
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
            _fail(str(exc), 2)
    console.print(f"[green]已创建用户 {username}（{ROLES[role].label}）[/green]")


@user_app.command("list")
def user_list() -> None:
    """列出用户。"""
    from sqlalchemy import select

    from kechuang.core.db import session_scope
    from kechuang.core.security import User

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


@app.command("serve")
def serve(host: str = typer.Option("127.0.0.1"), port: int = typer.Option(8080)) -> None:
    """启动网页界面与 API（生产使用：先执行 kechuang db upgrade 并创建用户）。"""
    import uvicorn

    from kechuang.core.config import Settings, get_settings

    if get_settings().secret_key == Settings.model_fields["secret_key"].default:
        console.print(
            "[yellow]警告：未设置 KECHUANG_SECRET_KEY，正在使用开发用默认密钥；"
            "生产环境请设置一个随机长字符串。[/yellow]"
        )
    uvicorn.run("kechuang.main:app", host=host, port=port, log_level="info", workers=1)


@app.command("demo")
def demo(
    port: int = typer.Option(8080, help="端口"),
    host: str = typer.Option("127.0.0.1"),
    build_only: bool = typer.Option(False, "--build-only", help="只生成演示数据库，不启动服务"),
    rebuild: bool = typer.Option(False, "--rebuild", help="删除并重建演示数据库"),
) -> None:
    """生成（或复用）演示数据库，并在 http://127.0.0.1:8080 启动网页界面与 API。"""
    from kechuang.demo.loader import DEMO_LOGINS, build_demo, demo_database_url

    url = demo_database_url(rebuild)
    os.environ["KECHUANG_DATABASE_URL"] = url
    from kechuang.core.config import get_settings

    get_settings.cache_clear()
    summary = build_demo(lambda msg: console.print(msg))
    console.print(summary)
    table = Table("角色", "用户名", "密码", "说明", title="演示账号")
    for login in DEMO_LOGINS:
        table.add_row(
            ROLES[login["role"]].label, login["username"], login["password"], login["note"]
        )
    console.print(table)
    if build_only:
        return
    console.print(f"打开 http://{host}:{port} （API 文档：http://{host}:{port}/api/docs）")
    serve(host, port)


@app.command("panel")
def panel(
    file: Path = typer.Argument(..., help="输出的 Parquet 文件"),
    enterprises: int = typer.Option(1_000_000, help="企业数"),
    seed: int = typer.Option(20251, help="随机种子"),
) -> None:
    """生成大规模演示面板（企业年度统计，Parquet），供基准测试使用；不写数据库。"""
    import time

    from kechuang.demo.generator import write_panel_parquet

    start = time.perf_counter()
    write_panel_parquet(file, enterprises, seed=seed)
    console.print(f"已写入 {file}（{enterprises:,} 家企业，{time.perf_counter() - start:.1f} 秒）")


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
