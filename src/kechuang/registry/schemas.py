"""Response models of the registry API: zones with parks and strategic industries, carriers,
enterprises (the list page and the detail with yearly figures and revisions)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kechuang.statistics.schemas import EnterpriseRevisionOut, EnterpriseYearOut


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


class ZoneYearTotal(BaseModel):
    """Enterprise counts and sums of a zone in a year (over the enterprises the caller sees)."""

    year: int
    enterprises: int
    operating_revenue: float | None = Field(description="营业收入合计（万元）")
    rd_expense: float | None = Field(description="研发费用合计（万元）")
    employees: int | None
    zone: str | None
    zone_code: str | None


class ZoneFigure(BaseModel):
    """A current zone-level figure (高新区年度统计)."""

    year: int
    indicator_code: str
    name: str
    unit: str
    value: float | None
    revision: int
    import_id: int | None


class ZoneDetail(ZoneOut):
    """A zone; its statistics only when the caller may see them (empty lists otherwise)."""

    yearly: list[ZoneYearTotal]
    zone_statistics: list[ZoneFigure]


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


class EnterpriseListItem(EnterpriseSummary):
    """An enterprise in the list with the figures of the listed year."""

    operating_revenue: float | None = Field(description="营业收入（万元）")
    employees: int | None
    year: int | None


class EnterprisePage(BaseModel):
    """One page of enterprises."""

    total: int
    page: int
    page_size: int
    items: list[EnterpriseListItem]


class EnterpriseDetail(EnterpriseSummary):
    """One enterprise with its current yearly figures and every revision."""

    counted_zone: str | None
    incubator: str | None
    years: list[EnterpriseYearOut]
    revisions: list[EnterpriseRevisionOut]
