"""Tier tables: the qualifications register (facts the enterprise-year statistics do not hold)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String
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
