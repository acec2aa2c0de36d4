"""The import page: templates, upload with a dry run, the validation report and recent imports."""

from __future__ import annotations

from nicegui import run, ui

from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.domain import DATA_ROLES, import_kind, import_kinds_for
from kechuang.core.excel import error_report
from kechuang.core.layout import download_bytes, frame, reset_demo_label
from kechuang.core.scope import RoleError
from kechuang.core.security import Principal
from kechuang.statistics.imports import ImportReport
from kechuang.statistics.queries import list_imports
from kechuang.statistics.templates import kind_label


def _run_import(
    principal: Principal,
    kind: str,
    content: bytes,
    filename: str,
    dry_run: bool,
    ignore_unknown: bool = False,
    percent_as_fraction: bool = False,
) -> ImportReport:  # or a domain's report of the same shape
    with session_scope() as session:
        bind_principal(session, principal)
        spec = import_kind(kind)
        if spec is None or not spec.allowed(principal):
            raise RoleError("无权导入该类数据")
        report = spec.run_import(
            session,
            principal,
            content,
            filename,
            dry_run,
            ignore_columns=ignore_unknown,
            percent_as_fraction=percent_as_fraction,
        )
        if not report.ok:
            session.rollback()
        return report


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
                "username": b.username,
                "at": b.created_at.strftime("%Y-%m-%d %H:%M"),
            }
            for b in list_imports(session, principal, 20)
        ]


@ui.page("/imports")
async def imports_page() -> None:
    """Upload a file: every cell is checked; a bad file changes nothing and gets a report."""
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
            "支持 .xlsx 和 .csv。整个文件全部通过校验才会保存；有任何错误时不保存任何数据，"
            "并列出每个错误单元格。"
        ).classes("kc-muted")
        result = ui.column().classes("w-full")

        async def handle(e) -> None:
            content = await e.file.read()
            report = await run.io_bound(
                _run_import,
                principal,
                kind.value,
                content,
                e.file.name,
                bool(dry_run.value),
                bool(ignore_unknown.value),
                bool(percent_fraction.value),
            )
            if report is None:  # the server is shutting down
                return
            show(report)
            upload.reset()
            if report.ok and not report.dry_run:
                reset_demo_label()
                recent.rows = await run.io_bound(_recent, principal)
                recent.update()

        def show(report: ImportReport) -> None:
            result.clear()
            notes = list(getattr(report, "notes", []) or [])
            summary = report.message().split("\n")[0]  # the notes are listed below it
            with result:
                if report.ok:
                    ui.label(summary).classes("text-positive text-subtitle1")
                    for note in notes:
                        ui.label(f"· {note}").classes("kc-muted")
                    return
                ui.label(summary).classes("text-negative text-subtitle1")
                for note in notes:
                    ui.label(f"· {note}").classes("kc-muted")
                ui.button(
                    "下载错误报告",
                    icon="download",
                    on_click=lambda: download_bytes(
                        error_report(report.errors), f"{report.filename}_错误报告.xlsx"
                    ),
                )
                ui.table(
                    columns=[
                        {"name": k, "label": v, "field": k, "align": "left"}
                        for k, v in (
                            ("row", "行号"),
                            ("column", "列"),
                            ("value", "值"),
                            ("reason", "原因"),
                        )
                    ],
                    rows=[{"id": i, **e.__dict__} for i, e in enumerate(report.errors)],
                    row_key="id",
                    pagination=20,
                ).classes("w-full").props("dense")

        upload = ui.upload(
            label="选择或拖入文件",
            auto_upload=True,
            on_upload=handle,
            max_file_size=50 * 1024 * 1024,
        ).props('accept=".xlsx,.xls,.csv"')
        ui.label("最近的导入").classes("text-subtitle1")
        recent = ui.table(
            columns=[
                {"name": k, "label": v, "field": k, "align": "left"}
                for k, v in (
                    ("at", "时间"),
                    ("kind", "类型"),
                    ("filename", "文件"),
                    ("rows", "行数"),
                    ("created", "新增"),
                    ("revised", "更正"),
                    ("unchanged", "未变化"),
                    ("username", "导入人"),
                )
            ],
            rows=await run.io_bound(_recent, principal),
            row_key="id",
        ).classes("w-full")
