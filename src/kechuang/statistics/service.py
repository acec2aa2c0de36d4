"""Imports, exports and templates for enterprises, enterprise-year and zone-year statistics.

Imports are all-or-nothing: the whole file is parsed and checked first; if any cell is bad the
report lists every bad cell and nothing is written. A correction creates a new revision, never an
overwrite; a blank cell in a correction keeps the previous value (reported as carried forward).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from kechuang.core import audit
from kechuang.core.db import bulk_insert, utcnow
from kechuang.core.domain import import_kind
from kechuang.core.excel import (
    CellError,
    Column,
    ImportFileError,
    map_headers,
    parse_columns,
    read_table,
    rule_errors,
    write_sheets,
)
from kechuang.core.security import Principal
from kechuang.registry.models import TECH_FIELDS, Carrier, Enterprise, Park, Region, Zone
from kechuang.registry.scope import (
    can_see_zone_data,
    can_write_enterprise,
    enterprise_scope,
    zone_data_scope,
)
from kechuang.registry.service import EnterpriseFilter, enterprise_query, enterprise_summary
from kechuang.statistics.fields import ENTERPRISE_YEAR_FIELDS, FIELDS_BY_CODE
from kechuang.statistics.models import IMPORT_KINDS, EnterpriseYear, ImportBatch, ZoneYear
from kechuang.statistics.zone_fields import ZONE_YEAR_INDICATORS

ENTERPRISE_COLUMNS: tuple[Column, ...] = (
    Column("uscc", "统一社会信用代码", "uscc", required=True, note="18位，含校验位"),
    Column("name", "企业名称", required=True),
    Column("founded_on", "成立日期", "date", note="如 2019-03-15"),
    Column("region", "所在区县", note="区县名称或 GB/T 2260 代码"),
    Column("zone", "所属高新区", note="高新区名称或代码"),
    Column("park", "所在园区", note="须属于所填高新区"),
    Column("industry_code", "行业代码", unit="GB/T 4754", note="如 C3511"),
    Column("tech_field", "技术领域", note="国家重点支持的高新技术领域：" + "、".join(TECH_FIELDS)),
    Column("incubator", "孵化载体", note="在孵企业填写孵化器/众创空间名称或代码"),
    Column("counted_zone", "统计归属高新区", note="飞地/异地孵化：登记在一区、统计在另一区时填写"),
)

ENTERPRISE_YEAR_COLUMNS: tuple[Column, ...] = (
    Column("uscc", "统一社会信用代码", "uscc", required=True),
    Column("name", "企业名称", note="仅供核对，以信用代码为准"),
    Column("year", "年度", "year", required=True),
) + tuple(
    Column(f.code, f.header, f.kind, f.unit, allow_negative=f.allow_negative, note=f.note)
    for f in ENTERPRISE_YEAR_FIELDS
)

ZONE_YEAR_COLUMNS: tuple[Column, ...] = (
    Column("zone", "高新区", required=True, note="高新区名称或代码"),
    Column("year", "年度", "year", required=True),
) + tuple(
    Column(z.code, z.name, "decimal", z.unit, allow_negative=z.allow_negative)
    for z in ZONE_YEAR_INDICATORS
)

COLUMNS_BY_KIND = {
    "enterprises": ENTERPRISE_COLUMNS,
    "enterprise_years": ENTERPRISE_YEAR_COLUMNS,
    "zone_years": ZONE_YEAR_COLUMNS,
}
SHEET_NAMES = {
    "enterprises": "企业名录",
    "enterprise_years": "企业年度统计",
    "zone_years": "高新区年度统计",
}
NOTES = {
    "enterprises": [
        "企业名录导入模板。带底色为必填列。",
        "统一社会信用代码须为18位并通过校验位检查。",
        "已存在的信用代码将更新企业信息（修改前后的值记入审计日志）。",
    ],
    "enterprise_years": [
        "企业年度统计导入模板。金额单位：万元；人数单位：人。",
        "每家企业每个年度一行；同一文件中不得重复。",
        "更正已有年度数据时将生成新版本，旧版本保留可查；空白单元格沿用上一版本的数值。",
        "可填“是/否”的列：是否上市、重大安全/质量事故、严重环境违法、失信名单、经营异常名录。",
        "校验规则：金额不得为负（净利润除外）；科技人员、研发人员不得多于职工总数；"
        "研发费用不得大于营业收入；境内研发费用不得大于研发费用总额；"
        "高新技术产品(服务)收入不得大于总收入。",
    ],
    "zone_years": [
        "高新区年度统计导入模板（不来自企业的高新区层面数据）。每个高新区每年一行。",
        "更正时生成新版本；空白单元格表示未报送，不会清除已有数值。",
    ],
}


def kind_label(kind: str) -> str:
    """The Chinese name of an import kind (any domain's)."""
    registered = import_kind(kind)
    return registered.label if registered is not None else IMPORT_KINDS.get(kind, kind)


def check_kind(kind: str) -> None:
    """Raise ImportFileError for an unknown kind."""
    if kind not in COLUMNS_BY_KIND:
        raise ImportFileError(f"未知的数据类型“{kind}”，可选：{'、'.join(COLUMNS_BY_KIND)}")


def template(kind: str) -> bytes:
    """An empty .xlsx template with Chinese headers and a 填写说明 sheet."""
    check_kind(kind)
    return write_sheets([(SHEET_NAMES[kind], COLUMNS_BY_KIND[kind], None)], NOTES[kind])


@dataclass
class ImportReport:
    """The outcome of an import or a dry run."""

    kind: str
    filename: str
    dry_run: bool
    rows_total: int = 0
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    carried_forward: int = 0
    errors: list[CellError] = field(default_factory=list)
    import_id: int | None = None
    counted: str = "行"  # zone-year files count figures (one row holds many indicators)

    @property
    def ok(self) -> bool:
        """True when the file had no bad cell."""
        return not self.errors

    def message(self) -> str:
        """A one-line Chinese summary."""
        if self.errors:
            return (
                f"文件“{self.filename}”有 {len(self.errors)} 处错误，未导入任何数据。"
                "请按错误报告修改后重新导入。"
            )
        verb = "校验通过（试导入，未保存）" if self.dry_run else "导入成功"
        text = f"{kind_label(self.kind)}{verb}：共 {self.rows_total} 行"
        if self.counted != "行":
            text += f"，含 {self.created + self.revised + self.unchanged} {self.counted}"
        text += f"；新增 {self.created}，更正 {self.revised}，未变化 {self.unchanged}"
        if self.carried_forward:
            text += f"；{self.carried_forward} 个空白单元格沿用了上一版本的数值"
        return text

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for the API and job results)."""
        return {
            "kind": self.kind,
            "filename": self.filename,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "rows_total": self.rows_total,
            "created": self.created,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "carried_forward": self.carried_forward,
            "import_id": self.import_id,
            "message": self.message(),
            "errors": [e.__dict__ for e in self.errors],
        }


def import_file(
    session: Session,
    principal: Principal,
    kind: str,
    content: bytes,
    filename: str,
    dry_run: bool = False,
    is_demo: bool = False,
) -> ImportReport:
    """Validate a file and, when every cell is good and it is not a dry run, store it."""
    report = ImportReport(kind=kind, filename=filename, dry_run=dry_run)
    try:
        check_kind(kind)
        raw = read_table(content, filename)
    except ImportFileError as exc:
        report.errors.append(CellError(0, "（文件）", filename, str(exc)))
        return report
    columns = COLUMNS_BY_KIND[kind]
    mapped, header_errors = map_headers(raw, columns)
    if header_errors:
        report.errors = header_errors
        return report
    parsed = parse_columns(mapped, columns)
    report.rows_total = parsed.data.height
    if report.rows_total == 0:
        report.errors.append(CellError(0, "（文件）", filename, "文件中没有数据行"))
        return report
    handler = {
        "enterprises": _import_enterprises,
        "enterprise_years": _import_enterprise_years,
        "zone_years": _import_zone_years,
    }[kind]
    handler(session, principal, parsed.data, parsed.errors, report, content, is_demo)
    report.errors.sort(key=lambda e: (e.row, e.column))
    return report


def _duplicate_errors(
    df: pl.DataFrame, keys: list[str], column: Column, what: str
) -> list[CellError]:
    firsts = df.filter(pl.all_horizontal([pl.col(k).is_not_null() for k in keys])).with_columns(
        pl.col("__row").first().over(keys).alias("__first")
    )
    dup = firsts.filter(pl.col("__row") != pl.col("__first"))
    return [
        CellError(
            int(r["__row"]),
            column.template_header,
            str(r[column.code]),
            f"{what}与第 {int(r['__first'])} 行重复",
        )
        for r in dup.iter_rows(named=True)
    ]


def _new_batch(
    session: Session,
    principal: Principal,
    kind: str,
    filename: str,
    content: bytes,
    report: ImportReport,
    is_demo: bool,
) -> ImportBatch:
    batch = ImportBatch(
        kind=kind,
        filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        rows_total=report.rows_total,
        user_id=principal.user_id,
        username=principal.username,
        zone_id=principal.zone_id,
        is_demo=is_demo,
    )
    session.add(batch)
    session.flush()
    return batch


def _finish_batch(session: Session, batch: ImportBatch, report: ImportReport) -> None:
    batch.rows_created, batch.rows_revised, batch.rows_unchanged = (
        report.created,
        report.revised,
        report.unchanged,
    )
    report.import_id = batch.id
    session.flush()
    audit.record(
        session,
        "import",
        "import_batches",
        batch.id,
        f"导入{kind_label(report.kind)}“{batch.filename}”：{report.message()}",
        after={
            "sha256": batch.sha256,
            "rows_total": report.rows_total,
            "created": report.created,
            "revised": report.revised,
            "unchanged": report.unchanged,
        },
    )


def _lookup(session: Session, model: type, fields: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for obj in session.scalars(select(model)):
        for attr in fields:
            value = getattr(obj, attr, None)
            if value:
                out[str(value)] = obj
    return out


def _import_enterprises(
    session: Session,
    principal: Principal,
    df: pl.DataFrame,
    errors: list[CellError],
    report: ImportReport,
    content: bytes,
    is_demo: bool,
) -> None:
    cols = {c.code: c for c in ENTERPRISE_COLUMNS}
    errors += _duplicate_errors(df, ["uscc"], cols["uscc"], "统一社会信用代码")
    zones = _lookup(session, Zone, ("name", "code", "full_name"))
    regions = _lookup(session, Region, ("name", "code"))
    parks = _lookup(session, Park, ("code",))
    parks_by_zone_name = {(p.zone_id, p.name): p for p in session.scalars(select(Park))}
    carriers = _lookup(session, Carrier, ("name", "code"))
    existing = {
        e.uscc: e
        for e in session.scalars(
            select(Enterprise).where(
                Enterprise.uscc.in_(df.get_column("uscc").drop_nulls().to_list())
            )
        )
    }
    planned: list[tuple[dict[str, Any], Enterprise | None]] = []
    for row in df.iter_rows(named=True):
        r = row["__row"]
        bad_before = len(errors)

        def err(code: str, value: Any, reason: str, r: int = r) -> None:
            errors.append(
                CellError(
                    r, cols[code].template_header, "" if value is None else str(value), reason
                )
            )

        zone = zones.get(row["zone"]) if row["zone"] else None
        if row["zone"] and zone is None:
            err("zone", row["zone"], "未知的高新区（请填写系统中已登记的高新区名称或代码）")
        counted = zones.get(row["counted_zone"]) if row["counted_zone"] else None
        if row["counted_zone"] and counted is None:
            err("counted_zone", row["counted_zone"], "未知的高新区")
        if counted is not None and zone is not None and counted.id == zone.id:
            counted = None  # counted where registered: not an enclave
        region = regions.get(row["region"]) if row["region"] else None
        if row["region"] and region is None:
            err("region", row["region"], "未知的区县（请填写区县名称或6位行政区划代码）")
        park = None
        if row["park"]:
            park = parks.get(row["park"]) or (
                parks_by_zone_name.get((zone.id, row["park"])) if zone else None
            )
            if park is None or (zone is not None and park.zone_id != zone.id):
                err("park", row["park"], "园区不存在或不属于所填高新区")
                park = None
        incubator = carriers.get(row["incubator"]) if row["incubator"] else None
        if row["incubator"] and incubator is None:
            err("incubator", row["incubator"], "未知的孵化载体")
        if row["tech_field"] and row["tech_field"] not in TECH_FIELDS:
            err(
                "tech_field",
                row["tech_field"],
                "技术领域应为八大领域之一：" + "、".join(TECH_FIELDS),
            )
        code = (row["industry_code"] or "").upper()
        if code and not _valid_industry_code(code):
            err(
                "industry_code",
                row["industry_code"],
                "行业代码应为 GB/T 4754 门类字母加2-4位数字，如 C3511",
            )
        current = existing.get(row["uscc"]) if row["uscc"] else None
        target_zone = zone.id if zone else None
        target_counted = counted.id if counted else None
        if not can_write_enterprise(
            principal, target_zone, current.id if current else None, target_counted
        ) or (
            current is not None
            and not can_write_enterprise(
                principal, current.zone_id, current.id, current.counted_zone_id
            )
        ):
            err("uscc", row["uscc"], "无权导入或修改该企业（不在您的管辖范围内）")
        if len(errors) > bad_before:
            continue
        values = {
            "name": row["name"],
            "founded_on": row["founded_on"],
            "region_code": region.code if region else (zone.region_code if zone else None),
            "zone_id": target_zone,
            "park_id": park.id if park else None,
            "industry_code": code or None,
            "tech_field": row["tech_field"],
            "incubator_id": incubator.id if incubator else None,
            "counted_zone_id": target_counted,
        }
        planned.append(({"uscc": row["uscc"], **values}, current))
    report.errors = errors
    if errors or report.dry_run:
        report.created = sum(1 for _, cur in planned if cur is None)
        report.revised = sum(1 for v, cur in planned if cur is not None and _differs(cur, v))
        report.unchanged = len(planned) - report.created - report.revised
        return
    batch = _new_batch(session, principal, "enterprises", report.filename, content, report, is_demo)
    for values, current in planned:
        if current is None:
            session.add(Enterprise(**values, import_id=batch.id, is_demo=is_demo))
            report.created += 1
        elif _differs(current, values):
            for key, value in values.items():
                setattr(current, key, value)
            current.import_id = batch.id
            report.revised += 1
        else:
            report.unchanged += 1
    session.flush()
    _finish_batch(session, batch, report)


def _differs(ent: Enterprise, values: dict[str, Any]) -> bool:
    return any(getattr(ent, k) != v for k, v in values.items())


def _valid_industry_code(code: str) -> bool:
    import re

    return re.fullmatch(r"[A-T](\d{2}|\d{3}|\d{4})?", code) is not None


def current_figures(
    session: Session, enterprise_ids: list[int] | None = None, years: list[int] | None = None
) -> pl.DataFrame:
    """Current revisions of enterprise-year figures as a Polars frame (unscoped: callers scope)."""
    cols = [
        EnterpriseYear.id,
        EnterpriseYear.enterprise_id,
        EnterpriseYear.year,
        EnterpriseYear.revision,
    ] + [getattr(EnterpriseYear, f.code) for f in ENTERPRISE_YEAR_FIELDS]
    stmt = select(*cols).where(EnterpriseYear.is_current.is_(True))
    if years:
        stmt = stmt.where(EnterpriseYear.year.in_(years))
    if enterprise_ids is not None and len(enterprise_ids) < 5000:
        stmt = stmt.where(EnterpriseYear.enterprise_id.in_(enterprise_ids))
    schema = {"id": pl.Int64, "enterprise_id": pl.Int64, "year": pl.Int64, "revision": pl.Int64}
    schema |= {
        f.code: {"int": pl.Int64, "decimal": pl.Float64, "bool": pl.Boolean}[f.kind]
        for f in ENTERPRISE_YEAR_FIELDS
    }
    df = pl.DataFrame(session.execute(stmt).all(), schema=schema, orient="row")
    if enterprise_ids is not None and len(enterprise_ids) >= 5000:
        df = df.filter(pl.col("enterprise_id").is_in(enterprise_ids))
    return df


FIELD_CODES = [f.code for f in ENTERPRISE_YEAR_FIELDS]


def _import_enterprise_years(
    session: Session,
    principal: Principal,
    df: pl.DataFrame,
    errors: list[CellError],
    report: ImportReport,
    content: bytes,
    is_demo: bool,
) -> None:
    cols = {c.code: c for c in ENTERPRISE_YEAR_COLUMNS}
    errors += _duplicate_errors(df, ["uscc", "year"], cols["year"], "同一企业同一年度的数据")
    usccs = df.get_column("uscc").drop_nulls().unique().to_list()
    ent_rows = session.execute(
        select(Enterprise.uscc, Enterprise.id, Enterprise.zone_id, Enterprise.counted_zone_id)
    ).all()
    allowed = {u: (i, can_write_enterprise(principal, z, i, c)) for u, i, z, c in ent_rows}
    unknown = [u for u in usccs if u not in allowed]
    denied = [u for u in usccs if u in allowed and not allowed[u][1]]
    errors += rule_errors(
        df,
        pl.col("uscc").is_in(unknown),
        cols["uscc"],
        pl.col("uscc"),
        "企业未登记：请先在“企业名录”中导入该企业",
    )
    errors += rule_errors(
        df,
        pl.col("uscc").is_in(denied),
        cols["uscc"],
        pl.col("uscc"),
        "无权导入该企业的数据（不在您的管辖范围内）",
    )
    ids = pl.DataFrame(
        {"uscc": list(allowed), "enterprise_id": [v[0] for v in allowed.values()]},
        schema={"uscc": pl.String, "enterprise_id": pl.Int64},
    )
    frame = df.join(ids, on="uscc", how="left")
    years = frame.get_column("year").drop_nulls().unique().to_list()
    existing = current_figures(
        session, frame.get_column("enterprise_id").drop_nulls().unique().to_list(), years
    )
    old = existing.rename(
        {c: f"__old_{c}" for c in FIELD_CODES} | {"id": "__old_id", "revision": "__old_rev"}
    )
    merged = frame.join(old, on=["enterprise_id", "year"], how="left")
    carried = (
        merged.select(
            pl.sum_horizontal(
                [
                    (pl.col(c).is_null() & pl.col(f"__old_{c}").is_not_null()).cast(pl.Int64)
                    for c in FIELD_CODES
                ]
            )
        )
        .to_series()
        .sum()
    )
    merged = merged.with_columns(
        [pl.coalesce(pl.col(c), pl.col(f"__old_{c}")).alias(c) for c in FIELD_CODES]
    )
    errors += _figure_rule_errors(merged, cols)
    report.errors = errors
    changed = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"__old_{c}")) for c in FIELD_CODES])
    merged = merged.with_columns(
        pl.when(pl.col("__old_id").is_null())
        .then(pl.lit("new"))
        .when(changed)
        .then(pl.lit("revised"))
        .otherwise(pl.lit("same"))
        .alias("__status")
    )
    counts = dict(merged.group_by("__status").len().iter_rows())
    report.created, report.revised, report.unchanged = (
        counts.get("new", 0),
        counts.get("revised", 0),
        counts.get("same", 0),
    )
    report.carried_forward = int(carried or 0)
    if errors or report.dry_run:
        return
    batch = _new_batch(
        session, principal, "enterprise_years", report.filename, content, report, is_demo
    )
    revised_ids = merged.filter(pl.col("__status") == "revised").get_column("__old_id").to_list()
    for start in range(0, len(revised_ids), 1000):
        session.execute(
            update(EnterpriseYear)
            .where(EnterpriseYear.id.in_(revised_ids[start : start + 1000]))
            .values(is_current=False)
        )
    to_store = merged.filter(pl.col("__status") != "same").select(
        "enterprise_id",
        "year",
        (pl.col("__old_rev").fill_null(0) + 1).alias("revision"),
        pl.lit(True).alias("is_current"),
        pl.lit(batch.id).alias("import_id"),
        pl.lit(utcnow()).alias("created_at"),
        *FIELD_CODES,
    )
    bulk_insert(session, EnterpriseYear.__table__, to_store.columns, to_store.rows())
    _finish_batch(session, batch, report)


def _figure_rule_errors(df: pl.DataFrame, cols: dict[str, Column]) -> list[CellError]:
    """Cross-field checks on the merged (file + carried-forward) figures."""
    out: list[CellError] = []
    checks = [
        ("tech_staff", "employees", "科技人员数多于职工总数"),
        ("rd_staff", "employees", "研发人员数多于职工总数"),
        ("rd_expense", "operating_revenue", "研发费用总额大于营业收入"),
        ("rd_expense_domestic", "rd_expense", "境内研发费用大于研发费用总额"),
        ("high_tech_revenue", "total_revenue", "高新技术产品(服务)收入大于总收入"),
    ]
    for small, big, reason in checks:
        cond = pl.col(small) > pl.col(big)
        why = (
            pl.lit(f"{reason}（")
            + pl.col(small).cast(pl.String)
            + pl.lit(" > ")
            + pl.col(big).cast(pl.String)
            + pl.lit(f"{FIELDS_BY_CODE[big].unit}）")
        )
        out += rule_errors(df, cond, cols[small], pl.col(small), why)
    return out


def _import_zone_years(
    session: Session,
    principal: Principal,
    df: pl.DataFrame,
    errors: list[CellError],
    report: ImportReport,
    content: bytes,
    is_demo: bool,
) -> None:
    cols = {c.code: c for c in ZONE_YEAR_COLUMNS}
    report.counted = "个数值"
    zones = _lookup(session, Zone, ("name", "code", "full_name"))
    zone_ids = {k: z.id for k, z in zones.items()}
    df = df.with_columns(
        pl.col("zone")
        .replace_strict(zone_ids, default=None, return_dtype=pl.Int64)
        .alias("zone_id")
    )
    errors += rule_errors(
        df,
        pl.col("zone").is_not_null() & pl.col("zone_id").is_null(),
        cols["zone"],
        pl.col("zone"),
        "未知的高新区（请填写系统中已登记的名称或代码）",
    )
    denied = [
        zid
        for zid in df.get_column("zone_id").drop_nulls().unique().to_list()
        if not can_see_zone_data(principal, zid) or principal.scope not in ("all", "zone")
    ]
    errors += rule_errors(
        df, pl.col("zone_id").is_in(denied), cols["zone"], pl.col("zone"), "无权导入该高新区的数据"
    )
    errors += _duplicate_errors(df, ["zone_id", "year"], cols["year"], "同一高新区同一年度的数据")
    report.errors = errors
    indicator_codes = [z.code for z in ZONE_YEAR_INDICATORS]
    long = (
        df.filter(pl.col("zone_id").is_not_null())
        .unpivot(
            index=["zone_id", "year"],
            on=indicator_codes,
            variable_name="indicator_code",
            value_name="value",
        )
        .filter(pl.col("value").is_not_null())
    )
    stmt = select(
        ZoneYear.id,
        ZoneYear.zone_id,
        ZoneYear.year,
        ZoneYear.indicator_code,
        ZoneYear.value,
        ZoneYear.revision,
    ).where(ZoneYear.is_current.is_(True))
    old = pl.DataFrame(
        session.execute(stmt).all(),
        orient="row",
        schema={
            "__old_id": pl.Int64,
            "zone_id": pl.Int64,
            "year": pl.Int64,
            "indicator_code": pl.String,
            "__old_value": pl.Float64,
            "__old_rev": pl.Int64,
        },
    )
    merged = long.join(old, on=["zone_id", "year", "indicator_code"], how="left").with_columns(
        pl.when(pl.col("__old_id").is_null())
        .then(pl.lit("new"))
        .when(pl.col("value").ne_missing(pl.col("__old_value")))
        .then(pl.lit("revised"))
        .otherwise(pl.lit("same"))
        .alias("__status")
    )
    counts = dict(merged.group_by("__status").len().iter_rows())
    report.created, report.revised, report.unchanged = (
        counts.get("new", 0),
        counts.get("revised", 0),
        counts.get("same", 0),
    )
    if errors or report.dry_run:
        return
    batch = _new_batch(session, principal, "zone_years", report.filename, content, report, is_demo)
    revised_ids = merged.filter(pl.col("__status") == "revised").get_column("__old_id").to_list()
    if revised_ids:
        session.execute(
            update(ZoneYear).where(ZoneYear.id.in_(revised_ids)).values(is_current=False)
        )
    rows = (
        merged.filter(pl.col("__status") != "same")
        .select(
            "zone_id",
            "year",
            "indicator_code",
            "value",
            (pl.col("__old_rev").fill_null(0) + 1).alias("revision"),
            pl.lit(True).alias("is_current"),
            pl.lit(batch.id).alias("import_id"),
        )
        .to_dicts()
    )
    if rows:
        session.execute(insert(ZoneYear), rows)
    _finish_batch(session, batch, report)


# ---------------------------------------------------------------- exports


def export_frame(
    session: Session,
    principal: Principal,
    kind: str,
    flt: EnterpriseFilter | None = None,
    year: int | None = None,
) -> pl.DataFrame:
    """The rows an export writes, scoped to the principal, in template column codes."""
    check_kind(kind)
    flt = flt or EnterpriseFilter()
    if kind == "enterprises":
        ents = list(session.scalars(enterprise_query(principal, flt).order_by(Enterprise.id)))
        zones = {z.id: z.name for z in session.scalars(select(Zone))}
        parks = {p.id: p.name for p in session.scalars(select(Park))}
        carriers = {c.id: c.name for c in session.scalars(select(Carrier))}
        return pl.DataFrame(
            {
                "uscc": [e.uscc for e in ents],
                "name": [e.name for e in ents],
                "founded_on": [e.founded_on for e in ents],
                "region": [e.region_code for e in ents],
                "zone": [zones.get(e.zone_id) for e in ents],
                "park": [parks.get(e.park_id) for e in ents],
                "industry_code": [e.industry_code for e in ents],
                "tech_field": [e.tech_field for e in ents],
                "incubator": [carriers.get(e.incubator_id) for e in ents],
                "counted_zone": [zones.get(e.counted_zone_id) for e in ents],
            },
            schema={
                "uscc": pl.String,
                "name": pl.String,
                "founded_on": pl.Date,
                "region": pl.String,
                "zone": pl.String,
                "park": pl.String,
                "industry_code": pl.String,
                "tech_field": pl.String,
                "incubator": pl.String,
                "counted_zone": pl.String,
            },
        )
    if kind == "enterprise_years":
        ent_stmt = enterprise_query(principal, flt).with_only_columns(
            Enterprise.id, Enterprise.uscc, Enterprise.name
        )
        ents = pl.DataFrame(
            session.execute(ent_stmt).all(),
            orient="row",
            schema={"enterprise_id": pl.Int64, "uscc": pl.String, "name": pl.String},
        )
        figures = current_figures(
            session, ents.get_column("enterprise_id").to_list(), [year] if year else None
        )
        return (
            figures.join(ents, on="enterprise_id", how="inner")
            .sort(["uscc", "year"])
            .select(["uscc", "name", "year", *FIELD_CODES])
        )
    stmt = (
        select(Zone.name, ZoneYear.year, ZoneYear.indicator_code, ZoneYear.value)
        .join(Zone, Zone.id == ZoneYear.zone_id)
        .where(ZoneYear.is_current.is_(True), zone_data_scope(principal))
    )
    if year:
        stmt = stmt.where(ZoneYear.year == year)
    long = pl.DataFrame(
        session.execute(stmt).all(),
        orient="row",
        schema={
            "zone": pl.String,
            "year": pl.Int64,
            "indicator_code": pl.String,
            "value": pl.Float64,
        },
    )
    codes = [z.code for z in ZONE_YEAR_INDICATORS]
    if long.is_empty():
        return pl.DataFrame(
            schema={"zone": pl.String, "year": pl.Int64} | {c: pl.Float64 for c in codes}
        )
    wide = long.pivot(on="indicator_code", index=["zone", "year"], values="value")
    wide = wide.with_columns(
        [pl.lit(None, dtype=pl.Float64).alias(c) for c in codes if c not in wide.columns]
    )
    return wide.select(["zone", "year", *codes]).sort(["zone", "year"])


def export_file(
    session: Session,
    principal: Principal,
    kind: str,
    flt: EnterpriseFilter | None = None,
    year: int | None = None,
) -> bytes:
    """An .xlsx in the template's columns (so that it imports back unchanged); audited."""
    frame = export_frame(session, principal, kind, flt, year)
    audit.record(session, "export", kind, "", f"导出{kind_label(kind)}（{frame.height} 行）")
    return write_sheets([(SHEET_NAMES[kind], COLUMNS_BY_KIND[kind], frame)], NOTES[kind])


# ---------------------------------------------------------------- reads for pages and API


def enterprise_years(
    session: Session, principal: Principal, enterprise_id: int
) -> list[dict[str, Any]]:
    """An enterprise's current figures per year (scoped: empty if the principal may not see it)."""
    visible = session.scalar(
        select(Enterprise.id).where(Enterprise.id == enterprise_id, enterprise_scope(principal))
    )
    if visible is None:
        return []
    df = current_figures(session, [enterprise_id]).sort("year")
    return df.drop("id").to_dicts()


def enterprise_revisions(
    session: Session, principal: Principal, enterprise_id: int
) -> list[dict[str, Any]]:
    """Every revision of an enterprise's figures with the import it came from (scoped)."""
    visible = session.scalar(
        select(Enterprise.id).where(Enterprise.id == enterprise_id, enterprise_scope(principal))
    )
    if visible is None:
        return []
    stmt = (
        select(EnterpriseYear, ImportBatch.filename, ImportBatch.username, ImportBatch.created_at)
        .outerjoin(ImportBatch, ImportBatch.id == EnterpriseYear.import_id)
        .where(EnterpriseYear.enterprise_id == enterprise_id)
        .order_by(EnterpriseYear.year, EnterpriseYear.revision)
    )
    out = []
    for row, filename, username, at in session.execute(stmt).all():
        out.append(
            {
                "year": row.year,
                "revision": row.revision,
                "is_current": row.is_current,
                "import_id": row.import_id,
                "filename": filename,
                "username": username,
                "imported_at": at.isoformat() if at else None,
                **{c: getattr(row, c) for c in FIELD_CODES},
            }
        )
    return out


def list_imports(session: Session, principal: Principal, limit: int = 50) -> list[ImportBatch]:
    """Recent import batches: all for city admins, one's own otherwise."""
    stmt = select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)
    if not principal.is_city_admin:
        stmt = stmt.where(ImportBatch.user_id == principal.user_id)
    return list(session.scalars(stmt))


def zone_totals(
    session: Session, principal: Principal, years: list[int] | None = None
) -> pl.DataFrame:
    """Enterprise counts and revenue per zone and year over the enterprises the principal sees.

    An enterprise counts in its counted zone when it has one (飞地), otherwise where registered.
    """
    ent = pl.DataFrame(
        session.execute(
            select(Enterprise.id, Enterprise.zone_id, Enterprise.counted_zone_id).where(
                enterprise_scope(principal)
            )
        ).all(),
        orient="row",
        schema={"enterprise_id": pl.Int64, "zone_id": pl.Int64, "counted_zone_id": pl.Int64},
    )
    figures = current_figures(session, None, years).select(
        "enterprise_id", "year", "operating_revenue", "rd_expense", "employees"
    )
    zones = pl.DataFrame(
        session.execute(select(Zone.id, Zone.name, Zone.code)).all(),
        orient="row",
        schema={"zone_id": pl.Int64, "zone": pl.String, "zone_code": pl.String},
    )
    joined = (
        figures.join(ent, on="enterprise_id", how="inner")
        .with_columns(pl.coalesce("counted_zone_id", "zone_id").alias("zone_id"))
        .filter(pl.col("zone_id").is_not_null())
    )
    out = joined.group_by("zone_id", "year").agg(
        pl.len().alias("enterprises"),
        pl.col("operating_revenue").sum().alias("operating_revenue"),
        pl.col("rd_expense").sum().alias("rd_expense"),
        pl.col("employees").sum().alias("employees"),
    )
    return out.join(zones, on="zone_id", how="left").sort(["year", "zone_id"])


def zone_year_figures(session: Session, principal: Principal, zone_id: int) -> list[dict[str, Any]]:
    """A zone's current zone-level figures (empty when the principal may not see them)."""
    if not can_see_zone_data(principal, zone_id):
        return []
    from kechuang.statistics.zone_fields import ZONE_INDICATORS_BY_CODE

    stmt = (
        select(
            ZoneYear.year,
            ZoneYear.indicator_code,
            ZoneYear.value,
            ZoneYear.revision,
            ZoneYear.import_id,
        )
        .where(ZoneYear.zone_id == zone_id, ZoneYear.is_current.is_(True))
        .order_by(ZoneYear.year, ZoneYear.indicator_code)
    )
    out = []
    for year, code, value, revision, import_id in session.execute(stmt).all():
        ind = ZONE_INDICATORS_BY_CODE.get(code)
        out.append(
            {
                "year": year,
                "indicator_code": code,
                "name": ind.name if ind else code,
                "unit": ind.unit if ind else "",
                "value": value,
                "revision": revision,
                "import_id": import_id,
            }
        )
    return out


# --- enterprise lists with the year's figures -------------------------------------------

SORTS = {
    "name": Enterprise.name,
    "uscc": Enterprise.uscc,
    "founded_on": Enterprise.founded_on,
    "id": Enterprise.id,
}


def list_enterprises(
    session: Session,
    principal: Principal,
    flt: EnterpriseFilter,
    page: int = 1,
    page_size: int = 20,
    sort: str = "id",
    descending: bool = False,
    year: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the enterprises the principal may see, with the year's revenue; and the total."""
    page_size = max(1, min(page_size, 500))
    page = max(1, page)
    base = enterprise_query(principal, flt)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    year = year or latest_year(session)
    order = SORTS.get(sort, Enterprise.id)
    stats = (
        select(
            EnterpriseYear.enterprise_id, EnterpriseYear.operating_revenue, EnterpriseYear.employees
        )
        .where(EnterpriseYear.year == year, EnterpriseYear.is_current.is_(True))
        .subquery()
    )
    stmt = (
        base.add_columns(stats.c.operating_revenue, stats.c.employees)
        .outerjoin(stats, stats.c.enterprise_id == Enterprise.id)
        .options(selectinload(Enterprise.zone), selectinload(Enterprise.park))
        .order_by(order.desc() if descending else order, Enterprise.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    rows = []
    for ent, revenue, employees in session.execute(stmt).all():
        rows.append(
            {
                **enterprise_summary(ent),
                "operating_revenue": revenue,
                "employees": employees,
                "year": year,
            }
        )
    return rows, total


def latest_year(session: Session) -> int | None:
    """The newest fiscal year with current figures."""
    return session.scalar(
        select(func.max(EnterpriseYear.year)).where(EnterpriseYear.is_current.is_(True))
    )


# --- import kinds (declared in the domain manifest) -------------------------------------------


def enterprises_template() -> bytes:
    """The 企业名录 template."""
    return template("enterprises")


def enterprise_years_template() -> bytes:
    """The 企业年度统计 template."""
    return template("enterprise_years")


def zone_years_template() -> bytes:
    """The 高新区年度统计 template."""
    return template("zone_years")


def import_enterprises(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> ImportReport:
    """Import a 企业名录 file (all or nothing)."""
    return import_file(session, principal, "enterprises", content, filename, dry_run)


def import_enterprise_years(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> ImportReport:
    """Import a 企业年度统计 file (all or nothing)."""
    return import_file(session, principal, "enterprise_years", content, filename, dry_run)


def import_zone_years(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> ImportReport:
    """Import a 高新区年度统计 file (all or nothing)."""
    return import_file(session, principal, "zone_years", content, filename, dry_run)


def has_demo_data(session: Session) -> bool:
    """True when an import was made by the demo loader (pages show the 演示数据 badge)."""
    return (
        session.scalar(select(ImportBatch.id).where(ImportBatch.is_demo.is_(True)).limit(1))
        is not None
    )
