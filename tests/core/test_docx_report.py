"""The Word builder and the chart images: fonts, repeated header rows, page numbers, captions,
and a chart that still draws (codes, Chinese in the caption) when no CJK font is installed."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn

from kechuang.core.chart_images import bar_chart, cjk_font, fmt
from kechuang.core.docx_report import DocxReport

PNG = b"\x89PNG\r\n\x1a\n"


def test_builder_sets_chinese_fonts_a4_header_rows_and_page_numbers():
    rep = DocxReport()
    rep.cover("测试报告", "副标题", ["第一行"])
    rep.heading("一、总体情况", 1)
    rep.table(("名称", "数值"), [("甲", 1), ("乙", None)], caption="示例表")
    doc = Document(io.BytesIO(rep.to_bytes()))
    sec = doc.sections[0]
    assert round(sec.page_width.cm, 1) == 21.0 and round(sec.page_height.cm, 1) == 29.7
    normal = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "宋体"
    heading = doc.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert heading.get(qn("w:eastAsia")) == "黑体"
    table = doc.tables[0]
    assert [[c.text for c in r.cells] for r in table.rows] == [
        ["名称", "数值"],
        ["甲", "1"],
        ["乙", "—"],
    ]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on each page
    footer_xml = sec.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml
    assert any(p.text == "表1　示例表" for p in doc.paragraphs)


def test_chart_with_cjk_font_keeps_chinese_in_the_image():
    if cjk_font() is None:
        import pytest

        pytest.skip("本机未安装中文字体（fonts-noto-cjk）")
    chart = bar_chart(
        "营业收入", ["扬州高新区", "江都高新区"], [("2025年", [2650.5, 1200.0])], unit="亿元"
    )
    assert chart.cjk and chart.png.startswith(PNG)
    assert chart.caption == "营业收入（亿元）。扬州高新区：2,650.5；江都高新区：1,200。"


def test_chart_without_cjk_font_draws_codes_and_names_them_in_the_caption():
    chart = bar_chart(
        "目标进度",
        ["研发投入", "高企数量"],
        [("实际", [82.5, None]), ("目标", [100, 100])],
        unit="%",
        font=None,
        digits=1,
    )
    assert not chart.cjk and chart.png.startswith(PNG)
    assert chart.caption == (
        "目标进度（%）（S1=实际，S2=目标）。A=研发投入：实际82.5，目标100；B=高企数量：实际—，目标100。"
    )


def test_fmt_drops_trailing_zeros_only_after_the_point():
    assert fmt(1200.0) == "1,200" and fmt(100) == "100" and fmt(82.50, 1) == "82.5"
    assert fmt(None) == "—" and fmt(-3.456) == "-3.46"
