"""科技特派员 pages (Chinese, phone-friendly where used in the field): posting a demand, my demands
(approve, confirm visits, rate), the county's demand queue with suggestions, agreements, the
commissioner's own page with the service log form, the assessment and the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from nicegui import events, run, ui

from kechuang.commissioners import COMMISSIONER, COUNTY_ADMIN, INFORMANT, RECIPIENT
from kechuang.commissioners import service as svc
from kechuang.commissioners.models import (
    AGREEMENT_STATUSES,
    DEMAND_STATUSES,
    LOG_STATUSES,
    RECIPIENT_KINDS,
)
from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.errors import UserError
from kechuang.core.layout import download_bytes, frame, stat_card
from kechuang.core.methodology import version_label
from kechuang.core.security import Principal

ADMINS = ("city_admin", COUNTY_ADMIN)
POSTERS = ("city_admin", COUNTY_ADMIN, RECIPIENT, INFORMANT)
PARTIES = ("city_admin", COUNTY_ADMIN, COMMISSIONER, RECIPIENT, INFORMANT)
INDUSTRIES = ("莲藕", "罗氏沼虾", "蓝莓", "水稻", "畜禽", "蔬菜", "花卉苗木", "特色水产", "其他")
PROBLEMS = (
    "土壤修复",
    "尾水处理",
    "复合种养",
    "病虫害防治",
    "疫病防控",
    "设施栽培",
    "品种改良",
    "精深加工",
    "冷链",
    "其他",
)
# phone-first: one column, full-width fields, large touch targets
MOBILE = "w-full max-w-[560px]"


def _act(principal: Principal, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """Run a service call in its own transaction as the principal."""
    with session_scope() as session:
        bind_principal(session, principal)
        return fn(session, principal, *args, **kw)


def _safe(principal: Principal, fn: Callable[..., Any], *args: Any, ok: str = "", **kw: Any):
    """Run a write; notify the Chinese message of a refused one instead of failing the page."""
    try:
        result = _act(principal, fn, *args, **kw)
    except UserError as exc:
        ui.notify(str(exc), type="negative", multi_line=True)
        return None
    if ok:
        ui.notify(ok, type="positive")
    return result


def _regions() -> dict[str, str]:
    with session_scope() as session:
        return svc.region_names(session)


# ------------------------------------------------------------------ posting a demand (phone)


@ui.page("/demands/new")
def post_demand_page() -> None:
    """A phone-friendly form: what is wrong, where, for whom, how urgent, photos."""
    with frame("发布服务需求", POSTERS) as principal:
        if principal is None:
            return
        regions = _regions()
        photos: list[tuple[str, bytes]] = []
        default_county = (principal.region_code or "")[:6] or next(iter(regions), "")
        with ui.column().classes(f"{MOBILE} gap-3"):
            title = (
                ui.input("需求标题", placeholder="如：藕塘连作产量下降")
                .props("outlined")
                .classes("w-full")
                .mark("d-title")
            )
            text = (
                ui.textarea("问题描述", placeholder="遇到了什么问题？种养规模、已采取的办法")
                .props("outlined autogrow")
                .classes("w-full")
                .mark("d-text")
            )
            industry = (
                ui.select(list(INDUSTRIES), label="产业", value=INDUSTRIES[0])
                .props("outlined")
                .classes("w-full")
                .mark("d-industry")
            )
            problem = (
                ui.select(list(PROBLEMS), label="问题类型", value=PROBLEMS[0])
                .props("outlined")
                .classes("w-full")
                .mark("d-problem")
            )
            county = (
                ui.select(regions, label="所在区县", value=default_county)
                .props("outlined")
                .classes("w-full")
                .mark("d-county")
            )
            town = (
                ui.input(
                    "乡镇代码（9 位，可不填）",
                    value=principal.region_code if len(principal.region_code or "") == 9 else "",
                )
                .props("outlined inputmode=numeric")
                .classes("w-full")
                .mark("d-town")
            )
            recipient = (
                ui.input(
                    "服务对象（姓名或合作社、农场名称）",
                    value="" if principal.role != RECIPIENT else principal.display_name,
                )
                .props("outlined")
                .classes("w-full")
                .mark("d-recipient")
            )
            kind = (
                ui.select(list(RECIPIENT_KINDS), label="服务对象类型", value=RECIPIENT_KINDS[0])
                .props("outlined")
                .classes("w-full")
                .mark("d-kind")
            )
            contact = ui.input("联系电话").props("outlined inputmode=tel").classes("w-full")
            urgent = ui.switch("紧急（需尽快到场）").mark("d-urgent")

            async def got(e: events.UploadEventArguments) -> None:
                photos.append((e.file.name, await e.file.read()))

            ui.upload(
                label="现场照片（JPEG/PNG，每张 ≤ 5 MB）",
                multiple=True,
                auto_upload=True,
                on_upload=got,
            ).props('accept="image/*"').classes("w-full")

            def submit() -> None:
                code = (town.value or "").strip() or county.value
                d = _safe(
                    principal,
                    svc.post_demand,
                    {
                        "title": title.value,
                        "text": text.value,
                        "industries": [industry.value],
                        "problem_type": problem.value,
                        "region_code": code,
                        "recipient_name": recipient.value,
                        "recipient_kind": kind.value,
                        "contact": contact.value,
                        "urgency": "urgent" if urgent.value else "normal",
                    },
                    list(photos),
                )
                if d is not None:
                    ui.notify(
                        f"需求已发布（编号 {d.id}），区县科技局将为您匹配特派员", type="positive"
                    )
                    result.set_text(f"已发布：需求 #{d.id}")

            ui.button("发布需求", icon="send", on_click=submit).props("unelevated size=lg").classes(
                "w-full"
            ).mark("d-submit")
            result = ui.label("").classes("text-positive").mark("d-result")


# ------------------------------------------------------------------ my demands (served party)


@ui.page("/demands")
def my_demands_page() -> None:
    """The served party's demands: agreements to approve, visits to confirm, ratings to give."""
    with frame("我的需求", (RECIPIENT, INFORMANT, *ADMINS)) as principal:
        if principal is None:
            return
        container = ui.column().classes(f"{MOBILE} gap-3")

        def render() -> None:
            container.clear()
            with session_scope() as session:
                demands = [
                    svc.demand_dict(session, d)
                    for d in svc.list_demands(session, principal, limit=100)
                ]
                agreements = {
                    a.demand_id: svc.agreement_dict(session, a)
                    for a in svc.list_agreements(session, principal)
                }
                logs = [
                    svc.log_dict(session, x)
                    for x in svc.list_logs(session, principal, status="submitted")
                ]
            with container:
                if not demands:
                    ui.label("暂无需求。可在“发布需求”页提交。").classes("kc-muted")
                for d in demands:
                    with ui.card().classes("w-full").mark(f"demand-{d['id']}"):
                        ui.label(f"#{d['id']} {d['title']}").classes("text-subtitle1")
                        ui.label(
                            f"{d['county_name']} · {d['recipient_name']} · {DEMAND_STATUSES.get(d['status'], d['status'])}"
                        ).classes("kc-muted")
                        a = agreements.get(d["id"])
                        if a:
                            ui.label(
                                f"特派员：{a['commissioner_name']}（协议{AGREEMENT_STATUSES[a['status']]}）"
                            )
                            if a["status"] == "pending" and a["recipient_approved_at"] is None:
                                ui.button(
                                    "同意服务协议",
                                    on_click=lambda a=a: (
                                        _safe(
                                            principal, svc.approve_agreement, a["id"], ok="已同意"
                                        ),
                                        render(),
                                    ),
                                ).mark(f"approve-{a['id']}")
                            if a["status"] in ("active", "ended"):
                                with ui.row().classes("items-center"):
                                    score = ui.select(
                                        [5, 4, 3, 2, 1], value=5, label="评分"
                                    ).classes("w-24")
                                    ui.button(
                                        "评价",
                                        on_click=lambda a=a, s=score: (
                                            _safe(
                                                principal,
                                                svc.rate_agreement,
                                                a["id"],
                                                int(s.value),
                                                ok="已评价",
                                            ),
                                            render(),
                                        ),
                                    ).mark(f"rate-{a['id']}")
                for log in logs:
                    with ui.card().classes("w-full bg-amber-1").mark(f"log-{log['id']}"):
                        ui.label(f"待确认的服务：{log['served_on']} · {log['days']:g} 天").classes(
                            "text-subtitle1"
                        )
                        ui.label(log["content"])
                        with ui.row():
                            ui.button(
                                "确认属实",
                                color="positive",
                                on_click=lambda log=log: (
                                    _safe(principal, svc.confirm_log, log["id"], ok="已确认"),
                                    render(),
                                ),
                            ).mark(f"confirm-log-{log['id']}")
                            reason = ui.input("异议原因").classes("w-40")
                            ui.button(
                                "有异议",
                                color="negative",
                                on_click=lambda log=log, r=reason: (
                                    _safe(
                                        principal,
                                        svc.confirm_log,
                                        log["id"],
                                        False,
                                        r.value,
                                        ok="已提出异议",
                                    ),
                                    render(),
                                ),
                            )

        render()


# ------------------------------------------------------------------ the county's queue


@ui.page("/commissioners/queue")
def queue_page() -> None:
    """The county admin's open demands, each with its suggestions (score, reasons) to confirm."""
    with frame("需求匹配", ADMINS) as principal:
        if principal is None:
            return
        box = ui.column().classes("w-full gap-3")

        def suggest_one(demand_id: int) -> None:
            from kechuang.commissioners import suggest

            _safe(principal, suggest.suggest_urgent, demand_id, ok="已生成推荐")
            render()

        async def batch(mode: str) -> None:
            from kechuang.commissioners import suggest

            result = await run.io_bound(_safe_batch, principal, suggest.suggest_batch, mode)
            if isinstance(result, str):
                ui.notify(result, type="negative", multi_line=True)
            else:
                ui.notify(
                    f"批量推荐完成：{result['assigned']}/{result['demands']} 条需求",
                    type="positive",
                )
            render()

        with ui.row():
            ui.button("批量推荐（总匹配度最大）", icon="hub", on_click=lambda: batch("total")).mark(
                "batch-total"
            )
            ui.button("批量推荐（兼顾公平）", icon="balance", on_click=lambda: batch("fair")).props(
                "outline"
            )

        def render() -> None:
            box.clear()
            with session_scope() as session:
                regions = svc.region_names(session)
                demands = [
                    d
                    for d in svc.list_demands(session, principal, limit=200)
                    if d.status in ("open", "suggested")
                ]
                rows = []
                for d in demands:
                    sug = svc.list_suggestions(session, principal, d.id)
                    names = (
                        {c.id: c.name for c in svc.list_commissioners(session, principal)}
                        if sug
                        else {}
                    )
                    rows.append(
                        (
                            svc.demand_dict(session, d, regions),
                            [
                                (
                                    s.id,
                                    names.get(s.commissioner_id, f"#{s.commissioner_id}"),
                                    s.score,
                                    s.reasons,
                                    s.status,
                                )
                                for s in sug
                            ],
                        )
                    )
            with box:
                ui.label(f"待匹配需求 {len(rows)} 条").classes("kc-muted").mark("queue-count")
                for d, sug in rows:
                    with ui.card().classes("w-full").mark(f"queue-{d['id']}"):
                        with ui.row().classes("items-center justify-between w-full"):
                            ui.label(
                                f"#{d['id']} {d['title']}"
                                + ("（紧急）" if d["urgency"] == "urgent" else "")
                            ).classes("text-subtitle1")
                            ui.button(
                                "推荐特派员", on_click=lambda d=d: suggest_one(d["id"])
                            ).props("outline").mark(f"suggest-{d['id']}")
                        ui.label(
                            f"{d['county_name']} {d['region_code']} · {d['recipient_name']} · {'、'.join(d['industries'])} · {d['problem_type']}"
                        ).classes("kc-muted")
                        ui.label(d["text"])
                        for sid, name, score, reasons, status in sug:
                            with ui.row().classes("items-center gap-3"):
                                ui.label(f"{name}（匹配度 {score:.3f}）")
                                ui.label("；".join(reasons)).classes("kc-muted")
                                if status == "suggested":
                                    ui.button(
                                        "确认",
                                        on_click=lambda sid=sid: (
                                            _safe(
                                                principal,
                                                svc.confirm_suggestion,
                                                sid,
                                                ok="已确认，三方协议待特派员和服务对象同意",
                                            ),
                                            render(),
                                        ),
                                    ).mark(f"confirm-{sid}")

        render()


def _safe_batch(principal: Principal, fn: Callable[..., Any], mode: str) -> Any:
    try:
        return _act(principal, fn, mode=mode)
    except UserError as exc:
        return str(exc)


# ------------------------------------------------------------------ agreements


@ui.page("/commissioners/agreements")
def agreements_page() -> None:
    """Agreements in scope with each side's approval; approve for the side you represent."""
    with frame("服务协议", PARTIES) as principal:
        if principal is None:
            return
        box = ui.column().classes("w-full gap-2")

        def render() -> None:
            box.clear()
            with session_scope() as session:
                rows = [
                    svc.agreement_dict(session, a)
                    for a in svc.list_agreements(session, principal, limit=300)
                ]
            with box:
                if not rows:
                    ui.label("暂无协议").classes("kc-muted")
                for a in rows:
                    with ui.card().classes("w-full").mark(f"agreement-{a['id']}"):
                        ui.label(
                            f"协议 #{a['id']} · {a['demand_title']} · {AGREEMENT_STATUSES[a['status']]}"
                        ).classes("text-subtitle1")
                        ui.label(
                            f"特派员：{a['commissioner_name']}；服务对象：{a['recipient_name']}；区县：{a['county_code']}"
                        )
                        ui.label(
                            "特派员"
                            + ("已同意" if a["commissioner_approved_at"] else "未同意")
                            + " · 服务对象"
                            + ("已同意" if a["recipient_approved_at"] else "未同意")
                            + " · 区县"
                            + ("已同意" if a["county_approved_at"] else "未同意")
                        ).classes("kc-muted")
                        if a["status"] == "pending":
                            ui.button(
                                "同意",
                                on_click=lambda a=a: (
                                    _safe(principal, svc.approve_agreement, a["id"], ok="已同意"),
                                    render(),
                                ),
                            ).mark(f"approve-{a['id']}")
                        if a["status"] == "active" and principal.role in ADMINS:
                            ui.button(
                                "结束协议",
                                on_click=lambda a=a: (
                                    _safe(principal, svc.end_agreement, a["id"], ok="已结束"),
                                    render(),
                                ),
                            ).props("outline")

        render()


# ------------------------------------------------------------------ the commissioner's own page


@ui.page("/commissioners/me")
def my_page() -> None:
    """The commissioner's profile, agreements to approve, and the service log form (phone); other
    roles of the domain see the register of the commissioners in their scope."""
    with frame("我的服务", PARTIES) as principal:
        if principal is None:
            return
        if principal.role != COMMISSIONER:
            _register(principal)
            return
        box = ui.column().classes(f"{MOBILE} gap-3")

        def render() -> None:
            box.clear()
            with session_scope() as session:
                me = svc.commissioner_dict(session, svc.whoami_commissioner(session, principal))
                agreements = [
                    svc.agreement_dict(session, a) for a in svc.list_agreements(session, principal)
                ]
                logs = [
                    svc.log_dict(session, x) for x in svc.list_logs(session, principal, limit=50)
                ]
            with box:
                ui.label(
                    f"{me['name']}（{me['kind_label']}科技特派员，{me['title'] or me['title_level']}）"
                ).classes("text-subtitle1")
                ui.label(f"专长：{me['expertise']}").classes("kc-muted")
                for a in agreements:
                    with ui.card().classes("w-full").mark(f"my-agreement-{a['id']}"):
                        ui.label(
                            f"{a['demand_title']} · {a['recipient_name']} · {AGREEMENT_STATUSES[a['status']]}"
                        ).classes("text-subtitle1")
                        if a["status"] == "pending" and a["commissioner_approved_at"] is None:
                            ui.button(
                                "同意服务协议",
                                on_click=lambda a=a: (
                                    _safe(principal, svc.approve_agreement, a["id"], ok="已同意"),
                                    render(),
                                ),
                            ).mark(f"approve-{a['id']}")
                        if a["status"] == "active":
                            _log_form(principal, a["id"], render)
                ui.label("近期服务日志").classes("text-subtitle1")
                for log in logs:
                    ui.label(
                        f"{log['served_on']} · {log['days']:g} 天 · {LOG_STATUSES[log['status']]} · {log['content'][:30]}"
                    ).classes("kc-muted")

        render()


@ui.page("/commissioners")
def register_page() -> None:
    """The register of the commissioners in the principal's scope."""
    with frame("科技特派员名册", PARTIES) as principal:
        if principal is not None:
            _register(principal)


def _register(principal: Principal) -> None:
    """The commissioners the principal may see (a county admin: those serving his county)."""
    with session_scope() as session:
        rows = [
            svc.commissioner_dict(session, c)
            for c in svc.list_commissioners(session, principal, limit=2000)
        ]
    ui.label(f"科技特派员名册（共 {len(rows)} 名）").classes("text-subtitle1")
    ui.table(
        columns=[
            {"name": k, "label": label, "field": k, "sortable": True, "align": "left"}
            for k, label in (
                ("id", "编号"),
                ("kind_label", "类型"),
                ("name", "名称"),
                ("unit", "派出单位"),
                ("title_level", "职称级别"),
                ("expertise", "专业特长"),
                ("region_code", "所在区县"),
                ("batch_year", "选派年度"),
            )
        ],
        rows=[{k: v for k, v in r.items() if k != "members"} for r in rows],
        row_key="id",
        pagination=20,
    ).classes("w-full").mark("commissioner-register")


def _log_form(principal: Principal, agreement_id: int, done: Callable[[], None]) -> None:
    photos: list[tuple[str, bytes]] = []
    with (
        ui.expansion("填写服务日志", icon="edit_note")
        .classes("w-full")
        .mark(f"log-form-{agreement_id}")
    ):
        served_on = (
            ui.input("服务日期", value=date.today().isoformat())
            .props("outlined type=date")
            .classes("w-full")
            .mark("log-date")
        )
        days = (
            ui.number("在岗天数", value=1, min=0.5, max=31, step=0.5)
            .props("outlined inputmode=decimal")
            .classes("w-full")
            .mark("log-days")
        )
        content = (
            ui.textarea("服务内容").props("outlined autogrow").classes("w-full").mark("log-content")
        )
        trainees = ui.number("培训人数", value=0, min=0, step=1).props("outlined").classes("w-full")
        varieties = (
            ui.number("引进新品种（个）", value=0, min=0, step=1)
            .props("outlined")
            .classes("w-full")
        )
        techniques = (
            ui.number("推广新技术（项）", value=0, min=0, step=1)
            .props("outlined")
            .classes("w-full")
        )
        equipment = (
            ui.number("推广新装备（台套）", value=0, min=0, step=1)
            .props("outlined")
            .classes("w-full")
        )
        income = (
            ui.number("带动增收（万元）", value=0, min=0, step=0.1)
            .props("outlined")
            .classes("w-full")
            .mark("log-income")
        )

        async def got(e: events.UploadEventArguments) -> None:
            photos.append((e.file.name, await e.file.read()))

        ui.upload(label="现场照片", multiple=True, auto_upload=True, on_upload=got).props(
            'accept="image/*"'
        ).classes("w-full")

        def submit() -> None:
            log = _safe(
                principal,
                svc.log_service,
                agreement_id,
                {
                    "served_on": served_on.value,
                    "days": float(days.value or 0),
                    "content": content.value,
                    "trainees": int(trainees.value or 0),
                    "new_varieties": int(varieties.value or 0),
                    "new_techniques": int(techniques.value or 0),
                    "new_equipment": int(equipment.value or 0),
                    "income_wan": float(income.value or 0),
                },
                list(photos),
                ok="服务日志已提交，待服务对象确认",
            )
            if log is not None:
                done()

        ui.button("提交日志", icon="send", on_click=submit).props("unelevated size=lg").classes(
            "w-full"
        ).mark("log-submit")


# ------------------------------------------------------------------ assessment


@ui.page("/commissioners/assessment")
def assessment_page() -> None:
    """Run the year's assessment, see the table, download the bureau's .xlsx."""
    from kechuang.commissioners import assessment

    with frame("特派员年度考核", ("city_admin",)) as principal:
        if principal is None:
            return
        scheme = assessment.current_scheme()
        ui.label(f"考核方案：{scheme.name}（{version_label(scheme.version)}）").classes("kc-muted")
        ui.label(
            "；".join(f"{p.name} {p.points:g} 分" for p in scheme.parts)
            + "。指标满分值、分数线与优秀名额为本平台暂行规则（未经确认）。"
        ).classes("kc-muted")
        year = (
            ui.number("年度", value=date.today().year, min=1990, max=2100, step=1)
            .classes("w-32")
            .mark("a-year")
        )
        table = (
            ui.table(
                columns=[
                    {"name": k, "label": label, "field": k, "sortable": True}
                    for k, label in (
                        ("rank", "名次"),
                        ("name", "特派员"),
                        ("kind", "类型"),
                        ("days", "服务天数"),
                        ("visits", "已确认服务次数"),
                        ("income_wan", "带动增收(万元)"),
                        ("rating", "平均评分"),
                        ("service", "服务情况"),
                        ("outcome", "服务成效"),
                        ("satisfaction", "满意度"),
                        ("total", "总分"),
                        ("grade", "等次"),
                        ("note", "说明"),
                    )
                ],
                rows=[],
                row_key="commissioner_id",
                pagination=20,
            )
            .classes("w-full")
            .mark("assessment-table")
        )

        def load() -> None:
            rows = _act(principal, assessment.assessment_table, int(year.value))
            table.rows = [
                {
                    **r,
                    "rating": "—" if r["rating"] is None else r["rating"],
                    # a count: a whole number (stays a number so the column sorts as one)
                    "visits": None if r["visits"] is None else round(r["visits"]),
                }
                for r in rows
            ]
            table.update()

        def compute() -> None:
            if (
                _safe(principal, assessment.run_assessment, int(year.value), ok="考核完成")
                is not None
            ):
                load()

        def export() -> None:
            content = _act(principal, assessment.export_assessment, int(year.value))
            download_bytes(content, f"{int(year.value)}年度科技特派员考核表.xlsx")

        with ui.row():
            ui.button("进行考核", icon="calculate", on_click=compute).mark("a-run")
            ui.button("查看", on_click=load).props("outline")
            ui.button("导出考核表", icon="download", on_click=export).props("outline")
        load()


# ------------------------------------------------------------------ dashboard


@ui.page("/commissioners/dashboard")
def dashboard_page() -> None:
    """Demands open/served, days in the field, income and satisfaction by county, industry, type."""
    from kechuang.commissioners.dashboard import dashboard

    with frame("特派员服务概况", ADMINS) as principal:
        if principal is None:
            return
        years = {
            0: "全部年度",
            **{y: f"{y}年" for y in range(date.today().year, date.today().year - 5, -1)},
        }
        pick = (
            ui.select(years, value=date.today().year, label="年度")
            .classes("w-40")
            .mark("dash-year")
        )
        cards = ui.row().classes("gap-4")
        cols = [
            {"name": "label", "label": "", "field": "label", "align": "left"},
            {"name": "demands", "label": "需求数", "field": "demands", "sortable": True},
            {"name": "open", "label": "待匹配", "field": "open", "sortable": True},
            {"name": "served", "label": "已服务", "field": "served", "sortable": True},
            {"name": "visits", "label": "已确认服务次数", "field": "visits", "sortable": True},
            {"name": "days", "label": "服务天数", "field": "days", "sortable": True},
            {
                "name": "income_wan",
                "label": "带动增收(万元)",
                "field": "income_wan",
                "sortable": True,
            },
            {
                "name": "satisfaction",
                "label": "满意度(1–5)",
                "field": "satisfaction",
                "sortable": True,
            },
        ]
        tables = {}
        for dim, title in (
            ("county", "分区县"),
            ("industry", "分产业"),
            ("kind", "分特派员类型"),
            ("year", "分年度"),
        ):
            ui.label(title).classes("text-subtitle1")
            tables[dim] = (
                ui.table(
                    columns=[{**cols[0], "label": title[1:]}, *cols[1:]], rows=[], row_key="key"
                )
                .classes("w-full")
                .mark(f"dash-{dim}")
            )

        def load() -> None:
            data = _act(principal, dashboard, int(pick.value) or None)
            t = data["total"]
            cards.clear()
            with cards:
                stat_card("需求", f"{t['demands']}", f"待匹配 {t['open']} · 已服务 {t['served']}")
                stat_card("服务天数", f"{t['days']:g}", f"已确认服务 {t['visits']} 次")
                stat_card("带动增收", f"{t['income_wan']:,.1f} 万元")
                stat_card(
                    "满意度",
                    "—" if t["satisfaction"] is None else f"{t['satisfaction']:.2f}",
                    f"{t['ratings']} 条评价",
                )
            for dim, table in tables.items():
                rows = data["by"][dim]
                if dim == "county":
                    rows = [*rows, t]
                table.rows = rows
                table.update()

        pick.on_value_change(lambda _e: load())
        load()
