"""Request bodies (bounded numbers and lengths; Chinese descriptions) and response models of the
plan API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from kechuang.core.web import IdField, YearItem


class PlanLoadIn(BaseModel):
    """A plan file's text (YAML) to load as a period or a new version of one."""

    filename: str = Field("规划.yaml", max_length=200)
    text: str = Field(min_length=1, max_length=2_000_000, description="规划文件内容（YAML）")


class PlanLoadOut(BaseModel):
    """What a load added and updated."""

    period_id: int
    code: str
    unchanged: bool
    sections: int
    actions: int
    targets: int
    updated: int
    links: int


class PeriodOut(BaseModel):
    """A loaded plan period."""

    id: int
    code: str
    name: str
    start_year: int
    end_year: int
    version: str
    confirmation: str
    loaded_at: datetime
    is_demo: bool


class TargetStatusOut(BaseModel):
    """A target's status as of a year (see kechuang.plan.status.TargetStatus)."""

    target_id: int | None
    period_code: str
    section: str
    section_title: str
    chapter: str
    code: str
    title: str
    kind: str
    unit: str
    baseline_year: int | None
    baseline_value: float | None
    baseline_entered: bool
    target_year: int | None
    target_value: float | None
    target_entered: bool
    value: float | None
    value_year: int | None
    value_entered: bool
    forecast: float | None
    forecast_low: float | None
    forecast_high: float | None
    status: str
    status_label: str
    detail_url: str
    quote: str
    evidence: list[str]
    note: str
    source: dict[str, Any]
    series: dict[int, float]
    carried_from: list[str]


class EntryIn(BaseModel):
    """A figure the bureau enters: baseline, target value or a year's actual."""

    kind: str = Field(
        pattern="^(baseline|target|actual)$", description="baseline / target / actual"
    )
    value: float = Field(ge=0, le=1e12)
    year: YearItem | None = None
    note: str = Field("", max_length=2000, description="来源或说明")


class EntryOut(BaseModel):
    """An entered figure (history kept)."""

    id: int
    target_id: int
    kind: str
    year: int | None
    value: float
    note: str
    user_id: int | None
    created_at: datetime


class EventIn(BaseModel):
    """A milestone's state on a date with its evidence."""

    state: str = Field(pattern="^(not_started|in_progress|achieved|failed)$")
    on_date: date
    evidence: str = Field(min_length=1, max_length=4000)


class EventOut(BaseModel):
    """A recorded milestone event."""

    id: int
    target_id: int
    state: str
    on_date: date
    evidence: str
    created_at: datetime


class LinkIn(BaseModel):
    """A carry-over: the later period's target continues the earlier one's."""

    from_target_id: IdField
    to_target_id: IdField
    note: str = Field("", max_length=2000)


class LinkOut(BaseModel):
    """A recorded carry-over."""

    id: int
    from_target_id: int
    to_target_id: int
    note: str


class TaskMilestone(BaseModel):
    """A task's milestone."""

    title: str = Field(min_length=1, max_length=200)
    due_on: date
    done_on: date | None = None


class TaskIn(BaseModel):
    """A new task under an action."""

    action_id: IdField
    code: str = Field("", max_length=60)
    title: str = Field(min_length=1, max_length=200)
    lead_unit: str = Field(min_length=1, max_length=200, description="牵头单位")
    units: list[str] = Field(default_factory=list, max_length=30, description="责任单位")
    starts_on: date | None = None
    due_on: date
    milestones: list[TaskMilestone] = Field(default_factory=list, max_length=30)


class TaskStateIn(BaseModel):
    """A task's new state."""

    state: str = Field(pattern="^(planned|in_progress|done|suspended)$")


class TaskOut(BaseModel):
    """A task with its units."""

    id: int
    code: str
    action_id: int
    title: str
    starts_on: date | None
    due_on: date
    state: str
    units: list[dict[str, Any]]
    milestones: list[dict[str, Any]]


class TaskRowOut(BaseModel):
    """A task as of a year with its flags and latest progress (kechuang.plan.status.TaskRow)."""

    task_id: int | None
    code: str
    section: str
    action: str
    title: str
    lead_unit: str
    units: list[str]
    starts_on: date | None
    due_on: date
    state: str
    state_label: str
    overdue: bool
    at_risk: bool
    percent: int | None
    latest_quarter: str
    latest_state: str
    latest_progress: str
    problems: str
    next_steps: str
    milestones: list[dict[str, Any]]
    own: bool


class ReportIn(BaseModel):
    """A quarterly progress report."""

    unit_id: IdField | None = Field(None, description="报送单位（缺省：本账号负责的单位）")
    year: YearItem
    quarter: int = Field(ge=1, le=4)
    text: str = Field(min_length=1, max_length=8000, description="进展情况")
    figures: dict[str, float] = Field(default_factory=dict, max_length=50)
    percent: int | None = Field(None, ge=0, le=100)
    problems: str = Field("", max_length=4000)
    next_steps: str = Field("", max_length=4000)


class ReviewIn(BaseModel):
    """The bureau's review of a report."""

    approve: bool
    note: str = Field("", max_length=2000)


class ReportOut(BaseModel):
    """A progress report with its attachments."""

    id: int
    task_id: int
    unit_id: int
    unit: str
    year: int
    quarter: int
    text: str
    figures: dict[str, float]
    percent: int | None
    problems: str
    next_steps: str
    state: str
    review_note: str
    reported_at: datetime
    attachments: list[dict[str, Any]]


class AttachmentOut(BaseModel):
    """An attached file's facts."""

    id: int
    report_id: int
    filename: str
    media_type: str
    size: int
    sha256: str
