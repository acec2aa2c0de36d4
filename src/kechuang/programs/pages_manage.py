"""重点攻关 management pages (Chinese): the bureau creates a call of each kind (指南申报, 揭榜挂帅,
赛马制, 定向委托) and opens or closes it; a 发榜方 posts a need with acceptance criteria (the bureau
publishes, closes or withdraws it) and accepts the delivered work; the project page shows the
lifecycle state with only the legal next actions, the history, the time limit, the milestone gate
form and the tranches. Rules the Yangzhou texts do not confirm are marked 暂行 with their source."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from nicegui import ui

from kechuang.core.layout import frame
from kechuang.core.security import Principal, actor_label
from kechuang.programs import CHALLENGE_OWNER, DOMAIN_ROLES
from kechuang.programs import methodology as pm
from kechuang.programs import service as svc
from kechuang.programs.eligibility import default_pack
from kechuang.programs.lifecycle import CALL_TYPES, load_lifecycles
from kechuang.programs.models import CALL_STATES, GATE_OUTCOMES
from kechuang.programs.pages import _read, _safe
from kechuang.programs.rules_ui import rule_caption, source_badge
from kechuang.programs.taxonomy import load_guide

ADMINS = ("city_admin",)
OWNER_PAGE_ROLES = (CHALLENGE_OWNER, "city_admin")
ELIGIBILITY_CHOICES = {
    "default": "暂行默认申报条件（在扬州市注册、注册满1年）",
    "none": "不设申报条件",
}


def _guide_options() -> dict[str, str]:
    guide = load_guide()
    return {code: guide.path(code) for code, n in guide.nodes.items() if n.level <= 1}


def _parse_date(text: Any, label: str, field: str, problems: list[str]) -> date | None:
    text = str(text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{label}“{text}”格式不正确，应为 年-月-日，如 2026-03-01")
        return None


def _int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


# ------------------------------------------------------------------ the bureau: calls


@ui.page("/programs/manage")
def manage_page() -> None:
    """The bureau's calls (open / close), its projects and the provisional rules in force."""
    with frame("批次与项目管理", ADMINS) as principal:
        if principal is None:
            return
        ui.link("新建申报批次", "/programs/manage/calls/new").mark("m-new-call")
        body = ui.column().classes("w-full")

        def render() -> None:
            body.clear()
            rows = _read(
                principal, lambda s, p: [svc.call_dict(s, c) for c in svc.list_calls(s, p)]
            )
            with body:
                for c in rows or []:
                    with ui.card().classes("w-full").mark(f"m-call-{c['code']}"):
                        ui.link(
                            f"{c['code']} {c['title']}（{c['kind_label']}，{c['year']}年）",
                            f"/programs/manage/calls/{c['id']}",
                        ).classes("text-subtitle1")
                        ui.label(
                            f"状态：{CALL_STATES.get(c['state'], c['state'])}；"
                            f"预算 {c['budget']:g} 万元；申报 {c['applications']} 项"
                        )
                        _call_buttons(principal, c, render)
                projects = _read(principal, _project_rows) or []
                ui.label("项目（立项后）").classes("text-h6")
                if not projects:
                    ui.label("暂无立项项目")
                for r in projects:
                    ui.link(
                        f"{r['code']} {r['title']}（{r['state_label']}）"
                        + ("（已超期）" if r["overdue"] else ""),
                        f"/programs/projects/{r['id']}",
                    ).mark(f"m-project-{r['code']}")
                ui.label("暂行规则（扬州市文件未取得，待市科技局确认）").classes("text-h6")
                for code in pm.lifecycle_rules().rules:
                    rule_caption(code)

        render()


def _project_rows(session, principal) -> list[dict[str, Any]]:
    """Applications past the decision (立项 and later), for links to their project pages."""
    late = ("approved", "task_book", "funded", "midterm", "gate", "acceptance", "evaluation")
    late += ("closed", "terminated", "cut", "merged", "agreement", "publicity")
    out = []
    for a in svc.list_applications(session, principal):
        if a.state in late:
            d = svc.application_dict(session, a)
            out.append({k: d[k] for k in ("id", "code", "title", "state_label", "overdue")})
    return out


def _call_buttons(principal: Principal, call: dict[str, Any], after) -> None:
    """Open (draft) or close (open) a call; a 定向委托 call is never opened for applications."""
    if call["kind"] == "directed":
        ui.label("定向委托不公开征集：由市科技局在批次页指定承担单位").classes("text-caption")
        return
    moves = {"draft": ("open", "发布（开始申报）"), "open": ("closed", "截止申报")}
    if call["state"] not in moves:
        return
    state, label = moves[call["state"]]
    ui.button(
        label,
        on_click=lambda: (
            _safe(principal, svc.set_call_state, call["id"], state, ok=f"已{label}"),
            after(),
        ),
    ).mark(f"m-{state}-{call['code']}")


@ui.page("/programs/manage/calls/new")
def new_call_page() -> None:
    """The bureau's form for a new call of any kind, with the fields each kind needs."""
    with frame("新建申报批次", ADMINS) as principal:
        if principal is None:
            return
        challenges = (
            _read(
                principal,
                lambda s, p: {
                    c.id: f"{c.code} {c.title}（{c.owner_unit}）"
                    for c in svc.list_challenges(s, p)
                    if c.state in ("proposed", "published")
                },
            )
            or {}
        )
        f: dict[str, Any] = {
            "kind": ui.select(
                {k: v for k, v in CALL_TYPES.items()}, label="项目类型", value="normal"
            ).mark("c-kind"),
            "code": ui.input("批次编号").mark("c-code"),
            "title": ui.input("批次名称").classes("w-full").mark("c-title"),
            "year": ui.number("年度", value=date.today().year, format="%d").mark("c-year"),
            "directions": ui.select(
                _guide_options(), multiple=True, label="指南方向（可多选）", value=[]
            )
            .classes("w-full")
            .mark("c-directions"),
            "budget": ui.number("预算（万元）", min=0, value=0).mark("c-budget"),
            "eligibility": ui.select(ELIGIBILITY_CHOICES, label="申报条件", value="default").mark(
                "c-eligibility"
            ),
            "per_application": ui.number("每项评审专家人数", value=5, format="%d").mark("c-k"),
            "finance_required": ui.checkbox("须含财务专家", value=True).mark("c-finance"),
        }
        dates = ui.row()
        with dates:
            f["opens_on"] = ui.input("申报开始日期（年-月-日，如 2026-03-01）").mark("c-opens")
            f["closes_on"] = ui.input("申报截止日期（年-月-日，如 2026-03-01）").mark("c-closes")
        f["challenge_id"] = (
            ui.select(challenges, label="关联榜单（揭榜挂帅）").classes("w-96").mark("c-challenge")
        )
        f["awardees"] = ui.number("并行支持单位数（赛马制）", value=3, format="%d").mark(
            "c-awardees"
        )
        f["rationale"] = (
            ui.textarea("委托论证意见（定向委托：为何不公开征集、拟委托单位的能力）")
            .classes("w-full")
            .mark("c-rationale")
        )

        def show_kind_fields() -> None:
            kind = f["kind"].value
            f["challenge_id"].set_visibility(kind == "jiebang")
            f["awardees"].set_visibility(kind == "saima")
            f["rationale"].set_visibility(kind == "directed")
            dates.set_visibility(kind != "directed")

        f["kind"].on_value_change(lambda _: show_kind_fields())
        show_kind_fields()
        rule_caption("eligibility")
        rule_caption("coi")
        errors = ui.column().mark("c-errors")

        def submit() -> None:
            errors.clear()
            problems: list[str] = []
            kind = f["kind"].value
            data = {
                "kind": kind,
                "code": (f["code"].value or "").strip(),
                "title": (f["title"].value or "").strip(),
                "year": _int(f["year"].value),
                "directions": list(f["directions"].value or []),
                "budget": float(f["budget"].value or 0),
                "per_application": _int(f["per_application"].value),
                "finance_required": bool(f["finance_required"].value),
                "eligibility": copy.deepcopy(default_pack())
                if f["eligibility"].value == "default"
                else None,
                "opens_on": _parse_date(f["opens_on"].value, "申报开始日期", "opens_on", problems),
                "closes_on": _parse_date(
                    f["closes_on"].value, "申报截止日期", "closes_on", problems
                ),
                "challenge_id": f["challenge_id"].value if kind == "jiebang" else None,
                "awardees": _int(f["awardees"].value) or 0 if kind == "saima" else 0,
                "rationale": (f["rationale"].value or "").strip() if kind == "directed" else None,
            }
            if problems:
                with errors:
                    for p in problems:
                        ui.label(p).classes("text-negative")
                ui.notify("；".join(problems), type="negative", multi_line=True)
                return
            made = _safe(principal, lambda s, p: svc.new_call(s, p, data).id, ok="已创建申报批次")
            if made is None:
                return
            ui.navigate.to(f"/programs/manage/calls/{made}")

        ui.button("创建批次", on_click=submit).props("color=primary").mark("c-submit")


@ui.page("/programs/manage/calls/{call_id}")
def manage_call_page(call_id: int) -> None:
    """A call as the bureau runs it: fields, rules with their sources, open/close, applications."""
    with frame("申报批次管理", ADMINS) as principal:
        if principal is None:
            return
        body = ui.column().classes("w-full")

        def render() -> None:
            body.clear()
            with body:
                call = _read(principal, lambda s, p: svc.call_dict(s, svc.get_call(s, p, call_id)))
                if call is None:
                    return
                _call_details(principal, call)
                _call_buttons(principal, call, render)
                apps = (
                    _read(
                        principal,
                        lambda s, p: [
                            svc.application_dict(s, a)
                            for a in svc.list_applications(s, p, call_id=call_id)
                        ],
                    )
                    or []
                )
                ui.label(f"申报与项目 {len(apps)} 项").classes("text-h6")
                for a in apps:
                    ui.link(
                        f"{a['code']} {a['title']}（{a['unit_name']}，{a['state_label']}）"
                        + ("（已超期）" if a["overdue"] else ""),
                        f"/programs/projects/{a['id']}",
                    ).mark(f"mc-app-{a['code']}")
                if call["kind"] == "directed":
                    _designate_form(principal, call, render)

        render()


def _call_details(principal: Principal, call: dict[str, Any]) -> None:
    ui.label(f"{call['code']} {call['title']}（{call['kind_label']}，{call['year']}年）").classes(
        "text-h6"
    ).mark("mc-title")
    ui.label(f"状态：{CALL_STATES.get(call['state'], call['state'])}").mark("mc-state")
    period = (
        "不公开征集"
        if call["kind"] == "directed"
        else f"申报期 {call['opens_on'] or '未定'} 至 {call['closes_on'] or '未定'}"
    )
    ui.label(
        f"预算 {call['budget']:g} 万元；{period}；每项评审专家 {call['per_application']} 人"
        + ("（须含财务专家）" if call["finance_required"] else "")
    )
    if call["kind"] == "saima":
        ui.label(f"并行支持单位数：{call['awardees']} 家").mark("mc-awardees")
    if call["challenge_id"]:
        ch = _read(
            principal,
            lambda s, p: svc.challenge_dict(svc.get_challenge(s, p, call["challenge_id"])),
        )
        if ch:
            ui.label(
                f"关联榜单：{ch['code']} {ch['title']}（{ch['owner_unit']}，{ch['state_label']}）"
            ).mark("mc-challenge")
            ui.label(f"发榜方验收标准：{ch['acceptance_criteria']}")
    if call["rationale"]:
        ui.label(f"委托论证：{call['rationale']}").mark("mc-rationale")
    for d in call["directions"]:
        ui.label(f"· {d['name']}")
    ui.label("申报条件").classes("text-subtitle1")
    if call["has_eligibility"]:
        rule_caption("eligibility")
        for src in pm.eligibility_sources():
            source_badge(src)
    else:
        ui.label("本批次不设申报条件").mark("mc-no-eligibility")
    ui.label("评审分配").classes("text-subtitle1")
    ui.label(
        f"每项申报自动分配 {call['per_application']} 名无利益冲突的专家"
        + ("，其中至少1名财务专家" if call["finance_required"] else "")
        + "；专家可申请回避，系统即时补抽。"
    )
    rule_caption("coi")
    _lifecycle_block(call["kind"])


def _lifecycle_block(kind: str) -> None:
    """The call type's lifecycle: source, states with their (provisional) time limits, tranches."""
    machine = load_lifecycles().machine(kind)
    ui.label(f"生命周期：{machine.label}").classes("text-subtitle1")
    source_badge(pm.machine_source(kind), marker="mc-machine-source")
    limits = "；".join(
        f"{machine.state_label(s)} {d} 天" for s, d in machine.deadlines.items() if d
    )
    ui.label(f"办理时限：{limits}").classes("text-caption").mark("mc-deadlines")
    rule_caption("deadlines")
    shares = "、".join(
        f"第{i}期 {t.share:.0%}" + (f"（考核≥{t.min_score:g}分）" if t.min_score else "")
        for i, t in enumerate(load_lifecycles().tranches[kind], start=1)
    )
    ui.label(f"分期拨款：{shares}").classes("text-caption").mark("mc-tranches")
    rule_caption("tranches")
    rule_caption("gate_score")
    rule_caption("publicity_days")


def _designate_form(principal: Principal, call: dict[str, Any], after) -> None:
    """定向委托: the bureau names the undertaking unit (no open call); the project starts at 论证."""
    ui.label("指定承担单位（定向委托）").classes("text-h6")
    guide = load_guide()
    options = {}
    for d in call["directions"]:
        options[d["code"]] = guide.path(d["code"])
        for child in guide.nodes[d["code"]].children:
            options[child] = guide.path(child)
    f = {
        "unit_name": ui.input("承担单位").mark("d-unit"),
        "unit_uscc": ui.input("统一社会信用代码").mark("d-uscc"),
        "leader_name": ui.input("项目负责人").mark("d-leader"),
        "leader_id_no": ui.input("项目负责人证件号").mark("d-leader-id"),
        "direction": ui.select(options, label="指南方向", value=next(iter(options), None)).mark(
            "d-direction"
        ),
        "title": ui.input("项目名称").classes("w-full").mark("d-title"),
        "budget": ui.number("委托经费（万元）", min=0, value=0).mark("d-budget"),
    }

    def submit() -> None:
        data = {k: w.value for k, w in f.items()}
        data["budget"] = float(data["budget"] or 0)
        if _safe(
            principal,
            lambda s, p: svc.create_application(s, p, call["id"], data).code,
            ok="已指定承担单位，进入委托论证",
        ):
            after()

    ui.button("指定承担单位", on_click=submit).props("color=primary").mark("d-submit")


# ------------------------------------------------------------------ 发榜方: challenges


@ui.page("/programs/manage/challenges")
def manage_challenges_page() -> None:
    """A 发榜方 posts needs with acceptance criteria and follows the applications to them; the
    bureau publishes, closes or withdraws challenges."""
    with frame("发榜与验收", OWNER_PAGE_ROLES) as principal:
        if principal is None:
            return
        body = ui.column().classes("w-full")

        def render() -> None:
            body.clear()
            with body:
                _challenge_list(principal, render)
                _challenge_applications(principal)
                _challenge_form(principal, render)

        render()


def _challenge_list(principal: Principal, after) -> None:
    def rows(s, p):
        out = []
        for c in svc.list_challenges(s, p):
            d = svc.challenge_dict(c)
            d["actions"] = svc.challenge_actions(s, p, c.id)
            out.append(d)
        return out

    items = _read(principal, rows) or []
    ui.label("榜单").classes("text-h6")
    if not items:
        ui.label("暂无榜单").mark("ch-none")
    for r in items:
        with ui.card().classes("w-full").mark(f"mch-{r['code']}"):
            ui.label(f"{r['code']} {r['title']}（{r['state_label']}）").classes(
                "text-subtitle1"
            ).mark("mch-state")
            ui.label(f"发榜单位：{r['owner_unit']}；榜额 {r['budget']:g} 万元")
            ui.label(f"需求：{r['need']}")
            ui.label(f"验收标准：{r['acceptance_criteria']}")
            if not r["actions"]:
                continue
            with ui.row().classes("items-end gap-2"):
                reason = ui.input("理由").classes("w-64").mark(f"mch-reason-{r['code']}")
                for a in r["actions"]:
                    ui.button(
                        a["label"],
                        on_click=lambda cid=r["id"], act=a, rs=reason: (
                            _safe(
                                principal,
                                svc.move_challenge,
                                cid,
                                act["action"],
                                rs.value or "",
                                ok=f"已{act['label']}",
                            ),
                            after(),
                        ),
                    ).mark(f"mch-{a['action']}-{r['code']}")


def _challenge_applications(principal: Principal) -> None:
    def rows(s, p):
        out = []
        for a in svc.list_applications(s, p):
            d = svc.application_dict(s, a)
            if d["call_kind"] == "jiebang":
                out.append(d)
        return out

    apps = _read(principal, rows) or []
    ui.label(f"揭榜申报与项目 {len(apps)} 项").classes("text-h6")
    for a in apps:
        todo = "（待发榜方验收）" if a["state"] == "acceptance" else ""
        todo += "（待发榜方遴选）" if a["state"] == "owner_selection" else ""
        ui.link(
            f"{a['code']} {a['title']}（{a['unit_name']}，{a['state_label']}）{todo}",
            f"/programs/projects/{a['id']}",
        ).mark(f"mch-app-{a['code']}")


def _challenge_form(principal: Principal, after) -> None:
    ui.label("发布需求（榜单）").classes("text-h6")
    f = {
        "code": ui.input("榜单编号").mark("n-code"),
        "year": ui.number("年度", value=date.today().year, format="%d").mark("n-year"),
        "owner_unit": ui.input("发榜单位").mark("n-unit"),
        "owner_uscc": ui.input("发榜单位统一社会信用代码（可空）").mark("n-uscc"),
        "title": ui.input("榜单名称").classes("w-full").mark("n-title"),
        "need": ui.textarea("需求描述（要解决的问题、技术指标）").classes("w-full").mark("n-need"),
        "acceptance_criteria": ui.textarea("验收标准（由发榜方验收）")
        .classes("w-full")
        .mark("n-criteria"),
        "direction": ui.select(
            {"": "（不限）", **_guide_options()}, label="指南方向", value=""
        ).mark("n-direction"),
        "budget": ui.number("榜额（万元）", min=0, value=0).mark("n-budget"),
    }

    def submit() -> None:
        data = {k: w.value for k, w in f.items()}
        data["year"] = _int(data["year"])
        data["budget"] = float(data["budget"] or 0)
        for k in ("code", "owner_unit", "owner_uscc", "title", "need", "acceptance_criteria"):
            data[k] = (data[k] or "").strip()
        if not data["code"]:
            ui.notify("榜单编号不能为空", type="negative")
            return
        if _safe(principal, lambda s, p: svc.create_challenge(s, p, data).code, ok="已提交榜单"):
            after()

    ui.button("提交榜单", on_click=submit).props("color=primary").mark("n-submit")


# ------------------------------------------------------------------ the project page


@ui.page("/programs/projects/{app_id}")
def project_page(app_id: int) -> None:
    """An application or project: state, time limit, legal next actions, history, gates, tranches."""
    with frame("项目详情", DOMAIN_ROLES) as principal:
        if principal is None:
            return
        body = ui.column().classes("w-full")

        def render() -> None:
            body.clear()
            with body:
                v = _read(principal, svc.project_view, app_id)
                if v is None:
                    return
                _project_header(v)
                _project_actions(principal, v, render)
                _project_history(v)
                _project_tranches(v)

        render()


def _project_header(v: dict[str, Any]) -> None:
    ui.label(f"{v['code']} {v['title']}").classes("text-h6").mark("p-title")
    ui.label(
        f"{v['call_code']} {v['call_title']}（{v['kind_label']}）；承担单位 {v['unit_name']}；"
        f"负责人 {v['leader_name']}；申请 {v['budget']:g} 万元"
        + (f"，立项 {v['granted']:g} 万元" if v["granted"] else "")
    )
    ui.label(f"当前状态：{v['state_label']}").classes("text-subtitle1").mark("p-state")
    if v["due"] is not None:
        flag = "（已超期）" if v["overdue"] else ""
        ui.label(
            f"本阶段时限 {v['deadline_days']} 天，应于 {v['due']:%Y-%m-%d} 前办结{flag}"
        ).classes("text-negative" if v["overdue"] else "").mark("p-due")
        rule_caption("deadlines")
    if v["acceptance_criteria"]:
        ui.label(f"验收标准：{v['acceptance_criteria']}").mark("p-criteria")
    if v["call_kind"] == "jiebang":
        ui.label("合作协议：" + ("已登记" if v["agreement_signed"] else "未登记")).mark(
            "p-agreement"
        )


def _project_actions(principal: Principal, v: dict[str, Any], after) -> None:
    ui.label("可办理的操作").classes("text-subtitle1")
    if v["terminal"]:
        ui.label("项目已结束，没有后续操作").mark("p-no-actions")
    elif not v["actions"] and not v["gate_kind"]:
        ui.label("当前没有您可以办理的操作").mark("p-no-actions")
    for a in v["actions"]:
        with ui.row().classes("items-end gap-2").mark(f"p-row-{a['action']}"):
            reason = ui.input("理由（必填）" if a["needs_reason"] else "理由").classes("w-72")
            reason.mark(f"p-reason-{a['action']}")
            btn = ui.button(
                f"{a['label']}（→{a['target_label']}）",
                on_click=lambda act=a, rs=reason: (
                    _safe(
                        principal,
                        svc.transition,
                        v["id"],
                        act["action"],
                        rs.value or "",
                        ok=f"已办理：{act['label']}",
                    ),
                    after(),
                ),
            ).mark(f"p-act-{a['action']}")
            if not a["allowed"]:
                btn.disable()
                ui.label(a["why_not"]).classes("text-caption text-negative").mark(
                    f"p-why-{a['action']}"
                )
    if v["gate_kind"]:
        _gate_form(principal, v, after)
    if v["call_kind"] == "jiebang" and v["state"] == "agreement" and not v["agreement_signed"]:
        _agreement_form(principal, v, after)


def _agreement_form(principal: Principal, v: dict[str, Any], after) -> None:
    """揭榜挂帅: the bureau records the signed cooperation agreement (the guard of 签订合作协议)."""
    if v["acting_role"] != "city_admin":
        return
    with ui.row().classes("items-end gap-2"):
        note = ui.input("协议编号或签订情况").classes("w-72").mark("p-agreement-note")
        ui.button(
            "登记合作协议",
            on_click=lambda: (
                _safe(
                    principal, svc.record_agreement, v["id"], note.value or "", ok="已登记合作协议"
                ),
                after(),
            ),
        ).mark("p-agreement-submit")


def _gate_form(principal: Principal, v: dict[str, Any], after) -> None:
    """赛马: continue / cut / merge; others' midterm: pass / rectify / terminate (score and note)."""
    if v["gate_kind"] == "gate":
        title, outcomes = "里程碑考核（赛马）", ("continue", "cut", "merge")
    else:
        title, outcomes = "中期检查", ("continue", "rectify", "cut")
    labels = dict(GATE_OUTCOMES)
    if v["gate_kind"] == "midterm":
        labels.update({"continue": "通过", "cut": "终止"})
    ui.label(title).classes("text-subtitle1")
    rule_caption("gate_score")
    with ui.row().classes("items-end gap-2"):
        outcome = ui.select({o: labels[o] for o in outcomes}, label="考核结论", value=outcomes[0])
        outcome.classes("w-40").mark("p-gate-outcome")
        score = ui.number("考核得分（0–100）", min=0, max=100).mark("p-gate-score")
        note = ui.input("考核意见").classes("w-72").mark("p-gate-note")
        ui.button(
            "记录考核结果",
            on_click=lambda: (
                _safe(
                    principal,
                    svc.record_gate,
                    v["id"],
                    outcome.value,
                    None if score.value is None else float(score.value),
                    note.value or "",
                    ok="已记录考核结果",
                ),
                after(),
            ),
        ).props("color=primary").mark("p-gate-submit")


def _project_history(v: dict[str, Any]) -> None:
    ui.label("办理记录").classes("text-subtitle1")
    if not v["history"]:
        ui.label("暂无办理记录").mark("p-no-history")
    with ui.column().classes("gap-1").mark("p-history"):
        for h in v["history"]:
            ui.label(
                f"{h['at']:%Y-%m-%d %H:%M} {actor_label(h['who'])}：{h['action_label']}"
                f"（{h['from_label']}→{h['to_label']}）"
                + (f"，理由：{h['reason']}" if h["reason"] else "")
            ).classes("text-caption")
    if v["milestones"]:
        ui.label("里程碑考核").classes("text-subtitle1")
        for m in v["milestones"]:
            score = "" if m["score"] is None else f"，得分 {m['score']:g}"
            ui.label(
                f"第{m['seq']}次：{GATE_OUTCOMES.get(m['outcome'], m['outcome'])}{score}"
                + (f"（{m['note']}）" if m["note"] else "")
            ).mark("p-milestone")


def _project_tranches(v: dict[str, Any]) -> None:
    ui.label("分期拨款").classes("text-subtitle1")
    rule_caption("tranches")
    with ui.column().classes("gap-1").mark("p-tranches"):
        for t in v["tranches"]:
            gate = f"，须考核≥{t['min_score']:g}分" if t["min_score"] else ""
            label = ui.label(
                f"第{t['seq']}期 {t['share']:.0%}（计划 {t['planned']:g} 万元{gate}）：{t['status']}"
            )
            if t.get("next"):
                label.mark("p-next-tranche")
