"""Read a Word report back the way a reader meets it: the text of body, tables, header and footer,
table widths from the grid, the embedded pictures with their pixel size (from the PNG header) and
their printed width, and the page-number field. Shared by the zone, points and plan report tests."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from docx import Document
from docx.oxml.ns import qn

from kechuang.core.chart_images import png_size

TWIPS_PER_CM = 1440 / 2.54
EMU_PER_CM = 360000


@dataclass(frozen=True)
class Picture:
    """An embedded picture: pixel size from its PNG header, printed size in cm."""

    png: bytes
    px: tuple[int, int]
    width_cm: float
    height_cm: float

    @property
    def dpi(self) -> float:
        """Pixels per inch as printed (pixel width over printed width)."""
        return self.px[0] / (self.width_cm / 2.54)


def open_docx(content: bytes) -> Any:
    """The python-docx Document of a file's bytes."""
    return Document(io.BytesIO(content))


def text_width_cm(doc: Any) -> float:
    """The first section's width between the margins."""
    sec = doc.sections[0]
    return (sec.page_width - sec.left_margin - sec.right_margin) / EMU_PER_CM


def table_width_cm(table: Any) -> float:
    """A table's width from its grid columns (what LibreOffice lays out)."""
    cols = table._tbl.tblGrid.findall(qn("w:gridCol"))
    return sum(int(c.get(qn("w:w"))) for c in cols) / TWIPS_PER_CM


def cell_widths_cm(table: Any) -> list[list[float]]:
    """Each row's cell widths (what Word lays out)."""
    return [[c.width / EMU_PER_CM for c in row.cells] for row in table.rows]


def headers(table: Any) -> list[str]:
    """The first row's texts."""
    return [c.text for c in table.rows[0].cells]


def pictures(doc: Any) -> list[Picture]:
    """Every inline picture (body and table cells), in document order."""
    out = []
    for shape in doc.inline_shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        png = doc.part.related_parts[blip.embed].blob
        out.append(Picture(png, png_size(png), shape.width / EMU_PER_CM, shape.height / EMU_PER_CM))
    return out


def header_text(doc: Any) -> str:
    """The page-header text of every section."""
    return "\n".join(p.text for s in doc.sections for p in s.header.paragraphs)


def has_page_field(doc: Any) -> bool:
    """True when every section's footer carries a PAGE field (Word fills in the number)."""
    return all(
        any(
            (t.text or "").strip() == "PAGE"
            for p in s.footer.paragraphs
            for t in p._p.iter(qn("w:instrText"))
        )
        for s in doc.sections
    )


def captions(doc: Any) -> list[str]:
    """The numbered figure captions (图1　…)."""
    return [p.text for p in doc.paragraphs if p.text.startswith("图")]
