"""`kechuang programs …` (workflow commands): the 指南, calls, lifecycle actions, reviewer assignment
from the database, ranking with a budget what-if, overdue items, imports of experts and relations.
The file-interface commands (assign-reviewers, aggregate-scores) live in programs/cli.py."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kechuang.core.cli import cli_principal, console, fail

app = typer.Typer(help="重点攻关项目：指南、批次、状态流转、评审分配与排名", no_args_is_help=True)


@app.command("guide")
def guide() -> None:
    """显示项目指南分类（领域—方向—课题，注明规划条目）。"""
    from kechuang.programs.taxonomy import load_guide

    g = load_guide()
    console.print(f"{g.title}（版本 {g.version}）")
    for n in g.nodes.values():
        console.print(f"{'  ' * n.level}{n.code} {n.name} [{n.section}]")


@app.command("calls")
def calls(
    year: int | None = typer.Option(None, min=1990, max=2100),
    as_user: str | None = typer.Option(None, "--as", help="以该用户身份查看"),
) -> None:
    """列出申报批次。"""
    from kechuang.core.db import session_scope
    from kechuang.programs import service

    table = Table("编号", "批次编号", "类型", "名称", "年度", "预算（万元）", "状态", "申报数")
    with session_scope() as session:
        for c in service.list_calls(session, cli_principal(as_user), year):
            d = service.call_dict(session, c)
            table.add_row(
                str(d["id"]), d["code"], d["kind_label"], d["title"], str(d["year"]),
                f"{d['budget']:g}", d["state"], str(d["applications"]),
            )  # fmt: skip
    console.print(table)


@app.command("move")
def move(
    application_id: int = typer.Argument(..., min=1),
    action: str = typer.Argument(..., help="操作代码，如 submit、form_pass、release_tranche"),
    reason: str = typer.Option("", "--reason", help="理由（退回、淘汰等操作必填）"),
    as_user: str | None = typer.Option(None, "--as", help="以该用户身份操作"),
) -> None:
    """对一个申报/项目执行状态流转（记录操作人与理由；非法流转给出原因）。"""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.errors import UserError
    from kechuang.programs import service

    principal = cli_principal(as_user)
    try:
        with session_scope() as session:
            bind_principal(session, principal)
            app_ = service.transition(session, principal, application_id, action, reason)
            d = service.application_dict(session, app_)
    except UserError as exc:
        fail(str(exc), 1)
    console.print(f"[green]{d['code']} → {d['state_label']}[/green]")


@app.command("assign")
def assign(
    call_id: int = typer.Argument(..., min=1),
    as_user: str | None = typer.Option(None, "--as"),
) -> None:
    """为批次中处于专家评审的申报自动分配专家（回避冲突、负载上限）。"""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.errors import UserError
    from kechuang.programs import service

    principal = cli_principal(as_user)
    try:
        with session_scope() as session:
            bind_principal(session, principal)
            result = service.assign_reviewers(session, principal, call_id)
    except UserError as exc:
        fail(str(exc), 1)
    console.print(f"[green]已分配 {result['assigned']} 个评审任务[/green]")
    for why in result["infeasible"]:
        console.print(f"[yellow]{why}[/yellow]")


@app.command("ranking")
def ranking(
    call_id: int = typer.Argument(..., min=1),
    budget: float | None = typer.Option(None, min=0, help="假设预算（万元）"),
    method: str = typer.Option("additive", help="additive / standardised / trimmed"),
) -> None:
    """评审排名（校正分、90%区间、名次区间）与资助线。"""
    from kechuang.core.db import session_scope
    from kechuang.core.errors import UserError
    from kechuang.programs import service

    try:
        with session_scope() as session:
            data = service.ranking(session, cli_principal(None), call_id, budget, method)
    except UserError as exc:
        fail(str(exc), 1)
    table = Table("申报编号", "项目名称", "原始均分", "校正分", "资助", "不确定")
    for r in data["rows"]:
        table.add_row(
            r["code"], r["title"], f"{float(r.get('raw_mean', 0)):.2f}", f"{float(r['corrected']):.2f}",
            "是" if r["funded"] else "", "需复议" if r["uncertain"] else "",
        )  # fmt: skip
    console.print(table)
    console.print(
        f"预算 {data['budget']:g} 万元，安排 {data['spent']:g} 万元，资助线 {data['line_score']}"
    )


@app.command("overdue")
def overdue(as_user: str | None = typer.Option(None, "--as")) -> None:
    """列出超过时限的申报与项目。"""
    from kechuang.core.db import session_scope
    from kechuang.programs import service

    with session_scope() as session:
        rows = service.overdue(session, cli_principal(as_user))
    for d in rows:
        console.print(
            f"{d['code']} {d['title']}：{d['state_label']}，应于 {d['due']:%Y-%m-%d} 前办结"
        )
    console.print(f"共 {len(rows)} 项超期")


def _import(kind: str, path: Path, dry_run: bool, as_user: str | None) -> None:
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.programs import imports

    run = imports.import_experts if kind == "experts" else imports.import_relations
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


@app.command("import-experts")
def import_experts(
    path: Path = typer.Argument(..., help="评审专家库 .xlsx/.csv"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不保存"),
    as_user: str | None = typer.Option(None, "--as"),
) -> None:
    """导入评审专家库（全有或全无，列出每个错误单元格）。"""
    _import("experts", path, dry_run, as_user)


@app.command("import-relations")
def import_relations(
    path: Path = typer.Argument(..., help="关联关系登记 .xlsx/.csv"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不保存"),
    as_user: str | None = typer.Option(None, "--as"),
) -> None:
    """导入关联关系登记（全有或全无）。"""
    _import("relations", path, dry_run, as_user)


@app.command("link-expert")
def link_expert(
    code: str = typer.Argument(..., help="专家编号"),
    username: str = typer.Argument(..., help="评审专家账号（角色 expert）"),
) -> None:
    """把专家库中的专家与一个评审专家账号关联（该账号只看到分配给此专家的申报）。"""
    from sqlalchemy import select

    from kechuang.accounts.models import User
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.programs import EXPERT
    from kechuang.programs.models import Expert

    with session_scope() as session:
        bind_principal(session, cli_principal(None))
        expert = session.scalar(select(Expert).where(Expert.code == code))
        user = session.scalar(select(User).where(User.username == username))
        if expert is None:
            fail(f"专家库中没有专家编号“{code}”", 1)
        if user is None or user.role != EXPERT:
            fail(f"账号“{username}”不存在或不是评审专家账号", 1)
        taken = session.scalar(select(Expert.code).where(Expert.user_id == user.id))
        if taken and taken != code:
            fail(f"账号“{username}”已关联专家“{taken}”", 1)
        expert.user_id = user.id
    console.print(f"[green]专家 {code} 已关联账号 {username}[/green]")
