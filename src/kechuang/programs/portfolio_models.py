"""Portfolio tables of 重点攻关: each application's classification into the 指南 (predicted 方向,
confidence, the terms behind it, the bureau's confirmation or correction) and the outcomes of
projects (patents, standards, products, 成果转化, revenue). Imported by `models.py`, so the
domain's metadata holds them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.core.db import Base, utcnow

# kind → (label, unit): one fixed unit per kind, so an amount never needs a guessed unit
OUTCOME_KINDS: dict[str, tuple[str, str]] = {
    "patent": ("专利", "件"),
    "standard": ("标准", "项"),
    "product": ("产品", "个"),
    "transfer": ("成果转化", "万元"),
    "revenue": ("营业收入", "万元"),
}


class Classification(Base):
    """The 指南 方向 predicted for an application, its confidence and explanation, and the
    bureau's confirmed 方向 (a confirmed row is labelled history for the next training)."""

    __tablename__ = "program_classifications"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("program_applications.id", ondelete="CASCADE"), unique=True
    )
    predicted: Mapped[str] = mapped_column(String(40), index=True)
    predicted_domain: Mapped[str] = mapped_column(String(40))
    confidence: Mapped[float] = mapped_column(Float)
    domain_confidence: Mapped[float] = mapped_column(Float)
    declared: Mapped[str] = mapped_column(String(40))  # the 方向 of the declared 指南方向
    declared_probability: Mapped[float] = mapped_column(Float)
    disagreement: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    ranked: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[code, p], …] top 3
    terms: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[term, contribution], …]
    model_note: Mapped[str] = mapped_column(String(200), default="")
    confirmed: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    confirmed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    classified_at: Mapped[datetime] = mapped_column(default=utcnow)


class Outcome(Base):
    """One outcome of a project: kind, quantity in the kind's unit, year and the evidence."""

    __tablename__ = "program_outcomes"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("program_applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12), index=True)
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer, index=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
