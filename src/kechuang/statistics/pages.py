"""The import page: templates, upload as a job with progress, the report, recent jobs and imports.

An upload becomes an import job (see statistics/import_jobs.py): the page shows its stage and rows
while it runs, can cancel it before the store step, and lists recent jobs with their results, so a
page reload loses nothing. A finished import can be undone from the list of imports.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nicegui import run, ui

from kechuang.core import jobs
from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.domain import DATA_ROLES, import_kind, import_kinds_for
from kechuang.core.errors import Conflict, UserError
from kechuang.core.excel import CellError, error_report
from kechuang.core.layout import download_bytes, frame, reset_demo_label
from kechuang.core.scope import RoleError
from kechuang.core.security import Principal, actor_label
from kechuang.statistics.import_jobs import run_import_job, submit_import
from kechuang.statistics.queries import list_imports
from kechuang.statistics.templates import kind_label
from kechuang.statistics.undo import undo_import


def _spec(principal: Principal, kind: str):  # noqa: ANN202 - an ImportKind
    spec = import_kind(kind)
    if spec is None or not spec.allowed(principal):
        raise RoleError("无权导入该类数据")
    return spec


def _submit(
    principal: Principal, kind: str, content: bytes, filename: str, dry_run: bool, confirm: bool
) -> int:
    with session_scope() as session:
        bind_principal(session, principal)
        return submit_import(
            session, principal, _spec(principal, kind), content, filename, dry_run, confirm
        )


def _run(
    job_id: int,
    principal: Principal,
    kind: str,
    content: bytes,
    filename: str,
    dry_run: bool,
    options: dict[str, Any],
) -> dict[str, Any]:
    spec = _spec(principal, kind)
    return run_import_job(job_id, principal, spec, content, filename, dry_run, (), **options)


def _template(kind: str) -> bytes:
    spec = import_kind(kind)
    assert spec is not None, kind
    return spec.template_bytes()


def _recent(principal: Principal) -> list[dict]:
    with session_scope() as session:
        return [
            {
                "id": b.id,
                "kind": kind_label(b.kind),
                "filename": b.filename,
                "rows": b.rows_total,
                "created": b.rows_created,
                "revised": b.rows_revised,
                "unchanged": b.rows_unchanged,
                "username": actor_label(b.username),
                "at": b.created_at.strftime("%Y-%m-%d %H:%M"),
                "status": f"已撤销（{actor_label(b.undone_by)}）" if b.undone_at else "有效",
                "undone": b.undone_at is not None,
            }
            for b in list_imports(session, principal, 20)
        ]


def _jobs(principal: Principal) -> list[dict[str, Any]]:
    with session_scope() as session:
        return [
            jobs.job_dict(j)
            for j in jobs.list_jobs(session, principal, 10)
            if j.kind.startswith("import:")
        ]


def _job(principal: Principal, job_id: int) -> dict[str, Any]:
    with session_scope() as session:
        return jobs.job_dict(jobs.get_job(session, principal, job_id))


def _cancel(principal: Principal, job_id: int) -> None:
    with session_scope() as session:
        jobs.request_cancel(session, principal, job_id)


def _undo(principal: Principal, batch_id: int) -> dict[str, Any]:
    with session_scope() as session:
        bind_principal(session, principal)
        return undo_import(session, principal, batch_id)


def _columns(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"name": k, "label": v, "field": k, "align": "left"} for k, v in pairs]


@ui.page("/imports")
async def imports_page() -> None:
    """Upload a file as an import job: every cell is checked; a bad file changes nothing."""
    with frame("数据导入", roles=DATA_ROLES) as principal:
        if principal is None:
            return
        kinds = {k.code: k.label for k in import_kinds_for(principal)}
        with ui.row().classes("items-end gap-4"):
            kind = ui.select(kinds, label="数据类型", value=next(iter(kinds))).classes("w-56")
            dry_run = ui.checkbox("仅校验（试导入，不保存）")
            ignore_unknown = ui.checkbox("忽略非模板列").tooltip(
                "表头不是模板列的列不导入（导入报告会列出）；不勾选时这样的列会被拒绝"
            )
            percent_fraction = ui.checkbox("百分比列按比例填写（0.35 即 35%）").tooltip(
                "确认后，全列数值都不大于 1 的百分比列乘以 100；否则 0.35 这样的数会被拒绝"
            )
            ui.button(
                "下载模板",
                icon="download",
                on_click=lambda: download_bytes(
                    _template(kind.value), f"{kind_label(kind.value)}模板.xlsx"
                ),
            )
        ui.label(
            "支持 .xlsx 和 .csv。导入作为任务排队执行，同一时间只有一个导入写入数据库；"
            "整个文件全部通过校验才会保存，有任何错误时不保存任何数据，并列出每个错误单元格。"
        ).classes("kc-muted")
        live = ui.column().classes("w-full")
        result = ui.column().classes("w-full")

        async def handle(e) -> None:
            content = await e.file.read()
            upload.reset()
            options = {
                "ignore_columns": bool(ignore_unknown.value),
                "percent_as_fraction": bool(percent_fraction.value),
            }
            await submit(content, e.file.name, bool(dry_run.value), kind.value, False, options)

        async def submit(
            content: bytes, filename: str, dry: bool, code: str, confirm: bool, options: dict
        ) -> None:
            try:
                job_id = await run.io_bound(
                    _submit, principal, code, content, filename, dry, confirm
                )
            except Conflict as exc:
                ask_duplicate(str(exc), content, filename, dry, code, options)
                return
            except UserError as exc:
                ui.notify(str(exc), type="negative")
                return
            if job_id is None:  # the server is shutting down
                return
            watch(job_id)
            state = await run.io_bound(
                _run, job_id, principal, code, content, filename, dry, options
            )
            if state is None:
                return
            finished(state)

        def ask_duplicate(
            message: str, content: bytes, filename: str, dry: bool, code: str, options: dict
        ) -> None:
            with ui.dialog() as dialog, ui.card():
                ui.label(message.split("。")[0] + "。仍要再次导入吗？")
                with ui.row():
                    ui.button("取消", on_click=dialog.close).props("flat")

                    async def again() -> None:
                        dialog.close()
                        await submit(content, filename, dry, code, True, options)

                    ui.button("仍要导入", on_click=again).props("color=warning")
            dialog.open()

        def watch(job_id: int) -> None:
            """Show a running job's stage and rows, read from memory (never the database)."""
            live.clear()
            with live, ui.card().classes("w-full"):
                title = ui.label(f"导入任务 #{job_id}：排队中").classes("text-subtitle1")
                bar = ui.linear_progress(value=0, show_value=False).props("instant-feedback")
                counts = ui.label("").classes("kc-muted")
                cancel = ui.button(
                    "取消导入", icon="cancel", on_click=lambda: request_cancel(job_id)
                ).props("flat color=negative")

            def tick() -> None:
                progress = jobs.LIVE.get(job_id)
                if progress is None:
                    timer.deactivate()
                    return
                title.text = (
                    f"导入任务 #{job_id}：{jobs.STAGES.get(progress.stage, progress.stage)}"
                )
                if progress.total:
                    bar.value = progress.done / progress.total
                    counts.text = f"{progress.done:,} / {progress.total:,} 行"
                cancel.visible = not progress.storing

            timer = ui.timer(0.25, tick)

        async def request_cancel(job_id: int) -> None:
            try:
                await run.io_bound(_cancel, principal, job_id)
                ui.notify(f"已请求取消任务 #{job_id}")
            except UserError as exc:
                ui.notify(str(exc), type="warning")

        def finished(state: dict[str, Any]) -> None:
            live.clear()
            show(state)
            asyncio.ensure_future(refresh(state))

        async def refresh(state: dict[str, Any]) -> None:
            if state["state"] == "done" and not state["dry_run"]:
                reset_demo_label()
            recent.rows = await run.io_bound(_recent, principal)
            recent.update()
            job_table.rows = job_rows(await run.io_bound(_jobs, principal))
            job_table.update()

        def show(state: dict[str, Any]) -> None:
            res = state.get("result") or {}
            result.clear()
            with result:
                if state["state"] in ("failed", "cancelled"):
                    ui.label(
                        f"导入任务 #{state['id']}{state['state_label']}：{state['error']}"
                    ).classes("text-negative text-subtitle1")
                    return
                ok = state["state"] == "done"
                summary = res.get("message", "").split("\n")[0]  # the notes are listed below
                ui.label(summary).classes(
                    ("text-positive" if ok else "text-negative") + " text-subtitle1"
                )
                for note in res.get("notes") or ():
                    ui.label(f"· {note}").classes("text-orange-9")
                if ok:
                    return
                cells = [
                    CellError(e["row"], e["column"], e["value"], e["reason"])
                    for e in res.get("errors", [])
                ]
                ui.button(
                    "下载错误报告",
                    icon="download",
                    on_click=lambda: download_bytes(
                        error_report(cells), f"{state['filename']}_错误报告.xlsx"
                    ),
                )
                ui.table(
                    columns=_columns(
                        ("row", "行号"), ("column", "列"), ("value", "值"), ("reason", "原因")
                    ),
                    rows=[{"id": i, **e.__dict__} for i, e in enumerate(cells)],
                    row_key="id",
                    pagination=20,
                ).classes("w-full").props("dense")

        upload = ui.upload(
            label="选择或拖入文件",
            auto_upload=True,
            on_upload=handle,
            max_file_size=50 * 1024 * 1024,
        ).props('accept=".xlsx,.xls,.csv"')

        ui.label("最近的导入任务（点击一行查看结果）").classes("text-subtitle1")
        job_table = ui.table(
            columns=_columns(
                ("created_at", "提交时间"),
                ("label", "内容"),
                ("username", "提交人"),
                ("state_label", "状态"),
                ("summary", "结果"),
            ),
            rows=[],
            row_key="id",
        ).classes("w-full")

        def job_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [
                {
                    **j,
                    "created_at": (j["created_at"] or "")[:16].replace("T", " "),
                    "summary": j["error"] or (j["result"] or {}).get("message", ""),
                }
                for j in items
            ]

        async def open_job(e) -> None:
            state = await run.io_bound(_job, principal, e.args[1]["id"])
            if state is not None and state["state"] not in jobs.ACTIVE:
                show(state)

        job_table.on("rowClick", open_job)
        items = await run.io_bound(_jobs, principal)
        job_table.rows = job_rows(items)
        for item in items:  # a job still running in this server: show its progress again
            if item["id"] in jobs.LIVE:
                watch(item["id"])
                break

        ui.label("最近的导入").classes("text-subtitle1")
        recent = ui.table(
            columns=_columns(
                ("id", "批次"),
                ("at", "时间"),
                ("kind", "类型"),
                ("filename", "文件"),
                ("rows", "行数"),
                ("created", "新增"),
                ("revised", "更正"),
                ("unchanged", "未变化"),
                ("username", "导入人"),
                ("status", "状态"),
                ("action", ""),
            ),
            rows=await run.io_bound(_recent, principal),
            row_key="id",
        ).classes("w-full")
        recent.add_slot(
            "body-cell-action",
            """<q-td :props="props"><q-btn v-if="!props.row.undone" size="sm" flat
            color="negative" label="撤销" @click="$parent.$emit('undo', props.row)" /></q-td>""",
        )

        def ask_undo(e) -> None:
            row = e.args
            with ui.dialog() as dialog, ui.card():
                ui.label(f"撤销导入批次 #{row['id']}“{row['filename']}”，恢复导入前的数据？")
                with ui.row():
                    ui.button("取消", on_click=dialog.close).props("flat")

                    async def confirm() -> None:
                        dialog.close()
                        try:
                            outcome = await run.io_bound(_undo, principal, row["id"])
                        except UserError as exc:
                            ui.notify(str(exc), type="negative", multi_line=True)
                            return
                        if outcome is not None:
                            ui.notify(outcome["message"], type="positive", multi_line=True)
                        reset_demo_label()
                        recent.rows = await run.io_bound(_recent, principal)
                        recent.update()

                    ui.button("撤销", on_click=confirm).props("color=negative")
            dialog.open()

        recent.on("undo", ask_undo)
