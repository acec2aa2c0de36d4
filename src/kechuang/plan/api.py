"""API routes of the plan: periods, targets with status, entered figures, milestone events,
carry-over links, tasks, quarterly progress with review and attachments, the status export.
Every route passes the principal to the services, which check `scope.py` (403 / 404)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile

from kechuang.core.responses import DOCX, ERROR_RESPONSES, PDF, XLSX, download, file_response
from kechuang.core.web import CurrentPrincipal, DbSession, Id, Year
from kechuang.plan import service
from kechuang.plan.export import status_xlsx
from kechuang.plan.methodology import parse_plan_bytes
from kechuang.plan.models import ProgressAttachment, ProgressReport, TaskUnit
from kechuang.plan.schemas import (
    AttachmentOut,
    EntryIn,
    EntryOut,
    EventIn,
    EventOut,
    LinkIn,
    LinkOut,
    PeriodOut,
    PlanLoadIn,
    PlanLoadOut,
    ReportIn,
    ReportOut,
    ReviewIn,
    TargetStatusOut,
    TaskIn,
    TaskOut,
    TaskRowOut,
    TaskStateIn,
)
from kechuang.plan.status import target_statuses, task_rows

router = APIRouter(prefix="/api/v1", tags=["规划管理"], responses=ERROR_RESPONSES)

PeriodCode = Annotated[
    str | None, Query(max_length=20, description="规划期代码（缺省：覆盖该年度的规划期）")
]


def _report_out(session, rep: ProgressReport) -> dict[str, Any]:
    unit = session.get(TaskUnit, rep.unit_id)
    return {
        "id": rep.id,
        "task_id": rep.task_id,
        "unit_id": rep.unit_id,
        "unit": unit.name if unit else "",
        "year": rep.year,
        "quarter": rep.quarter,
        "text": rep.text,
        "figures": rep.figures or {},
        "percent": rep.percent,
        "problems": rep.problems,
        "next_steps": rep.next_steps,
        "state": rep.state,
        "review_note": rep.review_note,
        "reported_at": rep.reported_at,
        "attachments": [_att(a) for a in service.attachments_of(session, rep.id)],
    }


def _att(a: ProgressAttachment) -> dict[str, Any]:
    return {
        "id": a.id,
        "report_id": a.report_id,
        "filename": a.filename,
        "media_type": a.media_type,
        "size": a.size,
        "sha256": a.sha256,
    }


def _task_out(session, task) -> dict[str, Any]:
    return {
        "id": task.id,
        "code": task.code,
        "action_id": task.action_id,
        "title": task.title,
        "starts_on": task.starts_on,
        "due_on": task.due_on,
        "state": task.state,
        "units": [
            {"id": u.id, "name": u.name, "zone_id": u.zone_id, "lead": u.lead}
            for u in service.task_units(session, task.id)
        ],
        "milestones": list(task.milestones or []),
    }


@router.get("/plan/periods", summary="已加载的规划期", response_model=list[PeriodOut])
def periods(session: DbSession, principal: CurrentPrincipal) -> list[Any]:
    """Every loaded plan period."""
    return service.list_periods(session, principal)


@router.post(
    "/plan/periods", summary="加载规划文件（新规划期或新版本）", response_model=PlanLoadOut
)
def load(body: PlanLoadIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """Load a plan file (YAML text, checked like the shipped ones)."""
    from kechuang.plan.scope import require_admin

    require_admin(principal, "加载规划")
    plan = parse_plan_bytes(body.text.encode("utf-8"), body.filename)
    return service.load_plan(session, principal, plan)


@router.get(
    "/plan/targets", summary="规划目标：最新值、预测与状态", response_model=list[TargetStatusOut]
)
def targets(
    session: DbSession, principal: CurrentPrincipal, year: Year, period: PeriodCode = None
) -> list[dict[str, Any]]:
    """Every target of the period with value, forecast and status as of the year."""
    return [asdict(s) for s in target_statuses(session, principal, year, period)]


@router.get(
    "/plan/targets/{target_id}/entries",
    summary="目标填报数值（历史）",
    response_model=list[EntryOut],
)
def entries(target_id: Id, session: DbSession, principal: CurrentPrincipal) -> list[Any]:
    """Every figure entered for a target, oldest first."""
    return service.list_entries(session, principal, target_id)


@router.post(
    "/plan/targets/{target_id}/entries", summary="填报目标数值（局填报）", response_model=EntryOut
)
def enter(target_id: Id, body: EntryIn, session: DbSession, principal: CurrentPrincipal) -> Any:
    """Enter a baseline, a target value or a year's actual."""
    return service.enter_value(
        session, principal, target_id, body.kind, body.value, body.year, body.note
    )


@router.get(
    "/plan/targets/{target_id}/events", summary="里程碑进展与佐证", response_model=list[EventOut]
)
def events(target_id: Id, session: DbSession, principal: CurrentPrincipal) -> list[Any]:
    """A milestone's events, oldest first."""
    return service.milestone_events(session, principal, target_id)


@router.post("/plan/targets/{target_id}/events", summary="登记里程碑进展", response_model=EventOut)
def record(target_id: Id, body: EventIn, session: DbSession, principal: CurrentPrincipal) -> Any:
    """Record a milestone's state on a date with its evidence."""
    return service.record_milestone(
        session, principal, target_id, body.state, body.on_date, body.evidence
    )


@router.post("/plan/links", summary="登记目标承接关系", response_model=LinkOut)
def link(body: LinkIn, session: DbSession, principal: CurrentPrincipal) -> Any:
    """A later period's target continues an earlier one's."""
    return service.link_targets(
        session, principal, body.from_target_id, body.to_target_id, body.note
    )


@router.get("/plan/tasks", summary="规划任务与进展", response_model=list[TaskRowOut])
def tasks(
    session: DbSession, principal: CurrentPrincipal, year: Year, period: PeriodCode = None
) -> list[dict[str, Any]]:
    """Every task of the period with flags and its latest progress."""
    return [asdict(t) for t in task_rows(session, principal, year, period)]


@router.post("/plan/tasks", summary="创建规划任务", response_model=TaskOut)
def create_task(body: TaskIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """A new task under an action with its units and milestones."""
    data = body.model_dump()
    data["milestones"] = [
        {**m, "due_on": m["due_on"].isoformat(), "done_on": None} for m in data["milestones"]
    ]
    task = service.create_task(session, principal, data)
    return _task_out(session, task)


@router.post("/plan/tasks/{task_id}/state", summary="修改任务状态", response_model=TaskOut)
def task_state(
    task_id: Id, body: TaskStateIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Change a task's state (the bureau)."""
    task = service.set_task_state(session, principal, task_id, body.state)
    return _task_out(session, task)


@router.get(
    "/plan/tasks/{task_id}/reports", summary="任务的季度进展", response_model=list[ReportOut]
)
def task_reports(
    task_id: Id, session: DbSession, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    """The task's reports the principal may see, newest quarter first."""
    service.get_task(session, principal, task_id)
    return [_report_out(session, r) for r in service.list_reports(session, principal, task_id)]


@router.post("/plan/tasks/{task_id}/reports", summary="报送季度进展", response_model=ReportOut)
def report(
    task_id: Id, body: ReportIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """A quarterly progress report by a responsible unit."""
    rep = service.submit_progress(session, principal, task_id, body.model_dump())
    return _report_out(session, rep)


@router.get("/plan/reports", summary="季度进展报告（待审核等）", response_model=list[ReportOut])
def reports(
    session: DbSession,
    principal: CurrentPrincipal,
    state: Annotated[str | None, Query(pattern="^(submitted|approved|returned)$")] = None,
) -> list[dict[str, Any]]:
    """Reports in scope, optionally by state."""
    return [_report_out(session, r) for r in service.list_reports(session, principal, None, state)]


@router.post("/plan/reports/{report_id}/review", summary="审核季度进展", response_model=ReportOut)
def review(
    report_id: Id, body: ReviewIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Approve a report or return it with a reason."""
    rep = service.review_report(session, principal, report_id, body.approve, body.note)
    return _report_out(session, rep)


@router.post(
    "/plan/reports/{report_id}/attachments",
    summary="上传进展佐证材料",
    response_model=AttachmentOut,
)
async def attach(
    report_id: Id,
    session: DbSession,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File(description="佐证材料（PDF、图片、Word、Excel，≤ 10 MB）")],
) -> dict[str, Any]:
    """Attach a file to a report as evidence."""
    content = await file.read(service.MAX_ATTACHMENT_BYTES + 1)
    return _att(service.add_attachment(session, principal, report_id, file.filename or "", content))


@router.get(
    "/plan/attachments/{attachment_id}",
    summary="下载佐证材料",
    **download(PDF, "image/jpeg", "image/png", DOCX, XLSX),
)
def attachment(attachment_id: Id, session: DbSession, principal: CurrentPrincipal) -> Response:
    """An attached file."""
    a = service.get_attachment(session, principal, attachment_id)
    return file_response(a.content, a.filename, a.media_type)


@router.get(
    "/plan/status.xlsx",
    summary="导出规划目标表与任务表",
    **download(XLSX),
)
def status_export(
    session: DbSession, principal: CurrentPrincipal, year: Year, period: PeriodCode = None
) -> Response:
    """The targets and tasks tables as .xlsx (the same as `kechuang plan status`)."""
    from kechuang.registry.scope import scope_label
    from kechuang.zones.service import is_demo

    content = status_xlsx(
        year,
        target_statuses(session, principal, year, period),
        task_rows(session, principal, year, period),
        is_demo(session),
        scope_label(session, principal),
    )
    return file_response(content, f"规划目标状态_{year}.xlsx")
