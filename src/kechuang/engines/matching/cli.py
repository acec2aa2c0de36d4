"""`kechuang match ...`: solve an assignment instance in the neutral format."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from .io import read_neutral, write_assignment
from .model import MatchingInputError
from .solve import MODES, solve

app = typer.Typer(help="供需匹配 (constrained optimal assignment)", no_args_is_help=True)
console = Console()


@app.callback()
def group() -> None:
    """供需匹配：在负荷、覆盖、回避与分组约束下求最优分配。"""


@app.command("solve")
def solve_cmd(
    directory: Path = typer.Argument(
        ..., help="实例目录：suppliers.csv、demands.csv、affinity.csv、conflicts.csv"
    ),
    out: Path = typer.Option(..., "--out", "-o", help="结果文件 (CSV：demand_id,supplier_id)"),
    mode: str = typer.Option(
        "total",
        "--mode",
        help="total：总匹配度最大；fair：先使最低需求匹配度最大，再使总匹配度最大",
    ),
    time_limit: float | None = typer.Option(None, "--time-limit", help="求解时限（秒）"),
    explain: Path | None = typer.Option(None, "--explain", help="无解时另存机器可读的原因 (JSON)"),
) -> None:
    """求解最优分配并写出 demand_id,supplier_id；无解时说明原因并以非零状态退出。"""
    if mode not in MODES:
        console.print(
            f"[bold red]错误：[/bold red]未知的模式 {mode}，应为 total 或 fair", markup=True
        )
        raise typer.Exit(code=2)
    try:
        inst = read_neutral(directory)
    except MatchingInputError as exc:
        console.print("[bold red]错误：[/bold red]", end="")
        console.print(str(exc), markup=False)
        raise typer.Exit(code=2) from None
    res = solve(inst, mode=mode, time_limit=time_limit)
    if not res.feasible:
        why = res.explanation
        console.print(f"[bold red]无可行分配[/bold red]（约束 {why.constraint}）：", end="")
        console.print(why.message, markup=False)
        if explain is not None:
            explain.write_text(
                json.dumps(why.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
            )
        raise typer.Exit(code=1)
    write_assignment(res, inst, out)
    covered = inst.coverage > 0
    console.print(
        f"模式 {mode}（{res.method}，{'最优' if res.status == 'optimal' else '时限内最好'}）："
        f"{inst.n_suppliers} 名供给方 × {inst.n_demands} 项需求，{len(res)} 对",
        markup=False,
    )
    console.print(f"total affinity 总匹配度 {res.total:.6f}", markup=False)
    console.print(
        f"min per-demand affinity 最低需求匹配度 {res.min_demand_affinity:.6f}（{int(covered.sum())} 项需求）",
        markup=False,
    )
    console.print(
        f"loads 负荷 min {int(res.loads.min()) if len(res.loads) else 0} / max {int(res.loads.max()) if len(res.loads) else 0}",
        markup=False,
    )
    console.print(f"time 用时 {res.seconds:.3f} s；已写出 {out}", markup=False)
