"""Figures pages and sections: the home dashboard, the enterprise list, and the figures blocks that
statistics adds to the registry's zone and enterprise pages."""

from __future__ import annotations

from typing import Any

import polars as pl
from fastapi.responses import RedirectResponse
from nicegui import run, ui

from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.domain import DATA_ROLES
from kechuang.core.formatting import fmt_figure, fmt_int, fmt_money, fmt_pct
from kechuang.core.layout import (
    download_bytes,
    frame,
    session_principal,
    start_page,
    stat_card,
)
from kechuang.core.scope import ScopeError
from kechuang.core.security import Principal, actor_label
from kechuang.core.tables import (
    PageRequest,
    ServerTable,
    chosen_year,
    link_cell,
    money_cell,
    sortable_columns,
    year_select,
)
from kechuang.registry.models import TECH_FIELDS
from kechuang.registry.scope import can_see_zone_data
from kechuang.registry.service import EnterpriseFilter, get_enterprise, industry_label, list_zones
from kechuang.statistics.exports import export_file
from kechuang.statistics.fields import ENTERPRISE_YEAR_FIELDS
from kechuang.statistics.history import enterprise_registry_history
from kechuang.statistics.queries import (
    counting_rule_line,
    enterprise_list_years,
    enterprise_revisions,
    enterprise_years,
    list_enterprises,
    zone_totals,
    zone_year_figures,
)
from kechuang.statistics.templates import kind_label

CITY_REVENUE_TARGET_WAN = 30_000_000  # 3000亿元 (plan (五)2), shown as a line on the home chart


def _home_data(principal: Principal) -> dict[str, Any]:
    with session_scope() as session:
        totals = zone_totals(session, principal)
        zones = [(z.id, z.name) for z in list_zones(session)]
    return {"totals": totals, "zones": zones}


@ui.page("/")
async def home_page() -> RedirectResponse | None:
    """Enterprises and revenue by zone, with the 3000亿元 target for city admins.

    The city dashboard is the bureau's page: a role with a start page of its own (an enterprise,
    a zone, a bank) is sent there instead of seeing the city's figures cut to its scope.
    """
    own = session_principal()
    if own is not None and not own.must_change_password and start_page(own) != "/":
        return RedirectResponse(start_page(own), status_code=303)  # before anything is built
    with frame("首页", roles=DATA_ROLES) as principal:
        if principal is None:
            return
        data = await run.io_bound(_home_data, principal)
        totals: pl.DataFrame = data["totals"]
        if totals.is_empty():
            ui.label("暂无统计数据：请先在“数据导入”页导入企业名录和企业年度统计。").classes(
                "text-grey-7"
            )
            return
        year = int(totals.get_column("year").max())
        latest = totals.filter(pl.col("year") == year)
        with ui.row().classes("gap-4"):
            stat_card(f"{year}年 企业数", fmt_int(latest.get_column("enterprises").sum(), " 家"))
            stat_card(
                f"{year}年 营业收入合计", fmt_money(latest.get_column("operating_revenue").sum())
            )
            stat_card(f"{year}年 研发费用合计", fmt_money(latest.get_column("rd_expense").sum()))
            revenue = latest.get_column("operating_revenue").sum()
            rd = latest.get_column("rd_expense").sum()
            stat_card(
                "研发投入强度", fmt_pct(rd / revenue if revenue else None), "研发费用 / 营业收入"
            )
        years = sorted(totals.get_column("year").unique().to_list())
        series = []
        for zone_id, name in data["zones"]:
            z = totals.filter(pl.col("zone_id") == zone_id)
            if z.is_empty():
                continue
            by_year = dict(
                zip(
                    z.get_column("year").to_list(),
                    z.get_column("operating_revenue").to_list(),
                    strict=True,
                )
            )
            series.append(
                {
                    "name": name,
                    "type": "bar",
                    "stack": "revenue",
                    "data": [round((by_year.get(y) or 0) / 10000, 2) for y in years],
                }
            )
        if principal.is_city_admin and series:
            series.append(
                {
                    "name": "3000亿元目标",
                    "type": "line",
                    "symbol": "none",
                    "lineStyle": {"type": "dashed", "color": "#c62828"},
                    "data": [CITY_REVENUE_TARGET_WAN / 10000] * len(years),
                }
            )
        ui.label("各高新区营业收入（亿元，按企业统计归属汇总）").classes("text-subtitle1")
        ui.echart(
            {
                "tooltip": {"trigger": "axis"},
                "legend": {"top": 0},
                "grid": {"top": 60, "left": 60, "right": 20, "bottom": 30},
                "xAxis": {"type": "category", "data": [str(y) for y in years]},
                "yAxis": {"type": "value", "name": "亿元"},
                "series": series,
            }
        ).classes("w-full h-96")
        rows = [
            {
                "zone": r["zone"],
                "enterprises": fmt_int(r["enterprises"]),
                "revenue": money_cell(r["operating_revenue"], "亿元"),
                "rd": money_cell(r["rd_expense"], "亿元"),
                "intensity": fmt_pct(
                    r["rd_expense"] / r["operating_revenue"] if r["operating_revenue"] else None
                ),
            }
            for r in latest.sort("operating_revenue", descending=True).iter_rows(named=True)
        ]
        ui.label(f"{year}年 分高新区").classes("text-subtitle1")
        ui.label(counting_rule_line(latest)).classes("kc-muted").mark("counting-rule")
        ui.table(
            columns=[
                {"name": k, "label": v, "field": k, "align": "left"}
                for k, v in (
                    ("zone", "高新区"),
                    ("enterprises", "企业数"),
                    ("revenue", "营业收入（亿元）"),
                    ("rd", "研发费用（亿元）"),
                    ("intensity", "研发强度"),
                )
            ],
            rows=rows,
        ).classes("w-full")


# one unit per column, stated in the header: money in 万元 (not 万元 here and 亿元 there), counts whole
LIST_COLUMNS = sortable_columns(
    (
        ("uscc", "统一社会信用代码"),
        ("name", "企业名称"),
        ("zone", "高新区"),
        ("park", "园区"),
        ("industry", "行业"),
        ("tech_field", "技术领域"),
        ("founded_on", "成立日期"),
        ("revenue", "营业收入（万元）"),
        ("rd_expense", "研发费用（万元）"),
        ("employees", "从业人员（人）"),
    ),
    sortable=(
        "uscc",
        "name",
        "zone",
        "industry",
        "founded_on",
        "revenue",
        "rd_expense",
        "employees",
    ),
    right=("revenue", "rd_expense", "employees"),
)
# the page's column names that the service sorts by under another key
LIST_SORT_KEYS = {"industry": "industry_code"}


def _list_rows(
    principal: Principal, flt: EnterpriseFilter, year: int | None, request: PageRequest
) -> tuple[list[dict[str, Any]], int]:
    sort = LIST_SORT_KEYS.get(request.sort or "", request.sort or "id")
    with session_scope() as session:
        rows, total = list_enterprises(
            session, principal, flt, request.page, request.size, sort, request.descending, year
        )
    for r in rows:
        r["industry"] = industry_label(r.get("industry_code"))
        r["revenue"] = fmt_figure(r["operating_revenue"], "万元", show_unit=False)
        r["rd_expense"] = fmt_figure(r["rd_expense"], "万元", show_unit=False)
        r["employees"] = fmt_figure(r["employees"], "人", show_unit=False)
        r["url"] = f"/enterprises/{r['id']}"
    return rows, total


def _list_years() -> list[int]:
    with session_scope() as session:
        return enterprise_list_years(session)


def _export(principal: Principal, flt: EnterpriseFilter, kind: str) -> bytes:
    with session_scope() as session:
        bind_principal(session, principal)
        return export_file(session, principal, kind, flt)


@ui.page("/enterprises")
async def enterprises_page(year: int | None = None) -> None:
    """Enterprise list with the chosen year's figures, sorted and paged on the server, filters,
    search and Excel export."""
    with frame("企业", roles=DATA_ROLES) as principal:
        if principal is None:
            return

        def zone_options() -> dict[int, str]:
            with session_scope() as session:
                return {z.id: z.name for z in list_zones(session)}

        zones = await run.io_bound(zone_options)
        years = await run.io_bound(_list_years)
        shown_year = chosen_year(year, years)
        with ui.row().classes("items-end gap-3"):
            if years:
                year_select(years, shown_year, "统计年度")
            zone = ui.select({0: "全部", **zones}, label="高新区", value=0).classes("w-48")
            field = ui.select(
                {"": "全部", **{f: f for f in TECH_FIELDS}}, label="技术领域", value=""
            ).classes("w-40")
            industry = ui.input("行业代码前缀", placeholder="如 C35（专用设备制造业）").classes(
                "w-32"
            )
            q = ui.input("搜索名称或信用代码").classes("w-64")
            search = ui.button("查询", icon="search")

        def current_filter() -> EnterpriseFilter:
            return EnterpriseFilter(
                zone_id=zone.value or None,
                industry=industry.value or None,
                tech_field=field.value or None,
                q=q.value or None,
            )

        if shown_year is not None:
            ui.label(f"营业收入、研发费用、从业人员为 {shown_year} 年数据").classes("kc-muted")
        listing = ServerTable(
            LIST_COLUMNS,
            lambda request: _list_rows(principal, current_filter(), shown_year, request),
            on_total=lambda n: count.set_text(f"共 {n:,} 家"),
        )
        link_cell(listing.table, "name")
        count = ui.label("").classes("kc-muted")
        search.on_click(listing.reload)
        q.on("keydown.enter", listing.reload)

        async def export(kind: str) -> None:
            content = await run.io_bound(_export, principal, current_filter(), kind)
            download_bytes(content, f"{kind_label(kind)}.xlsx")

        with ui.row():
            ui.button("导出企业名录", icon="download", on_click=lambda: export("enterprises"))
            ui.button("导出年度统计", icon="download", on_click=lambda: export("enterprise_years"))
        await listing.reload()


def _enterprise_figures(principal: Principal, enterprise_id: int) -> dict[str, Any] | None:
    with session_scope() as session:
        try:
            get_enterprise(session, principal, enterprise_id)
        except ScopeError:
            return None
        return {
            "years": enterprise_years(session, principal, enterprise_id),
            "revisions": enterprise_revisions(session, principal, enterprise_id),
        }


async def enterprise_figures_section(principal: Principal, enterprise_id: int) -> None:
    """Charts, the current figures and the revision history on the enterprise page."""
    data = await run.io_bound(_enterprise_figures, principal, enterprise_id)
    if data is None:
        return
    years = data["years"]
    if not years:
        ui.label("暂无年度统计数据").classes("text-grey-7")
        return
    labels = [str(y["year"]) for y in years]
    with ui.row().classes("w-full gap-4 no-wrap"):
        ui.echart(
            {
                "title": {
                    "text": "收入与研发（万元）",
                    "left": 0,
                    "textStyle": {"fontSize": 14},
                },
                "tooltip": {"trigger": "axis"},
                "legend": {"top": 28, "left": 0},
                "grid": {"top": 70},
                "xAxis": {"type": "category", "data": labels},
                "yAxis": {"type": "value"},
                "series": [
                    {
                        "name": "营业收入",
                        "type": "bar",
                        "data": [y["operating_revenue"] for y in years],
                    },
                    {
                        "name": "研发费用",
                        "type": "line",
                        "data": [y["rd_expense"] for y in years],
                    },
                ],
            }
        ).classes("w-1/2 h-80")
        ui.echart(
            {
                "title": {"text": "人员（人）", "left": 0, "textStyle": {"fontSize": 14}},
                "tooltip": {"trigger": "axis"},
                "legend": {"top": 28, "left": 0},
                "grid": {"top": 70},
                "xAxis": {"type": "category", "data": labels},
                "yAxis": {"type": "value"},
                "series": [
                    {"name": k, "type": "line", "data": [y[c] for y in years]}
                    for c, k in (
                        ("employees", "职工总数"),
                        ("tech_staff", "科技人员"),
                        ("rd_staff", "研发人员"),
                    )
                ],
            }
        ).classes("w-1/2 h-80")
    ui.label("年度统计（当前版本）").classes("text-subtitle1")
    columns = [{"name": "field", "label": "指标", "field": "field", "align": "left"}] + [
        {
            "name": str(y["year"]),
            "label": f"{y['year']}年",
            "field": str(y["year"]),
            "align": "right",
        }
        for y in years
    ]
    rows = []
    for f in ENTERPRISE_YEAR_FIELDS:
        row = {"field": f.template_header}
        for y in years:
            row[str(y["year"])] = _display(f, y.get(f.code))
        rows.append(row)
    ui.table(columns=columns, rows=rows, row_key="field").classes("w-full").props("dense")
    revised = [r for r in data["revisions"] if r["revision"] > 1 or not r["is_current"]]
    ui.label("数据来源与更正记录").classes("text-subtitle1")
    ui.table(
        columns=[
            {"name": k, "label": v, "field": k, "align": "left"}
            for k, v in (
                ("year", "年度"),
                ("revision", "版本"),
                ("current", "当前"),
                ("filename", "导入文件"),
                ("username", "导入人"),
                ("imported_at", "导入时间"),
                ("revenue", "营业收入（万元）"),
            )
        ],
        rows=[
            {
                **r,
                "current": "是" if r["is_current"] else "否（已更正）",
                "username": actor_label(r["username"]),
                "revenue": money_cell(r["operating_revenue"]),
                "imported_at": (r["imported_at"] or "")[:19],
            }
            for r in data["revisions"]
        ],
        pagination=10,
    ).classes("w-full").props("dense")
    if revised:
        ui.label(f"共有 {len(revised)} 条历史版本；旧版本保留可查，不会被覆盖。").classes(
            "kc-muted"
        )


def _registry_history(principal: Principal, enterprise_id: int) -> list[dict[str, Any]] | None:
    with session_scope() as session:
        try:
            return enterprise_registry_history(session, principal, enterprise_id)
        except ScopeError:
            return None


HISTORY_COLUMNS = [
    {"name": k, "label": v, "field": k, "align": "left"}
    for k, v in (
        ("at", "时间"),
        ("source", "导入批次/文件"),
        ("username", "操作人"),
        ("field", "字段"),
        ("change", "原值 → 新值"),
    )
]


def registry_history_rows(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One table row per changed field of each registry revision, newest revision first."""
    rows = []
    for rev in history:
        source = (
            f"第 {rev['import_id']} 号导入“{rev['filename']}”" if rev["import_id"] else "手工修改"
        )
        if rev["action"] == "create":
            source += "（新增企业）"
        for change in rev["changes"]:
            rows.append(
                {
                    "id": f"{rev['id']}-{change['field']}",
                    "at": rev["created_at"][:19].replace("T", " "),
                    "source": source,
                    "username": actor_label(rev["username"]),
                    "field": change["label"],
                    "change": f"{change['before_text']} → {change['after_text']}",
                }
            )
    return rows


async def registry_history_section(principal: Principal, enterprise_id: int) -> None:
    """The enterprise's registry changes (登记信息变更记录): who, when, which import, before → after."""
    history = await run.io_bound(_registry_history, principal, enterprise_id)
    if history is None:
        return
    ui.label("登记信息变更记录").classes("text-subtitle1")
    if not history:
        ui.label("暂无登记信息变更记录").classes("text-grey-7")
        return
    ui.table(
        columns=HISTORY_COLUMNS, rows=registry_history_rows(history), row_key="id", pagination=10
    ).classes("w-full").props("dense").mark("registry-history")


def _zone_figures(principal: Principal, zone_id: int) -> dict[str, Any] | None:
    if not can_see_zone_data(principal, zone_id):
        return None
    with session_scope() as session:
        totals = zone_totals(session, principal)
        return {
            "yearly": totals.filter(pl.col("zone_id") == zone_id).sort("year").to_dicts(),
            "figures": zone_year_figures(session, principal, zone_id),
        }


async def zone_figures_section(principal: Principal, zone_id: int) -> None:
    """Revenue trend and zone-level statistics on the zone page (for those who may see them)."""
    data = await run.io_bound(_zone_figures, principal, zone_id)
    if data is None:
        return
    yearly = data["yearly"]
    if yearly:
        ui.label("营业收入与研发费用（亿元）").classes("text-subtitle1")
        ui.echart(
            {
                "tooltip": {"trigger": "axis"},
                "legend": {},
                "xAxis": {"type": "category", "data": [str(r["year"]) for r in yearly]},
                "yAxis": {"type": "value", "name": "亿元"},
                "series": [
                    {
                        "name": "营业收入",
                        "type": "line",
                        "data": [round((r["operating_revenue"] or 0) / 10000, 2) for r in yearly],
                    },
                    {
                        "name": "研发费用",
                        "type": "line",
                        "data": [round((r["rd_expense"] or 0) / 10000, 2) for r in yearly],
                    },
                ],
            }
        ).classes("w-full h-80")
        ui.table(
            columns=[
                {"name": k, "label": v, "field": k, "align": "left"}
                for k, v in (
                    ("year", "年度"),
                    ("enterprises", "企业数"),
                    ("revenue", "营业收入（亿元）"),
                    ("rd", "研发费用（亿元）"),
                    ("employees", "从业人员"),
                )
            ],
            rows=[
                {
                    "year": r["year"],
                    "enterprises": fmt_int(r["enterprises"]),
                    "revenue": money_cell(r["operating_revenue"], "亿元"),
                    "rd": money_cell(r["rd_expense"], "亿元"),
                    "employees": fmt_int(r["employees"], " 人"),
                }
                for r in yearly
            ],
        ).classes("w-full")
        ui.label(f"{yearly[-1]['year']}年 " + counting_rule_line(yearly[-1:])).classes(
            "kc-muted"
        ).mark("counting-rule")
    if data["figures"]:
        ui.label("高新区层面统计（非企业来源）").classes("text-subtitle1")
        ui.table(
            columns=[
                {"name": k, "label": v, "field": k, "align": "left"}
                for k, v in (
                    ("year", "年度"),
                    ("name", "指标"),
                    ("value", "数值"),
                    ("unit", "单位"),
                )
            ],
            rows=[{**f, "value": f"{f['value']:,.2f}"} for f in data["figures"]],
            pagination=12,
        ).classes("w-full")


async def zones_export_section(principal: Principal) -> None:
    """The zone-year export button on the zones page, for the bureau and zone admins."""
    if principal.scope not in ("all", "zone"):
        return

    async def export_zone_years() -> None:
        content = await run.io_bound(_export, principal, EnterpriseFilter(), "zone_years")
        download_bytes(content, "高新区年度统计.xlsx")

    ui.button("导出高新区年度统计", icon="download", on_click=export_zone_years)


def _display(f: Any, value: Any) -> str:
    if value is None:
        return "—"
    if f.kind == "bool":
        return "是" if value else "否"
    if f.unit == "万元":
        return f"{value:,.2f}"
    if f.kind == "int":
        return f"{int(value):,}"
    return f"{value:,.2f}"
