"""Cockpit and report routes: GET /api/v1/plan/cockpit (the tiles' data) and
GET /api/v1/plan/report (the annual implementation report as Word, audited as an export)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from kechuang.core import audit
from kechuang.core.responses import DOCX, ERROR_RESPONSES, download, file_response
from kechuang.core.web import CurrentPrincipal, DbSession, YearQuery

router = APIRouter(prefix="/api/v1", tags=["规划管理"], responses=ERROR_RESPONSES)


class CockpitStat(BaseModel):
    """One headline figure of a tile."""

    label: str
    value: Any
    unit: str = ""


class CockpitTile(BaseModel):
    """A tile: its figures and rows, the page it links to, or the reason it is empty."""

    key: str
    title: str
    link: str | None = None  # None when the caller's role may not open the detail page
    message: str | None = None
    stats: list[CockpitStat]
    items: list[dict[str, Any]]


class Cockpit(BaseModel):
    """Every tile of the cockpit for a year, as the caller may see it."""

    year: int
    scope_note: str
    tiles: list[CockpitTile]


@router.get("/plan/cockpit", summary="领导驾驶舱：各板块数据", response_model=Cockpit)
def get_cockpit(
    session: DbSession, principal: CurrentPrincipal, year: YearQuery = None
) -> dict[str, Any]:
    """The cockpit's tiles (city admin: the city; zone admin: what her scope allows)."""
    from kechuang.plan.cockpit import cockpit, default_year

    return cockpit(session, principal, year or default_year(session))


@router.get(
    "/plan/report",
    summary="下载年度规划实施情况报告（Word）",
    **download(DOCX),
)
def get_report(session: DbSession, principal: CurrentPrincipal, year: YearQuery = None) -> Response:
    """The annual implementation report (with the 期末评估 once the period has ended)."""
    from kechuang.plan.cockpit import default_year
    from kechuang.plan.report import annual_report

    year = year or default_year(session)
    content = annual_report(session, principal, year)
    audit.record(session, "export", "plan_report", year, f"导出{year}年度规划实施情况报告（Word）")
    return file_response(content, f"{year}年度规划实施情况报告.docx")
