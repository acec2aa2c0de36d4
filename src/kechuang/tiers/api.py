"""API routes for 梯度培育: packs, an enterprise's verdicts, candidate lists, the pipeline,
self-assessment (stores nothing) and the qualifications register."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Query, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from kechuang.core.web import CurrentPrincipal, DbSession
from kechuang.registry.service import latest_year
from kechuang.tiers import service

router = APIRouter(prefix="/api/v1/tiers", tags=["梯度培育"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


def _year(session, year: int | None) -> int:
    year = year or latest_year(session)
    if year is None:
        raise HTTPException(404, "暂无企业年度统计数据，无法评估")
    return year


@router.get("/packs", summary="规则包（条件、分档、出处、确认状态）")
def packs(_principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every shipped rule pack with its conditions and citations."""
    out = []
    for pack in service.all_packs():
        item = service.pack_summary(pack)
        item["conditions"] = [
            {
                "code": c.code,
                "label": c.label,
                "kind": c.kind,
                "source": pack.cite_text(c.cite),
                "confirmed": c.confirmed,
                **service.source_fields(c.cite),
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
                **service.source_fields(s.cite),
            }
            for s in pack.scores
        ]
        out.append(item)
    return out


@router.get("/enterprises/{enterprise_id}", summary="企业梯度评估（每个规则包的结论与差距）")
def enterprise(
    enterprise_id: int, session: DbSession, principal: CurrentPrincipal, year: int | None = None
) -> dict[str, Any]:
    """One enterprise's verdicts; 404 when outside the principal's scope."""
    return service.enterprise_assessment(session, principal, enterprise_id, year)


@router.get("/candidates", summary="后备库：未达标企业按差距排序")
def candidates(
    session: DbSession,
    principal: CurrentPrincipal,
    family: Annotated[str, Query(description="梯度类型，如 hnte、tech_sme")],
    year: int | None = None,
    zone_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 100,
) -> dict[str, Any]:
    """The closest candidates for a rung within the principal's scope."""
    try:
        return service.candidates(session, principal, family, _year(session, year), zone_id, limit)
    except service.TierError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("/candidates.xlsx", summary="导出后备库（Excel）")
def candidates_xlsx(
    session: DbSession,
    principal: CurrentPrincipal,
    family: str,
    year: int | None = None,
    zone_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> Response:
    """The candidate list as .xlsx."""
    try:
        data = service.candidates(session, principal, family, _year(session, year), zone_id, limit)
    except service.TierError as exc:
        raise HTTPException(400, str(exc)) from exc
    return _xlsx(service.candidates_xlsx(data), f"{data['pack']['name']}后备库{data['year']}.xlsx")


@router.get("/pipeline", summary="梯度培育看板：各梯度各高新区数量、流转、目标与高企复审")
def pipeline(
    session: DbSession,
    principal: CurrentPrincipal,
    years: Annotated[list[int] | None, Query()] = None,
) -> dict[str, Any]:
    """Counts per rung, zone and year; flows between rungs; targets (draft); renewals."""
    if not years:
        last = _year(session, None)
        years = [last - 2, last - 1, last]
    try:
        return service.pipeline(session, principal, years)
    except service.TierError as exc:
        raise HTTPException(400, str(exc)) from exc


class SelfAssessment(BaseModel):
    """Figures typed in for a self-assessment (several years where growth needs them)."""

    year: int = Field(description="评价年度（最近一个会计年度）")
    figures: dict[int, dict[str, float | bool | None]] = Field(
        description="按年度的统计数据，字段同企业年度统计模板（如 operating_revenue）"
    )
    founded_on: date | None = None
    tech_field: str | None = None
    industry_code: str | None = None
    facts: dict[str, bool | float | None] = Field(
        default_factory=dict, description="资质事实，如 q_hnte_valid"
    )


@router.post("/self-assessment", summary="自评：输入数据，得到结论与差距（不保存任何数据）")
def self_assessment(body: SelfAssessment, _principal: CurrentPrincipal) -> dict[str, Any]:
    """Evaluate typed-in figures; nothing is written anywhere."""
    unknown = (
        set(body.facts)
        - {code for code, _ in service.SELF_QUALS}
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
        raise HTTPException(400, f"未知的资质事实：{'、'.join(sorted(unknown))}")
    try:
        return service.self_assess(
            body.year,
            body.figures,
            body.founded_on,
            body.tech_field,
            body.industry_code,
            body.facts,
        )
    except service.TierError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("/qualifications/template", summary="企业资质导入模板")
def qualifications_template(_principal: CurrentPrincipal) -> Response:
    """An empty qualifications template."""
    return _xlsx(service.qualification_template(), "企业资质模板.xlsx")


@router.get("/qualifications/{enterprise_id}", summary="企业资质（证书、称号、奖励等）")
def qualifications(
    enterprise_id: int, session: DbSession, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    """One visible enterprise's qualifications."""
    return service.list_qualifications(session, principal, enterprise_id)


@router.post("/qualifications/import", summary="导入企业资质（全有或全无）")
async def import_qualifications(
    session: DbSession,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = False,
) -> JSONResponse:
    """Validate and store a qualifications file; 400 with every bad cell otherwise."""
    content = await file.read()
    report = await run_in_threadpool(
        service.import_qualifications,
        session,
        principal,
        content,
        file.filename or "upload.xlsx",
        dry_run,
    )
    return JSONResponse(report.as_dict(), status_code=200 if report.ok else 400)
