"""API routes for imports, templates and exports."""

from __future__ import annotations

from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, BackgroundTasks, File, Form, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from kechuang.core.config import get_settings
from kechuang.core.db import session_scope
from kechuang.core.domain import IMPORT_KINDS, import_kind
from kechuang.core.errors import NotFound, TooLarge, rejected_import
from kechuang.core.excel import CellError, ImportFileError, error_report, parse_ignore_columns
from kechuang.core.jobs import get_job, job_dict, list_jobs, request_cancel
from kechuang.core.responses import (
    ERROR_RESPONSES,
    UPLOAD_RESPONSES,
    XLSX,
    download,
    file_response,
)
from kechuang.core.scope import RoleError
from kechuang.core.web import CurrentPrincipal, DataReader, DbSession, Id, IdQuery, Page, YearQuery
from kechuang.registry import service as registry_service
from kechuang.registry.api import zone_dict
from kechuang.registry.scope import can_see_zone_data, require_zone_filter
from kechuang.registry.service import EnterpriseFilter
from kechuang.statistics.exports import export_file
from kechuang.statistics.history import enterprise_registry_history
from kechuang.statistics.import_jobs import run_import_job, submit_import
from kechuang.statistics.queries import (
    SORTS,
    enterprise_revisions,
    enterprise_years,
    list_enterprises,
    list_imports,
    zone_totals,
    zone_year_figures,
)
from kechuang.statistics.review import approve, get_submission, list_submissions, reject
from kechuang.statistics.review import submission_dict as _submission
from kechuang.statistics.schemas import (
    EnterpriseDetail,
    EnterprisePage,
    ImportOut,
    JobOut,
    RegistryRevisionOut,
    RejectIn,
    SubmissionOut,
    UndoOut,
    ZoneDetail,
)
from kechuang.statistics.templates import check_kind, kind_label
from kechuang.statistics.undo import undo_import

router = APIRouter(prefix="/api/v1", tags=["统计数据"], responses=ERROR_RESPONSES)


def _unknown_kind(kind: str) -> str:
    """The message for a data kind no domain imports, naming every kind there is."""
    return f"未知的数据类型“{kind}”，可选：{'、'.join(IMPORT_KINDS)}"


def _kind(kind: str) -> None:
    """404 for a data kind that does not exist (it is part of the path)."""
    try:
        check_kind(kind)
    except ImportFileError as exc:
        raise NotFound(str(exc)) from exc


@router.get("/templates/{kind}", summary="下载导入模板", **download(XLSX))
def template(kind: str, _principal: DataReader) -> Response:
    """An empty template of any import kind (enterprises, enterprise_years, zone_years, …)."""
    spec = import_kind(kind)
    if spec is None:
        raise NotFound(_unknown_kind(kind))
    return file_response(spec.template_bytes(), f"{spec.label}模板.xlsx")


@router.get("/exports/{kind}", summary="导出数据（与模板同列，可再导入）", **download(XLSX))
def export(
    kind: str,
    session: DbSession,
    principal: DataReader,
    zone_id: IdQuery = None,
    industry: str | None = None,
    tech_field: str | None = None,
    q: str | None = None,
    year: YearQuery = None,
) -> Response:
    """The principal's data in the template's columns."""
    _kind(kind)
    require_zone_filter(principal, zone_id)
    flt = EnterpriseFilter(zone_id, None, industry, tech_field, q)
    content = export_file(session, principal, kind, flt, year)
    return file_response(content, f"{kind_label(kind)}导出.xlsx")


@router.post(
    "/imports",
    summary="提交导入任务（全部通过才保存）",
    status_code=202,
    response_model=JobOut,
    responses=UPLOAD_RESPONSES,
)
async def upload(
    background: BackgroundTasks,
    session: DbSession,
    principal: CurrentPrincipal,
    kind: Annotated[
        str, Form(description="enterprises / enterprise_years / zone_years / 其他领域的导入类型")
    ],
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
    confirm_duplicate: Annotated[
        bool, Form(description="该文件已导入过时，确认仍要再次导入")
    ] = False,
    ignore_columns: Annotated[
        str,
        Form(description="要忽略的非模板列表头，用逗号分隔；填 * 忽略所有非模板列"),
    ] = "",
    percent_as_fraction: Annotated[
        bool, Form(description="确认百分比列按比例填写（0.35 即 35%），全列不大于 1 时乘以 100")
    ] = False,
) -> JSONResponse:
    """Queue an import job and answer 202 with it; follow it at GET /jobs/{id}.

    The job checks every cell and stores the file only when all pass (state done), or stores
    nothing and lists every bad cell in its result (state rejected). 409 when the same file was
    already imported and `confirm_duplicate` is not set."""
    limit = get_settings().max_upload_mb * 1024 * 1024
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(f"文件超过 {get_settings().max_upload_mb}MB 上限")
    spec = import_kind(kind)
    if spec is None:
        where = file.filename or "upload"
        raise rejected_import("", [CellError(0, "（文件）", where, _unknown_kind(kind))])
    if not spec.allowed(principal):
        raise RoleError(f"当前角色（{principal.role_label}）无权导入{spec.label}")
    filename = file.filename or "upload"
    job_id = submit_import(session, principal, spec, content, filename, dry_run, confirm_duplicate)
    options = {
        "ignore_columns": parse_ignore_columns(ignore_columns),
        "percent_as_fraction": percent_as_fraction,
    }
    background.add_task(
        run_import_job, job_id, principal, spec, content, filename, dry_run, (), **options
    )
    with session_scope() as own:
        job = get_job(own, principal, job_id)
        body = job_dict(job)
    return JSONResponse(body, status_code=202, headers={"Location": f"/api/v1/jobs/{job_id}"})


@router.post(
    "/imports/{import_id}/undo",
    summary="撤销一次导入（恢复导入前的版本）",
    response_model=UndoOut,
)
def undo(session: DbSession, principal: CurrentPrincipal, import_id: Id) -> dict[str, Any]:
    """Retire the batch's revisions and make the previous ones current, as one audited step;
    409 when a later import changed the same rows or the batch was already undone."""
    return undo_import(session, principal, import_id)


@router.get("/imports", summary="导入记录", response_model=list[ImportOut])
def imports(
    session: DbSession, principal: DataReader, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """Recent imports (all for city admins, one's own for others)."""
    return [
        {
            "id": b.id,
            "kind": b.kind,
            "kind_label": kind_label(b.kind),
            "filename": b.filename,
            "sha256": b.sha256,
            "rows_total": b.rows_total,
            "created": b.rows_created,
            "revised": b.rows_revised,
            "unchanged": b.rows_unchanged,
            "username": b.username,
            "created_at": b.created_at.isoformat(),
            "undone_at": b.undone_at.isoformat() if b.undone_at else None,
            "undone_by": b.undone_by or None,
        }
        for b in list_imports(session, principal, limit)
    ]


# --- zones and enterprises with their figures (the registry's objects, shown by statistics) ----


@router.get("/zones/{zone_id}", summary="高新区详情", response_model=ZoneDetail, tags=["登记"])
def zone(session: DbSession, principal: DataReader, zone_id: Id) -> dict[str, Any]:
    """One zone; its statistics only when the principal may see them."""
    z = registry_service.get_zone(session, zone_id)
    if z is None:
        raise NotFound("高新区不存在")
    out = zone_dict(z)
    out["yearly"], out["zone_statistics"] = [], []
    if can_see_zone_data(principal, zone_id):
        totals = zone_totals(session, principal)
        out["yearly"] = totals.filter(pl.col("zone_id") == zone_id).drop("zone_id").to_dicts()
        out["zone_statistics"] = zone_year_figures(session, principal, zone_id)
    return out


@router.get(
    "/enterprises",
    summary="企业列表（分页、筛选、搜索）",
    response_model=EnterprisePage,
    tags=["登记"],
)
def enterprises(
    session: DbSession,
    principal: DataReader,
    zone_id: IdQuery = None,
    park_id: IdQuery = None,
    industry: Annotated[str | None, Query(description="GB/T 4754 代码前缀")] = None,
    tech_field: str | None = None,
    q: Annotated[str | None, Query(description="名称关键字或信用代码")] = None,
    year: YearQuery = None,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 20,
    sort: Annotated[
        str,
        Query(description="排序字段：" + "、".join(SORTS) + "；其他值按编号排序"),
    ] = "id",
    descending: bool = False,
) -> dict[str, Any]:
    """The enterprises the principal may see, one page at a time."""
    require_zone_filter(principal, zone_id)
    flt = registry_service.EnterpriseFilter(zone_id, park_id, industry, tech_field, q)
    rows, total = list_enterprises(session, principal, flt, page, page_size, sort, descending, year)
    return {"total": total, "page": page, "page_size": page_size, "items": rows}


@router.get(
    "/enterprises/{enterprise_id}",
    summary="企业详情（含年度统计）",
    response_model=EnterpriseDetail,
    tags=["登记"],
)
def enterprise(session: DbSession, principal: DataReader, enterprise_id: Id) -> dict[str, Any]:
    """One enterprise with its current yearly figures and the revision history."""
    ent = registry_service.get_enterprise(session, principal, enterprise_id)
    return {
        **registry_service.enterprise_summary(ent),
        "counted_zone": ent.counted_zone.name if ent.counted_zone else None,
        "incubator": ent.incubator.name if ent.incubator else None,
        "years": enterprise_years(session, principal, enterprise_id),
        "revisions": enterprise_revisions(session, principal, enterprise_id),
    }


@router.get(
    "/enterprises/{enterprise_id}/revisions",
    summary="企业登记信息变更记录",
    response_model=list[RegistryRevisionOut],
    tags=["登记"],
)
def enterprise_registry_revisions(
    session: DbSession, principal: DataReader, enterprise_id: Id
) -> list[dict[str, Any]]:
    """Who changed the enterprise's registry facts, when, by which import, before → after
    (newest first); 404 for an enterprise the caller may not see, as GET /enterprises/{id}."""
    return enterprise_registry_history(session, principal, enterprise_id)


# --- jobs (imports and other long runs) ----------------------------------------------------------


@router.get("/jobs", summary="任务列表", response_model=list[JobOut], tags=["任务"])
def job_list(
    session: DbSession, principal: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """Recent jobs: all for the city admin, one's own otherwise; dead processes' jobs show failed."""
    return [job_dict(j) for j in list_jobs(session, principal, limit)]


@router.get("/jobs/{job_id}", summary="任务状态、进度与结果", response_model=JobOut, tags=["任务"])
def job(session: DbSession, principal: CurrentPrincipal, job_id: Id) -> dict[str, Any]:
    """One job: its state, stage and rows done, and once finished its result or error."""
    return job_dict(get_job(session, principal, job_id))


@router.post(
    "/jobs/{job_id}/cancel", summary="取消任务（保存前）", response_model=JobOut, tags=["任务"]
)
def job_cancel(session: DbSession, principal: CurrentPrincipal, job_id: Id) -> dict[str, Any]:
    """Ask a queued or running job to stop before its store step (409 once it stores or ended)."""
    return job_dict(request_cancel(session, principal, job_id))


@router.get("/jobs/{job_id}/report", summary="下载任务的错误报告", tags=["任务"], **download(XLSX))
def job_report(session: DbSession, principal: CurrentPrincipal, job_id: Id) -> Response:
    """The bad cells of a rejected import as an .xlsx (行号, 列, 值, 原因)."""
    found = get_job(session, principal, job_id)
    errors = (found.result or {}).get("errors") or []
    if not errors:
        raise NotFound(f"任务 #{job_id} 没有错误报告")
    cells = [CellError(e["row"], e["column"], e["value"], e["reason"]) for e in errors]
    return file_response(error_report(cells), f"{found.filename or '任务'}_错误报告.xlsx")


# --- submissions of enterprise users and their review ------------------------------------------


@router.get(
    "/submissions",
    summary="企业报送（待审核等）",
    response_model=list[SubmissionOut],
    tags=["审核"],
)
def submissions(
    session: DbSession,
    principal: DataReader,
    status: Annotated[
        str | None,
        Query(description="pending（默认）/ approved / rejected / superseded / withdrawn / all"),
    ] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[dict[str, Any]]:
    """Submissions in the caller's scope: a zone admin's zone (incl. counted zone), all for the
    city admin, one's own (read-only, without flags) for an enterprise user, none for others."""
    return list_submissions(session, principal, None if status == "all" else status, limit)


@router.get(
    "/submissions/{submission_id}",
    summary="一条企业报送（与当前版本对比、自动核查提示）",
    response_model=SubmissionOut,
    tags=["审核"],
)
def submission(session: DbSession, principal: DataReader, submission_id: Id) -> dict[str, Any]:
    """One submission against the current revision; 404 outside the caller's scope."""
    return _submission(session, principal, get_submission(session, principal, submission_id))


@router.post(
    "/submissions/{submission_id}/approve",
    summary="审核通过（报送数据成为当前版本）",
    response_model=SubmissionOut,
    tags=["审核"],
)
def submission_approve(
    session: DbSession, principal: CurrentPrincipal, submission_id: Id
) -> dict[str, Any]:
    """Make the submitted figures current (audited); 409 when the figures changed since."""
    return approve(session, principal, submission_id)


@router.post(
    "/submissions/{submission_id}/reject",
    summary="驳回报送（附理由）",
    response_model=SubmissionOut,
    tags=["审核"],
)
def submission_reject(
    session: DbSession, principal: CurrentPrincipal, submission_id: Id, body: RejectIn
) -> dict[str, Any]:
    """Reject with a reason the enterprise sees (audited); the figures never become current."""
    return reject(session, principal, submission_id, body.reason)
