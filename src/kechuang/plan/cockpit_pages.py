"""The cockpit page /plan/cockpit: seven tiles on one 1920×1080 screen, each linking to its detail
page, plus the button that downloads the annual implementation report (Word)."""

from __future__ import annotations

from datetime import date
from typing import Any

from nicegui import run, ui

from kechuang.core import audit
from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.layout import download_bytes, frame
from kechuang.core.security import Principal
from kechuang.plan.cockpit import COCKPIT_ROLES, STATUS_COLOURS, cockpit, default_year, figure
from kechuang.plan.cockpit_charts import CHARTS

# tile placement on a 4-column grid: the targets tile is twice as wide
SPANS = {"targets": 2}
CSS = """
.kc-cockpit { display:grid; grid-template-columns:repeat(4, minmax(0, 1fr)); gap:14px; width:100%; }
.kc-tile { height:max(340px, calc((100vh - 280px) / 2)); display:flex; flex-direction:column;
  padding:10px 16px; overflow:hidden; gap:6px; }
.kc-tile-title { font-size:20px; font-weight:600; white-space:nowrap; overflow:hidden;
  text-overflow:ellipsis; }
.kc-stat-value { font-size:24px; font-weight:700; line-height:1.1; white-space:nowrap; }
.kc-stat-label { font-size:13px; color:#546e7a; white-space:nowrap; }
.kc-tile-message { font-size:18px; color:#78909c; margin:auto; text-align:center; }
.kc-target-row { font-size:15px; line-height:1.5; }
"""


def _load(principal: Principal, year: int) -> dict[str, Any]:
    with session_scope() as session:
        return cockpit(session, principal, year)


def _years(principal: Principal) -> tuple[list[int], int]:
    with session_scope() as session:
        year = default_year(session)
    return list(range(year + 1, year - 6, -1)), year


def _report(principal: Principal, year: int) -> bytes:
    from kechuang.plan.report import annual_report

    with session_scope() as session:
        bind_principal(session, principal)
        content = annual_report(session, principal, year)
        audit.record(
            session, "export", "plan_report", year, f"导出{year}年度规划实施情况报告（Word）"
        )
        return content


def _stats(tile: dict[str, Any]) -> None:
    # three figures fit a one-column tile at 1920 px; the wide targets tile takes five
    with ui.row().classes("gap-5 items-end no-wrap"):
        for s in tile["stats"][: 5 if SPANS.get(tile["key"], 1) > 1 else 3]:
            with ui.column().classes("gap-0"):
                ui.label(figure(s["value"], s["unit"])).classes("kc-stat-value")
                ui.label(s["label"]).classes("kc-stat-label")


def _targets_body(tile: dict[str, Any]) -> None:
    with ui.row().classes("w-full no-wrap gap-4").style("flex:1; min-height:0"):
        ui.echart(CHARTS["targets"](tile)).style("width:40%; height:100%")
        with ui.column().classes("gap-0").style("flex:1; overflow-y:auto; height:100%"):
            for it in tile["items"]:
                value = figure(it["value"], it["unit"])
                target = figure(it["target_value"], it["unit"])
                with ui.row().classes("kc-target-row no-wrap items-center gap-2 w-full"):
                    ui.badge(it["status_label"]).style(
                        f"background:{STATUS_COLOURS.get(it['status'], '#607d8b')}; font-size:13px"
                    )
                    ui.link(it["title"], it["link"] or "/plan").classes("ellipsis").style(
                        "flex:1; color:inherit"
                    )
                    ui.label(f"{value} / {target}").classes("text-grey-8")


def _tile(tile: dict[str, Any]) -> None:
    span = SPANS.get(tile["key"], 1)
    empty = bool(tile["message"]) and not tile["items"]
    with (
        ui.card()
        .classes(f"kc-tile kc-tile-{tile['key']}" + (" kc-tile-empty" if empty else ""))
        .style(f"grid-column: span {span}")
        .mark(f"tile-{tile['key']}")
    ):
        with ui.row().classes("w-full items-center justify-between no-wrap"):
            ui.label(tile["title"]).classes("kc-tile-title")
            if tile["link"]:
                ui.link("详情 →", tile["link"]).classes("text-primary text-subtitle1")
        if empty:
            ui.label(tile["message"]).classes("kc-tile-message").mark("tile-message")
            return
        _stats(tile)
        if tile["key"] == "targets":
            _targets_body(tile)
        elif tile["items"]:
            ui.echart(CHARTS[tile["key"]](tile)).classes("w-full").style("flex:1; min-height:0")
        else:
            ui.label(tile["message"] or "暂无数据").classes("kc-tile-message")


# the tiles read seven domains: allow the page longer than NiceGUI's default 3 s to build
@ui.page("/plan/cockpit", response_timeout=90)
async def cockpit_page() -> None:
    """The leadership cockpit (领导驾驶舱)."""
    with frame("领导驾驶舱", COCKPIT_ROLES) as principal:
        if principal is None:
            return
        ui.add_css(CSS)
        years, year = await run.io_bound(_years, principal)

        async def download() -> None:
            content = await run.io_bound(_report, principal, select.value)
            download_bytes(content, f"{select.value}年度规划实施情况报告.docx")

        with ui.row().classes("items-center gap-4"):
            select = ui.select(
                {y: f"{y}年" for y in years}, value=year, label="年度", on_change=lambda: load()
            ).classes("w-32")
            ui.button("下载年度实施报告（Word）", icon="description", on_click=download).mark(
                "report-button"
            )
            ui.label(f"数据截至 {date.today().isoformat()}").classes("text-grey-7")
            scope = ui.label("").classes("text-grey-7")
        holder = ui.column().classes("w-full gap-2")

        async def load() -> None:
            # loaded while the page is built (not after it is sent), so nothing reads the
            # database once the page has answered
            data = await run.io_bound(_load, principal, select.value)
            if data is None:  # the browser went away
                return
            holder.clear()
            with holder:
                scope.set_text(f"范围：{data['scope_note']}")
                with ui.element("div").classes("kc-cockpit").mark("cockpit"):
                    for tile in data["tiles"]:
                        _tile(tile)

        await load()
