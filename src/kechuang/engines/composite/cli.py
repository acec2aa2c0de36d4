"""`kechuang index ...`: run a composite-indicator specification on a data file."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from . import analysis
from .errors import CompositeError
from .io import canonical_json, read_table, write_table
from .pipeline import run
from .spec import load_spec

app = typer.Typer(help="综合指数计算 (composite indicators)", no_args_is_help=True)
console = Console()


def _fail(exc: CompositeError) -> None:
    console.print("[bold red]错误：[/bold red]")
    for m in exc.messages:
        console.print(f"  • {m}", markup=False)
    raise typer.Exit(code=2)


def _show(df, title: str, limit: int = 10) -> None:
    table = Table(title=title)
    for c in df.columns:
        table.add_column(c)
    for row in df.head(limit).iter_rows():
        table.add_row(*[f"{v:.2f}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)


@app.command("run")
def run_cmd(
    spec: Path = typer.Argument(..., help="规格文件 (YAML)"),
    data: Path = typer.Argument(..., help="数据文件：CSV / XLSX / Parquet，含单元代码列和指标列"),
    out: Path = typer.Option(..., "--out", "-o", help="结果文件：.csv / .xlsx / .parquet"),
    record: Path | None = typer.Option(
        None, "--record", help="另存运行记录 (JSON：完整规格、输入哈希、步骤日志)"
    ),
) -> None:
    """计算每个单元的各级得分与排名。"""
    try:
        s = load_spec(spec)
        result = run(s, read_table(data))
        sheets = None
        if out.suffix.lower() == ".xlsx":
            sheets = {
                "contributions": analysis.contributions(result),
                "weights": analysis.effective_weights(result),
            }
        write_table(result.table, out, sheets)
        rec_path = record or out.with_suffix(out.suffix + ".run.json")
        rec_path.write_text(
            json.dumps(json.loads(canonical_json(result.record())), ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    except CompositeError as exc:
        _fail(exc)
    root = s.framework.root
    cols = [c for c in (s.unit, s.name_col, s.time) if c] + [root, f"{root}_rank"]
    _show(result.table.select(cols), f"{s.name or '综合指数'}：前 10 名")
    console.print(f"已写出 {out}（{result.table.height} 行）与运行记录 {rec_path}")
    console.print(f"输入哈希 {result.input_hash[:16]}…  规格哈希 {result.spec_hash[:16]}…")


@app.command("uncertainty")
def uncertainty_cmd(
    spec: Path = typer.Argument(..., help="规格文件 (YAML，含 uncertainty.factors)"),
    data: Path = typer.Argument(..., help="数据文件"),
    runs: int = typer.Option(500, "--runs", "-n", help="蒙特卡罗运行次数"),
    out: Path = typer.Option(
        ..., "--out", "-o", help="结果文件：每个单元的名义排名、中位排名及 5%–95% 区间"
    ),
    seed: int | None = typer.Option(None, "--seed", help="随机种子（默认取规格中的 seed）"),
) -> None:
    """不确定性分析：在权重、归一化、汇总方法、winmax 等假设上做蒙特卡罗模拟。"""
    from .uncertainty import uncertainty

    try:
        s = load_spec(spec)
        ua = uncertainty(s, read_table(data), runs=runs, seed=seed)
        write_table(ua.table, out)
    except CompositeError as exc:
        _fail(exc)
    cols = [c for c in (s.unit, s.name_col) if c] + [
        "nominal_rank",
        "median_rank",
        "q05_rank",
        "q95_rank",
    ]
    _show(ua.table.select(cols), f"排名不确定性（{runs} 次运行，种子 {ua.seed}）")
    rec = ua.record()
    console.print(f"已写出 {out}；失败运行 {rec['failed_runs']} 次")


@app.command("sensitivity")
def sensitivity_cmd(
    spec: Path = typer.Argument(..., help="规格文件 (YAML，含 uncertainty.factors)"),
    data: Path = typer.Argument(..., help="数据文件"),
    n: int = typer.Option(128, "--n", help="Sobol 基础样本量 N（共 N·(d+2) 次运行）"),
    out: Path = typer.Option(..., "--out", "-o", help="结果文件：各因素的一阶与总效应 Sobol 指数"),
    seed: int | None = typer.Option(None, "--seed", help="随机种子"),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="自助法重抽样次数"),
) -> None:
    """敏感性分析：平均绝对排名变化的一阶与总效应 Sobol 指数（含自助法区间）。"""
    from .uncertainty import sensitivity

    try:
        s = load_spec(spec)
        sa = sensitivity(s, read_table(data), n=n, seed=seed, bootstrap=bootstrap)
        write_table(sa.table, out)
    except CompositeError as exc:
        _fail(exc)
    _show(sa.table, f"Sobol 敏感性指数（N = {n}，{sa.y.size} 次运行）")
    console.print(f"已写出 {out}")


@app.command("validate")
def validate_cmd(
    spec: Path = typer.Argument(..., help="规格文件 (YAML)"),
    data: Path | None = typer.Argument(None, help="可选：同时检查数据文件"),
) -> None:
    """检查规格、框架（循环、上级、权重）以及数据（缺失指标、重复单元）。"""
    from .pipeline import check_data

    try:
        s = load_spec(spec)
        if data is not None:
            check_data(s, read_table(data))
    except CompositeError as exc:
        _fail(exc)
    fw = s.framework
    console.print(
        f"规格有效：{len(fw.indicators)} 个指标，{len(fw.aggregates())} 个汇总项，"
        f"{fw.max_level} 层；步骤 {' → '.join(n for n, _ in s.steps)}"
    )


@app.command("explain")
def explain_cmd(
    spec: Path = typer.Argument(..., help="规格文件 (YAML)"),
    data: Path = typer.Argument(..., help="数据文件"),
    unit: str = typer.Option(..., "--unit", "-u", help="要解释的单元代码"),
    benchmark: str | None = typer.Option(
        None, "--benchmark", "-b", help="对标单元代码（对标找差）"
    ),
    top: int = typer.Option(5, "--top", help="优势/短板各列几项"),
) -> None:
    """解释一个单元：优势与短板指标；给出对标单元时按指标分解得分差距。"""
    try:
        s = load_spec(spec)
        result = run(s, read_table(data), hash_input=False)
        sw = analysis.strengths_weaknesses(result, unit, top, top)
        gap = analysis.gap_to_benchmark(result, unit, benchmark) if benchmark else None
    except CompositeError as exc:
        _fail(exc)
    _show(sw, f"{unit}：优势与短板（按全体单元中的排名）", limit=2 * top)
    if gap is not None:
        _show(
            gap.select("indicator", "name", "unit_value", "benchmark_value", "gap"),
            f"{unit} 对标 {benchmark}：得分差距按指标分解（前 {top} 项）",
            limit=top,
        )
        console.print(f"差距合计 {gap.get_column('gap').sum():.2f}")
