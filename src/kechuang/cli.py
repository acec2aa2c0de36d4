"""The `kechuang` command: database, templates, imports, exports, users, the demo and the server."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.table import Table

from kechuang.core.cli import cli_principal, console, fail
from kechuang.core.security import ROLES
from kechuang.domains import cli_groups, import_kinds, install

install()
app = typer.Typer(
    help="科创 kechuang：城市科技创新规划管理平台",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="数据库迁移", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _kinds_help() -> str:
    return "、".join(f"{k.code}（{k.label}）" for k in import_kinds())


def add_groups(target: typer.Typer) -> typer.Typer:
    """Add the composite and matching engines' and every domain's command groups to a typer app."""
    from kechuang.engines.composite.cli import app as index_app
    from kechuang.engines.matching.cli import app as match_app

    target.add_typer(index_app, name="index")
    target.add_typer(match_app, name="match")
    for name, group in cli_groups():
        target.add_typer(group, name=name)
    return target


add_groups(app)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Option("heads", help="目标版本（默认最新）")) -> None:
    """迁移数据库到最新版本，并载入城市配置（高新区、园区、战略产业）。"""
    from kechuang.core.db import session_scope, upgrade
    from kechuang.registry.service import load_city_config

    _reachable_or_fail()
    upgrade(None, revision)
    if revision in ("head", "heads"):
        with session_scope() as session:
            counts = load_city_config(session)
        console.print(f"数据库已迁移到最新版本；城市配置新增：{counts}")
    else:
        console.print(f"数据库已迁移到 {revision}")


@db_app.command("downgrade")
def db_downgrade(
    revision: str = typer.Argument(..., help="目标版本，base 为清空"),
    yes: bool = typer.Option(False, "--yes", "-y", help="不再询问，直接执行（脚本中使用）"),
) -> None:
    """回退数据库迁移（会删除表和数据，先确认；建议先 kechuang db backup）。"""
    from kechuang.core.db import downgrade

    _reachable_or_fail()
    _confirm(f"将回退数据库迁移到 {revision}，可能删除表和数据。确定吗？", yes)
    downgrade(None, revision)
    console.print(f"数据库已回退到 {revision}")


def _reachable_or_fail() -> None:
    """Stop with a Chinese message (not a traceback) when the database cannot be reached."""
    from kechuang.core.db import SCHEMA_MESSAGES, schema_status

    if schema_status() == "unreachable":
        fail(SCHEMA_MESSAGES["unreachable"], 2)


def _confirm(question: str, yes: bool) -> None:
    """Ask before a destructive step; without a terminal (cron, scripts) only --yes proceeds."""
    if yes:
        return
    try:
        agreed = typer.confirm(question, default=False)
    except typer.Abort:
        # no answer could be read: stdin is closed or not a terminal
        console.print()
        fail("未得到确认，未做任何更改。在脚本或计划任务中运行时请加 --yes", 2)
    if not agreed:
        fail("已取消，未做任何更改", 1)


@db_app.command("backup")
def db_backup(
    file: Path = typer.Argument(..., help="备份文件，如 科创备份_20260101.kcbak"),
) -> None:
    """备份整个数据库到一个文件（SQLite 与 PostgreSQL 通用格式，含审计日志；运行中也可备份）。"""
    from kechuang.core.audit import bind_principal, record
    from kechuang.core.backup import BackupError, backup
    from kechuang.core.config import get_settings
    from kechuang.core.db import session_scope
    from kechuang.domains import load_models

    load_models()
    try:
        manifest = backup(get_settings().resolved_database_url(), file)
    except BackupError as exc:
        fail(str(exc), 2)
    with session_scope() as session:
        bind_principal(session, cli_principal(None))
        record(
            session,
            "backup",
            "database",
            summary=f"备份数据库到 {file.name}：{len(manifest.tables)} 张表，{manifest.total_rows} 行",
        )
    console.print(
        f"[green]已备份到 {file}：{len(manifest.tables)} 张表，共 {manifest.total_rows} 行[/green]"
    )


@db_app.command("restore")
def db_restore(
    file: Path = typer.Argument(..., help="kechuang db backup 生成的备份文件"),
    force: bool = typer.Option(False, "--force", help="目标数据库已有数据时，删除后用备份覆盖"),
    yes: bool = typer.Option(False, "--yes", "-y", help="不再询问，直接执行（脚本中使用）"),
) -> None:
    """从备份文件恢复：先完整校验文件，全部恢复或全部不恢复；空数据库会先自动迁移。"""
    from kechuang.core.audit import bind_principal, record
    from kechuang.core.backup import BackupError, NotEmptyError, read_manifest, restore, target_rows
    from kechuang.core.config import get_settings
    from kechuang.core.db import schema_status
    from kechuang.domains import load_models

    load_models()
    url = get_settings().resolved_database_url()
    principal = cli_principal(None)

    def audit(session, manifest) -> None:  # noqa: ANN001 - a Session and a Manifest
        bind_principal(session, principal)
        record(
            session,
            "restore",
            "database",
            summary=f"从 {file.name}（{manifest.created_at} 备份）恢复数据库："
            f"{len(manifest.tables)} 张表，{manifest.total_rows} 行",
        )

    try:
        manifest = read_manifest(file)
        existing = target_rows(url) if schema_status(url) == "ok" else {}
        if existing and not force:
            raise NotEmptyError(existing)
        if existing:
            _confirm(
                f"将删除当前数据库的全部数据（{sum(existing.values())} 行），"
                f"用备份 {file.name}（{manifest.created_at}）覆盖。确定吗？",
                yes,
            )
        restore(url, file, force=force, after=audit)
    except BackupError as exc:
        fail(str(exc), 2)
    console.print(
        f"[green]已从 {file} 恢复：{len(manifest.tables)} 张表，共 {manifest.total_rows} 行，"
        "校验和全部一致[/green]"
    )


@app.command("template")
def template_cmd(
    kind: str = typer.Argument(..., help=_kinds_help()),
    file: Path = typer.Argument(..., help="输出的 .xlsx 文件"),
) -> None:
    """下载导入模板（中文表头，含填写说明）。"""
    file.write_bytes(_import_kind(kind).template_bytes())
    console.print(f"模板已写入 {file}")


def _import_kind(code: str, exit_code: int = 2):  # noqa: ANN202 - an ImportKind
    from kechuang.core.domain import import_kind

    kind = import_kind(code)
    if kind is None:
        fail(f"未知的数据类型“{code}”，可选：{_kinds_help()}", exit_code)
    return kind


@app.command("import")
def import_cmd(
    kind: str = typer.Argument(..., help=_kinds_help()),
    file: Path = typer.Argument(..., help=".xlsx 或 .csv 文件"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只校验，不保存"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限导入"),
    report: Path | None = typer.Option(None, help="错误报告 .xlsx 的输出位置"),
    yes: bool = typer.Option(False, "--yes", "-y", help="文件已导入过时不再询问，直接再次导入"),
    ignore_columns: str = typer.Option(
        "", "--ignore-columns", help='要忽略的非模板列表头，用逗号分隔，如 "备注,联系人"'
    ),
    ignore_unknown_columns: bool = typer.Option(
        False, "--ignore-unknown-columns", help="忽略所有非模板列（导入报告会列出）"
    ),
    percent_fraction: bool = typer.Option(
        False,
        "--percent-fraction",
        help="确认百分比列按比例填写（0.35 即 35%）：全列不大于 1 时乘以 100",
    ),
) -> None:
    """导入文件：作为任务排队执行（同一时间只有一个导入写入），显示进度；全部单元格通过校验才保存，
    否则列出每个错误单元格并以非零状态退出。"""
    from kechuang.core.db import session_scope
    from kechuang.core.excel import parse_ignore_columns
    from kechuang.statistics.import_jobs import (
        duplicate_of,
        run_import_job,
        sha256_of,
        submit_import,
    )

    spec = _import_kind(kind, exit_code=1)  # an unknown kind is a bad file, as it always was
    if not file.is_file():
        fail(f"文件不存在：{file}", 2)
    principal = cli_principal(user)
    if not spec.allowed(principal):
        fail(f"当前角色（{principal.role_label}）无权导入{spec.label}", 2)
    content = file.read_bytes()
    with session_scope() as session:
        notice = (
            None if dry_run else duplicate_of(session, principal, spec.code, sha256_of(content))
        )
        if notice:
            _confirm(f"{notice}。仍要再次导入吗？", yes)
        job_id = submit_import(session, principal, spec, content, file.name, dry_run, True)
    options = {
        "ignore_columns": parse_ignore_columns(ignore_columns, ignore_unknown_columns),
        "percent_as_fraction": percent_fraction,
    }
    state = _run_with_progress(
        job_id,
        lambda listener: run_import_job(
            job_id, principal, spec, content, file.name, dry_run, (listener,), **options
        ),
    )
    _print_import_outcome(state, file, report)


def _run_with_progress(job_id: int, start):  # noqa: ANN001, ANN202 - start(listener) -> job dict
    """Run a job with a rich progress bar: its stage (queued, read, check, store) and rows."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kechuang.core.jobs import STAGES

    columns = (
        TextColumn(f"任务 #{job_id}"),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(STAGES["queue"], total=None)

        def listener(progress) -> None:  # noqa: ANN001 - core.jobs.Progress
            bar.update(
                task,
                description=STAGES.get(progress.stage, progress.stage),
                total=progress.total or None,
                completed=progress.done,
            )

        return start(listener)


def _print_import_outcome(state: dict, file: Path, report: Path | None) -> None:
    """Print a finished import job: its summary and notes, or every bad cell and the report."""
    from rich.markup import escape  # cells and notes hold brackets such as [清空]

    from kechuang.core.excel import CellError, error_report

    result = state.get("result") or {}
    if state["state"] in ("failed", "cancelled"):
        fail(f"导入任务 #{state['id']}{state['state_label']}：{state['error']}", 1)
    summary = result.get("message", "").split("\n")[0]
    notes = result.get("notes") or []
    if state["state"] == "done":
        console.print(f"[green]{escape(summary)}[/green]（任务 #{state['id']}）")
        for note in notes:
            console.print(f"· {escape(note)}")
        return
    for note in notes:
        console.print(f"· {escape(note)}")
    errors = [CellError(e["row"], e["column"], e["value"], e["reason"]) for e in result["errors"]]
    table = Table("行号", "列", "值", "原因", title=escape(summary))
    for err in errors[:200]:
        table.add_row(str(err.row), escape(err.column), escape(err.value), escape(err.reason))
    console.print(table)
    if len(errors) > 200:
        console.print(f"……另有 {len(errors) - 200} 处错误，见错误报告")
    out = report or file.with_name(file.stem + "_错误报告.xlsx")
    out.write_bytes(error_report(errors))
    console.print(f"错误报告已写入 {out}")
    raise typer.Exit(1)


imports_app = typer.Typer(help="导入记录：查看与撤销", no_args_is_help=True)
app.add_typer(imports_app, name="imports")


@imports_app.command("list")
def imports_list(
    user: str | None = typer.Option(None, help="以该用户的身份查看"),
    limit: int = typer.Option(20, help="条数"),
) -> None:
    """最近的导入批次（市科技局看全部，其他人看自己的）。"""
    from kechuang.core.db import session_scope
    from kechuang.statistics.queries import list_imports
    from kechuang.statistics.templates import kind_label

    principal = cli_principal(user)
    table = Table("批次", "时间", "类型", "文件", "行数", "新增", "更正", "导入人", "状态")
    with session_scope() as session:
        for b in list_imports(session, principal, limit):
            table.add_row(
                str(b.id),
                b.created_at.strftime("%Y-%m-%d %H:%M"),
                kind_label(b.kind),
                b.filename,
                str(b.rows_total),
                str(b.rows_created),
                str(b.rows_revised),
                b.username,
                f"已撤销（{b.undone_by}）" if b.undone_at else "有效",
            )
    console.print(table)


@imports_app.command("undo")
def imports_undo(
    batch: int = typer.Argument(..., help="导入批次编号（见 kechuang imports list）"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限撤销"),
    yes: bool = typer.Option(False, "--yes", "-y", help="不再询问"),
) -> None:
    """撤销一次导入：撤回它写入的版本，恢复导入前的版本（之后的导入改过同样的数据时拒绝）。"""
    from kechuang.core import jobs
    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.errors import UserError
    from kechuang.statistics.undo import get_batch, undo_import

    principal = cli_principal(user)
    with session_scope() as session:
        try:
            found = get_batch(session, principal, batch)
        except UserError as exc:
            fail(str(exc), 2)
        label = f"导入批次 #{found.id}“{found.filename}”"
    _confirm(f"将撤销{label}，恢复导入前的数据。确定吗？", yes)

    def work(session):  # noqa: ANN001, ANN202
        bind_principal(session, principal)
        return undo_import(session, principal, batch)

    state = jobs.run(principal, "undo_import", f"撤销{label}", work)
    if state["state"] != "done":
        fail(state["error"] or "撤销失败", 1)
    console.print(f"[green]{state['result']['message']}[/green]")


jobs_app = typer.Typer(help="任务：导入等较长的运行", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


@jobs_app.command("list")
def jobs_list(
    user: str | None = typer.Option(None, help="以该用户的身份查看"),
    limit: int = typer.Option(20, help="条数"),
) -> None:
    """最近的任务及其状态（进程已中止的排队/运行中任务显示为失败）。"""
    from kechuang.core.db import session_scope
    from kechuang.core.jobs import job_dict, list_jobs

    principal = cli_principal(user)
    table = Table("任务", "创建时间", "内容", "用户", "状态", "阶段", "进度", "说明")
    with session_scope() as session:
        for j in list_jobs(session, principal, limit):
            d = job_dict(j)
            done, total = d["progress_done"], d["progress_total"]
            table.add_row(
                str(d["id"]),
                j.created_at.strftime("%Y-%m-%d %H:%M"),
                d["label"],
                d["username"],
                d["state_label"],
                d["stage_label"],
                f"{done}/{total}" if total else "",
                d["error"] or (d["result"] or {}).get("message", ""),
            )
    console.print(table)


@jobs_app.command("cancel")
def jobs_cancel(
    job_id: int = typer.Argument(..., help="任务编号"),
    user: str | None = typer.Option(None, help="以该用户的身份取消"),
) -> None:
    """取消排队中或尚未开始保存的任务。"""
    from kechuang.core.db import session_scope
    from kechuang.core.errors import UserError
    from kechuang.core.jobs import request_cancel

    principal = cli_principal(user)
    try:
        with session_scope() as session:
            request_cancel(session, principal, job_id)
    except UserError as exc:
        fail(str(exc), 2)
    console.print(f"已请求取消任务 #{job_id}")


@app.command("export")
def export_cmd(
    kind: str = typer.Argument(..., help=_kinds_help()),
    file: Path = typer.Argument(..., help="输出的 .xlsx 文件"),
    zone: str | None = typer.Option(None, help="只导出该高新区（名称或代码）"),
    year: int | None = typer.Option(None, help="只导出该年度"),
    user: str | None = typer.Option(None, help="以该用户的身份和权限导出"),
) -> None:
    """导出数据，列与模板一致，可直接再导入。"""
    from sqlalchemy import or_, select

    from kechuang.core.audit import bind_principal
    from kechuang.core.db import session_scope
    from kechuang.core.excel import ImportFileError
    from kechuang.registry.models import Zone
    from kechuang.registry.service import EnterpriseFilter
    from kechuang.statistics.exports import export_file

    principal = cli_principal(user)
    with session_scope() as session:
        bind_principal(session, principal)
        zone_id = None
        if zone:
            zone_id = session.scalar(
                select(Zone.id).where(or_(Zone.name == zone, Zone.code == zone))
            )
            if zone_id is None:
                fail(f"未知的高新区：{zone}", 2)
        try:
            content = export_file(session, principal, kind, EnterpriseFilter(zone_id=zone_id), year)
        except ImportFileError as exc:
            fail(str(exc), 2)
    file.write_bytes(content)
    console.print(f"已导出到 {file}")


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8080),
    api_only: bool = typer.Option(
        False, "--api-only", help="只提供 /api/v1 接口（无网页界面），可多进程；见 docs/scale.md"
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="工作进程数（大于 1 时须同时使用 --api-only）"
    ),
) -> None:
    """启动网页界面与 API（生产使用：先设置 KECHUANG_SECRET_KEY，执行 kechuang db upgrade 并创建用户）。"""
    if workers > 1 and not api_only:
        # NiceGUI keeps each open page's state and its websocket in the process that built it:
        # a second process behind the same port would receive events for pages it never built.
        fail(
            "网页界面只能在一个进程中运行（每个打开的页面的状态保存在生成它的进程里）。"
            "需要多进程时，请另行启动 kechuang serve --api-only --workers N --port 另一端口，"
            "并由反向代理把 /api/ 转发到该端口（见 docs/scale.md）",
            2,
        )
    _serve(host, port, demo=False, api_only=api_only, workers=workers)


def _serve(host: str, port: int, demo: bool, api_only: bool = False, workers: int = 1) -> None:
    """Serve the app; only the demo may run with the published default secret key."""
    import uvicorn

    from kechuang.core.config import Settings, get_settings

    if get_settings().secret_key == Settings.model_fields["secret_key"].default:
        if not demo:
            # the default key is public: anyone could sign a session cookie for this server
            fail(
                "未设置 KECHUANG_SECRET_KEY：不能用公开的默认密钥启动服务。请设置一个随机长字符串，"
                "例如 KECHUANG_SECRET_KEY=\"$(python -c 'import secrets;print(secrets.token_urlsafe(48))')\"",
                1,
            )
        console.print(
            "[yellow]演示模式：使用开发用默认密钥（演示数据库，不要存放真实数据）[/yellow]"
        )
    _require_ready_database()
    if api_only:
        # the API keeps no state in the process (tokens, sessions and locks are in the database),
        # so uvicorn's workers can share one port
        uvicorn.run(
            "kechuang.app:create_api",
            factory=True,
            host=host,
            port=port,
            log_level="info",
            workers=workers,
        )
        return
    uvicorn.run("kechuang.main:app", host=host, port=port, log_level="info", workers=1)


def _require_ready_database() -> None:
    """Refuse to serve a database that is unreachable, empty or not at the code's migrations."""
    from kechuang.core.config import get_settings
    from kechuang.core.db import SCHEMA_MESSAGES, schema_status

    status = schema_status()
    if status == "ok":
        return
    message = SCHEMA_MESSAGES[status]
    settings = get_settings()
    if status == "empty" and not settings.database_url and (settings.var_dir / "demo.db").exists():
        # kechuang demo --build-only keeps the demo in var/demo.db, beside the production database
        message += "；若要打开已生成的演示数据库，请运行 kechuang demo（或 bash kc.sh demo）"
    fail(message, 1)


@app.command("demo")
def demo(
    port: int = typer.Option(8080, help="端口"),
    host: str = typer.Option("127.0.0.1"),
    build_only: bool = typer.Option(False, "--build-only", help="只生成演示数据库，不启动服务"),
    rebuild: bool = typer.Option(False, "--rebuild", help="删除并重建演示数据库"),
    enterprises: int = typer.Option(
        3000, "--enterprises", min=100, help="演示企业数（规模测试可用 100000）"
    ),
) -> None:
    """生成（或复用）演示数据库，并在 http://127.0.0.1:8080 启动网页界面与 API。"""
    from kechuang.demo.loader import DEMO_LOGINS, build_demo, demo_database_url

    url = demo_database_url(rebuild)
    os.environ["KECHUANG_DATABASE_URL"] = url
    from kechuang.core.config import get_settings

    get_settings.cache_clear()
    summary = build_demo(lambda msg: console.print(msg), n_enterprises=enterprises)
    console.print(summary)
    table = Table("角色", "用户名", "密码", "说明", title="演示账号")
    for login in DEMO_LOGINS:
        table.add_row(
            ROLES[login["role"]].label, login["username"], login["password"], login["note"]
        )
    console.print(table)
    if build_only:
        return
    console.print(f"打开 http://{host}:{port} （API 文档：http://{host}:{port}/api/docs）")
    _serve(host, port, demo=True)


@app.command("panel")
def panel(
    file: Path = typer.Argument(..., help="输出的 Parquet 文件"),
    enterprises: int = typer.Option(1_000_000, help="企业数"),
    seed: int = typer.Option(20251, help="随机种子"),
) -> None:
    """生成大规模演示面板（企业年度统计，Parquet），供基准测试使用；不写数据库。"""
    import time

    from kechuang.demo.generator import write_panel_parquet

    start = time.perf_counter()
    write_panel_parquet(file, enterprises, seed=seed)
    console.print(f"已写入 {file}（{enterprises:,} 家企业，{time.perf_counter() - start:.1f} 秒）")


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
