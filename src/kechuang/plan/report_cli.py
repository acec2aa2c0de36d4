"""`kechuang plan report --year Y --out FILE.docx`: the annual implementation report as Word.

Adds the command to the plan CLI group (kechuang.plan.cli:app); the manifest names this module so
the group arrives with the command on it."""

from __future__ import annotations

from pathlib import Path

import typer

from kechuang.plan.cli import app, console

__all__ = ["app"]


@app.command("report")
def report(
    year: int = typer.Option(..., min=1990, max=2100, help="报告年度"),
    out: Path = typer.Option(..., help="输出的 Word 文件（.docx）"),
) -> None:
    """生成年度规划实施情况报告（Word）；规划期最后一年起附期末评估。"""
    from kechuang.core.audit import bind_principal, record
    from kechuang.core.db import session_scope
    from kechuang.core.errors import UserError
    from kechuang.core.security import SYSTEM
    from kechuang.plan.report import annual_report

    if out.suffix.lower() != ".docx":
        console.print(f"[red]输出文件必须是 .docx：{out}[/red]")
        raise typer.Exit(2)
    try:
        with session_scope() as session:
            bind_principal(session, SYSTEM)
            content = annual_report(session, SYSTEM, year)
            record(
                session, "export", "plan_report", year, f"导出{year}年度规划实施情况报告（Word）"
            )
    except UserError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    console.print(f"已写入 {out}（{len(content):,} 字节）")
