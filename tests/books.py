"""Open exported files in tests: an .xlsx as its sheets and rows, a .docx as its text.

A zip signature (b"PK") says nothing about the content; tests read the sheet names, the header
row and the values through these helpers instead.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
from docx import Document


def sheets(content: bytes | Path) -> dict[str, list[list[Any]]]:
    """Every sheet of the workbook, in order: its rows as lists of cell values.

    Trailing empty rows are dropped; a sheet with no cells at all comes back as [].
    """
    source = content if isinstance(content, Path) else io.BytesIO(content)
    book = openpyxl.load_workbook(source, data_only=True)
    out = {}
    for ws in book.worksheets:
        rows = [list(row) for row in ws.iter_rows(values_only=True)]
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        out[ws.title] = rows
    return out


def records(content: bytes | Path, sheet: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The header row of the sheet and its data rows as dicts keyed by header.

    Fails (KeyError) when the sheet does not exist and (AssertionError) when it has no header.
    """
    rows = sheets(content)[sheet]
    assert rows, f"工作表 {sheet} 是空的"
    header = [h for h in rows[0] if h is not None]
    return header, [dict(zip(header, row, strict=False)) for row in rows[1:]]


def docx_text(content: bytes) -> str:
    """All paragraph and table-cell text of a Word document, one line each."""
    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)
