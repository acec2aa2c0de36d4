"""Request and response models of the zone-evaluation API (对标找差、争先进位、目标、一区一战略).

Results are also stored with runs as JSON; the models accept what earlier runs stored (fields that
a run may lack have defaults) and routes answer with exactly the keys they have.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kechuang.core.responses import SourceEntryOut
from kechuang.core.web import YearItem

Number = int | float  # figures typed in framework and target files keep their YAML type


class RunIn(BaseModel):
    """Parameters of an evaluation run."""

    year: YearItem = Field(description="评价年度")
    framework: str | None = Field(None, description="框架代码，默认 national_2021")
    peer_set: str | None = Field(None, description="对标组代码，默认 city（本市高新区）")
    options: dict[str, Any] | None = Field(
        None, description="normalise / window / treat / uncertainty_runs …"
    )
    note: str = ""


# ------------------------------------------------------------------ frameworks and peer sets


class DimensionOut(BaseModel):
    """A primary dimension (一级指标) and its weight."""

    code: str
    name: str
    weight: float
    status: str


class FrameworkRow(BaseModel):
    """A framework row with its confirmation status and data source."""

    dimension: str
    dimension_name: str
    dimension_weight: float
    dimension_status: str
    row: str
    name: str
    weight: float = Field(description="赋权")
    weight_status: str
    status: str = Field(description="confirmed（已确认）/ reconstructed（重构）")
    status_label: str
    source: str
    source_code: str | None = Field(description="出处在来源登记中的代码")
    dimension_source: str | None = Field(description="所属维度的出处")
    indicator: str
    indicator_name: str
    data_source: str
    unit: str
    direction: int | None = Field(description="1：越大越好；-1：越小越好")
    note: str


class FrameworkBrief(BaseModel):
    """An evaluation framework's metadata and dimensions."""

    code: str
    name: str
    version: str
    document: str
    source: str
    method_note: str
    publish: list[str] = Field(description="向高新区管理员公开的字段")
    origin: str = Field(description="shipped（平台内置）/ bureau（市科技局自定义）")
    hash: str
    dimensions: list[DimensionOut]


class FrameworkOut(FrameworkBrief):
    """A framework with every row."""

    rows: list[FrameworkRow]
    sources: list[SourceEntryOut]


class PeerSetOut(BaseModel):
    """A peer set (对标组) with its members' names."""

    code: str
    name: str
    kind: str
    kind_label: str
    description: str
    is_demo: bool
    members: list[str]


# ------------------------------------------------------------------ ranking


class EvaluationOptions(BaseModel):
    """The options an evaluation ran with."""

    model_config = ConfigDict(extra="allow")

    normalise: str | None = None
    window: str | None = None
    treat: bool | None = None
    reference: str | None = None
    uncertainty_runs: int | None = None
    weight_noise: Number | None = None
    vary_normalisation: bool | None = None
    seed: int | None = None


class UnitOut(BaseModel):
    """A compared unit: a city zone (z<id>) or a peer zone outside the city (p<id>)."""

    unit: str
    name: str
    is_city: bool
    zone_id: int | None = None
    peer_zone_id: int | None = None


class DimensionScore(BaseModel):
    """A unit's score and rank on one dimension (empty where not published)."""

    score: float | None
    rank: int | None


class RankBand(BaseModel):
    """The rank's uncertainty band (5%, median, 95%)."""

    q05: float | None
    median: float | None
    q95: float | None


class RankingRow(BaseModel):
    """A unit in the ranking; for a zone admin other zones show published fields only (hidden)."""

    unit: str
    name: str
    is_city: bool
    zone_id: int | None = None
    score: float | None = None
    rank: int | None = None
    relative: float | None = Field(None, description="相对得分（对标组平均 = 100）")
    group: str | None = None
    group_label: str | None = None
    dimensions: dict[str, DimensionScore] = Field(
        default_factory=dict, description="维度代码 → 得分与名次"
    )
    band: RankBand | None = None
    previous_rank: int | None = None
    movement: int | None = Field(None, description="进位（正数为名次上升）")
    hidden: bool | None = Field(None, description="仅公开字段（其他高新区）")


class IndicatorValue(BaseModel):
    """An indicator's raw and normalised value and rank for a unit."""

    unit: str
    indicator: str
    name: str
    unit_label: str
    raw: float | None
    normalised: float | None
    rank: int | None


class RankingSource(BaseModel):
    """Where the ranking comes from: a stored run, or a fresh evaluation (run_id empty)."""

    run_id: int | None
    input_hash: str
    created_at: str | None = None
    username: str | None = None
    note: str | None = None


class Ranking(BaseModel):
    """The ranking as the caller may see it."""

    year: int
    framework: FrameworkBrief
    options: EvaluationOptions
    units: list[UnitOut]
    table: list[RankingRow]
    values: list[IndicatorValue]
    source: RankingSource
    peer_set: str


class EvaluationRunOut(BaseModel):
    """A stored run's recipe (no results)."""

    id: int
    year: int
    framework_code: str
    framework_version: str
    framework_hash: str
    peer_set: str
    units: list[str]
    options: EvaluationOptions
    input_hash: str
    spec_hash: str
    username: str
    created_at: str
    note: str


class RunDetail(EvaluationRunOut):
    """A stored run with its results, scoped like the ranking."""

    table: list[RankingRow]


# ------------------------------------------------------------------ benchmark


class Translated(BaseModel):
    """A raw gap translated into an amount (e.g. 研发费用 in 万元)."""

    what: str
    unit: str
    amount: float


class GapRow(BaseModel):
    """An indicator's part of the score gap, in points and in raw units."""

    indicator: str
    name: str
    dimension: str
    unit_label: str
    direction: int
    unit_raw: float | None
    benchmark_raw: float | None
    raw_gap: float | None
    unit_normalised: float | None
    benchmark_normalised: float | None
    points: float
    translated: Translated | None
    advice: str


class Gaps(BaseModel):
    """The score gap to the benchmark, decomposed by indicator."""

    unit: str
    unit_name: str
    benchmark: str
    benchmark_name: str
    unit_score: float | None
    benchmark_score: float | None
    score_gap: float | None
    rows: list[GapRow]
    note: str | None = Field(
        None, description="对标值不显示的原因（如：同类高新区不足3个，不显示）"
    )


class StrengthRow(BaseModel):
    """One of the unit's best (strength) or worst (weakness) indicators by rank."""

    kind: str = Field(description="strength / weakness")
    indicator: str
    name: str
    parent: str | None
    rank: int | None
    raw_value: float | None
    dimension: str


class RadarDimension(BaseModel):
    """A dimension on the radar chart."""

    code: str
    name: str


class Radar(BaseModel):
    """Dimension scores of the unit and its benchmark."""

    dimensions: list[RadarDimension]
    unit: list[float | None]
    benchmark: list[float | None]


class Choice(BaseModel):
    """A unit the caller may benchmark against."""

    unit: str
    name: str


class Benchmark(BaseModel):
    """对标找差: gaps, strengths and weaknesses, radar and the zone's ranking row."""

    year: int
    framework: FrameworkBrief
    gaps: Gaps
    strengths: list[StrengthRow]
    radar: Radar
    row: RankingRow | None
    choices: list[Choice]


# ------------------------------------------------------------------ targets


class Projection(BaseModel):
    """A projected value with its band."""

    central: float
    low: float
    high: float


class Tracker(BaseModel):
    """A target tracked on its yearly series: path, projection band and status."""

    baseline_year: int
    baseline_value: Number
    target_year: int
    target_value: float
    latest_year: int
    latest_value: float
    actual: dict[int, float] = Field(description="年度 → 实际值")
    required_cagr: float | None
    actual_cagr: float | None
    required_remaining_cagr: float | None
    required_path: dict[int, float] = Field(description="年度 → 达标所需值")
    projection: dict[int, Projection] = Field(description="年度 → 预测值与区间")
    confidence: float
    projected_value: float
    projected_low: float
    projected_high: float
    gap: float
    projected_gap: float
    status: str = Field(description="achieved / on_track / at_risk / off_track / missed / pending")
    status_label: str


class ZoneContribution(BaseModel):
    """A zone's part of the remaining gap."""

    zone: str
    latest_value: float | None
    share: float | None
    actual_cagr: float | None
    required_increase: float | None
    share_of_gap: float | None
    projected_value: float | None
    projected_increase: float | None
    shortfall: float | None


class TargetTrack(BaseModel):
    """A plan target (its definition from the targets file) with its tracker and zone parts."""

    model_config = ConfigDict(extra="allow")

    code: str
    name: str
    indicator: str
    unit: str | None = None
    scope: str | None = None
    baseline_year: int
    baseline_value: Number | None = None
    target_year: int
    target_value: Number
    source: str | None = None
    confidence: Number | None = None
    tracker: Tracker | None = Field(description="城市合计不予显示时为空（见 withheld）")
    zones: list[ZoneContribution]
    withheld: str | None = Field(None, description="不予显示的原因")
    set: str = Field(description="目标集名称")
    set_version: str


# ------------------------------------------------------------------ specialisation


class DeclaredIndustry(BaseModel):
    """A strategic industry a zone declared."""

    industry: str
    name: str
    role: str


class ZoneSpecialisation(BaseModel):
    """A zone's revenue, declared industries, their share and concentration (HHI)."""

    zone_id: int
    zone: str
    revenue: float
    declared: list[DeclaredIndustry]
    declared_share: float
    strategic_share: float
    hhi: float | None


class IndustryOut(BaseModel):
    """A strategic industry (or 其他行业)."""

    code: str
    name: str


class SpecialisationCell(BaseModel):
    """An industry in a zone: revenue, share and location quotient (区位商)."""

    zone_id: int
    zone: str
    industry: str
    industry_name: str
    revenue: float | None
    share: float | None
    lq: float | None
    role: str | None


class Similarity(BaseModel):
    """The similarity of two zones' industry structures."""

    zone_a: str
    zone_b: str
    zone_a_id: int
    zone_b_id: int
    similarity: float | None


class SharedIndustry(BaseModel):
    """An emerging industry two similar zones both pursue."""

    industry: str
    name: str
    lq_a: float
    lq_b: float
    both_declared: bool


class SimilarityFlag(Similarity):
    """Two zones with similar structures pursuing the same emerging industries (同质化提示)."""

    industries: list[SharedIndustry]


class Specialisation(BaseModel):
    """一区一战略: industry shares, location quotients, concentration and similarity (scoped)."""

    year: int | None
    city_revenue: float | None = None
    zones: list[ZoneSpecialisation]
    industries: list[IndustryOut]
    cells: list[SpecialisationCell]
    similarity: list[Similarity]
    flags: list[SimilarityFlag]
    threshold: float | None = Field(None, description="同质化提示的相似度阈值")
