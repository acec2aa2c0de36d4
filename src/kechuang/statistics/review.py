"""Review of enterprise users' submissions: the list in the reviewer's scope, each submission
against the current revision with automatic flags, and approval or rejection (audited).

A submission is a non-current `EnterpriseYear` revision (see imports.py), so analytics never read
it. Approval moves the current flag onto it; it is refused when the figures it was based on changed
since (the enterprise would otherwise overwrite a later correction unseen). Rejection keeps it
non-current, with the reason the enterprise sees.
"""

from __future__ import annotations

from statistics import median
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core import audit
from kechuang.core.config import get_settings
from kechuang.core.db import utcnow
from kechuang.core.errors import BadInput, Conflict, NotFound
from kechuang.core.scope import RoleError
from kechuang.core.security import Principal
from kechuang.registry.models import Enterprise
from kechuang.statistics.fields import ENTERPRISE_YEAR_FIELDS, FIELD_CODES, FIELD_DTYPES
from kechuang.statistics.imports import _figure_rule_errors
from kechuang.statistics.models import SUBMISSION_STATUSES, EnterpriseYear, Submission
from kechuang.statistics.queries import current_figures
from kechuang.statistics.scope import can_review, submission_scope
from kechuang.statistics.templates import ENTERPRISE_YEAR_COLUMNS

# Robust z-score (Iglewicz & Hoaglin): 0.6745 (x − median) / MAD; |z| above 3.5 is an outlier.
ROBUST_Z_LIMIT = 3.5
MIN_PEERS = 5  # fewer peers give no meaningful distribution
# 研发费用总额 should equal its components; a difference within this share is rounding.
COMPONENT_TOLERANCE = 0.005


def _figures(row: EnterpriseYear | None) -> dict[str, Any]:
    return {c: getattr(row, c) for c in FIELD_CODES} if row is not None else {}


def _fmt(value: Any) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def changes(current: dict[str, Any], submitted: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure of the submission beside the current one: changed or not, and the % change."""
    out = []
    for f in ENTERPRISE_YEAR_FIELDS:
        old, new = current.get(f.code), submitted.get(f.code)
        pct = None
        if (
            f.kind != "bool"
            and old is not None
            and new is not None
            and old != 0
            and not isinstance(old, bool)
        ):
            pct = round((new - old) / abs(old) * 100, 2)
        out.append(
            {
                "code": f.code,
                "field": f.template_header,
                "current": old,
                "submitted": new,
                "changed": old != new,
                "change_pct": pct,
            }
        )
    return out


def component_flags(figures: dict[str, Any]) -> list[dict[str, str]]:
    """研发费用总额 against 境内研发费用 + 委托外部研发费用, when all three are given."""
    total = figures.get("rd_expense")
    domestic = figures.get("rd_expense_domestic")
    outsourced = figures.get("rd_expense_outsourced")
    if total is None or domestic is None or outsourced is None:
        return []
    parts = domestic + outsourced
    if abs(total - parts) <= max(0.01, COMPONENT_TOLERANCE * abs(total)):
        return []
    return [
        {
            "kind": "components",
            "code": "rd_expense",
            "message": (
                f"研发费用总额 {_fmt(total)} 万元与分项之和不符：境内研发费用 {_fmt(domestic)}"
                f" + 委托外部研发费用 {_fmt(outsourced)} = {_fmt(parts)} 万元"
            ),
        }
    ]


def jump_flags(
    submitted: dict[str, Any], against: dict[str, Any], what: str, ratio: float
) -> list[dict[str, str]]:
    """Figures more than `ratio` times (or less than 1/ratio of) the compared figures."""
    out = []
    for f in ENTERPRISE_YEAR_FIELDS:
        if f.kind == "bool":
            continue
        new, old = submitted.get(f.code), against.get(f.code)
        if new is None or old is None or new <= 0 or old <= 0:
            continue
        times = new / old
        if times > ratio or times < 1 / ratio:
            out.append(
                {
                    "kind": "jump",
                    "code": f.code,
                    "message": (
                        f"{f.template_header}较{what}（{_fmt(old)}）变为 {_fmt(new)}，"
                        f"是其 {times:.2f} 倍，超出 {ratio:g} 倍的界限"
                    ),
                }
            )
    return out


def robust_z(value: float, peers: list[float]) -> float | None:
    """0.6745 (value − median) / MAD over the peers; None when the MAD is zero or peers are few."""
    if len(peers) < MIN_PEERS:
        return None
    med = median(peers)
    mad = median(abs(p - med) for p in peers)
    if mad == 0:
        return None
    return 0.6745 * (value - med) / mad


def _rd_ratio(figures: dict[str, Any]) -> float | None:
    rd, revenue = figures.get("rd_expense"), figures.get("operating_revenue")
    if rd is None or revenue is None or revenue <= 0:
        return None
    return rd / revenue


def peer_flags(session: Session, ent: Enterprise, year: int, figures: dict[str, Any]) -> list[dict]:
    """研发费用/营业收入 against the same zone's current figures (else the same industry's)."""
    ratio = _rd_ratio(figures)
    if ratio is None:
        return []
    zone_id = ent.counted_zone_id or ent.zone_id
    groups = []
    if zone_id is not None:
        groups.append(
            (
                "同一高新区",
                select(Enterprise.id).where(
                    (Enterprise.counted_zone_id == zone_id)
                    | ((Enterprise.zone_id == zone_id) & Enterprise.counted_zone_id.is_(None))
                ),
            )
        )
    if ent.industry_code:
        prefix = ent.industry_code[:3]
        groups.append(
            ("同一行业", select(Enterprise.id).where(Enterprise.industry_code.startswith(prefix)))
        )
    for label, ids_stmt in groups:
        ids = [i for i in session.scalars(ids_stmt) if i != ent.id]
        frame = current_figures(session, ids, [year]) if ids else None
        if frame is None or frame.is_empty():
            continue
        peers = [
            r / v
            for r, v in frame.select("rd_expense", "operating_revenue").iter_rows()
            if r is not None and v is not None and v > 0
        ]
        z = robust_z(ratio, peers)
        if z is None:
            continue
        if abs(z) > ROBUST_Z_LIMIT:
            return [
                {
                    "kind": "peers",
                    "code": "rd_expense",
                    "message": (
                        f"研发费用/营业收入 = {ratio:.2%}，偏离{label} {len(peers)} 家企业的分布"
                        f"（中位数 {median(peers):.2%}，稳健 z 值 {z:.1f}，界限 ±{ROBUST_Z_LIMIT}）"
                    ),
                }
            ]
        return []
    return []


def rule_flags(figures: dict[str, Any]) -> list[dict[str, str]]:
    """The import's own cross-field rules, applied to the submitted figures."""
    cols = {c.code: c for c in ENTERPRISE_YEAR_COLUMNS}
    frame = pl.DataFrame(
        [{"__row": 0, **{c: figures.get(c) for c in FIELD_CODES}}],
        schema={"__row": pl.Int64, **FIELD_DTYPES},
    )
    by_header = {c.template_header: code for code, c in cols.items()}
    return [
        {"kind": "rules", "code": by_header.get(e.column, ""), "message": e.reason}
        for e in _figure_rule_errors(frame, cols)
    ]


def flags(
    session: Session, sub: Submission, ent: Enterprise, figures: dict[str, Any], current: dict
) -> list[dict[str, str]]:
    """Every automatic flag of a submission, for the reviewer."""
    ratio = get_settings().review_jump_ratio
    previous = session.scalar(
        select(EnterpriseYear).where(
            EnterpriseYear.enterprise_id == sub.enterprise_id,
            EnterpriseYear.year == sub.year - 1,
            EnterpriseYear.is_current.is_(True),
        )
    )
    out = component_flags(figures)
    out += jump_flags(figures, _figures(previous), f"上年（{sub.year - 1}年）", ratio)
    out += jump_flags(figures, current, "当前版本", ratio)
    out += peer_flags(session, ent, sub.year, figures)
    out += rule_flags(figures)
    return out


def _current_row(session: Session, enterprise_id: int, year: int) -> EnterpriseYear | None:
    return session.scalar(
        select(EnterpriseYear).where(
            EnterpriseYear.enterprise_id == enterprise_id,
            EnterpriseYear.year == year,
            EnterpriseYear.is_current.is_(True),
        )
    )


def _stale(sub: Submission, current: EnterpriseYear | None) -> bool:
    return (current.id if current is not None else None) != sub.base_id


def submission_dict(session: Session, principal: Principal, sub: Submission) -> dict[str, Any]:
    """A submission for the page and the API; flags only for reviewers (they compare with peers)."""
    ent = session.get(Enterprise, sub.enterprise_id)
    assert ent is not None
    row = session.get(EnterpriseYear, sub.enterprise_year_id)
    current_row = _current_row(session, sub.enterprise_id, sub.year)
    base = session.get(EnterpriseYear, sub.base_id) if sub.base_id else None
    submitted = _figures(row)
    # pending: against what is current now; decided: against what it was based on
    current = _figures(current_row if sub.status == "pending" else base)
    reviewer = can_review(principal)
    return {
        "id": sub.id,
        "enterprise_id": ent.id,
        "enterprise": ent.name,
        "uscc": ent.uscc,
        "year": sub.year,
        "revision": row.revision if row else None,
        "base_revision": base.revision if base else None,
        "status": sub.status,
        "status_label": SUBMISSION_STATUSES.get(sub.status, sub.status),
        "reason": sub.reason or "",
        "submitted_by": sub.submitted_by,
        "submitted_at": sub.created_at.isoformat() if sub.created_at else None,
        "reviewed_by": sub.reviewed_by,
        "reviewed_at": sub.reviewed_at.isoformat() if sub.reviewed_at else None,
        "import_id": sub.import_id,
        "stale": sub.status == "pending" and _stale(sub, current_row),
        "changes": changes(current, submitted),
        "flags": flags(session, sub, ent, submitted, current) if reviewer else [],
    }


def list_submissions(
    session: Session, principal: Principal, status: str | None = "pending", limit: int = 200
) -> list[dict[str, Any]]:
    """The submissions the principal may see (newest first), optionally of one status."""
    if status is not None and status not in SUBMISSION_STATUSES:
        raise BadInput(f"未知的审核状态“{status}”，可选：{'、'.join(SUBMISSION_STATUSES)}")
    stmt = select(Submission).where(submission_scope(principal))
    if status is not None:
        stmt = stmt.where(Submission.status == status)
    stmt = stmt.order_by(Submission.id.desc()).limit(limit)
    return [submission_dict(session, principal, s) for s in session.scalars(stmt)]


def get_submission(session: Session, principal: Principal, submission_id: int) -> Submission:
    """A submission in the principal's scope; 404 otherwise (as if it did not exist)."""
    sub = session.scalar(
        select(Submission).where(Submission.id == submission_id, submission_scope(principal))
    )
    if sub is None:
        raise NotFound(f"报送 #{submission_id} 不存在或无权查看")
    return sub


def _decidable(session: Session, principal: Principal, submission_id: int) -> Submission:
    sub = get_submission(session, principal, submission_id)
    if not can_review(principal):
        raise RoleError(f"当前角色（{principal.role_label}）无权审核报送")
    if sub.status != "pending":
        label = SUBMISSION_STATUSES.get(sub.status, sub.status)
        raise Conflict(f"报送 #{sub.id} {label}，不能再审核")
    return sub


def approve(session: Session, principal: Principal, submission_id: int) -> dict[str, Any]:
    """Make the submitted revision current (the previous one retires); 409 when stale."""
    sub = _decidable(session, principal, submission_id)
    ent = session.get(Enterprise, sub.enterprise_id)
    current = _current_row(session, sub.enterprise_id, sub.year)
    if _stale(sub, current):
        revision = f"第 {current.revision} 版" if current is not None else "已撤回"
        raise Conflict(
            f"报送 #{sub.id}（{ent.name if ent else ''} {sub.year} 年）提交后，"
            f"该企业该年度的数据已被更新（当前{revision}），审核通过会覆盖这次更新。"
            "请驳回并请企业按最新数据重新报送。"
        )
    row = session.get(EnterpriseYear, sub.enterprise_year_id)
    assert row is not None
    if current is not None:
        current.is_current = False
        session.flush()  # one current revision at a time, also for a partial unique index
    row.is_current = True
    sub.status, sub.reviewed_by, sub.reviewed_at = "approved", principal.username, utcnow()
    session.flush()
    audit.record(
        session,
        "approve",
        "submissions",
        sub.id,
        f"审核通过报送 #{sub.id}：{ent.name if ent else ''} {sub.year} 年（第 {row.revision} 版生效）",
        before={"status": "pending", "current_revision": current.revision if current else None},
        after={"status": "approved", "current_revision": row.revision},
    )
    return submission_dict(session, principal, sub)


def reject(
    session: Session, principal: Principal, submission_id: int, reason: str
) -> dict[str, Any]:
    """Reject a submission with a reason the enterprise sees; its figures never become current."""
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("请填写驳回理由（企业会看到）")
    if len(reason) > 500:
        raise BadInput("驳回理由不能超过 500 字")
    sub = _decidable(session, principal, submission_id)
    ent = session.get(Enterprise, sub.enterprise_id)
    sub.status, sub.reason = "rejected", reason
    sub.reviewed_by, sub.reviewed_at = principal.username, utcnow()
    session.flush()
    audit.record(
        session,
        "reject",
        "submissions",
        sub.id,
        f"驳回报送 #{sub.id}：{ent.name if ent else ''} {sub.year} 年。理由：{reason}",
        before={"status": "pending"},
        after={"status": "rejected", "reason": reason},
    )
    return submission_dict(session, principal, sub)
