"""Plan tables: periods loaded from a plan YAML (sections → actions → targets), the figures and
milestone states the bureau enters, carry-over links between periods, tasks with their units,
quarterly progress reports with attachments.

A loaded YAML is kept whole (`plan_periods.document`) so that a later version can be compared
with it; sections, actions and targets are rows keyed by their code inside the period, so a
reload with a new version updates them in place and keeps every figure entered against them."""

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

TARGET_KINDS = {"quantitative": "定量指标", "milestone": "里程碑"}
# what the bureau enters against a quantitative target
ENTRY_KINDS = {"baseline": "基期值", "target": "目标值", "actual": "实际值"}
MILESTONE_STATES = {
    "not_started": "未启动",
    "in_progress": "推进中",
    "achieved": "已实现",
    "failed": "未实现",
}
TASK_STATES = {
    "planned": "未开始",
    "in_progress": "进行中",
    "done": "已完成",
    "suspended": "暂停",
}
PROGRESS_STATES = {"submitted": "待审核", "approved": "已通过", "returned": "已退回"}


class PlanPeriod(Base):
    """A plan period (十四五 2021–2025 …) as loaded from its YAML: the document and its version."""

    __tablename__ = "plan_periods"
    __audited__ = True
    __audit_exclude__ = ("document",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(20))
    confirmation: Mapped[str] = mapped_column(String(20), default="single_source")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    loaded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanSection(Base):
    """A chapter of the plan: （五） 实施高新区高质量发展行动."""

    __tablename__ = "plan_sections"
    __audited__ = True
    __table_args__ = (UniqueConstraint("period_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("plan_periods.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(20))  # 五
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)


class PlanAction(Base):
    """A numbered action inside a section: （五）2 推动高新区争先进位, with the text it quotes."""

    __tablename__ = "plan_actions"
    __audited__ = True
    __table_args__ = (UniqueConstraint("period_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("plan_periods.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[int] = mapped_column(
        ForeignKey("plan_sections.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(20))  # 五.2
    label: Mapped[str] = mapped_column(String(20))  # （五）2
    title: Mapped[str] = mapped_column(String(200))
    quote: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class PlanTarget(Base):
    """A target: quantitative (an indicator with baseline, target value and year) or a milestone;
    the seed's figures only (null where the plan gives none), each with its quote and source."""

    __tablename__ = "plan_targets"
    __audited__ = True
    __table_args__ = (UniqueConstraint("period_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("plan_periods.id", ondelete="CASCADE"), index=True
    )
    action_id: Mapped[int] = mapped_column(
        ForeignKey("plan_actions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))  # quantitative / milestone
    indicator: Mapped[str | None] = mapped_column(String(60), nullable=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unit: Mapped[str] = mapped_column(String(20), default="")
    baseline_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    baseline_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    target_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    target_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    quote: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)


class TargetEntry(Base):
    """A figure the bureau entered for a target (baseline, target value or a year's actual);
    the newest per (target, kind, year) counts, older ones stay as history."""

    __tablename__ = "plan_target_entries"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_id: Mapped[int] = mapped_column(
        ForeignKey("plan_targets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # baseline / target / actual
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MilestoneEvent(Base):
    """A milestone's state on a date with its evidence (a document, an approval, a list)."""

    __tablename__ = "plan_milestone_events"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_id: Mapped[int] = mapped_column(
        ForeignKey("plan_targets.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(12))
    on_date: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TargetLink(Base):
    """A carry-over the bureau entered: a target of a later period continues one of an earlier."""

    __tablename__ = "plan_target_links"
    __audited__ = True
    __table_args__ = (UniqueConstraint("from_target_id", "to_target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_target_id: Mapped[int] = mapped_column(
        ForeignKey("plan_targets.id", ondelete="CASCADE"), index=True
    )
    to_target_id: Mapped[int] = mapped_column(
        ForeignKey("plan_targets.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanTask(Base):
    """A task an action is broken into: 牵头单位, dates, state and its milestones."""

    __tablename__ = "plan_tasks"
    __audited__ = True
    __table_args__ = (UniqueConstraint("period_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("plan_periods.id", ondelete="CASCADE"), index=True
    )
    action_id: Mapped[int] = mapped_column(
        ForeignKey("plan_actions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(12), default="planned")
    # [{"title": ..., "due_on": "YYYY-MM-DD", "done_on": "YYYY-MM-DD" | null}]
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskUnit(Base):
    """A unit on a task: 牵头单位 (lead) or 责任单位; a zone's committee is bound to its zone, so
    that zone's admins report for it."""

    __tablename__ = "plan_task_units"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("plan_tasks.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), nullable=True, index=True)
    lead: Mapped[bool] = mapped_column(Boolean, default=False)


class ProgressReport(Base):
    """A quarterly progress report by a responsible unit, reviewed by the city admin."""

    __tablename__ = "plan_progress_reports"
    __audited__ = True
    __table_args__ = (UniqueConstraint("task_id", "unit_id", "year", "quarter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("plan_tasks.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("plan_task_units.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    # {"名称": 数值, ...} as reported (units in the names)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    problems: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="submitted")
    reported_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class ProgressAttachment(Base):
    """A file attached to a progress report as evidence."""

    __tablename__ = "plan_progress_attachments"
    __audited__ = True
    __audit_exclude__ = ("content",)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("plan_progress_reports.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
