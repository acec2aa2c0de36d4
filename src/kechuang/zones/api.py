"""API routes for zone evaluation (对标找差、争先进位), targets and specialisation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from sqlalchemy.orm import Session

from kechuang.core import audit, jobs
from kechuang.core.errors import BadInput, NotFound, Unprocessable, register_error
from kechuang.core.methodology import registry
from kechuang.core.responses import DOCX, ERROR_RESPONSES, XLSX, download, file_response
from kechuang.core.web import CityAdmin, CurrentPrincipal, DbSession, Id, Year, YearQuery
from kechuang.engines.composite.errors import CompositeError
from kechuang.zones import report, service
from kechuang.zones.evaluation import TOP_QUARTILE
from kechuang.zones.frameworks import ZoneFramework
from kechuang.zones.schemas import (
    Benchmark,
    EvaluationRunOut,
    FrameworkOut,
    PeerSetOut,
    Ranking,
    RunDetail,
    RunIn,
    Specialisation,
    TargetTrack,
)
from kechuang.zones.scope import require_reader

router = APIRouter(prefix="/api/v1", tags=["高新区评价"], responses=ERROR_RESPONSES)
register_error(CompositeError, Unprocessable.status)  # the evaluation runs the composite engine
EXPORT_KINDS = ("ranking", "benchmark", "targets", "specialisation")


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


@router.get(
    "/evaluation/frameworks",
    summary="评价框架（每行标注已确认/重构）",
    response_model=list[FrameworkOut],
)
def frameworks(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Shipped and bureau-defined frameworks with their rows."""
    require_reader(principal)
    return [framework_dict(f) for f in service.list_frameworks(session)]


@router.post(
    "/evaluation/frameworks",
    summary="新增自定义评价框架（市科技局）",
    status_code=201,
    response_model=FrameworkOut,
)
def add_framework(
    session: DbSession,
    principal: CityAdmin,
    body: Annotated[
        dict[str, Any],
        Body(
            description="框架定义，结构同内置 YAML：code、name、version、publish、dimensions[].rows[]"
        ),
    ],
) -> dict[str, Any]:
    """Store a bureau-defined framework (same schema as the shipped YAML)."""
    return framework_dict(service.save_framework(session, principal, body))


@router.get("/evaluation/peer-sets", summary="对标组", response_model=list[PeerSetOut])
def peer_sets(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """The built-in city peer set and the stored ones."""
    require_reader(principal)
    return service.list_peer_sets(session)


@router.get(
    "/evaluation/ranking",
    summary="高新区排名（总分、维度名次、名次区间、进位）",
    response_model=Ranking,
    response_model_exclude_unset=True,
)
def ranking(
    session: DbSession,
    principal: CurrentPrincipal,
    year: Year,
    framework: str | None = None,
    peer_set: str | None = None,
) -> dict[str, Any]:
    """The ranking as the principal may see it (a stored run when there is one)."""
    r = service.ranking(session, principal, year, framework, peer_set)
    return {**r, "framework": framework_dict(r["framework"], rows=False)}


@router.post(
    "/evaluation/runs",
    summary="执行并保存一次评价（市科技局）",
    status_code=201,
    response_model=EvaluationRunOut,
    response_model_exclude_unset=True,
)
def create_run(principal: CityAdmin, body: RunIn) -> dict[str, Any]:
    """Evaluate and store the run with its framework version, peer set, options and input hash
    (as a job: it waits for the writer lock and is listed at GET /jobs)."""

    def work(session: Session) -> dict[str, Any]:
        ev = service.evaluate(
            session, principal, body.year, body.framework, body.peer_set, body.options
        )
        return run_dict(service.store_run(session, principal, ev, body.peer_set, body.note))

    return jobs.run_value(principal, "evaluation_run", f"{body.year}年度高新区评价", work)


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


@router.get(
    "/evaluation/runs",
    summary="评价记录",
    response_model=list[EvaluationRunOut],
    response_model_exclude_unset=True,
)
def runs(
    session: DbSession, principal: CurrentPrincipal, year: YearQuery = None
) -> list[dict[str, Any]]:
    """Stored runs, newest first."""
    return [run_dict(r) for r in service.list_runs(session, principal, year)]


@router.get(
    "/evaluation/runs/{run_id}",
    summary="一次评价的结果",
    response_model=RunDetail,
    response_model_exclude_unset=True,
)
def run_detail(session: DbSession, principal: CurrentPrincipal, run_id: Id) -> dict[str, Any]:
    """A stored run with its results, scoped like the ranking."""
    try:
        view = service.run_view(session, principal, run_id)
    except service.ZoneServiceError as exc:  # the run id is part of the path
        raise NotFound(str(exc)) from exc
    return {**run_dict(view["run"]), "table": view["table"]}


@router.get(
    "/evaluation/benchmark",
    summary="对标找差：差距分解、优势短板、雷达图",
    response_model=Benchmark,
    response_model_exclude_unset=True,
)
def benchmark(
    session: DbSession,
    principal: CurrentPrincipal,
    year: Year,
    unit: str | None = None,
    against: str | None = None,
    framework: str | None = None,
    peer_set: str | None = None,
) -> dict[str, Any]:
    """Gap of a zone (unit key z<id>; a zone admin's own by default) to a benchmark unit or
    `top_quartile`."""
    bm = service.benchmark(session, principal, year, unit, _against(against), framework, peer_set)
    return {
        "year": year,
        "framework": framework_dict(bm["framework"], rows=False),
        "gaps": bm["gaps"],
        "strengths": bm["strengths"],
        "radar": bm["radar"],
        "row": bm["row"],
        "choices": bm["choices"],
    }


@router.get(
    "/evaluation/targets",
    summary="目标跟踪（3000亿元等）",
    response_model=list[TargetTrack],
    response_model_exclude_unset=True,
)
def targets(
    session: DbSession, principal: CurrentPrincipal, as_of: YearQuery = None
) -> list[dict[str, Any]]:
    """Each plan target with actual, required path, projection band, status and zone parts."""
    return service.track_targets(session, principal, as_of)


@router.get(
    "/evaluation/specialisation",
    summary="一区一战略：产业占比、区位商、集中度、相似度",
    response_model=Specialisation,
    response_model_exclude_unset=True,
)
def specialisation(
    session: DbSession, principal: CurrentPrincipal, year: YearQuery = None
) -> dict[str, Any]:
    """Specialisation results (scoped)."""
    return service.specialisation_view(session, principal, year)


@router.get(
    "/evaluation/exports/{kind}",
    summary="导出（ranking / benchmark / targets / specialisation）",
    **download(XLSX, DOCX),
)
def export(
    kind: str,
    session: DbSession,
    principal: CurrentPrincipal,
    year: YearQuery = None,
    framework: str | None = None,
    peer_set: str | None = None,
    unit: str | None = None,
    against: str | None = None,
    format: str = "xlsx",
) -> Response:
    """An .xlsx of any result; the benchmark also as a Word report (format=docx)."""
    if kind not in EXPORT_KINDS:
        raise NotFound(f"未知的导出类型“{kind}”，可选：{'、'.join(EXPORT_KINDS)}")
    demo = service.is_demo(session)
    audit.record(session, "export", "zone_evaluation", "", f"导出高新区评价结果（{kind}）")
    if kind == "ranking":
        if year is None:
            raise BadInput("导出排名需要参数 year")
        r = service.ranking(session, principal, year, framework, peer_set)
        content = report.ranking_xlsx(
            r["framework"], r["options"], year, r["table"], r["values"], demo
        )
        return file_response(content, f"高新区排名_{year}.xlsx")
    if kind == "benchmark":
        if year is None:
            raise BadInput("导出对标分析需要参数 year")
        bm = service.benchmark(
            session, principal, year, unit, _against(against), framework, peer_set
        )
        name = f"对标找差_{bm['gaps']['unit_name']}_{year}"
        if format == "docx":
            return file_response(report.benchmark_docx(bm, demo), f"{name}.docx")
        return file_response(report.benchmark_xlsx(bm, demo), f"{name}.xlsx")
    if kind == "targets":
        tracks = service.track_targets(session, principal)
        return file_response(report.targets_xlsx(tracks, demo), "目标跟踪.xlsx")
    view = service.specialisation_view(session, principal, year)
    return file_response(report.specialisation_xlsx(view, demo), "一区一战略.xlsx")
