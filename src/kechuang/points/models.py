"""Innovation-points tables: scoring runs, stored scores, bank-sharing consent and flag inputs.

Importing this module also registers the `bank_viewer` role (a bank that lends on points, 积分贷):
its scope is "none", so every platform query returns nothing to it; the points module shows it the
consented bank list and nothing else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.core.db import Base, utcnow
from kechuang.points import BANK_ROLE  # noqa: F401 - re-exported for the domain's modules


class PointsRun(Base):
    """One scoring of every enterprise-year: methodology version and input hash make it repeatable."""

    __tablename__ = "points_runs"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    methodology_code: Mapped[str] = mapped_column(String(40))
    methodology_version: Mapped[str] = mapped_column(String(40))
    methodology_name: Mapped[str] = mapped_column(String(200), default="")
    methodology_digest: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(20))
    provisional: Mapped[bool] = mapped_column(Boolean, default=True)
    input_hash: Mapped[str] = mapped_column(String(64))
    years: Mapped[list[int]] = mapped_column(JSON, default=list)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def name(self) -> str:
        """The audit label."""
        return f"{self.methodology_name} v{self.methodology_version}"


class PointsScore(Base):
    """The points of one enterprise-year in a run, with ranks and the full explanation."""

    __tablename__ = "points_scores"
    __table_args__ = (
        UniqueConstraint("run_id", "enterprise_id", "year"),
        Index("ix_points_scores_run_year_total", "run_id", "year", "total"),
        Index("ix_points_scores_run_year_delta", "run_id", "year", "delta"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("points_runs.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20))
    zone_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    industry_division: Mapped[str] = mapped_column(String(10), default="")
    total: Mapped[float] = mapped_column(Float)
    # total minus the enterprise's total of the previous year in the same run (None without one):
    # stored with the run so that the year's movers are an index scan
    delta: Mapped[float | None] = mapped_column(Float, nullable=True)
    base: Mapped[float] = mapped_column(Float)
    bonus: Mapped[float] = mapped_column(Float)
    penalty: Mapped[float] = mapped_column(Float)
    vetoed: Mapped[bool] = mapped_column(Boolean)
    rank_city: Mapped[int | None] = mapped_column(Integer, nullable=True)
    n_city: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rank_zone: Mapped[int | None] = mapped_column(Integer, nullable=True)
    n_zone: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rank_industry: Mapped[int | None] = mapped_column(Integer, nullable=True)
    n_industry: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rank_stage: Mapped[int | None] = mapped_column(Integer, nullable=True)
    n_stage: Mapped[int | None] = mapped_column(Integer, nullable=True)
    categories: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PointsConsent(Base):
    """Whether an enterprise agrees that its points are shared with partner banks (积分贷)."""

    __tablename__ = "points_consents"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), unique=True)
    consented: Mapped[bool] = mapped_column(Boolean, default=False)
    basis: Mapped[str] = mapped_column(String(200), default="")
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # the signed authorisation a city admin uploaded for this change (none when the enterprise's
    # own user changed it online); name and SHA-256 here so the audit trail shows them
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("points_consent_documents.id"), nullable=True
    )
    document_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    document_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)

    @property
    def name(self) -> str:
        """The audit label."""
        return f"企业{self.enterprise_id}：{'同意' if self.consented else '不同意'}向银行共享积分"


class ConsentDocument(Base):
    """A signed authorisation (scan or PDF) a city admin uploaded to change an enterprise's consent.

    Kept for good: a later change adds a document, never replaces one. Not audited row by row (the
    bytes do not belong in the audit log); the consent row that cites it is.
    """

    __tablename__ = "points_consent_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64), default="")
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PointsFlag(Base):
    """A yes/no input of an enterprise-year that is not a statistics figure (e.g. 高企 in force)."""

    __tablename__ = "points_flags"
    __audited__ = True
    __table_args__ = (UniqueConstraint("enterprise_id", "year", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    value: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PointsCertificate(Base):
    """An issued points certificate (积分证明) that a bank verifies by its code on the public page.

    Only the SHA-256 of the verification code is stored: the code is printed once on the document,
    so a database reader cannot forge a copy, and a lookup by hash leaks no timing on the code.
    `figures` is what the document printed, so the public page shows those, not later figures.
    """

    __tablename__ = "points_certificates"
    __audited__ = True
    __table_args__ = (Index("ix_points_certificates_enterprise_year", "enterprise_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_tail: Mapped[str] = mapped_column(String(8))  # last characters, to name it in lists
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    year: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[int] = mapped_column(Integer)  # no FK: a certificate outlives a deleted run
    methodology_code: Mapped[str] = mapped_column(String(40))
    methodology_version: Mapped[str] = mapped_column(String(40))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="current")
    superseded_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    withdrawn_reason: Mapped[str] = mapped_column(String(500), default="")
    withdrawn_by: Mapped[str] = mapped_column(String(64), default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(nullable=True)
    issued_by: Mapped[str] = mapped_column(String(64), default="")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def name(self) -> str:
        """The audit label."""
        return f"企业{self.enterprise_id} {self.year}年积分证明（尾号 {self.code_tail}）"
