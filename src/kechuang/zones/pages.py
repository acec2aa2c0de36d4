"""Zone-evaluation pages: the ranking (争先进位) and the benchmark (对标找差); the target tracker,
specialisation and frameworks pages are in pages_targets, pages_specialisation and pages_frameworks.

They live under /evaluation/… because the registry serves /zones/{zone_id}.
"""

from __future__ import annotations

from typing import Any

from nicegui import run, ui

from kechuang.core import jobs
from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.formatting import fmt_figure, fmt_local_time
from kechuang.core.layout import download_bytes, frame, stat_card
from kechuang.core.security import Principal, actor_label
from kechuang.core.tables import chosen_year, link_cell
from kechuang.zones import report, service
from kechuang.zones.charts import interval_chart, radar_chart
from kechuang.zones.evaluation import TOP_QUARTILE, TOP_QUARTILE_NAME
from kechuang.zones.frameworks import DEFAULT_FRAMEWORK, NORMALISATIONS, WINDOWS, catalogue
from kechuang.zones.widgets import READERS, fmt_num, load_choices, table_columns


def _controls(
    ch: dict[str, Any],
    on_change: Any,
    peers_default: str | None = None,
    year_asked: int | None = None,
) -> dict[str, Any]:
    """Year (the ?year= one when it has data, else the newest), framework and peer-set
    selectors; returns the widgets."""
    with ui.row().classes("items-end gap-4"):
        year = (
            ui.select(
                {y: f"{y}年" for y in ch["years"]},
                label="评价年度",
                value=chosen_year(year_asked, ch["years"]),
                on_change=on_change,
            )
            .classes("w-32")
            .mark("year-select")
        )
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
    def work(session) -> str:  # noqa: ANN001 - a Session
        ev = service.evaluate(session, principal, year, fw, peers)
        r = service.store_run(session, principal, ev, peers, note="页面保存")
        return f"已保存评价记录 #{r.id}（输入哈希 {r.input_hash[:12]}…）"

    try:  # a job: it waits for the writer lock and is listed with the other runs
        return jobs.run_value(principal, "evaluation_run", f"{year}年度高新区评价", work)
    except (service.ZoneServiceError, PermissionError) as exc:
        return str(exc)


def _ranking_xlsx(principal: Principal, year: int, fw: str, peers: str) -> bytes:
    with session_scope() as session:
        bind_principal(session, principal)
        r = service.ranking(session, principal, year, fw, peers)
        return report.ranking_xlsx(
            r["framework"], r["options"], year, r["table"], r["values"], service.is_demo(session)
        )


@ui.page("/evaluation/ranking")
async def ranking_page(year: int | None = None) -> None:
    """Scores, ranks per dimension, performance groups, rank bands and 进位/退位."""
    with frame("高新区排名（争先进位）", READERS) as principal:
        if principal is None:
            return
        ch = await run.io_bound(load_choices)
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
                    f"显示已保存的评价记录 #{src['run_id']}（{fmt_local_time(src['created_at'])}，"
                    f"{actor_label(src['username'])}）"
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
                    # a city zone's name opens its page (which shows what the role may see)
                    "url": f"/zones/{r['unit'][1:]}" if r["is_city"] else None,
                    "rank": r["rank"] or "—",
                    "name": r["name"] + ("" if r["is_city"] else "（外地）"),
                    "score": fmt_num(r["score"]),
                    "relative": fmt_num(r["relative"], 1),
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
            columns = table_columns(
                ("rank", "名次"),
                ("name", "高新区"),
                ("score", "总分"),
                ("relative", "相对得分"),
                ("group", "表现分组"),
                ("band", "名次区间"),
                ("previous", "上年名次"),
                ("movement", "进位/退位"),
            ) + table_columns(*[(d.code, f"{d.name}（{d.weight:g}%）") for d in dims])
            ranking_table = (
                ui.table(columns=columns, rows=rows, row_key="unit")
                .classes("w-full")
                .mark("ranking-table")
            )
            link_cell(ranking_table, "name")
            ui.label(
                "名次区间：权重 ±25% 随机扰动与归一化方法替换的蒙特卡洛模拟中，名次的 5%–95% 分位；"
                "表现分组参照欧洲创新记分牌 2024（对标组平均分 = 100）。"
            ).classes("kc-muted")
            ui.echart(interval_chart(table)).classes("w-full").style(
                f"height: {max(300, 34 * len(table) + 80)}px"
            ).mark("rank-bands")
            ui.label(f"计分方法（假设）：{framework.method_note}").classes("kc-muted")
            # counts taken from the qualifications register say so, with their rule
            cat = catalogue().indicators
            register = [
                cat[c] for c in framework.indicators if cat[c].source.startswith("register")
            ]
            if register:
                ui.label(
                    "数据来源 资质登记："
                    + "；".join(f"{i.name}——{i.note}" if i.note else i.name for i in register)
                ).classes("kc-muted").mark("register-source")

        c = _controls(ch, lambda: body.refresh(), _demo_peer_default(ch), year)
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


@ui.page("/evaluation/benchmark")
async def benchmark_page(year: int | None = None) -> None:
    """对标找差: pick a benchmark, see the gap table in points and raw units and a radar chart."""
    with frame("对标找差", READERS) as principal:
        if principal is None:
            return
        ch = await run.io_bound(load_choices)
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
                    fmt_num(g["unit_score"]),
                    f"第 {row.get('rank')} 名 · {row.get('group_label') or '—'}",
                )
                stat_card(
                    f"{g['benchmark_name']} 总分",
                    fmt_num(g["benchmark_score"]),
                    g.get("note") or "",
                )
                stat_card("得分差距", fmt_num(g["score_gap"]), "各指标得分差距之和")
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
                    "unit_raw": fmt_figure(r["unit_raw"], r["unit_label"], show_unit=False),
                    "benchmark_raw": fmt_figure(
                        r["benchmark_raw"], r["unit_label"], show_unit=False
                    ),
                    "unit_label": r["unit_label"],
                    "points": fmt_num(r["points"]),
                    "advice": r["advice"],
                }
                for r in g["rows"]
            ]
            ui.table(
                columns=table_columns(
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

        c = _controls(ch, lambda: body.refresh(), _demo_peer_default(ch), year)
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
