"""Request and response models of the 梯度培育 API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from kechuang.core.responses import SourceEntryOut
from kechuang.core.web import YearItem
from kechuang.statistics.schemas import CellErrorOut

Number = int | float  # values read from the rule packs and target files keep their YAML type


class SelfAssessment(BaseModel):
    """Figures typed in for a self-assessment (several years where growth needs them)."""

    year: YearItem = Field(description="评价年度（最近一个会计年度）")
    figures: dict[YearItem, dict[str, float | bool | None]] = Field(
        description="按年度的统计数据，字段同企业年度统计模板（如 operating_revenue）"
    )
    founded_on: date | None = None
    hnte_applied_on: date | None = Field(
        None,
        description="高企认定申请日期（未填时，成立未满一年的企业“注册成立一年以上”为数据缺失）",
    )
    tech_field: str | None = None
    industry_code: str | None = None
    facts: dict[str, bool | float | None] = Field(
        default_factory=dict, description="资质事实，如 q_hnte_valid"
    )


class NotEvaluated(BaseModel):
    """A condition of a pack the platform cannot evaluate from data (checked by people)."""

    label: str
    source: str
    source_code: str | None = Field(description="出处在来源登记中的代码")
    confirmation: str = Field(
        description="confirmed / single_source / unconfirmed / reconstructed / provisional"
    )
    confirmation_label: str


class PackSummary(BaseModel):
    """A rule pack's identity, confirmation status and citations."""

    code: str
    family: str = Field(description="梯度类型，如 hnte、tech_sme")
    name: str
    version: str
    rung: int
    rung_label: str
    effective_from: str
    effective_to: str | None
    confirmation: str
    confirmation_label: str
    documents: dict[str, str] = Field(description="文件代码 → 文件名称")
    readings: list[str] = Field(description="对原文的解读说明")
    not_evaluated: list[NotEvaluated]
    retrospective: bool = Field(description="该规则包在评价年度尚未施行（追溯评估）")


class PackCondition(BaseModel):
    """A leaf condition of a pack, with its citation."""

    code: str
    label: str
    kind: str
    source: str
    confirmed: bool
    source_code: str | None = Field(description="出处在来源登记中的代码")
    confirmation: str = Field(
        description="confirmed / single_source / unconfirmed / reconstructed / provisional"
    )
    confirmation_label: str
    pack_confirmation: str | None = Field(None, description="整个规则包的确认程度")
    inferred: bool = Field(False, description="该条件的读法为推断")
    inferred_reading: str = ""
    source_full: str | None = Field(None, description="出处全文：标题、文号、发文机关、条款")
    sources: list[CitedSource] = Field(default_factory=list)


class PackScore(BaseModel):
    """A scored item of a pack (评分项) with its maximum."""

    code: str
    label: str
    max: Number
    source: str
    confirmed: bool
    source_code: str | None = Field(description="出处在来源登记中的代码")
    confirmation: str = Field(
        description="confirmed / single_source / unconfirmed / reconstructed / provisional"
    )
    confirmation_label: str


class PackOut(PackSummary):
    """A shipped rule pack with its conditions, scored items and the registry facts it cites."""

    conditions: list[PackCondition]
    scores: list[PackScore]
    confirmation_note: str = Field(description="整个规则包的确认程度说明")
    sources: list[SourceEntryOut]


class CitedSource(BaseModel):
    """A source an item cites, in full: registry entry, issuer, 文号 and article."""

    code: str
    title: str
    citation: str = Field(description="《标题》（文号）")
    issuer: str | None
    number: str | None = Field(description="文号")
    article: str
    confirmation: str
    confirmation_label: str
    text: str
    full_text: str = Field(description="标题、文号、发文机关与条款")


class ScoreItem(BaseModel):
    """A scored item's points range for an enterprise (lo–hi while facts are unknown)."""

    code: str
    label: str
    group: str
    max: Number
    lo: float | None
    hi: float | None
    confirmed: bool
    source: str
    source_full: str | None = None
    confirmation: str | None = None
    confirmation_label: str | None = None


class ConditionResult(BaseModel):
    """One condition evaluated: value, threshold, verdict and the gap to meet it."""

    condition: str
    label: str
    kind: str
    depth: int
    parent: str | None
    measure: str | None
    unit: str | None
    value: float | None
    value_text: str | None
    threshold: float | None
    threshold_text: str | None
    tier: str | None
    verdict: str
    gap: float | None
    gap_unit: str | None
    gap_text: str | None
    source: str | None
    confirmed: bool | None = Field(
        description="条款本身与整个规则包均为“已确认”（单一来源不算已确认）"
    )
    verdict_label: str
    confirmation: str | None = Field(None, description="该条件出处的确认程度")
    confirmation_label: str | None = None
    pack_confirmation: str | None = Field(
        None, description="整个规则包的确认程度：confirmed / single_source / unconfirmed …"
    )
    inferred: bool = Field(False, description="该条件的读法为推断")
    inferred_reading: str = Field("", description="推断读法的说明")
    retrospective: bool = Field(False, description="规则包在评价年度尚未施行（回溯评估）")
    source_full: str | None = Field(None, description="出处全文：标题、文号、发文机关、条款")
    sources: list[CitedSource] = Field(default_factory=list)
    missing_fields: list[str] = Field(
        default_factory=list, description="结论为数据缺失时，未填写的输入项"
    )


class PackResult(PackSummary):
    """A pack's verdict for an enterprise: status, score range, items and conditions."""

    status: str
    status_label: str
    score_lo: float | None
    score_hi: float | None
    items: list[ScoreItem]
    conditions: list[ConditionResult]
    missing_fields: list[str] = Field(
        default_factory=list,
        description="结论未定（数据缺失或需人工评审）时，补填后可能改变结论的输入项",
    )


class EnterpriseAssessment(BaseModel):
    """One enterprise's verdicts; without figures only `message` says why there are none."""

    enterprise_id: int
    name: str
    uscc: str | None = None
    year: int | None
    years: list[int] | None = None
    rung: int | None = None
    rung_label: str | None = None
    rung_eval: int | None = Field(None, description="按数据评估的梯度（不计资质）")
    next_distance: float | None = Field(None, description="距下一梯度的差距指数")
    packs: list[PackResult]
    message: str | None = Field(None, description="无法评估时的说明")


class CandidateGap(BaseModel):
    """One closable gap of a candidate, in its own unit."""

    condition: str
    label: str
    gap: float
    unit: str
    relative: float = Field(description="相对差距（0–1）")
    text: str


class Candidate(BaseModel):
    """An enterprise not yet meeting a rung, with its gaps."""

    enterprise_id: int
    uscc: str
    name: str
    zone: str
    rung: int
    status: str
    status_label: str
    distance: float = Field(description="差距指数：越小越接近")
    gaps: list[str]
    rung_label: str = Field("", description="当前梯度")
    target_family: str = Field("", description="目标梯度类型（family=next 时为各企业最近的梯度）")
    target_rung: int = 0
    target_label: str = Field("", description="目标梯度名称")
    top_gaps: list[str] = Field(
        default_factory=list, description="最易弥补的 2–3 项差距，按相对差距从小到大，带单位"
    )
    gap_items: list[CandidateGap] = Field(default_factory=list)
    url: str = Field("", description="企业页面路径")


class SnapshotOut(BaseModel):
    """A stored tier evaluation snapshot (counts only for a principal who sees the whole city)."""

    id: int
    years: list[int]
    packs: dict[str, list[dict[str, str]]] = Field(description="年度 → 规则包代码、梯度与版本")
    input_hash: str
    created_by: str
    created_at: datetime
    enterprises: int | None = None
    rows: int | None = None
    counts: dict[str, dict[str, int]] | None = None


class SnapshotCreate(BaseModel):
    """The years to evaluate and store."""

    years: list[YearItem] = Field(min_length=1, max_length=20, description="评价年度")


class DataSource(BaseModel):
    """Where a page's verdicts came from: a fresh snapshot or computed now (and why)."""

    kind: str = Field(description="snapshot（读自快照）或 live（实时计算）")
    state: str = Field(description="fresh / stale（快照已过期）/ none（尚无快照）")
    reason: str = ""
    snapshot: SnapshotOut | None = None


class CandidateList(BaseModel):
    """The 后备库 of a rung."""

    pack: PackSummary
    year: int
    total_not_met: int
    rows: list[Candidate]
    source: DataSource | None = None


class PipelineCount(BaseModel, extra="allow"):
    """Enterprises per rung family in a zone and year: `<family>` met, `<family>__review` to check;
    for `hnte` the count is the register's certificate holders and `hnte__eligible` those meeting
    the conditions without a certificate."""

    __pydantic_extra__: dict[str, int]

    year: int
    zone_id: int | None
    zone: str


class RungCount(BaseModel):
    """Enterprises on a rung in a year."""

    year: int
    rung: int
    len: int


class Flow(BaseModel):
    """Enterprises moving between rungs from one year to the next (-1: not in the panel)."""

    from_year: int
    to_year: int
    from_: int = Field(alias="from")
    to: int
    count: int
    kind: str = Field(description="entry / exit / stay")


class TargetProgress(BaseModel):
    """A ladder target with the current count."""

    code: str
    label: str
    target: Number
    current: int
    review: int
    ratio: float | None
    eligible: int | None = Field(
        None, description="高新技术企业: enterprises meeting the conditions without a certificate"
    )


class TargetNotTracked(BaseModel):
    """A target the platform does not track, and why."""

    label: str
    value: Number
    reason: str


class LadderTargets(BaseModel):
    """The city's ladder targets (draft status shown as data)."""

    name: str
    status: str
    status_label: str
    year: int
    source: str
    progress: list[TargetProgress]
    not_tracked: list[TargetNotTracked]


class FunnelStage(BaseModel):
    """A rung of the latest year's funnel: enterprises on it or above; on the HNTE rung, how many
    hold a certificate (the same count as the card and the zone evaluation)."""

    rung: int
    name: str
    value: int
    holders: int | None = None


class CertificateYear(BaseModel):
    """高新技术企业 certificates in a year: valid, expiring, renewed, lapsed."""

    year: int
    valid: int
    expiring: int
    renewed: int
    lapsed: int


class Pipeline(BaseModel):
    """The cultivation board: counts per rung, zone and year; flows; targets; renewals."""

    years: list[int]
    counts: list[PipelineCount]
    rung_counts: list[RungCount]
    rung_labels: dict[int, str]
    flows: list[Flow]
    targets: LadderTargets
    families: dict[str, str]
    funnel: list[FunnelStage]
    certificates: list[CertificateYear]
    hnte_rule: str = Field(description="how the 高新技术企业 count is made, the same on every page")
    scope_note: str
    source: DataSource | None = None


class SelfAssessmentResult(BaseModel):
    """Verdicts for typed-in figures; nothing was stored."""

    year: int
    rung: int
    rung_label: str
    packs: list[PackResult]
    stored: bool


class QualificationOut(BaseModel):
    """A qualification of an enterprise (certificate, title, award …)."""

    id: int
    kind: str
    kind_label: str
    level: str | None
    obtained_on: str | None
    expires_on: str | None
    value: float | None
    reference: str | None
    note: str | None


class QualImportReportOut(BaseModel):
    """The outcome of an accepted qualifications import or dry run."""

    filename: str
    dry_run: bool
    ok: bool
    rows_total: int
    created: int
    updated: int
    message: str
    errors: list[CellErrorOut]
