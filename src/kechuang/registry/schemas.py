"""Response models of the registry API: zones with parks and strategic industries, carriers, and
an enterprise's registry facts (statistics extends them with figures)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ParkOut(BaseModel):
    """A park of a zone."""

    id: int
    code: str
    name: str
    confirmed: bool
    source: str


class ZoneIndustryOut(BaseModel):
    """A strategic industry of a zone (一区一战略产业) and its role."""

    code: str
    name: str
    role: str
    role_label: str | None = Field(description="主导产业 / 新兴产业 / 转型升级产业")


class ZoneOut(BaseModel):
    """A zone with its parks and strategic industries."""

    id: int
    code: str
    name: str
    full_name: str
    kind: str
    level: str
    region_code: str | None
    candidate_for: str
    source: str
    parks: list[ParkOut]
    strategic_industries: list[ZoneIndustryOut]


class CarrierOut(BaseModel):
    """An innovation carrier (孵化器、众创空间 …)."""

    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    level: str
    zone_id: int | None


class EnterpriseSummary(BaseModel):
    """The registry facts of an enterprise."""

    id: int
    uscc: str
    name: str
    founded_on: str | None = Field(description="成立日期 YYYY-MM-DD")
    region_code: str | None
    zone_id: int | None
    zone: str | None
    park_id: int | None
    park: str | None
    industry_code: str | None
    tech_field: str | None
    counted_zone_id: int | None = Field(description="统计归属高新区（飞地/异地孵化）")
    is_demo: bool
