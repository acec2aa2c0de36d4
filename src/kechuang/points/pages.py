"""Innovation-points pages: leaderboards and movers, the bank list, the methodology, and the points
card on every enterprise page (radar, indicator table, rank trend, what-if, consent, certificate)."""

from __future__ import annotations

import re
from typing import Any

from nicegui import run, ui

from kechuang.core import jobs
from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.errors import UserError
from kechuang.core.layout import (
    download_bytes,
    frame,
    stat_card,
)
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
from kechuang.points import certificate as cert
from kechuang.points import methodology as meth
from kechuang.points import service, verification
from kechuang.points.models import BANK_ROLE
from kechuang.points.scope import CONSENT_BY_DOCUMENT, PointsForbidden
from kechuang.registry.service import industry_label, list_zones
from kechuang.statistics.fields import FIELDS_BY_CODE

LIST_ROLES = ("city_admin", "zone_admin", "enterprise_user")


def _call(principal: Principal, fn: Any, *args: Any, **kw: Any) -> Any:
    """Run a service in its own transaction as the principal; errors come back as a message."""
    try:
        with session_scope() as session:
            bind_principal(session, principal)
            return fn(session, principal, *args, **kw)
    except UserError as exc:  # points, scope, certificate and bad-input errors alike
        return {"error": str(exc)}


def _score_all(principal: Principal, methodology: str) -> int | dict[str, str]:
    """Score every enterprise-year as a job; the run id, or the error as a message."""

    def work(session: Any) -> int:
        bind_principal(session, principal)
        return service.create_run(session, principal, methodology).id

    try:
        return jobs.run_value(principal, "points_run", "计算全市创新积分", work)
    except (service.PointsError, PointsForbidden, ScopeError) as exc:
        return {"error": str(exc)}


def provisional_banner(mb: dict[str, Any] | None) -> None:
    """State the methodology and, when it is not official, that it is provisional."""
    if not mb:
        return
    with ui.row().classes("items-center gap-2"):
        ui.label(f"计算方法：{mb['label']}（{mb['mode_label']}）").classes("kc-muted")
        if mb["provisional"]:
            ui.badge("暂行方法", color="orange").tooltip(mb["status_label"])
    if mb["provisional"]:
        ui.label(mb["status_label"]).classes("text-orange-9 text-caption").mark("provisional")


def _rank(rk: dict[str, Any]) -> str:
    if rk.get("rank"):
        return f"{rk['rank']} / {rk['of']}"
    return service.RANK_WITHHELD if rk.get("of") else "—"


async def render_card(principal: Principal, enterprise_id: int, heading: bool = True) -> None:
    """The points card of one enterprise (scoped: an enterprise user only ever gets his own)."""
    card = await run.io_bound(_call, principal, service.enterprise_card, enterprise_id)
    # on its own page the page title already names it; on the enterprise page it is a section
    ui.label("企业创新积分" if heading else "").classes("text-h6 q-mt-md").mark("points-card")
    if "error" in card:
        ui.label(card["error"]).classes("text-negative")
        return
    latest = card.get("latest")
    if latest is None:
        ui.label("尚未计算该企业的创新积分（市科技局计算后显示）。").classes("text-grey-7")
        return
    provisional_banner(card["methodology"])
    scale = card["methodology"]["scale"]
    with ui.row().classes("gap-4"):
        stat_card(
            f"{latest['year']}年 创新积分",
            f"{latest['total']:.2f}",
            f"满分 {scale:g}；加分 {latest['bonus']:g}，扣分 {latest['penalty']:g}",
        )
        stat_card("生命周期阶段", latest["stage_name"])
        for key in ("city", "zone", "industry"):
            stat_card(f"{latest['ranks'][key]['label']}排名", _rank(latest["ranks"][key]))
    if latest["vetoed"]:
        ui.label("存在一票否决的负面事项（如列入严重违法失信名单），本年度积分计为 0。").classes(
            "text-negative"
        )
    for item in latest["negative_items"]:
        ui.label(
            f"负面事项：{item['name']}"
            + ("（一票否决）" if item["veto"] else f"（扣 {item['points']:g} 分）")
        ).classes("text-negative")
    for item in latest["bonus_items"]:
        ui.label(f"加分事项：{item['name']}（+{item['points']:g}）").classes("text-positive")
    cats = latest["categories"]
    years = card["years"]
    with ui.row().classes("w-full gap-4 no-wrap"):
        ui.echart(
            {
                "title": {"text": "分类得分（占本阶段满分 %）", "textStyle": {"fontSize": 14}},
                "tooltip": {},
                "radar": {
                    "indicator": [{"name": c["name"], "max": 100} for c in cats],
                    "radius": "60%",
                },
                "series": [
                    {
                        "type": "radar",
                        "data": [
                            {
                                "name": card["name"],
                                "value": [
                                    round(100 * c["points"] / c["max"], 1) if c["max"] else 0
                                    for c in cats
                                ],
                            }
                        ],
                    }
                ],
            }
        ).classes("w-1/2 h-80").mark("points-radar")
        ui.echart(
            {
                "title": {"text": "积分与全市排名", "textStyle": {"fontSize": 14}},
                "tooltip": {"trigger": "axis"},
                "legend": {"bottom": 0},
                "grid": {"top": 60, "bottom": 50},
                "xAxis": {"type": "category", "data": [str(y["year"]) for y in years]},
                "yAxis": [
                    {"type": "value", "name": "积分"},
                    {"type": "value", "name": "名次", "inverse": True, "minInterval": 1},
                ],
                "series": [
                    {"name": "创新积分", "type": "bar", "data": [y["total"] for y in years]},
                    {
                        "name": "全市名次",
                        "type": "line",
                        "yAxisIndex": 1,
                        "data": [y["rank_city"] for y in years],
                    },
                ],
            }
        ).classes("w-1/2 h-80")
    if latest["shortfalls"]:
        ui.label(
            "与同阶段平均得分相比失分最多的指标："
            + "、".join(f"{s['name']}（差 {s['gap']:.2f} 分）" for s in latest["shortfalls"])
        ).mark("shortfalls")
    cat_names = {c["code"]: c["name"] for c in cats}
    ui.table(
        columns=[
            {"name": k, "label": v, "field": k, "align": "left"}
            for k, v in (
                ("category", "一级指标"),
                ("name", "二级指标"),
                ("definition", "定义"),
                ("value", "数值"),
                ("points", "得分"),
                ("weight", "本阶段满分"),
                ("gap", "低于同阶段平均"),
                ("confidence", "确认程度"),
            )
        ],
        rows=[
            {
                "category": cat_names[i["category"]],
                "name": i["name"],
                "definition": i["definition"],
                "value": cert.item_value_text(i),
                "points": f"{i['points']:.2f}",
                "weight": f"{i['weight']:g}",
                "gap": "同阶段企业不足4家，不显示"
                if i["gap_to_median"] is None
                else f"{i['gap_to_median']:.2f}"
                if i["gap_to_median"] > 0
                else "—",
                "confidence": i["confidence_label"],
            }
            for i in latest["items"]
        ],
        row_key="name",
    ).classes("w-full").props("dense").mark("points-items")
    await _what_if_form(principal, enterprise_id, latest["year"])
    _consent_form(principal, enterprise_id, card["consent"])

    async def issue(fmt: str) -> None:
        out = await run.io_bound(_certificate, principal, enterprise_id, fmt)
        if isinstance(out, dict):
            ui.notify(out["error"], type="negative")
            return
        content, name = out
        download_bytes(content, name)
        _certificate_list.refresh()

    with ui.row().classes("items-center"):
        ui.button("出具积分证明（Word）", icon="description", on_click=lambda: issue("docx")).mark(
            "issue-certificate"
        )
        if cert.pdf_available():
            ui.button("出具积分证明（PDF）", icon="picture_as_pdf", on_click=lambda: issue("pdf"))
    with ui.row().classes("items-center gap-2"):
        ui.label(
            "每次出具都会登记一份带验证码和二维码的新证明，同一年度此前的证明随即显示为“已被新证明取代”；"
            "银行扫描证明上的二维码，或在核验页面输入验证码，无需登录即可核验。"
        ).classes("kc-muted")
        ui.link("打开证明核验页面", verification.VERIFY_PATH)
    _certificate_list(principal, enterprise_id)


@ui.refreshable
def _certificate_list(principal: Principal, enterprise_id: int) -> None:
    """The enterprise's issued certificates with their status; the bureau may withdraw one."""
    rows = _call(principal, verification.list_certificates, enterprise_id)
    if isinstance(rows, dict) or not rows:
        return
    ui.label("已出具的积分证明").classes("text-subtitle1")
    for c in rows:
        with ui.row().classes("items-center gap-2").mark(f"certificate-{c['id']}"):
            ui.label(
                f"{c['year']}年度 · 尾号 {c['code_tail']} · {str(c['issued_at'])[:10]} "
                f"{c['issued_by']} 出具 · {c['status_label']}"
                + (f"（{c['withdrawn_reason']}）" if c["withdrawn_reason"] else "")
            )
            if principal.is_city_admin and c["status"] != "withdrawn":
                ui.button(
                    "撤回", on_click=lambda c=c: _withdraw_dialog(principal, enterprise_id, c)
                ).props("flat dense color=negative").mark(f"withdraw-{c['id']}")


def _withdraw_dialog(principal: Principal, enterprise_id: int, c: dict[str, Any]) -> None:
    """Ask the bureau for the reason, then withdraw."""
    with ui.dialog() as dialog, ui.card():
        ui.label(f"撤回 {c['year']}年度积分证明（尾号 {c['code_tail']}）")
        reason = ui.input("撤回原因（银行核验时可见）").classes("w-96").mark("withdraw-reason")

        def confirm() -> None:
            out = _call(principal, verification.withdraw, c["id"], reason.value or "")
            if isinstance(out, dict):
                ui.notify(out["error"], type="negative")
                return
            dialog.close()
            ui.notify("积分证明已撤回", type="positive")
            _certificate_list.refresh(principal, enterprise_id)

        with ui.row():
            ui.button("确认撤回", on_click=confirm).props("color=negative").mark("withdraw-confirm")
            ui.button("取消", on_click=dialog.close).props("flat")
    dialog.open()


def _certificate(
    principal: Principal, enterprise_id: int, fmt: str
) -> tuple[bytes, str] | dict[str, str]:
    """Issue (record) a certificate and render it; the file and its name, or the error."""
    return _call(principal, verification.issue_document, enterprise_id, fmt)


WHAT_IF_INPUTS = (
    ("rd_expense", "研发费用增加（万元）"),
    ("ip_class1", "新增Ⅰ类知识产权（件）"),
    ("invention_patents_granted", "新增发明专利授权（件）"),
    ("tech_contract_value", "技术合同成交额增加（万元）"),
    ("high_tech_revenue", "高新技术产品收入增加（万元）"),
)


async def _what_if_form(principal: Principal, enterprise_id: int, year: int) -> None:
    ui.label(f"积分模拟：假如 {year} 年……").classes("text-subtitle1")
    inputs = {}
    with ui.row().classes("items-end gap-3"):
        for code, label in WHAT_IF_INPUTS:
            step = 1 if FIELDS_BY_CODE[code].kind == "int" else 10
            inputs[code] = ui.number(label, value=0, step=step, format="%g").classes("w-48")
        go = ui.button("模拟", icon="calculate").mark("what-if")
    result = ui.column().mark("what-if-result")

    async def simulate() -> None:
        changes = {c: float(i.value or 0) for c, i in inputs.items() if i.value}
        result.clear()
        with result:
            if not changes:
                ui.label("请至少填写一项变化").classes("text-negative")
                return
            ui.spinner()
        data = await run.io_bound(
            _call, principal, service.what_if_for, enterprise_id, changes, year
        )
        result.clear()
        with result:
            if "error" in data:
                ui.label(data["error"]).classes("text-negative")
                return
            b, a = data["before"], data["after"]
            ui.label(
                f"模拟结果：创新积分 {b['total']:.2f} → {a['total']:.2f}"
                f"（{a['total'] - b['total']:+.2f}）；阶段 {a['stage_name']}"
            ).classes("text-weight-bold")
            ui.label(
                "排名："
                + "；".join(
                    f"{label} {_rank(b['ranks'][k])} → {_rank(a['ranks'][k])}"
                    for k, label in (("city", "全市"), ("zone", "高新区"), ("industry", "行业"))
                )
            )
            ui.label(data["note"]).classes("kc-muted")

    go.on_click(simulate)


def _consent_form(principal: Principal, enterprise_id: int, consent: dict[str, Any]) -> None:
    ui.label("向合作银行共享积分（积分贷）").classes("text-subtitle1")
    state = "已授权" if consent["consented"] else "未授权"
    status = ui.label(
        f"当前：{state}"
        + (
            f"（{consent['basis']}，{actor_label(consent['updated_by'])}）"
            if consent["updated_by"]
            else ""
        )
    ).mark("consent-status")
    if principal.role == BANK_ROLE:
        return
    own = principal.scope == "enterprise" and principal.enterprise_id == enterprise_id
    if not own and principal.role not in CONSENT_BY_DOCUMENT:
        ui.label(
            "授权由企业本人在线办理，或由市科技局管理员凭企业签章的书面授权书代为登记"
        ).classes("text-caption text-grey-7").mark("consent-hint")
        return
    document: dict[str, Any] = {}
    with ui.row().classes("items-end gap-3"):
        switch = ui.switch("同意向合作银行共享本企业创新积分", value=consent["consented"])
        basis = None
        if not own:
            basis = ui.input("授权依据", placeholder="如：书面授权书编号").classes("w-64")

            async def keep(e: Any) -> None:
                document["content"] = await e.file.read()
                document["name"] = e.file.name
                ui.notify(f"已选择授权书“{e.file.name}”", type="info")

            ui.upload(
                label="企业签章的书面授权书（PDF/JPG/PNG）",
                auto_upload=True,
                on_upload=keep,
                max_file_size=20 * 1024 * 1024,
            ).props('accept=".pdf,.jpg,.jpeg,.png"').mark("consent-document")

        async def save() -> None:
            res = await run.io_bound(
                _call,
                principal,
                service.set_consent,
                enterprise_id,
                bool(switch.value),
                basis.value if basis else "",
                document=document.get("content"),
                document_name=document.get("name", ""),
            )
            if isinstance(res, dict):
                ui.notify(res["error"], type="negative")
                return
            status.set_text(
                f"当前：{'已授权' if switch.value else '未授权'}（已保存并记入审计日志）"
            )
            ui.notify("授权已保存", type="positive")

        ui.button("保存授权", icon="save", on_click=save)


async def points_section(principal: Principal, enterprise_id: int) -> None:
    """The points card at the bottom of the enterprise page."""
    await render_card(principal, enterprise_id)


# ------------------------------------------------------------------------------------------------


def _options(principal: Principal) -> dict[str, Any]:
    with session_scope() as session:
        run_ = service.get_run(session)
        zones = {z.id: z.name for z in list_zones(session)}
        if principal.scope == "zone":
            zones = {k: v for k, v in zones.items() if k == principal.zone_id}
        return {
            "run": service.run_summary(run_) if run_ else None,
            "zones": zones,
            "runs": service.list_runs(session)[:20],
        }


# the page's columns that the service sorts under another key
POINTS_SORT_KEYS = {"stage_name": "stage"}
POINTS_COLUMNS = sortable_columns(
    (
        ("rank", "名次"),
        ("name", "企业名称"),
        ("zone", "高新区"),
        ("industry_division", "行业大类"),
        ("stage_name", "阶段"),
        ("total", "创新积分"),
        ("cats", "技术创新 / 成长经营 / 辅助"),
        ("rank_city", "全市名次"),
    ),
    sortable=("rank", "name", "zone", "industry_division", "stage_name", "total", "rank_city"),
    right=("total",),
)


def _points_rows(
    principal: Principal,
    flt: service.ListFilter,
    year: int | None,
    request: PageRequest,
    state: dict[str, Any],
) -> tuple[list[dict[str, Any]], int]:
    sort = POINTS_SORT_KEYS.get(request.sort or "", request.sort or "total")
    data = _call(
        principal,
        service.top_list,
        flt,
        None,
        year,
        request.limit,
        request.clamped_page,
        sort,
        request.descending if request.sort else True,
    )
    state["data"] = data
    if "error" in data:
        return [], 0
    rows = [
        {
            **row,
            "industry_division": industry_label(row["industry_division"]),
            "cats": " / ".join(f"{v:.1f}" for v in row["categories"].values()),
            "rank": f"{row['rank']} / {row['of']}" if row["rank"] else "—",
            "rank_city": f"{row['rank_city']} / {row['n_city']}",
            "total": f"{row['total']:.2f}",
            "url": f"/enterprises/{row['enterprise_id']}",
        }
        for row in data["items"]
    ]
    return rows, data["total"]


@ui.page("/points")
async def points_page(year: int | None = None) -> None:
    """Leaderboards with filters and year-on-year movers; an enterprise user gets his card."""
    with frame("企业创新积分", LIST_ROLES) as principal:
        if principal is None:
            return
        if principal.scope == "enterprise":
            await render_card(principal, principal.enterprise_id, heading=False)
            return
        opts = await run.io_bound(_options, principal)
        if principal.is_city_admin:
            with ui.row().classes("items-end gap-3"):
                choice = ui.select(
                    {m.code: m.label for m in meth.available()},
                    label="积分方法",
                    value=meth.DEFAULT_CODE,
                ).classes("w-96")

                async def score_all() -> None:
                    ui.notify("正在计算全市创新积分……")
                    res = await run.io_bound(_score_all, principal, choice.value)
                    if isinstance(res, dict):
                        ui.notify(res["error"], type="negative")
                        return
                    ui.notify("计算完成", type="positive")
                    ui.navigate.reload()

                ui.button("计算全市创新积分", icon="play_arrow", on_click=score_all).mark("run")
        if opts["run"] is None:
            ui.label("尚未计算创新积分：请市科技局管理员先执行一次积分计算。").classes(
                "text-grey-7"
            )
            return
        r = opts["run"]
        ui.label(
            f"积分计算 #{r['id']}（{r['created_at'][:16].replace('T', ' ')}，{actor_label(r['created_by'])}；"
            f"输入数据指纹 {r['input_hash'][:12]}）"
        ).classes("kc-muted")
        shown_year = chosen_year(year, r["years"])
        with ui.row().classes("items-end gap-3"):
            year_select(r["years"], shown_year)
            zone = ui.select({0: "全部", **opts["zones"]}, label="高新区", value=0).classes("w-44")
            stage = ui.select(
                {"": "全部", "startup": "初创期", "growth": "成长期", "mature": "稳定期"},
                label="生命周期阶段",
                value="",
            ).classes("w-36")
            industry = ui.input("行业代码前缀", placeholder="如 C35（专用设备制造业）").classes(
                "w-32"
            )
            n = ui.select([20, 50, 100, 200], label="导出前几名", value=50).classes("w-32")
            go = ui.button("查询", icon="search")
        banner = ui.column()
        state: dict[str, Any] = {}

        def flt() -> service.ListFilter:
            return service.ListFilter(
                zone.value or None, industry.value or None, stage.value or None
            )

        def shown(total: int) -> None:
            data = state.get("data") or {}
            banner.clear()
            with banner:
                if "error" in data:
                    ui.label(data["error"]).classes("text-negative")
                    count.set_text("")
                    return
                provisional_banner(data["methodology"])
            count.set_text(f"名次为{data['rank_label']}排名；共 {total:,} 家")

        listing = ServerTable(
            POINTS_COLUMNS,
            lambda request: _points_rows(principal, flt(), shown_year, request, state),
            row_key="enterprise_id",
            sort="total",
            descending=True,
            on_total=shown,
        )
        link_cell(listing.table, "name")
        count = ui.label("").classes("kc-muted")
        ui.label("年度变化").classes("text-subtitle1")
        movers_box = ui.row().classes("w-full gap-4 no-wrap")

        async def load() -> None:
            await listing.reload()
            if "error" in state.get("data", {}):
                return
            mv = await run.io_bound(_call, principal, service.movers, None, shown_year, 10)
            movers_box.clear()
            with movers_box:
                if "error" in mv:
                    ui.label(mv["error"]).classes("text-grey-7")
                    return
                for title, rows in (
                    ("积分上升最多", mv["risers"]),
                    ("积分下降最多", mv["fallers"]),
                ):
                    with ui.column().classes("w-1/2"):
                        ui.label(f"{title}（{mv['previous_year']}→{mv['year']}）")
                        movers = (
                            ui.table(
                                columns=[
                                    {"name": k, "label": v, "field": k, "align": "left"}
                                    for k, v in (
                                        ("name", "企业名称"),
                                        ("zone", "高新区"),
                                        ("change", "积分变化"),
                                        ("rank", "全市名次变化"),
                                    )
                                ],
                                rows=[
                                    {
                                        "name": x["name"],
                                        "zone": x["zone"],
                                        "change": f"{x['previous_total']:.2f} → {x['total']:.2f}"
                                        f"（{x['delta']:+.2f}）",
                                        "rank": f"{x['previous_rank_city']} → {x['rank_city']}",
                                        "url": f"/enterprises/{x['enterprise_id']}"
                                        if x.get("enterprise_id")
                                        else None,
                                    }
                                    for x in rows
                                ],
                                row_key="name",
                            )
                            .classes("w-full")
                            .props("dense")
                        )
                        link_cell(movers, "name")

        go.on_click(load)

        async def export(kind: str) -> None:
            kw: dict[str, Any] = {"year": shown_year}
            if kind == "top":
                kw |= {"flt": flt(), "n": n.value}
            content = await run.io_bound(_call, principal, service.export_xlsx, kind, **kw)
            if isinstance(content, dict):
                ui.notify(content["error"], type="negative")
                return
            download_bytes(
                content, {"top": "创新积分排行.xlsx", "movers": "创新积分年度变化.xlsx"}[kind]
            )

        with ui.row():
            ui.button("导出排行", icon="download", on_click=lambda: export("top"))
            ui.button("导出年度变化", icon="download", on_click=lambda: export("movers"))
        await load()


@ui.page("/points/bank")
async def bank_page() -> None:
    """The list a partner bank sees: consented enterprises only."""
    with frame("积分贷银行名单", ("city_admin", BANK_ROLE)) as principal:
        if principal is None:
            return
        data = await run.io_bound(_call, principal, service.bank_list)
        if "error" in data:
            ui.label(data["error"]).classes("text-grey-7")
            return
        provisional_banner(data["methodology"])
        ui.label(
            f"{data['year']}年度；仅列出已授权向合作银行共享积分的企业（授权可随时撤回）。"
        ).classes("kc-muted")
        ui.table(
            columns=[
                {"name": k, "label": v, "field": k, "align": "left"}
                for k, v in (
                    ("name", "企业名称"),
                    ("uscc", "统一社会信用代码"),
                    ("zone", "高新区"),
                    ("industry_division", "行业大类"),
                    ("stage_name", "阶段"),
                    ("total", "创新积分"),
                    ("rank", "全市名次"),
                )
            ],
            rows=[
                {
                    **r,
                    "total": f"{r['total']:.2f}",
                    "rank": _rank({"rank": r["rank_city"], "of": r["n_city"]}),
                    "industry_division": industry_label(r["industry_division"]),
                }
                for r in data["items"]
            ],
            row_key="uscc",
        ).classes("w-full").mark("bank-list")
        ui.label(f"共 {len(data['items'])} 家").classes("kc-muted")

        async def export() -> None:
            content = await run.io_bound(_call, principal, service.export_xlsx, "bank")
            if isinstance(content, dict):
                ui.notify(content["error"], type="negative")
                return
            download_bytes(content, "积分贷银行名单.xlsx")

        ui.button("导出名单", icon="download", on_click=export)


@ui.page("/points/methodology")
async def methodology_page() -> None:
    """Every methodology as data: stages, weights per stage, items; sources and confidence."""
    with frame("创新积分方法") as principal:
        if principal is None:
            return
        for m in meth.available():
            with ui.card().classes("w-full"):
                ui.label(m.label).classes("text-h6")
                provisional_banner(service.methodology_brief(m))
                ui.label(f"依据：{m.source}").classes("kc-muted")
                if m.scoring_source:
                    ui.label(
                        f"计分方式出处：{m.scoring_source}（{meth.CONFIDENCE[m.scoring_confidence]}）"
                    ).classes("kc-muted")
                ui.label(
                    f"计分方式：{meth.MODES[m.mode]}"
                    + (
                        f"（同类：年度 × {'、'.join(meth.COHORT_KEYS[c] for c in m.cohort)}）"
                        if m.cohort
                        else ""
                    )
                    + f"；满分 {m.scale:g}"
                ).classes("kc-muted")
                labels = m.input_labels()
                ui.label("生命周期阶段（按顺序判断，满足即归入）").classes("text-subtitle2")
                for s in m.stages:
                    rule = (" 且 " if s.match == "all" else " 或 ").join(
                        c.text(labels) for c in s.conditions
                    ) or "其余企业"
                    ui.label(f"{s.name}：{rule}（{meth.CONFIDENCE[s.confidence]}）")
                cats = {c.code: c.name for c in m.categories}
                ui.table(
                    columns=[
                        {"name": k, "label": v, "field": k, "align": "left"}
                        for k, v in (
                            ("category", "一级指标"),
                            ("name", "二级指标"),
                            ("definition", "定义"),
                            ("reference", "满分参考值"),
                            *[(s.code, s.name) for s in m.stages],
                            ("confidence", "确认程度"),
                            ("source", "来源"),
                        )
                    ],
                    rows=[
                        {
                            "category": cats[i.category],
                            "name": i.name,
                            "definition": i.definition,
                            "reference": f"{i.reference:g}" if i.reference is not None else "—",
                            **{s.code: f"{i.weights[s.code]:g}" for s in m.stages},
                            "confidence": meth.CONFIDENCE[i.confidence],
                            "source": i.source + (f"（{i.note}）" if i.note else ""),
                        }
                        for i in m.indicators
                    ],
                    row_key="name",
                ).classes("w-full").props("dense")
                items = [("加分", b, f"+{b.points:g}") for b in m.bonus] + [
                    ("负面", b, "一票否决" if b.veto else f"−{b.points:g}") for b in m.negative
                ]
                if items:
                    ui.label(
                        "加分与负面项" + (f"（加分上限 {m.bonus_cap:g}）" if m.bonus_cap else "")
                    ).classes("text-subtitle2")
                    for kind, b, pts in items:
                        ui.label(
                            f"{kind}：{b.name}（{b.condition.text(labels)}）{pts}"
                            f"——{meth.CONFIDENCE[b.confidence]}"
                        )
                for p in m.pending:
                    ui.label(f"待补充：{p['name']}（{p['source']}）——{p['reason']}").classes(
                        "kc-muted"
                    )
                sources_section(m.source_codes())


# ------------------------------------------------------------------ 证明核验 (public, no login)


@ui.page(verification.VERIFY_PATH)
def verify_form_page() -> None:
    """Where a bank types a certificate's verification code (public: no login)."""
    _verify_shell(None)


@ui.page(verification.VERIFY_PATH + "/{code}")
def verify_page(code: str) -> None:
    """The verification result of a code, as the QR code on a certificate opens it (public)."""
    _verify_shell(code)


def _verify_shell(code: str | None) -> None:
    ui.page_title("积分证明核验 - 科创")
    with ui.column().classes("w-full q-pa-md gap-4").style("max-width: 760px"):
        ui.label("企业创新积分证明核验").classes("text-h5").mark("page-title")
        ui.label(
            "输入积分证明上的验证码（不区分大小写，可带或不带分隔符），核验证明是否真实有效。"
        ).classes("kc-muted")
        with ui.row().classes("items-center w-full"):
            field = ui.input("证明验证码", value=code or "").classes("w-96").mark("verify-code")
            ui.button(
                "核验",
                icon="verified",
                on_click=lambda: ui.navigate.to(
                    f"{verification.VERIFY_PATH}/{_typed(field.value)}"
                ),
            ).mark("verify-submit")
        if code is not None:
            _verify_result(code)


def _typed(value: str | None) -> str:
    """What was typed, reduced to letters and digits so it is one safe path segment."""
    return re.sub(r"[^0-9A-Z]", "", verification.normalise(value or "")) or "-"


def _verify_result(code: str) -> None:
    """The answer: status first, then only what the enterprise consented to share."""
    try:
        with session_scope() as session:
            v = verification.verify(session, code)
    except verification.CertificateNotFound:
        with ui.card().classes("w-full bg-red-1").mark("verify-result"):
            ui.label(verification.NOT_FOUND).classes("text-h6 text-negative").mark("verify-status")
            ui.label("请核对验证码；如仍无法核验，请联系出具证明的企业或市科技局。")
        return
    color = {"current": "text-positive", "superseded": "text-warning"}.get(
        v["status"], "text-negative"
    )
    with ui.card().classes("w-full").mark("verify-result"):
        ui.label(v["status_label"]).classes(f"text-h5 {color}").mark("verify-status")
        if v["is_demo"]:
            ui.badge("演示数据", color="orange").mark("verify-demo")
        ui.label(f"企业：{v['enterprise_name']}").mark("verify-enterprise")
        ui.label(f"证明年度：{v['year']}年　出具日期：{v['issued_on']}")
        if v["withdrawn_reason"]:
            ui.label(f"撤回日期：{v['withdrawn_on']}　撤回原因：{v['withdrawn_reason']}").mark(
                "verify-reason"
            )
        if v["superseded_by"]:
            s = v["superseded_by"]
            ui.label(
                f"已由 {s['issued_on']} 出具的新证明（验证码尾号 {s['code_tail']}，"
                f"{s['status_label']}）取代，请向企业索取新证明。"
            ).mark("verify-superseded")
        f = v["figures"]
        if f is None:
            ui.label("企业未授权向合作银行共享创新积分，证明所载分数不予显示。").classes(
                "kc-muted"
            ).mark("verify-no-consent")
            return
        rk = f["ranks"].get("city") or {}
        city_rank = f"第 {rk['rank']} 名 / 共 {rk['of']} 家" if rk.get("rank") else "—"
        rows = [
            ("统一社会信用代码", f["uscc"]),
            ("所属高新区", f["zone"] or "—"),
            ("生命周期阶段", f["stage_name"]),
            ("创新积分", f"{f['total']:.2f} 分（满分 {f['scale']:g} 分，另计加分/扣分）"),
            ("全市排名", city_rank),
            ("计算方法", f["methodology"] + ("（暂行方法）" if f["provisional"] else "")),
        ]
        with ui.grid(columns=2).classes("gap-x-6 gap-y-1").mark("verify-figures"):
            for label, value in rows:
                ui.label(label).classes("kc-muted")
                ui.label(str(value))
