"""Request and response models of the 企业创新积分 API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kechuang.core.responses import SourceEntryOut
from kechuang.core.web import IdField, YearItem

# ------------------------------------------------------------------ requests


class RunRequest(BaseModel):
    """Which methodology to score with (default: the shipped default)."""

    methodology: str | None = Field(None, description="方法代码，如 torch_core、local_relative")


class WhatIfRequest(BaseModel):
    """Changes to try: amounts added to figures (万元/件/人), or flags set true/false."""

    changes: dict[str, float | bool] = Field(
        ..., description='如 {"rd_expense": 100, "ip_class1": 1}'
    )
    year: YearItem | None = None
    run_id: IdField | None = None


class ConsentRequest(BaseModel):
    """Consent to share points with partner banks."""

    consented: bool
    basis: str = Field("", max_length=200, description="授权依据；企业用户本人操作时可留空")


class FlagRequest(BaseModel):
    """A yes/no input for an enterprise-year, e.g. hnte (高新技术企业，有效期内)."""

    year: YearItem
    code: str
    value: bool = True
    note: str = ""


# ------------------------------------------------------------------ methodologies and runs


class MethodologyBrief(BaseModel):
    """What a reader must know about a methodology: name, version, mode, provisional status."""

    code: str
    version: str
    name: str
    label: str
    mode: str = Field(description="reference（满分参考值计分）/ relative（同类百分位计分）")
    mode_label: str
    scale: float = Field(description="满分")
    provisional: bool = Field(description="暂行（未经官方文本确认）")
    status_label: str
    source: str


class StageOut(BaseModel):
    """A lifecycle stage and the rule that assigns it."""

    code: str
    name: str
    note: str
    rule: list[str] = Field(description="条件（中文）")
    match: str = Field(description="all：全部满足；any：任一满足")
    source: str
    confidence: str


class CategoryOut(BaseModel):
    """A 一级指标 (category)."""

    code: str
    name: str
    source: str
    confidence: str


class IndicatorOut(BaseModel):
    """A 二级指标: definition, unit, 满分参考值 and points per stage."""

    code: str
    name: str
    category: str
    definition: str
    unit: str
    direction: int
    reference: float | None = Field(description="满分参考值（同类百分位计分时为空）")
    weights: dict[str, float] = Field(description="阶段代码 → 分值")
    source: str
    source_code: str | None = Field(description="出处在来源登记中的代码")
    confidence: str
    confidence_label: str
    note: str


class BonusOut(BaseModel):
    """An item adding points (加分项)."""

    code: str
    name: str
    points: float
    rule: str
    source: str
    confidence: str


class NegativeOut(BonusOut):
    """An item taking points away, or vetoing (扣分/否决项)."""

    veto: bool


class MethodologyOut(MethodologyBrief):
    """A shipped methodology as data, with sources and confirmation levels."""

    cohort: list[str] = Field(description="同类比较的分组")
    stages: list[StageOut]
    categories: list[CategoryOut]
    indicators: list[IndicatorOut]
    bonus: list[BonusOut]
    bonus_cap: float | None
    negative: list[NegativeOut]
    flags: dict[str, str] = Field(description="积分标记代码 → 名称")
    pending: list[dict[str, str]] = Field(description="尚未纳入的指标及原因")
    sources: list[SourceEntryOut]


class PointsRunOut(BaseModel):
    """A points run: methodology version and input hash (no scores)."""

    id: int
    methodology_code: str
    methodology_version: str
    methodology_name: str
    mode: str
    mode_label: str
    provisional: bool
    input_hash: str
    methodology_digest: str
    years: list[int]
    scored: int = Field(description="计分的企业年度数")
    created_by: str
    created_at: str | None


# ------------------------------------------------------------------ lists


class ListRow(BaseModel):
    """An enterprise-year in a points list, with its rank in the list's scope."""

    enterprise_id: int
    name: str
    uscc: str
    zone: str | None
    industry_division: str
    year: int
    stage: str
    stage_name: str
    total: float
    bonus: float
    penalty: float
    vetoed: bool
    rank: int | None = Field(description="在本名单范围（rank_scope）内的名次")
    of: int | None
    rank_city: int | None
    n_city: int | None
    rank_zone: int | None
    n_zone: int | None
    rank_industry: int | None
    n_industry: int | None
    categories: dict[str, float] = Field(description="一级指标名称 → 得分")


class TopList(BaseModel):
    """The best N enterprises the caller may see."""

    run: PointsRunOut
    year: int
    rank_scope: str = Field(description="city / zone / industry / stage")
    rank_label: str
    total: int
    items: list[ListRow]
    methodology: MethodologyBrief


class MoverRow(ListRow):
    """An enterprise whose points rose or fell against the previous year."""

    previous_total: float
    delta: float
    previous_rank_city: int | None
    rank_change: int | None


class Movers(BaseModel):
    """Largest rises and falls against the previous year."""

    run: PointsRunOut
    year: int
    previous_year: int
    risers: list[MoverRow]
    fallers: list[MoverRow]


class BankRow(BaseModel):
    """A consented enterprise on the bank list."""

    enterprise_id: int
    name: str
    uscc: str
    zone: str | None
    industry_division: str
    year: int
    stage_name: str
    total: float
    rank_city: int | None
    n_city: int | None
    categories: dict[str, float]


class BankList(BaseModel):
    """Enterprises that consented to share their points with partner banks."""

    run: PointsRunOut
    year: int
    items: list[BankRow]
    methodology: MethodologyBrief


# ------------------------------------------------------------------ the card


class ConsentState(BaseModel):
    """Whether the enterprise shares its points with banks."""

    consented: bool
    basis: str
    updated_by: str
    updated_at: str | None


class YearPoints(BaseModel):
    """Points and ranks of one year (the trend)."""

    year: int
    total: float
    stage: str
    stage_name: str
    rank_city: int | None
    n_city: int | None
    rank_zone: int | None
    n_zone: int | None
    rank_industry: int | None
    n_industry: int | None
    rank_stage: int | None
    n_stage: int | None


class CategoryPoints(BaseModel):
    """A category's points and maximum."""

    code: str
    name: str
    points: float
    max: float


class ItemPoints(BaseModel):
    """An indicator explained: value, reference, weight, points and gap to the cohort median."""

    code: str
    name: str
    category: str
    definition: str
    unit: str
    value: float | None
    reference: float | None
    weight: float
    points: float
    gap_to_median: float | None = Field(
        description="低于同阶段企业平均得分的分数（字段名沿用旧称；同阶段其他企业不足3家时不显示，为空）"
    )
    confidence: str
    confidence_label: str
    source: str


class Rank(BaseModel):
    """A rank within a scope."""

    rank: int | None
    of: int | None


class LabelledRank(Rank):
    """A rank within a named scope (全市、本区、同行业、同阶段)."""

    label: str


class Shortfall(BaseModel):
    """An indicator below the mean of its year × stage group."""

    code: str
    name: str
    gap: float


class BonusItem(BaseModel):
    """A bonus item that applied."""

    code: str
    name: str
    points: float


class NegativeItem(BonusItem):
    """A negative item that applied."""

    veto: bool


class Explained(BaseModel):
    """One year's points explained."""

    year: int
    stage: str
    stage_name: str
    total: float
    base: float
    bonus: float
    penalty: float
    vetoed: bool
    categories: list[CategoryPoints]
    items: list[ItemPoints]
    ranks: dict[str, LabelledRank] = Field(description="city / zone / industry / stage")
    shortfalls: list[Shortfall]
    bonus_items: list[BonusItem]
    negative_items: list[NegativeItem]


class PointsCard(BaseModel):
    """An enterprise's points card; `run`, `latest` are empty and `methodology` absent before any
    run."""

    enterprise_id: int
    name: str
    uscc: str
    zone: str | None
    industry_code: str | None
    consent: ConsentState
    run: PointsRunOut | None
    years: list[YearPoints]
    latest: Explained | None
    methodology: MethodologyBrief | None = None


class Brief(BaseModel):
    """Points and ranks of a what-if side (before or after)."""

    total: float
    stage: str
    stage_name: str
    ranks: dict[str, Rank]
    categories: dict[str, float] = Field(description="一级指标代码 → 得分")
    items: dict[str, float] = Field(description="二级指标代码 → 得分")
    bonus: float
    penalty: float
    vetoed: bool


class WhatIf(BaseModel):
    """New points and ranks if figures changed (a full rescore)."""

    enterprise_id: int
    year: int
    run_id: int
    methodology: MethodologyBrief
    changes: dict[str, float | bool]
    before: Brief
    after: Brief
    note: str


class ConsentOut(BaseModel):
    """The consent as stored."""

    enterprise_id: int
    consented: bool
    basis: str
    updated_by: str
    document_name: str | None = Field(None, description="市科技局代为登记时上传的书面授权书文件名")
    document_sha256: str | None = Field(None, description="书面授权书的 SHA-256")


class FlagOut(BaseModel):
    """The flag as stored."""

    enterprise_id: int
    year: int
    code: str
    value: bool


# ------------------------------------------------------------------ certificates


class CertificateOut(BaseModel):
    """An issued certificate as its enterprise and the bureau see it (the code is never shown again)."""

    id: int
    code_tail: str = Field(description="验证码末四位（仅用于辨认）")
    enterprise_id: int
    year: int
    run_id: int
    methodology_code: str
    methodology_version: str
    total: float | None
    is_demo: bool
    status: str = Field(description="current / superseded / withdrawn")
    status_label: str = Field(description="真实有效 / 已被新证明取代 / 已撤回")
    superseded_by_id: int | None
    withdrawn_reason: str
    withdrawn_by: str
    withdrawn_at: str | None
    issued_by: str
    issued_at: str | None


class WithdrawRequest(BaseModel):
    """Why the bureau withdraws a certificate (shown to a bank that verifies it)."""

    reason: str = Field(min_length=1, max_length=500, description="撤回原因")


class SupersededBy(BaseModel):
    """The newer certificate, named by its tail and date only."""

    code_tail: str
    issued_on: str
    status_label: str


class VerifyOut(BaseModel):
    """What anyone learns from a valid code; figures only with the enterprise's consent."""

    status: str
    status_label: str
    enterprise_name: str
    year: int
    issued_on: str
    is_demo: bool
    withdrawn_reason: str | None
    withdrawn_on: str | None
    superseded_by: SupersededBy | None
    consented: bool = Field(description="企业是否同意向合作银行共享积分（决定是否显示分数）")
    figures: dict | None = Field(None, description="证明所载数字；企业未授权共享时为空")
