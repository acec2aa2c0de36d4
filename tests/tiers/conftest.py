"""Fixtures for tier tests: the platform's `world` with three years of full figures."""

from __future__ import annotations

import pytest
from sheets import xlsx

from kechuang.core.security import SYSTEM
from kechuang.statistics.fields import ENTERPRISE_YEAR_FIELDS
from kechuang.statistics.imports import import_file

BASE = dict(
    employees=100,
    tech_staff=30,
    rd_staff=20,
    operating_revenue=5000.0,
    main_business_revenue=4800.0,
    sales_revenue=5000.0,
    total_revenue=5000.0,
    high_tech_revenue=4000.0,
    rd_expense=250.0,
    rd_expense_domestic=250.0,
    rd_expense_outsourced=0.0,
    total_cost=4500.0,
    total_assets=6000.0,
    total_liabilities=3000.0,
    net_profit=300.0,
    taxes_paid=100.0,
    export_value=0.0,
    ip_class1=1,
    ip_class2=5,
    invention_patents_granted=0,
    standards_led=0,
    tech_contract_value=0.0,
    tech_transfers=3,
    equity_financing=0.0,
    latest_valuation=0.0,
    rd_staff_fte=15.0,
    is_listed="否",
    major_accident="否",
    environmental_violation="否",
    dishonest_listed="否",
    abnormal_operation="否",
    ip_class1_self_developed=0,
    ip_class1_high_value=0,
    standards_participated=0,
    latest_valuation_usd=0.0,
    sci_activity_expense=250.0,
    mainland_resident="是",
    restricted_products="否",
    strategic_emerging="否",
    pe_funded="否",
    key_core_tech="否",
    new_track="否",
)


def figures_file(rows: list[tuple[str, int, dict]]) -> bytes:
    """An enterprise-years .xlsx with every template column."""
    header = ["统一社会信用代码", "年度"] + [f.template_header for f in ENTERPRISE_YEAR_FIELDS]
    body = []
    for uscc, year, over in rows:
        values = {**BASE, **over}
        body.append([uscc, year] + [values[f.code] for f in ENTERPRISE_YEAR_FIELDS])
    return xlsx(header, body)


@pytest.fixture
def tier_world(session, world):
    """world + 2022–2024 figures: a meets 科技型中小企业; b is short of R&D; the enclave is big."""
    a, b, enclave = world["a"], world["b"], world["enclave"]
    b.tech_field = "新材料"
    a.tech_field = "电子信息"
    rows = []
    for y in (2022, 2023, 2024):
        rows.append((a.uscc, y, {}))
        rows.append(
            (
                b.uscc,
                y,
                {
                    "rd_expense": 50.0,
                    "rd_expense_domestic": 50.0,
                    "ip_class1": 0,
                    "ip_class2": 1,
                    "tech_staff": 12,
                },
            )
        )
        rows.append(
            (
                enclave.uscc,
                y,
                {
                    "employees": 900,
                    "tech_staff": 90,
                    "sales_revenue": 90000.0,
                    "operating_revenue": 90000.0,
                    "main_business_revenue": 85000.0,
                    "total_revenue": 90000.0,
                    "high_tech_revenue": 1000.0,
                    "total_assets": 80000.0,
                    "total_liabilities": 40000.0,
                    "total_cost": 85000.0,
                    "rd_expense": 900.0,
                    "rd_expense_domestic": 900.0,
                },
            )
        )
    rep = import_file(session, SYSTEM, "enterprise_years", figures_file(rows), "tiers.xlsx")
    assert rep.ok, rep.errors
    session.flush()
    return world
