"""Word reports built one way: A4 pages, Chinese fonts (宋体 body, 黑体 headings), a cover page,
numbered headings, tables whose header row repeats on every page and whose columns fit the text
width, images at the text width with captions, page numbers in the footer and, on demo data, the
演示数据 mark on the cover and in the header of every page. A compact layout (narrow margins, no
cover) serves one-page documents such as the points certificate. Knows nothing of any domain: the
domains say what goes in."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
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
COMPACT_MARGINS_CM = (1.6, 2.0)  # (top and bottom, left and right) of one-page documents
DEMO_MARK = "【演示数据】"
MARK_COLOUR = RGBColor(0xC0, 0x50, 0x00)
TWIPS_PER_CM = 1440 / 2.54


@dataclass(frozen=True)
class Text:
    """A run of text with its own weight and size, for lines made of several parts."""

    text: str
    bold: bool = False
    size: float | None = None


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

    def __init__(
        self, body_size: float = 10.5, demo_mark: str | None = None, compact: bool = False
    ) -> None:
        """An empty A4 document with Chinese styles and a 第 N 页 / 共 M 页 footer; `demo_mark`
        (e.g. DEMO_MARK) goes in the header of every page, `compact` narrows the margins."""
        self.doc = Document()
        self.figures = 0
        self.tables = 0
        self.demo_mark = demo_mark
        top, side = COMPACT_MARGINS_CM if compact else (2.54, MARGIN_CM)
        self.text_width_cm = 21.0 - 2 * side
        sec = self.doc.sections[0]
        sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
        sec.top_margin = sec.bottom_margin = Cm(top)
        sec.left_margin = sec.right_margin = Cm(side)
        if compact:
            sec.header_distance = sec.footer_distance = Cm(0.8)
        styles = self.doc.styles
        _set_font(styles["Normal"], BODY_FONT, body_size)
        for name, size in (("Title", 26), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11)):
            _set_font(styles[name], HEADING_FONT, size)
            styles[name].font.color.rgb = RGBColor(0, 0, 0)
        _set_font(styles[CAPTION_STYLE], HEADING_FONT, 9)
        styles[CAPTION_STYLE].font.color.rgb = RGBColor(0, 0, 0)
        styles[CAPTION_STYLE].font.italic = False
        self._footer(sec)
        if demo_mark:
            par = sec.header.paragraphs[0]
            par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            self._mark_run(par, demo_mark, 10)

    @staticmethod
    def _mark_run(par: Any, text: str, size: float) -> None:
        run = par.add_run(text)
        run.bold = True
        run.font.color.rgb = MARK_COLOUR
        _set_font(run, HEADING_FONT, size)

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
        if self.demo_mark:
            self.mark(self.demo_mark, 20)
        for _ in range(8 if not self.demo_mark else 6):
            self.doc.add_paragraph()
        for line in lines:
            par = self.doc.add_paragraph()
            par.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_font(par.add_run(line), BODY_FONT, 14)
        self.page_break()

    def title(self, text: str, size: float = 18) -> None:
        """A centred title in 黑体 (a document without a cover page)."""
        par = self.doc.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = par.add_run(text)
        run.bold = True
        _set_font(run, HEADING_FONT, size)

    def mark(self, text: str, size: float = 12) -> None:
        """A centred bold line in the mark colour (the 演示数据 mark, a warning)."""
        par = self.doc.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._mark_run(par, text, size)

    def heading(self, text: str, level: int = 1) -> None:
        """A heading (level 1–3) in 黑体."""
        self.doc.add_heading(text, level=level)

    def paragraph(
        self, text: str | Sequence[Text], bold: bool = False, italic: bool = False
    ) -> None:
        """A body paragraph: plain text, or parts with their own weight and size."""
        par = self.doc.add_paragraph()
        self._runs(par, text, bold, italic)

    @staticmethod
    def _runs(
        par: Any, text: str | Sequence[Text], bold: bool = False, italic: bool = False
    ) -> None:
        for part in [Text(text, bold)] if isinstance(text, str) else text:
            run = par.add_run(part.text)
            run.bold, run.italic = part.bold, italic
            if part.size is not None:
                run.font.size = Pt(part.size)

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
        self._fit(table, widths_cm, cant_split=True)
        self.doc.add_paragraph()
        return table

    def _fit(self, table: Any, widths_cm: Sequence[float] | None, cant_split: bool = False) -> None:
        """Fixed column widths within the text width (scaled down when they add up to more):
        LibreOffice reads the grid and the table width, Word the cells; a fixed layout wraps long
        text inside its column instead of widening the table past the margin."""
        n = len(table.columns)
        widths = list(widths_cm or [self.text_width_cm / n] * n)
        scale = min(1.0, self.text_width_cm / sum(widths))
        widths = [w * scale for w in widths]
        table.autofit = False
        tbl_pr = table._tbl.tblPr
        tbl_w = tbl_pr.find(qn("w:tblW"))
        if tbl_w is None:
            tbl_w = OxmlElement("w:tblW")
            tbl_pr.append(tbl_w)
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(sum(int(w * TWIPS_PER_CM) for w in widths)))
        for col, w in zip(table.columns, widths, strict=True):
            col.width = Cm(w)
        for row in table.rows:
            if cant_split:  # a row never splits across pages, so a printed row is always whole
                row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            for i, cell in enumerate(row.cells):
                cell.width = Cm(widths[i])
                for par in cell.paragraphs:
                    par.paragraph_format.space_after = Pt(0)

    def key_values(
        self,
        pairs: Sequence[tuple[str, Any]],
        per_row: int = 2,
        widths_cm: Sequence[float] | None = None,
        font_size: float | None = None,
    ) -> Any:
        """A grid of label–value cells, `per_row` pairs a row, labels in bold (facts of a
        certificate); None values show as —."""
        table = self.doc.add_table(rows=0, cols=2 * per_row)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for i in range(0, len(pairs), per_row):
            cells = table.add_row().cells
            for j, (label, value) in enumerate(pairs[i : i + per_row]):
                for cell, text, bold in (
                    (cells[2 * j], label, True),
                    (cells[2 * j + 1], value, False),
                ):
                    run = cell.paragraphs[0].add_run("—" if text is None else str(text))
                    run.bold = bold
                    if font_size is not None:
                        run.font.size = Pt(font_size)
        self._fit(table, widths_cm)
        return table

    def image(self, png: bytes, caption: str = "", width_cm: float | None = None) -> None:
        """A centred image, as wide as the text unless told otherwise, with a numbered caption
        below it (none when the caption is empty)."""
        par = self.doc.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        par.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm or self.text_width_cm))
        if caption:
            self.figures += 1
            par.paragraph_format.keep_with_next = True
            cap = self.doc.add_paragraph(f"图{self.figures}　{caption}", style=CAPTION_STYLE)
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def text_beside_image(
        self, lines: Sequence[str | Sequence[Text]], png: bytes, image_cm: float
    ) -> Any:
        """Paragraphs on the left and a small image (a QR code) on the right, without borders."""
        table = self.doc.add_table(rows=1, cols=2)
        left, right = table.rows[0].cells
        for k, line in enumerate(lines):
            par = left.paragraphs[0] if k == 0 else left.add_paragraph()
            self._runs(par, line)
        right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        right.paragraphs[0].add_run().add_picture(io.BytesIO(png), width=Cm(image_cm))
        side = image_cm + 0.4
        self._fit(table, (self.text_width_cm - side, side))
        return table

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
