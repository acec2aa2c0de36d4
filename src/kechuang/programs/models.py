"""重点攻关 tables: calls, 揭榜挂帅 challenges, applications and their state transitions, the expert
bank and relations register, review assignments and scores, decisions, 公示 and objections,
milestone gates and tranches.

Units are keyed by 统一社会信用代码 and persons by 证件号 as text, so no foreign key leaves the domain
(an applicant unit need not be in the enterprise registry: institutes apply too)."""

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
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.core.db import Base, utcnow

CALL_STATES = {"draft": "未发布", "open": "申报中", "closed": "已截止"}
RELATIONS = {
    "employment": "任职",
    "shareholding": "持股",
    "control": "实际控制",
    "kinship": "亲属",
    "cooperation": "合作",
    "mentorship": "师生",
}
PARTY_KINDS = {"person": "个人", "unit": "单位"}
ASSIGNMENT_STATES = {"assigned": "待评分", "scored": "已评分", "recused": "已回避"}
OBJECTION_STATES = {"open": "待处理", "upheld": "异议成立", "dismissed": "异议不成立"}
GATE_OUTCOMES = {"continue": "通过继续", "cut": "淘汰", "merge": "并入他队", "rectify": "整改"}


class Call(Base):
    """A 申报批次 (call): its type, 指南 directions, budget (万元), eligibility pack, dates."""

    __tablename__ = "program_calls"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)  # normal/jiebang/saima/directed
    title: Mapped[str] = mapped_column(String(200))
    directions: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget: Mapped[float] = mapped_column(Float, default=0.0)
    # a rule pack (engines/rules format) evaluated on the applicant's registry and statistics
    eligibility: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    opens_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closes_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    per_application: Mapped[int] = mapped_column(Integer, default=5)
    finance_required: Mapped[bool] = mapped_column(Boolean, default=True)
    awardees: Mapped[int] = mapped_column(Integer, default=0)  # 赛马: parallel awardees (0 = any)
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_challenges.id"), nullable=True, index=True
    )
    state: Mapped[str] = mapped_column(String(12), default="draft")
    # 定向委托: the 论证 (why this task goes to a named unit without an open call)
    rationale: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Challenge(Base):
    """A 揭榜挂帅 need posted by a 发榜方 (owner), with its acceptance criteria."""

    __tablename__ = "program_challenges"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    owner_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    owner_unit: Mapped[str] = mapped_column(String(200))
    owner_uscc: Mapped[str] = mapped_column(String(18), default="")
    title: Mapped[str] = mapped_column(String(200))
    need: Mapped[str] = mapped_column(Text, default="")
    acceptance_criteria: Mapped[str] = mapped_column(Text, default="")
    direction: Mapped[str] = mapped_column(String(40), default="")
    budget: Mapped[float] = mapped_column(Float, default=0.0)
    state: Mapped[str] = mapped_column(String(16), default="proposed")
    state_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Application(Base):
    """An application (and, once approved, the project): unit, 项目负责人, direction, budget, state."""

    __tablename__ = "program_applications"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("program_calls.id"), index=True)
    applicant_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    unit_name: Mapped[str] = mapped_column(String(200))
    unit_uscc: Mapped[str] = mapped_column(String(18), index=True)
    leader_name: Mapped[str] = mapped_column(String(50))
    leader_id_no: Mapped[str] = mapped_column(String(30), index=True)
    direction: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    abstract: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[float] = mapped_column(Float, default=0.0)  # 申请经费, 万元
    granted: Mapped[float] = mapped_column(Float, default=0.0)  # 立项经费, 万元
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    state_at: Mapped[datetime] = mapped_column(default=utcnow)
    agreement_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    acceptance_criteria: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Transition(Base):
    """One state change of an application or challenge: who, why and when (the lifecycle's log)."""

    __tablename__ = "program_transitions"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_applications.id", ondelete="CASCADE"), nullable=True, index=True
    )
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_challenges.id", ondelete="CASCADE"), nullable=True, index=True
    )
    machine: Mapped[str] = mapped_column(String(12))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Expert(Base):
    """A reviewer in the expert bank: person (证件号), unit (USCC), title, fields, finance, load cap."""

    __tablename__ = "program_experts"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    id_no: Mapped[str] = mapped_column(String(30), unique=True)
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    unit_uscc: Mapped[str] = mapped_column(String(18), default="", index=True)
    title: Mapped[str] = mapped_column(String(50), default="")
    fields: Mapped[str] = mapped_column(String(200), default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    finance: Mapped[bool] = mapped_column(Boolean, default=False)
    region_code: Mapped[str] = mapped_column(String(6), default="")
    max_load: Mapped[int] = mapped_column(Integer, default=10)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Relation(Base):
    """A register entry: party A (person by 证件号 or unit by USCC) relates to party B from/to a year."""

    __tablename__ = "program_relations"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    a: Mapped[str] = mapped_column(String(30), index=True)
    a_kind: Mapped[str] = mapped_column(String(8))
    b: Mapped[str] = mapped_column(String(30), index=True)
    b_kind: Mapped[str] = mapped_column(String(8))
    relation: Mapped[str] = mapped_column(String(16))
    start_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_year: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: still holds
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Assignment(Base):
    """An expert assigned to review an application, with the matcher's affinity and reason."""

    __tablename__ = "program_assignments"
    __audited__ = True
    __table_args__ = (UniqueConstraint("application_id", "expert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("program_applications.id", ondelete="CASCADE"), index=True
    )
    expert_id: Mapped[int] = mapped_column(ForeignKey("program_experts.id"), index=True)
    affinity: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(12), default="assigned")
    recusal_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Score(Base):
    """An expert's score (0–100) for one assignment."""

    __tablename__ = "program_scores"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("program_assignments.id", ondelete="CASCADE"), unique=True
    )
    application_id: Mapped[int] = mapped_column(Integer, index=True)
    expert_id: Mapped[int] = mapped_column(Integer, index=True)
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """The administrative decision of a call: budget, funding line and the applications funded."""

    __tablename__ = "program_decisions"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("program_calls.id"), index=True)
    budget: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(20), default="additive")
    funded: Mapped[list[int]] = mapped_column(JSON, default=list)
    line_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Publicity(Base):
    """A 公示: the list published for a call with its publication period (public, no login)."""

    __tablename__ = "program_publicities"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("program_calls.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    application_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Objection(Base):
    """An objection raised during a 公示 and how the bureau handled it."""

    __tablename__ = "program_objections"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publicity_id: Mapped[int] = mapped_column(
        ForeignKey("program_publicities.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    raised_by: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="open")
    handling: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Milestone(Base):
    """A milestone gate result of a project: sequence, outcome and score."""

    __tablename__ = "program_milestones"
    __audited__ = True
    __table_args__ = (UniqueConstraint("application_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("program_applications.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(12))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class TranchePaid(Base):
    """One instalment paid to a project (万元) and the rule that allowed it."""

    __tablename__ = "program_tranches"
    __audited__ = True
    __table_args__ = (UniqueConstraint("application_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("program_applications.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    share: Mapped[float] = mapped_column(Float)
    amount: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


# the portfolio tables (classifications, outcomes) live in their own module; imported here so the
# domain's models module declares every table
from kechuang.programs.portfolio_models import Classification, Outcome  # noqa: E402,F401
