"""Request bodies (bounded numbers and lengths; Chinese descriptions) and response models of the
重点攻关 API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kechuang.core.web import IdField, YearItem

Money = Field(ge=0, le=10_000_000, description="万元")


class CallIn(BaseModel):
    """A new call (申报批次)."""

    code: str = Field(min_length=1, max_length=40, description="批次编号")
    year: YearItem
    kind: str = Field(max_length=12, description="normal / jiebang / saima / directed")
    title: str = Field(min_length=1, max_length=200)
    directions: list[str] = Field(max_length=100, description="指南方向或课题编码")
    budget: float = Money
    eligibility: dict[str, Any] | None = Field(None, description="申报条件规则包（规则引擎格式）")
    opens_on: date | None = None
    closes_on: date | None = None
    per_application: int = Field(5, ge=1, le=15, description="每项申报的评审专家数")
    finance_required: bool = True
    awardees: int = Field(0, ge=0, le=10, description="赛马制并行支持数")
    challenge_id: IdField | None = None
    rationale: str | None = Field(None, max_length=5000, description="定向委托的论证意见")


class ChallengeIn(BaseModel):
    """A 揭榜挂帅 need (榜单)."""

    code: str = Field(min_length=1, max_length=40)
    year: YearItem
    owner_unit: str = Field(max_length=200)
    owner_uscc: str = Field("", max_length=18)
    title: str = Field(max_length=200)
    need: str = Field(max_length=5000)
    acceptance_criteria: str = Field(max_length=5000)
    direction: str = Field("", max_length=40)
    budget: float = Money


class ApplicationIn(BaseModel):
    """An application (申报书) to a call."""

    unit_name: str = Field(max_length=200)
    unit_uscc: str = Field(max_length=18, description="统一社会信用代码")
    leader_name: str = Field(max_length=50)
    leader_id_no: str = Field(max_length=30, description="项目负责人证件号")
    direction: str = Field(max_length=40)
    title: str = Field(max_length=200)
    keywords: list[str] = Field(default_factory=list, max_length=20)
    abstract: str = Field("", max_length=5000)
    budget: float = Money
    acceptance_criteria: str = Field("", max_length=5000)


class TransitionIn(BaseModel):
    """A lifecycle action and its reason."""

    action: str = Field(min_length=1, max_length=30)
    reason: str = Field("", max_length=500)


class GateIn(BaseModel):
    """A milestone gate result."""

    outcome: str = Field(max_length=12, description="continue / cut / merge / rectify")
    score: float | None = Field(None, ge=0, le=100)
    note: str = Field("", max_length=500)


class ExpertIn(BaseModel):
    """An expert for the bank."""

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=50)
    id_no: str = Field(min_length=1, max_length=30)
    unit_name: str = Field("", max_length=200)
    unit_uscc: str = Field("", max_length=18)
    title: str = Field("", max_length=50)
    fields: str = Field("", max_length=200)
    keywords: list[str] = Field(default_factory=list, max_length=30)
    finance: bool = False
    region_code: str = Field("", max_length=6)
    max_load: int = Field(10, ge=1, le=200)
    user_id: IdField | None = None


class RelationIn(BaseModel):
    """A relations register entry."""

    a: str = Field(min_length=1, max_length=30)
    a_kind: str = Field(max_length=8, description="person / unit")
    b: str = Field(min_length=1, max_length=30)
    b_kind: str = Field(max_length=8)
    relation: str = Field(max_length=16)
    start_year: YearItem | None = None
    end_year: YearItem | None = None


class RecuseIn(BaseModel):
    """A declared conflict."""

    reason: str = Field(min_length=1, max_length=500)


class ScoreIn(BaseModel):
    """An expert's score."""

    score: float = Field(ge=0, le=100)
    comment: str = Field("", max_length=5000)


class DecisionIn(BaseModel):
    """The administrative decision of a call."""

    funded: list[IdField] = Field(max_length=2000)
    budget: float = Money
    note: str = Field("", max_length=500)
    publicity_days: int = Field(7, ge=5, le=30)


class ObjectionIn(BaseModel):
    """An objection received during a 公示."""

    application_id: IdField | None = None
    raised_by: str = Field("", max_length=100)
    content: str = Field(min_length=1, max_length=5000)


class ObjectionHandleIn(BaseModel):
    """How the bureau handled an objection."""

    upheld: bool
    handling: str = Field(min_length=1, max_length=2000)


# ------------------------------------------------------------------ responses


class GuideNodeOut(BaseModel):
    """One node of the 指南 tree."""

    code: str
    name: str
    level: int = Field(description="层级：0 领域，1 方向，2 课题")
    parent: str | None = Field(description="上级节点编码")
    section: str = Field(description="对应的规划条目")
    keywords: list[str]


class GuideOut(BaseModel):
    """The 指南 taxonomy with its version and source."""

    version: str
    title: str
    source: str
    nodes: list[GuideNodeOut]


class MachineTransitionOut(BaseModel):
    """One legal move of a lifecycle."""

    model_config = ConfigDict(populate_by_name=True)

    action: str
    label: str
    from_: list[str] = Field(alias="from", description="可触发的起始状态")
    to: str = Field(description="目标状态")
    roles: list[str] = Field(description="可触发的角色")
    guards: list[str] = Field(description="前置条件")


class MachineOut(BaseModel):
    """One lifecycle (state machine)."""

    label: str
    source: str
    initial: str
    states: dict[str, str] = Field(description="状态编码 → 中文名称")
    deadlines: dict[str, int] = Field(description="状态编码 → 办理时限（天）")
    transitions: list[MachineTransitionOut]


class TrancheOut(BaseModel):
    """One funding instalment rule."""

    share: float = Field(description="占立项经费的比例")
    min_score: float | None = Field(description="拨付所需的上一阶段考核分")


class LifecyclesOut(BaseModel):
    """Every lifecycle by project type, and the tranche rules."""

    version: str
    machines: dict[str, MachineOut]
    tranches: dict[str, list[TrancheOut]]


class DirectionOut(BaseModel):
    """A 指南 direction or topic of a call."""

    code: str
    name: str = Field(description="指南路径名称")


class CallOut(BaseModel):
    """A call (申报批次)."""

    id: int
    code: str
    year: int
    kind: str
    kind_label: str
    title: str
    directions: list[DirectionOut]
    budget: float = Field(description="万元")
    opens_on: date | None
    closes_on: date | None
    per_application: int = Field(description="每项申报的评审专家数")
    finance_required: bool
    awardees: int = Field(description="赛马制并行支持数")
    challenge_id: int | None
    state: str
    has_eligibility: bool = Field(description="是否设有申报条件规则包")
    rationale: str = Field("", description="定向委托的论证意见")
    applications: int = Field(description="申报数")
    is_demo: bool


class ChallengeOut(BaseModel):
    """A 揭榜挂帅 challenge (榜单)."""

    id: int
    code: str
    year: int
    title: str
    owner_unit: str
    need: str
    acceptance_criteria: str
    direction: str
    budget: float = Field(description="万元")
    state: str
    state_label: str
    is_demo: bool


class ApplicationOut(BaseModel):
    """An application with its state, due date and overdue flag."""

    id: int
    code: str
    call_id: int
    call_kind: str
    unit_name: str
    unit_uscc: str
    leader_name: str
    direction: str
    direction_name: str
    title: str
    keywords: list[str]
    budget: float = Field(description="申请经费（万元）")
    granted: float = Field(description="立项经费（万元）")
    state: str
    state_label: str
    state_at: datetime = Field(description="进入当前状态的时间")
    due: datetime | None = Field(description="当前状态的办理期限")
    overdue: bool
    is_demo: bool


class ActionOut(BaseModel):
    """A lifecycle action the caller may take."""

    action: str
    label: str


class ApplicationDetailOut(ApplicationOut):
    """An application with the actions available to the caller."""

    actions: list[ActionOut]


class TransitionOut(BaseModel):
    """A recorded state change: who, from what to what, why and when."""

    id: int
    action: str
    from_state: str
    to_state: str
    username: str
    role: str
    reason: str
    at: datetime


class MilestoneOut(BaseModel):
    """A recorded milestone gate."""

    application_id: int
    seq: int
    outcome: str
    score: float | None


class ExpertOut(BaseModel):
    """An expert of the bank (without his id number)."""

    id: int
    code: str
    name: str
    unit_name: str
    unit_uscc: str
    title: str
    fields: str
    keywords: list[str]
    finance: bool = Field(description="是否财务专家")
    region_code: str
    max_load: int = Field(description="最多评审数")
    is_demo: bool


class RelationOut(BaseModel):
    """A relations register entry."""

    id: int
    a: str
    a_kind: str
    b: str
    b_kind: str
    relation: str
    start_year: int | None
    end_year: int | None = Field(description="空：关系仍存续")


class AssignmentOut(BaseModel):
    """A review assignment."""

    id: int
    application_id: int
    application_code: str
    title: str
    expert_id: int
    affinity: float = Field(description="匹配度")
    reason: str
    state: str
    recusal_reason: str


class StaffingOut(BaseModel):
    """What an assignment run did."""

    assigned: int = Field(description="新分配的评审任务数")
    infeasible: list[str] = Field(description="无法配齐专家的说明")


class RecusalOut(BaseModel):
    """A recusal and the replacement drawn."""

    recused: int = Field(description="已回避的评审任务编号")
    replacement: StaffingOut


class ScoreOut(BaseModel):
    """A submitted score."""

    assignment_id: int
    score: float


class CallRankingRow(BaseModel):
    """One application in the ranking, with its interval and funding flag."""

    application_id: int
    code: str
    title: str
    unit_name: str
    budget: float = Field(description="申请经费（万元）")
    state: str
    n_reviewers: int
    raw_mean: float = Field(description="原始均分")
    corrected: float = Field(description="校正后得分")
    lower: float
    upper: float
    interval: list[float] = Field(description="90% 区间（下限, 上限）")
    rank: int
    rank_lower: int
    rank_upper: int
    rank_band: str = Field(description="名次区间，如“2–4”")
    funded: bool = Field(description="在资助线内")
    uncertain: bool = Field(description="区间跨越资助线，需复议")


class CallRankingOut(BaseModel):
    """The ranking of a call and its funding line at a budget."""

    call_id: int
    budget: float = Field(description="预算（万元）")
    line_score: float | None = Field(description="资助线分数")
    rows: list[CallRankingRow]
    spent: float = Field(description="资助线内经费合计（万元）")


class PublicityProjectOut(BaseModel):
    """A project listed in a 公示."""

    code: str
    title: str
    unit_name: str
    leader_name: str
    direction_name: str
    granted: float = Field(description="立项经费（万元）")


class PublicityObjectionOut(BaseModel):
    """An objection as published (without who raised it)."""

    id: int
    application_code: str
    received_on: date
    state: str
    handling: str


class PublicityOut(BaseModel):
    """A 公示: period, status, projects and objection records."""

    id: int
    title: str
    starts_on: date
    ends_on: date
    status: str = Field(description="公示中、已结束或未开始")
    projects: list[PublicityProjectOut]
    objections: list[PublicityObjectionOut]
    is_demo: bool


class ObjectionStateOut(BaseModel):
    """An objection's id and state."""

    id: int
    state: str
