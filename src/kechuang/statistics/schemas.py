"""Response models of the statistics API (imports) and the enterprise-year figures other domains show."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from kechuang.registry.schemas import EnterpriseSummary, ZoneOut
from kechuang.statistics.fields import ENTERPRISE_YEAR_FIELDS

_FIELD_TYPES = {"int": int, "decimal": float, "bool": bool}


def _figures(name: str, doc: str, **first: Any) -> type[BaseModel]:
    """A model with the given leading fields and then every enterprise-year figure, typed."""
    fields: dict[str, Any] = dict(first)
    for f in ENTERPRISE_YEAR_FIELDS:
        fields[f.code] = (_FIELD_TYPES[f.kind] | None, Field(description=f.template_header))
    return create_model(name, __doc__=doc, **fields)


EnterpriseYearOut = _figures(
    "EnterpriseYearOut",
    "企业年度统计（当前版本；字段同导入模板，金额单位万元）",
    enterprise_id=(int, ...),
    year=(int, ...),
    revision=(int, Field(description="版本号（更正一次加 1）")),
)
EnterpriseRevisionOut = _figures(
    "EnterpriseRevisionOut",
    "企业年度统计的一个版本及其来源导入",
    year=(int, ...),
    revision=(int, ...),
    is_current=(bool, ...),
    import_id=(int | None, ...),
    filename=(str | None, Field(description="来源文件名")),
    username=(str | None, Field(description="导入人")),
    imported_at=(str | None, Field(description="导入时间（ISO 8601）")),
)


class CellErrorOut(BaseModel):
    """A bad cell of an imported file."""

    row: int = Field(description="行号（表头为第 1 行；0 表示整个文件）")
    column: str
    value: str
    reason: str


class ImportReportOut(BaseModel):
    """The outcome of an accepted import or dry run (a rejected file is an error response)."""

    kind: str
    filename: str
    dry_run: bool
    ok: bool
    rows_total: int
    created: int
    revised: int
    unchanged: int
    carried_forward: int = Field(description="沿用上一版本数值的空白单元格数")
    cleared: int = Field(0, description="按〔清空〕标记清除的原有数值个数")
    import_id: int | None = Field(description="导入批次编号（试导入时为空）")
    message: str
    errors: list[CellErrorOut]
    notes: list[str] = Field(
        default_factory=list,
        description="读取时跳过或规范化的内容（标题行、合计行、单位换算等）和需要留意的变更（如所属高新区变更）",
    )
    submitted: bool = Field(False, description="作为报送保存，待高新区管理员审核通过后生效")
    refused: bool = Field(
        False, description="文件含无权导入的企业或高新区：只列出这些单元格，不比对、不计数"
    )


class ImportOut(BaseModel):
    """An import batch in the list of imports."""

    id: int
    kind: str
    kind_label: str
    filename: str
    sha256: str
    rows_total: int
    created: int
    revised: int
    unchanged: int
    username: str
    created_at: str
    undone_at: str | None = Field(description="撤销时间（未撤销为空）")
    undone_by: str | None = Field(description="撤销人")


class UndoOut(BaseModel):
    """The outcome of undoing an import."""

    import_id: int
    retired: int = Field(description="撤回的记录数")
    restored: int = Field(description="恢复为导入前版本的记录数")
    message: str


class JobOut(BaseModel):
    """A job (an import or another long run): its state, progress and, once finished, its result."""

    id: int
    kind: str = Field(description="任务类型，如 import:enterprise_years")
    label: str
    username: str
    filename: str
    sha256: str
    dry_run: bool
    state: str = Field(description="queued / running / done / rejected / failed / cancelled")
    state_label: str
    stage: str = Field(description="queue / parse / check / store / run / done")
    stage_label: str
    progress_done: int
    progress_total: int
    created_at: str | None
    started_at: str | None
    finished_at: str | None
    result: dict[str, Any] | None = Field(
        description="结果：导入报告（含 errors 逐格错误、notes 说明）或计算结果"
    )
    error: str = Field(description="失败或取消的原因")


class OtherImportReportOut(BaseModel):
    """The outcome of an accepted import of another domain's kind (e.g. 企业资质): the common fields
    and that domain's own counts."""

    model_config = ConfigDict(extra="allow")

    filename: str
    dry_run: bool
    ok: bool
    rows_total: int
    message: str


class ZoneYearTotal(BaseModel):
    """Enterprise counts and sums of a zone in a year, by statistical zone (飞地 count where counted)."""

    year: int
    enterprises: int
    enclaves_in: int = Field(0, description="其中注册在他区、统计归属本区的飞地企业数")
    counted_elsewhere: int = Field(0, description="注册在本区但统计归属他区、未计入的企业数")
    operating_revenue: float | None = Field(description="营业收入合计（万元）")
    rd_expense: float | None = Field(description="研发费用合计（万元）")
    employees: int | None
    zone: str | None
    zone_code: str | None


class ZoneFigure(BaseModel):
    """A current zone-level figure (高新区年度统计)."""

    year: int
    indicator_code: str
    name: str
    unit: str
    value: float | None
    revision: int
    import_id: int | None


class ZoneDetail(ZoneOut):
    """A zone; its statistics only when the caller may see them (empty lists otherwise)."""

    yearly: list[ZoneYearTotal]
    zone_statistics: list[ZoneFigure]


class EnterpriseListItem(EnterpriseSummary):
    """An enterprise in the list with the figures of the listed year."""

    operating_revenue: float | None = Field(description="营业收入（万元）")
    rd_expense: float | None = Field(None, description="研发费用总额（万元）")
    employees: int | None
    year: int | None


class EnterprisePage(BaseModel):
    """One page of enterprises."""

    total: int
    page: int
    page_size: int
    items: list[EnterpriseListItem]


class EnterpriseDetail(EnterpriseSummary):
    """One enterprise with its current yearly figures and every revision."""

    counted_zone: str | None
    incubator: str | None
    years: list[EnterpriseYearOut]
    revisions: list[EnterpriseRevisionOut]


class RegistryFieldChange(BaseModel):
    """One changed field of an enterprise's registry facts."""

    field: str = Field(description="字段代码（如 zone_id）")
    label: str = Field(description="字段中文名")
    before: Any = Field(description="原值（编号、代码或 ISO 日期；新增企业时为空）")
    after: Any = Field(description="新值")
    before_text: str = Field(description="原值的显示文字（高新区等显示名称）")
    after_text: str = Field(description="新值的显示文字")


class RegistryRevisionOut(BaseModel):
    """A change of an enterprise's registry facts, with the import it came from."""

    id: int
    import_id: int | None = Field(description="来源导入批次（手工修改时为空）")
    filename: str | None = Field(description="来源文件名")
    action: str = Field(description="create 新增企业 / update 修改")
    username: str = Field(description="操作人")
    created_at: str = Field(description="时间（ISO 8601）")
    changes: list[RegistryFieldChange]


class SubmissionChange(BaseModel):
    """One figure of a submission beside the current revision."""

    code: str
    field: str = Field(description="模板表头（含单位）")
    current: float | int | bool | None = Field(
        description="当前版本的数值（待审核时）或报送所依据的数值"
    )
    submitted: float | int | bool | None = Field(description="报送的数值")
    changed: bool
    change_pct: float | None = Field(description="变化百分比（当前值为 0 或空时为空）")


class SubmissionFlag(BaseModel):
    """An automatic flag for the reviewer."""

    kind: str = Field(
        description="components 分项不符 / jump 变动过大 / peers 偏离同类 / rules 导入规则"
    )
    code: str = Field(description="相关字段")
    message: str


class SubmissionOut(BaseModel):
    """An enterprise user's submission of one enterprise-year and its review."""

    id: int
    enterprise_id: int
    enterprise: str
    uscc: str
    year: int
    revision: int | None = Field(description="报送数据的版本号")
    base_revision: int | None = Field(description="报送时的当前版本号（此前无数据时为空）")
    status: str = Field(description="pending / approved / rejected / superseded / withdrawn")
    status_label: str
    reason: str = Field(description="驳回理由")
    submitted_by: str
    submitted_at: str | None
    reviewed_by: str | None
    reviewed_at: str | None
    import_id: int | None
    stale: bool = Field(description="报送后该企业该年度数据已被更新，不能直接审核通过")
    changes: list[SubmissionChange]
    flags: list[SubmissionFlag] = Field(description="自动核查提示（仅审核人可见）")


class RejectIn(BaseModel):
    """Why a submission is rejected (the enterprise sees it)."""

    reason: str = Field(min_length=1, max_length=500, description="驳回理由")
