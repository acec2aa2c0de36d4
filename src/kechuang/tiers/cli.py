"""`kechuang tiers …`: evaluate a file of enterprise-year figures without a database, list packs,
and import or template the qualifications register."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer

from kechuang.core.cli import cli_principal, console

app = typer.Typer(help="梯度培育：规则包评估、后备库、资质登记", no_args_is_help=True)

FOUNDED_HEADERS = ("founded_on", "成立日期")


def read_panel(path: Path) -> pl.DataFrame:
    """A CSV/XLSX/Parquet file in the statistics template's columns, typed, with key = uscc.

    Needs 统一社会信用代码 (or uscc) and 年度 (or year); a founding date in 成立日期 or founded_on
    for age rules; optional 高企申请日期/hnte_applied_on, 技术领域/tech_field, 行业代码/industry_code
    and `q_*` qualification columns (是/否 or numbers). Several years per enterprise let growth
    rules work. A column not in the file stays absent: the rules that need it say `unknown`.
    """
    from kechuang.core.excel import Column, ImportFileError, map_headers, parse_columns, read_table
    from kechuang.statistics.templates import ENTERPRISE_YEAR_COLUMNS
    from kechuang.tiers.features import QUAL_FACTS, QUAL_HELD

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        df = pl.read_parquet(path)
        if "uscc" not in df.columns or "year" not in df.columns:
            raise ImportFileError(f"文件“{path.name}”缺少 uscc 或 year 列")
        if "成立日期" in df.columns and "founded_on" not in df.columns:
            df = df.rename({"成立日期": "founded_on"})
        if "高企申请日期" in df.columns and "hnte_applied_on" not in df.columns:
            df = df.rename({"高企申请日期": "hnte_applied_on"})
        for name in ("founded_on", "hnte_applied_on"):
            if name in df.columns and df.schema[name] == pl.String:
                df = df.with_columns(pl.col(name).str.to_date(strict=False))
        return df.rename({"uscc": "key"})
    raw = read_table(path.read_bytes(), path.name)
    extra = (
        Column("founded_on", "成立日期", "date"),
        Column("hnte_applied_on", "高企申请日期", "date"),
        Column("tech_field", "技术领域"),
        Column("industry_code", "行业代码"),
    )
    quals = tuple(Column(q, q, "bool") for q in QUAL_HELD) + tuple(
        Column(q, q, "bool" if t == pl.Boolean() else "decimal") for q, t in QUAL_FACTS.items()
    )
    columns = tuple(ENTERPRISE_YEAR_COLUMNS) + extra + quals
    mapped, errors = map_headers(raw, columns)
    present = {c for c in raw.columns}
    if errors:
        raise ImportFileError("；".join(f"{e.column}：{e.reason}" for e in errors))
    parsed = parse_columns(mapped, columns)
    if parsed.errors:
        shown = "；".join(
            f"第{e.row}行 {e.column}“{e.value}”：{e.reason}" for e in parsed.errors[:20]
        )
        more = f"（另有 {len(parsed.errors) - 20} 处）" if len(parsed.errors) > 20 else ""
        raise ImportFileError(f"文件“{path.name}”有 {len(parsed.errors)} 处错误：{shown}{more}")
    df = parsed.data.drop("__row")
    # columns absent from the file stay absent, so the engine reports `unknown`, not 0
    keep = [
        c.code
        for c in columns
        if c.code in ("uscc", "year")
        or any(c.code == k or c.header == k or c.template_header == k for k in present)
    ]
    return df.select(keep).rename({"uscc": "key"})


@app.command("evaluate")
def evaluate_cmd(
    data: Path = typer.Argument(..., help="CSV、XLSX 或 Parquet 文件（企业年度统计模板的列）"),
    year: int = typer.Option(..., "--year", help="评价年度（所用最近一个会计年度）"),
    out: Path = typer.Option(..., "--out", help="输出文件（.xlsx、.csv 或 .parquet）"),
) -> None:
    """Run every applicable pack on a file, one output row per enterprise, pack and condition."""
    from kechuang.core.excel import ImportFileError
    from kechuang.engines.rules.evaluate import evaluate, explain
    from kechuang.tiers.assessment import annotate, missing_inputs
    from kechuang.tiers.features import build_features
    from kechuang.tiers.measures import MEASURES
    from kechuang.tiers.methodology import full_source_text, packs_for_year, retrospective

    if not data.exists():
        console.print(f"[red]文件不存在：{data}[/red]")
        raise typer.Exit(2)
    if out.suffix.lower() not in (".xlsx", ".csv", ".parquet"):
        console.print("[red]输出文件应为 .xlsx、.csv 或 .parquet[/red]")
        raise typer.Exit(2)
    try:
        panel = read_panel(data)
    except ImportFileError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    if panel.filter(pl.col("year") == year).is_empty():
        console.print(f"[red]文件中没有 {year} 年的数据[/red]")
        raise typer.Exit(1)
    packs = packs_for_year(year)
    features = build_features(panel, year)
    result = evaluate(features, packs, year, MEASURES, detail=True)
    rows = annotate(explain(result, packs, MEASURES), packs, year)
    rows = missing_inputs(features, rows, packs, year)
    open_packs = rows.filter(pl.col("pack_status").is_in(["unknown", "manual_review"]))
    rows = rows.with_columns(pl.col("missing_fields").list.join("、").alias("missing_fields"))
    rows = rows.rename({"key": "uscc"}).drop("order", "parent")
    rows = rows.with_columns(pl.lit(year).alias("year"))
    if out.suffix.lower() == ".parquet":
        rows.write_parquet(out)
    elif out.suffix.lower() == ".csv":
        rows.write_csv(out, include_bom=True)
    else:
        rows.write_excel(out, worksheet="梯度评估")
    console.print(
        f"已评估 {result.height} 家企业、{len(packs)} 个规则包，写出 {rows.height} 行：{out}"
    )
    for p in packs:
        status = result[f"{p.code}|status"]
        counts = "、".join(
            f"{label} {int((status == i).sum())} 家"
            for i, label in enumerate(("符合", "需人工评审", "数据缺失", "不符合"))
        )
        flags = f"{p.confirmation_label}" + (
            "，回溯评估：该版本规则当年尚未施行" if retrospective(p, year) else ""
        )
        console.print(f"  {p.name}（{p.version}，{flags}）：{counts}")
        blanks = (
            open_packs.filter(pl.col("pack") == p.code)
            .select(pl.col("missing_fields").explode().drop_nulls().value_counts(sort=True))
            .unnest("missing_fields")
        )
        if blanks.height:
            names = "、".join(blanks.get_column(blanks.columns[0]).head(10).to_list())
            console.print(f"    补填可能改变结论的数据：{names}")
        for label, cite in p.not_evaluated:
            console.print(
                f"    未评估（需人工核实）：{label}（{full_source_text(cite.source, cite.article)}）"
            )


@app.command("packs")
def packs_cmd() -> None:
    """List the shipped rule packs with version, effective dates and confirmation status."""
    from kechuang.tiers.methodology import all_packs

    for p in all_packs():
        to = p.effective_to.isoformat() if p.effective_to else "至今"
        console.print(
            f"{p.code}\t{p.name}\t{p.version}\t{p.effective_from}–{to}\t{p.confirmation_label}"
        )


@app.command("template")
def template_cmd(out: Path = typer.Argument(..., help="输出 .xlsx")) -> None:
    """Write the qualifications import template."""
    from kechuang.tiers.qualifications import qualification_template

    out.write_bytes(qualification_template())
    console.print(f"已写出企业资质模板：{out}")


@app.command("import-qualifications")
def import_cmd(
    path: Path = typer.Argument(...),
    dry_run: bool = typer.Option(False, "--dry-run"),
    as_user: str | None = typer.Option(None, "--as", help="以该用户身份（受其范围限制）"),
) -> None:
    """Import the qualifications register (all or nothing; audited)."""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.tiers.qualifications import import_qualifications

    principal = cli_principal(as_user)
    with session_scope() as session:
        bind_principal(session, principal)
        report = import_qualifications(session, principal, path.read_bytes(), path.name, dry_run)
        for e in report.errors or []:
            console.print(f"第{e.row}行 {e.column}“{e.value}”：{e.reason}")
        console.print(report.message())
        if not report.ok:
            raise typer.Exit(1)


@app.command("snapshot")
def snapshot_cmd(
    year: list[int] = typer.Option(
        ..., "--year", help="评价年度（可重复，如 --year 2023 --year 2024）"
    ),
    as_user: str | None = typer.Option(None, "--as", help="以该用户身份（须为市科技局管理员）"),
) -> None:
    """Evaluate every enterprise-year of the years and store a snapshot (audited)."""
    from kechuang.core.audit import bind_principal
    from kechuang.core.cli import fail
    from kechuang.core.db import session_scope
    from kechuang.core.errors import UserError
    from kechuang.tiers.snapshots import create_snapshot

    principal = cli_principal(as_user)
    try:
        with session_scope() as session:
            bind_principal(session, principal)
            snap = create_snapshot(session, principal, year)
            console.print(
                f"已保存梯度评估快照 #{snap.id}（{'、'.join(map(str, snap.years))}年）："
                f"{snap.enterprises} 个企业年度，{snap.rows} 条规则包结论"
            )
            console.print(f"输入数据摘要：{snap.input_hash}")
            for y, per in snap.counts.items():
                console.print(f"  {y}年：" + "，".join(f"{f} {n}" for f, n in per.items()))
    except UserError as exc:
        fail(str(exc))


@app.command("snapshots")
def snapshots_cmd(
    as_user: str | None = typer.Option(None, "--as", help="以该用户身份（受其范围限制）"),
) -> None:
    """List stored snapshots, newest first."""
    from kechuang.core.db import session_scope
    from kechuang.core.formatting import fmt_local_time
    from kechuang.tiers.snapshots import list_snapshots

    principal = cli_principal(as_user)
    with session_scope() as session:
        rows = list_snapshots(session, principal)
    if not rows:
        console.print("尚未保存梯度评估快照")
    for s in rows:
        console.print(
            f"#{s['id']}\t{'、'.join(map(str, s['years']))}年\t{fmt_local_time(s['created_at'])}"
            f"\t{s['created_by']}\t{s['input_hash'][:12]}"
        )
