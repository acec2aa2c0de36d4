"""API routes of the 重点攻关 portfolio: classification into the 指南 (run, list, confirm or
correct), the coverage map, funding by 领域 and year, and project outcomes. Included by
`api.py`'s router; the rules of who sees what are in `portfolio.py`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from kechuang.core.responses import ERROR_RESPONSES
from kechuang.core.web import CurrentPrincipal, DbSession, Id, IdQuery, YearItem, YearQuery
from kechuang.programs import portfolio

# no prefix of its own: api.py's router (prefix /api/v1) includes it
router = APIRouter(tags=["重点攻关项目"], responses=ERROR_RESPONSES)

Threshold = Query(
    portfolio.THRESHOLD_DEFAULT, ge=1, le=1000, description="立项项目数少于此值的方向标为薄弱"
)


class ConfirmIn(BaseModel):
    """The bureau's confirmed or corrected 指南方向."""

    direction: str = Field(min_length=1, max_length=40, description="方向或课题编码")
    note: str = Field("", max_length=500, description="更正理由")


class OutcomeIn(BaseModel):
    """One outcome of a funded project."""

    kind: str = Field(max_length=12, description="patent / standard / product / transfer / revenue")
    quantity: float = Field(gt=0, le=100_000_000, description="数量（件/项/个）或金额（万元）")
    unit: str = Field("", max_length=8, description="可空；填写时须与成果类型的单位一致")
    year: YearItem
    evidence: str = Field("", max_length=2000, description="佐证材料说明")


class ClassifyRunOut(BaseModel):
    """How many applications were classified and flagged, and what the model learned from."""

    classified: int
    flagged: int
    model: str


class RankedOut(BaseModel):
    """One candidate 方向 and its probability."""

    code: str
    name: str
    probability: float


class TermOut(BaseModel):
    """A term behind the decision and how much it pushed the chosen 方向 (above the average)."""

    term: str
    contribution: float


class ClassificationOut(BaseModel):
    """An application's predicted 方向 with confidence and explanation, and the confirmed one."""

    application_id: int
    code: str
    title: str
    unit_name: str
    declared_direction: str
    declared: str
    declared_name: str
    declared_probability: float
    predicted: str
    predicted_name: str
    predicted_domain: str
    predicted_domain_name: str
    confidence: float
    domain_confidence: float
    ranked: list[RankedOut]
    terms: list[TermOut]
    explanation: str
    disagreement: bool
    confirmed: str | None
    confirmed_name: str
    effective: str
    note: str
    model_note: str


class CoverageYearOut(BaseModel):
    """One year of a 方向 or 课题: applications, funded projects, funding (万元)."""

    year: int
    applications: int
    funded: int
    funding: float


class CoverageRowOut(BaseModel):
    """One 方向 (level 1) or 课题 (level 2) of the coverage map, with its flag (空白/薄弱/'')."""

    code: str
    name: str
    level: int
    domain: str
    domain_name: str
    section: str
    years: list[CoverageYearOut]
    applications: int
    funded: int
    funding: float
    flag: str


class CoverageOut(BaseModel):
    """The coverage map: years, the threshold and rule, and the rows."""

    years: list[int]
    threshold: int
    rule: str
    rows: list[CoverageRowOut]


class FundingYearOut(BaseModel):
    """One year of a 领域: funded projects and funding (万元)."""

    year: int
    funded: int
    funding: float


class FundingRowOut(BaseModel):
    """One 领域 with its years and totals."""

    domain: str
    name: str
    years: list[FundingYearOut]
    funded: int
    funding: float


class FundingOut(BaseModel):
    """Funding by 领域 and year."""

    years: list[int]
    unit: str
    rows: list[FundingRowOut]


class OutcomeOut(BaseModel):
    """An outcome with its project and the unit's enterprise-registry link."""

    id: int
    application_id: int
    application_code: str
    title: str
    kind: str
    kind_label: str
    quantity: float
    unit: str
    year: int
    evidence: str
    unit_name: str
    unit_uscc: str
    enterprise_id: int | None
    enterprise_name: str | None
    registry: str
    is_demo: bool


class OutcomeKindOut(BaseModel):
    """An outcome kind and its unit."""

    kind: str
    label: str
    unit: str


class OutcomeDomainOut(BaseModel):
    """Outcome totals of one 领域, one field per kind (in the kind's unit)."""

    domain: str
    name: str
    patent: float
    standard: float
    product: float
    transfer: float
    revenue: float


class OutcomeSummaryOut(BaseModel):
    """Outcomes by 领域 and kind, and how many came from registered enterprises."""

    kinds: list[OutcomeKindOut]
    rows: list[OutcomeDomainOut]
    outcomes: int
    from_registered_units: int


@router.post(
    "/programs/portfolio/classify",
    summary="按指南对申报进行自动分类（市科技局）",
    response_model=ClassifyRunOut,
)
def classify(
    session: DbSession,
    principal: CurrentPrincipal,
    call_id: IdQuery = None,
    only_new: bool = Query(False, description="只分类尚未分类的申报"),
) -> dict[str, Any]:
    """Train on the 指南 and the confirmed history, then classify; confirmations are kept."""
    return portfolio.classify_applications(session, principal, call_id, only_new)


@router.get(
    "/programs/portfolio/classifications",
    summary="指南分类结果（市科技局）",
    response_model=list[ClassificationOut],
)
def classifications(
    session: DbSession,
    principal: CurrentPrincipal,
    call_id: IdQuery = None,
    disagreement: bool = Query(False, description="只看疑似申报方向不符的"),
) -> list[dict[str, Any]]:
    """Classifications with their explanations."""
    return portfolio.list_classifications(session, principal, call_id, disagreement)


@router.get(
    "/programs/applications/{application_id}/classification",
    summary="一项申报的指南分类（市科技局）",
    response_model=ClassificationOut,
)
def classification(
    application_id: Id, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """One classification with its explanation."""
    return portfolio.get_classification(session, principal, application_id)


@router.post(
    "/programs/applications/{application_id}/classification",
    summary="确认或更正指南方向（市科技局；成为已标注历史）",
    response_model=ClassificationOut,
)
def confirm(
    application_id: Id, body: ConfirmIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Confirm or correct the 方向 (audited)."""
    return portfolio.confirm(session, principal, application_id, body.direction, body.note)


@router.get(
    "/programs/portfolio/coverage",
    summary="指南方向覆盖图（市科技局）",
    response_model=CoverageOut,
)
def coverage(
    session: DbSession,
    principal: CurrentPrincipal,
    year_from: YearQuery = None,
    year_to: YearQuery = None,
    threshold: int = Threshold,
) -> dict[str, Any]:
    """Applications, funded projects and funding per 方向/课题 and year, blank and thin flagged."""
    return portfolio.coverage(session, principal, year_from, year_to, threshold)


@router.get(
    "/programs/portfolio/funding",
    summary="分领域分年度立项经费（市科技局）",
    response_model=FundingOut,
)
def funding(
    session: DbSession,
    principal: CurrentPrincipal,
    year_from: YearQuery = None,
    year_to: YearQuery = None,
) -> dict[str, Any]:
    """Funded projects and funding (万元) per 领域 and year."""
    return portfolio.funding_by_domain(session, principal, year_from, year_to)


@router.get(
    "/programs/portfolio/outcomes",
    summary="分领域项目成果汇总（市科技局）",
    response_model=OutcomeSummaryOut,
)
def outcome_summary(
    session: DbSession,
    principal: CurrentPrincipal,
    year_from: YearQuery = None,
    year_to: YearQuery = None,
) -> dict[str, Any]:
    """Outcome totals per 领域 and kind."""
    return portfolio.outcomes_by_domain(session, principal, year_from, year_to)


@router.get(
    "/programs/outcomes",
    summary="项目成果（市科技局全部；申报单位本单位项目）",
    response_model=list[OutcomeOut],
)
def outcomes(
    session: DbSession, principal: CurrentPrincipal, application_id: IdQuery = None
) -> list[dict[str, Any]]:
    """Outcomes of the projects in scope, with the registry link."""
    return portfolio.list_outcomes(session, principal, application_id)


@router.post(
    "/programs/applications/{application_id}/outcomes",
    summary="登记项目成果（已立项项目；市科技局或本单位）",
    status_code=201,
    response_model=OutcomeOut,
)
def add_outcome(
    application_id: Id, body: OutcomeIn, session: DbSession, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Record an outcome of a funded project."""
    return portfolio.add_outcome(session, principal, application_id, body.model_dump())
