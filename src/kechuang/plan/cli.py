"""`kechuang plan ...`: load a plan period, export the targets' status."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kechuang.core.cli import cli_principal as _principal
from kechuang.core.cli import console
from kechuang.core.cli import fail as _fail

app = typer.Typer(help="规划管理：加载规划、导出目标状态", no_args_is_help=True)


@app.callback()
def group() -> None:
    """规划管理：加载规划、导出目标状态。"""


@app.command("load")
def load_cmd(
    file: Path = typer.Argument(..., help="规划文件 (.yaml)：章节 → 行动 → 目标，每项注明出处"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限执行"),
) -> None:
    """加载一个规划期（或已加载规划期的新版本：按代码更新，已填报的数值与进展保留）。"""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.errors import UserError
    from kechuang.plan import service
    from kechuang.plan.methodology import read_plan_file

    if not file.is_file():
        _fail(f"文件不存在：{file}", 2)
    principal = _principal(user)
    try:
        plan = read_plan_file(file)
        with session_scope() as session:
            bind_principal(session, principal)
            out = service.load_plan(session, principal, plan)
    except (UserError, PermissionError) as exc:
        _fail(str(exc), 2)
    if out["unchanged"]:
        console.print(f"规划“{plan['name']}”（{plan['version']}）已加载，内容未变化", markup=False)
        return
    console.print(
        f"已加载“{plan['name']}”（{plan['code']}，版本 {plan['version']}）：新增 {out['sections']} 章、"
        f"{out['actions']} 项行动、{out['targets']} 个目标，更新 {out['updated']} 个目标，"
        f"承接关系 {out['links']} 条",
        markup=False,
    )


@app.command("status")
def status_cmd(
    year: int = typer.Option(..., "--year", min=1990, max=2100, help="截至年度"),
    out: Path = typer.Option(..., "--out", "-o", help="输出的 .xlsx 文件"),
    period: str | None = typer.Option(
        None, "--period", help="规划期代码（缺省：覆盖该年度的规划期）"
    ),
    user: str | None = typer.Option(None, help="以该用户的身份和权限执行"),
) -> None:
    """导出规划目标表（状态、最新值、预测与区间、佐证）和任务进展表。"""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.errors import UserError
    from kechuang.plan.export import status_xlsx
    from kechuang.plan.status import target_statuses, task_rows
    from kechuang.zones.service import is_demo

    if out.suffix.lower() != ".xlsx":
        _fail(f"输出文件“{out.name}”只能是 .xlsx", 2)
    principal = _principal(user)
    try:
        with session_scope() as session:
            bind_principal(session, principal)
            targets = target_statuses(session, principal, year, period)
            tasks = task_rows(session, principal, year, period)
            demo = is_demo(session)
    except (UserError, PermissionError) as exc:
        _fail(str(exc), 2)
    if not targets:
        _fail("尚未加载规划（kechuang plan load 规划文件.yaml）", 2)
    out.write_bytes(status_xlsx(year, targets, tasks, demo))
    view = Table("条目", "目标", "最新值", "目标值", "状态", title=f"截至{year}年 规划目标")
    for s in targets:
        view.add_row(
            s.section,
            s.title,
            "—" if s.value is None else f"{s.value:,.0f}（{s.value_year}）",
            "—" if s.target_value is None else f"{s.target_value:,.0f}",
            s.status_label,
        )
    console.print(view)
    console.print(f"已写入 {len(targets)} 个目标、{len(tasks)} 项任务：{out}", markup=False)


def _target_id(session, ref: str) -> int:
    """A target by “规划期代码/目标代码” (e.g. 14-5/zone_revenue_3000yi)."""
    from sqlalchemy import select

    from kechuang.plan.models import PlanPeriod, PlanTarget

    period, _, code = ref.partition("/")
    tid = session.scalar(
        select(PlanTarget.id)
        .join(PlanPeriod, PlanPeriod.id == PlanTarget.period_id)
        .where(PlanPeriod.code == period, PlanTarget.code == code)
    )
    if tid is None:
        _fail(f"目标“{ref}”不存在（写成 规划期代码/目标代码，如 14-5/zone_revenue_3000yi）", 2)
    return tid


@app.command("enter")
def enter_cmd(
    target: str = typer.Argument(..., help="规划期代码/目标代码，如 14-5/hnte_count"),
    kind: str = typer.Option(
        ..., "--kind", help="target（目标值）/ baseline（基期值）/ actual（实际值）"
    ),
    value: float = typer.Option(..., "--value", help="数值（单位同目标）"),
    year: int | None = typer.Option(
        None, "--year", min=1990, max=2100, help="年份（基期值、实际值）"
    ),
    note: str = typer.Option("", "--note", help="来源或说明"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限执行"),
) -> None:
    """填报目标数值（标注“局填报”；历史保留）。"""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.errors import UserError
    from kechuang.plan import service

    principal = _principal(user)
    try:
        with session_scope() as session:
            bind_principal(session, principal)
            e = service.enter_value(
                session, principal, _target_id(session, target), kind, value, year, note
            )
            saved = (e.kind, e.year, e.value)
    except (UserError, PermissionError) as exc:
        _fail(str(exc), 2)
    console.print(f"已填报 {target}：{saved[0]} {saved[1] or ''} = {saved[2]:g}", markup=False)


@app.command("link")
def link_cmd(
    source: str = typer.Argument(..., help="被承接的目标：规划期代码/目标代码"),
    target: str = typer.Argument(..., help="承接的目标（较晚的规划期）：规划期代码/目标代码"),
    note: str = typer.Option("", "--note", help="说明"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限执行"),
) -> None:
    """登记目标承接关系（较晚规划期的目标承接较早规划期的目标）。"""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.errors import UserError
    from kechuang.plan import service

    principal = _principal(user)
    try:
        with session_scope() as session:
            bind_principal(session, principal)
            service.link_targets(
                session, principal, _target_id(session, source), _target_id(session, target), note
            )
    except (UserError, PermissionError) as exc:
        _fail(str(exc), 2)
    console.print(f"已登记：{target} 承接 {source}", markup=False)
