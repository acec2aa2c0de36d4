"""科技特派员 tables: commissioners and their members and service areas, demands and photos,
suggestions, three-party agreements, service logs, ratings and annual assessments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.core.db import Base, utcnow

# 个人 / 团队 / 法人 科技特派员
KINDS = {"individual": "个人", "team": "团队", "legal_person": "法人"}
# professional title levels; a team's group constraint asks for 正高 or 副高
TITLE_LEVELS = ("正高", "副高", "中级", "初级", "其他")
COMMISSIONER_STATUSES = {"active": "在派", "suspended": "暂停", "ended": "期满"}
RECIPIENT_KINDS = ("农户", "合作社", "家庭农场", "农业企业", "村集体")
URGENCIES = {"normal": "一般", "urgent": "紧急"}
DEMAND_STATUSES = {
    "open": "待匹配",
    "suggested": "已推荐",
    "confirmed": "已确认特派员",
    "in_service": "服务中",
    "closed": "已办结",
}
AGREEMENT_STATUSES = {"pending": "待三方确认", "active": "生效", "ended": "已结束"}
LOG_STATUSES = {"submitted": "待服务对象确认", "confirmed": "已确认", "disputed": "有异议"}


class Commissioner(Base):
    """A 科技特派员: an individual, a team (members with a leader) or a legal person (≥ 3 staff).

    `region_code` is the home 区县 (GB/T 2260); the counties it serves are its service areas.
    `batch_year` is the selection batch (选派年度)."""

    __tablename__ = "commissioners"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(50), default="")
    title_level: Mapped[str] = mapped_column(String(8), default="其他")
    expertise: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")  # 法人: 技术力量与优势
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    problem_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    batch_year: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(12), default="active")
    max_load: Mapped[int] = mapped_column(Integer, default=5)
    phone: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommissionerArea(Base):
    """One 区县 (GB/T 2260, 6 digits) a commissioner serves."""

    __tablename__ = "commissioner_areas"
    __audited__ = True
    __table_args__ = (UniqueConstraint("commissioner_id", "region_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commissioner_id: Mapped[int] = mapped_column(
        ForeignKey("commissioners.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str] = mapped_column(String(6), index=True)


class CommissionerMember(Base):
    """A team member or a legal person's staff member; one member of a team leads it."""

    __tablename__ = "commissioner_members"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commissioner_id: Mapped[int] = mapped_column(
        ForeignKey("commissioners.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(50), default="")
    title_level: Mapped[str] = mapped_column(String(8), default="其他")
    region_code: Mapped[str] = mapped_column(String(6), default="")
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)


class Demand(Base):
    """A technical need posted by a 服务对象 or by a village 信息员 on someone's behalf.

    `region_code` is where it is (9-digit 乡镇 or 6-digit 区县); `county_code` its 区县, the unit of
    a county admin's scope. `owner_user_id` is the party that approves the agreement and confirms
    service for the served side: the recipient's own account, or the 信息员 who posted for a
    farmer without one."""

    __tablename__ = "demands"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    problem_type: Mapped[str] = mapped_column(String(30), default="")
    region_code: Mapped[str] = mapped_column(String(12))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    urgency: Mapped[str] = mapped_column(String(8), default="normal")
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    recipient_name: Mapped[str] = mapped_column(String(100))
    recipient_kind: Mapped[str] = mapped_column(String(8))
    contact: Mapped[str] = mapped_column(String(30), default="")
    posted_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Photo(Base):
    """A photo of a demand or of a service visit (JPEG/PNG/WebP, checked by content, ≤ 5 MB)."""

    __tablename__ = "commissioner_photos"
    __audited__ = True
    __audit_exclude__ = ("content",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int | None] = mapped_column(
        ForeignKey("demands.id", ondelete="CASCADE"), nullable=True, index=True
    )
    log_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_logs.id", ondelete="CASCADE"), nullable=True, index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Suggestion(Base):
    """A suggested commissioner for a demand: score and its components (why)."""

    __tablename__ = "commissioner_suggestions"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    commissioner_id: Mapped[int] = mapped_column(
        ForeignKey("commissioners.id", ondelete="CASCADE"), index=True
    )
    mode: Mapped[str] = mapped_column(String(12))  # batch_total | batch_fair | urgent
    rank: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[float] = mapped_column(Float)
    components: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="suggested")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Agreement(Base):
    """A three-party service agreement (特派员、服务对象、区县科技局); active only when all approve."""

    __tablename__ = "service_agreements"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    commissioner_id: Mapped[int] = mapped_column(
        ForeignKey("commissioners.id", ondelete="CASCADE"), index=True
    )
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    content: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    commissioner_approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    recipient_approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    county_approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    county_approved_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceLog(Base):
    """One service visit: date, days in the field (0.5 steps), what was done and brought.

    Counted (dashboards, assessment) only once the served party has confirmed it."""

    __tablename__ = "service_logs"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("service_agreements.id", ondelete="CASCADE"), index=True
    )
    commissioner_id: Mapped[int] = mapped_column(
        ForeignKey("commissioners.id", ondelete="CASCADE"), index=True
    )
    served_on: Mapped[date] = mapped_column(Date, index=True)
    days: Mapped[float] = mapped_column(Float)
    content: Mapped[str] = mapped_column(Text)
    trainees: Mapped[int] = mapped_column(Integer, default=0)
    new_varieties: Mapped[int] = mapped_column(Integer, default=0)
    new_techniques: Mapped[int] = mapped_column(Integer, default=0)
    new_equipment: Mapped[int] = mapped_column(Integer, default=0)
    income_wan: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(10), default="submitted", index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    confirmed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    objection: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rating(Base):
    """The served party's rating of an agreement's service (1–5), after confirmed logs."""

    __tablename__ = "service_ratings"
    __audited__ = True
    __table_args__ = (UniqueConstraint("agreement_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("service_agreements.id", ondelete="CASCADE"), index=True
    )
    commissioner_id: Mapped[int] = mapped_column(
        ForeignKey("commissioners.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    rated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssessmentRun(Base):
    """One annual assessment: the scheme version and input hash, so it can be regenerated."""

    __tablename__ = "commissioner_assessment_runs"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    scheme: Mapped[str] = mapped_column(String(60))
    scheme_sha256: Mapped[str] = mapped_column(String(64))
    input_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssessmentResult(Base):
    """One commissioner's assessment in a run: inputs, part scores, total, rank and grade."""

    __tablename__ = "commissioner_assessments"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("commissioner_assessment_runs.id", ondelete="CASCADE"), index=True
    )
    commissioner_id: Mapped[int] = mapped_column(
        ForeignKey("commissioners.id", ondelete="CASCADE"), index=True
    )
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    parts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(200), default="")
