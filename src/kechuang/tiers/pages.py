"""梯度培育 pages: the pipeline dashboard, candidate lists, self-assessment, and the enterprise
page's 梯度评估 section."""

from __future__ import annotations

from datetime import date
from typing import Any

from nicegui import run, ui

from kechuang.core.audit import bind_principal
from kechuang.core.config import get_settings
from kechuang.core.db import session_scope
from kechuang.core.formatting import fmt_int, fmt_local_time
from kechuang.core.layout import (
    download_bytes,
    frame,
    session_principal,
    stat_card,
)
from kechuang.core.methodology import CONFIRMATION_COLORS, version_label
from kechuang.core.methodology_ui import sources_section
from kechuang.core.scope import ScopeError
from kechuang.core.security import Principal, actor_label
from kechuang.core.tables import (
    PageRequest,
    ServerTable,
    chosen_year,
    link_cell,
    sortable_columns,
    year_select,
)
from kechuang.registry.models import TECH_FIELDS
from kechuang.registry.service import list_zones
from kechuang.statistics.queries import enterprise_list_years
from kechuang.tiers import assessment, dashboard, methodology, self_assessment, snapshots
from kechuang.tiers.scope import PAGE_ROLES, zone_choices

VERDICT_COLORS = {
    "met": "positive",
    "manual_review": "warning",
    "unknown": "grey",
    "unmet": "negative",
}


def public_self_assessment() -> bool:
    """True when the bureau lets anyone (not logged in) use the self-assessment page."""
    return get_settings().tiers_public_self_assessment


def _pipeline(principal: Principal, years: list[int]) -> dict[str, Any]:
    with session_scope() as session:
        bind_principal(session, principal)
        return dashboard.pipeline(session, principal, years)


@ui.page("/tiers")
async def pipeline_page(year: int | None = None) -> None:
    """Counts per rung per zone and year against the (draft) targets, funnel and Sankey charts;
    the three years end at the chosen one (?year=, else the newest)."""
    with frame("梯度培育看板", PAGE_ROLES) as principal:
        if principal is None:
            return
        with_figures = await run.io_bound(_years)
        last = chosen_year(year, with_figures)
        if last is None:
            ui.label("暂无企业年度统计数据：请先导入企业年度统计。").classes("text-grey-7")
            return
        year_select(with_figures, last, "截至年度")
        years = [y for y in (last - 2, last - 1, last)]
        data = await run.io_bound(_pipeline, principal, years)
        _source_banner(principal, data["source"], years)
        tg = data["targets"]
        ui.label(f"{tg['name']}（{tg['status_label']}）").classes("text-subtitle1")
        ui.label(f"来源：{tg['source']}").classes("kc-muted")
        with ui.row().classes("gap-4"):
            for t in tg["progress"]:
                stat_card(
                    f"{t['label']}（{last}年数据）",
                    fmt_int(t["current"], " 家"),
                    (
                        f"另有符合认定条件未持证 {fmt_int(t['eligible'])} 家 · "
                        if "eligible" in t
                        else ""
                    )
                    + f"另有待专家评审 {fmt_int(t['review'])} 家 · {tg['year']}年目标 "
                    f"{fmt_int(t['target'])}（草案）· 完成 {(t['ratio'] or 0) * 100:.1f}%",
                )
        fams = data["families"]
        latest_counts = [c for c in data["counts"] if c["year"] == last]
        columns = [
            {"name": "zone", "label": "高新区（统计归属）", "field": "zone", "align": "left"}
        ]
        columns += [{"name": f, "label": n, "field": f} for f, n in fams.items()]
        rows = [
            {
                "zone": c["zone"],
                **{
                    f: fmt_int(c.get(f, 0))
                    + (
                        f"（未持证符合条件 {c[f + '__eligible']}）"
                        if c.get(f + "__eligible")
                        else ""
                    )
                    + (f"（待评审 {c[f + '__review']}）" if c.get(f + "__review") else "")
                    for f in fams
                },
            }
            for c in latest_counts
        ]
        ui.label(
            f"{last}年 各梯度企业数（符合条件或持有资质；高新技术企业按证书计：{data['hnte_rule']}；"
            "括号内为需专家评审的企业）"
        ).classes("text-subtitle1")
        ui.table(columns=columns, rows=rows).classes("w-full").props("dense").mark("tier-counts")
        labels = data["rung_labels"]
        funnel = [
            {
                "name": f"{f['name']}（其中持证 {fmt_int(f['holders'])} 家）"
                if "holders" in f
                else f["name"],
                "value": f["value"],
            }
            for f in data["funnel"]
        ]
        nodes, links = _sankey(data["flows"], labels)
        with ui.row().classes("w-full gap-4"):
            ui.echart(
                {
                    "title": {
                        "text": f"{last}年 梯度漏斗（达到该梯度及以上）",
                        "textStyle": {"fontSize": 14},
                    },
                    "tooltip": {"trigger": "item"},
                    "series": [
                        {
                            "type": "funnel",
                            "sort": "descending",
                            "left": "10%",
                            "width": "80%",
                            "top": 40,
                            "data": funnel,
                            "label": {"formatter": "{b}：{c}"},
                        }
                    ],
                }
            ).classes("h-96").style("width: 44%").mark("tier-funnel")
            ui.echart(
                {
                    "title": {"text": "梯度流转（逐年）", "textStyle": {"fontSize": 14}},
                    "tooltip": {"trigger": "item"},
                    "series": [
                        {
                            "type": "sankey",
                            "top": 40,
                            "data": nodes,
                            "links": links,
                            "emphasis": {"focus": "adjacency"},
                        }
                    ],
                }
            ).classes("h-96").style("width: 52%").mark("tier-sankey")
        ui.label(
            f"高新技术企业证书（三年有效，到期需重新认定；有效证书 = {data['hnte_rule']}）"
        ).classes("text-subtitle1")
        ui.table(
            columns=[
                {"name": k, "label": v, "field": k}
                for k, v in (
                    ("year", "年度"),
                    ("valid", "有效证书"),
                    ("expiring", "当年到期"),
                    ("renewed", "已重新认定"),
                    ("lapsed", "未续期"),
                )
            ],
            rows=data["certificates"],
        ).classes("w-full").props("dense")
        ui.label(data["scope_note"]).classes("kc-muted")
        for item in tg.get("not_tracked", []):
            ui.label(f"未纳入看板：{item['label']} {item['value']}（{item['reason']}）").classes(
                "kc-muted"
            )


def source_text(source: dict[str, Any]) -> str:
    """Where the figures on a page come from, in a sentence."""
    snap = source.get("snapshot")
    if source["kind"] == "snapshot":
        return (
            f"数据读自梯度评估快照 #{snap['id']}（{fmt_local_time(snap['created_at'])} 由 "
            f"{actor_label(snap['created_by'])} 保存，覆盖 {'、'.join(map(str, snap['years']))}年），"
            "与当前数据一致。"
        )
    if source["state"] == "stale":
        return f"快照 #{snap['id']} 已过期（{source['reason']}）：以下为实时计算结果。"
    return f"以下为实时计算结果（{source['reason']}）。"


def _store_snapshot(principal: Principal, years: list[int]) -> int:
    with session_scope() as session:
        bind_principal(session, principal)
        return snapshots.create_snapshot(session, principal, years).id


def _source_banner(principal: Principal, source: dict[str, Any], years: list[int]) -> None:
    """The page's data source, and for the city bureau a button to store a new snapshot."""
    with ui.row().classes("items-center gap-4"):
        color = "text-positive" if source["kind"] == "snapshot" else "text-warning"
        label = ui.label(source_text(source)).classes(color).mark("tier-source")
        if principal.is_city_admin and source["kind"] != "snapshot":

            async def store() -> None:
                button.disable()
                try:
                    sid = await run.io_bound(_store_snapshot, principal, years)
                except methodology.TierError as exc:
                    ui.notify(str(exc), type="negative")
                    button.enable()
                    return
                ui.notify(f"已保存梯度评估快照 #{sid}", type="positive")
                # the page keeps the figures it computed; the next visit reads the snapshot
                label.set_text(f"已保存梯度评估快照 #{sid}：再次打开本页时将直接读取快照。")
                button.delete()

            button = (
                ui.button("保存评估快照", icon="save", on_click=store)
                .props("outline")
                .mark("tier-snapshot-save")
            )


def _sankey(
    flows: list[dict[str, Any]], labels: dict[int, str]
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    names: dict[str, None] = {}
    links = []
    for f in flows:
        if f["count"] == 0:
            continue
        src = f"{f['from_year']} {labels.get(f['from'], '无数据')}"
        dst = f"{f['to_year']} {labels.get(f['to'], '无数据')}"
        names[src] = names[dst] = None
        links.append({"source": src, "target": dst, "value": f["count"]})
    return [{"name": n} for n in names], links


def _candidates(
    principal: Principal,
    family: str,
    year: int,
    zone_id: int | None,
    request: PageRequest | None = None,
) -> dict[str, Any]:
    request = request or PageRequest(1, EXPORT_ROWS, "distance")
    with session_scope() as session:
        bind_principal(session, principal)
        return assessment.candidates(
            session,
            principal,
            family,
            year,
            zone_id,
            limit=request.limit,
            sort=CANDIDATE_SORT_KEYS.get(request.sort or "", request.sort),
            descending=request.descending,
            offset=request.offset,
        )


def _years() -> list[int]:
    with session_scope() as session:
        return enterprise_list_years(session)


EXPORT_ROWS = 200  # the export holds the closest 200, as the list did before it was paged
# the page's columns that the service sorts under another key
CANDIDATE_SORT_KEYS = {"rung": "rung", "target": "target_rung", "status": "status"}
CANDIDATE_COLUMNS = sortable_columns(
    (
        ("rank", "序号"),
        ("name", "企业名称"),
        ("zone", "高新区"),
        ("rung", "当前梯度"),
        ("target", "目标梯度"),
        ("status", "结论"),
        ("distance", "差距指数"),
        ("gaps", "最易弥补的差距"),
    ),
    sortable=("name", "zone", "rung", "target", "status", "distance"),
)


@ui.page("/tiers/candidates")
async def candidates_page(year: int | None = None) -> None:
    """The closest not-yet-qualifying enterprises for a rung, with their gaps, sorted and paged
    on the server; Excel export."""
    with frame("培育后备库", PAGE_ROLES) as principal:
        if principal is None:
            return
        years = await run.io_bound(_years)
        shown_year = chosen_year(year, years)
        if shown_year is None:
            ui.label("暂无企业年度统计数据").classes("text-grey-7")
            return
        fams = methodology.families()
        zones = {z.id: z.name for z in await run.io_bound(_zones)}
        zones = zone_choices(principal, zones)
        with ui.row().classes("items-end gap-4"):
            family = ui.select(
                {assessment.NEAREST: "各企业最近的下一梯度", **fams}, value="hnte", label="梯度"
            ).classes("w-64")
            year_select(years, shown_year, "评价年度")
            zone = ui.select({0: "全部（可见范围）", **zones}, value=0, label="高新区").classes(
                "w-48"
            )
            go = ui.button("查询", icon="search")
            export = ui.button("导出Excel", icon="download")
        info = ui.label("").classes("kc-muted")
        state: dict[str, Any] = {}

        def fetch(request: PageRequest) -> tuple[list[dict[str, Any]], int]:
            data = _candidates(principal, family.value, shown_year, zone.value or None, request)
            state["data"] = data
            rows = [
                {
                    "rank": data["offset"] + i + 1,
                    "name": r["name"],
                    "url": r["url"],
                    "zone": r["zone"],
                    "rung": r["rung_label"],
                    "target": r["target_label"],
                    "status": r["status_label"],
                    "distance": f"{r['distance']:.3f}",
                    "gaps": "；".join(r["top_gaps"]),
                }
                for i, r in enumerate(data["rows"])
            ]
            return rows, data["listed"]

        def shown(listed: int) -> None:
            data = state["data"]
            p = data["pack"]
            info.set_text(
                f"{p['name']}（{version_label(p['version'])}，{p['confirmation_label']}"
                f"{'，回溯评估' if p['retrospective'] else ''}）：未达标 "
                f"{data['total_not_met']} 家，按差距指数显示最接近的 {listed} 家"
            )
            source_label.set_text(source_text(data["source"]))

        listing = ServerTable(
            CANDIDATE_COLUMNS,
            fetch,
            row_key="url",
            sort="distance",
            on_total=shown,
        )
        listing.table.props("dense wrap-cells").mark("candidates")
        # each name opens the enterprise page (its 梯度评估 section has every condition)
        link_cell(listing.table, "name")
        source_label = ui.label("").classes("kc-muted").mark("candidates-source")

        async def do_export() -> None:
            data = await run.io_bound(
                _candidates, principal, family.value, shown_year, zone.value or None
            )
            content = await run.io_bound(assessment.candidates_xlsx, data)
            download_bytes(content, f"{data['pack']['name']}后备库.xlsx")

        go.on_click(listing.reload)
        export.on_click(do_export)
        await listing.reload()


def _zones() -> list[Any]:
    with session_scope() as session:
        return list_zones(session)


def _render_assessment(data: dict[str, Any], details: Any = None) -> None:
    """The verdicts of every pack; a pack's conditions, values, thresholds, gaps and sources are
    built when its panel is first opened (ten packs' tables made the enterprise page slow to
    show), fetched then through `details(code)` when the data holds verdicts only."""
    ui.label(f"当前梯度：{data['rung_label']}").classes("text-subtitle1").mark("tier-rung")
    for pack in data["packs"]:
        title = f"{pack['name']}（{version_label(pack['version'])}）：{pack['status_label']}"
        if pack["score_lo"] is not None:
            lo, hi = pack["score_lo"], pack["score_hi"]
            title += f" · 得分 {lo:g}" + (f"–{hi:g}" if hi != lo else "") + " 分"
        panel = ui.expansion(title, icon="rule").classes("w-full").mark(f"pack-{pack['family']}")
        panel.on_value_change(_filler(panel, pack, details))


def _filler(panel: ui.expansion, pack: dict[str, Any], details: Any) -> Any:
    """A handler that builds the pack's details into its panel the first time it is opened."""
    built: list[bool] = []

    async def fill(event: Any) -> None:
        if not event.value or built:
            return
        built.append(True)
        full = pack if "conditions" in pack else await details(pack["code"])
        with panel:
            if full is None:
                ui.label("该规则包的明细暂不可用，请刷新页面").classes("text-negative")
            else:
                _render_pack(full)

    return fill


def _render_pack(pack: dict[str, Any]) -> None:
    """One pack's verdict badges, condition table, score items, notes and sources."""
    with ui.row().classes("gap-2"):
        ui.badge(pack["status_label"], color=VERDICT_COLORS[pack["status"]])
        ui.badge(
            pack["confirmation_label"],
            color=CONFIRMATION_COLORS.get(pack["confirmation"], "orange"),
        ).tooltip(pack["confirmation_note"])
        if pack["retrospective"]:
            ui.badge("回溯评估（该版本规则当年尚未施行）", color="orange")
    rows = [
        {
            "label": ("　" * c["depth"]) + c["label"],
            "value": c["value_text"] or "",
            "threshold": c["threshold_text"] + (f"（{c['tier']}）" if c["tier"] else ""),
            "verdict": c["verdict_label"],
            "gap": c["gap_text"] or "",
            "confirmation": _row_confirmation(pack, c),
            "source": (c.get("source_full") or c["source"]) + _level(c),
        }
        for c in pack["conditions"]
    ]
    ui.table(
        columns=[
            {"name": k, "label": v, "field": k, "align": "left"}
            for k, v in (
                ("label", "条件"),
                ("value", "企业值"),
                ("threshold", "要求"),
                ("verdict", "结论"),
                ("gap", "差距"),
                ("confirmation", "确认程度"),
                ("source", "出处"),
            )
        ],
        rows=rows,
    ).classes("w-full").props("dense wrap-cells")
    if pack.get("missing_fields"):
        ui.label("补填以下数据可能改变结论：" + "、".join(pack["missing_fields"])).classes(
            "text-warning"
        ).mark(f"missing-{pack['family']}")
    if pack["items"]:
        ui.label("评分明细").classes("text-subtitle2")
        ui.table(
            columns=[
                {"name": k, "label": v, "field": k, "align": "left"}
                for k, v in (
                    ("group", "类别"),
                    ("label", "指标"),
                    ("points", "得分"),
                    ("max", "满分"),
                    ("source", "出处"),
                )
            ],
            rows=[
                {
                    "group": i["group"],
                    "label": i["label"],
                    "source": (i.get("source_full") or i["source"]) + _level(i),
                    "max": i["max"],
                    "points": "—"
                    if i["lo"] is None
                    else (f"{i['lo']:g}" if i["lo"] == i["hi"] else f"{i['lo']:g}–{i['hi']:g}"),
                }
                for i in pack["items"]
            ],
        ).classes("w-full").props("dense")
    for note in pack["not_evaluated"]:
        ui.label(f"未自动判断：{note['label']}（{note['source']}）").classes("kc-muted")
    for reading in pack["readings"]:
        ui.label(f"口径：{reading}").classes("kc-muted")
    sources_section(pack["documents"])


def _row_confirmation(pack: dict[str, Any], cond: dict[str, Any]) -> str:
    """A row's confirmation: the whole pack's level, the condition's own when lower, whether its
    reading is inferred and whether the pack is applied retrospectively."""
    text = f"规则包{pack['confirmation_label']}"
    if cond.get("confirmation") not in (None, "confirmed", pack["confirmation"]):
        text += f"；条款{cond['confirmation_label']}"
    if cond.get("inferred"):
        text += f"；推断读法：{cond['inferred_reading']}"
    if cond.get("retrospective"):
        text += "；回溯评估"
    return text


def _level(item: dict[str, Any]) -> str:
    """“（单一来源）” etc. after a source that is not confirmed; nothing when it is."""
    return "" if item["confirmation"] == "confirmed" else f"（{item['confirmation_label']}）"


def _assessment(
    principal: Principal, enterprise_id: int, year: int | None = None, details: bool | str = True
) -> dict[str, Any] | None:
    with session_scope() as session:
        bind_principal(session, principal)
        try:
            return assessment.enterprise_assessment(
                session, principal, enterprise_id, year, details=details
            )
        except ScopeError:
            return None


async def enterprise_section(principal: Principal, enterprise_id: int) -> None:
    """The 梯度评估 section of the enterprise page: each pack's verdict, its details (conditions,
    gaps, sources) computed when the pack is opened."""
    data = await run.io_bound(_assessment, principal, enterprise_id, None, False)
    ui.label("梯度评估").classes("text-h6").mark("tier-section")
    if data is None:
        return
    if not data["packs"]:
        ui.label(data.get("message", "暂无数据")).classes("kc-muted")
        return
    ui.label(f"按 {data['year']} 年数据评估（展开规则包查看条件、差距与出处）").classes("kc-muted")

    async def details(code: str) -> dict[str, Any] | None:
        found = await run.io_bound(_assessment, principal, enterprise_id, data["year"], code)
        return next((p for p in (found or {}).get("packs", []) if p["code"] == code), None)

    _render_assessment(data, details)


@ui.page("/tiers/self-assessment")
async def self_assessment_page() -> None:
    """Type figures, get every pack's verdict and gaps; nothing is stored."""
    if session_principal() is None and public_self_assessment():
        ui.page_title("梯度自评 - 科创")
        with ui.column().classes("w-full q-pa-md gap-4"):
            ui.label("梯度自评").classes("text-h5").mark("page-title")
            _self_form()
        return
    with frame("梯度自评") as principal:
        if principal is None:
            return
        _self_form()


def _self_form() -> None:
    ui.label(
        "填写最近三个会计年度的数据（金额单位：万元），立即得到各梯度的结论与差距。"
        "本页不保存任何数据。"
    ).classes("kc-muted").mark("no-store-note")
    this_year = date.today().year - 1
    with ui.row().classes("items-end gap-4"):
        year = ui.number(
            "评价年度（最近一个会计年度）", value=this_year, min=2000, max=2100, step=1, format="%d"
        ).mark("self-year")
        founded = ui.input("成立日期（如 2018-05-01）").mark("self-founded")
        applied = ui.input("高企申请日期（如 2025-05-20，可不填）").mark("self-applied")
        field = ui.select(
            {"": "（未选择）", **{f: f for f in TECH_FIELDS}}, value="", label="技术领域"
        ).classes("w-48")
    inputs: dict[tuple[int, str], Any] = {}
    with ui.grid(columns=4).classes("items-center gap-2"):
        ui.label("指标")
        for k in (2, 1, 0):
            ui.label(f"评价年度{'' if k == 0 else f'前{k}年'}")
        for code, label, unit in self_assessment.SELF_FIELDS:
            ui.label(f"{label}（{unit}）")
            for k in (2, 1, 0):
                inputs[(k, code)] = (
                    ui.number(value=None, format="%.2f")
                    .props("dense outlined")
                    .mark(f"self-{code}-{k}")
                )
    # declarations: 未填写 stays unknown (a rule that needs it says so), never a silent 否
    ui.label("评价年度的情况与声明（未填写的项，需要它的条件为“数据缺失”）").classes(
        "text-subtitle2"
    )
    flags: dict[str, Any] = {}
    with ui.grid(columns=3).classes("items-center gap-2"):
        for code, label in self_assessment.SELF_FLAGS:
            flags[code] = (
                ui.select({"": "未填写", "yes": "是", "no": "否"}, value="", label=label)
                .props("dense outlined")
                .classes("w-64")
                .mark(f"self-flag-{code}")
            )
    scores = {
        code: ui.number(label, value=None, min=0, max=100)
        .props("dense outlined")
        .mark(f"self-fact-{code}")
        for code, label in self_assessment.SELF_QUALS
        if code in self_assessment.SELF_SCORES
    }
    quals = {
        code: ui.checkbox(label)
        for code, label in self_assessment.SELF_QUALS
        if code not in self_assessment.SELF_SCORES
    }
    message = ui.label("").classes("text-negative")
    result = ui.column().classes("w-full")

    def evaluate() -> None:
        message.set_text("")
        result.clear()
        try:
            y = int(year.value)
            founded_on = date.fromisoformat(founded.value.strip()) if founded.value else None
            applied_on = date.fromisoformat(applied.value.strip()) if applied.value else None
        except (TypeError, ValueError):
            message.set_text("评价年度或日期格式不正确（日期如 2018-05-01）")
            return
        figures: dict[int, dict[str, Any]] = {}
        for (k, code), el in inputs.items():
            if el.value is not None:
                figures.setdefault(y - k, {})[code] = float(el.value)
        figures.setdefault(y, {}).update(
            {c: sel.value == "yes" for c, sel in flags.items() if sel.value in ("yes", "no")}
        )
        facts: dict[str, Any] = {c: bool(cb.value) for c, cb in quals.items()}
        facts |= {c: float(el.value) for c, el in scores.items() if el.value is not None}
        try:
            data = self_assessment.self_assess(
                y,
                figures,
                founded_on,
                field.value or None,
                None,
                facts,
                hnte_applied_on=applied_on,
            )
        except methodology.TierError as exc:
            message.set_text(str(exc))
            return
        with result:
            _render_assessment(data)

    ui.button("评估", icon="play_arrow", on_click=evaluate).mark("self-evaluate")
