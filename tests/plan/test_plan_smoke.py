"""Smoke: the shipped 十四五 plan loads and every target gets a status."""

from __future__ import annotations

from kechuang.core.security import SYSTEM
from kechuang.plan import service, status


def test_load_and_status(session, city):
    out = service.load_shipped(session, SYSTEM)
    assert out["targets"] == 21
    rows = status.target_statuses(session, SYSTEM, 2025)
    assert len(rows) == 21
    for r in rows:
        print(r.section, r.code, r.status, r.status_label, r.value, r.note)
    assert status.task_rows(session, SYSTEM, 2025) == []
