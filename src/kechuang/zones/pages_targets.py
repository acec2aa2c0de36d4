"""The target tracker page (3000亿元): actual, required path, projection band, status and each
zone's part of the remaining gap."""

from __future__ import annotations

from typing import Any

from nicegui import run, ui

from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.formatting import fmt_money, fmt_pct
from kechuang.core.layout import download_bytes, frame, stat_card
from kechuang.core.security import Principal
from kechuang.core.tables import money_cell
from kechuang.zones import report, service
from kechuang.zones.charts import tracker_chart
from kechuang.zones.widgets import READERS, load_choices, table_columns

STATUS_COLORS = {
    "achieved": "positive",
    "on_track": "positive",
    "at_risk": "warning",
    "off_track": "negative",
    "missed": "negative",
    "pending": "grey",
}


def _targets(principal: Principal, as_of: int | None) -> list[dict[str, Any]] | str:
    with session_scope() as session:
        try:
            return service.track_targets(session, principal, as_of)
        except service.ZoneServiceError as exc:
            return str(exc)


def _targets_xlsx(principal: Principal) -> bytes:
    with session_scope() as session:
        bind_principal(session, principal)
        return report.targets_xlsx(
            service.track_targets(session, principal), service.is_demo(session)
        )


@ui.page("/evaluation/targets")
async def targets_page() -> None:
    """The target tracker: actual, required path, projection band, status, zones' parts of the gap."""
    with frame("目标跟踪（3000亿元）", READERS) as principal:
        if principal is None:
            return
        ch = await run.io_bound(load_choices)

        @ui.refreshable
        async def body() -> None:
            tracks = await run.io_bound(_targets, principal, as_of.value)
            if tracks is None:
                return
            if isinstance(tracks, str):
                ui.label(tracks).classes("text-negative")
                return
            for t in tracks:
                tr = t["tracker"]
                if tr is None:
                    ui.label(t["name"]).classes("text-h6")
                    ui.label(t["withheld"]).classes("kc-muted").mark("target-withheld")
                    continue
                with ui.row().classes("items-center gap-2"):
                    ui.label(t["name"]).classes("text-h6")
                    ui.badge(tr["status_label"], color=STATUS_COLORS[tr["status"]]).mark(
                        "target-status"
                    )
                ui.label(
                    f"依据：{t['source']}；基期 {tr['baseline_year']} 年"
                    + ("（基期值取自统计数据）" if t.get("baseline_value") is None else "")
                ).classes("kc-muted")
                with ui.row().classes("gap-4"):
                    stat_card(f"{tr['latest_year']}年实际", fmt_money(tr["latest_value"]))
                    stat_card(
                        f"{tr['target_year']}年目标",
                        fmt_money(tr["target_value"]),
                        f"缺口 {fmt_money(max(tr['gap'], 0))}",
                    )
                    stat_card(
                        "要求年均增速",
                        fmt_pct(tr["required_cagr"]),
                        f"{tr['baseline_year']}–{tr['target_year']}",
                    )
                    stat_card(
                        "实际年均增速",
                        fmt_pct(tr["actual_cagr"]),
                        f"{tr['baseline_year']}–{tr['latest_year']}",
                    )
                    stat_card(
                        f"{tr['target_year']}年预测",
                        fmt_money(tr["projected_value"]),
                        f"{tr['confidence']:.0%}区间 {fmt_money(tr['projected_low'])}–{fmt_money(tr['projected_high'])}",
                    )
                ui.echart(tracker_chart(t)).classes("w-full h-96").mark("tracker-chart")
                ui.label(
                    "预测：对数营业收入的带漂移随机游走（漂移 = 基期以来年均对数增长）；预测区间按历年增长的波动和已有年数计算，离目标年越远越宽。"
                    "状态：已达成；按期可达（实际不低于要求路径）；存在风险（低于路径但预测区间上限可达目标）；难以达成；未达成（目标年已有数据且未达目标）；待数据（目标年已过、其数据尚未报送，显示预测区间）。"
                ).classes("kc-muted")
                ui.label("各高新区对剩余缺口的分担（按最新营收比例）").classes("text-subtitle1")
                rows = [
                    {
                        "zone": z["zone"],
                        "latest": money_cell(z["latest_value"], "亿元"),
                        "share": fmt_pct(z["share"]),
                        "cagr": fmt_pct(z["actual_cagr"]),
                        "need": money_cell(z["required_increase"], "亿元"),
                        "projected": money_cell(z["projected_value"], "亿元"),
                        "shortfall": money_cell(z["shortfall"], "亿元"),
                    }
                    for z in t["zones"]
                ]
                ui.table(
                    columns=table_columns(
                        ("zone", "高新区"),
                        ("latest", f"{tr['latest_year']}年营收（亿元）"),
                        ("share", "占比"),
                        ("cagr", "年均增速"),
                        ("need", "需新增（亿元）"),
                        ("projected", f"{tr['target_year']}年预测（亿元）"),
                        ("shortfall", "预测缺口（亿元）"),
                    ),
                    rows=rows,
                    row_key="zone",
                ).classes("w-full").mark("target-zones")

        with ui.row().classes("items-end gap-4"):
            years = sorted(ch["years"], reverse=True)
            as_of = ui.select(
                {y: f"截至{y}年" for y in years},
                label="截至年份",
                value=years[0] if years else None,
                on_change=lambda: body.refresh(),
            ).classes("w-40")

            async def export() -> None:
                download_bytes(await run.io_bound(_targets_xlsx, principal), "目标跟踪.xlsx")

            ui.button("导出 Excel", icon="download", on_click=export)
        await body()
