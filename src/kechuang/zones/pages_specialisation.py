"""The 一区一战略 page: strategic-industry shares, location quotients, concentration, the
similarity heat map and 错位 (overlap) flags."""

from __future__ import annotations

from typing import Any

from nicegui import run, ui

from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.formatting import fmt_pct
from kechuang.core.layout import download_bytes, frame
from kechuang.core.security import Principal
from kechuang.core.tables import money_cell
from kechuang.zones import report, service
from kechuang.zones.charts import heatmap_chart, share_chart
from kechuang.zones.widgets import READERS, fmt_num, load_choices, table_columns


def _spec(principal: Principal, year: int | None) -> dict[str, Any]:
    with session_scope() as session:
        return service.specialisation_view(session, principal, year)


def _spec_xlsx(principal: Principal, year: int | None) -> bytes:
    with session_scope() as session:
        bind_principal(session, principal)
        return report.specialisation_xlsx(
            service.specialisation_view(session, principal, year), service.is_demo(session)
        )


@ui.page("/evaluation/specialisation")
async def specialisation_page() -> None:
    """一区一战略: strategic-industry shares, LQ, HHI, the similarity heat map and 错位 flags."""
    with frame("一区一战略（错位发展）", READERS) as principal:
        if principal is None:
            return
        ch = await run.io_bound(load_choices)

        @ui.refreshable
        async def body() -> None:
            res = await run.io_bound(_spec, principal, year.value)
            if res is None:
                return
            if not res["zones"]:
                ui.label("暂无数据").classes("text-grey-7")
                return
            ui.label(
                f"{res['year']}年，按企业统计归属汇总营业收入；行业按 GB/T 4754 代码归入战略产业。"
            ).classes("kc-muted")
            rows = [
                {
                    "zone": z["zone"],
                    "declared": "、".join(f"{d['name']}" for d in z["declared"]) or "（未确定）",
                    "revenue": money_cell(z["revenue"], "亿元"),
                    "share": fmt_pct(z["declared_share"]),
                    "hhi": fmt_num(z["hhi"], 3),
                }
                for z in res["zones"]
            ]
            ui.table(
                columns=table_columns(
                    ("zone", "高新区"),
                    ("declared", "一区一战略产业"),
                    ("revenue", "营业收入（亿元）"),
                    ("share", "战略产业营收占比"),
                    ("hhi", "产业集中度（赫芬达尔指数）"),
                ),
                rows=rows,
                row_key="zone",
            ).classes("w-full").mark("spec-zones")
            ui.label("各高新区营业收入的产业构成（%）").classes("text-subtitle1")
            ui.echart(share_chart(res)).classes("w-full").style(
                f"height: {max(260, 50 * len(res['zones']) + 90)}px"
            ).mark("share-bars")
            ui.label("产业结构相似度（余弦相似度，0 = 完全错位，1 = 完全相同）").classes(
                "text-subtitle1"
            )
            ui.echart(heatmap_chart(res)).classes("w-full").style("height: 460px").mark(
                "similarity-heatmap"
            )
            ui.label(
                f"同质化提示（相似度 ≥ {res['threshold']} 且在同一新兴产业上两区区位商均 ≥ 1 或均列为战略产业）"
            ).classes("text-subtitle1")
            if res["flags"]:
                for f in res["flags"]:
                    ui.label(
                        f"⚠ {f['zone_a']} 与 {f['zone_b']}：相似度 {f['similarity']:.2f}，重叠："
                        + "、".join(i["name"] for i in f["industries"])
                    ).classes("text-warning")
            else:
                ui.label("未发现在同一新兴产业上高度重叠的高新区。").classes("text-positive")
            ui.label("区位商（大于 1 表示该产业在本区的比重高于全市）").classes("text-subtitle1")
            roles = {"main": "主导", "emerging": "新兴", "upgrading": "转型升级"}
            cells = [
                {
                    "key": f"{c['zone']}-{c['industry']}",
                    "zone": c["zone"],
                    "industry": c["industry_name"],
                    "role": roles.get(c["role"] or "", "—"),
                    "revenue": money_cell(c["revenue"], "亿元"),
                    "share": fmt_pct(c["share"]),
                    "lq": fmt_num(c["lq"]),
                }
                for c in res["cells"]
            ]
            ui.table(
                columns=table_columns(
                    ("zone", "高新区"),
                    ("industry", "产业"),
                    ("role", "本区定位"),
                    ("revenue", "营业收入（亿元）"),
                    ("share", "占本区比例"),
                    ("lq", "区位商"),
                ),
                rows=cells,
                row_key="key",
                pagination=15,
            ).classes("w-full")

        with ui.row().classes("items-end gap-4"):
            years = ch["years"]
            year = ui.select(
                {y: f"{y}年" for y in years},
                label="年度",
                value=years[0] if years else None,
                on_change=lambda: body.refresh(),
            ).classes("w-32")

            async def export() -> None:
                download_bytes(
                    await run.io_bound(_spec_xlsx, principal, year.value), "一区一战略.xlsx"
                )

            ui.button("导出 Excel", icon="download", on_click=export)
        await body()
