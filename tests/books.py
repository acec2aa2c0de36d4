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
    top = header_index(content, sheet)
    header = [h for h in rows[top] if h is not None]
    return header, [dict(zip(header, row, strict=False)) for row in rows[top + 1 :]]


def header_index(content: bytes | Path, sheet: str) -> int:
    """The 0-based row of a sheet's header: the row above the frozen pane (an export has a title
    row above its header; a template has none)."""
    source = content if isinstance(content, Path) else io.BytesIO(content)
    ws = openpyxl.load_workbook(source)[sheet]
    frozen = ws.freeze_panes
    if not frozen:
        return 0
    row = int("".join(ch for ch in frozen if ch.isdigit()))
    return max(0, row - 2)


def docx_text(content: bytes) -> str:
    """All paragraph and table-cell text of a Word document, one line each."""
    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)
