"""Request and response models of the 科技特派员 API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kechuang.core.web import IdField, YearItem

RegionCode = Field(pattern=r"^\d{6}(\d{3})?$", description="GB/T 2260 代码：6 位区县或 9 位乡镇")
CountyCode = Field(pattern=r"^\d{6}$", description="GB/T 2260 区县代码（6 位）")


class MemberIn(BaseModel):
    """A team member or a legal person's staff member."""

    name: str = Field(min_length=1, max_length=100)
    unit: str = Field("", max_length=100)
    title: str = Field("", max_length=50)
    title_level: str = Field("其他", max_length=8)
    region_code: str = Field("", max_length=6)
    is_leader: bool = False


class CommissionerIn(BaseModel):
    """A commissioner to register (个人/团队/法人)."""

    kind: Literal["individual", "team", "legal_person"]
    name: str = Field(min_length=1, max_length=100)
    unit: str = Field("", max_length=100)
    title: str = Field("", max_length=50)
    title_level: str = Field("其他", max_length=8)
    expertise: str = Field("", max_length=4000)
    strengths: str = Field("", max_length=4000)
    industries: list[str] = Field(default_factory=list, max_length=20)
    problem_types: list[str] = Field(default_factory=list, max_length=20)
    region_code: str = CountyCode
    service_areas: list[str] = Field(default_factory=list, max_length=20)
    batch_year: YearItem
    max_load: int = Field(5, ge=1, le=50)
    members: list[MemberIn] = Field(default_factory=list, max_length=200)


class MemberOut(BaseModel):
    """A member as shown."""

    name: str
    unit: str
    title: str
    title_level: str
    is_leader: bool


class CommissionerOut(BaseModel):
    """A commissioner."""

    id: int
    kind: str
    kind_label: str
    name: str
    unit: str
    title: str
    title_level: str
    expertise: str
    strengths: str
    industries: list[str]
    problem_types: list[str]
    region_code: str
    service_areas: list[str]
    batch_year: int
    status: str
    max_load: int
    members: list[MemberOut]


class DemandIn(BaseModel):
    """A demand to post."""

    title: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=5, max_length=4000)
    industries: list[str] = Field(default_factory=list, max_length=10)
    problem_type: str = Field("", max_length=30)
    region_code: str = RegionCode
    recipient_name: str = Field("", max_length=100)
    recipient_kind: str = Field(
        max_length=8, description="农户、合作社、家庭农场、农业企业、村集体"
    )
    contact: str = Field("", max_length=30)
    urgency: Literal["normal", "urgent"] = "normal"
    owner_user_id: IdField | None = Field(None, description="管理员代发时，服务对象的账号")
    year: YearItem | None = None


class DemandOut(BaseModel):
    """A demand."""

    id: int
    title: str
    text: str
    industries: list[str]
    problem_type: str
    region_code: str
    county_code: str
    county_name: str
    urgency: str
    status: str
    recipient_name: str
    recipient_kind: str
    year: int
    photo_ids: list[int]


class SuggestionOut(BaseModel):
    """A suggested commissioner with the score's components and reasons."""

    id: int
    demand_id: int
    commissioner_id: int
    commissioner_name: str
    mode: str
    rank: int
    score: float
    components: dict[str, float]
    reasons: list[str]
    status: str


class BatchIn(BaseModel):
    """A batch suggestion run over the open demands in scope."""

    mode: Literal["total", "fair"] = "total"
    year: YearItem | None = None
    county: str | None = Field(None, pattern=r"^\d{6}$")


class BatchOut(BaseModel):
    """What a batch suggestion run did."""

    demands: int
    assigned: int
    total: float
    min_demand_affinity: float | None


class ConfirmIn(BaseModel):
    """Confirming a suggestion, optionally with the agreement's text."""

    content: str = Field("", max_length=2000)


class AgreementIn(BaseModel):
    """An agreement drafted by hand for a demand with a chosen commissioner."""

    demand_id: IdField
    commissioner_id: IdField
    content: str = Field("", max_length=2000)


class AgreementOut(BaseModel):
    """A three-party agreement and each side's approval."""

    id: int
    demand_id: int
    demand_title: str
    recipient_name: str
    commissioner_id: int
    commissioner_name: str
    county_code: str
    content: str
    status: str
    commissioner_approved_at: datetime | None
    recipient_approved_at: datetime | None
    county_approved_at: datetime | None
    starts_on: date | None
    ends_on: date | None


class LogIn(BaseModel):
    """A service visit to log."""

    served_on: date
    days: float = Field(gt=0, le=31, multiple_of=0.5, description="在岗天数，0.5 天为单位")
    content: str = Field(min_length=5, max_length=4000)
    trainees: int = Field(0, ge=0, le=100_000)
    new_varieties: int = Field(0, ge=0, le=1000)
    new_techniques: int = Field(0, ge=0, le=1000)
    new_equipment: int = Field(0, ge=0, le=1000)
    income_wan: float = Field(0, ge=0, le=1_000_000, description="带动增收（万元）")


class LogOut(BaseModel):
    """A service log."""

    id: int
    agreement_id: int
    commissioner_id: int
    served_on: date
    days: float
    content: str
    trainees: int
    new_varieties: int
    new_techniques: int
    new_equipment: int
    income_wan: float
    status: str
    objection: str
    photo_ids: list[int]


class LogConfirmIn(BaseModel):
    """The served party's confirmation or objection."""

    accept: bool = True
    objection: str = Field("", max_length=300)


class RatingIn(BaseModel):
    """A rating of the service, 1–5."""

    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=500)


class RatingOut(BaseModel):
    """A rating."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    agreement_id: int
    commissioner_id: int
    score: int
    comment: str
    year: int


class PhotoOut(BaseModel):
    """A stored photo."""

    id: int
    filename: str
    media_type: str
    size: int


class AssessmentRunIn(BaseModel):
    """Run the year's assessment."""

    year: YearItem


class AssessmentRunOut(BaseModel):
    """A stored assessment run."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    year: int
    scheme: str
    scheme_sha256: str
    input_sha256: str


class AssessmentRowOut(BaseModel):
    """One row of the assessment table."""

    commissioner_id: int
    name: str
    kind: str
    unit: str
    region_code: str
    days: float
    visits: float
    income_wan: float
    trainees: float
    introductions: float
    rating: float | None = None  # None: no rating that year (shown as —)
    service: float = 0
    outcome: float = 0
    satisfaction: float = 0
    total: float
    rank: int
    grade: str
    note: str


class BreakdownRow(BaseModel):
    """One row of a dashboard breakdown."""

    key: str
    label: str
    demands: int
    open: int
    served: int
    days: float
    income_wan: float
    visits: int
    ratings: int
    satisfaction: float | None


class DashboardOut(BaseModel):
    """The dashboard: totals and breakdowns by county, industry and commissioner type."""

    year: int | None
    total: BreakdownRow
    by: dict[str, list[BreakdownRow]]
