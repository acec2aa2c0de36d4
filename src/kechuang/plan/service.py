"""Plan services: load a plan period, the figures and milestone evidence the bureau enters,
carry-over links, tasks and their units, quarterly progress reports, their review and attachments.
Every function takes the principal, checks `scope.py` and only flushes."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.errors import BadInput, Unprocessable
from kechuang.core.scope import ScopeError
from kechuang.core.security import Principal
from kechuang.plan.models import (
    ENTRY_KINDS,
    MILESTONE_STATES,
    PROGRESS_STATES,
    TASK_STATES,
    MilestoneEvent,
    PlanAction,
    PlanPeriod,
    PlanSection,
    PlanTarget,
    PlanTask,
    ProgressAttachment,
    ProgressReport,
    TargetEntry,
    TargetLink,
    TaskUnit,
)
from kechuang.plan.scope import report_scope, require_admin, require_reader, unit_for_report
from kechuang.registry.models import Zone

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _bad(field: str, message: str) -> Unprocessable:
    return Unprocessable(message, errors=[{"field": field, "message": message}])


# ------------------------------------------------------------------ periods


def list_periods(session: Session, principal: Principal) -> list[PlanPeriod]:
    """Every loaded plan period, earliest first."""
    require_reader(principal)
    return list(session.scalars(select(PlanPeriod).order_by(PlanPeriod.start_year, PlanPeriod.id)))


def get_period(session: Session, principal: Principal, code: str) -> PlanPeriod:
    """A loaded period by code (404 when not loaded)."""
    require_reader(principal)
    period = session.scalar(select(PlanPeriod).where(PlanPeriod.code == code))
    if period is None:
        raise ScopeError(f"规划期“{code}”尚未加载")
    return period


def load_plan(
    session: Session, principal: Principal, plan: dict[str, Any], is_demo: bool = False
) -> dict[str, Any]:
    """Load a parsed plan file (methodology.parse_plan): a new period, or a new version of a
    loaded one updated in place by code (figures, evidence, tasks and links entered against its
    targets stay). Returns counts of what was added and updated."""
    require_admin(principal, "加载规划")
    period = session.scalar(select(PlanPeriod).where(PlanPeriod.code == plan["code"]))
    counts = {"sections": 0, "actions": 0, "targets": 0, "updated": 0, "links": 0}
    if period is not None and period.sha256 == plan["sha256"]:
        return {"period_id": period.id, "code": period.code, "unchanged": True, **counts}
    others = session.scalars(select(PlanPeriod).where(PlanPeriod.code != plan["code"])).all()
    for o in others:
        if o.start_year <= plan["end_year"] and plan["start_year"] <= o.end_year:
            raise BadInput(
                f"规划期 {plan['start_year']}–{plan['end_year']} 与已加载的“{o.name}”"
                f"（{o.start_year}–{o.end_year}）重叠"
            )
    document = {k: v for k, v in plan.items() if k not in ("origin",)}
    if period is None:
        period = PlanPeriod(code=plan["code"], is_demo=is_demo)
        session.add(period)
    period.name = plan["name"]
    period.start_year = plan["start_year"]
    period.end_year = plan["end_year"]
    period.version = plan["version"]
    period.confirmation = plan.get("confirmation") or "unconfirmed"
    period.sha256 = plan["sha256"]
    period.document = document
    period.loaded_by = principal.user_id
    period.loaded_at = datetime.now(UTC)
    session.flush()
    sections = {
        s.code: s
        for s in session.scalars(select(PlanSection).where(PlanSection.period_id == period.id))
    }
    actions = {
        a.code: a
        for a in session.scalars(select(PlanAction).where(PlanAction.period_id == period.id))
    }
    targets = {
        t.code: t
        for t in session.scalars(select(PlanTarget).where(PlanTarget.period_id == period.id))
    }
    pending_links: list[tuple[PlanTarget, str]] = []
    for si, sec in enumerate(plan["sections"]):
        s = sections.get(sec["code"])
        if s is None:
            s = PlanSection(period_id=period.id, code=sec["code"])
            session.add(s)
            counts["sections"] += 1
        s.title, s.position = sec["title"], si
        session.flush()
        for ai, act in enumerate(sec["actions"]):
            a = actions.get(act["code"])
            if a is None:
                a = PlanAction(period_id=period.id, code=act["code"])
                session.add(a)
                counts["actions"] += 1
            a.section_id, a.label, a.title = s.id, act["label"], act["title"]
            a.quote, a.position = act["quote"], ai
            session.flush()
            for ti, t in enumerate(act["targets"]):
                row = targets.get(t["code"])
                if row is None:
                    row = PlanTarget(period_id=period.id, code=t["code"])
                    session.add(row)
                    counts["targets"] += 1
                else:
                    counts["updated"] += 1
                row.action_id = a.id
                for key in (
                    "title",
                    "kind",
                    "indicator",
                    "params",
                    "unit",
                    "baseline_year",
                    "baseline_value",
                    "target_year",
                    "target_value",
                    "quote",
                    "source",
                ):
                    setattr(row, key, t[key])
                row.position = ti
                if t.get("carry_from"):
                    pending_links.append((row, str(t["carry_from"])))
    session.flush()
    for row, ref in pending_links:
        pcode, _, tcode = ref.partition("/")
        src = session.scalar(
            select(PlanTarget)
            .join(PlanPeriod, PlanPeriod.id == PlanTarget.period_id)
            .where(PlanPeriod.code == pcode, PlanTarget.code == tcode)
        )
        if src is None:
            raise BadInput(f"目标“{row.title}”承接的“{ref}”不存在（先加载被承接的规划期）")
        if _add_link(session, principal, src, row, "规划文件声明承接"):
            counts["links"] += 1
    session.flush()
    return {"period_id": period.id, "code": period.code, "unchanged": False, **counts}


def load_shipped(session: Session, principal: Principal, code: str = "14-5", is_demo: bool = False):
    """Load the shipped (or the bureau directory's) newest version of a period."""
    from kechuang.plan.methodology import shipped_plan

    return load_plan(session, principal, shipped_plan(code), is_demo=is_demo)


# ------------------------------------------------------------------ targets


def get_target(session: Session, principal: Principal, target_id: int) -> PlanTarget:
    """A target by id (404 when there is none)."""
    require_reader(principal)
    t = session.get(PlanTarget, target_id)
    if t is None:
        raise ScopeError("目标不存在")
    return t


def enter_value(
    session: Session,
    principal: Principal,
    target_id: int,
    kind: str,
    value: float,
    year: int | None = None,
    note: str = "",
    is_demo: bool = False,
) -> TargetEntry:
    """Record a figure the bureau entered: the baseline (with its year), the target value or a
    year's actual of a quantitative target. Older entries stay as history."""
    require_admin(principal, "填报目标数值")
    t = get_target(session, principal, target_id)
    if t.kind != "quantitative":
        raise _bad("target_id", f"“{t.title}”是里程碑，不能填报数值（请登记进展与佐证）")
    if kind not in ENTRY_KINDS:
        raise _bad(
            "kind", f"填报类型应为 {'、'.join(f'{k}（{v}）' for k, v in ENTRY_KINDS.items())}"
        )
    if value is None or value != value or value in (float("inf"), float("-inf")):
        raise _bad("value", "数值无效")
    if value < 0:
        raise _bad("value", f"“{t.title}”的{ENTRY_KINDS[kind]}不能为负数")
    if kind == "actual" and year is None:
        raise _bad("year", "实际值须注明年份")
    if kind == "target":
        year = t.target_year
    if kind == "baseline" and year is None:
        year = t.baseline_year
    period = session.get(PlanPeriod, t.period_id)
    if (
        year is not None
        and kind == "actual"
        and not (period.start_year - 1 <= year <= max(period.end_year, date.today().year))
    ):
        raise _bad("year", f"年份 {year} 不在规划期 {period.start_year - 1}–{period.end_year} 内")
    e = TargetEntry(
        target_id=t.id,
        kind=kind,
        year=year,
        value=float(value),
        note=note.strip(),
        user_id=principal.user_id,
        is_demo=is_demo,
    )
    session.add(e)
    session.flush()
    return e


def list_entries(session: Session, principal: Principal, target_id: int) -> list[TargetEntry]:
    """Every figure entered for a target, oldest first (history)."""
    require_reader(principal)
    get_target(session, principal, target_id)
    return list(
        session.scalars(
            select(TargetEntry)
            .where(TargetEntry.target_id == target_id)
            .order_by(TargetEntry.created_at, TargetEntry.id)
        )
    )


def record_milestone(
    session: Session,
    principal: Principal,
    target_id: int,
    state: str,
    on_date: date,
    evidence: str,
    is_demo: bool = False,
) -> MilestoneEvent:
    """Record a milestone's state on a date with its evidence (a document, an approval)."""
    require_admin(principal, "登记里程碑进展")
    t = get_target(session, principal, target_id)
    if t.kind != "milestone":
        raise _bad("target_id", f"“{t.title}”是定量目标，请填报数值")
    if state not in MILESTONE_STATES:
        raise _bad(
            "state", f"状态应为 {'、'.join(f'{k}（{v}）' for k, v in MILESTONE_STATES.items())}"
        )
    if not evidence or not evidence.strip():
        raise _bad("evidence", "请写明佐证（文件、批复、名单及其日期）")
    if on_date > date.today():
        raise _bad("on_date", f"日期 {on_date.isoformat()} 晚于今天")
    ev = MilestoneEvent(
        target_id=t.id,
        state=state,
        on_date=on_date,
        evidence=evidence.strip(),
        user_id=principal.user_id,
        is_demo=is_demo,
    )
    session.add(ev)
    session.flush()
    return ev


def milestone_events(
    session: Session, principal: Principal, target_id: int
) -> list[MilestoneEvent]:
    """A milestone's events, oldest first."""
    get_target(session, principal, target_id)
    return list(
        session.scalars(
            select(MilestoneEvent)
            .where(MilestoneEvent.target_id == target_id)
            .order_by(MilestoneEvent.on_date, MilestoneEvent.id)
        )
    )


def _add_link(
    session: Session, principal: Principal, src: PlanTarget, dst: PlanTarget, note: str
) -> bool:
    if src.period_id == dst.period_id:
        raise _bad("to_target_id", "承接关系须连接两个不同规划期的目标")
    a, b = session.get(PlanPeriod, src.period_id), session.get(PlanPeriod, dst.period_id)
    if a.start_year >= b.start_year:
        raise _bad("to_target_id", f"“{b.name}”不晚于“{a.name}”，不能承接")
    exists = session.scalar(
        select(TargetLink.id).where(
            TargetLink.from_target_id == src.id, TargetLink.to_target_id == dst.id
        )
    )
    if exists:
        return False
    session.add(
        TargetLink(from_target_id=src.id, to_target_id=dst.id, note=note, user_id=principal.user_id)
    )
    session.flush()
    return True


def link_targets(
    session: Session, principal: Principal, from_target_id: int, to_target_id: int, note: str = ""
) -> TargetLink:
    """Enter a carry-over: a target of a later period continues one of an earlier period."""
    require_admin(principal, "登记目标承接关系")
    src = get_target(session, principal, from_target_id)
    dst = get_target(session, principal, to_target_id)
    _add_link(session, principal, src, dst, note.strip())
    return session.scalars(
        select(TargetLink).where(
            TargetLink.from_target_id == src.id, TargetLink.to_target_id == dst.id
        )
    ).one()


# ------------------------------------------------------------------ tasks


def _zone_of_unit(session: Session, name: str) -> int | None:
    """A unit named after a zone (or its committee) is that zone's: its admins report for it."""
    base = name.removesuffix("管委会").strip()
    return session.scalar(select(Zone.id).where((Zone.name == base) | (Zone.name == name)))


def create_task(
    session: Session, principal: Principal, data: dict[str, Any], is_demo: bool = False
) -> PlanTask:
    """A task under an action: code, title, 牵头单位 (lead_unit), 责任单位 (units), dates and
    milestones [{title, due_on}]; units named after a zone are bound to it."""
    require_admin(principal, "创建规划任务")
    problems: list[tuple[str, str]] = []
    action = session.get(PlanAction, int(data.get("action_id") or 0))
    if action is None:
        raise _bad("action_id", "规划行动不存在")
    title = str(data.get("title") or "").strip()
    if not title:
        problems.append(("title", "请填写任务名称"))
    lead = str(data.get("lead_unit") or "").strip()
    if not lead:
        problems.append(("lead_unit", "请填写牵头单位"))
    due = data.get("due_on")
    start = data.get("starts_on")
    if not isinstance(due, date):
        problems.append(("due_on", "请填写完成时限"))
    elif isinstance(start, date) and start > due:
        problems.append(("starts_on", "开始日期晚于完成时限"))
    state = data.get("state") or "planned"
    if state not in TASK_STATES:
        problems.append(("state", f"状态应为 {'、'.join(TASK_STATES)}"))
    milestones = []
    for i, m in enumerate(data.get("milestones") or [], start=1):
        try:
            d = date.fromisoformat(str(m["due_on"]))
            milestones.append(
                {"title": str(m["title"]), "due_on": d.isoformat(), "done_on": m.get("done_on")}
            )
        except (KeyError, ValueError, TypeError):
            problems.append(("milestones", f"第{i}个节点应含名称与日期（年-月-日，如 2026-03-01）"))
    if problems:
        raise Unprocessable(
            "；".join(m for _f, m in problems),
            errors=[{"field": f, "message": m} for f, m in problems],
        )
    code = str(data.get("code") or "").strip() or f"{action.code}-{_next_no(session, action)}"
    if session.scalar(
        select(PlanTask.id).where(PlanTask.period_id == action.period_id, PlanTask.code == code)
    ):
        raise _bad("code", f"任务编号“{code}”已存在")
    task = PlanTask(
        period_id=action.period_id,
        action_id=action.id,
        code=code,
        title=title,
        starts_on=start,
        due_on=due,
        state=state,
        milestones=milestones,
        is_demo=is_demo,
    )
    session.add(task)
    session.flush()
    names = [lead] + [str(u).strip() for u in data.get("units") or [] if str(u).strip() != lead]
    for i, name in enumerate(dict.fromkeys(n for n in names if n)):
        session.add(
            TaskUnit(task_id=task.id, name=name, zone_id=_zone_of_unit(session, name), lead=i == 0)
        )
    session.flush()
    return task


def _next_no(session: Session, action: PlanAction) -> int:
    return (
        len(list(session.scalars(select(PlanTask.id).where(PlanTask.action_id == action.id)))) + 1
    )


def get_task(session: Session, principal: Principal, task_id: int) -> PlanTask:
    """A task by id (404 when there is none)."""
    require_reader(principal)
    task = session.get(PlanTask, task_id)
    if task is None:
        raise ScopeError("任务不存在")
    return task


def set_task_state(
    session: Session,
    principal: Principal,
    task_id: int,
    state: str,
    milestone_done: dict | None = None,
) -> PlanTask:
    """Change a task's state (the bureau), optionally marking task milestones done."""
    require_admin(principal, "修改任务状态")
    task = get_task(session, principal, task_id)
    if state not in TASK_STATES:
        raise _bad("state", f"状态应为 {'、'.join(TASK_STATES)}")
    task.state = state
    if milestone_done:
        ms = [dict(m) for m in task.milestones or []]
        for m in ms:
            if m["title"] in milestone_done:
                m["done_on"] = milestone_done[m["title"]]
        task.milestones = ms
    session.flush()
    return task


def task_units(session: Session, task_id: int) -> list[TaskUnit]:
    """A task's units, the lead first."""
    return list(
        session.scalars(
            select(TaskUnit)
            .where(TaskUnit.task_id == task_id)
            .order_by(TaskUnit.lead.desc(), TaskUnit.id)
        )
    )


# ------------------------------------------------------------------ progress


def submit_progress(
    session: Session,
    principal: Principal,
    task_id: int,
    data: dict[str, Any],
    is_demo: bool = False,
) -> ProgressReport:
    """A quarterly progress report by a responsible unit (a zone admin for her zone's unit, the
    bureau for any): text, figures, completion %, problems, next steps. A returned report of the
    same quarter is replaced; an approved one cannot be."""
    task = get_task(session, principal, task_id)
    unit = unit_for_report(session, principal, task, data.get("unit_id"))
    problems: list[tuple[str, str]] = []
    year, quarter = data.get("year"), data.get("quarter")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        problems.append(("year", "年份无效"))
    if quarter not in (1, 2, 3, 4):
        problems.append(("quarter", "季度应为 1–4"))
    text = str(data.get("text") or "").strip()
    if not text:
        problems.append(("text", "请填写进展情况"))
    percent = data.get("percent")
    if percent is not None and (not isinstance(percent, int) or not 0 <= percent <= 100):
        problems.append(("percent", "完成比例应为 0–100 的整数"))
    figures = data.get("figures") or {}
    if not isinstance(figures, dict) or any(
        isinstance(v, bool) or not isinstance(v, (int, float)) for v in figures.values()
    ):
        problems.append(("figures", "数据应为“名称（单位）: 数值”"))
    if not problems and date(year, 3 * (quarter - 1) + 1, 1) > date.today():
        problems.append(("quarter", f"{year}年第{quarter}季度尚未开始"))
    if problems:
        raise Unprocessable(
            "；".join(m for _f, m in problems),
            errors=[{"field": f, "message": m} for f, m in problems],
        )
    old = session.scalar(
        select(ProgressReport).where(
            ProgressReport.task_id == task.id,
            ProgressReport.unit_id == unit.id,
            ProgressReport.year == year,
            ProgressReport.quarter == quarter,
        )
    )
    if old is not None and old.state != "returned":
        raise _bad(
            "quarter",
            f"{unit.name} {year}年第{quarter}季度已报送（{PROGRESS_STATES[old.state]}），"
            "退回后方可重报",
        )
    rep = old or ProgressReport(task_id=task.id, unit_id=unit.id, year=year, quarter=quarter)
    rep.text = text
    rep.figures = {str(k): float(v) for k, v in figures.items()}
    rep.percent = percent
    rep.problems = str(data.get("problems") or "").strip()
    rep.next_steps = str(data.get("next_steps") or "").strip()
    rep.state = "submitted"
    rep.reported_by = principal.user_id
    rep.reported_at = datetime.now(UTC)
    rep.reviewed_by, rep.reviewed_at, rep.review_note = None, None, ""
    rep.is_demo = is_demo
    if old is None:
        session.add(rep)
    session.flush()
    return rep


def get_report(session: Session, principal: Principal, report_id: int) -> ProgressReport:
    """A progress report in the principal's scope (404 otherwise)."""
    rep = session.scalar(
        select(ProgressReport).where(ProgressReport.id == report_id, report_scope(principal))
    )
    if rep is None:
        raise ScopeError("进展报告不存在")
    return rep


def list_reports(
    session: Session,
    principal: Principal,
    task_id: int | None = None,
    state: str | None = None,
) -> list[ProgressReport]:
    """Progress reports in scope, newest quarter first."""
    q = select(ProgressReport).where(report_scope(principal))
    if task_id is not None:
        q = q.where(ProgressReport.task_id == task_id)
    if state:
        if state not in PROGRESS_STATES:
            raise _bad("state", f"状态应为 {'、'.join(PROGRESS_STATES)}")
        q = q.where(ProgressReport.state == state)
    return list(
        session.scalars(
            q.order_by(ProgressReport.year.desc(), ProgressReport.quarter.desc(), ProgressReport.id)
        )
    )


def review_report(
    session: Session, principal: Principal, report_id: int, approve: bool, note: str = ""
) -> ProgressReport:
    """The city admin approves a report or returns it (with a reason) for the unit to redo."""
    require_admin(principal, "审核进展报告")
    rep = get_report(session, principal, report_id)
    if rep.state != "submitted":
        raise _bad("state", f"该报告{PROGRESS_STATES[rep.state]}，不能再审核")
    if not approve and not note.strip():
        raise _bad("note", "退回须说明原因")
    rep.state = "approved" if approve else "returned"
    rep.reviewed_by = principal.user_id
    rep.reviewed_at = datetime.now(UTC)
    rep.review_note = note.strip()
    session.flush()
    return rep


def add_attachment(
    session: Session, principal: Principal, report_id: int, filename: str, content: bytes
) -> ProgressAttachment:
    """Attach a file (PDF, image, Word, Excel; ≤ 10 MB) to a report as evidence; only the unit
    that reported (or the bureau), and only while the report is not yet approved."""
    rep = get_report(session, principal, report_id)
    task = session.get(PlanTask, rep.task_id)
    unit_for_report(session, principal, task, rep.unit_id)
    if rep.state == "approved":
        raise _bad("report_id", "报告已审核通过，不能再添加材料")
    name = (filename or "").strip().replace("/", "_").replace("\\", "_")[:200]
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ATTACHMENT_TYPES:
        raise _bad("file", f"“{name}”的类型不支持，可上传 {'、'.join(ATTACHMENT_TYPES)}")
    if not content:
        raise _bad("file", f"“{name}”是空文件")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise _bad("file", f"“{name}”超过 10 MB")
    att = ProgressAttachment(
        report_id=rep.id,
        filename=name,
        media_type=ATTACHMENT_TYPES[ext],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
    session.add(att)
    session.flush()
    return att


def get_attachment(
    session: Session, principal: Principal, attachment_id: int
) -> ProgressAttachment:
    """An attachment of a report in scope (404 otherwise)."""
    att = session.get(ProgressAttachment, attachment_id)
    if att is None:
        raise ScopeError("材料不存在")
    get_report(session, principal, att.report_id)
    return att


def attachments_of(session: Session, report_id: int) -> list[ProgressAttachment]:
    """A report's attachments (without checking scope: callers hold the report)."""
    return list(
        session.scalars(
            select(ProgressAttachment)
            .where(ProgressAttachment.report_id == report_id)
            .order_by(ProgressAttachment.id)
        )
    )
