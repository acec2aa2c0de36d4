"""Plan pages (Chinese): /plan (chapters → actions → targets with status chips, value, forecast
and interval; the bureau enters figures and milestone evidence and loads plan files), /plan/tasks
(a Gantt-style view per section: tasks as bars from start to due date, overdue red, at risk
orange; a unit reports its quarter; the bureau reviews reports)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

from nicegui import run, ui

from kechuang.core.audit import bind_principal
from kechuang.core.db import session_scope
from kechuang.core.errors import UserError
from kechuang.core.layout import download_bytes, frame
from kechuang.core.security import Principal
from kechuang.plan import ADMIN_ROLES, PLAN_ROLES
from kechuang.plan import service as svc
from kechuang.plan.export import status_xlsx
from kechuang.plan.models import MILESTONE_STATES, PROGRESS_STATES
from kechuang.plan.status import ENTERED_MARK, target_statuses, task_rows

STATUS_COLORS = {
    "achieved": "positive",
    "on_track": "positive",
    "at_risk": "warning",
    "off_track": "negative",
    "missed": "negative",
    "pending": "grey",
    "no_data": "grey",
}
GANTT_FROM, GANTT_TO = 2021, 2025


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


def _default_year() -> int:
    """The newest year with figures: last year (this year's statistics come in next year)."""
    return date.today().year - 1


def _fmt(v: float | None, unit: str = "") -> str:
    if v is None:
        return "—"
    if unit == "万元" and abs(v) >= 10000:
        return f"{v / 10000:,.2f}亿元"
    return f"{v:,.0f}{unit}" if float(v).is_integer() else f"{v:,.2f}{unit}"


def _periods(principal: Principal) -> list[dict[str, Any]]:
    return _act(
        principal,
        lambda s, p: [
            {"code": x.code, "name": x.name, "start": x.start_year, "end": x.end_year}
            for x in svc.list_periods(s, p)
        ],
    )


def _targets(principal: Principal, year: int, period: str | None) -> list[dict[str, Any]]:
    return _act(principal, lambda s, p: [asdict(t) for t in target_statuses(s, p, year, period)])


def _xlsx(principal: Principal, year: int, period: str | None) -> bytes:
    from kechuang.zones.service import is_demo

    def build(s, p):
        return status_xlsx(
            year, target_statuses(s, p, year, period), task_rows(s, p, year, period), is_demo(s)
        )

    return _act(principal, build)


@ui.page("/plan")
async def plan_page() -> None:
    """Sections → actions → targets with status chips, value and forecast."""
    with frame("规划目标", PLAN_ROLES) as principal:
        if principal is None:
            return
        periods = await run.io_bound(_periods, principal)
        admin = principal.role in ADMIN_ROLES
        if not periods:
            ui.label("尚未加载规划。").classes("text-subtitle1").mark("plan-empty")
        state = {"period": periods[-1]["code"] if periods else None}
        years = list(range(2020, date.today().year + 1))

        @ui.refreshable
        async def body() -> None:
            if not state["period"]:
                return
            rows = await run.io_bound(_targets, principal, int(year.value), state["period"])
            chapter = action = None
            for t in rows:
                if t["chapter"] != chapter:
                    chapter = t["chapter"]
                    ui.label(chapter).classes("text-h6 q-mt-md")
                if (t["section"], t["section_title"]) != action:
                    action = (t["section"], t["section_title"])
                    ui.label(f"{t['section']} {t['section_title']}").classes(
                        "text-subtitle1 text-weight-bold q-mt-sm"
                    )
                _target_card(principal, t, admin, body)

        with ui.row().classes("items-end gap-4"):
            period = ui.select(
                {p["code"]: f"{p['name']}（{p['start']}–{p['end']}）" for p in periods},
                label="规划期",
                value=state["period"],
                on_change=lambda e: (state.update(period=e.value), body.refresh()),
            ).classes("w-96")
            year = ui.select(
                {y: f"截至{y}年" for y in years},
                label="截至年份",
                value=_default_year(),
                on_change=lambda: body.refresh(),
            ).classes("w-40")

            async def export() -> None:
                content = await run.io_bound(_xlsx, principal, int(year.value), period.value)
                download_bytes(content, f"规划目标状态_{year.value}.xlsx")

            ui.button("导出 Excel", icon="download", on_click=export).mark("plan-export")
            if admin:
                _load_button(principal)
        ui.label(
            f"“{ENTERED_MARK}”：市科技局填报的数值；规划未给出数值、也未填报的目标显示“目标待定”，不作判断。"
        ).classes("kc-muted")
        await body()


def _target_card(principal: Principal, t: dict[str, Any], admin: bool, body) -> None:
    with ui.card().classes("w-full q-pa-sm").mark(f"target-{t['code']}"):
        with ui.row().classes("items-center gap-2"):
            ui.label(t["title"]).classes("text-weight-medium")
            ui.badge(t["status_label"], color=STATUS_COLORS.get(t["status"], "grey")).mark(
                "target-status"
            )
            if t["carried_from"]:
                ui.badge(f"承接 {'、'.join(t['carried_from'])}", color="blue-grey").props("outline")
        if t["kind"] == "quantitative":
            unit = t["unit"]
            parts = [
                f"最新值 {_fmt(t['value'], unit)}"
                + (
                    f"（{t['value_year']}年{'，' + ENTERED_MARK if t['value_entered'] else ''}）"
                    if t["value_year"]
                    else ""
                ),
                f"目标 {_fmt(t['target_value'], unit)}"
                + (f"（{t['target_year']}年）" if t["target_year"] else "")
                + (f"【{ENTERED_MARK}】" if t["target_entered"] else ""),
                f"基期 {_fmt(t['baseline_value'], unit)}"
                + (f"（{t['baseline_year']}年）" if t["baseline_year"] else "")
                + (f"【{ENTERED_MARK}】" if t["baseline_entered"] else ""),
            ]
            if t["forecast"] is not None:
                parts.append(
                    f"目标年预测 {_fmt(t['forecast'], unit)}"
                    f"（80%区间 {_fmt(t['forecast_low'], unit)}–{_fmt(t['forecast_high'], unit)}）"
                )
            ui.label("；".join(parts))
        for line in t["evidence"]:
            ui.label(f"· {line}").classes("text-caption")
        if t["note"]:
            ui.label(t["note"]).classes("kc-muted text-caption")
        with ui.row().classes("items-center gap-2"):
            ui.label(f"规划原文：{t['quote']}").classes("text-caption text-grey-8")
            if t["detail_url"] and t["detail_url"] != "/plan":
                ui.link("查看模块页面", t["detail_url"]).classes("text-caption")
        if admin and t["target_id"]:
            if t["kind"] == "quantitative":
                ui.button(
                    "填报数值", icon="edit", on_click=lambda: _entry_dialog(principal, t, body)
                ).props("flat dense").mark("target-enter")
            else:
                ui.button(
                    "登记进展", icon="event", on_click=lambda: _event_dialog(principal, t, body)
                ).props("flat dense").mark("target-event")


def _entry_dialog(principal: Principal, t: dict[str, Any], body) -> None:
    with ui.dialog() as dialog, ui.card():
        ui.label(f"填报：{t['title']}（{t['unit']}）").classes("text-subtitle1")
        kind = ui.select(
            {"target": "目标值", "baseline": "基期值", "actual": "实际值"},
            value="target",
            label="类型",
        )
        year = ui.number("年份（基期值、实际值）", value=t["baseline_year"], format="%d")
        value = ui.number("数值", min=0)
        note = ui.input("来源或说明")

        def save() -> None:
            if value.value is None:
                ui.notify("请填写数值", type="negative")
                return
            done = _safe(
                principal,
                svc.enter_value,
                t["target_id"],
                kind.value,
                float(value.value),
                int(year.value) if year.value is not None else None,
                note.value or "",
                ok="已保存（局填报）",
            )
            if done is not None:
                dialog.close()
                body.refresh()

        with ui.row():
            ui.button("保存", on_click=save)
            ui.button("取消", on_click=dialog.close).props("flat")
    dialog.open()


def _event_dialog(principal: Principal, t: dict[str, Any], body) -> None:
    with ui.dialog() as dialog, ui.card():
        ui.label(f"里程碑进展：{t['title']}").classes("text-subtitle1")
        st = ui.select(MILESTONE_STATES, value="in_progress", label="状态")
        on = ui.input("日期（年-月-日，如 2026-03-01）", value=date.today().isoformat())
        evidence = ui.textarea("佐证（文件、批复、名单及其日期）")

        def save() -> None:
            try:
                day = date.fromisoformat(on.value.strip())
            except ValueError:
                ui.notify(f"日期“{on.value}”应写成 年-月-日，如 2026-03-01", type="negative")
                return
            done = _safe(
                principal,
                svc.record_milestone,
                t["target_id"],
                st.value,
                day,
                evidence.value or "",
                ok="已登记",
            )
            if done is not None:
                dialog.close()
                body.refresh()

        with ui.row():
            ui.button("保存", on_click=save)
            ui.button("取消", on_click=dialog.close).props("flat")
    dialog.open()


def _load_button(principal: Principal) -> None:
    from kechuang.plan.methodology import parse_plan_bytes

    def handle_load(content: bytes, name: str) -> None:
        try:
            plan = parse_plan_bytes(content, name)
        except UserError as exc:
            ui.notify(str(exc), type="negative", multi_line=True)
            return
        out = _safe(principal, svc.load_plan, plan)
        if out is not None:
            ui.notify(
                f"已加载“{plan['name']}”：新增 {out['targets']} 个目标，更新 {out['updated']} 个"
                if not out["unchanged"]
                else "规划内容未变化",
                type="positive",
            )
            ui.navigate.reload()

    with ui.dialog() as dialog, ui.card():
        ui.label("加载规划文件（.yaml）").classes("text-subtitle1")

        async def on_upload(e) -> None:
            content = await e.file.read()
            dialog.close()
            handle_load(content, e.file.name)

        ui.upload(label="选择规划文件", auto_upload=True, on_upload=on_upload).props(
            'accept=".yaml,.yml"'
        )
    ui.button("加载规划", icon="upload_file", on_click=dialog.open).mark("plan-load")


# ------------------------------------------------------------------ tasks


def _tasks(principal: Principal, year: int) -> list[dict[str, Any]]:
    return _act(principal, lambda s, p: [asdict(t) for t in task_rows(s, p, year)])


def _pending_reports(principal: Principal) -> list[dict[str, Any]]:
    def read(s, p):
        from kechuang.plan.models import PlanTask, TaskUnit

        out = []
        for r in svc.list_reports(s, p, None, "submitted"):
            task, unit = s.get(PlanTask, r.task_id), s.get(TaskUnit, r.unit_id)
            out.append(
                {
                    "id": r.id,
                    "task": task.title,
                    "unit": unit.name,
                    "quarter": f"{r.year}年第{r.quarter}季度",
                    "percent": r.percent,
                    "text": r.text,
                    "problems": r.problems,
                }
            )
        return out

    return _act(principal, read)


def _bar(t: dict[str, Any]) -> None:
    """A task as a bar on the 2021–2025 axis (overdue red, at risk orange, done green)."""
    lo, hi = date(GANTT_FROM, 1, 1).toordinal(), date(GANTT_TO, 12, 31).toordinal()
    start = (t["starts_on"] or t["due_on"]).toordinal()
    end = t["due_on"].toordinal()
    left = max(0.0, (start - lo) / (hi - lo) * 100)
    width = max(1.0, (min(end, hi) - max(start, lo)) / (hi - lo) * 100)
    color = (
        "#c10015"
        if t["overdue"]
        else "#f2c037"
        if t["at_risk"]
        else "#21ba45"
        if t["state"] == "done"
        else "#1976d2"
    )
    with ui.element("div").style(
        "position:relative;height:18px;background:#eee;width:100%;border-radius:3px"
    ):
        ui.element("div").style(
            f"position:absolute;left:{left:.2f}%;width:{width:.2f}%;height:18px;"
            f"background:{color};border-radius:3px"
        ).tooltip(f"{t['starts_on'] or ''} — {t['due_on']}")


@ui.page("/plan/tasks")
async def tasks_page() -> None:
    """Tasks per section as bars by start and due date; progress reports and their review."""
    with frame("规划任务", PLAN_ROLES) as principal:
        if principal is None:
            return
        admin = principal.role in ADMIN_ROLES

        @ui.refreshable
        async def body() -> None:
            rows = await run.io_bound(_tasks, principal, int(year.value))
            if not rows:
                ui.label("尚无规划任务。").mark("tasks-empty")
                return
            with ui.row().classes("w-full text-caption text-grey-7"):
                ui.label(
                    f"时间轴 {GANTT_FROM}–{GANTT_TO}；红色：逾期；橙色：存在风险；绿色：已完成"
                )
            section = None
            for t in rows:
                if t["section"] != section:
                    section = t["section"]
                    ui.label(f"{t['section']} {t['action']}").classes("text-subtitle1 q-mt-md")
                with (
                    ui.row().classes("w-full items-center no-wrap gap-2").mark(f"task-{t['code']}")
                ):
                    with ui.column().classes("gap-0").style("width:40%"):
                        ui.label(t["title"]).classes("text-weight-medium")
                        flags = [t["state_label"]]
                        if t["overdue"]:
                            flags.append("逾期")
                        if t["at_risk"]:
                            flags.append("存在风险")
                        ui.label(
                            f"牵头：{t['lead_unit']}"
                            + (f"；责任：{'、'.join(t['units'])}" if t["units"] else "")
                            + f"；时限 {t['due_on']}；{'、'.join(flags)}"
                        ).classes("text-caption")
                        if t["latest_quarter"]:
                            ui.label(
                                f"{t['latest_quarter']}（{t['latest_state']}）"
                                + (f" 完成 {t['percent']}%" if t["percent"] is not None else "")
                                + f"：{t['latest_progress']}"
                            ).classes("text-caption text-grey-8")
                    with ui.column().style("width:45%"):
                        _bar(t)
                    if admin or t["own"]:
                        ui.button(
                            "报送进展",
                            icon="edit_note",
                            on_click=lambda t=t: _report_dialog(principal, t, body),
                        ).props("flat dense").mark("task-report")
            if admin:
                await _review_queue(principal, body)

        with ui.row().classes("items-end gap-4"):
            year = ui.select(
                {y: f"截至{y}年" for y in range(GANTT_FROM, date.today().year + 1)},
                label="截至年份",
                value=min(date.today().year, GANTT_TO),
                on_change=lambda: body.refresh(),
            ).classes("w-40")
        await body()


def _report_dialog(principal: Principal, t: dict[str, Any], body) -> None:
    today = date.today()
    with ui.dialog() as dialog, ui.card().classes("w-[36rem]"):
        ui.label(f"报送季度进展：{t['title']}").classes("text-subtitle1")
        with ui.row():
            y = ui.number("年份", value=today.year, format="%d").classes("w-24")
            q = ui.select({1: "第1季度", 2: "第2季度", 3: "第3季度", 4: "第4季度"},
                          value=(today.month - 1) // 3 + 1, label="季度")  # fmt: skip
            pct = ui.number("完成比例(%)", min=0, max=100, format="%d").classes("w-32")
        text = ui.textarea("进展情况").classes("w-full")
        problems = ui.textarea("存在问题").classes("w-full")
        steps = ui.textarea("下步计划").classes("w-full")

        def save() -> None:
            data = {
                "year": int(y.value or 0),
                "quarter": int(q.value or 0),
                "text": text.value or "",
                "percent": int(pct.value) if pct.value is not None else None,
                "problems": problems.value or "",
                "next_steps": steps.value or "",
            }
            done = _safe(
                principal, svc.submit_progress, t["task_id"], data, ok="已报送，待市科技局审核"
            )
            if done is not None:
                dialog.close()
                body.refresh()

        with ui.row():
            ui.button("报送", on_click=save).mark("report-save")
            ui.button("取消", on_click=dialog.close).props("flat")
    dialog.open()


async def _review_queue(principal: Principal, body) -> None:
    pending = await run.io_bound(_pending_reports, principal)
    ui.label(f"待审核的进展报告（{len(pending)}）").classes("text-h6 q-mt-lg")
    for r in pending[:50]:
        with ui.card().classes("w-full q-pa-sm").mark("review-item"):
            ui.label(f"{r['task']} — {r['unit']}，{r['quarter']}").classes("text-weight-medium")
            ui.label(r["text"] + (f"（完成 {r['percent']}%）" if r["percent"] is not None else ""))
            if r["problems"]:
                ui.label(f"问题：{r['problems']}").classes("text-caption")
            note = ui.input("审核意见（退回时必填）").classes("w-full")
            with ui.row():

                def decide(approve: bool, rid: int = r["id"], note=note) -> None:
                    done = _safe(
                        principal,
                        svc.review_report,
                        rid,
                        approve,
                        note.value or "",
                        ok=PROGRESS_STATES["approved" if approve else "returned"],
                    )
                    if done is not None:
                        body.refresh()

                ui.button("通过", on_click=lambda d=decide: d(True)).props("dense")
                ui.button("退回", on_click=lambda d=decide: d(False)).props("dense flat")
