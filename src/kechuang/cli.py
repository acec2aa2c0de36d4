"""The `kechuang` command: database, templates, imports, exports, users, the demo and the server."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.table import Table

from kechuang.core.cli import cli_principal, console, fail
from kechuang.core.security import ROLES
from kechuang.domains import cli_groups, import_kinds, install

install()
app = typer.Typer(
    help="科创 kechuang：城市科技创新规划管理平台",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="数据库迁移", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _kinds_help() -> str:
    return "、".join(f"{k.code}（{k.label}）" for k in import_kinds())


def add_groups(target: typer.Typer) -> typer.Typer:
    """Add the composite engine's and every domain's command groups to a typer app."""
    from kechuang.engines.composite.cli import app as index_app

    target.add_typer(index_app, name="index")
    for name, group in cli_groups():
        target.add_typer(group, name=name)
    return target


add_groups(app)


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
    kind: str = typer.Argument(..., help=_kinds_help()),
    file: Path = typer.Argument(..., help="输出的 .xlsx 文件"),
) -> None:
    """下载导入模板（中文表头，含填写说明）。"""
    file.write_bytes(_import_kind(kind).template_bytes())
    console.print(f"模板已写入 {file}")


def _import_kind(code: str, exit_code: int = 2):  # noqa: ANN202 - an ImportKind
    from kechuang.core.domain import import_kind

    kind = import_kind(code)
    if kind is None:
        fail(f"未知的数据类型“{code}”，可选：{_kinds_help()}", exit_code)
    return kind


@app.command("import")
def import_cmd(
    kind: str = typer.Argument(..., help=_kinds_help()),
    file: Path = typer.Argument(..., help=".xlsx 或 .csv 文件"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只校验，不保存"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限导入"),
    report: Path | None = typer.Option(None, help="错误报告 .xlsx 的输出位置"),
    ignore_columns: str = typer.Option(
        "", "--ignore-columns", help='要忽略的非模板列表头，用逗号分隔，如 "备注,联系人"'
    ),
    ignore_unknown_columns: bool = typer.Option(
        False, "--ignore-unknown-columns", help="忽略所有非模板列（导入报告会列出）"
    ),
    percent_fraction: bool = typer.Option(
        False,
        "--percent-fraction",
        help="确认百分比列按比例填写（0.35 即 35%）：全列不大于 1 时乘以 100",
    ),
) -> None:
    """导入文件：全部单元格通过校验才保存；否则列出每个错误单元格并以非零状态退出。"""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.excel import error_report, parse_ignore_columns

    spec = _import_kind(kind, exit_code=1)  # an unknown kind is a bad file, as it always was
    if not file.is_file():
        fail(f"文件不存在：{file}", 2)
    principal = cli_principal(user)
    if not spec.allowed(principal):
        fail(f"当前角色（{principal.role_label}）无权导入{spec.label}", 2)
    with session_scope() as session:
        bind_principal(session, principal)
        result = spec.run_import(
            session,
            principal,
            file.read_bytes(),
            file.name,
            dry_run,
            ignore_columns=parse_ignore_columns(ignore_columns, ignore_unknown_columns),
            percent_as_fraction=percent_fraction,
        )
        if not result.ok:
            session.rollback()
    from rich.markup import escape

    summary, *notes = result.message().split("\n")  # notes: what was skipped or normalised
    if result.ok:
        console.print(f"[green]{escape(summary)}[/green]")
        for note in notes:
            console.print(escape(note))
        return
    for note in notes:
        console.print(escape(note))
    table = Table("行号", "列", "值", "原因", title=escape(summary))
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
    kind: str = typer.Argument(..., help=_kinds_help()),
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
    from kechuang.statistics.exports import export_file

    principal = cli_principal(user)
    with session_scope() as session:
        bind_principal(session, principal)
        zone_id = None
        if zone:
            zone_id = session.scalar(
                select(Zone.id).where(or_(Zone.name == zone, Zone.code == zone))
            )
            if zone_id is None:
                fail(f"未知的高新区：{zone}", 2)
        try:
            content = export_file(session, principal, kind, EnterpriseFilter(zone_id=zone_id), year)
        except ImportFileError as exc:
            fail(str(exc), 2)
    file.write_bytes(content)
    console.print(f"已导出到 {file}")


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
