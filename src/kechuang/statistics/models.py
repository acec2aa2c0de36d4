"""Statistics tables: import batches, enterprise-year and zone-year figures with revisions, and the
revisions of the enterprise registry that imports make.

A correction never overwrites: it adds a revision and moves the `is_current` flag, so the current
view is one indexed filter and every earlier value stays readable with the import it came from.
An enterprise-registry import changes the enterprise row in place (it is the registry's current
view) and records what it changed, before and after, in `enterprise_revisions`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.core.db import Base, utcnow
from kechuang.statistics.fields import ENTERPRISE_YEAR_FIELDS

IMPORT_KINDS = {
    "enterprises": "企业名录",
    "enterprise_years": "企业年度统计",
    "zone_years": "高新区年度统计",
}


class ImportBatch(Base):
    """One applied import: its file, hash, who ran it, how many rows it stored, and whether it was undone."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_created: Mapped[int] = mapped_column(Integer, default=0)
    rows_revised: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    zone_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    undone_at: Mapped[datetime | None] = mapped_column(nullable=True)
    undone_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


_COLUMN_TYPES = {"int": Integer, "decimal": Float, "bool": Boolean}


class EnterpriseYear(Base):
    """One revision of an enterprise's figures for one fiscal year (money in 万元, people in 人)."""

    __tablename__ = "enterprise_years"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", "revision"),
        Index("ix_enterprise_years_current", "year", "is_current", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # One nullable column per figure in fields.py, so the definition lives in one place.
    for _f in ENTERPRISE_YEAR_FIELDS:
        locals()[_f.code] = mapped_column(_COLUMN_TYPES[_f.kind], nullable=True)
    del _f


class ZoneYear(Base):
    """One revision of one zone-level figure for one year (long format: zone, year, indicator)."""

    __tablename__ = "zone_years"
    __table_args__ = (
        UniqueConstraint("zone_id", "year", "indicator_code", "revision"),
        Index("ix_zone_years_current", "zone_id", "year", "is_current"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"))
    year: Mapped[int] = mapped_column(Integer)
    indicator_code: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


SUBMISSION_STATUSES = {
    "pending": "待审核",
    "approved": "已通过",
    "rejected": "已驳回",
    "superseded": "已被新报送取代",
    "withdrawn": "已撤回",
}


class Submission(Base):
    """Figures an enterprise user reported: a non-current revision awaiting a bureau review.

    The revision row (`enterprise_year_id`) is stored with is_current=False, so every read of current
    figures leaves it out until approval moves the flag onto it; `base_id` is the revision that was
    current when the enterprise submitted (None: no figures then), so an approval can tell that the
    figures changed underneath the submission.
    """

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_year_id: Mapped[int] = mapped_column(ForeignKey("enterprise_years.id"), unique=True)
    base_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    submitted_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)


REVISION_ACTIONS = {"create": "新增", "update": "修改"}


class EnterpriseRevision(Base):
    """One change of an enterprise's registry facts: who, when, which import, fields before → after.

    `before` and `after` hold only the changed fields (model attribute → JSON value: ids, ISO dates);
    a created enterprise has action "create" and an empty `before`. An undo restores `before`.
    """

    __tablename__ = "enterprise_revisions"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id"), nullable=True, index=True
    )
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    username: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
