"""Build spreadsheet bytes for import tests, with cells exactly as a user typed them."""

from __future__ import annotations

import io
from collections.abc import Sequence

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
