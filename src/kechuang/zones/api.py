"""API routes for zone evaluation (对标找差、争先进位), targets and specialisation."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

from kechuang.core import audit
from kechuang.core.methodology import registry
from kechuang.core.web import CityAdmin, CurrentPrincipal, DbSession
from kechuang.zones import report, service
from kechuang.zones.evaluation import TOP_QUARTILE
from kechuang.zones.frameworks import ZoneFramework

router = APIRouter(prefix="/api/v1", tags=["高新区评价"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _file(content: bytes, filename: str, media: str) -> Response:
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


def _bad(exc: Exception) -> HTTPException:
    return HTTPException(400, str(exc))


def framework_dict(fw: ZoneFramework, rows: bool = True) -> dict[str, Any]:
    """A framework as JSON: metadata, dimensions and (optionally) every row with its status."""
    out = {
        "code": fw.code,
        "name": fw.name,
        "version": fw.version,
        "document": fw.document,
        "source": fw.source,
        "method_note": fw.method_note,
        "publish": fw.publish,
        "origin": fw.origin,
        "hash": fw.hash,
        "sources": registry().entries(fw.source_codes()),
        "dimensions": [
            {"code": d.code, "name": d.name, "weight": d.weight, "status": d.status}
            for d in fw.dimensions
        ],
    }
    if rows:
        out["rows"] = fw.rows_table()
    return out


def _against(against: str | None) -> str:
    return TOP_QUARTILE if against in (None, "", "top_quartile") else against


class RunIn(BaseModel):
    """Parameters of an evaluation run."""

    year: int = Field(description="评价年度")
    framework: str | None = Field(None, description="框架代码，默认 national_2021")
    peer_set: str | None = Field(None, description="对标组代码，默认 city（本市高新区）")
    options: dict[str, Any] | None = Field(
        None, description="normalise / window / treat / uncertainty_runs …"
    )
    note: str = ""


@router.get("/evaluation/frameworks", summary="评价框架（每行标注已确认/重构）")
def frameworks(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Shipped and bureau-defined frameworks with their rows."""
    service.require_reader(principal)
    return [framework_dict(f) for f in service.list_frameworks(session)]


@router.post("/evaluation/frameworks", summary="新增自定义评价框架（市科技局）", status_code=201)
def add_framework(session: DbSession, principal: CityAdmin, body: dict[str, Any]) -> dict[str, Any]:
    """Store a bureau-defined framework (same schema as the shipped YAML)."""
    try:
        return framework_dict(service.save_framework(session, principal, body))
    except service.ZoneServiceError as exc:
        raise _bad(exc) from exc


@router.get("/evaluation/peer-sets", summary="对标组")
def peer_sets(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """The built-in city peer set and the stored ones."""
    service.require_reader(principal)
    return service.list_peer_sets(session)


@router.get("/evaluation/ranking", summary="高新区排名（总分、维度名次、名次区间、进位）")
def ranking(
    session: DbSession,
    principal: CurrentPrincipal,
    year: int,
    framework: str | None = None,
    peer_set: str | None = None,
) -> dict[str, Any]:
    """The ranking as the principal may see it (a stored run when there is one)."""
    try:
        r = service.ranking(session, principal, year, framework, peer_set)
    except service.ZoneServiceError as exc:
        raise _bad(exc) from exc
    return {**r, "framework": framework_dict(r["framework"], rows=False)}


@router.post("/evaluation/runs", summary="执行并保存一次评价（市科技局）", status_code=201)
def create_run(session: DbSession, principal: CityAdmin, body: RunIn) -> dict[str, Any]:
    """Evaluate and store the run with its framework version, peer set, options and input hash."""
    try:
        ev = service.evaluate(
            session, principal, body.year, body.framework, body.peer_set, body.options
        )
        run = service.store_run(session, principal, ev, body.peer_set, body.note)
    except service.ZoneServiceError as exc:
        raise _bad(exc) from exc
    return run_dict(run)


def run_dict(run: Any) -> dict[str, Any]:
    """A stored run's recipe (no results)."""
    return {
        "id": run.id,
        "year": run.year,
        "framework_code": run.framework_code,
        "framework_version": run.framework_version,
        "framework_hash": run.framework_hash,
        "peer_set": run.peer_set_code,
        "units": run.peer_units,
        "options": run.options,
        "input_hash": run.input_hash,
        "spec_hash": run.spec_hash,
        "username": run.username,
        "created_at": run.created_at.isoformat(),
        "note": run.note,
    }


@router.get("/evaluation/runs", summary="评价记录")
def runs(
    session: DbSession, principal: CurrentPrincipal, year: int | None = None
) -> list[dict[str, Any]]:
    """Stored runs, newest first."""
    return [run_dict(r) for r in service.list_runs(session, principal, year)]


@router.get("/evaluation/runs/{run_id}", summary="一次评价的结果")
def run_detail(session: DbSession, principal: CurrentPrincipal, run_id: int) -> dict[str, Any]:
    """A stored run with its results, scoped like the ranking."""
    try:
        run = service.get_run(session, principal, run_id)
    except service.ZoneServiceError as exc:
        raise HTTPException(404, str(exc)) from exc
    from kechuang.zones.frameworks import parse_framework

    fw = parse_framework(run.record["framework_definition"])
    return {**run_dict(run), "table": service.visible_table(principal, fw, run.results["table"])}


@router.get("/evaluation/benchmark", summary="对标找差：差距分解、优势短板、雷达图")
def benchmark(
    session: DbSession,
    principal: CurrentPrincipal,
    year: int,
    unit: str | None = None,
    against: str | None = None,
    framework: str | None = None,
    peer_set: str | None = None,
) -> dict[str, Any]:
    """Gap of a zone (unit key z<id>; a zone admin's own by default) to a benchmark unit or
    `top_quartile`."""
    try:
        bm = service.benchmark(
            session, principal, year, unit, _against(against), framework, peer_set
        )
    except service.ZoneServiceError as exc:
        raise _bad(exc) from exc
    return {
        "year": year,
        "framework": framework_dict(bm["framework"], rows=False),
        "gaps": bm["gaps"],
        "strengths": bm["strengths"],
        "radar": bm["radar"],
        "row": bm["row"],
        "choices": bm["choices"],
    }


@router.get("/evaluation/targets", summary="目标跟踪（3000亿元等）")
def targets(
    session: DbSession, principal: CurrentPrincipal, as_of: int | None = None
) -> list[dict[str, Any]]:
    """Each plan target with actual, required path, projection band, status and zone parts."""
    try:
        return service.track_targets(session, principal, as_of)
    except service.ZoneServiceError as exc:
        raise _bad(exc) from exc


@router.get("/evaluation/specialisation", summary="一区一战略：产业占比、区位商、集中度、相似度")
def specialisation(
    session: DbSession, principal: CurrentPrincipal, year: int | None = None
) -> dict[str, Any]:
    """Specialisation results (scoped)."""
    return service.specialisation_view(session, principal, year)


@router.get(
    "/evaluation/exports/{kind}", summary="导出（ranking / benchmark / targets / specialisation）"
)
def export(
    kind: str,
    session: DbSession,
    principal: CurrentPrincipal,
    year: int | None = None,
    framework: str | None = None,
    peer_set: str | None = None,
    unit: str | None = None,
    against: str | None = None,
    format: str = "xlsx",
) -> Response:
    """An .xlsx of any result; the benchmark also as a Word report (format=docx)."""
    demo = service.is_demo(session)
    audit.record(session, "export", "zone_evaluation", "", f"导出高新区评价结果（{kind}）")
    try:
        if kind == "ranking":
            if year is None:
                raise service.ZoneServiceError("导出排名需要参数 year")
            r = service.ranking(session, principal, year, framework, peer_set)
            content = report.ranking_xlsx(
                r["framework"], r["options"], year, r["table"], r["values"], demo
            )
            return _file(content, f"高新区排名_{year}.xlsx", XLSX)
        if kind == "benchmark":
            if year is None:
                raise service.ZoneServiceError("导出对标分析需要参数 year")
            bm = service.benchmark(
                session, principal, year, unit, _against(against), framework, peer_set
            )
            name = f"对标找差_{bm['gaps']['unit_name']}_{year}"
            if format == "docx":
                return _file(report.benchmark_docx(bm, demo), f"{name}.docx", DOCX)
            return _file(report.benchmark_xlsx(bm, demo), f"{name}.xlsx", XLSX)
        if kind == "targets":
            return _file(
                report.targets_xlsx(service.track_targets(session, principal), demo),
                "目标跟踪.xlsx",
                XLSX,
            )
        if kind == "specialisation":
            return _file(
                report.specialisation_xlsx(
                    service.specialisation_view(session, principal, year), demo
                ),
                "一区一战略.xlsx",
                XLSX,
            )
    except service.ZoneServiceError as exc:
        raise _bad(exc) from exc
    raise HTTPException(
        404, f"未知的导出类型“{kind}”，可选：ranking、benchmark、targets、specialisation"
    )
