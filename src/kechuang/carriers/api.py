"""API routes of the carriers chain. Every route passes the principal to the services, which read
through `scope.py`: banks and other roles get 403, objects outside the scope 404. Records are
written by the imports (POST /api/v1/imports with the kinds this domain declares)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from kechuang.carriers import service
from kechuang.carriers.methodology import current_chain, item_dict
from kechuang.carriers.schemas import (
    AttributionOut,
    ChainCarrierOut,
    ChainMetricsOut,
    ContractOut,
    FlowOut,
    IncubationOut,
    MethodologyOut,
    RelocationOut,
    SummaryOut,
    TransferOut,
)
from kechuang.carriers.scope import require_domain_role
from kechuang.core.responses import ERROR_RESPONSES
from kechuang.core.web import CurrentPrincipal, DbSession, Id, IdQuery, YearQuery

router = APIRouter(prefix="/api/v1/chain", tags=["创新载体链条"], responses=ERROR_RESPONSES)


def _year(year: int | None) -> int:
    return year if year is not None else date.today().year - 1


@router.get(
    "/carriers",
    summary="创新载体（链条环节、级别、运营主体）",
    response_model=list[ChainCarrierOut],
)
def carriers(
    session: DbSession, principal: CurrentPrincipal, zone_id: IdQuery = None
) -> list[dict[str, Any]]:
    """Carriers in scope with their profile."""
    return service.list_carriers(session, principal, zone_id)


@router.get("/incubations", summary="在孵与毕业记录", response_model=list[IncubationOut])
def incubations(
    session: DbSession,
    principal: CurrentPrincipal,
    carrier_id: IdQuery = None,
    zone_id: IdQuery = None,
) -> list[dict[str, Any]]:
    """Incubation records in scope (an enterprise user: his own)."""
    return service.list_incubations(session, principal, carrier_id, zone_id)


@router.get("/incubations/{incubation_id}", summary="一条在孵记录", response_model=IncubationOut)
def incubation(
    session: DbSession, principal: CurrentPrincipal, incubation_id: Id
) -> dict[str, Any]:
    """One incubation record (404 outside scope)."""
    return service.get_incubation(session, principal, incubation_id)


@router.get("/relocations", summary="毕业企业落地产业园", response_model=list[RelocationOut])
def relocations(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Relocations of graduates in scope."""
    return service.list_relocations(session, principal)


@router.get(
    "/attributions", summary="飞地经济/异地孵化/结对共建归属", response_model=list[AttributionOut]
)
def attributions(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """Attribution records in scope."""
    return service.list_attributions(session, principal)


@router.get("/contracts", summary="技术合同登记", response_model=list[ContractOut])
def contracts(
    session: DbSession, principal: CurrentPrincipal, year: YearQuery = None
) -> list[dict[str, Any]]:
    """Technology contracts signed by enterprises in scope."""
    return service.list_contracts(session, principal, year)


@router.get(
    "/metrics", summary="链条指标（毕业、存活、增长、市内落地）", response_model=ChainMetricsOut
)
def metrics(
    session: DbSession, principal: CurrentPrincipal, year: YearQuery = None, zone_id: IdQuery = None
) -> dict[str, Any]:
    """Chain metrics per zone and carrier (default: last year)."""
    return service.chain_metrics(session, principal, _year(year), zone_id)


@router.get(
    "/transfer", summary="成果转移转化指标（技术合同输出与吸纳）", response_model=TransferOut
)
def transfer(
    session: DbSession, principal: CurrentPrincipal, year: YearQuery = None, zone_id: IdQuery = None
) -> dict[str, Any]:
    """Contracts sold and bought per zone (default: last year)."""
    return service.transfer_indicators(session, principal, _year(year), zone_id)


@router.get("/flow", summary="研究院→孵化器→产业园 流向", response_model=FlowOut)
def flow(
    session: DbSession, principal: CurrentPrincipal, zone_id: IdQuery = None
) -> dict[str, Any]:
    """Sankey nodes and links of the chain."""
    return service.chain_flow(session, principal, zone_id)


@router.get("/summary", summary="载体链条概况", response_model=SummaryOut)
def summary(
    session: DbSession, principal: CurrentPrincipal, year: YearQuery = None
) -> dict[str, Any]:
    """The chain at a glance (default: last year)."""
    return service.chain_summary(session, principal, _year(year))


@router.get("/methodology", summary="链条口径与毕业条件（暂行）", response_model=MethodologyOut)
def methodology(principal: CurrentPrincipal) -> dict[str, Any]:
    """Carrier kinds, levels, operator kinds, reasons, arrangements and graduation criteria."""
    require_domain_role(principal)
    c = current_chain()
    return {
        "code": c.code,
        "version": c.version,
        "name": c.name,
        **{
            k: [item_dict(i) for i in getattr(c, k)]
            for k in (
                "kinds",
                "levels",
                "operator_kinds",
                "end_reasons",
                "arrangements",
                "contract_kinds",
                "criteria_all",
                "criteria_any",
            )
        },
        "max_months": c.max_months,
        "attribution_rule": service.ATTRIBUTION_RULE,
    }
