"""Issued points certificates (积分证明) and their public verification (真实有效/已取代/已撤回).

Issuing records the certificate with a random verification code; a newer certificate for the same
enterprise and year supersedes the older one; the bureau withdraws one with a reason. A bank checks
a code on the public page or API without logging in and sees the status, the enterprise's name and
the year; the printed figures only while the enterprise consents to share its points with banks.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.config import get_settings
from kechuang.core.db import utcnow
from kechuang.core.errors import BadInput, Conflict, NotFound
from kechuang.core.security import Principal
from kechuang.points import certificate as cert_doc
from kechuang.points.models import PointsCertificate, PointsConsent
from kechuang.points.scope import require_certificate_withdrawer
from kechuang.points.service import enterprise_card, is_demo_data
from kechuang.registry.models import Enterprise
from kechuang.registry.service import get_enterprise

# No 0/O, 1/I/L: a code is read aloud over the phone and typed from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 20  # 31**20 ≈ 2**99: not guessable, not enumerable
GROUP = 4
STATUS_LABELS = {
    "current": "真实有效",
    "superseded": "已被新证明取代",
    "withdrawn": "已撤回",
}
NOT_FOUND = "无此证明"
VERIFY_PATH = "/verify"


class CertificateNotFound(NotFound):
    """No certificate has this code (the only thing a wrong code learns)."""

    default_message = f"{NOT_FOUND}：请核对验证码（验证码不区分大小写，可带或不带分隔符）"


def new_code() -> str:
    """A fresh random verification code (undelimited)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """The code in groups of four for reading aloud, e.g. ABCD-EFGH-…"""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise(code: str) -> str:
    """What the reader typed, upper-cased without spaces or separators."""
    return re.sub(r"[\s\-_.·—]", "", code or "").upper()


def code_hash(code: str) -> str:
    """The stored form of a code: its SHA-256 after normalising."""
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def verify_url(code: str) -> str:
    """The public verification address of a code (base from KECHUANG_PUBLIC_BASE_URL)."""
    return f"{get_settings().public_base_url.rstrip('/')}{VERIFY_PATH}/{grouped(code)}"


def _figures(card: dict[str, Any]) -> dict[str, Any]:
    """What the certificate prints, as the public page may show it (JSON-safe)."""
    latest, m, run = card["latest"], card["methodology"], card["run"]
    ranks = latest["ranks"]
    return {
        "uscc": card["uscc"],
        "zone": card.get("zone"),
        "stage_name": latest["stage_name"],
        "total": round(float(latest["total"]), 2),
        "scale": m["scale"],
        "bonus": latest["bonus"],
        "penalty": latest["penalty"],
        "vetoed": bool(latest["vetoed"]),
        "ranks": {k: {"rank": ranks[k]["rank"], "of": ranks[k]["of"]} for k in ranks},
        "categories": [
            {"name": c["name"], "points": round(float(c["points"]), 2), "max": c["max"]}
            for c in latest["categories"]
        ],
        "methodology": f"{m['label']}（{m['mode_label']}）",
        "provisional": bool(m["provisional"]),
        "input_hash": run["input_hash"][:16],
    }


def issue(
    session: Session, principal: Principal, enterprise_id: int, run_id: int | None = None
) -> tuple[PointsCertificate, str, dict[str, Any]]:
    """Record a certificate of the enterprise's latest year; returns it, its code and the card.

    The enterprise is read through the principal's scope (the card's rule); an earlier current
    certificate of the same enterprise and year becomes 已被新证明取代 and points to this one.
    """
    card = enterprise_card(session, principal, enterprise_id, run_id)
    latest = card.get("latest")
    if latest is None:
        raise cert_doc.CertificateError("该企业尚无创新积分，无法出具积分证明")
    ent = session.get(Enterprise, enterprise_id)
    code = new_code()
    cert = PointsCertificate(
        code_hash=code_hash(code),
        code_tail=code[-GROUP:],
        enterprise_id=enterprise_id,
        year=latest["year"],
        run_id=card["run"]["id"],
        methodology_code=card["run"]["methodology_code"],
        methodology_version=card["run"]["methodology_version"],
        figures=_figures(card),
        is_demo=is_demo_data(session, ent),
        status="current",
        issued_by=principal.username,
        issued_at=utcnow(),
    )
    session.add(cert)
    session.flush()
    older = session.scalars(
        select(PointsCertificate).where(
            PointsCertificate.enterprise_id == enterprise_id,
            PointsCertificate.year == cert.year,
            PointsCertificate.status == "current",
            PointsCertificate.id != cert.id,
        )
    )
    for old in older:
        old.status, old.superseded_by_id = "superseded", cert.id
    session.flush()
    return cert, code, card


def issue_document(
    session: Session, principal: Principal, enterprise_id: int, fmt: str, run_id: int | None = None
) -> tuple[bytes, str]:
    """Record a certificate and render it; returns the file's bytes and name (API and page)."""
    if fmt == "pdf" and not cert_doc.pdf_available():  # refuse before recording anything
        raise cert_doc.CertificateError(
            "本机未安装 LibreOffice，无法生成 PDF；请下载 Word 版积分证明"
        )
    row, code, data = issue(session, principal, enterprise_id, run_id)
    docx = cert_doc.certificate_docx(data, grouped(code), verify_url(code), row.is_demo)
    name = f"{data['name']}_创新积分证明_{row.year}_{row.code_tail}"
    if fmt == "pdf":
        return cert_doc.certificate_pdf(docx), f"{name}.pdf"
    return docx, f"{name}.docx"


def certificate_out(c: PointsCertificate) -> dict[str, Any]:
    """An issued certificate as the enterprise's list shows it (never the code itself)."""
    return {
        "id": c.id,
        "code_tail": c.code_tail,
        "enterprise_id": c.enterprise_id,
        "year": c.year,
        "run_id": c.run_id,
        "methodology_code": c.methodology_code,
        "methodology_version": c.methodology_version,
        "total": c.figures.get("total"),
        "is_demo": c.is_demo,
        "status": c.status,
        "status_label": STATUS_LABELS[c.status],
        "superseded_by_id": c.superseded_by_id,
        "withdrawn_reason": c.withdrawn_reason,
        "withdrawn_by": c.withdrawn_by,
        "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
        "issued_by": c.issued_by,
        "issued_at": c.issued_at.isoformat() if c.issued_at else None,
    }


def list_certificates(
    session: Session, principal: Principal, enterprise_id: int
) -> list[dict[str, Any]]:
    """The certificates issued for an enterprise the principal may see, newest first."""
    enterprise_card_scope(session, principal, enterprise_id)
    rows = session.scalars(
        select(PointsCertificate)
        .where(PointsCertificate.enterprise_id == enterprise_id)
        .order_by(PointsCertificate.id.desc())
    )
    return [certificate_out(c) for c in rows]


def enterprise_card_scope(session: Session, principal: Principal, enterprise_id: int) -> None:
    """Refuse a bank, and an enterprise outside the principal's scope (as not found)."""
    from kechuang.points.scope import forbid_bank

    forbid_bank(principal)
    get_enterprise(session, principal, enterprise_id)


def withdraw(
    session: Session, principal: Principal, certificate_id: int, reason: str
) -> PointsCertificate:
    """The bureau withdraws a certificate with a reason (audited); it then verifies as 已撤回."""
    require_certificate_withdrawer(principal)
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("请填写撤回原因（银行核验时会看到）")
    if len(reason) > 500:
        raise BadInput("撤回原因不能超过 500 字")
    cert = session.get(PointsCertificate, certificate_id)
    if cert is None:
        raise NotFound("积分证明不存在")
    if cert.status == "withdrawn":
        raise Conflict("该积分证明已撤回")
    cert.status = "withdrawn"
    cert.withdrawn_reason = reason
    cert.withdrawn_by = principal.username
    cert.withdrawn_at = utcnow()
    session.flush()
    return cert


def verify(session: Session, code: str) -> dict[str, Any]:
    """What anyone may learn from a code: status, enterprise and year, and the printed figures
    only while the enterprise consents to share its points with banks. A wrong code raises
    CertificateNotFound and learns nothing else."""
    key = normalise(code)
    if not key or len(key) > 64 or set(key) - set(ALPHABET):
        raise CertificateNotFound()
    cert = session.scalar(
        select(PointsCertificate).where(PointsCertificate.code_hash == code_hash(key))
    )
    if cert is None:
        raise CertificateNotFound()
    ent = session.get(Enterprise, cert.enterprise_id)
    consent = session.scalar(
        select(PointsConsent.consented).where(PointsConsent.enterprise_id == cert.enterprise_id)
    )
    out: dict[str, Any] = {
        "status": cert.status,
        "status_label": STATUS_LABELS[cert.status],
        "enterprise_name": ent.name if ent else "",
        "year": cert.year,
        "issued_on": cert.issued_at.date().isoformat(),
        "is_demo": cert.is_demo,
        "withdrawn_reason": cert.withdrawn_reason if cert.status == "withdrawn" else None,
        "withdrawn_on": cert.withdrawn_at.date().isoformat()
        if cert.status == "withdrawn" and cert.withdrawn_at
        else None,
        "superseded_by": None,
        "consented": bool(consent),
        "figures": cert.figures if consent else None,
    }
    if cert.status == "superseded" and cert.superseded_by_id:
        newer = session.get(PointsCertificate, cert.superseded_by_id)
        if newer is not None:  # its tail and date, never its code
            out["superseded_by"] = {
                "code_tail": newer.code_tail,
                "issued_on": newer.issued_at.date().isoformat(),
                "status_label": STATUS_LABELS[newer.status],
            }
    return out
