"""API routes for enterprise innovation points: runs, lists, cards, what-if, consent, certificates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, Field

from kechuang.core.methodology import registry
from kechuang.core.web import CityAdmin, CurrentPrincipal, DbSession
from kechuang.points import certificate as cert
from kechuang.points import methodology as meth
from kechuang.points import service

router = APIRouter(prefix="/api/v1", tags=["企业创新积分"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
T = TypeVar("T")


@contextmanager
def _errors() -> Iterator[None]:
    """Map points errors to HTTP: bad input 400, forbidden role 403 (scope errors are 404)."""
    try:
        yield
    except (service.PointsError, cert.CertificateError) as exc:
        raise HTTPException(400, str(exc)) from exc
    except service.PointsForbidden as exc:
        raise HTTPException(403, str(exc)) from exc


def _call(fn: Callable[..., T], *args: Any, **kw: Any) -> T:
    with _errors():
        return fn(*args, **kw)


def _file(content: bytes, filename: str, media: str) -> Response:
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


class RunRequest(BaseModel):
    """Which methodology to score with (default: the shipped default)."""

    methodology: str | None = Field(None, description="方法代码，如 torch_core、local_relative")


class WhatIfRequest(BaseModel):
    """Changes to try: amounts added to figures (万元/件/人), or flags set true/false."""

    changes: dict[str, float | bool] = Field(
        ..., description='如 {"rd_expense": 100, "ip_class1": 1}'
    )
    year: int | None = None
    run_id: int | None = None


class ConsentRequest(BaseModel):
    """Consent to share points with partner banks."""

    consented: bool
    basis: str = Field("", max_length=200, description="授权依据；企业用户本人操作时可留空")


class FlagRequest(BaseModel):
    """A yes/no input for an enterprise-year, e.g. hnte (高新技术企业，有效期内)."""

    year: int
    code: str
    value: bool = True
    note: str = ""


@router.get("/points/methodologies", summary="积分方法（指标、权重、来源与确认程度）")
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


@router.get("/points/runs", summary="积分计算记录")
def runs(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Every stored run (methodology version and input hash; no scores)."""
    _call(service.forbid_bank, principal)
    return service.list_runs(session)


@router.post("/points/runs", summary="计算全市创新积分（市科技局）", status_code=201)
def create_run(body: RunRequest, session: DbSession, principal: CityAdmin) -> dict[str, Any]:
    """Score every enterprise-year and store the run."""
    run = _call(service.create_run, session, principal, body.methodology)
    return service.run_summary(run)


@router.get("/points/top", summary="创新积分排行（全市/高新区/行业/阶段）")
def top(
    session: DbSession,
    principal: CurrentPrincipal,
    zone_id: int | None = None,
    industry: str | None = Query(None, description="GB/T 4754 代码前缀，如 C35"),
    stage: str | None = Query(None, description="startup、growth、mature"),
    year: int | None = None,
    run_id: int | None = None,
    n: int = Query(50, ge=1, le=1000),
) -> dict[str, Any]:
    """The best N enterprises the caller may see."""
    return _call(
        service.top_list,
        session,
        principal,
        service.ListFilter(zone_id, industry, stage),
        run_id,
        year,
        n,
    )


@router.get("/points/movers", summary="创新积分年度变化（上升/下降）")
def movers(
    session: DbSession,
    principal: CurrentPrincipal,
    year: int | None = None,
    run_id: int | None = None,
    n: int = Query(20, ge=1, le=500),
) -> dict[str, Any]:
    """Largest rises and falls against the previous year."""
    return _call(service.movers, session, principal, run_id, year, n)


@router.get("/points/bank-list", summary="积分贷银行名单（仅已授权共享的企业）")
def bank_list(
    session: DbSession,
    principal: CurrentPrincipal,
    year: int | None = None,
    run_id: int | None = None,
) -> dict[str, Any]:
    """Consented enterprises only; for bank_viewer and city admins."""
    return _call(service.bank_list, session, principal, run_id, year)


@router.get("/points/exports/{kind}", summary="导出名单（top、movers、bank）")
def export(
    kind: str,
    session: DbSession,
    principal: CurrentPrincipal,
    year: int | None = None,
    run_id: int | None = None,
    zone_id: int | None = None,
    industry: str | None = None,
    stage: str | None = None,
    n: int = Query(200, ge=1, le=1000),
) -> Response:
    """An Excel list; the export is audited."""
    kw: dict[str, Any] = {"run_id": run_id, "year": year}
    if kind == "top":
        kw |= {"flt": service.ListFilter(zone_id, industry, stage), "n": n}
    elif kind == "movers":
        kw |= {"n": n}
    content = _call(service.export_xlsx, session, principal, kind, **kw)
    names = {"top": "创新积分排行", "movers": "创新积分年度变化", "bank": "积分贷银行名单"}
    return _file(content, f"{names[kind]}.xlsx", XLSX)


@router.get("/points/enterprises/{enterprise_id}", summary="企业创新积分卡")
def card(
    enterprise_id: int, session: DbSession, principal: CurrentPrincipal, run_id: int | None = None
) -> dict[str, Any]:
    """Points explained: indicators, categories, ranks, trend, shortfalls, consent."""
    return _call(service.enterprise_card, session, principal, enterprise_id, run_id)


@router.post("/points/enterprises/{enterprise_id}/what-if", summary="积分模拟（假如……）")
def what_if(
    enterprise_id: int, body: WhatIfRequest, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """New points and ranks if figures changed, computed by a full rescore."""
    return _call(
        service.what_if_for, session, principal, enterprise_id, body.changes, body.year, body.run_id
    )


@router.put("/points/enterprises/{enterprise_id}/consent", summary="积分共享授权（向合作银行）")
def consent(
    enterprise_id: int, body: ConsentRequest, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Grant or withdraw consent; audited with before and after."""
    row = _call(service.set_consent, session, principal, enterprise_id, body.consented, body.basis)
    return {
        "enterprise_id": enterprise_id,
        "consented": row.consented,
        "basis": row.basis,
        "updated_by": row.updated_by,
    }


@router.put("/points/enterprises/{enterprise_id}/flags", summary="登记积分加分标记（管理员）")
def flag(
    enterprise_id: int, body: FlagRequest, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Record e.g. a valid 高新技术企业 certificate for a year; used by the next run."""
    row = _call(
        service.set_flag,
        session,
        principal,
        enterprise_id,
        body.year,
        body.code,
        body.value,
        body.note,
    )
    return {"enterprise_id": enterprise_id, "year": row.year, "code": row.code, "value": row.value}


@router.get(
    "/points/enterprises/{enterprise_id}/certificate",
    summary="积分证明（Word；PDF 需本机 LibreOffice）",
)
def certificate(
    enterprise_id: int,
    session: DbSession,
    principal: CurrentPrincipal,
    format: str = Query("docx", pattern="^(docx|pdf)$"),
    run_id: int | None = None,
) -> Response:
    """A one-page certificate of the latest year."""
    data = _call(service.enterprise_card, session, principal, enterprise_id, run_id)
    docx = _call(cert.certificate_docx, data)
    name = f"{data['name']}_创新积分证明"
    if format == "pdf":
        return _file(_call(cert.certificate_pdf, docx), f"{name}.pdf", "application/pdf")
    return _file(docx, f"{name}.docx", DOCX)
