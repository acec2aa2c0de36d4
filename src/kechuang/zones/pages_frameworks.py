"""The evaluation frameworks page: each framework's rows, marked confirmed or reconstructed, with
their sources and data sources."""

from __future__ import annotations

from collections import Counter
from typing import Any

from nicegui import run, ui

from kechuang.core.db import session_scope
from kechuang.core.layout import frame
from kechuang.core.methodology import (
    CONFIRMATION,
    CONFIRMATION_COLORS,
    CONFIRMATION_NOTES,
    version_label,
)
from kechuang.core.methodology_ui import sources_section
from kechuang.zones import service
from kechuang.zones.frameworks import DEFAULT_FRAMEWORK
from kechuang.zones.widgets import READERS


def _frameworks() -> list[Any]:
    with session_scope() as session:
        return service.list_frameworks(session)


@ui.page("/evaluation/frameworks")
async def frameworks_page() -> None:
    """Each framework's rows, marked confirmed or reconstructed, with their data source."""
    with frame("评价框架", READERS) as principal:
        if principal is None:
            return
        fws = await run.io_bound(_frameworks)
        for fw in fws:
            rows = fw.rows_table()
            counts = Counter(r["status"] for r in rows)
            with ui.expansion(
                f"{fw.name}（版本 {version_label(fw.version)}）", value=fw.code == DEFAULT_FRAMEWORK
            ).classes("w-full"):
                ui.label(f"依据：{fw.document}").classes("kc-muted")
                ui.label(f"出处：{fw.source}").classes("kc-muted")
                ui.label(
                    f"共 {len(rows)} 行："
                    + "，".join(
                        f"{CONFIRMATION[k]} {counts[k]} 行" for k in CONFIRMATION if counts[k]
                    )
                    + f"；可计算并计分 {len(fw.indicators)} 行。{fw.method_note}"
                ).classes("kc-muted")
                for d in fw.dimensions:
                    with ui.row().classes("items-center gap-2 q-mt-sm"):
                        ui.label(f"{d.code} {d.name}（权重 {d.weight:g}）").classes(
                            "text-subtitle1"
                        )
                        _status_badge(d.status)
                    with ui.list().props("dense separator").classes("w-full"):
                        for r in [r for r in rows if r["dimension"] == d.code]:
                            with ui.item():
                                with ui.item_section().props("side"):
                                    _status_badge(r["status"])
                                with ui.item_section():
                                    ui.item_label(
                                        f"{r['row']} {r['name']}（赋权 {r['weight']:g}，{r['weight_status']}）"
                                    )
                                    ui.item_label(
                                        f"出处：{r['source']}" if r["source"] else "出处：未注明"
                                    ).props("caption")
                                    ui.item_label(
                                        f"数据来源：{r['data_source']}"
                                        + (f"；{r['note']}" if r["note"] else "")
                                    ).props("caption")
                sources_section(fw.source_codes())


def _status_badge(status: str) -> None:
    badge = ui.badge(
        CONFIRMATION.get(status, status), color=CONFIRMATION_COLORS.get(status, "orange")
    )
    badge.tooltip(CONFIRMATION_NOTES.get(status, ""))
