"""Response models of the carriers-chain API."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel


class ChainCarrierOut(BaseModel):
    """A carrier with its chain stage, level, operator and park."""

    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    stage: str | None
    level: str
    zone_id: int | None
    zone: str | None
    park: str | None
    operator_name: str
    operator_kind: str | None
    operator_kind_label: str
    university: str
    in_incubation: int
    is_demo: bool


class IncubationOut(BaseModel):
    """One incubation record."""

    id: int
    enterprise_id: int
    enterprise: str
    carrier_id: int
    carrier: str
    carrier_kind_label: str
    origin: str | None
    entered_on: date
    ended_on: date | None
    outcome: str | None
    outcome_label: str
    reason: str | None
    reason_label: str
    days: int | None
    is_demo: bool
    criteria: dict[str, Any] | None = None  # the graduation check, in the detail only


class RelocationOut(BaseModel):
    """A graduate's move into an industrial park."""

    id: int
    enterprise_id: int
    enterprise: str
    moved_on: date
    inside_city: bool
    to_zone: str | None
    to_park: str | None
    to_carrier: str | None
    destination: str
    is_demo: bool


class AttributionOut(BaseModel):
    """A 飞地经济/异地孵化/结对共建 record."""

    id: int
    enterprise_id: int
    enterprise: str
    arrangement: str
    arrangement_label: str
    incubated_in: str | None
    registered_zone: str | None
    counted_zone: str | None
    valid_from: date
    valid_to: date | None
    in_force: bool
    basis: str
    is_demo: bool


class ContractOut(BaseModel):
    """A registered technology contract (amount in 万元)."""

    id: int
    contract_no: str
    kind: str
    kind_label: str
    amount: float
    seller_uscc: str
    seller_name: str
    buyer_uscc: str
    buyer_name: str
    registered_year: int
    is_demo: bool


class Metrics(BaseModel):
    """Chain metrics of one group for one year."""

    entered: int
    in_incubation: int
    graduates: int
    left: int
    median_days_to_graduation: float | None
    median_years_to_graduation: float | None
    survival_1y_cohort: int
    survival_1y: float | None
    survival_3y_cohort: int
    survival_3y: float | None
    revenue_growth_median: float | None
    revenue_growth_n: int
    relocated: int
    relocated_inside_city: int
    share_inside_city: float | None


class ZoneMetrics(Metrics):
    """Metrics of the incubations at one zone's carriers."""

    zone_id: int | None
    zone: str


class CarrierMetrics(Metrics):
    """Metrics of one carrier."""

    carrier_id: int
    carrier: str
    kind_label: str
    zone: str


class ChainMetricsOut(BaseModel):
    """Chain metrics for a year: total, per zone, per carrier, with the rules applied."""

    year: int
    total: Metrics
    zones: list[ZoneMetrics]
    carriers: list[CarrierMetrics]
    rule: str
    attribution_rule: str


class TransferZone(BaseModel):
    """成果转移转化 of one zone: contracts sold and bought (万元)."""

    zone_id: int
    zone: str
    sold_count: int
    sold_amount: float
    bought_count: int
    bought_amount: float


class TransferOut(BaseModel):
    """成果转移转化 indicators for a year."""

    year: int
    total: dict[str, float]
    by_kind: list[dict[str, Any]]
    zones: list[TransferZone]


class FlowOut(BaseModel):
    """Sankey nodes and links of the chain."""

    nodes: list[dict[str, str]]
    links: list[dict[str, Any]]


class SummaryOut(BaseModel):
    """The chain at a glance (chain_summary)."""

    year: int
    carriers_total: int
    carriers_by_kind: list[dict[str, Any]]
    carriers_by_level: list[dict[str, Any]]
    in_incubation: int
    entered: int
    graduates: int
    median_days_to_graduation: float | None
    relocations: int
    relocations_inside_city: int
    contracts_count: int
    contracts_amount: float
    methodology: str


class MethodologyOut(BaseModel):
    """The chain methodology: lists and graduation criteria with sources."""

    code: str
    version: str
    name: str
    kinds: list[dict[str, Any]]
    levels: list[dict[str, Any]]
    operator_kinds: list[dict[str, Any]]
    end_reasons: list[dict[str, Any]]
    arrangements: list[dict[str, Any]]
    contract_kinds: list[dict[str, Any]]
    max_months: int
    criteria_all: list[dict[str, Any]]
    criteria_any: list[dict[str, Any]]
    attribution_rule: str
