"""`kechuang plan ...`: load a plan period, export the targets' status."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(help="规划管理：加载规划、导出目标状态", no_args_is_help=True)
console = Console(soft_wrap=True)


@app.callback()
def group() -> None:
    """规划管理：加载规划、导出目标状态。"""
