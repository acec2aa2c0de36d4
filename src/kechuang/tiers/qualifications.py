"""The qualifications register: titles, certificates, awards, R&D institutions and market facts
the enterprise-year statistics do not hold, their import (all or nothing, audited) and the `q_*`
facts they give the tier features for an assessment year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

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
from kechuang.registry.models import Enterprise
from kechuang.statistics.imports import NOT_YOURS, REFUSED
from kechuang.tiers.features import reference_date
from kechuang.tiers.models import EnterpriseQualification
from kechuang.tiers.scope import may_import_qualifications, visible_enterprise, visible_ids_by_uscc

# The qualifications register: what each kind means (qualification_facts: which `q_*` fact it feeds).
QUAL_KINDS: dict[str, str] = {
    "hnte_certificate": "高新技术企业证书",
    "national_sci_award": "国家级科技奖励（获奖单位排名前三）",
    "provincial_sci_award": "省部级科技奖励（获奖单位排名前三）",
    "rd_institution": "省部级以上研发机构",
    "innovation_honour": "国家级技术创新示范企业/知识产权优势（示范）企业",
    "innovative_sme_title": "创新型（科技和创新型）中小企业称号",
    "specialised_sme_title": "专精特新中小企业称号",
    "little_giant_title": "专精特新“小巨人”称号",
    "niche_market": "从事特定细分市场（填开始日期）",
    "market_top": "主导产品细分市场占有率≥10%或前三",
    "zjtx_score": "专精特新发展评价得分（填分值与年度日期）",
    "hnte_application": "高企认定申请（取得日期填申请日期）",
    "hnte_innovation_score": "高企创新能力专家评分（填总分0–100与评审日期）",
    "hnte_core_ip_score": "高企知识产权核心支持作用评分（填0–8分与评审日期）",
}
# kinds whose value is required, with its bounds (both included)
SCORE_BOUNDS: dict[str, tuple[float, float]] = {
    "hnte_innovation_score": (0.0, 100.0),
    "hnte_core_ip_score": (0.0, 8.0),
}
QUAL_BY_LABEL = {v: k for k, v in QUAL_KINDS.items()}
CERTIFICATE_YEARS = 3
TITLE_YEARS = 3  # MIIT titles are valid three years (reviewed at expiry)
# Kinds with a fixed validity (years from 取得日期): a blank 有效期至 is filled from it, and a given
# one may not run past it (plus EXPIRY_SLACK_DAYS).
VALIDITY_YEARS: dict[str, int] = {
    "hnte_certificate": CERTIFICATE_YEARS,
    "innovative_sme_title": TITLE_YEARS,
    "specialised_sme_title": TITLE_YEARS,
    "little_giant_title": TITLE_YEARS,
}
# Registers sometimes count validity from the 认定公告 date rather than the certificate's 发证日期,
# which lie weeks apart; a month of slack accepts that and still catches a wrong year.
EXPIRY_SLACK_DAYS = 31
# The rule for "an HNTE in year Y", the same on every page (tiers dashboard, funnel, zone
# evaluation): it holds a certificate valid on 31 December of Y (issued by then, not yet expired).
HNTE_RULE = "年末（12月31日）持有有效期内的高新技术企业证书（资质登记）"


QUAL_COLUMNS: tuple[Column, ...] = (
    Column("uscc", "统一社会信用代码", "uscc", required=True),
    Column("kind", "资质类型", required=True, note="可填：" + "、".join(QUAL_KINDS.values())),
    Column("level", "级别", note="如 国家级、省级"),
    Column(
        "obtained_on",
        "取得日期",
        "date",
        required=True,
        note="证书发证日期、获奖日期或开始从事日期",
    ),
    Column(
        "expires_on",
        "有效期至",
        "date",
        note="空白时：高企证书按3年计，称号按3年计，其余长期；可晚于今天，但不得超过取得日期起的有效期",
        allow_future=True,
    ),
    Column("value", "数值", "decimal", note="评价得分、市场占有率(%)等"),
    Column("reference", "证书编号/文号"),
    Column("note", "备注"),
)


def expiry_expr() -> pl.Expr:
    """A register row's 有效期至: the one given, else its kind's validity from 取得日期 (else none)."""
    obtained = pl.col("obtained_on").cast(pl.Date)
    filled = pl.lit(None, dtype=pl.Date)
    for kind, years in VALIDITY_YEARS.items():
        filled = (
            pl.when(pl.col("kind") == kind)
            .then(obtained.dt.offset_by(f"{years}y").dt.offset_by("-1d"))
            .otherwise(filled)
        )
    return pl.coalesce(pl.col("expires_on").cast(pl.Date), filled)


def hnte_valid_expr(year: int) -> pl.Expr:
    """True on a row that is an HNTE certificate valid on 31 December of `year` (HNTE_RULE);
    needs `expires_on` already filled by expiry_expr()."""
    ref = reference_date(year)
    return (
        (pl.col("kind") == "hnte_certificate")
        & (pl.col("obtained_on") <= ref)
        & (pl.col("expires_on") >= ref)
    )


def hnte_holders(
    session: Session, years: list[int], enterprise_ids: list[int] | None = None
) -> pl.DataFrame:
    """The one source of the 高新技术企业 count: (enterprise_id, year, zone_id) for every enterprise
    holding a certificate valid at the end of each year (HNTE_RULE), zone_id being the zone its
    statistics count in (counted zone, else registered zone). `enterprise_ids` come scoped (None:
    all, for the zone evaluation that needs every peer)."""
    quals = qualification_frame(session, enterprise_ids).filter(
        pl.col("kind") == "hnte_certificate"
    )
    quals = quals.with_columns(pl.col("obtained_on").cast(pl.Date), expiry_expr())
    held = pl.concat(
        [
            quals.filter(hnte_valid_expr(y)).select(
                pl.col("key").alias("enterprise_id"), pl.lit(y, dtype=pl.Int64).alias("year")
            )
            for y in sorted(set(years))
        ]
        or [pl.DataFrame(schema={"enterprise_id": pl.Int64, "year": pl.Int64})],
        how="vertical",
    ).unique()
    ids = held.get_column("enterprise_id").unique().to_list()
    stmt = select(Enterprise.id, Enterprise.zone_id, Enterprise.counted_zone_id)
    if len(ids) < 5000:
        # a long IN list would pass the databases' bound-parameter limits: then read them all
        stmt = stmt.where(Enterprise.id.in_(ids))
    zones = pl.DataFrame(
        session.execute(stmt).all() if ids else [],
        schema={"enterprise_id": pl.Int64, "zone_id": pl.Int64, "counted_zone_id": pl.Int64},
        orient="row",
    )
    return (
        held.join(zones, on="enterprise_id", how="left")
        .select("enterprise_id", "year", pl.coalesce("counted_zone_id", "zone_id").alias("zone_id"))
        .sort("year", "enterprise_id")
    )


def qualification_facts(quals: pl.DataFrame, year: int, key: str = "key") -> pl.DataFrame:
    """From qualification rows (key, kind, level, obtained_on, expires_on, value) to the tier
    features' `q_*` facts for an assessment year, one row per key."""
    ref = reference_date(year)
    if quals.is_empty():
        return pl.DataFrame(schema={key: quals.schema.get(key, pl.Int64)})
    q = quals.with_columns(pl.col("obtained_on").cast(pl.Date), expiry_expr())
    valid = (pl.col("obtained_on") <= ref) & (
        pl.col("expires_on").is_null() | (pl.col("expires_on") >= ref)
    )
    since = lambda n: pl.col("obtained_on") >= date(year - n + 1, 1, 1)
    kind = pl.col("kind")
    applied_next = pl.col("obtained_on").dt.year() == year + 1
    return q.group_by(key).agg(
        hnte_valid_expr(year).any().alias("q_hnte_valid"),
        (valid & (kind == "national_sci_award") & since(5)).any().alias("q_national_award_5y"),
        (valid & (kind == "national_sci_award") & since(3)).any().alias("q_national_award_3y"),
        (valid & kind.is_in(["national_sci_award", "provincial_sci_award"]) & since(3))
        .any()
        .alias("q_award_3y"),
        (valid & kind.is_in(["national_sci_award", "provincial_sci_award"]) & since(3))
        .any()
        .alias("q_prov_award_3y"),
        (valid & (kind == "rd_institution")).any().alias("q_rd_institution"),
        (valid & (kind == "innovation_honour")).any().alias("q_honour"),
        (valid & (kind == "innovative_sme_title")).any().alias("q_innovative_title"),
        (valid & (kind == "specialised_sme_title")).any().alias("q_specialised_title"),
        (valid & (kind == "little_giant_title")).any().alias("q_little_giant_title"),
        # 从事细分市场年限 at the end of the assessment year; null when never declared
        pl.when(kind == "niche_market")
        .then((pl.lit(ref) - pl.col("obtained_on")).dt.total_days() / 365.25)
        .max()
        .alias("q_niche_years"),
        pl.when(valid & (kind == "market_top")).then(pl.lit(True)).max().alias("q_market_top"),
        pl.when((kind == "zjtx_score") & (pl.col("obtained_on").dt.year() == year))
        .then(pl.col("value"))
        .max()
        .alias("q_zjtx_score"),
        # An HNTE application on year Y's figures is made in Y + 1: its first application date
        # that year, and the latest expert scores of that year's review.
        pl.col("obtained_on")
        .filter(applied_next & (kind == "hnte_application"))
        .min()
        .alias("hnte_applied_on"),
        *(
            pl.col("value")
            .filter(applied_next & (kind == k))
            .sort_by(pl.col("obtained_on").filter(applied_next & (kind == k)))
            .last()
            .alias(f"q_{k}")
            for k in SCORE_BOUNDS
        ),
    )


def qualification_frame(session: Session, enterprise_ids: list[int] | None) -> pl.DataFrame:
    """The register's rows (key = enterprise id) of these enterprises (None: all); ids come scoped."""
    stmt = select(
        EnterpriseQualification.enterprise_id,
        EnterpriseQualification.kind,
        EnterpriseQualification.level,
        EnterpriseQualification.obtained_on,
        EnterpriseQualification.expires_on,
        EnterpriseQualification.value,
    )
    if enterprise_ids is not None and len(enterprise_ids) < 5000:
        stmt = stmt.where(EnterpriseQualification.enterprise_id.in_(enterprise_ids))
    schema = {
        "key": pl.Int64,
        "kind": pl.String,
        "level": pl.String,
        "obtained_on": pl.Date,
        "expires_on": pl.Date,
        "value": pl.Float64,
    }
    df = pl.DataFrame(session.execute(stmt).all(), schema=schema, orient="row")
    if enterprise_ids is not None and len(enterprise_ids) >= 5000:
        df = df.filter(pl.col("key").is_in(enterprise_ids))
    return df


def list_qualifications(
    session: Session, principal: Principal, enterprise_id: int
) -> list[dict[str, Any]]:
    """The qualifications of one enterprise the principal may see."""
    visible_enterprise(session, principal, enterprise_id)
    rows = session.scalars(
        select(EnterpriseQualification)
        .where(EnterpriseQualification.enterprise_id == enterprise_id)
        .order_by(EnterpriseQualification.obtained_on)
    )
    return [
        {
            "id": q.id,
            "kind": q.kind,
            "kind_label": QUAL_KINDS.get(q.kind, q.kind),
            "level": q.level,
            "obtained_on": q.obtained_on.isoformat() if q.obtained_on else None,
            "expires_on": q.expires_on.isoformat() if q.expires_on else None,
            "value": q.value,
            "reference": q.reference,
            "note": q.note,
        }
        for q in rows
    ]


def qualification_template() -> bytes:
    """An empty qualifications template with notes."""
    return write_sheets(
        [("企业资质", QUAL_COLUMNS, None)],
        [
            "企业资质导入模板：高企证书、科技奖励、研发机构、称号、细分市场、市场占有率、专精特新评价得分，"
            "以及高企认定申请日期与专家评分（评价年度的申请在次年提出：按次年的申请与评审记录判断）。",
            "资质类型可填：" + "、".join(QUAL_KINDS.values()),
            "导入为全有或全无：任何单元格有误，整个文件不导入，并列出每个错误。",
            "同一企业、同一类型、同一取得日期的记录再次导入时更新，不重复新增（修改前后值记入审计日志）。",
        ],
    )


@dataclass
class QualImportReport:
    """The outcome of a qualifications import."""

    filename: str
    dry_run: bool
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    errors: list[CellError] | None = None
    refused: bool = False  # rows outside the caller's scope: nothing compared, nothing counted

    @property
    def ok(self) -> bool:
        """True when the file had no bad cell."""
        return not self.errors

    def message(self) -> str:
        """A one-line Chinese summary."""
        if self.refused:
            return f"{REFUSED}：文件“{self.filename}”未导入任何数据。"
        if self.errors:
            return f"文件“{self.filename}”有 {len(self.errors)} 处错误，未导入任何数据。"
        verb = "校验通过（试导入，未保存）" if self.dry_run else "导入成功"
        return f"企业资质{verb}：共 {self.rows_total} 行，新增 {self.created}，更新 {self.updated}"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "filename": self.filename,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "rows_total": self.rows_total,
            "created": self.created,
            "updated": self.updated,
            "message": self.message(),
            "errors": [e.__dict__ for e in self.errors or []],
            "refused": self.refused,
        }


def import_qualifications(
    session: Session, principal: Principal, content: bytes, filename: str, dry_run: bool = False
) -> QualImportReport:
    """Validate and store a qualifications file, all or nothing; each stored row is audited."""
    report = QualImportReport(filename, dry_run, errors=[])
    try:
        raw = read_table(content, filename)
    except ImportFileError as exc:
        report.errors = [CellError(0, "（文件）", filename, str(exc))]
        return report
    mapped, header_errors = map_headers(raw, QUAL_COLUMNS)
    if header_errors:
        report.errors = header_errors
        return report
    parsed = parse_columns(mapped, QUAL_COLUMNS)
    df, errors = parsed.data, list(parsed.errors)
    report.rows_total = df.height
    cols = {c.code: c for c in QUAL_COLUMNS}
    df = df.with_columns(
        pl.coalesce(
            pl.col("kind").replace_strict(QUAL_BY_LABEL, default=None),
            pl.when(pl.col("kind").is_in(list(QUAL_KINDS))).then(pl.col("kind")),
        ).alias("kind_code")
    )
    errors += rule_errors(
        df,
        pl.col("kind").is_not_null() & pl.col("kind_code").is_null(),
        cols["kind"],
        pl.col("kind"),
        "未知的资质类型（请按模板说明填写）",
    )
    for code, (lo, hi) in SCORE_BOUNDS.items():
        errors += rule_errors(
            df,
            (pl.col("kind_code") == code)
            & (pl.col("value").is_null() | (pl.col("value") < lo) | (pl.col("value") > hi)),
            cols["value"],
            pl.col("value").cast(pl.String).fill_null(""),
            f"{QUAL_KINDS[code]}须填写 {lo:g}–{hi:g} 之间的分值",
        )
    errors += rule_errors(
        df,
        pl.col("expires_on") < pl.col("obtained_on"),
        cols["expires_on"],
        pl.col("expires_on"),
        "有效期至早于取得日期",
    )
    for code, years in VALIDITY_YEARS.items():
        latest = (
            pl.col("obtained_on")
            .dt.offset_by(f"{years}y")
            .dt.offset_by(f"{EXPIRY_SLACK_DAYS - 1}d")
        )
        errors += rule_errors(
            df,
            (pl.col("kind_code") == code) & (pl.col("expires_on") > latest),
            cols["expires_on"],
            pl.col("expires_on"),
            pl.lit(f"有效期至超出{QUAL_KINDS[code]}的有效期（自取得日期起{years}年），应不晚于 ")
            + latest.dt.strftime("%Y-%m-%d")
            + pl.lit("，请核对取得日期与有效期至"),
        )
    usccs = df.get_column("uscc").drop_nulls().unique().to_list()
    visible = visible_ids_by_uscc(session, principal, usccs)
    refused = rule_errors(
        df,
        pl.col("uscc").is_not_null() & ~pl.col("uscc").is_in(list(visible)),
        cols["uscc"],
        pl.col("uscc"),
        "企业未登记" if principal.scope == "all" else NOT_YOURS,
    )
    if refused and principal.scope != "all":
        # unregistered and out-of-scope read alike; nothing else is checked or counted
        report.refused = True
        report.errors = sorted(refused, key=lambda e: (e.row, e.column))
        return report
    errors += refused
    if not may_import_qualifications(principal):
        errors.append(
            CellError(0, "（文件）", filename, "企业用户不能导入资质，请由高新区或科技局导入")
        )
    if report.rows_total == 0:
        errors.append(CellError(0, "（文件）", filename, "文件中没有数据行"))
    report.errors = sorted(errors, key=lambda e: (e.row, e.column))
    if report.errors or dry_run:
        return report
    for row in df.iter_rows(named=True):
        ent_id = visible[row["uscc"]]
        existing = session.scalar(
            select(EnterpriseQualification).where(
                EnterpriseQualification.enterprise_id == ent_id,
                EnterpriseQualification.kind == row["kind_code"],
                EnterpriseQualification.obtained_on == row["obtained_on"],
            )
        )
        values = {
            "level": row["level"] or "",
            "expires_on": row["expires_on"],
            "value": row["value"],
            "reference": row["reference"] or "",
            "note": row["note"] or "",
        }
        if existing is None:
            session.add(
                EnterpriseQualification(
                    enterprise_id=ent_id,
                    kind=row["kind_code"],
                    obtained_on=row["obtained_on"],
                    **values,
                )
            )
            report.created += 1
        else:
            for k, v in values.items():
                setattr(existing, k, v)
            report.updated += 1
    session.flush()
    return report
