"""梯度培育: evaluate enterprises against the tier rule packs, explain gaps, list candidates, and
follow the ladder over years. Every read goes through the principal's enterprise scope; the only
write is the qualifications register (audited). The engine is `kechuang.engines.rules`; the same
engine runs the CLI on files without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.errors import BadInput
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
from kechuang.core.methodology import (
    Catalogue,
    MethodologyFile,
    Registry,
    Versioning,
    confirmation_label,
    confirmation_text,
    read_source,
    registry,
)
from kechuang.core.scope import ScopeError
from kechuang.core.security import Principal
from kechuang.engines.rules.evaluate import VERDICT_LABELS, VERDICTS, evaluate, explain
from kechuang.engines.rules.packs import Citation, Pack, RulePackError, parse_pack
from kechuang.registry.models import Enterprise, Zone
from kechuang.registry.scope import enterprise_scope
from kechuang.registry.service import EnterpriseFilter, enterprise_query
from kechuang.statistics.queries import current_figures
from kechuang.tiers.features import build_features, reference_date
from kechuang.tiers.measures import MEASURES
from kechuang.tiers.models import EnterpriseQualification

RUNG_LABELS = {
    0: "未入梯度",
    1: "科技型中小企业",
    2: "创新型中小企业",
    3: "高新技术企业",
    4: "专精特新中小企业 / 瞪羚企业",
    5: "专精特新“小巨人” / 潜在独角兽",
    6: "独角兽企业",
}

# The qualifications register: what each kind means and which engine fact it feeds.
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
}
QUAL_BY_LABEL = {v: k for k, v in QUAL_KINDS.items()}
CERTIFICATE_YEARS = 3
TITLE_YEARS = 3  # MIIT titles are valid three years (reviewed at expiry)

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
    Column("expires_on", "有效期至", "date", note="空白时：高企证书按3年计，称号按3年计，其余长期"),
    Column("value", "数值", "decimal", note="评价得分、市场占有率(%)等"),
    Column("reference", "证书编号/文号"),
    Column("note", "备注"),
)


class TierError(BadInput):
    """Bad input to a tier service (message in Chinese)."""


def _parse_pack(file: MethodologyFile, reg: Registry) -> Pack:
    return parse_pack(file.data, reg.titles(), file.sha256)


# The rule packs: methodology/packs/*.yaml and the bureau's <KECHUANG_METHODOLOGY_DIR>/tiers/packs.
PACKS: Catalogue[Pack] = Catalogue(
    label="规则包",
    package="kechuang.tiers",
    folder="packs",
    parse=_parse_pack,
    error=RulePackError,
    versioning=Versioning(
        code=lambda p: p.code,
        family=lambda p: p.family,
        version=lambda p: p.version,
        effective_from=lambda p: p.effective_from,
        effective_to=lambda p: p.effective_to,
    ),
)


def _ladder_order(packs: list[Pack]) -> list[Pack]:
    return sorted(packs, key=lambda p: (p.rung, p.code))


def all_packs() -> tuple[Pack, ...]:
    """Every rule pack, shipped and the bureau's (all versions), by rung then code."""
    return tuple(_ladder_order(PACKS.load()))


def packs_for_year(year: int) -> list[Pack]:
    """The packs that apply to an assessment year (applications are made in the following year)."""
    return _ladder_order(PACKS.in_force(date(year + 1, 7, 1)))


def retrospective(pack: Pack, year: int) -> bool:
    """True when the pack was not yet in force for that year's applications."""
    return pack.effective_from > date(year + 1, 7, 1)


def _parse_targets(file: MethodologyFile, reg: Registry) -> dict[str, Any]:
    """A ladder-targets file: every target and untracked item names its source (Chinese errors)."""
    data = file.data
    if not isinstance(data, dict):
        raise TierError("目标文件的顶层应为映射")
    problems: list[str] = []
    for key in ("code", "name", "year", "targets"):
        if key not in data:
            problems.append(f"目标文件缺少字段“{key}”")
    where = f"目标“{data.get('name', data.get('code', '?'))}”"
    top = read_source(data.get("source"), where, problems, reg)
    out = {**data, "sha256": file.sha256, "origin": file.origin}
    if top is not None:
        out |= {"source": top.text, "source_detail": top.as_dict()}
    for group in ("targets", "not_tracked"):
        items = []
        for i, t in enumerate(data.get(group) or [], start=1):
            if not isinstance(t, dict) or not t.get("label"):
                problems.append(f"{where} {group} 第{i}项：需要 label")
                continue
            src = read_source(t.get("source"), f"{where}的“{t['label']}”", problems, reg)
            items.append(
                {
                    **t,
                    "source": src.text if src else "",
                    "source_detail": src.as_dict() if src else None,
                }
            )
        out[group] = items
    if problems:
        raise TierError("；".join(problems)) from None
    return out


# The ladder targets: methodology/targets_*.yaml (and the bureau's tiers/targets_*.yaml).
TARGETS: Catalogue[dict[str, Any]] = Catalogue(
    label="梯度培育目标",
    package="kechuang.tiers",
    folder="",
    pattern="targets_*.yaml",
    parse=_parse_targets,
    error=TierError,
    versioning=Versioning(
        code=lambda t: str(t["code"]), family=lambda t: "targets", version=lambda t: str(t["year"])
    ),
)


def targets() -> dict[str, Any]:
    """The city's ladder targets (Yangzhou's draft 2028 targets), as data; the latest year wins."""
    latest = TARGETS.latest("targets")
    if latest is None:
        raise TierError("没有梯度培育目标文件")
    return latest


# --- qualifications ---------------------------------------------------------------------------


def qualification_facts(quals: pl.DataFrame, year: int, key: str = "key") -> pl.DataFrame:
    """From qualification rows (key, kind, level, obtained_on, expires_on, value) to the engine's
    `q_*` facts for an assessment year, one row per key."""
    ref = reference_date(year)
    if quals.is_empty():
        return pl.DataFrame(schema={key: quals.schema.get(key, pl.Int64)})
    q = quals.with_columns(
        pl.col("obtained_on").cast(pl.Date),
        pl.coalesce(
            pl.col("expires_on").cast(pl.Date),
            pl.when(pl.col("kind") == "hnte_certificate")
            .then(
                pl.col("obtained_on")
                .cast(pl.Date)
                .dt.offset_by(f"{CERTIFICATE_YEARS}y")
                .dt.offset_by("-1d")
            )
            .when(pl.col("kind").str.ends_with("_title"))
            .then(
                pl.col("obtained_on")
                .cast(pl.Date)
                .dt.offset_by(f"{TITLE_YEARS}y")
                .dt.offset_by("-1d")
            ),
        ).alias("expires_on"),
    )
    valid = (pl.col("obtained_on") <= ref) & (
        pl.col("expires_on").is_null() | (pl.col("expires_on") >= ref)
    )
    since = lambda n: pl.col("obtained_on") >= date(year - n + 1, 1, 1)
    kind = pl.col("kind")
    return q.group_by(key).agg(
        (valid & (kind == "hnte_certificate")).any().alias("q_hnte_valid"),
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
    )


def _qual_frame(session: Session, enterprise_ids: list[int] | None) -> pl.DataFrame:
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
    _visible(session, principal, enterprise_id)
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
            "企业资质导入模板：高企证书、科技奖励、研发机构、称号、细分市场、市场占有率、专精特新评价得分。",
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

    @property
    def ok(self) -> bool:
        """True when the file had no bad cell."""
        return not self.errors

    def message(self) -> str:
        """A one-line Chinese summary."""
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
    errors += rule_errors(
        df,
        pl.col("expires_on") < pl.col("obtained_on"),
        cols["expires_on"],
        pl.col("expires_on"),
        "有效期至早于取得日期",
    )
    usccs = df.get_column("uscc").drop_nulls().unique().to_list()
    visible = (
        dict(
            session.execute(
                select(Enterprise.uscc, Enterprise.id).where(
                    Enterprise.uscc.in_(usccs), enterprise_scope(principal)
                )
            ).all()
        )
        if usccs
        else {}
    )
    errors += rule_errors(
        df,
        pl.col("uscc").is_not_null() & ~pl.col("uscc").is_in(list(visible)),
        cols["uscc"],
        pl.col("uscc"),
        "企业未登记或不在您的管辖范围内",
    )
    if principal.scope == "enterprise":
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


# --- evaluation -------------------------------------------------------------------------------


def _visible(session: Session, principal: Principal, enterprise_id: int) -> Enterprise:
    ent = session.scalar(
        select(Enterprise).where(Enterprise.id == enterprise_id, enterprise_scope(principal))
    )
    if ent is None:
        raise ScopeError("企业不存在或无权查看")
    return ent


def _registry(session: Session, principal: Principal, flt: EnterpriseFilter) -> pl.DataFrame:
    stmt = enterprise_query(principal, flt).with_only_columns(
        Enterprise.id,
        Enterprise.uscc,
        Enterprise.name,
        Enterprise.founded_on,
        Enterprise.tech_field,
        Enterprise.industry_code,
        Enterprise.zone_id,
        Enterprise.counted_zone_id,
    )
    schema = {
        "key": pl.Int64,
        "uscc": pl.String,
        "name": pl.String,
        "founded_on": pl.Date,
        "tech_field": pl.String,
        "industry_code": pl.String,
        "zone_id": pl.Int64,
        "counted_zone_id": pl.Int64,
    }
    df = pl.DataFrame(session.execute(stmt).all(), schema=schema, orient="row")
    # statistics follow the counting zone (飞地/异地孵化), as the statistics pages do
    return df.with_columns(pl.coalesce("counted_zone_id", "zone_id").alias("stat_zone_id"))


def scoped_panel(
    session: Session, principal: Principal, years: list[int], flt: EnterpriseFilter | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The principal's enterprises (registry columns) and their figures for the years, long."""
    reg = _registry(session, principal, flt or EnterpriseFilter())
    ids = reg.get_column("key").to_list()
    figures = (
        current_figures(session, ids, years).drop("id", "revision").rename({"enterprise_id": "key"})
    )
    panel = figures.join(
        reg.select("key", "founded_on", "tech_field", "industry_code"), on="key", how="inner"
    )
    return reg, panel


def evaluate_year(
    session: Session,
    principal: Principal,
    year: int,
    flt: EnterpriseFilter | None = None,
    detail: bool = False,
    packs: list[Pack] | None = None,
) -> tuple[pl.DataFrame, list[Pack]]:
    """Every visible enterprise with figures for the year, evaluated against every applicable pack."""
    packs = packs or packs_for_year(year)
    reg, panel = scoped_panel(session, principal, [year - k for k in range(5)], flt)
    facts = qualification_facts(_qual_frame(session, reg.get_column("key").to_list()), year)
    if facts.width > 1:
        panel = panel.join(facts, on="key", how="left")
    features = build_features(panel, year)
    result = evaluate(features, packs, year, MEASURES, detail=detail)
    result = result.join(
        reg.select("key", "uscc", "name", "zone_id", "stat_zone_id"), on="key", how="left"
    )
    return result, packs


def _zone_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Zone.id, Zone.name)).all())


def pack_summary(pack: Pack, year: int | None = None) -> dict[str, Any]:
    """A pack's identity, confirmation status and citations, for lists and pages."""
    return {
        "code": pack.code,
        "family": pack.family,
        "name": pack.name,
        "version": pack.version,
        "rung": pack.rung,
        "rung_label": RUNG_LABELS.get(pack.rung, ""),
        "effective_from": pack.effective_from.isoformat(),
        "effective_to": pack.effective_to.isoformat() if pack.effective_to else None,
        "confirmation": pack.confirmation,
        "confirmation_label": pack.confirmation_label,
        "confirmation_note": confirmation_text(pack.confirmation),
        "documents": pack.documents,
        "sources": registry().entries(pack.documents),
        "readings": list(pack.readings),
        "not_evaluated": [
            {"label": label, "source": pack.cite_text(c), **source_fields(c)}
            for label, c in pack.not_evaluated
        ],
        "retrospective": bool(year is not None and retrospective(pack, year)),
    }


def source_fields(cite: Citation | None) -> dict[str, Any]:
    """The item's source code and confirmation level (with its Chinese label)."""
    level = cite.confirmation if cite else "unconfirmed"
    return {
        "source_code": cite.source if cite else None,
        "confirmation": level,
        "confirmation_label": confirmation_label(level),
    }


def _explain_rows(result: pl.DataFrame, packs: list[Pack], year: int) -> list[dict[str, Any]]:
    rows = explain(result, packs, MEASURES).sort("order")
    out = []
    for pack in packs:
        sub = rows.filter(pl.col("pack") == pack.code)
        if sub.is_empty():
            continue
        cites = {c.code: c.cite for c in pack.leaf_conditions()}
        first = sub.row(0, named=True)
        out.append(
            {
                **pack_summary(pack, year),
                "status": first["pack_status"],
                "status_label": VERDICT_LABELS[first["pack_status"]],
                "score_lo": first["score_lo"],
                "score_hi": first["score_hi"],
                "items": _items(result, pack),
                "conditions": [
                    {
                        k: r[k]
                        for k in (
                            "condition",
                            "label",
                            "kind",
                            "depth",
                            "parent",
                            "measure",
                            "unit",
                            "value",
                            "value_text",
                            "threshold",
                            "threshold_text",
                            "tier",
                            "verdict",
                            "gap",
                            "gap_unit",
                            "gap_text",
                            "source",
                            "confirmed",
                        )
                    }
                    | {"verdict_label": VERDICT_LABELS[r["verdict"]]}
                    | source_fields(cites.get(r["condition"]))
                    for r in sub.iter_rows(named=True)
                ],
            }
        )
    return out


def _items(result: pl.DataFrame, pack: Pack) -> list[dict[str, Any]]:
    row = result.row(0, named=True)
    return [
        {
            "code": i.code,
            "label": i.label,
            "group": pack.group_labels.get(i.group, i.group),
            "max": i.max_points,
            "lo": row.get(f"{pack.code}|item|{i.code}|lo"),
            "hi": row.get(f"{pack.code}|item|{i.code}|hi"),
            "confirmed": i.confirmed,
            "source": pack.cite_text(i.cite),
            **source_fields(i.cite),
        }
        for i in pack.scores
    ]


def enterprise_assessment(
    session: Session, principal: Principal, enterprise_id: int, year: int | None = None
) -> dict[str, Any]:
    """Every pack's verdict, score breakdown, conditions and gaps for one visible enterprise."""
    ent = _visible(session, principal, enterprise_id)
    years = sorted(current_figures(session, [enterprise_id]).get_column("year").to_list())
    if not years:
        return {
            "enterprise_id": ent.id,
            "name": ent.name,
            "year": None,
            "packs": [],
            "message": "该企业暂无年度统计数据，无法评估",
        }
    year = year if year in years else years[-1]
    result, packs = evaluate_year(
        session, principal, year, EnterpriseFilter(q=ent.uscc), detail=True
    )
    result = result.filter(pl.col("key") == enterprise_id)
    row = result.row(0, named=True)
    return {
        "enterprise_id": ent.id,
        "name": ent.name,
        "uscc": ent.uscc,
        "year": year,
        "years": years,
        "rung": row["rung"],
        "rung_label": RUNG_LABELS[row["rung"]],
        "rung_eval": row["rung_eval"],
        "next_distance": row["next_distance"],
        "packs": _explain_rows(result, packs, year),
    }


def families() -> dict[str, str]:
    """Pack family → Chinese name (newest version's name)."""
    return {p.family: p.name for p in sorted(all_packs(), key=lambda p: p.effective_from)}


def candidates(
    session: Session,
    principal: Principal,
    family: str,
    year: int,
    zone_id: int | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """The 后备库 for a rung: visible enterprises not yet meeting it, closest first, with gaps."""
    packs = packs_for_year(year)
    pack = next((p for p in packs if p.family == family), None)
    if pack is None:
        raise TierError(f"未知的梯度类型“{family}”，可选：{'、'.join(families())}")
    limit = max(1, min(limit, 2000))
    result, _ = evaluate_year(
        session, principal, year, EnterpriseFilter(zone_id=zone_id), packs=[pack]
    )
    status = pl.col(f"{pack.code}|status")
    pool = (
        result.filter(
            (status != 0) & ~pl.col(f"{pack.code}|held") & (pl.col(f"{pack.code}|distance") < 10)
        )
        .sort([f"{pack.code}|distance", "key"])
        .head(limit)
    )
    total = int(
        (
            (result.get_column(f"{pack.code}|status") != 0)
            & ~result.get_column(f"{pack.code}|held")
        ).sum()
    )
    rows: list[dict[str, Any]] = []
    if not pool.is_empty():
        ids = pool.get_column("key").to_list()
        detailed, _ = evaluate_year(
            session, principal, year, EnterpriseFilter(zone_id=zone_id), detail=True, packs=[pack]
        )
        detailed = detailed.filter(pl.col("key").is_in(ids))
        ex = explain(detailed, [pack], MEASURES).filter(
            pl.col("verdict").is_in(["unmet", "unknown", "manual_review"])
            & pl.col("kind").is_in(["compare", "score", "manual"])
        )
        gaps = ex.group_by("key", maintain_order=True).agg(
            pl.col("gap_text").drop_nulls().alias("gaps")
        )
        zones = _zone_names(session)
        merged = pool.join(gaps, on="key", how="left")
        for r in merged.iter_rows(named=True):
            rows.append(
                {
                    "enterprise_id": r["key"],
                    "uscc": r["uscc"],
                    "name": r["name"],
                    "zone": zones.get(r["stat_zone_id"], ""),
                    "rung": r["rung"],
                    "status": VERDICTS[r[f"{pack.code}|status"]],
                    "status_label": VERDICT_LABELS[VERDICTS[r[f"{pack.code}|status"]]],
                    "distance": round(r[f"{pack.code}|distance"], 4),
                    "gaps": r["gaps"] or [],
                }
            )
    return {"pack": pack_summary(pack, year), "year": year, "total_not_met": total, "rows": rows}


CANDIDATE_COLUMNS = (
    Column("rank", "序号", "int"),
    Column("name", "企业名称"),
    Column("uscc", "统一社会信用代码"),
    Column("zone", "统计归属高新区"),
    Column("status_label", "评估结论"),
    Column("distance", "差距指数", "decimal"),
    Column("gaps", "差距（需弥补的条件）"),
)


def candidates_xlsx(data: dict[str, Any]) -> bytes:
    """The candidate list as an .xlsx (one row per enterprise, gaps joined by ；)."""
    df = pl.DataFrame(
        [
            {
                "rank": i + 1,
                "name": r["name"],
                "uscc": r["uscc"],
                "zone": r["zone"],
                "status_label": r["status_label"],
                "distance": r["distance"],
                "gaps": "；".join(r["gaps"]),
            }
            for i, r in enumerate(data["rows"])
        ],
        schema={
            "rank": pl.Int64,
            "name": pl.String,
            "uscc": pl.String,
            "zone": pl.String,
            "status_label": pl.String,
            "distance": pl.Float64,
            "gaps": pl.String,
        },
    )
    pack = data["pack"]
    return write_sheets(
        [(f"{pack['name']}后备库", CANDIDATE_COLUMNS, df)],
        [
            f"{pack['name']}后备库（{data['year']}年数据，规则 {pack['version']}，{pack['confirmation_label']}）",
            "差距指数：各未满足条件的相对差距之和，越小越接近；不可弥补的条件（规模上限、成立年限）不列入。",
            "差距按企业自身单位给出（万元、人、件），为达到门槛所需的最小增量（约数）。",
        ],
    )


# --- the pipeline over years ------------------------------------------------------------------


def pipeline(session: Session, principal: Principal, years: list[int]) -> dict[str, Any]:
    """Rungs per enterprise and year, counts per zone against targets, flows and renewals."""
    years = sorted(set(years))
    if not years:
        raise TierError("请至少选择一个年度")
    zones = _zone_names(session)
    per_year: list[pl.DataFrame] = []
    counts: list[dict[str, Any]] = []
    tgt = targets()
    met_keys: dict[str, set[int]] = {}
    review_keys: dict[str, set[int]] = {}
    for year in years:
        result, packs = evaluate_year(session, principal, year)
        per_year.append(result.select("key", "stat_zone_id", "rung", pl.lit(year).alias("year")))
        by_family = {}
        for pack in packs:
            met = result.filter((pl.col(f"{pack.code}|status") == 0) | pl.col(f"{pack.code}|held"))
            review = result.filter(pl.col(f"{pack.code}|status") == 1)
            by_family[pack.family] = (met, review, pack)
            if year == years[-1]:
                met_keys[pack.family] = set(met.get_column("key").to_list())
                review_keys[pack.family] = set(review.get_column("key").to_list())
        for zone_id in sorted(
            {z for z in result.get_column("stat_zone_id").to_list() if z is not None}
        ) + [None]:
            row: dict[str, Any] = {
                "year": year,
                "zone_id": zone_id,
                "zone": zones.get(zone_id, "全部（可见范围）") if zone_id else "全部（可见范围）",
            }
            for family, (met, review, _pack) in by_family.items():
                if zone_id is not None:
                    met = met.filter(pl.col("stat_zone_id") == zone_id)
                    review = review.filter(pl.col("stat_zone_id") == zone_id)
                row[family] = met.height
                row[f"{family}__review"] = review.height
            counts.append(row)
    rungs = pl.concat(per_year)
    flows = _flows(rungs, years)
    progress = []
    for t in tgt["targets"]:
        # an enterprise meeting several packs of one target (e.g. GEI and Jiangsu unicorn) counts once
        met = set().union(*(met_keys.get(f, set()) for f in t["families"]))
        review = set().union(*(review_keys.get(f, set()) for f in t["families"])) - met
        progress.append(
            {
                "code": t["code"],
                "label": t["label"],
                "target": t["value"],
                "current": len(met),
                "review": len(review),
                "ratio": len(met) / t["value"] if t["value"] else None,
            }
        )
    rung_counts = rungs.group_by("year", "rung").len().sort("year", "rung").to_dicts()
    return {
        "years": years,
        "counts": counts,
        "rung_counts": rung_counts,
        "rung_labels": RUNG_LABELS,
        "flows": flows,
        "targets": {
            "name": tgt["name"],
            "status": tgt["status"],
            "status_label": tgt["status_label"],
            "year": tgt["year"],
            "source": tgt["source"],
            "progress": progress,
            "not_tracked": tgt.get("not_tracked", []),
        },
        "families": families(),
        "certificates": hnte_certificates(session, principal, years),
        "scope_note": "按企业统计归属高新区计数；资质（证书、称号）持有者计入相应梯度。",
    }


def _flows(rungs: pl.DataFrame, years: list[int]) -> list[dict[str, Any]]:
    out = []
    for a, b in zip(years, years[1:], strict=False):
        prev = rungs.filter(pl.col("year") == a).select("key", pl.col("rung").alias("from"))
        nxt = rungs.filter(pl.col("year") == b).select("key", pl.col("rung").alias("to"))
        joined = prev.join(nxt, on="key", how="full", coalesce=True).with_columns(
            pl.col("from").fill_null(-1), pl.col("to").fill_null(-1)
        )
        for r in joined.group_by("from", "to").len().sort("from", "to").iter_rows(named=True):
            out.append(
                {
                    "from_year": a,
                    "to_year": b,
                    "from": r["from"],
                    "to": r["to"],
                    "count": r["len"],
                    "kind": "entry"
                    if r["to"] > r["from"]
                    else ("exit" if r["to"] < r["from"] else "stay"),
                }
            )
    return out


def hnte_certificates(
    session: Session, principal: Principal, years: list[int]
) -> list[dict[str, Any]]:
    """Per year: valid HNTE certificates, those expiring (renewal due), renewed and lapsed."""
    ids = [
        r[0]
        for r in session.execute(
            enterprise_query(principal, EnterpriseFilter()).with_only_columns(Enterprise.id)
        ).all()
    ]
    if not ids:
        return [{"year": y, "valid": 0, "expiring": 0, "renewed": 0, "lapsed": 0} for y in years]
    quals = _qual_frame(session, ids).filter(pl.col("kind") == "hnte_certificate")
    quals = quals.with_columns(
        pl.coalesce(
            "expires_on",
            pl.col("obtained_on").dt.offset_by(f"{CERTIFICATE_YEARS}y").dt.offset_by("-1d"),
        ).alias("expires_on")
    )
    out = []
    for y in years:
        ref = date(y, 12, 31)
        valid = quals.filter((pl.col("obtained_on") <= ref) & (pl.col("expires_on") >= ref))
        expiring = quals.filter(pl.col("expires_on").dt.year() == y)
        # renewed: a later certificate of the same enterprise issued by the end of the next year
        later = quals.select("key", pl.col("obtained_on").alias("next_on"))
        pairs = expiring.join(later, on="key").filter(
            (pl.col("next_on") > pl.col("obtained_on")) & (pl.col("next_on") <= date(y + 1, 12, 31))
        )
        renewed = pairs.select("key").unique().height
        out.append(
            {
                "year": y,
                "valid": valid.select("key").unique().height,
                "expiring": expiring.select("key").unique().height,
                "renewed": renewed,
                "lapsed": expiring.select("key").unique().height - renewed,
            }
        )
    return out


# --- self-assessment (stores nothing) ---------------------------------------------------------

SELF_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("employees", "职工总数", "人"),
    ("tech_staff", "科技人员数", "人"),
    ("rd_staff", "研发人员数", "人"),
    ("operating_revenue", "营业收入", "万元"),
    ("main_business_revenue", "主营业务收入", "万元"),
    ("sales_revenue", "销售收入", "万元"),
    ("total_revenue", "总收入", "万元"),
    ("high_tech_revenue", "高新技术产品(服务)收入", "万元"),
    ("rd_expense", "研发费用总额", "万元"),
    ("rd_expense_domestic", "境内研发费用", "万元"),
    ("rd_expense_outsourced", "委托外部研发费用", "万元"),
    ("total_cost", "成本费用支出总额", "万元"),
    ("total_assets", "资产总额", "万元"),
    ("total_liabilities", "负债总额", "万元"),
    ("net_profit", "净利润", "万元"),
    ("ip_class1", "Ⅰ类知识产权数", "件"),
    ("ip_class2", "Ⅱ类知识产权数", "件"),
    ("standards_led", "主导制定标准数", "项"),
    ("tech_transfers", "科技成果转化数", "项"),
    ("equity_financing", "股权融资额", "万元"),
    ("latest_valuation", "最近一轮估值", "万元"),
)
SELF_FLAGS: tuple[tuple[str, str], ...] = (
    ("is_listed", "是否上市"),
    ("major_accident", "重大安全/质量事故"),
    ("environmental_violation", "严重环境违法"),
    ("dishonest_listed", "列入失信名单"),
    ("abnormal_operation", "列入经营异常名录"),
)
SELF_QUALS: tuple[tuple[str, str], ...] = (
    ("q_hnte_valid", "持有有效期内的高新技术企业证书"),
    ("q_national_award_5y", "近五年国家级科技奖励（前三）"),
    ("q_award_3y", "近三年国家级或省级科技奖励"),
    ("q_rd_institution", "省部级以上研发机构"),
    ("q_innovative_title", "创新型中小企业称号"),
    ("q_specialised_title", "专精特新中小企业称号"),
    ("q_market_top", "主导产品细分市场占有率≥10%或前三"),
)


def self_assess(
    year: int,
    figures: dict[int, dict[str, Any]],
    founded_on: date | None,
    tech_field: str | None = None,
    industry_code: str | None = None,
    facts: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Evaluate typed-in figures (several years) against every pack; nothing is stored."""
    if year not in figures:
        raise TierError(f"请填写评价年度（{year}年）的数据")
    known = {f for f, _, _ in SELF_FIELDS} | {f for f, _ in SELF_FLAGS}
    rows = []
    for y, values in sorted(figures.items()):
        bad = set(values) - known
        if bad:
            raise TierError(f"{y}年数据中有未知的字段：{'、'.join(sorted(bad))}")
        for code, label, _ in SELF_FIELDS:
            v = values.get(code)
            if v is not None and (
                not isinstance(v, (int, float)) or (v < 0 and code != "net_profit")
            ):
                raise TierError(f"{y}年“{label}”应为不小于0的数字（收到：{v}）")
        rows.append(
            {
                "key": 0,
                "year": int(y),
                **values,
                "founded_on": founded_on,
                "tech_field": tech_field,
                "industry_code": industry_code,
                **(facts or {}),
            }
        )
    panel = pl.DataFrame(rows, infer_schema_length=None)
    packs = packs_for_year(year)
    result = evaluate(build_features(panel, year), packs, year, MEASURES, detail=True)
    row = result.row(0, named=True)
    return {
        "year": year,
        "rung": row["rung"],
        "rung_label": RUNG_LABELS[row["rung"]],
        "packs": _explain_rows(result, packs, year),
        "stored": False,
    }
