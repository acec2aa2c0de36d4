"""Imports of enterprises, enterprise-year and zone-year statistics.

Imports are all-or-nothing: the whole file is parsed and checked first; if any cell is bad the
report lists every bad cell and nothing is written. A correction creates a new revision, never an
overwrite; a blank cell in a correction keeps the previous value (reported as carried forward)
and a cell holding 〔清空〕 clears it (reported as cleared). An enterprises file changes only the
columns it has and stores each enterprise's changes as an `EnterpriseRevision` with the batch.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from kechuang.core import audit
from kechuang.core.db import bulk_insert, utcnow
from kechuang.core.excel import (
    CellError,
    Column,
    ImportFileError,
    parse_columns,
    read_sheet,
    rule_errors,
)
from kechuang.core.jobs import current_progress, iter_chunks, pause_for_tests
from kechuang.core.security import Principal
from kechuang.registry.models import TECH_FIELDS, Carrier, Enterprise, Park, Region, Zone
from kechuang.registry.scope import can_write_enterprise
from kechuang.statistics.fields import FIELD_CODES, FIELDS_BY_CODE
from kechuang.statistics.history import json_values
from kechuang.statistics.models import (
    EnterpriseRevision,
    EnterpriseYear,
    ImportBatch,
    Submission,
    ZoneYear,
)
from kechuang.statistics.queries import current_figures
from kechuang.statistics.scope import can_write_zone_year, submits_for_review
from kechuang.statistics.templates import (
    COLUMNS_BY_KIND,
    ENTERPRISE_COLUMNS,
    ENTERPRISE_YEAR_COLUMNS,
    ZONE_YEAR_COLUMNS,
    check_kind,
    kind_label,
)
from kechuang.statistics.zone_fields import ZONE_YEAR_INDICATORS


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
    cleared: int = 0  # values cleared by a 〔清空〕 cell
    errors: list[CellError] = field(default_factory=list)
    import_id: int | None = None
    counted: str = "行"  # zone-year files count figures (one row holds many indicators)
    notes: list[str] = field(default_factory=list)  # what was skipped, normalised or flagged
    submitted: bool = False  # stored as submissions awaiting review (an enterprise user's figures)
    refused: bool = False  # rows outside the caller's scope: nothing compared, nothing counted

    @property
    def ok(self) -> bool:
        """True when the file had no bad cell."""
        return not self.errors

    def message(self) -> str:
        """A one-line Chinese summary, followed by what was skipped or normalised."""
        tail = "".join(f"\n· {n}" for n in self.notes)
        if self.refused:
            return f"{REFUSED}：文件“{self.filename}”未导入任何数据。" + tail
        if self.errors:
            return (
                f"文件“{self.filename}”有 {len(self.errors)} 处错误，未导入任何数据。"
                "请按错误报告修改后重新导入。" + tail
            )
        verb = "校验通过（试导入，未保存）" if self.dry_run else "导入成功"
        if self.submitted and not self.dry_run:
            verb = "已提交审核（高新区管理员审核通过后生效）"
        text = f"{kind_label(self.kind)}{verb}：共 {self.rows_total} 行"
        if self.counted != "行":
            text += f"，含 {self.created + self.revised + self.unchanged} {self.counted}"
        text += f"；新增 {self.created}，更正 {self.revised}，未变化 {self.unchanged}"
        if self.carried_forward:
            text += f"；{self.carried_forward} 个空白单元格沿用了上一版本的数值"
        if self.cleared:
            text += f"；{self.cleared} 个原有数值按〔清空〕标记清除"
        return text + tail

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
            "cleared": self.cleared,
            "import_id": self.import_id,
            "message": self.message(),
            "errors": [e.__dict__ for e in self.errors],
            "notes": list(self.notes),
            "submitted": self.submitted,
            "refused": self.refused,
        }


# The whole report of a file with rows outside the caller's scope: no counts, nothing about
# stored values, so a dry run cannot confirm another zone's or enterprise's figures.
REFUSED = "无权导入该企业/高新区的数据"
# The cell reason for an enterprise a non-bureau principal may not write, whether or not it is
# registered: telling the two apart would say that a code exists elsewhere.
NOT_YOURS = "企业未登记或无权导入该企业的数据"


def refuse(report: ImportReport, scope_errors: list[CellError]) -> None:
    """Reduce the report to the scope refusal: only the out-of-scope cells, no counts.

    Called before the handler compares anything with stored data, so the notes are still the
    file's own (columns ignored, cells normalised)."""
    report.refused = True
    report.errors = sorted(scope_errors, key=lambda e: (e.row, e.column))
    report.created = report.revised = report.unchanged = 0
    report.carried_forward = report.cleared = 0


def import_file(
    session: Session,
    principal: Principal,
    kind: str,
    content: bytes,
    filename: str,
    dry_run: bool = False,
    is_demo: bool = False,
    ignore_columns: Sequence[str] | bool = (),
    percent_as_fraction: bool = False,
) -> ImportReport:
    """Validate a file and, when every cell is good and it is not a dry run, store it.

    `ignore_columns` names headers to leave out (True: every header that is not a template
    column); `percent_as_fraction` confirms that a (%) column holding only values up to 1 is
    written as fractions (0.35 = 35%). Both are reported in the notes.
    """
    report = ImportReport(kind=kind, filename=filename, dry_run=dry_run)
    progress = current_progress()
    progress.start("parse")
    try:
        check_kind(kind)
        columns = COLUMNS_BY_KIND[kind]
        sheet = read_sheet(content, filename, columns, ignore_columns=ignore_columns)
    except ImportFileError as exc:
        report.errors.append(CellError(0, "（文件）", filename, str(exc)))
        return report
    report.notes = list(sheet.notes)
    if sheet.errors:
        report.errors = sheet.errors
        return report
    parsed = parse_columns(
        sheet.data,
        columns,
        sheet.rows,
        units=sheet.units,
        percent_as_fraction=percent_as_fraction,
    )
    report.notes += parsed.notes
    report.rows_total = parsed.data.height
    progress.start("check", report.rows_total)
    pause_for_tests("check")
    if report.rows_total == 0:
        report.errors.append(CellError(0, "（文件）", filename, "文件中没有数据行"))
        return report
    handler = {
        "enterprises": _import_enterprises,
        "enterprise_years": _import_enterprise_years,
        "zone_years": _import_zone_years,
    }[kind]
    errors = parsed.errors + sheet.cell_errors
    handler(session, principal, parsed.data, errors, report, content, is_demo, sheet.present)
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
    progress = current_progress()
    batch = ImportBatch(
        job_id=progress.job_id,
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


# The file column of each enterprise attribute whose name differs from it.
_CODE_OF_ATTR = {
    "region_code": "region",
    "zone_id": "zone",
    "park_id": "park",
    "incubator_id": "incubator",
    "counted_zone_id": "counted_zone",
}


def _import_enterprises(
    session: Session,
    principal: Principal,
    df: pl.DataFrame,
    errors: list[CellError],
    report: ImportReport,
    content: bytes,
    is_demo: bool,
    present: frozenset[str],
) -> None:
    """Create or update enterprises from the columns present; a blank cell keeps the old value,
    〔清空〕 clears it; every change is stored as a revision with the batch."""
    cols = {c.code: c for c in ENTERPRISE_COLUMNS}
    errors += _duplicate_errors(df, ["uscc"], cols["uscc"], "统一社会信用代码")
    zones = _lookup(session, Zone, ("name", "code", "full_name"))
    zones_by_id = {z.id: z for z in zones.values()}
    regions = _lookup(session, Region, ("name", "code"))
    all_parks = list(session.scalars(select(Park)))
    parks = {p.code: p for p in all_parks}
    parks_by_id = {p.id: p for p in all_parks}
    parks_by_zone_name = {(p.zone_id, p.name): p for p in all_parks}
    carriers = _lookup(session, Carrier, ("name", "code"))
    usccs = df.get_column("uscc").drop_nulls().to_list()
    # in slices: PostgreSQL takes at most 65,535 parameters in one statement (a 100k-row file)
    existing = {
        e.uscc: e
        for start in range(0, len(usccs), 10_000)
        for e in session.scalars(
            select(Enterprise).where(Enterprise.uscc.in_(usccs[start : start + 10_000]))
        )
    }

    # rows of enterprises the caller may not change are refused before anything is compared
    refused = _enterprises_out_of_scope(principal, df, existing, zones, cols["uscc"])
    if refused:
        refuse(report, refused)
        return

    def zone_name(zone_id: int | None) -> str:
        return zones_by_id[zone_id].name if zone_id in zones_by_id else "（空）"

    planned: list[tuple[dict[str, Any], Enterprise | None, dict[str, Any]]] = []
    for row in df.iter_rows(named=True):
        r = row["__row"]
        bad_before = len(errors)
        current = existing.get(row["uscc"]) if row["uscc"] else None

        def err(code: str, value: Any, reason: str, r: int = r) -> None:
            errors.append(
                CellError(
                    r, cols[code].template_header, "" if value is None else str(value), reason
                )
            )

        def pick(code: str, attr: str, resolve: Any, unknown: str, row=row, current=current):
            """Cleared → None; given → resolved (an error when unknown); blank or absent → kept."""
            if row.get(f"__clear_{code}"):
                return None
            kept = getattr(current, attr) if current is not None else None
            if row[code] is None:
                return kept
            value = resolve(row[code])
            if value is None:
                err(code, row[code], unknown)
                return kept
            return value

        zone_id = pick(
            "zone",
            "zone_id",
            lambda v: zones[v].id if v in zones else None,
            "未知的高新区（请填写系统中已登记的高新区名称或代码）",
        )
        counted_id = pick(
            "counted_zone",
            "counted_zone_id",
            lambda v: zones[v].id if v in zones else None,
            "未知的高新区",
        )
        if counted_id is not None and counted_id == zone_id:
            counted_id = None  # counted where registered: not an enclave
        zone_moved = row["zone"] is not None and zone_id != (current.zone_id if current else None)
        if row.get("__clear_region") or row["region"] is not None:
            region_code = pick(
                "region",
                "region_code",
                lambda v: regions[v].code if v in regions else None,
                "未知的区县（请填写区县名称或6位行政区划代码）",
            )
        elif zone_id is not None and (current is None or ("region" not in present and zone_moved)):
            # the zone's district, for a new enterprise or one moved by a file without 区县
            region_code = zones_by_id[zone_id].region_code or (
                current.region_code if current else None
            )
        else:
            region_code = current.region_code if current else None
        park_id = pick(
            "park",
            "park_id",
            lambda v, z=zone_id: (parks.get(v) or parks_by_zone_name.get((z, v)) or _NO_PARK).id,
            "园区不存在或不属于所填高新区",
        )
        park = parks_by_id.get(park_id) if park_id is not None else None
        if park is not None and zone_id is not None and park.zone_id != zone_id:
            if row["park"] is not None:
                err("park", row["park"], "园区不存在或不属于所填高新区")
            else:
                err(
                    "park",
                    None,
                    f"原登记园区“{park.name}”不属于{zone_name(zone_id)}："
                    "请同时填写新的所在园区，或填写〔清空〕",
                )
        incubator_id = pick(
            "incubator",
            "incubator_id",
            lambda v: carriers[v].id if v in carriers else None,
            "未知的孵化载体",
        )
        tech_field = pick(
            "tech_field",
            "tech_field",
            lambda v: v if v in TECH_FIELDS else None,
            "技术领域应为八大领域之一：" + "、".join(TECH_FIELDS),
        )
        industry_code = pick(
            "industry_code",
            "industry_code",
            lambda v: v.upper() if _valid_industry_code(v.upper()) else None,
            "行业代码应为 GB/T 4754 门类字母加2-4位数字，如 C3511",
        )
        founded_on = pick("founded_on", "founded_on", lambda v: v, "")
        name = row["name"] if row["name"] is not None else (current.name if current else None)
        if not can_write_enterprise(
            principal, zone_id, current.id if current else None, counted_id
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
            "name": name,
            "founded_on": founded_on,
            "region_code": region_code,
            "zone_id": zone_id,
            "park_id": park_id,
            "industry_code": industry_code,
            "tech_field": tech_field,
            "incubator_id": incubator_id,
            "counted_zone_id": counted_id,
        }
        if current is None:
            planned.append(({"uscc": row["uscc"], **values}, None, {}))
            continue
        before = {k: getattr(current, k) for k, v in values.items() if getattr(current, k) != v}
        report.cleared += sum(1 for k in before if row.get(f"__clear_{_CODE_OF_ATTR.get(k, k)}"))
        for attr, label in (("zone_id", "所属高新区"), ("counted_zone_id", "统计归属高新区")):
            if attr in before:
                report.notes.append(
                    f"第{r}行 {name}：{label}由 {zone_name(before[attr])} "
                    f"改为 {zone_name(values[attr])}"
                )
        planned.append((values, current, before))
    report.errors = errors
    report.created = sum(1 for _, cur, _ in planned if cur is None)
    report.revised = sum(1 for _, cur, before in planned if cur is not None and before)
    report.unchanged = len(planned) - report.created - report.revised
    if errors or report.dry_run:
        return
    progress = current_progress()
    progress.start("store", len(planned))
    batch = _new_batch(session, principal, "enterprises", report.filename, content, report, is_demo)
    created: list[tuple[Enterprise, dict[str, Any]]] = []
    for values, current, before in planned:
        progress.advance()
        if current is None:
            ent = Enterprise(**values, import_id=batch.id, is_demo=is_demo)
            session.add(ent)
            created.append((ent, values))
        elif before:
            after = {k: values[k] for k in before}
            for key, value in after.items():
                setattr(current, key, value)
            current.import_id = batch.id
            session.add(
                EnterpriseRevision(
                    enterprise_id=current.id,
                    import_id=batch.id,
                    action="update",
                    before=json_values(before),
                    after=json_values(after),
                    username=principal.username,
                )
            )
    session.flush()
    for ent, values in created:
        session.add(
            EnterpriseRevision(
                enterprise_id=ent.id,
                import_id=batch.id,
                action="create",
                before={},
                after=json_values({k: v for k, v in values.items() if v is not None}),
                username=principal.username,
            )
        )
    session.flush()
    _finish_batch(session, batch, report)


def _enterprises_out_of_scope(
    principal: Principal,
    df: pl.DataFrame,
    existing: dict[str, Enterprise],
    zones: dict[str, Zone],
    column: Column,
) -> list[CellError]:
    """The 统一社会信用代码 cells of registered enterprises the principal may not change, and of
    new ones the file places in a zone he may not write (judged on scope alone)."""
    out = []
    for row in df.iter_rows(named=True):
        current = existing.get(row["uscc"]) if row["uscc"] else None
        if current is not None:
            ok = can_write_enterprise(
                principal, current.zone_id, current.id, current.counted_zone_id
            )
        elif row["uscc"] is not None and row["zone"] in zones:
            counted = zones.get(row["counted_zone"]) if row["counted_zone"] else None
            ok = can_write_enterprise(
                principal, zones[row["zone"]].id, None, counted.id if counted else None
            )
        else:
            continue  # a new enterprise without a known zone: an ordinary bad cell below
        if not ok:
            out.append(
                CellError(row["__row"], column.template_header, row["uscc"], "无权导入该企业的数据")
            )
    return out


class _NoPark:
    """Stands for an unknown park in a lookup (its id is None, which `pick` reports)."""

    id = None


_NO_PARK = _NoPark()


def _valid_industry_code(code: str) -> bool:
    return re.fullmatch(r"[A-T](\d{2}|\d{3}|\d{4})?", code) is not None


def _import_enterprise_years(
    session: Session,
    principal: Principal,
    df: pl.DataFrame,
    errors: list[CellError],
    report: ImportReport,
    content: bytes,
    is_demo: bool,
    present: frozenset[str],
) -> None:
    cols = {c.code: c for c in ENTERPRISE_YEAR_COLUMNS}
    errors += _duplicate_errors(df, ["uscc", "year"], cols["year"], "同一企业同一年度的数据")
    usccs = df.get_column("uscc").drop_nulls().unique().to_list()
    ent_rows = session.execute(
        select(
            Enterprise.uscc,
            Enterprise.id,
            Enterprise.zone_id,
            Enterprise.counted_zone_id,
            Enterprise.name,
        )
    ).all()
    allowed = {u: (i, can_write_enterprise(principal, z, i, c)) for u, i, z, c, _ in ent_rows}
    names = {u: n for u, i, z, c, n in ent_rows if allowed[u][1]}  # never shown to others
    unknown = [u for u in usccs if u not in allowed]
    denied = [u for u in usccs if u in allowed and not allowed[u][1]]
    if principal.scope != "all":
        # outside the bureau an unregistered code and another's enterprise read alike, and either
        # refuses the file before any figure is compared
        refused = rule_errors(
            df, pl.col("uscc").is_in(unknown + denied), cols["uscc"], pl.col("uscc"), NOT_YOURS
        )
        if refused:
            refuse(report, refused)
            return
    errors += rule_errors(
        df,
        pl.col("uscc").is_in(unknown),
        cols["uscc"],
        pl.col("uscc"),
        "企业未登记：请先在“企业名录”中导入该企业",
    )
    ids = pl.DataFrame(
        {"uscc": list(allowed), "enterprise_id": [v[0] for v in allowed.values()]},
        schema={"uscc": pl.String, "enterprise_id": pl.Int64},
    )
    frame = df.join(ids, on="uscc", how="left")
    errors += _name_errors(frame, names, cols["name"])
    years = frame.get_column("year").drop_nulls().unique().to_list()
    existing = current_figures(
        session, frame.get_column("enterprise_id").drop_nulls().unique().to_list(), years
    )
    old = existing.rename(
        {c: f"__old_{c}" for c in FIELD_CODES} | {"id": "__old_id", "revision": "__old_rev"}
    )
    merged = frame.join(old, on=["enterprise_id", "year"], how="left")
    marked = {c: _marked(merged, c) for c in FIELD_CODES}
    had_old = {c: pl.col(f"__old_{c}").is_not_null() for c in FIELD_CODES}
    carried = _count(merged, [pl.col(c).is_null() & had_old[c] & ~marked[c] for c in FIELD_CODES])
    report.cleared = _count(merged, [marked[c] & had_old[c] for c in FIELD_CODES])
    merged = merged.with_columns(
        [  # a marked cell retires the value: the new revision has none
            pl.when(~marked[c]).then(pl.coalesce(pl.col(c), pl.col(f"__old_{c}"))).alias(c)
            for c in FIELD_CODES
        ]
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
    to_store = merged.filter(pl.col("__status") != "same")
    progress = current_progress()
    progress.start("store", to_store.height)
    batch = _new_batch(
        session, principal, "enterprise_years", report.filename, content, report, is_demo
    )
    # An enterprise user's figures wait for review: stored non-current, the current ones stay.
    submit = submits_for_review(principal)
    report.submitted = submit
    revised_ids = merged.filter(pl.col("__status") == "revised").get_column("__old_id").to_list()
    for start in range(0, 0 if submit else len(revised_ids), 1000):
        session.execute(
            update(EnterpriseYear)
            .where(EnterpriseYear.id.in_(revised_ids[start : start + 1000]))
            .values(is_current=False)
        )
    next_revision = _next_revisions(
        session, "enterprise_years", EnterpriseYear, ["enterprise_id", "year"], to_store
    )
    bases = to_store.select("enterprise_id", "year", "__old_id")
    to_store = to_store.select(
        "enterprise_id",
        "year",
        next_revision.alias("revision"),
        pl.lit(not submit).alias("is_current"),
        pl.lit(batch.id).alias("import_id"),
        pl.lit(utcnow()).alias("created_at"),
        *FIELD_CODES,
    )
    for chunk in iter_chunks(to_store.rows()):
        bulk_insert(session, EnterpriseYear.__table__, to_store.columns, chunk)
        progress.advance(len(chunk))
        pause_for_tests("store")
    if submit:
        _store_submissions(session, principal, batch, bases)
    _finish_batch(session, batch, report)


def _store_submissions(
    session: Session, principal: Principal, batch: ImportBatch, bases: pl.DataFrame
) -> None:
    """One pending submission per stored revision; an older pending one for the same enterprise
    and year is superseded (the reviewer sees only the latest figures)."""
    stored = session.execute(
        select(EnterpriseYear.id, EnterpriseYear.enterprise_id, EnterpriseYear.year).where(
            EnterpriseYear.import_id == batch.id
        )
    ).all()
    base_of = {(e, y): b for e, y, b in bases.iter_rows()}
    for rev_id, enterprise_id, year in stored:
        session.execute(
            update(Submission)
            .where(
                Submission.enterprise_id == enterprise_id,
                Submission.year == year,
                Submission.status == "pending",
            )
            .values(status="superseded")
        )
        session.add(
            Submission(
                enterprise_year_id=rev_id,
                base_id=base_of.get((enterprise_id, year)),
                enterprise_id=enterprise_id,
                year=year,
                import_id=batch.id,
                status="pending",
                reason="",
                user_id=principal.user_id,
                submitted_by=principal.username,
            )
        )
    session.flush()


def _marked(df: pl.DataFrame, code: str) -> pl.Expr:
    """True on rows whose cell in the column holds the clear marker 〔清空〕."""
    name = f"__clear_{code}"
    return pl.col(name).fill_null(False) if name in df.columns else pl.lit(False)


def _count(df: pl.DataFrame, conditions: list[pl.Expr]) -> int:
    """How many (row, condition) pairs hold."""
    if not conditions or df.is_empty():
        return 0
    total = df.select(pl.sum_horizontal([c.cast(pl.Int64) for c in conditions]).sum()).item()
    return int(total or 0)


def fold_name(expr: pl.Expr) -> pl.Expr:
    """An enterprise name for comparison: full-width folded to half-width (（） → ()), no spaces."""
    return expr.str.normalize("NFKC").str.replace_all(r"\s+", "")


def _name_errors(frame: pl.DataFrame, names: dict[str, str], column: Column) -> list[CellError]:
    """The 企业名称 cells (仅供核对) that do not match the registered name; a blank cell is not checked."""
    registered = pl.DataFrame(
        {"uscc": list(names), "__reg_name": list(names.values())},
        schema={"uscc": pl.String, "__reg_name": pl.String},
    )
    checked = frame.join(registered, on="uscc", how="left")
    return rule_errors(
        checked,
        pl.col("name").is_not_null()
        & pl.col("__reg_name").is_not_null()
        & (fold_name(pl.col("name")) != fold_name(pl.col("__reg_name"))),
        column,
        pl.col("name"),
        pl.lit("企业名称与登记不符：文件为“")
        + pl.col("name")
        + pl.lit("”，登记为“")
        + pl.col("__reg_name")
        + pl.lit("”"),
    )


def _next_revisions(
    session: Session, kind: str, model: type, keys: list[str], frame: pl.DataFrame
) -> pl.Expr:
    """The revision number each stored row gets: one above the highest stored for its key.

    Without undone imports the current revision is the highest; once an import of this kind was
    undone, or an enterprise submitted figures for review, non-current revisions above the current
    one exist and must not be reused.
    """
    undone = session.scalar(
        select(ImportBatch.id)
        .where(ImportBatch.kind == kind, ImportBatch.undone_at.is_not(None))
        .limit(1)
    )
    if undone is None and model is EnterpriseYear:
        # pending and rejected submissions are revisions above the current one too
        undone = session.scalar(select(Submission.id).limit(1))
    if undone is None or frame.is_empty():
        return pl.col("__old_rev").fill_null(0) + 1
    first = keys[0]
    ids = frame.get_column(first).unique().to_list()
    found: list[tuple] = []
    for start in range(0, len(ids), 1000):
        stmt = (
            select(*[getattr(model, k) for k in keys], func.max(model.revision))
            .where(getattr(model, first).in_(ids[start : start + 1000]))
            .group_by(*[getattr(model, k) for k in keys])
        )
        found += session.execute(stmt).all()
    highest = pl.DataFrame(
        found, schema=[*keys, "__max_rev"], orient="row", infer_schema_length=None
    )
    lookup = frame.select(keys).join(
        highest, on=keys, how="left", coalesce=True, maintain_order="left"
    )
    return pl.Series("__rev", lookup.get_column("__max_rev").fill_null(0) + 1).cast(pl.Int64)


def _figure_rule_errors(df: pl.DataFrame, cols: dict[str, Column]) -> list[CellError]:
    """Cross-field checks on the merged (file + carried-forward) figures."""
    out: list[CellError] = []
    checks = [
        ("tech_staff", "employees", "科技人员数多于职工总数"),
        ("rd_staff", "employees", "研发人员数多于职工总数"),
        ("rd_expense", "operating_revenue", "研发费用总额大于营业收入"),
        ("rd_expense_domestic", "rd_expense", "境内研发费用大于研发费用总额"),
        ("high_tech_revenue", "total_revenue", "高新技术产品(服务)收入大于总收入"),
        ("ip_class1_self_developed", "ip_class1", "自主研发Ⅰ类知识产权数多于Ⅰ类知识产权数"),
        ("ip_class1_high_value", "ip_class1", "高价值Ⅰ类知识产权数多于Ⅰ类知识产权数"),
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
    present: frozenset[str],
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
        if not can_write_zone_year(principal, zid)
    ]
    refused = rule_errors(
        df, pl.col("zone_id").is_in(denied), cols["zone"], pl.col("zone"), "无权导入该高新区的数据"
    )
    if refused:  # before any stored value is compared
        refuse(report, refused)
        return
    errors += _duplicate_errors(df, ["zone_id", "year"], cols["year"], "同一高新区同一年度的数据")
    report.errors = errors
    indicator_codes = [z.code for z in ZONE_YEAR_INDICATORS]
    known = df.filter(pl.col("zone_id").is_not_null())
    long = known.unpivot(
        index=["zone_id", "year"],
        on=indicator_codes,
        variable_name="indicator_code",
        value_name="value",
    )
    # a cell marked 〔清空〕 stays (with no value), so that it retires the current value
    clear = known.select(
        "zone_id", "year", *[_marked(known, c).alias(c) for c in indicator_codes]
    ).unpivot(
        index=["zone_id", "year"],
        on=indicator_codes,
        variable_name="indicator_code",
        value_name="__clear",
    )
    long = long.with_columns(clear.get_column("__clear")).filter(
        pl.col("value").is_not_null() | pl.col("__clear")
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
    merged = long.join(old, on=["zone_id", "year", "indicator_code"], how="left")
    # a marker where there is nothing to clear (no value, or one already cleared) changes nothing
    merged = merged.filter(~pl.col("__clear") | pl.col("__old_value").is_not_null())
    report.cleared = merged.height - merged.filter(~pl.col("__clear")).height
    merged = merged.with_columns(
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
    to_store = merged.filter(pl.col("__status") != "same")
    progress = current_progress()
    progress.start("store", to_store.height)
    batch = _new_batch(session, principal, "zone_years", report.filename, content, report, is_demo)
    revised_ids = merged.filter(pl.col("__status") == "revised").get_column("__old_id").to_list()
    if revised_ids:
        session.execute(
            update(ZoneYear).where(ZoneYear.id.in_(revised_ids)).values(is_current=False)
        )
    next_revision = _next_revisions(
        session, "zone_years", ZoneYear, ["zone_id", "year", "indicator_code"], to_store
    )
    rows = to_store.select(
        "zone_id",
        "year",
        "indicator_code",
        "value",
        next_revision.alias("revision"),
        pl.lit(True).alias("is_current"),
        pl.lit(batch.id).alias("import_id"),
    ).to_dicts()
    if rows:
        session.execute(insert(ZoneYear), rows)
    progress.advance(len(rows))
    _finish_batch(session, batch, report)


# --- import kinds (declared in the domain manifest) --------------------------------------------


def import_enterprises(
    session: Session,
    principal: Principal,
    content: bytes,
    filename: str,
    dry_run: bool = False,
    **options: Any,
) -> ImportReport:
    """Import a 企业名录 file (all or nothing)."""
    return import_file(session, principal, "enterprises", content, filename, dry_run, **options)


def import_enterprise_years(
    session: Session,
    principal: Principal,
    content: bytes,
    filename: str,
    dry_run: bool = False,
    **options: Any,
) -> ImportReport:
    """Import a 企业年度统计 file (all or nothing)."""
    return import_file(
        session, principal, "enterprise_years", content, filename, dry_run, **options
    )


def import_zone_years(
    session: Session,
    principal: Principal,
    content: bytes,
    filename: str,
    dry_run: bool = False,
    **options: Any,
) -> ImportReport:
    """Import a 高新区年度统计 file (all or nothing)."""
    return import_file(session, principal, "zone_years", content, filename, dry_run, **options)
