"""`kechuang commissioners …`: import the register or demands from Excel, list commissioners and
demands, run and export the annual assessment."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kechuang.core.cli import cli_principal, console, fail

app = typer.Typer(help="科技特派员：名册导入、需求、年度考核", no_args_is_help=True)


def _import(kind: str, path: Path, dry_run: bool, as_user: str | None) -> None:
    from kechuang.commissioners import imports
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope

    run = imports.import_commissioners if kind == "commissioners" else imports.import_demands
    if not path.is_file():
        fail(f"文件不存在：{path}", 2)
    principal = cli_principal(as_user)
    with session_scope() as session:
        bind_principal(session, principal)
        report = run(session, principal, path.read_bytes(), path.name, dry_run)
        if not report.ok:
            session.rollback()
            for e in report.errors[:50]:
                console.print(f"第{e.row}行 {e.column}“{e.value}”：{e.reason}")
            fail(report.message(), 1)
    console.print(f"[green]{report.message()}[/green]")


@app.command("import")
def import_register(
    path: Path = typer.Argument(..., help="科技特派员名册 .xlsx/.csv"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不保存"),
    as_user: str | None = typer.Option(None, "--as", help="以该用户身份导入（默认命令行管理员）"),
) -> None:
    """导入科技特派员名册（全有或全无，列出每个错误单元格）。"""
    _import("commissioners", path, dry_run, as_user)


@app.command("import-demands")
def import_demands(
    path: Path = typer.Argument(..., help="服务需求 .xlsx/.csv"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不保存"),
    as_user: str | None = typer.Option(
        None, "--as", help="以该用户身份导入（区县管理员只能导入本区县）"
    ),
) -> None:
    """导入服务需求（全有或全无）。"""
    _import("demands", path, dry_run, as_user)


@app.command("list")
def list_commissioners(
    kind: str | None = typer.Option(None, help="individual / team / legal_person"),
    region: str | None = typer.Option(None, help="服务区县代码"),
    as_user: str | None = typer.Option(None, "--as", help="以该用户身份查看"),
) -> None:
    """列出科技特派员。"""
    from kechuang.commissioners.service import list_commissioners as rows_of
    from kechuang.core.db import session_scope

    principal = cli_principal(as_user)
    table = Table("编号", "类型", "名称", "单位", "职称级别", "区县", "选派年度")
    with session_scope() as session:
        for c in rows_of(session, principal, kind=kind, region_code=region):
            table.add_row(
                str(c.id), c.kind, c.name, c.unit, c.title_level, c.region_code, str(c.batch_year)
            )
    console.print(table)


@app.command("assess")
def assess(year: int = typer.Argument(..., min=1990, max=2100)) -> None:
    """进行年度考核（按当前考核方案，记录方案版本与输入哈希）。"""
    from kechuang.commissioners.assessment import run_assessment
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope

    principal = cli_principal(None)
    with session_scope() as session:
        bind_principal(session, principal)
        run = run_assessment(session, principal, year)
        console.print(f"[green]{year} 年度考核完成（#{run.id}，方案 {run.scheme}）[/green]")


@app.command("assessment-export")
def assessment_export(
    year: int = typer.Argument(..., min=1990, max=2100),
    out: Path = typer.Argument(..., help="输出 .xlsx"),
) -> None:
    """导出年度考核表（.xlsx，中文表头）。"""
    from kechuang.commissioners.assessment import export_assessment
    from kechuang.core.db import session_scope

    with session_scope() as session:
        out.write_bytes(export_assessment(session, cli_principal(None), year))
    console.print(f"[green]已导出 {out}[/green]")
