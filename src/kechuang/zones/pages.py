"""Zone-evaluation pages: ranking, benchmark (对标找差), target tracker, specialisation, frameworks.

They live under /evaluation/… because the registry serves /zones/{zone_id}.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from nicegui import run, ui

from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.formatting import fmt_money, fmt_pct
from kechuang.core.layout import download_bytes, frame, stat_card
from kechuang.core.methodology import CONFIRMATION, CONFIRMATION_COLORS, CONFIRMATION_NOTES
from kechuang.core.methodology_ui import sources_section
from kechuang.core.security import Principal
from kechuang.zones import report, service
from kechuang.zones.evaluation import TOP_QUARTILE, TOP_QUARTILE_NAME
from kechuang.zones.frameworks import DEFAULT_FRAMEWORK, NORMALISATIONS, WINDOWS

READERS = ("city_admin", "zone_admin")
STATUS_COLORS = {
    "achieved": "positive",
    "on_track": "positive",
    "at_risk": "warning",
    "off_track": "negative",
}
GROUP_COLORS = {
    "leader": "green-8",
    "strong": "light-green-8",
    "moderate": "orange-8",
    "emerging": "red-7",
}


def _cols(*spec: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"name": k, "label": v, "field": k, "align": "left"} for k, v in spec]


def _num(v: float | None, digits: int = 2) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def _choices(principal: Principal) -> dict[str, Any]:
    with session_scope() as session:
        years = service.available_years(session)
        fws = {f.code: f.name for f in service.list_frameworks(session)}
        sets = {p["code"]: p["name"] for p in service.list_peer_sets(session)}
        demo = service.is_demo(session)
    return {"years": years, "frameworks": fws, "peer_sets": sets, "demo": demo}


def _controls(
    ch: dict[str, Any], on_change: Any, peers_default: str | None = None
) -> dict[str, Any]:
    """Year, framework and peer-set selectors; returns the widgets."""
    with ui.row().classes("items-end gap-4"):
        year = ui.select(
            {y: f"{y}年" for y in ch["years"]},
            label="评价年度",
            value=ch["years"][0] if ch["years"] else None,
            on_change=on_change,
        ).classes("w-32")
        fw = ui.select(
            ch["frameworks"], label="评价框架", value=DEFAULT_FRAMEWORK, on_change=on_change
        ).classes("w-96")
        default = peers_default if peers_default in ch["peer_sets"] else service.CITY_PEER_SET
        peers = ui.select(
            ch["peer_sets"], label="对标组", value=default, on_change=on_change
        ).classes("w-64")
    return {"year": year, "framework": fw, "peers": peers}


def _demo_peer_default(ch: dict[str, Any]) -> str | None:
    from kechuang.zones.demo import DEMO_PEER_SET

    return DEMO_PEER_SET if DEMO_PEER_SET in ch["peer_sets"] else None


# ------------------------------------------------------------------ ranking


def _load_ranking(principal: Principal, year: int, fw: str, peers: str) -> dict[str, Any]:
    with session_scope() as session:
        try:
            return service.ranking(session, principal, year, fw, peers)
        except service.ZoneServiceError as exc:
            return {"error": str(exc)}


def _save_run(principal: Principal, year: int, fw: str, peers: str) -> str:
    with session_scope() as session:
        bind_principal(session, principal)
        try:
            ev = service.evaluate(session, principal, year, fw, peers)
            r = service.store_run(session, principal, ev, peers, note="页面保存")
            return f"已保存评价记录 #{r.id}（输入哈希 {r.input_hash[:12]}…）"
        except (service.ZoneServiceError, PermissionError) as exc:
            return str(exc)


def _ranking_xlsx(principal: Principal, year: int, fw: str, peers: str) -> bytes:
    with session_scope() as session:
        bind_principal(session, principal)
        r = service.ranking(session, principal, year, fw, peers)
        return report.ranking_xlsx(
            r["framework"], r["options"], year, r["table"], r["values"], service.is_demo(session)
        )


def interval_chart(table: list[dict[str, Any]]) -> dict[str, Any]:
    """ECharts options: each zone's 5–95 % rank band as a bar and its nominal rank as a point."""
    rows = [r for r in table if r["rank"] is not None]
    rows.sort(key=lambda r: -r["rank"])
    names = [r["name"] for r in rows]
    base = [(r["band"]["q05"] - 0.3) if r["band"] else r["rank"] - 0.3 for r in rows]
    width = [((r["band"]["q95"] - r["band"]["q05"]) if r["band"] else 0) + 0.6 for r in rows]
    n = max((r["rank"] for r in rows), default=1)
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": ["名次区间（5%–95%）", "名次"], "top": 0},
        "grid": {"left": 150, "right": 30, "top": 40, "bottom": 30},
        "xAxis": {"type": "value", "min": 0, "max": n + 1, "name": "名次", "inverse": True},
        "yAxis": {"type": "category", "data": names},
        "series": [
            {
                "name": "base",
                "type": "bar",
                "stack": "band",
                "data": base,
                "itemStyle": {"color": "transparent"},
                "tooltip": {"show": False},
            },
            {
                "name": "名次区间（5%–95%）",
                "type": "bar",
                "stack": "band",
                "data": width,
                "itemStyle": {"color": "#90caf9"},
            },
            {
                "name": "名次",
                "type": "scatter",
                "data": [r["rank"] for r in rows],
                "symbolSize": 12,
                "itemStyle": {"color": "#c62828"},
            },
        ],
    }


@ui.page("/evaluation/ranking")
async def ranking_page() -> None:
    """Scores, ranks per dimension, performance groups, rank bands and 进位/退位."""
    with frame("高新区排名（争先进位）", READERS) as principal:
        if principal is None:
            return
        ch = await run.io_bound(_choices, principal)
        if not ch["years"]:
            ui.label("暂无统计数据：请先导入企业年度统计。").classes("text-grey-7")
            return

        @ui.refreshable
        async def body() -> None:
            year, fw, peers = c["year"].value, c["framework"].value, c["peers"].value
            data = await run.io_bound(_load_ranking, principal, year, fw, peers)
            if data is None:
                return
            if "error" in data:
                ui.label(data["error"]).classes("text-negative")
                return
            framework, table = data["framework"], data["table"]
            src = data["source"]
            ui.label(
                (
                    f"显示已保存的评价记录 #{src['run_id']}（{src['created_at'][:16]}，{src['username']}）"
                    if src["run_id"]
                    else "即时计算（未保存）"
                )
                + f"；输入哈希 {src['input_hash'][:12]}…；归一化：{NORMALISATIONS[data['options']['normalise']]}，"
                f"{WINDOWS[data['options']['window']]}"
            ).classes("kc-muted")
            if principal.scope == "zone":
                ui.label(
                    "本区显示完整结果；其他高新区只显示该框架公布的内容（"
                    + "、".join(
                        {
                            "rank": "名次",
                            "score": "总分",
                            "dimension_ranks": "维度名次",
                            "dimension_scores": "维度得分",
                            "performance_group": "表现分组",
                        }[p]
                        for p in framework.publish
                    )
                    + "）。"
                ).classes("kc-muted")
            dims = framework.dimensions
            rows = []
            for r in table:
                band = r["band"]
                mv = r["movement"]
                row = {
                    "unit": r["unit"],
                    "rank": r["rank"] or "—",
                    "name": r["name"] + ("" if r["is_city"] else "（外地）"),
                    "score": _num(r["score"]),
                    "relative": _num(r["relative"], 1),
                    "group": r["group_label"] or "—",
                    "band": "—" if not band else f"{band['q05']:.0f}–{band['q95']:.0f}",
                    "previous": r["previous_rank"] or "—",
                    "movement": "—"
                    if mv is None
                    else (f"进位 {mv}" if mv > 0 else f"退位 {-mv}" if mv < 0 else "持平"),
                }
                for d in dims:
                    row[d.code] = r["dimensions"][d.code]["rank"] or "—"
                rows.append(row)
            columns = _cols(
                ("rank", "名次"),
                ("name", "高新区"),
                ("score", "总分"),
                ("relative", "相对得分"),
                ("group", "表现分组"),
                ("band", "名次区间"),
                ("previous", "上年名次"),
                ("movement", "进位/退位"),
            ) + _cols(*[(d.code, f"{d.name}（{d.weight:g}%）") for d in dims])
            ui.table(columns=columns, rows=rows, row_key="unit").classes("w-full").mark(
                "ranking-table"
            )
            ui.label(
                "名次区间：权重 ±25% 随机扰动与归一化方法替换的蒙特卡洛模拟中，名次的 5%–95% 分位；"
                "表现分组参照 EIS 2024（对标组平均分 = 100）。"
            ).classes("kc-muted")
            ui.echart(interval_chart(table)).classes("w-full").style(
                f"height: {max(300, 34 * len(table) + 80)}px"
            ).mark("rank-bands")
            ui.label(f"计分方法（假设）：{framework.method_note}").classes("kc-muted")

        c = _controls(ch, lambda: body.refresh(), _demo_peer_default(ch))
        with ui.row().classes("gap-2"):

            async def export() -> None:
                content = await run.io_bound(
                    _ranking_xlsx,
                    principal,
                    c["year"].value,
                    c["framework"].value,
                    c["peers"].value,
                )
                download_bytes(content, f"高新区排名_{c['year'].value}.xlsx")

            ui.button("导出 Excel", icon="download", on_click=export)
            if principal.is_city_admin:

                async def save() -> None:
                    msg = await run.io_bound(
                        _save_run,
                        principal,
                        c["year"].value,
                        c["framework"].value,
                        c["peers"].value,
                    )
                    ui.notify(msg)
                    body.refresh()

                ui.button("保存本次评价", icon="save", on_click=save).props("outline")
        await body()


# ------------------------------------------------------------------ benchmark


def _benchmark(
    principal: Principal, year: int, fw: str, peers: str, unit: str | None, against: str | None
) -> dict[str, Any]:
    with session_scope() as session:
        try:
            bm = service.benchmark(session, principal, year, unit, against, fw, peers)
        except (service.ZoneServiceError, PermissionError) as exc:
            return {"error": str(exc)}
        units = [u for u in bm["evaluation"].units if u["is_city"]]
        return {**bm, "city_units": units}


def _benchmark_file(
    principal: Principal,
    year: int,
    fw: str,
    peers: str,
    unit: str | None,
    against: str | None,
    kind: str,
) -> bytes:
    with session_scope() as session:
        bind_principal(session, principal)
        bm = service.benchmark(session, principal, year, unit, against, fw, peers)
        demo = service.is_demo(session)
        from kechuang.core import audit

        audit.record(session, "export", "zone_evaluation", "", f"导出对标找差报告（{kind}）")
        return (
            report.benchmark_docx(bm, demo) if kind == "docx" else report.benchmark_xlsx(bm, demo)
        )


def radar_chart(bm: dict[str, Any]) -> dict[str, Any]:
    """ECharts radar of the zone's and the benchmark's dimension scores."""
    r = bm["radar"]
    return {
        "legend": {"data": [bm["gaps"]["unit_name"], bm["gaps"]["benchmark_name"]], "bottom": 0},
        "tooltip": {},
        "radar": {
            "indicator": [{"name": d["name"], "max": 100} for d in r["dimensions"]],
            "radius": "65%",
        },
        "series": [
            {
                "type": "radar",
                "data": [
                    {
                        "name": bm["gaps"]["unit_name"],
                        "value": [round(v or 0, 2) for v in r["unit"]],
                    },
                    {
                        "name": bm["gaps"]["benchmark_name"],
                        "value": [round(v or 0, 2) for v in r["benchmark"]],
                        "areaStyle": {"opacity": 0.1},
                    },
                ],
            }
        ],
    }


@ui.page("/evaluation/benchmark")
async def benchmark_page() -> None:
    """对标找差: pick a benchmark, see the gap table in points and raw units and a radar chart."""
    with frame("对标找差", READERS) as principal:
        if principal is None:
            return
        ch = await run.io_bound(_choices, principal)
        if not ch["years"]:
            ui.label("暂无统计数据：请先导入企业年度统计。").classes("text-grey-7")
            return
        state: dict[str, Any] = {"unit": None, "against": TOP_QUARTILE}

        @ui.refreshable
        async def body() -> None:
            year, fw, peers = c["year"].value, c["framework"].value, c["peers"].value
            data = await run.io_bound(
                _benchmark, principal, year, fw, peers, state["unit"], state["against"]
            )
            if data is None:
                return
            if "error" in data:
                if principal.is_city_admin and state["unit"] is None:
                    ui.label("请选择本区。").classes("text-grey-7")
                else:
                    ui.label(data["error"]).classes("text-negative")
                return
            g, row = data["gaps"], data["row"] or {}
            with ui.row().classes("gap-4"):
                stat_card(
                    f"{g['unit_name']} 总分",
                    _num(g["unit_score"]),
                    f"第 {row.get('rank')} 名 · {row.get('group_label') or '—'}",
                )
                stat_card(f"{g['benchmark_name']} 总分", _num(g["benchmark_score"]))
                stat_card("得分差距", _num(g["score_gap"]), "各指标得分差距之和")
                band = row.get("band")
                if band:
                    stat_card(
                        "名次区间", f"{band['q05']:.0f}–{band['q95']:.0f}", "5%–95%（不确定性分析）"
                    )
            with ui.row().classes("w-full gap-4 no-wrap"):
                ui.echart(radar_chart(data)).classes("w-1/3").style("height: 380px").mark("radar")
                with ui.column().classes("w-2/3"):
                    ui.label("优势与短板（在对标组中的指标名次）").classes("text-subtitle1")
                    for kind, label, color in (
                        ("strength", "优势", "positive"),
                        ("weakness", "短板", "negative"),
                    ):
                        with ui.row().classes("gap-2 items-center"):
                            ui.badge(label, color=color)
                            for s in [s for s in data["strengths"] if s["kind"] == kind]:
                                ui.label(f"{s['name']}（第 {s['rank']} 名）")
            ui.label("差距分解（按得分差距从大到小；正数表示落后）").classes("text-subtitle1")
            rows = [
                {
                    "indicator": r["indicator"],
                    "dimension": r["dimension"],
                    "name": r["name"],
                    "unit_raw": _num(r["unit_raw"]),
                    "benchmark_raw": _num(r["benchmark_raw"]),
                    "unit_label": r["unit_label"],
                    "points": _num(r["points"]),
                    "advice": r["advice"],
                }
                for r in g["rows"]
            ]
            ui.table(
                columns=_cols(
                    ("dimension", "维度"),
                    ("name", "指标"),
                    ("unit_raw", "本区"),
                    ("benchmark_raw", "对标值"),
                    ("unit_label", "单位"),
                    ("points", "得分差距"),
                    ("advice", "解读"),
                ),
                rows=rows,
                row_key="indicator",
                pagination=15,
            ).classes("w-full").mark("gap-table")

        c = _controls(ch, lambda: body.refresh(), _demo_peer_default(ch))
        with ui.row().classes("items-end gap-4"):
            if principal.is_city_admin:

                def pick_unit(e: Any) -> None:
                    state["unit"] = e.value
                    body.refresh()

                city_opts = await run.io_bound(_city_unit_options)
                state["unit"] = next(iter(city_opts), None)
                ui.select(
                    city_opts, label="本区", value=state["unit"], on_change=pick_unit
                ).classes("w-64")

            async def against_options() -> dict[str, str]:
                return await run.io_bound(
                    _against_options,
                    principal,
                    c["year"].value,
                    c["framework"].value,
                    c["peers"].value,
                    state["unit"],
                )

            def pick_against(e: Any) -> None:
                state["against"] = e.value
                body.refresh()

            opts = await against_options()
            ui.select(opts, label="对标对象", value=TOP_QUARTILE, on_change=pick_against).classes(
                "w-64"
            )

            async def download(kind: str) -> None:
                content = await run.io_bound(
                    _benchmark_file,
                    principal,
                    c["year"].value,
                    c["framework"].value,
                    c["peers"].value,
                    state["unit"],
                    state["against"],
                    kind,
                )
                download_bytes(content, f"对标找差_{c['year'].value}.{kind}")

            ui.button("导出 Excel", icon="download", on_click=lambda: download("xlsx"))
            ui.button(
                "导出 Word 报告", icon="description", on_click=lambda: download("docx")
            ).props("outline")
        await body()


def _city_unit_options() -> dict[str, str]:
    with session_scope() as session:
        return {u.key: u.name for u in service.city_units(session)}


def _against_options(
    principal: Principal, year: int, fw: str, peers: str, unit: str | None
) -> dict[str, str]:
    out = {TOP_QUARTILE: TOP_QUARTILE_NAME}
    with session_scope() as session:
        for code in (peers, service.CITY_PEER_SET):
            try:
                units = service.peer_set_units(session, code)
            except service.ZoneServiceError:
                continue
            for u in units:
                if principal.scope != "all" and u.is_city:
                    continue
                out.setdefault(u.key, u.name + ("" if u.is_city else "（外地）"))
    return out


# ------------------------------------------------------------------ targets


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


def tracker_chart(t: dict[str, Any]) -> dict[str, Any]:
    """ECharts options: actual (亿元), the required path, the projection and its band."""
    tr = t["tracker"]
    years = sorted(set(tr["required_path"]) | set(tr["actual"]) | set(tr["projection"]))
    yi = lambda v: None if v is None else round(v / 10000, 2)
    low = [yi((tr["projection"].get(y) or {}).get("low")) for y in years]
    high = [yi((tr["projection"].get(y) or {}).get("high")) for y in years]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["实际", "要求路径", "预测", "预测区间"], "top": 0},
        "grid": {"left": 70, "right": 30, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "name": "亿元", "scale": True},
        "series": [
            {
                "name": "预测区间下限",
                "type": "line",
                "data": low,
                "stack": "band",
                "symbol": "none",
                "lineStyle": {"opacity": 0},
                "tooltip": {"show": False},
            },
            {
                "name": "预测区间",
                "type": "line",
                "stack": "band",
                "symbol": "none",
                "lineStyle": {"opacity": 0},
                "areaStyle": {"color": "#90caf9", "opacity": 0.5},
                "data": [
                    None if h is None else round(h - lo, 2) for h, lo in zip(high, low, strict=True)
                ],
            },
            {
                "name": "实际",
                "type": "line",
                "data": [yi(tr["actual"].get(y)) for y in years],
                "itemStyle": {"color": "#1565c0"},
            },
            {
                "name": "要求路径",
                "type": "line",
                "data": [yi(tr["required_path"].get(y)) for y in years],
                "lineStyle": {"type": "dashed", "color": "#c62828"},
                "itemStyle": {"color": "#c62828"},
                "markLine": {
                    "symbol": "none",
                    "data": [{"yAxis": yi(tr["target_value"]), "name": "目标"}],
                    "label": {"formatter": "目标 {c}亿元"},
                },
            },
            {
                "name": "预测",
                "type": "line",
                "data": [yi((tr["projection"].get(y) or {}).get("central")) for y in years],
                "lineStyle": {"type": "dotted"},
                "itemStyle": {"color": "#2e7d32"},
            },
        ],
    }


@ui.page("/evaluation/targets")
async def targets_page() -> None:
    """The target tracker: actual, required path, projection band, status, zones' parts of the gap."""
    with frame("目标跟踪（3000亿元）", READERS) as principal:
        if principal is None:
            return
        ch = await run.io_bound(_choices, principal)

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
                    "预测：对数营业收入的带漂移随机游走（漂移 = 基期以来年均对数增长），区间 ±t·s·√(h+h²/n)。"
                    "状态：已达成；按期可达（实际不低于要求路径）；存在风险（低于路径但预测区间上限可达目标）；难以达成。"
                ).classes("kc-muted")
                ui.label("各高新区对剩余缺口的分担（按最新营收比例）").classes("text-subtitle1")
                rows = [
                    {
                        "zone": z["zone"],
                        "latest": fmt_money(z["latest_value"]),
                        "share": fmt_pct(z["share"]),
                        "cagr": fmt_pct(z["actual_cagr"]),
                        "need": fmt_money(z["required_increase"]),
                        "projected": fmt_money(z["projected_value"]),
                        "shortfall": fmt_money(z["shortfall"]),
                    }
                    for z in t["zones"]
                ]
                ui.table(
                    columns=_cols(
                        ("zone", "高新区"),
                        ("latest", f"{tr['latest_year']}年营收"),
                        ("share", "占比"),
                        ("cagr", "年均增速"),
                        ("need", "需新增"),
                        ("projected", f"{tr['target_year']}年预测"),
                        ("shortfall", "预测缺口"),
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


# ------------------------------------------------------------------ specialisation


def _spec(principal: Principal, year: int | None) -> dict[str, Any]:
    with session_scope() as session:
        return service.specialisation_view(session, principal, year)


def _spec_xlsx(principal: Principal, year: int | None) -> bytes:
    with session_scope() as session:
        bind_principal(session, principal)
        return report.specialisation_xlsx(
            service.specialisation_view(session, principal, year), service.is_demo(session)
        )


def share_chart(res: dict[str, Any]) -> dict[str, Any]:
    """ECharts stacked bars: each zone's revenue split over the strategic industries (%)."""
    zones = [z["zone"] for z in res["zones"]]
    cells = {(c["zone"], c["industry"]): c for c in res["cells"]}
    series = []
    for ind in res["industries"]:
        data = [
            round(100 * ((cells.get((z, ind["code"])) or {}).get("share") or 0), 1) for z in zones
        ]
        if any(data):
            series.append({"name": ind["name"], "type": "bar", "stack": "share", "data": data})
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 170, "right": 20, "top": 50, "bottom": 30},
        "xAxis": {"type": "value", "max": 100, "name": "%"},
        "yAxis": {"type": "category", "data": zones},
        "series": series,
    }


def heatmap_chart(res: dict[str, Any]) -> dict[str, Any]:
    """ECharts heat map of the zone × zone similarity of industry portfolios."""
    ids = {s["zone_a"]: s["zone_a_id"] for s in res["similarity"]} | {
        s["zone_b"]: s["zone_b_id"] for s in res["similarity"]
    }
    names = sorted(ids, key=lambda n: ids[n])
    idx = {n: i for i, n in enumerate(names)}
    data = [
        [
            idx[s["zone_a"]],
            idx[s["zone_b"]],
            None if s["similarity"] is None else round(s["similarity"], 3),
        ]
        for s in res["similarity"]
    ]
    return {
        "tooltip": {"position": "top"},
        "grid": {"left": 170, "right": 30, "top": 20, "bottom": 110},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "category", "data": names},
        "visualMap": {
            "min": 0,
            "max": 1,
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "inRange": {"color": ["#f7fbff", "#6baed6", "#08306b"]},
        },
        "series": [
            {"name": "产业结构相似度", "type": "heatmap", "data": data, "label": {"show": True}}
        ],
    }


@ui.page("/evaluation/specialisation")
async def specialisation_page() -> None:
    """一区一战略: strategic-industry shares, LQ, HHI, the similarity heat map and 错位 flags."""
    with frame("一区一战略（错位发展）", READERS) as principal:
        if principal is None:
            return
        ch = await run.io_bound(_choices, principal)

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
                    "revenue": fmt_money(z["revenue"]),
                    "share": fmt_pct(z["declared_share"]),
                    "hhi": _num(z["hhi"], 3),
                }
                for z in res["zones"]
            ]
            ui.table(
                columns=_cols(
                    ("zone", "高新区"),
                    ("declared", "一区一战略产业"),
                    ("revenue", "营业收入"),
                    ("share", "战略产业营收占比"),
                    ("hhi", "集中度 HHI"),
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
                f"同质化提示（相似度 ≥ {res['threshold']} 且在同一新兴产业上两区均 LQ ≥ 1 或均列为战略产业）"
            ).classes("text-subtitle1")
            if res["flags"]:
                for f in res["flags"]:
                    ui.label(
                        f"⚠ {f['zone_a']} 与 {f['zone_b']}：相似度 {f['similarity']:.2f}，重叠："
                        + "、".join(i["name"] for i in f["industries"])
                    ).classes("text-warning")
            else:
                ui.label("未发现在同一新兴产业上高度重叠的高新区。").classes("text-positive")
            ui.label("区位商（LQ > 1 表示该产业在本区的比重高于全市）").classes("text-subtitle1")
            roles = {"main": "主导", "emerging": "新兴", "upgrading": "转型升级"}
            cells = [
                {
                    "key": f"{c['zone']}-{c['industry']}",
                    "zone": c["zone"],
                    "industry": c["industry_name"],
                    "role": roles.get(c["role"] or "", "—"),
                    "revenue": fmt_money(c["revenue"]),
                    "share": fmt_pct(c["share"]),
                    "lq": _num(c["lq"]),
                }
                for c in res["cells"]
            ]
            ui.table(
                columns=_cols(
                    ("zone", "高新区"),
                    ("industry", "产业"),
                    ("role", "本区定位"),
                    ("revenue", "营业收入"),
                    ("share", "占本区比例"),
                    ("lq", "区位商 LQ"),
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


# ------------------------------------------------------------------ frameworks


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
                f"{fw.name}（版本 {fw.version}）", value=fw.code == DEFAULT_FRAMEWORK
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
