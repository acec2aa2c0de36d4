"""API routes for imports, templates and exports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from kechuang.core.config import get_settings
from kechuang.core.errors import NotFound, TooLarge, rejected_import
from kechuang.core.excel import ImportFileError
from kechuang.core.responses import (
    ERROR_RESPONSES,
    UPLOAD_RESPONSES,
    XLSX,
    download,
    file_response,
)
from kechuang.core.web import CurrentPrincipal, DbSession
from kechuang.registry.service import EnterpriseFilter
from kechuang.statistics import service
from kechuang.statistics.schemas import ImportOut, ImportReportOut

router = APIRouter(prefix="/api/v1", tags=["统计数据"], responses=ERROR_RESPONSES)


def _kind(kind: str) -> None:
    """404 for a data kind that does not exist (it is part of the path)."""
    try:
        service.check_kind(kind)
    except ImportFileError as exc:
        raise NotFound(str(exc)) from exc


@router.get("/templates/{kind}", summary="下载导入模板", **download(XLSX))
def template(kind: str, _principal: CurrentPrincipal) -> Response:
    """An empty template (enterprises, enterprise_years, zone_years)."""
    _kind(kind)
    return file_response(service.template(kind), f"{service.kind_label(kind)}模板.xlsx")


@router.get("/exports/{kind}", summary="导出数据（与模板同列，可再导入）", **download(XLSX))
def export(
    kind: str,
    session: DbSession,
    principal: CurrentPrincipal,
    zone_id: int | None = None,
    industry: str | None = None,
    tech_field: str | None = None,
    q: str | None = None,
    year: int | None = None,
) -> Response:
    """The principal's data in the template's columns."""
    _kind(kind)
    flt = EnterpriseFilter(zone_id, None, industry, tech_field, q)
    content = service.export_file(session, principal, kind, flt, year)
    return file_response(content, f"{service.kind_label(kind)}导出.xlsx")


@router.post(
    "/imports",
    summary="导入文件（全部通过才保存）",
    response_model=ImportReportOut,
    responses=UPLOAD_RESPONSES,
)
async def upload(
    session: DbSession,
    principal: CurrentPrincipal,
    kind: Annotated[str, Form(description="enterprises / enterprise_years / zone_years")],
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Validate and store a file. A bad file stores nothing and answers with every bad cell:
    422 when cells fail validation, 400 when the file as a whole cannot be used."""
    limit = get_settings().max_upload_mb * 1024 * 1024
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(f"文件超过 {get_settings().max_upload_mb}MB 上限")
    report = await run_in_threadpool(
        service.import_file, session, principal, kind, content, file.filename or "upload", dry_run
    )
    if not report.ok:
        raise rejected_import(report.message(), report.errors)
    return report.as_dict()


@router.get("/imports", summary="导入记录", response_model=list[ImportOut])
def imports(
    session: DbSession, principal: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """Recent imports (all for city admins, one's own for others)."""
    return [
        {
            "id": b.id,
            "kind": b.kind,
            "kind_label": service.kind_label(b.kind),
            "filename": b.filename,
            "sha256": b.sha256,
            "rows_total": b.rows_total,
            "created": b.rows_created,
            "revised": b.rows_revised,
            "unchanged": b.rows_unchanged,
            "username": b.username,
            "created_at": b.created_at.isoformat(),
        }
        for b in service.list_imports(session, principal, limit)
    ]
