"""API routes for 梯度培育: packs, an enterprise's verdicts, candidate lists, the pipeline,
self-assessment (stores nothing) and the qualifications register."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from kechuang.core.config import get_settings
from kechuang.core.errors import (
    BadInput,
    NotFound,
    TooLarge,
    Unprocessable,
    register_error,
    rejected_import,
)
from kechuang.core.responses import (
    ERROR_RESPONSES,
    UPLOAD_RESPONSES,
    XLSX,
    download,
    file_response,
)
from kechuang.core.web import (
    BureauReader,
    CityAdmin,
    CurrentPrincipal,
    DbSession,
    Id,
    IdQuery,
    YearQuery,
    Years,
)
from kechuang.engines.rules.packs import RulePackError
from kechuang.registry.scope import require_zone_filter
from kechuang.statistics.queries import latest_year
from kechuang.tiers import assessment, dashboard, methodology, snapshots
from kechuang.tiers import qualifications as register
from kechuang.tiers.schemas import (
    CandidateList,
    DataSource,
    EnterpriseAssessment,
    PackOut,
    Pipeline,
    QualificationOut,
    QualImportReportOut,
    SelfAssessment,
    SelfAssessmentResult,
    SnapshotCreate,
    SnapshotOut,
)
from kechuang.tiers.self_assessment import SELF_QUALS, self_assess

router = APIRouter(prefix="/api/v1/tiers", tags=["梯度培育"], responses=ERROR_RESPONSES)
register_error(RulePackError, Unprocessable.status)  # the rules engine stays free of kechuang


def _year(session, year: int | None) -> int:
    year = year or latest_year(session)
    if year is None:
        raise NotFound("暂无企业年度统计数据，无法评估")
    return year


@router.get("/packs", summary="规则包（条件、分档、出处、确认状态）", response_model=list[PackOut])
def packs(_principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every shipped rule pack with its conditions and citations."""
    out = []
    for pack in methodology.all_packs():
        item = methodology.pack_summary(pack)
        item["conditions"] = [
            {
                "code": c.code,
                "label": c.label,
                "kind": c.kind,
                "source": pack.cite_text(c.cite),
                "confirmed": c.confirmed
                and c.cite is not None
                and c.cite.confirmation == "confirmed"
                and pack.confirmation == "confirmed",
                **methodology.source_fields(c.cite),
                "pack_confirmation": pack.confirmation,
                "inferred": bool(methodology.inferred_reading(pack, c.code)),
                "inferred_reading": methodology.inferred_reading(pack, c.code),
                "sources": (srcs := methodology.cited_sources(pack, c.cite, c.code)),
                "source_full": "；".join(x["full_text"] for x in srcs),
            }
            for c in pack.leaf_conditions()
        ]
        item["scores"] = [
            {
                "code": s.code,
                "label": s.label,
                "max": s.max_points,
                "source": pack.cite_text(s.cite),
                "confirmed": s.confirmed,
                **methodology.source_fields(s.cite),
            }
            for s in pack.scores
        ]
        out.append(item)
    return out


@router.get(
    "/enterprises/{enterprise_id}",
    summary="企业梯度评估（每个规则包的结论与差距）",
    response_model=EnterpriseAssessment,
    response_model_exclude_unset=True,
)
def enterprise(
    enterprise_id: Id, session: DbSession, principal: CurrentPrincipal, year: YearQuery = None
) -> dict[str, Any]:
    """One enterprise's verdicts; 404 when outside the principal's scope."""
    return assessment.enterprise_assessment(session, principal, enterprise_id, year)


@router.get("/candidates", summary="后备库：未达标企业按差距排序", response_model=CandidateList)
def candidates(
    session: DbSession,
    principal: BureauReader,
    family: Annotated[
        str, Query(description="梯度类型，如 hnte、tech_sme；next 为各企业最近的下一梯度")
    ],
    year: YearQuery = None,
    zone_id: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 100,
) -> dict[str, Any]:
    """The closest candidates for a rung within the principal's scope."""
    require_zone_filter(principal, zone_id)
    return assessment.candidates(session, principal, family, _year(session, year), zone_id, limit)


@router.get("/candidates.xlsx", summary="导出后备库（Excel）", **download(XLSX))
def candidates_xlsx(
    session: DbSession,
    principal: BureauReader,
    family: str,
    year: YearQuery = None,
    zone_id: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> Response:
    """The candidate list as .xlsx."""
    require_zone_filter(principal, zone_id)
    data = assessment.candidates(session, principal, family, _year(session, year), zone_id, limit)
    return file_response(
        assessment.candidates_xlsx(data), f"{data['pack']['name']}后备库{data['year']}.xlsx"
    )


@router.get(
    "/pipeline",
    summary="梯度培育看板：各梯度各高新区数量、流转、目标与高企复审",
    response_model=Pipeline,
)
def pipeline(
    session: DbSession,
    principal: BureauReader,
    years: Years = None,
) -> dict[str, Any]:
    """Counts per rung, zone and year; flows between rungs; targets (draft); renewals."""
    if not years:
        last = _year(session, None)
        years = [last - 2, last - 1, last]
    return dashboard.pipeline(session, principal, years)


@router.post(
    "/snapshots",
    summary="保存梯度评估快照（市科技局）",
    response_model=SnapshotOut,
    status_code=201,
)
def create_snapshot(
    body: SnapshotCreate, session: DbSession, principal: CityAdmin
) -> dict[str, Any]:
    """Evaluate every enterprise-year of the years and store the verdicts (audited)."""
    snap = snapshots.create_snapshot(session, principal, body.years)
    return snapshots.summary(snap, principal)


@router.get("/snapshots", summary="梯度评估快照列表（最新在前）", response_model=list[SnapshotOut])
def list_snapshots(
    session: DbSession,
    principal: BureauReader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    """Stored snapshots; city-wide counts only for the city bureau."""
    return snapshots.list_snapshots(session, principal, limit)


@router.get(
    "/snapshots/latest",
    summary="覆盖所选年度的最新快照及其是否仍与数据一致",
    response_model=DataSource,
)
def latest_snapshot(
    session: DbSession, principal: BureauReader, years: Years = None
) -> dict[str, Any]:
    """The latest snapshot for the years and whether it is fresh within the principal's scope."""
    if not years:
        last = _year(session, None)
        years = [last - 2, last - 1, last]
    fresh = snapshots.freshness(session, principal, years)
    return {"kind": "snapshot" if fresh["state"] == "fresh" else "live", **fresh}


@router.post(
    "/self-assessment",
    summary="自评：输入数据，得到结论与差距（不保存任何数据）",
    response_model=SelfAssessmentResult,
)
def self_assessment(body: SelfAssessment, _principal: CurrentPrincipal) -> dict[str, Any]:
    """Evaluate typed-in figures; nothing is written anywhere."""
    unknown = (
        set(body.facts)
        - {code for code, _ in SELF_QUALS}
        - {
            "q_national_award_3y",
            "q_prov_award_3y",
            "q_honour",
            "q_little_giant_title",
            "q_niche_years",
            "q_zjtx_score",
        }
    )
    if unknown:
        raise BadInput(f"未知的资质事实：{'、'.join(sorted(unknown))}")
    return self_assess(
        body.year,
        body.figures,
        body.founded_on,
        body.tech_field,
        body.industry_code,
        body.facts,
        hnte_applied_on=body.hnte_applied_on,
    )


@router.get("/qualifications/template", summary="企业资质导入模板", **download(XLSX))
def qualifications_template(_principal: CurrentPrincipal) -> Response:
    """An empty qualifications template."""
    return file_response(register.qualification_template(), "企业资质模板.xlsx")


@router.get(
    "/qualifications/{enterprise_id}",
    summary="企业资质（证书、称号、奖励等）",
    response_model=list[QualificationOut],
)
def qualifications(
    enterprise_id: Id, session: DbSession, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    """One visible enterprise's qualifications."""
    return register.list_qualifications(session, principal, enterprise_id)


@router.post(
    "/qualifications/import",
    summary="导入企业资质（全有或全无）",
    response_model=QualImportReportOut,
    responses=UPLOAD_RESPONSES,
)
async def import_qualifications(
    session: DbSession,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Validate and store a qualifications file. A bad file stores nothing and answers with every
    bad cell: 422 when cells fail validation, 400 when the file as a whole cannot be used."""
    limit = get_settings().max_upload_mb * 1024 * 1024
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(f"文件超过 {get_settings().max_upload_mb}MB 上限")
    report = await run_in_threadpool(
        register.import_qualifications,
        session,
        principal,
        content,
        file.filename or "upload.xlsx",
        dry_run,
    )
    if not report.ok:
        raise rejected_import(report.message(), report.errors or [])
    return report.as_dict()
