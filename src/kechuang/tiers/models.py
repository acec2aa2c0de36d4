"""Tier tables: the qualifications register (facts the enterprise-year statistics do not hold)
and stored evaluation snapshots."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.core.db import Base, utcnow


class EnterpriseQualification(Base):
    """A title, certificate, award, R&D institution or market fact an enterprise holds.

    `kind` is a code of QUAL_KINDS (e.g. hnte_certificate); `obtained_on`/`expires_on` bound its
    validity (an HNTE certificate runs three years from issue); `value` carries a number where the
    kind has one (a platform score, a market share). Every write is audited.
    """

    __tablename__ = "enterprise_qualifications"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40), index=True)
    level: Mapped[str] = mapped_column(String(20), default="")
    obtained_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    reference: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TierSnapshot(Base):
    """One stored tier evaluation run: the years, the pack versions and the input hash it was
    computed from, so the dashboard and candidate lists can read it instead of recomputing and a
    year-on-year flow can be reproduced. Its rows are written in bulk and the run is audited."""

    __tablename__ = "tier_snapshots"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    years: Mapped[list[int]] = mapped_column(JSON, default=list)
    # per year: [{"code", "family", "version"}] of the packs evaluated
    packs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    input_hash: Mapped[str] = mapped_column(String(64))
    enterprises: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    # per year and family: enterprises meeting or holding it (the page's quick summary)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # `snapshots.signature_text` of the data when the snapshot was taken: while the data's
    # signature is still this, the snapshot is fresh for every scope without hashing the inputs
    data_signature: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def name(self) -> str:
        """The audit label."""
        return f"梯度评估快照 {'、'.join(str(y) for y in self.years)}年"


class TierSnapshotEnterprise(Base):
    """An enterprise-year of a snapshot: its rung and the digest of the inputs it was evaluated
    from (a zone admin's staleness check compares only her enterprises' digests)."""

    __tablename__ = "tier_snapshot_enterprises"
    __table_args__ = (UniqueConstraint("snapshot_id", "year", "enterprise_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("tier_snapshots.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    rung: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    rung_eval: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    input_digest: Mapped[str] = mapped_column(String(32))


class TierSnapshotResult(Base):
    """One enterprise-year-pack verdict of a snapshot (status code of the engine's VERDICTS,
    title held, distance to the rung, score range)."""

    __tablename__ = "tier_snapshot_results"
    __table_args__ = (
        UniqueConstraint("snapshot_id", "year", "pack", "enterprise_id"),
        Index("ix_tier_snapshot_results_snapshot_year", "snapshot_id", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("tier_snapshots.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    pack: Mapped[str] = mapped_column(String(60))
    status: Mapped[int] = mapped_column(SmallInteger)
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    distance: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_lo: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_hi: Mapped[float | None] = mapped_column(Float, nullable=True)


class TierSnapshotDashboard(Base):
    """The 梯度培育 dashboard of one scope and year window, built from a snapshot when it was taken,
    so no page view reads its millions of verdicts; `signature` says which data, zone names and
    targets it was built from (a dashboard whose signature no longer matches is not read)."""

    __tablename__ = "tier_snapshot_dashboards"
    __table_args__ = (UniqueConstraint("snapshot_id", "scope", "years"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("tier_snapshots.id", ondelete="CASCADE"))
    # "all" (the city) or "zone:<id>"
    scope: Mapped[str] = mapped_column(String(40))
    # the window's years, comma-separated in ascending order
    years: Mapped[str] = mapped_column(String(60))
    signature: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
