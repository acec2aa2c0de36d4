"""The 对标找差 Word report read back from the .docx: the cover (scope, year, data date, the
演示数据 mark only on demo data), charts embedded as PNG images at the text width (a radar of the
dimension scores, the gap per indicator), table headers with units, every table within the text
width (the 解读 column wraps instead of running off the page), a PAGE field in the footer."""

from __future__ import annotations

import re
from datetime import date

import pytest
from docx_checks import (
    captions,
    cell_widths_cm,
    has_page_field,
    header_text,
    headers,
    open_docx,
    pictures,
    table_width_cm,
    text_width_cm,
)
from zone_helpers import OPTIONS, build_case

from kechuang.core.docx_report import DEMO_MARK, TEXT_WIDTH_CM
from kechuang.core.security import SYSTEM
from kechuang.zones import report, service
from kechuang.zones.demo import DEMO_PEER_SET, seed_demo
from kechuang.zones.evaluation import TOP_QUARTILE

UNIT_IN_HEADER = re.compile(r"[（(].+[）)]")


def _check_layout(doc) -> None:
    """What every report must satisfy: tables within the text width, pictures filling it sharply,
    headers of number columns with units, page numbers."""
    width = text_width_cm(doc)
    assert width == pytest.approx(TEXT_WIDTH_CM, abs=0.01)
    assert has_page_field(doc)
    for table in doc.tables:
        assert table_width_cm(table) <= width + 0.01
        for row in cell_widths_cm(table):
            assert sum(row) <= width + 0.01
    for pic in pictures(doc):
        assert pic.png.startswith(b"\x89PNG")
        assert pic.width_cm == pytest.approx(width, abs=0.05)  # at the text width
        assert pic.dpi >= 150 and pic.px[0] >= 1000  # sharp in print
        assert 0.2 < pic.height_cm / pic.width_cm < 1.6  # a chart, not a sliver


def test_report_without_demo_data_hand_case(session, city):
    case = build_case(session, city)
    bm = service.benchmark(session, SYSTEM, 2024, case["C"], case["A"], "test_t", "trio", OPTIONS)
    content = report.benchmark_docx(bm, demo=False)
    doc = open_docx(content)
    _check_layout(doc)
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "演示数据" not in body and "演示数据" not in header_text(doc)
    assert "高邮高新区 2024年 对标找差报告" in body
    assert "对标对象：扬州高新区" in body
    assert "评价范围：对标组 3 个高新区（本市 3 个，外地 0 个）" in body
    assert "评价年度：2024年" in body
    assert f"数据日期：{date.today().isoformat()}" in body  # the case was imported today
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == [
        "一、总体情况",
        "二、差距分解（按得分差距从大到小）",
        "三、优势与短板",
        "四、方法说明",
    ]
    dims, gaps = doc.tables
    assert headers(dims) == ["维度", "本区得分（分）", "对标得分（分）", "差距（分）"]
    # T1 = (1.2·50 + 0.8·0)/2 = 30 against (1.2·100 + 0.8·50)/2 = 80; T2 = 0 against 50
    assert [[c.text for c in r.cells] for r in dims.rows[1:]] == [
        ["创新", "30.00", "80.00", "50.00"],
        ["绿色", "0.00", "50.00", "50.00"],
    ]
    assert headers(gaps) == ["指标", "单位", "本区值", "对标值", "得分差距（分）", "解读"]
    # every column of numbers carries its unit in the header or in the 单位 column
    for table in doc.tables:
        for i, h in enumerate(headers(table)):
            numeric = all(
                re.fullmatch(r"-?[\d,]+(\.\d+)?|—", r.cells[i].text) for r in table.rows[1:]
            )
            if numeric:
                assert UNIT_IN_HEADER.search(h) or "单位" in headers(table), h
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in gaps.rows[1:]}
    assert rows["研发强度"][1:5] == ["%", "4.00", "5.00", "18.00"]
    assert [r.cells[4].text for r in gaps.rows[1:]][:2] == ["18.00", "12.00"]
    # the 解读 column is the widest and the table fills no more than the text width
    widths = cell_widths_cm(gaps)[0]
    assert widths[-1] == max(widths) and widths[-1] >= 5.5
    assert table_width_cm(gaps) == pytest.approx(sum(report.DOCX_GAP_WIDTHS), abs=0.01)
    # two dimensions draw bars, not a radar; the gap chart lists the points, largest first
    assert len(pictures(doc)) == 2
    first, second = captions(doc)
    assert first.startswith("图1　2024年各维度得分（分）")
    assert "创新：高邮高新区30，扬州高新区80；绿色：高邮高新区0，扬州高新区50" in first
    assert second.startswith("图2　各指标得分差距：正数表示落后于扬州高新区（分）")
    assert second.index("研发强度：18") < second.index("人均技术合同：12")


def test_report_withheld_benchmark_has_no_gap_chart(session, city):
    case = build_case(session, city)
    bm = service.benchmark(
        session, SYSTEM, 2024, case["C"], TOP_QUARTILE, "test_t", "trio", OPTIONS
    )
    assert bm["gaps"]["score_gap"] is None  # two other zones: fewer than three
    doc = open_docx(report.benchmark_docx(bm))
    _check_layout(doc)
    assert len(pictures(doc)) == 1  # the zone's own dimension scores only
    assert "对标组前25%均值" not in captions(doc)[0]


def test_demo_report_has_the_mark_on_cover_and_every_page_and_a_radar(session, city):
    case = build_case(session, city)
    seed_demo(session)
    units = service.peer_set_units(session, DEMO_PEER_SET)
    leader = next(u.key for u in units if u.name == "示例高新区A")
    bm = service.benchmark(
        session, SYSTEM, 2024, case["C"], leader, "national_2021", DEMO_PEER_SET, OPTIONS
    )
    content = report.benchmark_docx(bm, demo=service.is_demo(session))
    doc = open_docx(content)
    _check_layout(doc)
    cover = [p.text for p in doc.paragraphs[:30] if p.text]
    assert cover[0] == "高邮高新区 2024年 对标找差报告"
    assert DEMO_MARK in cover
    assert "评价范围：对标组 13 个高新区（本市 5 个，外地 8 个）" in cover
    assert all(DEMO_MARK in s.header.paragraphs[0].text for s in doc.sections)
    pics = pictures(doc)
    assert len(pics) == 2
    radar = captions(doc)[0]
    dims = [d.name for d in bm["framework"].dimensions]
    assert len(dims) == 5
    assert radar.startswith("图1　2024年各维度得分（分，满分 100）")
    assert all(f"{d}：高邮高新区" in radar for d in dims)
    assert "示例高新区A" in radar
    # the chart leaves out indicators without a gap and shows at most 15; the table lists all
    gaps = captions(doc)[1]
    with_gap = [x for x in bm["gaps"]["rows"] if x["points"]]
    shown = min(len(with_gap), report.GAP_CHART_MAX)
    assert f"差距最大的 {shown} 项" in gaps
    assert gaps.count("：", gaps.index("。")) == shown
    assert len(doc.tables[1].rows) - 1 == len(bm["gaps"]["rows"]) > shown


def test_cli_writes_the_word_report(session, city, tmp_path):
    """`kechuang zones benchmark … --out r.docx` writes the same report (charts and all)."""
    from typer.testing import CliRunner

    from kechuang.zones.cli import app

    build_case(session, city)
    session.flush()
    out = tmp_path / "r.docx"
    args = ["benchmark", "--year", "2024", "--zone", "高邮高新区", "--against", "扬州高新区"]
    args += ["--framework", "test_t", "--peers", "trio", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "差距 50.00 分" in result.output
    doc = open_docx(out.read_bytes())
    _check_layout(doc)
    assert len(pictures(doc)) == 2 and "演示数据" not in header_text(doc)
    assert headers(doc.tables[1]) == list(report.DOCX_GAP_HEADERS)
