"""Response models of the statistics API (imports) and the enterprise-year figures other domains show."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, create_model

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
    import_id: int | None = Field(description="导入批次编号（试导入时为空）")
    message: str
    errors: list[CellErrorOut]


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
