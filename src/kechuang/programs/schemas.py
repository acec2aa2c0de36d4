"""Request bodies of the 重点攻关 API (bounded numbers and lengths; Chinese descriptions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from kechuang.core.web import IdField, YearItem

Money = Field(ge=0, le=10_000_000, description="万元")


class CallIn(BaseModel):
    """A new call (申报批次)."""

    code: str = Field(min_length=1, max_length=40, description="批次编号")
    year: YearItem
    kind: str = Field(max_length=12, description="normal / jiebang / saima / directed")
    title: str = Field(min_length=1, max_length=200)
    directions: list[str] = Field(max_length=100, description="指南方向或课题编码")
    budget: float = Money
    eligibility: dict[str, Any] | None = Field(None, description="申报条件规则包（规则引擎格式）")
    opens_on: date | None = None
    closes_on: date | None = None
    per_application: int = Field(5, ge=1, le=15, description="每项申报的评审专家数")
    finance_required: bool = True
    awardees: int = Field(0, ge=0, le=10, description="赛马制并行支持数")
    challenge_id: IdField | None = None


class ChallengeIn(BaseModel):
    """A 揭榜挂帅 need (榜单)."""

    code: str = Field(min_length=1, max_length=40)
    year: YearItem
    owner_unit: str = Field(max_length=200)
    owner_uscc: str = Field("", max_length=18)
    title: str = Field(max_length=200)
    need: str = Field(max_length=5000)
    acceptance_criteria: str = Field(max_length=5000)
    direction: str = Field("", max_length=40)
    budget: float = Money


class ApplicationIn(BaseModel):
    """An application (申报书) to a call."""

    unit_name: str = Field(max_length=200)
    unit_uscc: str = Field(max_length=18, description="统一社会信用代码")
    leader_name: str = Field(max_length=50)
    leader_id_no: str = Field(max_length=30, description="项目负责人证件号")
    direction: str = Field(max_length=40)
    title: str = Field(max_length=200)
    keywords: list[str] = Field(default_factory=list, max_length=20)
    abstract: str = Field("", max_length=5000)
    budget: float = Money
    acceptance_criteria: str = Field("", max_length=5000)


class TransitionIn(BaseModel):
    """A lifecycle action and its reason."""

    action: str = Field(min_length=1, max_length=30)
    reason: str = Field("", max_length=500)


class GateIn(BaseModel):
    """A milestone gate result."""

    outcome: str = Field(max_length=12, description="continue / cut / merge / rectify")
    score: float | None = Field(None, ge=0, le=100)
    note: str = Field("", max_length=500)


class ExpertIn(BaseModel):
    """An expert for the bank."""

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=50)
    id_no: str = Field(min_length=1, max_length=30)
    unit_name: str = Field("", max_length=200)
    unit_uscc: str = Field("", max_length=18)
    title: str = Field("", max_length=50)
    fields: str = Field("", max_length=200)
    keywords: list[str] = Field(default_factory=list, max_length=30)
    finance: bool = False
    region_code: str = Field("", max_length=6)
    max_load: int = Field(10, ge=1, le=200)
    user_id: IdField | None = None


class RelationIn(BaseModel):
    """A relations register entry."""

    a: str = Field(min_length=1, max_length=30)
    a_kind: str = Field(max_length=8, description="person / unit")
    b: str = Field(min_length=1, max_length=30)
    b_kind: str = Field(max_length=8)
    relation: str = Field(max_length=16)
    start_year: YearItem | None = None
    end_year: YearItem | None = None


class RecuseIn(BaseModel):
    """A declared conflict."""

    reason: str = Field(min_length=1, max_length=500)


class ScoreIn(BaseModel):
    """An expert's score."""

    score: float = Field(ge=0, le=100)
    comment: str = Field("", max_length=5000)


class DecisionIn(BaseModel):
    """The administrative decision of a call."""

    funded: list[IdField] = Field(max_length=2000)
    budget: float = Money
    note: str = Field("", max_length=500)
    publicity_days: int = Field(7, ge=5, le=30)


class ObjectionIn(BaseModel):
    """An objection received during a 公示."""

    application_id: IdField | None = None
    raised_by: str = Field("", max_length=100)
    content: str = Field(min_length=1, max_length=5000)


class ObjectionHandleIn(BaseModel):
    """How the bureau handled an objection."""

    upheld: bool
    handling: str = Field(min_length=1, max_length=2000)
