"""API routes for enterprise innovation points: runs, lists, cards, what-if, consent, certificates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from sqlalchemy.orm import Session

from kechuang.core import jobs
from kechuang.core.config import get_settings
from kechuang.core.errors import NotFound, Unprocessable, register_error
from kechuang.core.methodology import registry
from kechuang.core.responses import DOCX, ERROR_RESPONSES, PDF, XLSX, download, file_response
from kechuang.core.web import (
    BureauReader,
    CityAdmin,
    CurrentPrincipal,
    DbSession,
    Id,
    IdQuery,
    Page,
    YearQuery,
    require_bureau,
)
from kechuang.engines.composite.errors import CompositeError
from kechuang.points import methodology as meth
from kechuang.points import service, verification
from kechuang.points.schemas import (
    BankList,
    CertificateOut,
    ConsentOut,
    ConsentRequest,
    FlagOut,
    FlagRequest,
    MethodologyOut,
    Movers,
    PointsCard,
    PointsRunOut,
    RunRequest,
    TopList,
    VerifyOut,
    WhatIf,
    WhatIfRequest,
    WithdrawRequest,
)
from kechuang.registry.scope import require_zone_filter

router = APIRouter(prefix="/api/v1", tags=["企业创新积分"], responses=ERROR_RESPONSES)
register_error(CompositeError, Unprocessable.status)  # scoring uses the composite engine
EXPORT_NAMES = {"top": "创新积分排行", "movers": "创新积分年度变化", "bank": "积分贷银行名单"}


@router.get(
    "/points/methodologies",
    summary="积分方法（指标、权重、来源与确认程度）",
    response_model=list[MethodologyOut],
)
def methodologies(_principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every shipped methodology as data, with provisional status."""
    out = []
    for m in meth.available():
        out.append(
            {
                **service.methodology_brief(m),
                "cohort": list(m.cohort),
                "stages": [
                    {
                        "code": s.code,
                        "name": s.name,
                        "note": s.note,
                        "rule": [c.text(m.input_labels()) for c in s.conditions],
                        "match": s.match,
                        "source": s.source,
                        "confidence": s.confidence,
                    }
                    for s in m.stages
                ],
                "categories": [
                    {"code": c.code, "name": c.name, "source": c.source, "confidence": c.confidence}
                    for c in m.categories
                ],
                "indicators": [
                    {
                        "code": i.code,
                        "name": i.name,
                        "category": i.category,
                        "definition": i.definition,
                        "unit": i.unit,
                        "direction": i.direction,
                        "reference": i.reference,
                        "weights": i.weights,
                        "source": i.source,
                        "source_code": i.cite.code if i.cite else None,
                        "confidence": i.confidence,
                        "confidence_label": meth.CONFIDENCE.get(i.confidence, i.confidence),
                        "note": i.note,
                    }
                    for i in m.indicators
                ],
                "bonus": [
                    {
                        "code": b.code,
                        "name": b.name,
                        "points": b.points,
                        "rule": b.condition.text(m.input_labels()),
                        "source": b.source,
                        "confidence": b.confidence,
                    }
                    for b in m.bonus
                ],
                "bonus_cap": m.bonus_cap,
                "negative": [
                    {
                        "code": b.code,
                        "name": b.name,
                        "points": b.points,
                        "veto": b.veto,
                        "rule": b.condition.text(m.input_labels()),
                        "source": b.source,
                        "confidence": b.confidence,
                    }
                    for b in m.negative
                ],
                "flags": m.flags,
                "pending": list(m.pending),
                "sources": registry().entries(m.source_codes()),
            }
        )
    return out


@router.get("/points/runs", summary="积分计算记录", response_model=list[PointsRunOut])
def runs(session: DbSession, principal: BureauReader) -> list[dict[str, Any]]:
    """Every stored run (methodology version and input hash; no scores)."""
    return service.list_runs(session)


@router.post(
    "/points/runs",
    summary="计算全市创新积分（市科技局）",
    status_code=201,
    response_model=PointsRunOut,
)
def create_run(body: RunRequest, principal: CityAdmin) -> dict[str, Any]:
    """Score every enterprise-year and store the run (as a job: it waits for the writer lock and
    is listed at GET /jobs)."""

    def work(session: Session) -> dict[str, Any]:
        return service.run_summary(service.create_run(session, principal, body.methodology))

    return jobs.run_value(principal, "points_run", "计算全市创新积分", work)


@router.get("/points/top", summary="创新积分排行（全市/高新区/行业/阶段）", response_model=TopList)
def top(
    session: DbSession,
    principal: BureauReader,
    zone_id: IdQuery = None,
    industry: str | None = Query(None, description="GB/T 4754 代码前缀，如 C35"),
    stage: str | None = Query(None, description="startup、growth、mature"),
    year: YearQuery = None,
    run_id: IdQuery = None,
    n: int = Query(50, ge=1, le=1000),
    page: Page = 1,
    sort: str = Query(
        "total",
        description="排序字段：" + "、".join(service.POINTS_SORTS) + "；其他值按创新积分排序",
    ),
    descending: bool = Query(True, description="是否降序"),
) -> dict[str, Any]:
    """The best N enterprises the caller may see (or a page of N in another order)."""
    require_zone_filter(principal, zone_id)
    return service.top_list(
        session,
        principal,
        service.ListFilter(zone_id, industry, stage),
        run_id,
        year,
        n,
        page,
        sort,
        descending,
    )


@router.get("/points/movers", summary="创新积分年度变化（上升/下降）", response_model=Movers)
def movers(
    session: DbSession,
    principal: BureauReader,
    year: YearQuery = None,
    run_id: IdQuery = None,
    n: int = Query(20, ge=1, le=500),
) -> dict[str, Any]:
    """Largest rises and falls against the previous year."""
    return service.movers(session, principal, run_id, year, n)


@router.get(
    "/points/bank-list",
    summary="积分贷银行名单（仅已授权共享的企业）",
    response_model=BankList,
)
def bank_list(
    session: DbSession,
    principal: CurrentPrincipal,
    year: YearQuery = None,
    run_id: IdQuery = None,
) -> dict[str, Any]:
    """Consented enterprises only; for bank_viewer and city admins."""
    return service.bank_list(session, principal, run_id, year)


@router.get(
    "/points/exports/{kind}",
    summary="导出名单（top、movers、bank）",
    **download(XLSX),
)
def export(
    kind: str,
    session: DbSession,
    principal: CurrentPrincipal,
    year: YearQuery = None,
    run_id: IdQuery = None,
    zone_id: IdQuery = None,
    industry: str | None = None,
    stage: str | None = None,
    n: int = Query(200, ge=1, le=1000),
) -> Response:
    """An Excel list; the export is audited."""
    if kind not in EXPORT_NAMES:
        raise NotFound(f"未知的名单类型“{kind}”，可选：{'、'.join(EXPORT_NAMES)}")
    if kind != "bank":  # the bank list is the banks'; the other lists are the bureau's
        require_bureau(principal)
        require_zone_filter(principal, zone_id)
    kw: dict[str, Any] = {"run_id": run_id, "year": year}
    if kind == "top":
        kw |= {"flt": service.ListFilter(zone_id, industry, stage), "n": n}
    elif kind == "movers":
        kw |= {"n": n}
    content = service.export_xlsx(session, principal, kind, **kw)
    return file_response(content, f"{EXPORT_NAMES[kind]}.xlsx")


@router.get(
    "/points/enterprises/{enterprise_id}",
    summary="企业创新积分卡",
    response_model=PointsCard,
    response_model_exclude_unset=True,
)
def card(
    enterprise_id: Id, session: DbSession, principal: CurrentPrincipal, run_id: IdQuery = None
) -> dict[str, Any]:
    """Points explained: indicators, categories, ranks, trend, shortfalls, consent."""
    return service.enterprise_card(session, principal, enterprise_id, run_id)


@router.post(
    "/points/enterprises/{enterprise_id}/what-if",
    summary="积分模拟（假如……）",
    response_model=WhatIf,
)
def what_if(
    enterprise_id: Id, body: WhatIfRequest, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """New points and ranks if figures changed, computed by a full rescore."""
    return service.what_if_for(
        session, principal, enterprise_id, body.changes, body.year, body.run_id
    )


@router.put(
    "/points/enterprises/{enterprise_id}/consent",
    summary="积分共享授权（企业本人在线办理）",
    response_model=ConsentOut,
)
def consent(
    enterprise_id: Id, body: ConsentRequest, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """The enterprise's own user grants or withdraws consent; audited with before and after.
    A city admin uses POST …/consent/authorisation with the signed authorisation; others get 403."""
    row = service.set_consent(session, principal, enterprise_id, body.consented, body.basis)
    return _consent_out(row)


@router.post(
    "/points/enterprises/{enterprise_id}/consent/authorisation",
    summary="凭企业书面授权书登记积分共享授权（市科技局管理员）",
    response_model=ConsentOut,
)
async def consent_by_authorisation(
    enterprise_id: Id,
    session: DbSession,
    principal: CurrentPrincipal,
    consented: Annotated[bool, Form(description="同意（true）或撤回（false）")],
    basis: Annotated[str, Form(max_length=200, description="授权依据，如授权书编号或日期")],
    file: Annotated[UploadFile, File(description="企业签章的书面授权书（PDF、JPG 或 PNG）")],
) -> dict[str, Any]:
    """A city admin records the enterprise's decision with its signed authorisation, which is
    stored with the change; audited with before and after."""
    limit = get_settings().max_upload_mb * 1024 * 1024
    content = await file.read(limit + 1)
    row = service.set_consent(
        session,
        principal,
        enterprise_id,
        consented,
        basis,
        document=content,
        document_name=file.filename or "",
    )
    return _consent_out(row)


@router.get(
    "/points/enterprises/{enterprise_id}/consent/document",
    summary="下载积分共享授权所依据的书面授权书",
    **download(PDF, "image/jpeg", "image/png"),
)
def consent_document(
    enterprise_id: Id, session: DbSession, principal: CurrentPrincipal
) -> Response:
    """The signed authorisation the consent in force rests on (the enterprise and the bureau)."""
    doc = service.consent_document(session, principal, enterprise_id)
    return file_response(doc.content, doc.filename)


def _consent_out(row: Any) -> dict[str, Any]:
    return {
        "enterprise_id": row.enterprise_id,
        "consented": row.consented,
        "basis": row.basis,
        "updated_by": row.updated_by,
        "document_name": row.document_name,
        "document_sha256": row.document_sha256,
    }


@router.put(
    "/points/enterprises/{enterprise_id}/flags",
    summary="登记积分加分标记（管理员）",
    response_model=FlagOut,
)
def flag(
    enterprise_id: Id, body: FlagRequest, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Record e.g. a valid 高新技术企业 certificate for a year; used by the next run."""
    row = service.set_flag(
        session, principal, enterprise_id, body.year, body.code, body.value, body.note
    )
    return {"enterprise_id": enterprise_id, "year": row.year, "code": row.code, "value": row.value}


@router.post(
    "/points/enterprises/{enterprise_id}/certificate",
    summary="出具积分证明（Word；PDF 需本机 LibreOffice）：记录在案，附验证码与二维码",
    **download(DOCX, PDF),
)
def certificate(
    enterprise_id: Id,
    session: DbSession,
    principal: CurrentPrincipal,
    format: str = Query("docx", pattern="^(docx|pdf)$"),
    run_id: IdQuery = None,
) -> Response:
    """Issue a one-page certificate of the latest year: recorded with a verification code (printed
    with its QR code; shown this once), superseding an earlier one of the same year."""
    content, name = verification.issue_document(session, principal, enterprise_id, format, run_id)
    return file_response(content, name)


@router.get(
    "/points/enterprises/{enterprise_id}/certificate",
    summary="出具积分证明（GET 形式，供已有链接与脚本使用；与 POST 相同，每次出具均记录在案）",
    **download(DOCX, PDF),
)
def certificate_get(
    enterprise_id: Id,
    session: DbSession,
    principal: CurrentPrincipal,
    format: str = Query("docx", pattern="^(docx|pdf)$"),
    run_id: IdQuery = None,
) -> Response:
    """The same issuing as the POST route, kept because earlier releases served the certificate
    by GET (bookmarks, scripts): each download is a new recorded certificate."""
    return certificate(enterprise_id, session, principal, format, run_id)


@router.get(
    "/points/enterprises/{enterprise_id}/certificates",
    summary="已出具的积分证明（状态：真实有效/已被新证明取代/已撤回）",
    response_model=list[CertificateOut],
)
def certificates(
    enterprise_id: Id, session: DbSession, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    """The enterprise's issued certificates, newest first (never their codes)."""
    return verification.list_certificates(session, principal, enterprise_id)


@router.post(
    "/points/certificates/{certificate_id}/withdraw",
    summary="撤回积分证明（市科技局；须说明原因）",
    response_model=CertificateOut,
)
def withdraw_certificate(
    certificate_id: Id, body: WithdrawRequest, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """The bureau withdraws a certificate; banks verifying it then see 已撤回 and the reason."""
    row = verification.withdraw(session, principal, certificate_id, body.reason)
    return verification.certificate_out(row)


@router.get(
    "/points/certificates/verify/{code}",
    summary="核验积分证明（公开，无需登录）",
    response_model=VerifyOut,
)
def verify_certificate(code: str, session: DbSession) -> dict[str, Any]:
    """Status, enterprise and year of a certificate; its figures only with the enterprise's
    consent; a wrong code answers 404 无此证明 and nothing else."""
    return verification.verify(session, code)
