"""The annual assessment computed by hand: part scores, caps, the 优秀 quota, ties, the veto, the
scheme's sources, and the bureau's table."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from openpyxl import load_workbook

from kechuang.commissioners.assessment import assess, current_scheme, export_assessment, score_one
from kechuang.core.scope import RoleError


def _inputs(days=0, visits=0, income=0, trainees=0, intro=0, rating=0):
    return {
        "days": days,
        "visits": visits,
        "income_wan": income,
        "trainees": trainees,
        "introductions": intro,
        "rating": rating,
    }


def test_scheme_is_sourced_and_marks_unconfirmed_rules():
    s = current_scheme()
    assert [(p.name, p.points) for p in s.parts] == [
        ("服务情况", 60),
        ("服务成效", 20),
        ("服务满意度", 20),
    ]
    assert [g.name for g in s.grades] == ["优秀", "良好", "合格", "不合格"]
    assert s.parts[0].source.code == "LONGYAN-2023-TPY"
    assert all(i.source.confirmation == "provisional" for p in s.parts for i in p.indicators)
    assert s.grades[0].quota == 0.2 and s.sha256


def test_scores_by_hand():
    s = current_scheme()
    # days 15/30×40 = 20; visits 6/12×20 = 10 → 30. income 25/50×8 = 4; trainees 100/200×6 = 3;
    # intro 5/5×6 = 6 → 13. rating 4.5/5×20 = 18. total 61
    parts, total = score_one(_inputs(15, 6, 25, 100, 5, 4.5), s)
    assert parts == {"service": 30.0, "outcome": 13.0, "satisfaction": 18.0} and total == 61.0
    # caps: nothing earns more than its points
    parts, total = score_one(_inputs(90, 40, 500, 1000, 20, 5), s)
    assert total == 100.0
    # one decimal day: 0.5/30×40 = 0.6667 → 0.67 (+ 1/12×20 = 1.6667): 2.33
    assert score_one(_inputs(0.5, 1), s)[0]["service"] == 2.33


def test_quota_boundary_and_ties():
    s = current_scheme()
    full = _inputs(30, 12, 50, 200, 5, 5)  # 100
    near = _inputs(30, 12, 50, 200, 5, 4.5)  # 98
    mid = _inputs(30, 12, 0, 0, 0, 4)  # 60 + 16 = 76
    low = _inputs(15, 6, 0, 0, 0, 5)  # 30 + 20 = 50
    # 10 assessed → 优秀 ≤ floor(0.2 × 10) = 2: one 100, then two tied at 98 would make 3 → both
    # tied fall to 良好, and nobody below them takes the freed place
    rows = {1: full, 2: near, 3: near, 4: _inputs(30, 12, 50, 200, 5, 4.25)}  # #4: 97
    rows.update({k: mid for k in range(5, 9)})
    rows.update({9: low, 10: _inputs()})
    out = {r.key: r for r in assess(rows, s)}
    assert out[1].grade == "优秀" and out[1].rank == 1
    assert (out[2].grade, out[3].grade) == ("良好", "良好") and out[2].rank == out[3].rank == 2
    assert "名额已满" in out[2].note and "同分并列" in out[2].note
    assert out[4].grade == "良好" and out[4].rank == 4
    assert {out[k].grade for k in range(5, 9)} == {"良好"} and out[5].rank == 5
    assert out[9].grade == "不合格" and out[9].total == 50
    assert out[10].grade == "不合格" and out[10].note == "全年无已确认服务"
    # exactly at the quota: 5 assessed → 1 优秀 place; one 100 takes it
    out = {r.key: r for r in assess({1: full, 2: mid, 3: mid, 4: mid, 5: low}, s)}
    assert out[1].grade == "优秀"
    # 4 assessed → floor(0.8) = 0 places: nobody is 优秀
    out = {r.key: r for r in assess({1: full, 2: mid, 3: mid, 4: low}, s)}
    assert out[1].grade == "良好"
    # thresholds are inclusive: exactly 60 passes
    assert assess({1: _inputs(30, 12)}, s)[0].grade == "合格"


def test_veto_applies_even_with_high_satisfaction():
    s = replace(current_scheme())
    (r,) = assess({1: _inputs(0, 0, 0, 0, 0, 5)}, s)
    assert r.total == 20 and r.grade == "不合格"


def test_export_table_has_chinese_headers(session, cw):
    from kechuang.commissioners.assessment import run_assessment

    year = date.today().year
    run_assessment(session, cw["p"]["city"], year)
    book = load_workbook(io.BytesIO(export_assessment(session, cw["p"]["city"], year)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert f"{year}年度科技特派员考核表" in rows[0][0]  # the title row, then the header
    assert rows[1][:3] == ("名次", "特派员（团队、单位）", "类型")
    assert "总分" in rows[1] and "等次" in rows[1] and "服务情况（60分）" in rows[1]
    assert {r[1] for r in rows[2:]} >= {"演示数据·宝应特派员", "演示数据·高邮特派员"}
    assert "未经确认" in " ".join(str(c.value) for c in book["说明"]["A"])
    with pytest.raises(RoleError):
        export_assessment(session, cw["p"]["by_admin"], year)
