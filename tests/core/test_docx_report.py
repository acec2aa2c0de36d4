"""The Word builder and the chart images: fonts, repeated header rows, page numbers, captions,
and a chart that still draws (codes, Chinese in the caption) when no CJK font is installed."""

from __future__ import annotations

import io

import pytest
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
    assert cjk_font() is not None  # the bundled font, installed fonts or not
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


def test_bundled_font_draws_chinese_without_any_installed_cjk_font():
    from matplotlib import font_manager

    from kechuang.core.chart_images import BUNDLED_FONT, BUNDLED_FONT_NAME

    assert BUNDLED_FONT.is_file() and BUNDLED_FONT.with_name("OFL.txt").is_file()
    assert cjk_font() == BUNDLED_FONT_NAME
    path = font_manager.findfont(font_manager.FontProperties(family=BUNDLED_FONT_NAME))
    assert path == str(BUNDLED_FONT)  # matplotlib resolves the name to the bundled file
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(BUNDLED_FONT)).getBestCmap()
    # GB 2312 and the city's own rare place-name characters (邗江, 仪征) are in the subset
    assert all(ord(ch) in cmap for ch in "扬州高新区邗江仪征研发强度（）：；、，。%")


def test_png_size_reads_the_header_and_refuses_other_files():
    from kechuang.core.chart_images import png_size, radar_chart

    chart = radar_chart("维度得分", ["甲", "乙", "丙"], [("本区", [10, 20, None])])
    w, h = png_size(chart.png)
    assert 1000 < w < 2000 and 0.4 < h / w < 1.2  # wide enough to fill a page's text width
    with pytest.raises(ValueError, match="PNG"):
        png_size(b"GIF89a" + b"\0" * 30)


def test_radar_caption_states_every_figure_and_needs_three_axes():
    from kechuang.core.chart_images import radar_chart

    chart = radar_chart(
        "2024年各维度得分",
        ["创新", "绿色", "开放"],
        [("高邮高新区", [30, 0, None]), ("扬州高新区", [80, 50, 62.55])],
    )
    assert chart.cjk and chart.png.startswith(PNG)
    assert chart.caption == (
        "2024年各维度得分（分，满分 100）。创新：高邮高新区30，扬州高新区80；"
        "绿色：高邮高新区0，扬州高新区50；开放：高邮高新区—，扬州高新区62.5。"
    )  # 62.55 → 62.5: one decimal, the binary float rounds down
    coded = radar_chart("维度", ["创新", "绿色", "开放"], [("本区", [1, 2, 3])], font=None)
    assert not coded.cjk and coded.caption.startswith(
        "维度（分，满分 100）（S1=本区）。A=创新：本区1"
    )
    with pytest.raises(ValueError, match="至少需要 3 个维度"):
        radar_chart("维度", ["创新", "绿色"], [("本区", [1, 2])])


def test_widths_scale_into_the_text_width_and_the_compact_layout_is_narrower():
    from docx_checks import cell_widths_cm, table_width_cm, text_width_cm

    from kechuang.core.docx_report import TEXT_WIDTH_CM

    rep = DocxReport()
    rep.table(("甲", "乙"), [("长" * 80, 1)], widths_cm=(20.0, 12.0))  # 32 cm asked for
    rep.table(("甲", "乙", "丙"), [(1, 2, 3)])  # no widths: equal shares
    doc = Document(io.BytesIO(rep.to_bytes()))
    wide, even = doc.tables
    assert table_width_cm(wide) == pytest.approx(TEXT_WIDTH_CM, abs=0.01)
    assert cell_widths_cm(wide)[1] == pytest.approx(
        [TEXT_WIDTH_CM * 20 / 32, TEXT_WIDTH_CM * 12 / 32], abs=0.01
    )
    assert cell_widths_cm(even)[0] == pytest.approx([TEXT_WIDTH_CM / 3] * 3, abs=0.01)
    layout = wide._tbl.tblPr.find(qn("w:tblLayout"))
    assert layout is not None and layout.get(qn("w:type")) == "fixed"  # long text wraps
    compact = DocxReport(compact=True)
    assert compact.text_width_cm == pytest.approx(17.0)
    assert text_width_cm(Document(io.BytesIO(compact.to_bytes()))) == pytest.approx(17.0, abs=0.01)


def test_mark_on_cover_and_every_page_header_only_when_asked():
    from docx_checks import header_text

    from kechuang.core.docx_report import DEMO_MARK, Text

    marked = DocxReport(demo_mark=DEMO_MARK)
    marked.cover("报告", "副标题", ["生成日期：2025-01-01"])
    marked.new_section()
    marked.paragraph([Text("验证码：", bold=True), Text("ABCD", bold=True, size=13)])
    doc = Document(io.BytesIO(marked.to_bytes()))
    assert len(doc.sections) == 2 and all(
        DEMO_MARK in s.header.paragraphs[0].text for s in doc.sections
    )
    assert DEMO_MARK in [p.text for p in doc.paragraphs]
    run = doc.paragraphs[-1].runs[1]
    assert doc.paragraphs[-1].text == "验证码：ABCD" and run.bold and run.font.size.pt == 13
    plain = DocxReport()
    plain.cover("报告")
    doc = Document(io.BytesIO(plain.to_bytes()))
    assert DEMO_MARK not in header_text(doc) and DEMO_MARK not in [p.text for p in doc.paragraphs]
