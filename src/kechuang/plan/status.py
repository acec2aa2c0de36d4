"""Status and forecast of every target of a plan period, and the rows of its tasks, as of a year.

Quantitative targets read their indicator (kechuang/plan/indicators.py, the modules' own functions)
and are judged by the zones tracker's `track` (required path, projection band; achieved / on_track /
at_risk / off_track, missed once the target year is reported below target, pending when it has
passed unreported). A figure the plan does not give (a baseline, a target value, a year's actual
the platform does not hold) counts only when the bureau entered it, and is marked so. A target
without a numeric goal is tracked, its status pending (目标待定), never judged against an invented
value. Milestones take the state of their newest dated event (evidence entered by the bureau) or,
for those the platform can read (zone ranks, 揭榜挂帅 challenges), of that reading.

These are the functions the cockpit and the report consume: keep their signatures stable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.security import Principal
from kechuang.plan.indicators import INDICATORS, MILESTONE_READERS
from kechuang.plan.models import (
    MILESTONE_STATES,
    TASK_STATES,
    MilestoneEvent,
    PlanAction,
    PlanPeriod,
    PlanSection,
    PlanTarget,
    PlanTask,
    ProgressReport,
    TargetEntry,
    TargetLink,
    TaskUnit,
)
from kechuang.plan.scope import report_scope, require_reader
from kechuang.zones import targets as tgt

STATUS_LABELS = {
    **tgt.STATUS_LABELS,
    "no_data": "暂无数据",
    "pending": "待数据",
}
NO_GOAL_LABEL = "目标待定"  # pending because the plan gives no number and none was entered
ENTERED_MARK = "局填报"


@dataclass(frozen=True)
class TargetStatus:
    """One target's status as of a year (see the module doc); money in 万元."""

    period_code: str
    section: str  # “（五）2”
    section_title: str
    code: str
    title: str
    kind: str  # quantitative | milestone
    unit: str
    baseline_year: int | None
    baseline_value: float | None
    baseline_entered: bool  # entered by the bureau, not from the plan text
    target_year: int | None
    target_value: float | None
    value: float | None
    value_year: int | None
    forecast: float | None
    forecast_low: float | None
    forecast_high: float | None
    status: str
    status_label: str
    detail_url: str
    quote: str
    evidence: list[str] = field(default_factory=list)
    # beyond the contract's fields
    target_entered: bool = False  # the target value was entered by the bureau
    value_entered: bool = False  # the latest value was entered by the bureau
    note: str = ""
    target_id: int | None = None
    period_name: str = ""
    action_title: str = ""
    chapter: str = ""  # “（五）实施高新区高质量发展行动”
    indicator: str | None = None
    source: dict[str, Any] = field(default_factory=dict)
    series: dict[int, float] = field(default_factory=dict)
    carried_from: list[str] = field(default_factory=list)  # “14-5/zone_revenue_3000yi”
    milestone_state: str | None = None


@dataclass(frozen=True)
class TaskRow:
    """One task as of a year: units, dates, state, flags and its latest progress report."""

    section: str  # “（五）2”
    action: str  # the action's title
    title: str
    lead_unit: str
    units: list[str]
    due_on: date
    state: str
    overdue: bool
    at_risk: bool
    latest_progress: str
    problems: str
    next_steps: str
    # beyond the contract's fields
    task_id: int | None = None
    code: str = ""
    starts_on: date | None = None
    state_label: str = ""
    percent: int | None = None
    latest_quarter: str = ""  # “2025年第4季度”
    latest_state: str = ""  # 待审核 / 已通过 / 已退回
    milestones: list[dict[str, Any]] = field(default_factory=list)
    own: bool = False  # the principal reports for one of its units
    is_demo: bool = False


# ------------------------------------------------------------------ periods


def period_for(session: Session, year: int, period_code: str | None = None) -> PlanPeriod | None:
    """The period asked for, else the one covering the year (the latest starting one when
    periods overlap), else the latest that started before it, else the earliest."""
    if period_code:
        return session.scalar(select(PlanPeriod).where(PlanPeriod.code == period_code))
    periods = list(session.scalars(select(PlanPeriod).order_by(PlanPeriod.start_year)))
    if not periods:
        return None
    covering = [p for p in periods if p.start_year <= year <= p.end_year]
    if covering:
        return covering[-1]
    started = [p for p in periods if p.start_year <= year]
    return started[-1] if started else periods[0]


def _structure(session: Session, period: PlanPeriod):
    return session.execute(
        select(PlanTarget, PlanAction, PlanSection)
        .join(PlanAction, PlanAction.id == PlanTarget.action_id)
        .join(PlanSection, PlanSection.id == PlanAction.section_id)
        .where(PlanTarget.period_id == period.id)
        .order_by(PlanSection.position, PlanAction.position, PlanTarget.position)
    ).all()


def _entries(session: Session, target_ids: list[int], year: int) -> dict[int, dict]:
    """Per target: the newest baseline and target entries, and the newest actual per year."""
    out: dict[int, dict] = {
        tid: {"baseline": None, "target": None, "actual": {}} for tid in target_ids
    }
    if not target_ids:
        return out
    rows = session.scalars(
        select(TargetEntry)
        .where(TargetEntry.target_id.in_(target_ids))
        .order_by(TargetEntry.created_at, TargetEntry.id)
    )
    for e in rows:
        slot = out[e.target_id]
        if e.kind == "actual":
            if e.year is not None and e.year <= year:
                slot["actual"][e.year] = e
        else:
            slot[e.kind] = e  # newest wins
    return out


def _carried(session: Session, target_ids: list[int]) -> dict[int, list[str]]:
    if not target_ids:
        return {}
    rows = session.execute(
        select(TargetLink.to_target_id, PlanPeriod.code, PlanTarget.code)
        .join(PlanTarget, PlanTarget.id == TargetLink.from_target_id)
        .join(PlanPeriod, PlanPeriod.id == PlanTarget.period_id)
        .where(TargetLink.to_target_id.in_(target_ids))
    ).all()
    out: dict[int, list[str]] = {}
    for to_id, pcode, tcode in rows:
        out.setdefault(to_id, []).append(f"{pcode}/{tcode}")
    return out


def target_fields(t: PlanTarget, entries: dict | None = None) -> dict[str, Any]:
    """The target's fields with the bureau's entered baseline and target value applied."""
    entries = entries or {}
    base, goal = entries.get("baseline"), entries.get("target")
    return {
        "code": t.code,
        "title": t.title,
        "params": t.params or {},
        "baseline_year": (base.year if base and base.year else None) or t.baseline_year,
        "baseline_value": base.value if base else t.baseline_value,
        "target_year": t.target_year,
        "target_value": goal.value if goal else t.target_value,
    }


# ------------------------------------------------------------------ targets


def target_statuses(
    session: Session, principal: Principal, year: int, period_code: str | None = None
) -> list[TargetStatus]:
    """Every target of the period (the one covering `year` unless named) with value, forecast and
    status as of `year`, in plan order; [] when no plan is loaded."""
    require_reader(principal)
    period = period_for(session, year, period_code)
    if period is None:
        return []
    rows = _structure(session, period)
    ids = [t.id for t, _a, _s in rows]
    entries = _entries(session, ids, year)
    carried = _carried(session, ids)
    # one module computation shared by the targets that read it (two tier families, one pipeline)
    cache: dict[Any, Any] = {}
    out = []
    for t, action, section in rows:
        common = {
            "period_code": period.code,
            "section": action.label,
            "section_title": action.title,
            "code": t.code,
            "title": t.title,
            "kind": t.kind,
            "unit": t.unit,
            "quote": t.quote,
            "target_id": t.id,
            "period_name": period.name,
            "action_title": action.title,
            "chapter": f"（{section.code}）{section.title}",
            "indicator": t.indicator,
            "source": t.source or {},
            "carried_from": carried.get(t.id, []),
        }
        if t.kind == "quantitative":
            out.append(
                _quantitative(
                    session, principal, year, t, entries[t.id], common, cache, period.end_year
                )
            )
        else:
            out.append(_milestone(session, principal, year, t, common))
    return out


def _quantitative(
    session: Session,
    principal: Principal,
    year: int,
    t: PlanTarget,
    entries: dict,
    common: dict[str, Any],
    cache: dict[Any, Any] | None = None,
    period_end: int = 2100,
) -> TargetStatus:
    # figures after the period (and its target year) belong to the next period's targets
    last = min(year, max(period_end, t.target_year or period_end))
    fields = {
        **target_fields(t, entries),
        "cache": cache if cache is not None else {},
        "as_of": year,
    }
    base_entry, goal_entry = entries["baseline"], entries["target"]
    base_year = fields["baseline_year"]
    first = min(base_year or last, last)
    years = list(range(first, last + 1))
    indicator = INDICATORS.get(t.indicator or "")
    result = indicator.compute(session, principal, years, fields) if indicator else None
    series: dict[int, float] = {}
    entered_years: set[int] = set()
    notes = []
    if result is not None:
        series = {y: v for y, v in result.values.items() if y <= last and v is not None}
        if result.note:
            notes.append(result.note)
    withheld = result.withheld if result is not None else None
    if withheld is None:
        # the bureau's actuals fill years the platform does not hold; the platform's figure wins
        for y, e in entries["actual"].items():
            if y not in series and y <= last:
                series[y] = e.value
                entered_years.add(y)
    baseline_value = fields["baseline_value"]
    if baseline_value is None and base_year is not None and base_year in series:
        baseline_value = series[base_year]
    goal = fields["target_value"]
    reported = sorted(y for y in series if base_year is None or y >= base_year)
    value_year = reported[-1] if reported else None
    value = series[value_year] if value_year is not None else None
    forecast = low = high = None
    label = None
    detail = indicator.detail_url if indicator else "/plan"
    if withheld:
        status, notes = "no_data", [withheld]
        series, value, value_year, baseline_value = {}, None, None, None
    elif value is None:
        status = "no_data"
    elif goal is None:
        status, label = "pending", NO_GOAL_LABEL
    else:
        tr = result.tracker if result is not None and result.tracker else None
        if tr is None:
            tr = _track(series, fields, baseline_value, year)
        if tr is not None:
            status = tr["status"]
            forecast, low, high = tr["projected_value"], tr["projected_low"], tr["projected_high"]
        else:
            status = _simple_status(value, value_year, goal, t.target_year, year)
    return TargetStatus(
        **common,
        baseline_year=base_year,
        baseline_value=baseline_value,
        baseline_entered=base_entry is not None,
        target_year=fields["target_year"],
        target_value=goal,
        value=value,
        value_year=value_year,
        forecast=forecast,
        forecast_low=low,
        forecast_high=high,
        status=status,
        status_label=label or STATUS_LABELS[status],
        detail_url=detail,
        evidence=[],
        target_entered=goal_entry is not None,
        value_entered=value_year in entered_years,
        note="；".join(notes),
        series=dict(sorted(series.items())),
    )


def _track(
    series: dict[int, float], fields: dict[str, Any], baseline_value: float | None, year: int
) -> dict[str, Any] | None:
    """The zones tracker on any series; None when it cannot apply (no positive baseline, zeros)."""
    base_year, goal_year = fields["baseline_year"], fields["target_year"]
    if base_year is None or goal_year is None or not baseline_value or baseline_value <= 0:
        return None
    pos = {y: v for y, v in series.items() if v and v > 0}
    if len(pos) != len(series):
        return None
    try:
        return tgt.track(
            pos, base_year, goal_year, float(fields["target_value"]), baseline_value, as_of=year
        )
    except ValueError:
        return None


def _simple_status(
    value: float, value_year: int, goal: float, goal_year: int | None, year: int
) -> str:
    """Status without a projection (a series with zeros or without a baseline)."""
    if value >= goal:
        return "achieved"
    if goal_year is not None and value_year >= goal_year:
        return "missed"
    if goal_year is not None and year > goal_year:
        return "pending"
    return "at_risk"


def _milestone(
    session: Session, principal: Principal, year: int, t: PlanTarget, common: dict[str, Any]
) -> TargetStatus:
    events = list(
        session.scalars(
            select(MilestoneEvent)
            .where(MilestoneEvent.target_id == t.id, MilestoneEvent.on_date <= date(year, 12, 31))
            .order_by(MilestoneEvent.on_date, MilestoneEvent.id)
        )
    )
    evidence = [
        f"{e.on_date.isoformat()} {MILESTONE_STATES.get(e.state, e.state)}：{e.evidence}"
        f"（{ENTERED_MARK}）"
        for e in events
    ]
    state = events[-1].state if events else None
    detail = "/plan"
    reader = MILESTONE_READERS.get(t.indicator or "")
    if reader is not None:
        reading = reader(session, principal, year, target_fields(t))
        evidence += reading.evidence
        detail = reading.detail_url or detail
        if state is None or (reading.state == "achieved" and state != "achieved"):
            state = reading.state
    deadline_passed = t.target_year is not None and year > t.target_year
    if state == "achieved":
        status = "achieved"
    elif state == "failed":
        status = "missed"
    elif state is None:
        status = "no_data"
    elif deadline_passed:
        status = "missed"
    elif state == "in_progress":
        status = "on_track"
    else:
        status = "at_risk"
    return TargetStatus(
        **common,
        baseline_year=t.baseline_year,
        baseline_value=None,
        baseline_entered=False,
        target_year=t.target_year,
        target_value=None,
        value=None,
        value_year=events[-1].on_date.year if events else None,
        forecast=None,
        forecast_low=None,
        forecast_high=None,
        status=status,
        status_label=STATUS_LABELS[status],
        detail_url=detail,
        evidence=evidence,
        milestone_state=state,
    )


# ------------------------------------------------------------------ tasks


def as_of_date(year: int, today: date | None = None) -> date:
    """The day a year's view is judged on: today, or the year's last day for a past year."""
    today = today or date.today()
    return min(today, date(year, 12, 31))


def task_rows(
    session: Session, principal: Principal, year: int, period_code: str | None = None
) -> list[TaskRow]:
    """Every task of the period with its units, flags and latest progress report up to `year`
    (a zone admin sees the reports of her own units only), in plan order."""
    require_reader(principal)
    period = period_for(session, year, period_code)
    if period is None:
        return []
    on = as_of_date(year)
    rows = session.execute(
        select(PlanTask, PlanAction)
        .join(PlanAction, PlanAction.id == PlanTask.action_id)
        .join(PlanSection, PlanSection.id == PlanAction.section_id)
        .where(PlanTask.period_id == period.id)
        .order_by(PlanSection.position, PlanAction.position, PlanTask.due_on, PlanTask.id)
    ).all()
    ids = [task.id for task, _a in rows]
    units: dict[int, list[TaskUnit]] = {}
    for u in session.scalars(
        select(TaskUnit).where(TaskUnit.task_id.in_(ids)).order_by(TaskUnit.id)
    ):
        units.setdefault(u.task_id, []).append(u)
    latest: dict[int, ProgressReport] = {}
    for r in session.scalars(
        select(ProgressReport)
        .where(
            ProgressReport.task_id.in_(ids),
            ProgressReport.year <= year,
            ProgressReport.state != "returned",
            report_scope(principal),
        )
        .order_by(ProgressReport.year, ProgressReport.quarter, ProgressReport.id)
    ):
        latest[r.task_id] = r
    out = []
    for task, action in rows:
        us = units.get(task.id, [])
        rep = latest.get(task.id)
        overdue, at_risk = task_flags(task, rep, on)
        lead = next((u.name for u in us if u.lead), "")
        out.append(
            TaskRow(
                section=action.label,
                action=action.title,
                title=task.title,
                lead_unit=lead,
                units=[u.name for u in us if not u.lead],
                due_on=task.due_on,
                state=task.state,
                overdue=overdue,
                at_risk=at_risk,
                latest_progress=rep.text if rep else "",
                problems=rep.problems if rep else "",
                next_steps=rep.next_steps if rep else "",
                task_id=task.id,
                code=task.code,
                starts_on=task.starts_on,
                state_label=TASK_STATES.get(task.state, task.state),
                percent=rep.percent if rep else None,
                latest_quarter=f"{rep.year}年第{rep.quarter}季度" if rep else "",
                latest_state={"submitted": "待审核", "approved": "已通过"}.get(rep.state, "")
                if rep
                else "",
                milestones=list(task.milestones or []),
                own=principal.zone_id is not None
                and any(u.zone_id == principal.zone_id for u in us),
                is_demo=task.is_demo,
            )
        )
    return out


def task_flags(task: PlanTask, latest: ProgressReport | None, on: date) -> tuple[bool, bool]:
    """(overdue, at_risk) on a day: overdue once the due date has passed unfinished; at risk when
    a task milestone is past due undone, or the reported completion trails the time elapsed by
    more than a quarter of the task, or nothing was reported within the last two quarters."""
    if task.state == "done":
        return False, False
    if task.due_on < on:
        return True, False
    start = task.starts_on or task.due_on
    if start > on:
        return False, False
    for m in task.milestones or []:
        due = m.get("due_on")
        if due and not m.get("done_on") and date.fromisoformat(str(due)) < on:
            return False, True
    span = max((task.due_on - start).days, 1)
    elapsed = (on - start).days / span
    if latest is None:
        return False, (on - start).days > 183
    if latest.percent is not None and elapsed * 100 - latest.percent > 25:
        return False, True
    reported = date(latest.year, 3 * latest.quarter, 1)
    return False, (on - reported).days > 183
