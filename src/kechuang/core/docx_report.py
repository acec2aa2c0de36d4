"""Word reports built one way: A4 pages, Chinese fonts (宋体 body, 黑体 headings), a cover page,
numbered headings, tables whose header row repeats on every page, images with captions and page
numbers in the footer. Knows nothing of any domain: the domains say what goes in."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

BODY_FONT = ("SimSun", "宋体")  # (Latin name, East Asian name): Word on Windows needs eastAsia
HEADING_FONT = ("SimHei", "黑体")
CAPTION_STYLE = "Caption"
MARGIN_CM = 2.6
TEXT_WIDTH_CM = 21.0 - 2 * MARGIN_CM


def _set_font(target: Any, fonts: tuple[str, str], size: float | None = None) -> None:
    """Latin and East Asian font of a style or run (python-docx only sets the Latin one)."""
    target.font.name = fonts[0]
    if size is not None:
        target.font.size = Pt(size)
    rpr = target.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), fonts[1])


def _field(run: Any, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) in a run; Word and LibreOffice fill it when showing the page."""
    begin, text, sep, value, end = (
        OxmlElement("w:fldChar"),
        OxmlElement("w:instrText"),
        OxmlElement("w:fldChar"),
        OxmlElement("w:t"),
        OxmlElement("w:fldChar"),
    )
    begin.set(qn("w:fldCharType"), "begin")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    sep.set(qn("w:fldCharType"), "separate")
    value.text = "1"
    end.set(qn("w:fldCharType"), "end")
    for el in (begin, text, sep, value, end):
        run._r.append(el)


class DocxReport:
    """A Word document under construction; `to_bytes()` returns the .docx file."""

    def __init__(self, body_size: float = 10.5) -> None:
        """An empty A4 document with Chinese styles and a 第 N 页 / 共 M 页 footer."""
        self.doc = Document()
        self.figures = 0
        self.tables = 0
        sec = self.doc.sections[0]
        sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
        sec.top_margin = sec.bottom_margin = Cm(2.54)
        sec.left_margin = sec.right_margin = Cm(MARGIN_CM)
        styles = self.doc.styles
        _set_font(styles["Normal"], BODY_FONT, body_size)
        for name, size in (("Title", 26), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11)):
            _set_font(styles[name], HEADING_FONT, size)
            styles[name].font.color.rgb = RGBColor(0, 0, 0)
        _set_font(styles[CAPTION_STYLE], HEADING_FONT, 9)
        styles[CAPTION_STYLE].font.color.rgb = RGBColor(0, 0, 0)
        styles[CAPTION_STYLE].font.italic = False
        self._footer(sec)

    def _footer(self, sec: Any) -> None:
        par = sec.footer.paragraphs[0]
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        par.add_run("第 ")
        _field(par.add_run(), "PAGE")
        par.add_run(" 页 / 共 ")
        _field(par.add_run(), "NUMPAGES")
        par.add_run(" 页")

    def cover(self, title: str, subtitle: str = "", lines: Sequence[str] = ()) -> None:
        """A cover page: the title in the upper third, subtitle and lines below, then a page break."""
        for _ in range(6):
            self.doc.add_paragraph()
        par = self.doc.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = par.add_run(title)
        run.bold = True
        _set_font(run, HEADING_FONT, 26)
        if subtitle:
            par = self.doc.add_paragraph()
            par.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_font(par.add_run(subtitle), HEADING_FONT, 16)
        for _ in range(8):
            self.doc.add_paragraph()
        for line in lines:
            par = self.doc.add_paragraph()
            par.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_font(par.add_run(line), BODY_FONT, 14)
        self.page_break()

    def heading(self, text: str, level: int = 1) -> None:
        """A heading (level 1–3) in 黑体."""
        self.doc.add_heading(text, level=level)

    def paragraph(self, text: str, bold: bool = False, italic: bool = False) -> None:
        """A body paragraph."""
        run = self.doc.add_paragraph().add_run(text)
        run.bold, run.italic = bold, italic

    def bullets(self, items: Sequence[str]) -> None:
        """A bulleted list."""
        for item in items:
            self.doc.add_paragraph(item, style="List Bullet")

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        caption: str = "",
        widths_cm: Sequence[float] | None = None,
        font_size: float = 9,
    ) -> Any:
        """A grid table (caption above, header row repeated on every page); None cells show as —."""
        if caption:
            self.tables += 1
            cap = self.doc.add_paragraph(f"表{self.tables}　{caption}", style=CAPTION_STYLE)
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap.paragraph_format.keep_with_next = True
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        head = table.rows[0]
        tr_pr = head._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
        for cell, text in zip(head.cells, headers, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(text))
            run.bold = True
            _set_font(run, HEADING_FONT, font_size)
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = ""
                run = cell.paragraphs[0].add_run("—" if value is None else str(value))
                run.font.size = Pt(font_size)
        # explicit column widths over the text width: LibreOffice reads the grid, Word the cells
        widths = list(widths_cm or [TEXT_WIDTH_CM / len(headers)] * len(headers))
        scale = min(1.0, TEXT_WIDTH_CM / sum(widths))
        widths = [w * scale for w in widths]
        table.autofit = False
        for col, w in zip(table.columns, widths, strict=True):
            col.width = Cm(w)
        for row in table.rows:
            # a row never splits across pages, so a printed row is always whole
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            for i, cell in enumerate(row.cells):
                cell.width = Cm(widths[i])
                for par in cell.paragraphs:
                    par.paragraph_format.space_after = Pt(0)
        self.doc.add_paragraph()
        return table

    def image(self, png: bytes, caption: str, width_cm: float = 15.0) -> None:
        """A centred image with a numbered caption below it."""
        self.figures += 1
        par = self.doc.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        par.paragraph_format.keep_with_next = True
        par.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))
        cap = self.doc.add_paragraph(f"图{self.figures}　{caption}", style=CAPTION_STYLE)
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def page_break(self) -> None:
        """Start a new page."""
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def new_section(self) -> None:
        """A new section on a new page (same margins and footer)."""
        self.doc.add_section(WD_SECTION.NEW_PAGE)

    def to_bytes(self) -> bytes:
        """The .docx file."""
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()
