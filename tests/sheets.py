"""Build spreadsheet bytes for import tests, with cells exactly as a user typed them."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field

import xlsxwriter


def xlsx(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """An .xlsx with one sheet: the header row, then the rows (None leaves a cell empty)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    ws = book.add_worksheet("数据")
    ws.write_row(0, 0, list(header))
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(i, j, value)
            else:
                ws.write_string(i, j, str(value))
    book.close()
    return buf.getvalue()


def csv_bytes(
    header: Sequence[str], rows: Sequence[Sequence[object]], encoding="utf-8-sig"
) -> bytes:
    """A CSV file in the given encoding."""
    import csv

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode(encoding)


# --- messy workbooks: several sheets, hidden sheets, formats, formulas, merged cells -----------


@dataclass(frozen=True)
class Pct:
    """A number written with a percent format (Excel shows 0.35 as 35%)."""

    value: float
    num_format: str = "0%"


@dataclass(frozen=True)
class Formula:
    """A formula with the result Excel cached for it (a number or an error such as "#DIV/0!")."""

    formula: str
    value: object


@dataclass(frozen=True)
class NoResult:
    """A formula without a cached result (as written by openpyxl or a script, never opened)."""

    formula: str


@dataclass
class Sheet:
    """One worksheet: every row from spreadsheet row 1 (titles, header, data, footers).

    `merges` are ranges such as "A3:A5" (the top-left cell's value fills the range);
    `state` is "visible", "hidden" or "veryHidden".
    """

    name: str
    rows: Sequence[Sequence[object]]
    state: str = "visible"
    merges: Sequence[str] = field(default_factory=tuple)


def workbook(*sheets: Sheet) -> bytes:
    """An .xlsx holding the sheets, cells written exactly as described (see Pct, Formula, ...)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    formats: dict[str, object] = {}
    blank_results: list[str] = []
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        merged_cells: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for ref in sheet.merges:
            r1, c1, r2, c2 = _range(ref)
            merged_cells[(r1, c1)] = (r1, c1, r2, c2)
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    merged_cells.setdefault((r, c), ())
        for i, row in enumerate(sheet.rows):
            for j, value in enumerate(row):
                span = merged_cells.get((i, j))
                if span:
                    ws.merge_range(*span, "" if value is None else value)
                    continue
                if span == () or value is None:
                    continue
                if isinstance(value, Pct):
                    fmt = formats.setdefault(
                        value.num_format, book.add_format({"num_format": value.num_format})
                    )
                    ws.write_number(i, j, value.value, fmt)
                elif isinstance(value, Formula):
                    ws.write_formula(i, j, value.formula, None, value.value)
                elif isinstance(value, NoResult):
                    ws.write_formula(i, j, value.formula)
                    blank_results.append(value.formula.lstrip("="))
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    ws.write_number(i, j, value)
                else:
                    ws.write_string(i, j, str(value))
        if sheet.state != "visible":
            ws.hide()
    if len(sheets) and all(s.state != "visible" for s in sheets[:1]):
        book.worksheets()[next(i for i, s in enumerate(sheets) if s.state == "visible")].activate()
    book.close()
    content = buf.getvalue()
    very = [s.name for s in sheets if s.state == "veryHidden"]
    if blank_results or very:
        content = _rewrite(content, blank_results, very)
    return content


def _range(ref: str) -> tuple[int, int, int, int]:
    def cell(text: str) -> tuple[int, int]:
        m = re.fullmatch(r"([A-Z]+)(\d+)", text)
        assert m, text
        col = 0
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
        return int(m.group(2)) - 1, col - 1

    a, b = ref.split(":")
    return (*cell(a), *cell(b))


def _rewrite(content: bytes, blank_results: list[str], very_hidden: list[str]) -> bytes:
    """Drop the cached results of the NoResult formulas; mark sheets veryHidden."""
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                for formula in blank_results:
                    f = re.escape(formula.encode())
                    data = re.sub(rb"(<f>" + f + rb"</f>)<v>[^<]*</v>", rb"\1", data)
            if item.filename == "xl/workbook.xml":
                for name in very_hidden:
                    data = re.sub(
                        rb'(<sheet name="' + re.escape(name.encode()) + rb'"[^>]*?)state="hidden"',
                        rb'\1state="veryHidden"',
                        data,
                    )
            dst.writestr(item, data)
    return out.getvalue()


def csv_rows(rows: Sequence[Sequence[object]], encoding: str = "gb18030") -> bytes:
    """A CSV of every row as given (titles and footers included), GBK by default."""
    import csv

    buf = io.StringIO()
    w = csv.writer(buf)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode(encoding)
