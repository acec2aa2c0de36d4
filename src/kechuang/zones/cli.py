"""`kechuang zones …`: evaluate, benchmark, track targets and specialisation from the command line."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kechuang.core.cli import cli_principal as _principal
from kechuang.core.cli import console
from kechuang.core.cli import fail as _fail

app = typer.Typer(help="高新区评价：对标找差、争先进位、目标跟踪、一区一战略", no_args_is_help=True)


def _unit_key(session, name: str | None) -> str | None:
    """A unit key (z<id> / p<id>) from a zone or peer-zone name or code; top → the top quartile."""
    from sqlalchemy import or_, select

    from kechuang.registry.models import Zone
    from kechuang.zones.evaluation import TOP_QUARTILE
    from kechuang.zones.models import PeerZone

    if name is None:
        return None
    if name in ("top", "top_quartile", "前25%"):
        return TOP_QUARTILE
    zid = session.scalar(select(Zone.id).where(or_(Zone.name == name, Zone.code == name)))
    if zid is not None:
        return f"z{zid}"
    pid = session.scalar(
        select(PeerZone.id).where(or_(PeerZone.name == name, PeerZone.code == name))
    )
    if pid is not None:
        return f"p{pid}"
    _fail(f"未知的高新区：{name}", 2)
    return None


@app.command("evaluate")
def evaluate_cmd(
    year: int = typer.Option(..., help="评价年度"),
    framework: str = typer.Option("national_2021", help="评价框架代码"),
    peers: str = typer.Option("city", help="对标组代码（city = 本市高新区）"),
    out: Path = typer.Option(..., help="输出的 .xlsx 文件"),
    save: bool = typer.Option(False, "--save", help="保存为评价记录（可复算）"),
    runs: int = typer.Option(200, help="不确定性分析的模拟次数（0 = 不做）"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限执行"),
) -> None:
    """评价对标组中的高新区：总分、名次、维度名次、名次区间、进位，写入 Excel。"""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.zones import report, service

    principal = _principal(user)
    with session_scope() as session:
        bind_principal(session, principal)
        try:
            view_data = service.evaluation_view(
                session, principal, year, framework, peers, {"uncertainty_runs": runs}, save
            )
        except (service.ZoneServiceError, PermissionError) as exc:
            _fail(str(exc), 2)
        fw, table, run = view_data["framework"], view_data["table"], view_data["run"]
        content = report.ranking_xlsx(
            fw, view_data["options"], year, table, view_data["values"], service.is_demo(session)
        )
    out.write_bytes(content)
    view = Table("名次", "高新区", "总分", "分组", "名次区间", "进位", title=f"{year}年 {fw.name}")
    for r in table:
        band = r["band"]
        view.add_row(
            str(r["rank"] or "—"),
            r["name"],
            "—" if r["score"] is None else f"{r['score']:.2f}",
            r["group_label"] or "—",
            "—" if not band else f"{band['q05']:.0f}–{band['q95']:.0f}",
            "—" if r["movement"] is None else f"{r['movement']:+d}",
        )
    console.print(view)
    if run is not None:
        console.print(f"已保存评价记录 #{run.id}（输入哈希 {run.input_hash[:12]}…）")
    console.print(f"已写入 {out}")


@app.command("benchmark")
def benchmark_cmd(
    year: int = typer.Option(..., help="评价年度"),
    zone: str | None = typer.Option(None, help="本区（名称或代码；高新区管理员默认本区）"),
    against: str = typer.Option("top", help="对标对象：高新区名称，或 top（对标组前25%分位）"),
    framework: str = typer.Option("national_2021", help="评价框架代码"),
    peers: str = typer.Option("city", help="对标组代码"),
    out: Path = typer.Option(..., help="输出文件：.xlsx 或 .docx（Word 报告）"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限执行"),
) -> None:
    """对标找差：差距分解（得分与原始单位）、优势与短板，写入 Excel 或 Word。"""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.zones import report, service

    if out.suffix.lower() not in (".xlsx", ".docx"):
        _fail(f"输出文件必须是 .xlsx 或 .docx：{out}", 2)
    principal = _principal(user)
    with session_scope() as session:
        bind_principal(session, principal)
        try:
            bm = service.benchmark(
                session,
                principal,
                year,
                _unit_key(session, zone),
                _unit_key(session, against),
                framework,
                peers,
            )
        except (service.ZoneServiceError, PermissionError) as exc:
            _fail(str(exc), 2)
        demo = service.is_demo(session)
    g = bm["gaps"]
    out.write_bytes(
        report.benchmark_docx(bm, demo)
        if out.suffix.lower() == ".docx"
        else report.benchmark_xlsx(bm, demo)
    )
    console.print(
        f"{g['unit_name']} 对标 {g['benchmark_name']}："
        + ("—" if g["score_gap"] is None else f"差距 {g['score_gap']:.2f} 分")
        + f"；已写入 {out}"
    )


@app.command("targets")
def targets_cmd(
    out: Path = typer.Option(..., help="输出的 .xlsx 文件"),
    as_of: int | None = typer.Option(None, help="截至年份（默认最新）"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限执行"),
) -> None:
    """跟踪规划目标（全市高新区营业收入3000亿元等）：实际、要求路径、预测区间、状态、分区贡献。"""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.formatting import fmt_money
    from kechuang.zones import report, service

    principal = _principal(user)
    with session_scope() as session:
        bind_principal(session, principal)
        try:
            tracks = service.track_targets(session, principal, as_of)
        except (service.ZoneServiceError, PermissionError) as exc:
            _fail(str(exc), 2)
        out.write_bytes(report.targets_xlsx(tracks, service.is_demo(session)))
    for t in tracks:
        tr = t["tracker"]
        console.print(
            f"{t['name']}：{tr['latest_year']}年 {fmt_money(tr['latest_value'])}，目标 "
            f"{tr['target_year']}年 {fmt_money(tr['target_value'])}，要求年均 {tr['required_cagr']:.2%}，"
            f"状态：{tr['status_label']}"
        )
    console.print(f"已写入 {out}")


@app.command("specialisation")
def specialisation_cmd(
    out: Path = typer.Option(..., help="输出的 .xlsx 文件"),
    year: int | None = typer.Option(None, help="年度（默认最新）"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限执行"),
) -> None:
    """一区一战略：战略产业占比、区位商、集中度、相似度与同质化提示。"""
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.zones import report, service

    principal = _principal(user)
    with session_scope() as session:
        bind_principal(session, principal)
        try:
            res = service.specialisation_view(session, principal, year)
        except PermissionError as exc:
            _fail(str(exc), 2)
        out.write_bytes(report.specialisation_xlsx(res, service.is_demo(session)))
    console.print(
        f"{res['year']}年：{len(res['zones'])} 个高新区，{len(res['flags'])} 对同质化提示；已写入 {out}"
    )


@app.command("frameworks")
def frameworks_cmd() -> None:
    """列出评价框架及其已确认/重构的行数。"""
    from kechuang.core.db import session_scope
    from kechuang.zones import service

    table = Table("代码", "名称", "版本", "来源", "已确认行", "重构行", "计分行")
    with session_scope() as session:
        for fw in service.list_frameworks(session):
            rows = fw.rows_table()
            table.add_row(
                fw.code,
                fw.name,
                fw.version,
                "内置" if fw.origin == "shipped" else "自定义",
                str(sum(r["status"] == "confirmed" for r in rows)),
                str(sum(r["status"] == "reconstructed" for r in rows)),
                str(len(fw.indicators)),
            )
    console.print(table)


@app.command("framework-add")
def framework_add_cmd(
    file: Path = typer.Argument(..., help="框架定义 .yaml（格式同内置框架）"),
    user: str | None = typer.Option(None, help="以该用户的身份执行"),
) -> None:
    """新增市科技局自定义的评价框架（校验后保存，按版本号留存）。"""
    import yaml

    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.zones import service

    if not file.is_file():
        _fail(f"文件不存在：{file}", 2)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        _fail(f"{file.name} 不是有效的 YAML：{exc}", 2)
    principal = _principal(user)
    with session_scope() as session:
        bind_principal(session, principal)
        try:
            fw = service.save_framework(session, principal, data)
        except (service.ZoneServiceError, PermissionError) as exc:
            _fail(str(exc), 2)
    console.print(
        f"[green]已保存框架 {fw.code}（版本 {fw.version}，{len(fw.indicators)} 个计分指标）[/green]"
    )


@app.command("rerun")
def rerun_cmd(run_id: int = typer.Argument(..., help="评价记录编号")) -> None:
    """按保存的框架、对标组与选项复算一次评价，并说明输入与结果是否变化。"""
    from kechuang.core.db import session_scope
    from kechuang.zones import service

    with session_scope() as session:
        try:
            out = service.rerun(session, _principal(None), run_id)
        except service.ZoneServiceError as exc:
            _fail(str(exc), 2)
    console.print(
        f"评价记录 #{run_id}：输入{'未变化' if out['same_inputs'] else '已变化（统计数据有更正）'}，"
        f"结果{'一致' if out['same_results'] else '不同'}"
    )
