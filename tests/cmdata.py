"""Data helpers for the 科技特派员 tests."""

from __future__ import annotations

PASSWORD = "Yz-kc-test-2026"
BAOYING, GAOYOU = "321023", "321084"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200


def individual(name: str, region: str, **extra) -> dict:
    """Data for an individual commissioner."""
    return {
        "kind": "individual",
        "name": name,
        "unit": "扬州大学",
        "title": "研究员",
        "title_level": "正高",
        "expertise": "荷藕 土壤修复 稻虾共作",
        "industries": ["莲藕"],
        "problem_types": ["土壤修复"],
        "region_code": region,
        "service_areas": [region],
        "batch_year": 2024,
        **extra,
    }


def demand_data(region: str, **extra) -> dict:
    """Data for a demand."""
    return {
        "title": "荷藕塘土壤退化",
        "text": "连作多年的藕塘产量下降，希望专家指导土壤修复",
        "industries": ["莲藕"],
        "problem_type": "土壤修复",
        "region_code": region,
        "recipient_name": "演示数据·张大伯",
        "recipient_kind": "农户",
        "urgency": "normal",
        **extra,
    }
