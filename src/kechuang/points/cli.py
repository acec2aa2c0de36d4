"""`kechuang points`: score a file without a database, run the city's scoring, list methodologies."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from kechuang.core.cli import console
from kechuang.core.cli import fail as _fail

app = typer.Typer(help="企业创新积分：计算、方法说明", no_args_is_help=True)


def file_columns(m):
    """The columns a scored file may carry: the statistics template, registry facts and flags."""
    from kechuang.core.excel import Column
    from kechuang.statistics.templates import ENTERPRISE_YEAR_COLUMNS

    return (
        ENTERPRISE_YEAR_COLUMNS
        + (
            Column("founded_on", "成立日期", "date", note="用于判断生命周期阶段"),
            Column("industry_code", "行业代码", note="GB/T 4754，用于行业排名"),
            Column("zone", "所属高新区", note="用于高新区排名"),
        )
        + tuple(Column(code, name, "bool") for code, name in m.flags.items())
    )


def read_scoring_file(path: Path, m) -> pl.DataFrame:
    """Read CSV/XLSX (template headers, every cell checked) or Parquet (column codes)."""
    from kechuang.core.excel import ImportFileError, map_headers, parse_columns, read_table

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            df = pl.read_parquet(path)
        except (pl.exceptions.PolarsError, OSError) as exc:
            _fail(f"无法读取 Parquet 文件 {path.name}：{exc}", 2)
        if "zone" not in df.columns and "zone_code" in df.columns:
            df = df.rename({"zone_code": "zone"})
        missing = [c for c in ("uscc", "year") if c not in df.columns]
        if missing:
            _fail(f"Parquet 文件 {path.name} 缺少列：{'、'.join(missing)}", 2)
        return df
    try:
        raw = read_table(path.read_bytes(), path.name)
    except ImportFileError as exc:
        _fail(str(exc), 2)
    columns = file_columns(m)
    mapped, errors = map_headers(raw, columns)
    if not errors:
        parsed = parse_columns(mapped, columns)
        errors = parsed.errors
    if errors:
        table = Table(
            "行号", "列", "值", "原因", title=f"文件“{path.name}”有 {len(errors)} 处错误，未计算"
        )
        for e in errors[:100]:
            table.add_row(str(e.row), e.column, e.value, e.reason)
        console.print(table)
        raise typer.Exit(1)
    return parsed.data.drop("__row")


@app.command("score")
def score_cmd(
    data: Path = typer.Argument(..., help="企业年度统计文件（模板列；CSV、XLSX 或 Parquet）"),
    out: Path = typer.Option(..., "--out", help="结果文件（.csv、.xlsx 或 .parquet）"),
    methodology: str | None = typer.Option(
        None, "--methodology", "-m", help="方法代码（torch_core、local_relative）或 YAML 文件"
    ),
) -> None:
    """不连数据库，按积分方法计算文件中每个企业年度的创新积分（与平台同一套代码）。"""
    from kechuang.points import methodology as meth
    from kechuang.points.scoring import ScoringError, score
    from kechuang.points.service import result_table

    if not data.is_file():
        _fail(f"文件不存在：{data}", 2)
    if out.suffix.lower() not in (".csv", ".xlsx", ".parquet"):
        _fail("结果文件应为 .csv、.xlsx 或 .parquet", 2)
    try:
        m = meth.load(methodology)
    except meth.MethodologyError as exc:
        _fail(str(exc), 2)
    start = time.perf_counter()
    frame = read_scoring_file(data, m)
    try:
        scored = score(frame, m, "uscc")
    except ScoringError as exc:
        _fail(str(exc), 2)
    table = result_table(scored, m).sort(["年度", "创新积分"], descending=[False, True])
    if out.suffix.lower() == ".csv":
        table.write_csv(out)
    elif out.suffix.lower() == ".parquet":
        table.write_parquet(out)
    else:
        table.write_excel(out, worksheet="创新积分")
    console.print(
        f"[green]已计算 {table.height:,} 个企业年度的创新积分（{m.label}，"
        f"{time.perf_counter() - start:.1f} 秒），结果写入 {out}[/green]"
    )
    if m.provisional:
        console.print(f"[yellow]注意：{m.status_label}[/yellow]")


@app.command("run")
def run_cmd(
    methodology: str | None = typer.Option(
        None, "--methodology", "-m", help="方法代码，默认 torch_core"
    ),
) -> None:
    """用数据库中的当前统计数据计算全市创新积分，并保存为一次计算记录。"""
    import getpass

    from kechuang.core import jobs
    from kechuang.core.audit import bind_principal
    from kechuang.core.security import Principal
    from kechuang.points import service

    principal = Principal(None, f"cli:{getpass.getuser()}", "city_admin", display_name="命令行")
    start = time.perf_counter()

    def work(session) -> dict:  # noqa: ANN001 - a Session
        bind_principal(session, principal)
        return service.run_summary(service.create_run(session, principal, methodology))

    try:  # a job: it waits for the writer lock (an import running elsewhere finishes first)
        summary = jobs.run_value(principal, "points_run", "计算全市创新积分", work)
    except service.PointsError as exc:
        _fail(str(exc), 2)
    console.print(
        f"[green]积分计算 #{summary['id']} 完成：{summary['scored']:,} 个企业年度，"
        f"{summary['methodology_name']} v{summary['methodology_version']}，"
        f"{time.perf_counter() - start:.1f} 秒[/green]"
    )


@app.command("methodologies")
def methodologies_cmd() -> None:
    """列出可用的积分方法及其确认程度。"""
    from kechuang.points import methodology as meth

    table = Table("代码", "版本", "名称", "计分方式", "指标数", "状态")
    for m in meth.available():
        table.add_row(
            m.code,
            m.version,
            m.name,
            meth.MODES[m.mode],
            str(len(m.indicators)),
            m.status_label[:40],
        )
    console.print(table)
