"""The hand-computed three-zone, four-indicator case used by the zone-evaluation tests.

Zones 扬州高新区 (A), 江都高新区 (B), 高邮高新区 (C); one enterprise each.

| 2024            | A    | B     | C    |
|-----------------|------|-------|------|
| revenue (万元)  | 10000| 20000 | 5000 |
| R&D (万元)      | 500  | 600   | 200  |  rd_intensity 5 / 3 / 4 %
| employees       | 100  | 200   | 50   |
| tech contracts  | 250  | 800   | 50   |  per employee 2.5 / 4 / 1 万元
| green coverage  | 30   | 40    | 20   |  (zone-year)
| energy / VA     | 0.4  | 0.3   | 0.5  |  (zone-year, lower is better)

2023 revenue 8000 / 18000 / 5000 (no other figures).
Framework T: T1 (weight 60) = rd_intensity (赋权 1.2) + tech_contract_per_capita (0.8);
T2 (weight 40) = green_coverage (1.0) + energy_per_va (1.0). Min–max 0–100, no treatment.
"""

from __future__ import annotations

from factories import make_enterprise
from sheets import xlsx

from kechuang.core.security import SYSTEM
from kechuang.statistics.imports import import_file
from kechuang.zones import service

FRAMEWORK = {
    "code": "test_t",
    "name": "测试框架",
    "version": "1",
    "publish": ["rank", "dimension_ranks"],
    "dimensions": [
        {
            "code": "T1",
            "name": "创新",
            "weight": 60,
            "status": "confirmed",
            "rows": [
                {
                    "row": "1.1",
                    "name": "研发强度",
                    "weight": 1.2,
                    "status": "confirmed",
                    "indicator": "rd_intensity",
                },
                {
                    "row": "1.2",
                    "name": "人均技术合同",
                    "weight": 0.8,
                    "status": "reconstructed",
                    "indicator": "tech_contract_per_capita",
                },
            ],
        },
        {
            "code": "T2",
            "name": "绿色",
            "weight": 40,
            "rows": [
                {"row": "2.1", "name": "绿地率", "indicator": "green_coverage"},
                {"row": "2.2", "name": "能耗", "indicator": "energy_per_va"},
            ],
        },
    ],
}
OPTIONS = {"uncertainty_runs": 0, "treat": False, "normalise": "minmax"}


def build_case(session, city) -> dict:
    """Load the case into the test database; returns unit keys and the peer set code."""
    a = make_enterprise(session, city["yzhtz"], name="甲企业有限公司")
    b = make_enterprise(session, city["jiangdu"], name="乙企业有限公司")
    c = make_enterprise(session, city["gaoyou"], name="丙企业有限公司")
    header = [
        "统一社会信用代码",
        "年度",
        "职工总数(人)",
        "营业收入(万元)",
        "研发费用总额(万元)",
        "技术合同成交额(万元)",
    ]
    rows = [
        [a.uscc, 2024, 100, 10000, 500, 250],
        [b.uscc, 2024, 200, 20000, 600, 800],
        [c.uscc, 2024, 50, 5000, 200, 50],
        [a.uscc, 2023, 100, 8000, None, None],
        [b.uscc, 2023, 200, 18000, None, None],
        [c.uscc, 2023, 50, 5000, None, None],
    ]
    rep = import_file(session, SYSTEM, "enterprise_years", xlsx(header, rows), "case.xlsx")
    assert rep.ok, rep.errors
    rep = import_file(
        session,
        SYSTEM,
        "zone_years",
        xlsx(
            ["高新区", "年度", "总绿地率(%)", "单位增加值综合能耗(吨标准煤/万元)"],
            [
                ["扬州高新区", 2024, 30, 0.4],
                ["江都高新区", 2024, 40, 0.3],
                ["高邮高新区", 2024, 20, 0.5],
            ],
        ),
        "case-z.xlsx",
    )
    assert rep.ok, rep.errors
    service.save_framework(session, SYSTEM, FRAMEWORK)
    service.save_peer_set(
        session, SYSTEM, "trio", "三区对标", ["扬州高新区", "江都高新区", "高邮高新区"]
    )
    return {
        "A": f"z{city['yzhtz'].id}",
        "B": f"z{city['jiangdu'].id}",
        "C": f"z{city['gaoyou'].id}",
        "peer_set": "trio",
    }
