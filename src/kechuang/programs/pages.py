"""重点攻关 pages (Chinese): calls and the application form, my applications, the bureau's review
screen (assign reviewers, recusal, ranking with uncertainty and a budget what-if, decision), the
expert's scoring page, the 发榜方's challenges, the expert bank, and the public 公示 pages
(no login)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui
from sqlalchemy import select

from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.errors import UserError
from kechuang.core.layout import frame, session_principal
from kechuang.core.security import Principal
from kechuang.programs import APPLICANT, CHALLENGE_OWNER, DOMAIN_ROLES, EXPERT
from kechuang.programs import service as svc
from kechuang.programs.models import CALL_STATES, Application, Assignment, Expert
from kechuang.programs.portfolio_pages import disagreement_notice
from kechuang.programs.rules_ui import rule_caption
from kechuang.programs.taxonomy import load_guide

ADMINS = ("city_admin",)


def _act(principal: Principal, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """Run a service call in its own transaction as the principal."""
    with session_scope() as session:
        bind_principal(session, principal)
        return fn(session, principal, *args, **kw)


def _safe(principal: Principal, fn: Callable[..., Any], *args: Any, ok: str = "", **kw: Any):
    """Run a write; show the Chinese message of a refused one instead of failing the page."""
    try:
        result = _act(principal, fn, *args, **kw)
    except UserError as exc:
        ui.notify(str(exc), type="negative", multi_line=True)
        return None
    if ok:
        ui.notify(ok, type="positive")
    return result


def _read(principal: Principal, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """A read whose result is turned into plain dicts inside the transaction."""
    try:
        return _act(principal, fn, *args, **kw)
    except UserError as exc:
        ui.label(str(exc)).classes("text-negative")
        return None


# ------------------------------------------------------------------ calls and applying


@ui.page("/programs/calls")
def calls_page() -> None:
    """The calls a role may see, with type, directions, dates and budget."""
    with frame("项目指南与申报", DOMAIN_ROLES) as principal:
        if principal is None:
            return
        rows = _read(principal, lambda s, p: [svc.call_dict(s, c) for c in svc.list_calls(s, p)])
        if rows is None:
            return
        columns = [
            {"name": "code", "label": "批次编号", "field": "code"},
            {"name": "title", "label": "批次名称", "field": "title", "align": "left"},
            {"name": "kind", "label": "类型", "field": "kind_label"},
            {"name": "year", "label": "年度", "field": "year"},
            {"name": "budget", "label": "预算（万元）", "field": "budget"},
            {"name": "closes_on", "label": "申报截止", "field": "closes_on"},
            {"name": "state", "label": "状态", "field": "state"},
            {"name": "n", "label": "申报数", "field": "applications"},
        ]
        for r in rows:
            r["closes_on"] = str(r["closes_on"] or "")
            r["state"] = CALL_STATES.get(r["state"], r["state"])
        table = ui.table(columns=columns, rows=rows, row_key="id").classes("w-full").mark("calls")
        table.on("rowClick", lambda e: ui.navigate.to(f"/programs/calls/{e.args[1]['id']}"))
        if principal.role in ADMINS:
            ui.link("新建申报批次", "/programs/manage/calls/new").mark("calls-new")


@ui.page("/programs/calls/{call_id}")
def call_page(call_id: int) -> None:
    """A call's directions and, for an applicant, the application form."""
    with frame("申报批次", DOMAIN_ROLES) as principal:
        if principal is None:
            return
        call = _read(principal, lambda s, p: svc.call_dict(s, svc.get_call(s, p, call_id)))
        if call is None:
            return
        ui.label(f"{call['title']}（{call['kind_label']}，{call['year']}年）").classes("text-h6")
        ui.label(
            f"预算 {call['budget']:g} 万元；申报期 {call['opens_on']} 至 {call['closes_on']}；"
            f"每项评审专家 {call['per_application']} 人"
        )
        for d in call["directions"]:
            ui.label(f"· {d['name']}")
        if call["has_eligibility"]:
            rule_caption("eligibility")
        rule_caption("deadlines")
        if principal.role not in (APPLICANT, "city_admin") or call["kind"] == "directed":
            return
        guide = load_guide()
        options = {}
        for d in call["directions"]:
            node = guide.nodes[d["code"]]
            options[node.code] = guide.path(node.code)
            for child in node.children:
                options[child] = guide.path(child)
        ui.label("填报申报书").classes("text-h6")
        f = {
            "unit_name": ui.input("申报单位").mark("a-unit"),
            "unit_uscc": ui.input("统一社会信用代码").mark("a-uscc"),
            "leader_name": ui.input("项目负责人").mark("a-leader"),
            "leader_id_no": ui.input("项目负责人证件号").mark("a-leader-id"),
            "direction": ui.select(options, label="指南方向", value=next(iter(options), None)).mark(
                "a-direction"
            ),
            "title": ui.input("项目名称").classes("w-full").mark("a-title"),
            "keywords": ui.input("关键词（用；分隔）").mark("a-keywords"),
            "abstract": ui.textarea("项目摘要").classes("w-full").mark("a-abstract"),
            "budget": ui.number("申请经费（万元）", min=0, value=50).mark("a-budget"),
        }

        def submit() -> None:
            data = {k: w.value for k, w in f.items()}
            data["keywords"] = [
                k for k in str(data["keywords"] or "").replace(";", "；").split("；") if k.strip()
            ]
            data["budget"] = float(data["budget"] or 0)

            def create_and_submit(s, p):
                app = svc.create_application(s, p, call_id, data)
                svc.transition(s, p, app.id, "submit", "提交申报书")
                return app.code

            code = _safe(principal, create_and_submit)
            if code:
                ui.notify(f"已提交申报：{code}", type="positive")
                ui.navigate.to("/programs/applications")

        ui.button("提交申报", on_click=submit).props("color=primary").mark("a-submit")


@ui.page("/programs/applications")
def my_applications_page() -> None:
    """An applicant's applications with state, due date and available actions."""
    with frame("我的申报", DOMAIN_ROLES) as principal:
        if principal is None:
            return
        rows = _read(
            principal,
            lambda s, p: [svc.application_dict(s, a) for a in svc.list_applications(s, p)],
        )
        if rows is None:
            return
        if not rows:
            ui.label("暂无申报").mark("no-applications")
        for r in rows:
            with ui.card().classes("w-full").mark(f"app-{r['code']}"):
                ui.label(f"{r['code']} {r['title']}").classes("text-subtitle1")
                flag = "（已超期）" if r["overdue"] else ""
                ui.label(f"{r['direction_name']}；状态：{r['state_label']}{flag}").mark("app-state")
                ui.link("项目详情与办理", f"/programs/projects/{r['id']}").mark("app-link")


# ------------------------------------------------------------------ the bureau's review screen


def _review_rows(session, principal, call_id: int) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Applications of the call with their reviewers and time limits, and the open assignments."""
    out, open_tasks = [], {}
    for a in svc.list_applications(session, principal, call_id=call_id):
        d = svc.application_dict(session, a)
        d["due_text"] = (
            (f"{d['due']:%Y-%m-%d}" + ("（已超期）" if d["overdue"] else "")) if d["due"] else ""
        )
        d["state_at"] = d["due"] = None  # datetimes are not JSON for the table
        assigned = session.execute(
            select(Assignment, Expert.name)
            .join(Expert, Expert.id == Assignment.expert_id)
            .where(Assignment.application_id == a.id)
        ).all()
        marks = {"recused": "（回避）", "scored": "✓", "assigned": ""}
        d["reviewers"] = "、".join(f"{name}{marks[x.state]}" for x, name in assigned)
        for x, name in assigned:
            if x.state == "assigned":
                open_tasks[x.id] = f"{a.code} — {name}"
        out.append(d)
    return out, open_tasks


def _bulk(session, principal, call_id: int, state: str, action: str) -> int:
    n = 0
    for a in svc.list_applications(session, principal, call_id=call_id, state=state):
        svc.transition(session, principal, a.id, action, "批量操作")
        n += 1
    return n


@ui.page("/programs/review")
def review_page() -> None:
    """The bureau runs a call: form review, reviewer assignment, recusal, ranking, decision."""
    with frame("评审组织", ADMINS) as principal:
        if principal is None:
            return
        calls = _read(
            principal, lambda s, p: {c.id: f"{c.code} {c.title}" for c in svc.list_calls(s, p)}
        )
        if not calls:
            ui.label("暂无申报批次")
            return
        chosen = (
            ui.select(calls, label="申报批次", value=next(iter(calls)))
            .classes("w-96")
            .mark("r-call")
        )
        body = ui.column().classes("w-full")

        def render() -> None:
            body.clear()
            cid = chosen.value
            with body:
                with ui.row():
                    for state, action, label in (
                        ("submitted", "start_form_review", "开始形式审查"),
                        ("form_review", "form_pass", "形式审查通过"),
                    ):
                        ui.button(
                            label,
                            on_click=lambda st=state, ac=action: (
                                _safe(principal, _bulk, cid, st, ac, ok="已处理"),
                                render(),
                            ),
                        ).mark(f"r-{action}")
                    ui.button(
                        "自动分配评审专家",
                        on_click=lambda: (_show_assign(principal, cid), render()),
                    ).props("color=primary").mark("r-assign")
                    ui.button(
                        "评审汇总",
                        on_click=lambda: (
                            _safe(
                                principal, _bulk, cid, "expert_review", "review_done", ok="已汇总"
                            ),
                            render(),
                        ),
                    ).mark("r-review-done")
                rows, open_tasks = _read(principal, _review_rows, cid) or ([], {})
                _overdue_banner(rows)
                columns = [
                    {"name": "code", "label": "申报编号", "field": "code"},
                    {"name": "title", "label": "项目名称", "field": "title", "align": "left"},
                    {"name": "unit", "label": "申报单位", "field": "unit_name", "align": "left"},
                    {"name": "state", "label": "状态", "field": "state_label"},
                    {"name": "due", "label": "办理时限", "field": "due_text"},
                    {"name": "reviewers", "label": "评审专家", "field": "reviewers"},
                ]
                table = ui.table(columns=columns, rows=rows, row_key="id").classes("w-full")
                table.mark("r-apps")
                table.on(
                    "rowClick", lambda e: ui.navigate.to(f"/programs/projects/{e.args[1]['id']}")
                )
                rule_caption("coi")  # the assignment's explanation rests on provisional rules
                disagreement_notice(principal, cid)  # portfolio: declared 方向 strongly disputed
                if open_tasks:
                    with ui.row().classes("items-end gap-2"):
                        task = (
                            ui.select(open_tasks, label="指定回避的评审任务")
                            .classes("w-80")
                            .mark("r-recuse-task")
                        )
                        why = ui.input("回避理由").classes("w-80").mark("r-recuse-reason")
                        ui.button(
                            "回避并补抽",
                            on_click=lambda: (
                                _safe(
                                    principal, svc.recuse, task.value, why.value or "", ok="已回避"
                                )
                                if task.value
                                else ui.notify("请选择评审任务", type="warning"),
                                render(),
                            ),
                        ).mark("r-recuse")
                _ranking_block(principal, cid)

        chosen.on_value_change(lambda _: render())
        render()


def _overdue_banner(rows: list[dict[str, Any]]) -> None:
    """The applications of the call that stayed in their state past its (provisional) time limit."""
    late = [r for r in rows if r.get("overdue")]
    if not late:
        ui.label("没有超期的申报").classes("kc-muted").mark("r-no-overdue")
        return
    ui.label(
        f"超期 {len(late)} 项："
        + "；".join(f"{r['code']}（{r['state_label']}，{r['due_text']}）" for r in late)
    ).classes("text-negative").mark("r-overdue")
    rule_caption("deadlines")


def _show_assign(principal: Principal, call_id: int) -> None:
    result = _safe(principal, svc.assign_reviewers, call_id)
    if result is None:
        return
    msg = f"已分配 {result['assigned']} 个评审任务"
    if result["infeasible"]:
        msg += "；无法配齐：" + "；".join(result["infeasible"][:5])
    ui.notify(msg, type="info", multi_line=True)


def _ranking_block(principal: Principal, call_id: int) -> None:
    ui.label("评审排名与资助线").classes("text-h6")
    holder = ui.column().classes("w-full")
    budget = ui.number("假设预算（万元）", min=0).mark("r-budget")

    def show() -> None:
        holder.clear()
        with holder:
            data = _read(principal, svc.ranking, call_id, budget.value)
            if not data or not data["rows"]:
                ui.label("暂无评分")
                return
            ui.label(
                f"预算 {data['budget']:g} 万元，已安排 {data['spent']:g} 万元；资助线校正分 {data['line_score']}"
            ).mark("r-line")
            rows = [
                {
                    "code": r["code"],
                    "title": r["title"],
                    "raw": round(float(r.get("raw_mean", 0)), 2),
                    "corrected": round(float(r["corrected"]), 2),
                    "interval": "–".join(f"{float(x):.1f}" for x in (r.get("interval") or ())[:2]),
                    "band": str(r.get("rank_band", "")),
                    "funded": "资助" if r["funded"] else "",
                    "uncertain": "需复议" if r["uncertain"] else "",
                }
                for r in data["rows"]
            ]
            columns = [
                {"name": k, "label": label, "field": k}
                for k, label in (
                    ("code", "申报编号"),
                    ("title", "项目名称"),
                    ("raw", "原始均分"),
                    ("corrected", "校正分"),
                    ("interval", "90%区间"),
                    ("band", "名次区间"),
                    ("funded", "资助线内"),
                    ("uncertain", "排序不确定"),
                )
            ]
            ui.table(columns=columns, rows=rows).classes("w-full").mark("r-ranking")

            def decide() -> None:
                funded = [r["application_id"] for r in data["rows"] if r["funded"]]
                pub = _safe(
                    principal,
                    svc.decide,
                    call_id,
                    funded,
                    data["budget"],
                    "按资助线立项",
                    ok="已决策并发布公示",
                )
                if pub is not None:
                    show()

            ui.button("按资助线决策并公示", on_click=decide).props("color=primary").mark("r-decide")

    ui.button("计算排名", on_click=show).mark("r-rank")
    show()


# ------------------------------------------------------------------ the expert


@ui.page("/programs/expert")
def expert_page() -> None:
    """An expert's assigned applications: score each or declare a conflict."""
    with frame("我的评审", (EXPERT, "city_admin")) as principal:
        if principal is None:
            return
        if principal.role != EXPERT:  # the bureau opens every page; scoring is the experts'
            ui.label("此页面供评审专家评分与申请回避；评审分配与进度见“评审组织”。").mark(
                "expert-only"
            )
            ui.link("前往评审组织", "/programs/review")
            return

        def rows_of(s, p):
            out = []
            for a in svc.list_assignments(s, p):
                app = s.get(Application, a.application_id)
                out.append(
                    {
                        "id": a.id,
                        "code": app.code,
                        "title": app.title,
                        "abstract": app.abstract,
                        "keywords": "；".join(app.keywords),
                        "state": a.state,
                        "reason": a.reason,
                    }
                )
            return out

        rows = _read(principal, rows_of) or []
        rule_caption("coi")  # the assignment reasons rest on provisional recusal rules
        if not rows:
            ui.label("暂无评审任务").mark("no-tasks")
        for r in rows:
            with ui.card().classes("w-full").mark(f"task-{r['code']}"):
                ui.label(f"{r['code']} {r['title']}").classes("text-subtitle1")
                ui.label(f"关键词：{r['keywords']}；分配理由：{r['reason']}").classes(
                    "text-caption"
                )
                if r["state"] != "assigned":
                    ui.label({"scored": "已评分", "recused": "已回避"}[r["state"]]).mark(
                        "task-state"
                    )
                    continue
                score = ui.number("评分（0–100）", min=0, max=100).mark("t-score")
                comment = ui.input("评审意见").classes("w-full").mark("t-comment")
                reason = (
                    ui.input("回避理由（如与申报单位有关联）")
                    .classes("w-full")
                    .mark("t-recuse-reason")
                )
                with ui.row():
                    ui.button(
                        "提交评分",
                        on_click=lambda aid=r["id"], sc=score, cm=comment: (
                            _safe(
                                principal,
                                svc.submit_score,
                                aid,
                                float(sc.value or -1),
                                cm.value or "",
                                ok="已提交评分",
                            )
                            and ui.navigate.reload()
                        ),
                    ).props("color=primary").mark("t-submit")
                    ui.button(
                        "申请回避",
                        on_click=lambda aid=r["id"], rs=reason: (
                            _safe(
                                principal,
                                svc.recuse,
                                aid,
                                rs.value or "",
                                ok="已回避，系统已补抽专家",
                            )
                            and ui.navigate.reload()
                        ),
                    ).mark("t-recuse")


# ------------------------------------------------------------------ 发榜方 and the expert bank


@ui.page("/programs/challenges")
def challenges_page() -> None:
    """A 发榜方's challenges (and the published ones) with their state."""
    with frame("揭榜挂帅榜单", DOMAIN_ROLES) as principal:
        if principal is None:
            return
        rows = (
            _read(
                principal, lambda s, p: [svc.challenge_dict(c) for c in svc.list_challenges(s, p)]
            )
            or []
        )
        for r in rows:
            with ui.card().classes("w-full").mark(f"ch-{r['code']}"):
                ui.label(f"{r['code']} {r['title']}（{r['state_label']}）").classes(
                    "text-subtitle1"
                )
                ui.label(f"发榜单位：{r['owner_unit']}；榜额 {r['budget']:g} 万元")
                ui.label(f"需求：{r['need']}")
                ui.label(f"验收标准：{r['acceptance_criteria']}")
        if principal.role == CHALLENGE_OWNER:
            apps = (
                _read(
                    principal,
                    lambda s, p: [svc.application_dict(s, a) for a in svc.list_applications(s, p)],
                )
                or []
            )
            ui.label(f"揭榜申报 {len(apps)} 项").classes("text-h6")
            ui.link("发布需求、查看揭榜申报与验收", "/programs/manage/challenges").mark("ch-manage")
            for a in apps:
                ui.label(f"{a['code']} {a['title']}（{a['unit_name']}，{a['state_label']}）")


@ui.page("/programs/experts")
def experts_page() -> None:
    """The expert bank (the bureau)."""
    with frame("评审专家库", ADMINS) as principal:
        if principal is None:
            return
        rows = (
            _read(
                principal,
                lambda s, p: [
                    {
                        "code": e.code,
                        "name": e.name,
                        "unit": e.unit_name,
                        "title": e.title,
                        "fields": e.fields,
                        "finance": "是" if e.finance else "否",
                        "max_load": e.max_load,
                    }
                    for e in svc.list_experts(s, p)
                ],
            )
            or []
        )
        ui.label(f"共 {len(rows)} 名专家；导入专家库与关联关系请用“数据导入”").classes("kc-muted")
        columns = [
            {"name": k, "label": label, "field": k}
            for k, label in (
                ("code", "专家编号"),
                ("name", "姓名"),
                ("unit", "工作单位"),
                ("title", "职称"),
                ("fields", "研究领域"),
                ("finance", "财务专家"),
                ("max_load", "最多评审数"),
            )
        ]
        ui.table(columns=columns, rows=rows, pagination=50).classes("w-full").mark("experts")


# ------------------------------------------------------------------ 公示 (public, no login)


def _public_shell(title: str) -> None:
    ui.page_title(f"{title} - 扬州市科学技术局")
    ui.label(title).classes("text-h5").mark("page-title")


@ui.page("/programs/publicity")
def publicity_list_page() -> None:
    """Every 公示 with its publication period (public: no login)."""
    with ui.column().classes("w-full q-pa-md gap-4"):
        _public_shell("立项公示")
        with session_scope() as session:
            items = [svc.publicity_dict(session, p) for p in svc.public_publicities(session)]
        if not items:
            ui.label("暂无公示").mark("no-publicity")
        for p in items:
            with ui.card().classes("w-full").mark(f"pub-{p['id']}"):
                ui.link(p["title"], f"/programs/publicity/{p['id']}").classes("text-subtitle1")
                demo = "（演示数据）" if p["is_demo"] else ""
                ui.label(f"公示期 {p['starts_on']} 至 {p['ends_on']}（{p['status']}）{demo}")
        if session_principal() is None:
            ui.link("登录", "/login")


@ui.page("/programs/publicity/{publicity_id}")
def publicity_page(publicity_id: int) -> None:
    """One 公示: the listed projects and the objection records (public: no login)."""
    with ui.column().classes("w-full q-pa-md gap-4"):
        try:
            with session_scope() as session:
                p = svc.publicity_dict(session, svc.get_publicity(session, publicity_id))
        except UserError as exc:
            _public_shell("立项公示")
            ui.label(str(exc)).classes("text-negative").mark("pub-missing")
            ui.link("返回公示列表", "/programs/publicity")
            return
        _public_shell(p["title"])
        ui.label(f"公示期 {p['starts_on']} 至 {p['ends_on']}（{p['status']}）").mark("pub-period")
        rule_caption("publicity_days")
        ui.label("公示期内对公示项目有异议的，请向扬州市科学技术局书面反映。").classes("kc-muted")
        columns = [
            {"name": k, "label": label, "field": k, "align": "left"}
            for k, label in (
                ("code", "项目编号"),
                ("title", "项目名称"),
                ("unit_name", "承担单位"),
                ("leader_name", "项目负责人"),
                ("direction_name", "指南方向"),
                ("granted", "资助经费（万元）"),
            )
        ]
        ui.table(columns=columns, rows=p["projects"], row_key="code").classes("w-full").mark(
            "pub-projects"
        )
        ui.label("异议处理记录").classes("text-h6")
        if not p["objections"]:
            ui.label("暂无异议").mark("pub-no-objections")
        states = {"open": "处理中", "upheld": "异议成立", "dismissed": "异议不成立"}
        for o in p["objections"]:
            ui.label(
                f"{o['received_on']} 收到对 {o['application_code'] or '公示名单'} 的异议：{states[o['state']]}"
                + (f"（{o['handling']}）" if o["handling"] else "")
            ).mark("pub-objection")
