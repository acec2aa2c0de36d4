"""The spreadsheet framework: templates, tolerant reading, cell normalisation and reports.

Real files from enterprises and zones are messy. Everything unambiguous is normalised (full-width
digits, thousands separators, units typed into cells, dates as Excel serials or "2019年3月",
stray spaces, blank rows); everything else becomes a CellError naming the row, the column, the
value and the reason in Chinese. Normalisation is vectorised with Polars so that 100,000-row files
are checked in seconds.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl
from stdnum.cn import uscc as stdnum_uscc

from kechuang.core.errors import BadInput
from kechuang.core.formatting import is_count_unit

ColumnKind = Literal["text", "uscc", "int", "decimal", "bool", "date", "year"]

FULL_WIDTH = "０１２３４５６７８９．，－＋　（）％ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ"
HALF_WIDTH = "0123456789.,-+ ()%ABCDEFGHJKLMNPQRTUWXY"
TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓", "t"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "×", "✗", "f"}
# Words people type for "no value": read as a blank cell in number, date and text columns (in
# 是/否 columns 无 keeps meaning 否).
MISSING_WORDS = ("—", "–", "-", "－", "/", "／", "无", "不适用", "空")
# A cell holding one of these means "clear the stored value" (a blank cell keeps it).
CLEAR_MARKERS = ("〔清空〕", "[清空]", "【清空】", "［清空］")
# Excel's error values: a cell showing one is a broken formula, never a number.
ERROR_VALUES = (
    "#DIV/0!",
    "#N/A",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
)
# A row whose first non-empty cell starts with one of these is a total or signature line.
FOOTER_WORDS = ("合计", "小计", "总计", "填表人", "审核人", "制表人", "负责人", "填报日期")
# Headers that are never data (row numbering): always dropped, and said so.
IGNORED_HEADERS = ("序号",)
# Units that convert exactly: family and power of ten (1 unit = 10**power base units).
UNIT_POWERS: dict[str, tuple[str, int]] = {
    "元": ("money", 0),
    "千元": ("money", 3),
    "万元": ("money", 4),
    "亿元": ("money", 8),
    "人": ("people", 0),
    "万人": ("people", 4),
    "%": ("ratio", -2),
    "‰": ("ratio", -3),
}
HEADER_SCAN_ROWS = 10  # the header row is looked for in the first rows of a sheet
INSTRUCTIONS_SHEET = "填写说明"
MAX_ERRORS = 5000


@dataclass(frozen=True)
class Column:
    """One spreadsheet column: its code, Chinese header, kind, unit and rules.

    `aliases` are other headers accepted for the column; `max_length` is the longest text stored
    (the model column's String(n)); `merge_fill` lets a cell merged down several rows fill them;
    `allow_future` lets a date column hold dates after today (a 有效期至 is naturally in the
    future; every other date — issue, founding, reporting — is refused when it is).
    """

    code: str
    header: str
    kind: ColumnKind = "text"
    unit: str = ""
    required: bool = False
    allow_negative: bool = False
    note: str = ""
    aliases: tuple[str, ...] = ()
    max_length: int | None = None
    merge_fill: bool = False
    allow_future: bool = False
    decimals: int | None = None  # decimals kept in exports; None: by unit (column_decimals)

    @property
    def template_header(self) -> str:
        """The header written in templates and exports: name plus unit."""
        return f"{self.header}({self.unit})" if self.unit else self.header


@dataclass(frozen=True)
class CellError:
    """One bad cell: spreadsheet row number (header is row 1), column header, value and reason."""

    row: int
    column: str
    value: str
    reason: str


class ImportFileError(BadInput):
    """The file as a whole cannot be read (message in Chinese)."""


@dataclass
class ParsedTable:
    """Typed data from a sheet plus the errors found, with spreadsheet row numbers kept.

    `cleared` holds the codes of columns where some cell carries the clear marker 〔清空〕; for each
    of them `data` has a Boolean column `__clear_<code>` (True on the marked rows, whose value is
    null). `notes` says what was normalised.
    """

    data: pl.DataFrame
    errors: list[CellError] = field(default_factory=list)
    cleared: frozenset[str] = frozenset()
    notes: list[str] = field(default_factory=list)


@dataclass
class SheetRead:
    """The data rows of the sheet that holds a template's columns, before typing.

    `data` has one string column per template column (by code, template order); `rows` the
    spreadsheet row number of each data row; `units` the unit a header declared where it differs
    from the template's; `errors` are file or header problems (nothing can be parsed);
    `cell_errors` are bad cells found while reading (formulas without a result, merged cells);
    `notes` says what was skipped or normalised; `present` which template columns the file has
    (an import changes only those).
    """

    data: pl.DataFrame
    rows: pl.Series
    units: dict[str, str] = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)
    cell_errors: list[CellError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sheet: str = ""
    header_row: int = 1
    present: frozenset[str] = frozenset()  # codes of the template columns the file has


def _canon_header(text: str) -> str:
    text = str(text).translate(str.maketrans(FULL_WIDTH, HALF_WIDTH))
    text = re.sub(r"\s+", "", text)
    return text.replace("*", "").replace("（", "(").replace("）", ")").lower()


def read_table(content: bytes, filename: str) -> pl.DataFrame:
    """Read an .xlsx/.xls or .csv file into string columns; raises ImportFileError if it is not one.

    The first row is the header. Of a workbook, the first visible sheet that is not 填写说明 is
    read (hidden sheets never are).
    """
    grid = _load_grid(content, filename)
    if grid.frame.height == 0 or grid.frame.width == 0:
        raise ImportFileError(f"文件“{filename}”没有表头")
    header = [h if h else f"未命名列{i + 1}" for i, h in enumerate(grid.frame.row(0))]
    df = grid.frame.slice(1)
    df.columns = _dedupe([str(h) for h in header])
    return df


@dataclass
class _Grid:
    """A sheet as a grid of strings, where its top-left cell sits, and its raw parts."""

    frame: pl.DataFrame
    name: str = ""
    row0: int = 1  # spreadsheet row of frame row 0
    col0: int = 0  # 0-based spreadsheet column of frame column 0
    scan: _SheetScan | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class _SheetInfo:
    name: str
    hidden: bool
    path: str


def _is_excel(content: bytes) -> bool:
    return content[:4] == b"PK\x03\x04" or content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _load_grid(content: bytes, filename: str, columns: Sequence[Column] | None = None) -> _Grid:
    """The data sheet of a file as strings (header_row=None: every row, titles included)."""
    suffix = Path(filename).suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        if not _is_excel(content):
            raise ImportFileError(
                f"文件“{filename}”不是有效的 Excel 文件，请使用模板另存为 .xlsx 后再导入"
            )
        return _load_excel(content, filename, columns)
    if suffix in {".csv", ".txt"}:
        text = _decode_csv(content, filename)
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise ImportFileError(f"无法解析 CSV 文件“{filename}”：{exc}") from exc
        if not rows:
            raise ImportFileError(f"文件“{filename}”是空的")
        width = max(len(r) for r in rows)
        rows = [(r + [""] * width)[:width] for r in rows]
        frame = pl.DataFrame(
            {f"__c{i}": [r[i] for r in rows] for i in range(width)},
            schema={f"__c{i}": pl.String for i in range(width)},
        )
        frame = frame.with_columns(pl.all().str.strip_chars().replace("", None))
        return _Grid(frame=frame, name=Path(filename).stem)
    raise ImportFileError(f"不支持的文件类型“{suffix or filename}”：请上传 .xlsx 或 .csv 文件")


def _load_excel(content: bytes, filename: str, columns: Sequence[Column] | None) -> _Grid:
    import fastexcel

    try:
        reader = fastexcel.read_excel(content)
        names = list(reader.sheet_names)
    except Exception as exc:
        raise ImportFileError(f"无法读取 Excel 文件“{filename}”：{exc}") from exc
    book = _xlsx_book(content) if content[:4] == b"PK\x03\x04" else None
    infos = {i.name: i for i in book[0]} if book else {}
    notes: list[str] = []
    hidden = [n for n in names if n in infos and infos[n].hidden]
    if hidden:
        notes.append("已跳过隐藏的工作表：" + "、".join(f"“{n}”" for n in hidden))
    visible = [n for n in names if n not in hidden]
    candidates = [
        n for n in visible if n.strip() not in (INSTRUCTIONS_SHEET, EXPORT_NOTES_SHEET)
    ] or visible
    if not candidates:
        raise ImportFileError(f"文件“{filename}”没有可见的工作表")

    def load(name: str, n_rows: int | None = None) -> pl.DataFrame:
        try:
            sheet = reader.load_sheet(
                name, header_row=None, dtypes="string", whitespace_as_null=True, n_rows=n_rows
            )
            return pl.DataFrame(sheet.to_polars()).with_columns(pl.all().cast(pl.String))
        except Exception as exc:
            raise ImportFileError(
                f"无法读取 Excel 文件“{filename}”的工作表“{name}”：{exc}"
            ) from exc

    chosen = candidates[0]
    if columns is not None and len(candidates) > 1:
        matching = [
            n for n in candidates if _find_header(load(n, HEADER_SCAN_ROWS), columns) is not None
        ]
        listed = "、".join(f"“{n}”" for n in candidates)
        if len(matching) > 1:
            raise ImportFileError(
                f"文件“{filename}”有多个工作表符合模板（{'、'.join(matching)}），"
                "请只保留要导入的一个工作表"
            )
        if not matching:
            raise ImportFileError(
                f"文件“{filename}”的工作表（{listed}）都没有模板的表头；应有的列："
                + "、".join(c.template_header for c in columns)
            )
        chosen = matching[0]
    if len(names) > 1:
        notes.append(f"读取了工作表“{chosen}”")
    frame = load(chosen)
    grid = _Grid(frame=frame, name=chosen, notes=notes)
    if book is not None and chosen in infos and frame.height:
        grid.scan = _scan_sheet(content, infos[chosen].path, book[1])
        if grid.scan is not None:
            grid.row0, grid.col0 = grid.scan.row0, grid.scan.col0
    return grid


def _xlsx_book(content: bytes) -> tuple[list[_SheetInfo], tuple[int, ...]] | None:
    """Sheet names, hidden states and XML paths, and the percent cell styles, from the zip."""
    import html
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            workbook = zf.read("xl/workbook.xml")
            rels = zf.read("xl/_rels/workbook.xml.rels")
            styles = zf.read("xl/styles.xml") if "xl/styles.xml" in zf.namelist() else b""
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    targets = {}
    for attrs in re.findall(rb"<Relationship\b([^>]*)>", rels):
        rid = re.search(rb'\bId="([^"]*)"', attrs)
        target = re.search(rb'\bTarget="([^"]*)"', attrs)
        if rid and target:
            path = target.group(1).decode()
            targets[rid.group(1)] = path.lstrip("/") if path.startswith("/") else "xl/" + path
    infos = []
    for attrs in re.findall(rb"<sheet\b([^>]*)>", workbook):
        name = re.search(rb'\bname="([^"]*)"', attrs)
        rid = re.search(rb'\b\w+:id="([^"]*)"', attrs)
        state = re.search(rb'\bstate="([^"]*)"', attrs)
        if not name:
            continue
        infos.append(
            _SheetInfo(
                html.unescape(name.group(1).decode("utf-8")),
                bool(state and state.group(1) in (b"hidden", b"veryHidden")),
                targets.get(rid.group(1), "") if rid else "",
            )
        )
    return infos, _percent_styles(styles)


def _percent_styles(styles: bytes) -> tuple[int, ...]:
    """Indexes of the cell styles (cellXfs) whose number format shows a percent."""
    percent_formats = {9, 10}
    for attrs in re.findall(rb"<numFmt\b([^>]*)>", styles):
        fid = re.search(rb'\bnumFmtId="(\d+)"', attrs)
        code = re.search(rb'\bformatCode="([^"]*)"', attrs)
        if fid and code:
            visible = re.sub(rb'"[^"]*"|&quot;.*?&quot;|\\.', b"", code.group(1))
            if b"%" in visible:
                percent_formats.add(int(fid.group(1)))
    block = re.search(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", styles, re.S)
    if not block:
        return ()
    out = []
    for i, attrs in enumerate(re.findall(rb"<xf\b([^>]*)>", block.group(1))):
        fid = re.search(rb'\bnumFmtId="(\d+)"', attrs)
        if fid and int(fid.group(1)) in percent_formats:
            out.append(i)
    return tuple(out)


# A cell with a value (calamine's sheet range starts at the first such row and column).
_VALUE_CELL = rb'<c r="%s(\d+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?(?:<v>[^<]|<is>)'
_ERROR_CELL = (
    rb'<c r="([A-Z]+)(\d+)"[^>]*?\st="e"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?<v>([^<]*)</v>'
)
_NO_RESULT = rb'<c r="([A-Z]+)(\d+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>([^<]*)</f>)(?:<v\s*/>|<v></v>)?</c>'
_MERGE = rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"'
_CHUNK = 8 << 20  # the sheet XML is scanned in pieces of whole rows: memory stays small


@dataclass
class _SheetScan:
    """What only a sheet's XML tells: where calamine's range starts, error cells, formulas
    without a result, percent-formatted cells and merged ranges (as (letters, row, ...))."""

    row0: int = 1
    col0: int = 0
    error_cells: list[tuple[bytes, bytes, bytes]] = field(default_factory=list)
    no_result: list[tuple[bytes, bytes, bytes | None]] = field(default_factory=list)
    percent: list[tuple[bytes, bytes]] = field(default_factory=list)
    merges: list[tuple[bytes, int, bytes, int]] = field(default_factory=list)


def _scan_sheet(content: bytes, path: str, percent_styles: tuple[int, ...]) -> _SheetScan | None:
    """Scan a sheet's XML with regular expressions over the raw bytes (no per-cell Python loop),
    streaming it in chunks cut after a </row> so that no cell is split."""
    import zipfile

    scan = _SheetScan()
    first: tuple[int, int] | None = None
    pct = None
    if percent_styles:
        styles = b"|".join(str(i).encode() for i in percent_styles)
        pct = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)\ss="(?:' + styles + rb')"([^>]*)>')
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf, zf.open(path) as stream:
            rest = b""
            while True:
                block = stream.read(_CHUNK)
                data = rest + block
                cut = data.rfind(b"</row>") + 6 if block else len(data)
                if cut < 6:
                    cut = 0 if block else len(data)
                piece, rest = data[:cut], data[cut:]
                if piece:
                    first = _scan_piece(piece, scan, pct, first)
                if not block:
                    break
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    if first is not None:
        scan.row0, scan.col0 = first
    return scan


def _scan_piece(
    piece: bytes, scan: _SheetScan, pct: re.Pattern[bytes] | None, first: tuple[int, int] | None
) -> tuple[int, int] | None:
    """Scan one piece of sheet XML into scan; return the top-left (row, column) so far."""
    if first is None:
        m = re.search(_VALUE_CELL % rb"([A-Z]+)", piece)
        if m:
            first = (int(m.group(2)), col_index(m.group(1).decode()))
    if first is not None:
        for c in range(first[1]):  # an earlier column with a value further down
            if re.search(_VALUE_CELL % col_letters(c).encode(), piece):
                first = (first[0], c)
                break
    if b't="e"' in piece:
        scan.error_cells += [m.groups() for m in re.finditer(_ERROR_CELL, piece)]
    if b"<f" in piece:
        scan.no_result += [m.groups() for m in re.finditer(_NO_RESULT, piece)]
    if pct is not None:
        for m in pct.finditer(piece):
            attrs = m.group(3) + m.group(4)
            if b"t=" not in attrs or b't="n"' in attrs:  # a text cell shows its text
                scan.percent.append((m.group(1), m.group(2)))
    if b"<mergeCell " in piece:
        scan.merges += [(c1, int(r1), c2, int(r2)) for c1, r1, c2, r2 in re.findall(_MERGE, piece)]
    return first


def col_letters(index: int) -> str:
    """Spreadsheet column letters of a 0-based column index (0 -> A, 26 -> AA)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    """The 0-based column index of spreadsheet column letters."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _decode_csv(content: bytes, filename: str) -> str:
    if b"\x00" in content[:4096]:
        raise ImportFileError(f"文件“{filename}”不是文本表格（CSV），请上传 .xlsx 或 .csv 文件")
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(f"无法识别文件“{filename}”的编码，请另存为 UTF-8 CSV 或 .xlsx")


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


class _HeaderIndex:
    """Every accepted spelling of a template's headers, canonicalised, for matching."""

    def __init__(self, columns: Sequence[Column]):
        self.columns = list(columns)
        self.full: dict[str, Column] = {}
        self.names: dict[str, Column] = {}
        for col in columns:
            for name in (col.header, col.code, *col.aliases):
                self.names.setdefault(_canon_header(name), col)
                if col.unit:
                    self.full.setdefault(_canon_header(f"{name}({col.unit})"), col)
        self.ignored = {_canon_header(h) for h in IGNORED_HEADERS}

    def match(self, header: str) -> tuple[Column | None, str | None]:
        """The column a header names and the unit it declares (None when it gives none)."""
        key = _canon_header(header)
        if key in self.full:
            return self.full[key], self.full[key].unit
        if key in self.names:
            return self.names[key], None
        m = re.fullmatch(r"(.+?)\(([^()]*)\)", key)
        if m and m.group(1) in self.names:
            unit = re.sub(r"^单位[:：]", "", m.group(2))
            return self.names[m.group(1)], unit
        return None, None

    def suggest(self, header: str) -> str | None:
        """The template header closest to an unknown one (difflib), if any is close."""
        choices = {_canon_header(c.template_header): c.template_header for c in self.columns}
        choices |= {k: c.template_header for k, c in self.names.items()}
        close = difflib.get_close_matches(_canon_header(header), list(choices), n=1, cutoff=0.6)
        return choices[close[0]] if close else None


def _find_header(frame: pl.DataFrame, columns: Sequence[Column]) -> int | None:
    """Index of the first of the top rows where most non-empty cells are template headers."""
    index = _HeaderIndex(columns)
    best, best_matched = None, 1
    for i, row in enumerate(frame.head(HEADER_SCAN_ROWS).iter_rows()):
        cells = [str(v) for v in row if v is not None and str(v).strip()]
        cells = [c for c in cells if _canon_header(c) not in index.ignored]
        matched = sum(1 for c in cells if index.match(c)[0] is not None)
        if matched and matched * 2 >= len(cells) and (matched >= 2 or len(cells) == 1):
            return i
        if matched > best_matched:  # many unknown headers: still the likeliest header row
            best, best_matched = i, matched
    return best


def _unit_shift(file_unit: str, col: Column) -> int | None:
    """Powers of ten from the file's unit to the column's, or None if they do not convert."""
    src, dst = UNIT_POWERS.get(file_unit), UNIT_POWERS.get(col.unit)
    if src is None or dst is None or src[0] != dst[0]:
        return None
    return src[1] - dst[1]


def _factor_text(shift: int) -> str:
    from decimal import Decimal

    return format(Decimal(1).scaleb(shift), "f")


def read_sheet(
    content: bytes,
    filename: str,
    columns: Sequence[Column],
    ignore_columns: Sequence[str] | bool = (),
) -> SheetRead:
    """Find the sheet, header row and data rows holding a template's columns; raises ImportFileError.

    Hidden sheets and the 填写说明 sheet are never read; title rows above the header and total or
    signature rows are skipped; every header must be a template column (or be ignored on
    request); a unit in a header that differs from the template's is converted exactly. Cell
    problems only the file's XML shows (error values, formulas without a result, percent
    formats, merged cells) are handled here so that spreadsheet row numbers stay exact.
    """
    grid = _load_grid(content, filename, columns)
    frame, notes = grid.frame, list(grid.notes)
    if frame.height == 0 or frame.width == 0:
        raise ImportFileError(f"文件“{filename}”没有表头")
    index = _HeaderIndex(columns)
    h = _find_header(frame, columns) or 0
    header_row = grid.row0 + h
    titles = [
        (grid.row0 + i, " ".join(str(v).strip() for v in row if v is not None))
        for i, row in enumerate(frame.head(h).iter_rows())
    ]
    titles = [(r, t) for r, t in titles if t]
    if titles:
        notes.append(
            "已跳过表头上方的标题行：" + "；".join(f"第{r}行“{t[:40]}”" for r, t in titles)
        )
    title_unit = None
    for _, text in titles:
        m = re.search(r"单位\s*[:：]\s*(亿元|万元|千元|元)", text)
        if m:
            title_unit = m.group(1)
    ignore_all = ignore_columns is True
    ignore_set = (
        set() if isinstance(ignore_columns, bool) else {_canon_header(c) for c in ignore_columns}
    )
    body = frame.slice(h + 1)
    footers = _footer_flags(body)
    errors: list[CellError] = []
    picked: dict[str, int] = {}  # code -> frame column index
    units: dict[str, str] = {}
    ignored: list[str] = []
    for j, raw_header in enumerate(frame.row(h)):
        header = "" if raw_header is None else str(raw_header).strip()
        name = body.columns[j]
        letter = col_letters(grid.col0 + j)
        if not header:
            if body.get_column(name).filter(~footers).drop_nulls().len():
                errors.append(
                    CellError(header_row, f"{letter}列", "", f"第 {letter} 列有数据但没有表头")
                )
            continue
        key = _canon_header(header)
        if key in ignore_set or key in index.ignored:
            ignored.append(header)
            continue
        col, unit = index.match(header)
        if col is None:
            if ignore_all:
                ignored.append(header)
                continue
            near = index.suggest(header)
            reason = (
                f"{header}：不是模板列，是否指 {near}？"
                if near
                else f"{header}：不是模板列（请删除该列，或选择“忽略非模板列”）"
            )
            errors.append(CellError(header_row, header, header, reason))
            continue
        if col.code in picked:
            errors.append(CellError(header_row, header, header, f"列“{col.header}”出现了不止一次"))
            continue
        picked[col.code] = j
        if unit is None and title_unit and _unit_shift(title_unit, col) not in (None, 0):
            unit = title_unit
            notes.append(f"{col.header}：表头未写单位，按标题行“单位：{title_unit}”读取")
        if unit is None or _canon_header(unit) == _canon_header(col.unit):
            continue
        if col.kind not in {"int", "decimal"} or not col.unit:
            continue  # a note in brackets after a text column's name, e.g. 行业代码(GB/T 4754)
        shift = _unit_shift(unit, col)
        if shift is None:
            errors.append(
                CellError(
                    header_row,
                    header,
                    header,
                    f"单位“{unit}”无法换算为模板单位“{col.unit}”，请换算为{col.unit}后填写"
                    f"（表头为“{col.template_header}”）",
                )
            )
            continue
        units[col.code] = unit
        notes.append(f"{header} 按 1{unit} = {_factor_text(shift)}{col.unit} 换算")
    for col in columns:
        if col.required and col.code not in picked:
            errors.append(
                CellError(header_row, col.template_header, "", f"缺少必填列“{col.header}”")
            )
    if ignored:
        notes.append("已忽略非模板列：" + "、".join(ignored))
    rows = pl.Series("__row", range(header_row + 1, header_row + 1 + body.height), pl.Int64)
    cell_errors: list[CellError] = []
    if grid.scan is not None and not errors:
        body, cell_errors, more = _apply_xml(grid, body, header_row, picked, columns)
        notes += more
    body, rows, footer_notes = _drop_footers(body, rows, footers)
    notes += footer_notes
    data = body.select([pl.col(body.columns[j]).alias(code) for code, j in picked.items()])
    data = data.with_columns(
        [pl.lit(None, dtype=pl.String).alias(c.code) for c in columns if c.code not in picked]
    ).select([c.code for c in columns])
    return SheetRead(
        data=data,
        rows=rows,
        units=units,
        errors=errors,
        cell_errors=cell_errors,
        notes=notes,
        sheet=grid.name,
        header_row=header_row,
        present=frozenset(picked),
    )


def parse_ignore_columns(text: str | None, ignore_unknown: bool = False) -> Sequence[str] | bool:
    """The ignore_columns option from a form or command line: "列1,列2" (、，; also separate)
    names headers; "*" or ignore_unknown means every header that is not a template column."""
    if ignore_unknown or (text or "").strip() == "*":
        return True
    return tuple(p.strip() for p in re.split(r"[,，、;；]", text or "") if p.strip())


def _first_text(body: pl.DataFrame) -> pl.Expr:
    """The first non-empty cell of each row, without spaces (合 计 -> 合计)."""
    return pl.coalesce([pl.col(c) for c in body.columns]).str.replace_all(r"\s+", "")


def _footer_flags(body: pl.DataFrame) -> pl.Series:
    """True on total and signature rows (first non-empty cell starts with 合计, 填表人, ...)."""
    if body.width == 0:
        return pl.Series("footer", [False] * body.height, pl.Boolean)
    pattern = "^(" + "|".join(FOOTER_WORDS) + ")"
    return body.select(_first_text(body).str.contains(pattern).fill_null(False)).to_series()


def _drop_footers(
    body: pl.DataFrame, rows: pl.Series, flags: pl.Series
) -> tuple[pl.DataFrame, pl.Series, list[str]]:
    """Drop the total and signature rows, saying which."""
    if not flags.any():
        return body, rows, []
    shown = body.filter(flags).select(_first_text(body).alias("t")).to_series().to_list()
    at = rows.filter(flags).to_list()
    note = "已跳过合计/签名行：" + "；".join(
        f"第{r}行“{str(t)[:20]}”" for r, t in zip(at, shown, strict=True)
    )
    return body.filter(~flags), rows.filter(~flags), [note]


def _apply_xml(
    grid: _Grid,
    body: pl.DataFrame,
    header_row: int,
    picked: dict[str, int],
    columns: Sequence[Column],
) -> tuple[pl.DataFrame, list[CellError], list[str]]:
    """Apply what only the sheet XML shows: error values, formulas without a result, percent
    formats and merged cells (regular expressions over the raw bytes: no per-cell Python loop)."""
    import html

    scan = grid.scan or _SheetScan()
    by_index = {j: c for c, j in picked.items()}
    cols = {c.code: c for c in columns}
    errors: list[CellError] = []
    notes: list[str] = []
    first_data = header_row + 1

    def where(letters: bytes, row: bytes | int) -> tuple[int, int, Column | None]:
        j = col_index(letters.decode()) - grid.col0
        code = by_index.get(j)
        return int(row) - first_data, j, cols[code] if code else None

    replace: dict[int, dict[int, str | None]] = {}  # frame column -> {body row: new text}
    for letters, row, value in scan.error_cells:
        i, j, col = where(letters, row)
        if col is not None and 0 <= i < body.height:
            replace.setdefault(j, {})[i] = html.unescape(value.decode())
    for letters, row, formula in scan.no_result:
        i, j, col = where(letters, row)
        if col is not None and i >= 0:
            text = html.unescape((formula or b"").decode())
            errors.append(
                CellError(
                    int(row),
                    col.template_header,
                    f"={text}" if text else "（公式）",
                    "公式没有计算结果，请在 Excel 中打开并保存后再导入",
                )
            )
    counts: dict[str, int] = {}
    for letters, row in scan.percent:
        i, j, col = where(letters, row)
        if col is None or col.kind not in {"int", "decimal"} or not 0 <= i < body.height:
            continue
        value = body.item(i, j)
        if value is None:
            continue
        replace.setdefault(j, {})[i] = _shift_text(value, 2) + "%"
        counts[col.template_header] = counts.get(col.template_header, 0) + 1
    notes += [
        f"{h}：{n} 个单元格为百分比格式，已按百分数读取（如 0.35 显示为 35%，记为 35%）"
        for h, n in counts.items()
    ]
    for c1, r1, c2, r2 in scan.merges:
        if r2 <= r1 or r2 < first_data:
            continue  # one row (titles, notes) or above the data
        i, j, col = where(c1, r1)
        ref = f"{c1.decode()}{r1}:{c2.decode()}{r2}"
        if col is None:
            continue  # not a column we read
        if col.merge_fill and c1 == c2 and i >= 0:
            value = body.item(i, j) if i < body.height else None
            fill = replace.setdefault(j, {})
            for k in range(i + 1, min(r2 - first_data + 1, body.height)):
                fill[k] = value
            notes.append(f"{col.header}：合并单元格 {ref} 的值“{value}”已填入第{r1}-{r2}行")
            continue
        errors.append(
            CellError(
                r1,
                col.template_header,
                ref,
                f"合并单元格 {ref} 跨越多行，无法确定每行的值，请取消合并并逐行填写",
            )
        )
    if replace:
        rowid = pl.int_range(pl.len())
        body = body.with_columns(
            [
                pl.when(rowid.is_in(list(fixes)))
                .then(
                    rowid.replace_strict(
                        list(fixes), list(fixes.values()), default=None, return_dtype=pl.String
                    )
                )
                .otherwise(pl.col(body.columns[j]))
                .alias(body.columns[j])
                for j, fixes in replace.items()
            ]
        )
    return body, errors, notes


def _shift_text(text: str, power: int) -> str:
    """A decimal number's text times 10**power, exactly (no binary floating point)."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text.strip()).scaleb(power)
    except InvalidOperation:
        return text
    out = format(value, "f")
    return out.rstrip("0").rstrip(".") if "." in out else out


def map_headers(
    df: pl.DataFrame, columns: Sequence[Column]
) -> tuple[pl.DataFrame, list[CellError]]:
    """Rename sheet headers to column codes (tolerating units, aliases, full-width brackets,
    spaces, '*'); other headers are left out. Imports use the stricter read_sheet."""
    index = _HeaderIndex(columns)
    renames: dict[str, str] = {}
    errors: list[CellError] = []
    for name in df.columns:
        col, _ = index.match(name)
        if col is None:
            continue
        if col.code in renames.values():
            errors.append(CellError(1, name, name, f"列“{col.header}”出现了不止一次"))
            continue
        renames[name] = col.code
    for col in columns:
        if col.required and col.code not in renames.values():
            errors.append(CellError(1, col.template_header, "", f"缺少必填列“{col.header}”"))
    out = df.select([pl.col(src).alias(code) for src, code in renames.items()])
    missing = [c.code for c in columns if c.code not in out.columns]
    out = out.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in missing])
    return out.select([c.code for c in columns]), errors


def _clean(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.replace_many(list(FULL_WIDTH), list(HALF_WIDTH))
        .str.replace_all(r"[\s\u00a0]+", "")
        .str.strip_chars()
    )


# A number (sign, integer digits, fraction digits, exponent), optionally followed by a unit someone
# typed into the cell. Digits are kept as text so that unit conversion is exact (see _number).
NUMBER_RE = (
    r"^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?"
    r"(千元|万元|亿元|元|万人|人年|人|件|项|家|个|%|‰|千|万|亿)?$"
)
# The same, in two parts (number, unit): a number parsed straight from its text is already the
# nearest double to what was typed; only columns that convert units need NUMBER_RE's digits.
SIMPLE_NUMBER_RE = (
    r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"(千元|万元|亿元|元|万人|人年|人|件|项|家|个|%|‰|千|万|亿)?$"
)
TIME_SUFFIX_RE = r"[T ]?\d{1,2}:\d{2}(:\d{2})?(\.\d+)?$"
# Units a cell may carry, as powers of ten within their family (千/万/亿 alone multiply the
# column's base unit: 2万 in a 人 column is 2万人, 1.5亿 in a 万元 column is 1.5亿元).
_CELL_UNITS = {
    "money": {"元": 0, "千元": 3, "千": 3, "万元": 4, "万": 4, "亿元": 8, "亿": 8},
    "people": {"人": 0, "千": 3, "万人": 4, "万": 4},
    "ratio": {"%": -2, "‰": -3},
}
_COUNT_UNITS = {"人年", "件", "项", "家", "个"}


def _cell_units(col: Column, file_unit: str | None) -> tuple[dict[str, int], dict[str, str]]:
    """Units a cell of the column may carry -> powers of ten to the column's unit; and the
    reason for each unit that is refused."""
    family = UNIT_POWERS.get(col.unit)
    allowed: dict[str, int] = {}
    refused: dict[str, str] = {}
    if family is not None:
        own = family[1]
        declared = UNIT_POWERS.get(file_unit or "", (None, own))[1]
        for unit, power in _CELL_UNITS[family[0]].items():
            if family[0] != "money" or power >= own or power == declared:
                allowed[unit] = power - own
            else:  # 元 typed into a 万元 column usually means the whole column is in 元: ask
                refused[unit] = f"单位应为{col.unit}，请把“{unit}”换算为{col.unit}后填写"
    elif col.unit:
        allowed[col.unit] = 0
        if col.unit in _COUNT_UNITS:
            allowed["万"] = 4
    return allowed, refused


def _stage_text(col: Column) -> list[pl.Expr]:
    """Stage 1: the cleaned text of a cell, computed once (later stages refer to it often)."""
    raw = pl.col(col.code)
    if col.kind in {"int", "decimal"}:
        return [_clean(raw).str.replace_all(",", "", literal=True).alias(f"__t_{col.code}")]
    if col.kind == "date":
        return [_clean(raw).str.replace(TIME_SUFFIX_RE, "").alias(f"__t_{col.code}")]
    if col.kind in {"bool", "year", "uscc"}:
        return [_clean(raw).alias(f"__t_{col.code}")]
    return []


def _stage_parts(col: Column) -> list[pl.Expr]:
    """Stage 2: the pieces parsed out of the cleaned text (regex groups, serials)."""
    text = pl.col(f"__t_{col.code}")
    if col.kind in {"int", "decimal"}:
        parts = text.str.extract_groups(SIMPLE_NUMBER_RE)
        return [
            parts.struct.field("1").cast(pl.Float64, strict=False).alias(f"__v_{col.code}"),
            parts.struct.field("2").alias(f"__u_{col.code}"),
        ]
    if col.kind == "date":
        normal = (
            text.str.replace_all(r"[年月/\.]", "-").str.replace(r"日$", "").str.replace(r"-$", "")
        )
        return [
            normal.str.extract_groups(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$").alias(
                f"__p_{col.code}"
            ),
            text.str.extract_groups(r"^(\d{4})(\d{2})(\d{2})$").alias(f"__c_{col.code}"),
            text.str.extract(r"^(\d{1,5})(\.0+)?$", 1)
            .cast(pl.Int64, strict=False)
            .alias(f"__s_{col.code}"),
        ]
    return []


def _number(col: Column, extra: pl.Expr | int = 0, exact: bool = False) -> pl.Expr:
    """The number of a cell times 10**(its unit's shift + extra).

    Without a shift the number is parsed straight from its text. With one, the digits and the
    power of ten are joined as "<digits>e<power>" and parsed once, so that 12345000 元 is exactly
    1234.5 万元 and 0.1 亿元 exactly 1000 万元 (no binary rounding in between).
    """
    if not exact:
        return pl.when(pl.col(f"__k_{col.code}").is_not_null()).then(pl.col(f"__v_{col.code}"))
    parts = pl.col(f"__n_{col.code}")
    whole, frac = parts.struct.field("2"), parts.struct.field("3").fill_null("")
    digits = whole.fill_null("") + frac
    power = (
        parts.struct.field("4").cast(pl.Int64, strict=False).fill_null(0)
        - frac.str.len_chars().cast(pl.Int64)
        + pl.col(f"__k_{col.code}")
        + extra
    )
    text = parts.struct.field("1") + digits + pl.lit("e") + power.cast(pl.String)
    return pl.when(digits.str.len_chars() > 0).then(text.cast(pl.Float64, strict=False))


def _parse_date(col: Column) -> pl.Expr:
    """Stage 3 for dates: ISO, slashes, dots, 年月日, 年月 (day 1), YYYYMMDD or an Excel serial."""
    parts, compact = pl.col(f"__p_{col.code}"), pl.col(f"__c_{col.code}")
    serial = pl.col(f"__s_{col.code}")
    ymd = (
        parts.struct.field("1")
        + "-"
        + parts.struct.field("2").str.zfill(2)
        + "-"
        + parts.struct.field("3").fill_null("1").str.zfill(2)
    )
    ymd_compact = (
        compact.struct.field("1")
        + "-"
        + compact.struct.field("2")
        + "-"
        + compact.struct.field("3")
    )
    from_text = pl.coalesce(ymd, ymd_compact).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    from_serial = pl.when((serial >= 1) & (serial <= 80000)).then(
        pl.date(1899, 12, 30) + pl.duration(days=serial)
    )
    return pl.coalesce(from_text, from_serial)


def parse_columns(
    df: pl.DataFrame,
    columns: Sequence[Column],
    row_numbers: pl.Series | None = None,
    units: Mapping[str, str] | None = None,
    percent_as_fraction: bool = False,
) -> ParsedTable:
    """Normalise string columns to typed columns; every unparseable non-blank cell becomes an error.

    Blank rows are dropped. `__row` keeps the spreadsheet row number (header = row 1). `units`
    gives the unit a header declared (code -> unit) where it differs from the column's: values
    are converted exactly. A bare 0.35 in a (%) column is ambiguous and refused unless
    `percent_as_fraction` (the user confirmed) and every bare value of the column is at most 1.
    Missing-value words (MISSING_WORDS) are blanks; the clear marker 〔清空〕 gives a null value
    and a `__clear_<code>` flag (see ParsedTable). Parsing runs in materialised stages so that
    each cell's text is cleaned and matched only once.
    """
    units = dict(units or {})
    rows = row_numbers if row_numbers is not None else pl.Series("__row", range(2, df.height + 2))
    df = df.with_columns(rows.alias("__row"))
    codes = [c.code for c in columns]
    notes: list[str] = []
    # Flags come from anchored regular expressions (booleans only, no copy of the text); the
    # raw text is kept as it came for error messages; the value column is the stripped text.
    clear_re = r"^\s*(〔|\[|【|［)\s*清\s*空\s*(〕|\]|】|］)\s*$"
    error_re = "(?i)^\\s*(" + "|".join(re.escape(v) for v in ERROR_VALUES) + ")\\s*$"
    first: list[pl.Expr] = []
    for col in columns:
        raw = pl.col(col.code)
        words = [w for w in MISSING_WORDS if col.kind != "bool" or w.lower() not in FALSE_WORDS]
        missing_re = "^\\s*(" + "|".join(re.escape(w) for w in words) + ")\\s*$"
        first += [
            raw.alias(f"__raw_{col.code}"),
            raw.str.contains(clear_re).fill_null(False).alias(f"__clear_{col.code}"),
            raw.str.contains(missing_re).fill_null(False).alias(f"__miss_{col.code}"),
            raw.str.contains(error_re).fill_null(False).alias(f"__xl_{col.code}"),
        ]
    stripped = df.with_columns(first)
    stripped = stripped.with_columns(
        [
            pl.when(pl.col(f"__clear_{c}") | pl.col(f"__miss_{c}"))
            .then(None)
            .otherwise(pl.col(c).str.strip_chars().replace("", None))
            .alias(c)
            for c in codes
        ]
    )
    stripped = stripped.filter(
        pl.any_horizontal(
            [pl.col(c).is_not_null() | pl.col(f"__clear_{c}") for c in codes] or [pl.lit(False)]
        )
    )
    flags = (
        stripped.select(
            [pl.col(f"__clear_{c}").any().alias(f"c_{c}") for c in codes]
            + [pl.col(f"__miss_{c}").sum().alias(f"m_{c}") for c in codes]
        ).row(0, named=True)
        if codes
        else {}
    )
    cleared = frozenset(c for c in codes if flags.get(f"c_{c}"))
    missing = [(col, flags[f"m_{col.code}"]) for col in columns if flags.get(f"m_{col.code}")]
    if missing:
        notes.append(
            "填写“—”“/”“无”等表示空白的单元格按空白处理："
            + "、".join(f"{col.template_header} {n} 个" for col, n in missing)
        )
    staged = stripped.with_columns([e for c in columns for e in _stage_text(c)])
    staged = staged.with_columns([e for c in columns for e in _stage_parts(c)])
    shifts: list[pl.Expr] = []
    unit_rules: dict[str, tuple[dict[str, int], dict[str, str]]] = {}
    for col in columns:
        if col.kind not in {"int", "decimal"}:
            continue
        allowed, refused = _cell_units(col, units.get(col.code))
        unit_rules[col.code] = (allowed, refused)
        bare = 0
        if col.code in units:
            bare = _unit_shift(units[col.code], col) or 0
        suffix = pl.col(f"__u_{col.code}")
        shifts.append(
            pl.when(suffix.is_null())
            .then(pl.lit(bare, dtype=pl.Int64))
            .otherwise(suffix.replace_strict(allowed, default=None, return_dtype=pl.Int64))
            .alias(f"__k_{col.code}")
        )
    staged = staged.with_columns(shifts)
    # Columns whose values move by a power of ten are parsed from their digits (see _number).
    shifted = [
        c
        for c in columns
        if c.code in unit_rules
        and (c.code in units or c.unit == "%" or any(unit_rules[c.code][0].values()))
    ]
    probe = staged.select(
        [pl.col(f"__k_{c.code}").fill_null(0).ne(0).any().alias(c.code) for c in shifted]
    )
    exact = {
        c.code for c in shifted if c.code in units or c.unit == "%" or probe.get_column(c.code)[0]
    }
    staged = staged.with_columns(
        [
            pl.col(f"__t_{c.code}").str.extract_groups(NUMBER_RE).alias(f"__n_{c.code}")
            for c in columns
            if c.code in exact
        ]
    )
    fraction_columns: set[str] = set()
    for col in columns:
        if col.kind in {"int", "decimal"} and col.unit == "%" and percent_as_fraction:
            bare = pl.col(f"__u_{col.code}").is_null()
            top = staged.select(pl.when(bare).then(_number(col)).abs().max()).item()
            if top is not None and top <= 1:
                fraction_columns.add(col.code)
                notes.append(
                    f"{col.template_header}：全列数值均不大于 1，按您的确认视为比例，已乘以 100 换算为百分数"
                )
    exprs: list[pl.Expr] = [pl.col("__row")]
    reasons: list[pl.Expr] = []
    for col in columns:
        raw = pl.col(col.code)
        text = pl.col(f"__t_{col.code}")
        if col.kind in {"int", "decimal"}:
            typed, reason = _number_with_reason(
                col, unit_rules[col.code][1], fraction_columns, col.code in exact
            )
            if col.kind == "int":
                reason = pl.coalesce(
                    reason, pl.when(typed != typed.floor()).then(pl.lit("应为整数"))
                )
                typed = pl.when(typed == typed.floor()).then(typed).cast(pl.Int64, strict=False)
            if not col.allow_negative:
                reason = pl.coalesce(reason, pl.when(typed < 0).then(pl.lit("不能为负数")))
        elif col.kind == "bool":
            word = text.str.to_lowercase()
            typed = (
                pl.when(word.is_in(list(TRUE_WORDS)))
                .then(True)
                .when(word.is_in(list(FALSE_WORDS)))
                .then(False)
            )
            reason = pl.when(typed.is_null()).then(pl.lit("应填“是”或“否”"))
        elif col.kind == "date":
            typed = _parse_date(col)
            reason = pl.when(typed.is_null()).then(
                pl.lit("不是有效的日期（可填 2019-03-15、2019/3/15、2019年3月15日 或 2019年3月）")
            )
            if not col.allow_future:
                reason = pl.coalesce(
                    reason, pl.when(typed > pl.lit(_today())).then(pl.lit("日期晚于今天"))
                )
        elif col.kind == "year":
            year = text.str.replace(r"(年度|年)$", "").str.replace(r"\.0+$", "")
            typed = year.cast(pl.Int64, strict=False)
            reason = pl.when(typed.is_null() | (typed < 1949) | (typed > 2100)).then(
                pl.lit("不是有效的年度（如 2024）")
            )
            typed = pl.when(reason.is_null()).then(typed)
        elif col.kind == "uscc":
            typed = text.str.to_uppercase()
            reason = pl.lit(None, dtype=pl.String)  # checked below, per distinct value
        else:
            typed = raw.str.strip_chars().str.replace_all(r"\s+", " ")
            reason = pl.lit(None, dtype=pl.String)
            if col.max_length:
                length = typed.str.len_chars()
                reason = pl.when(length > col.max_length).then(
                    pl.lit(f"超过最大长度 {col.max_length} 字（此处 ")
                    + length.cast(pl.String)
                    + pl.lit(" 字）")
                )
        excel_error = pl.when(pl.col(f"__xl_{col.code}")).then(
            pl.lit("单元格是 Excel 错误值 ")
            + pl.col(f"__raw_{col.code}").str.strip_chars()
            + pl.lit("（公式出错），请修正后再导入")
        )
        reason = pl.coalesce(excel_error, reason)
        clear = pl.col(f"__clear_{col.code}")
        if col.required:
            reason = (
                pl.when(clear)
                .then(pl.lit("必填项不能清空"))
                .when(raw.is_null())
                .then(pl.lit("必填项为空"))
                .otherwise(reason)
            )
        else:
            reason = pl.when(raw.is_not_null()).then(reason)
        exprs.append(pl.when(raw.is_not_null()).then(typed).alias(col.code))
        reasons.append(reason.alias(f"__err_{col.code}"))
    typed_df = staged.select(
        exprs
        + [pl.col(f"__raw_{c}") for c in codes]
        + [pl.col(f"__clear_{c}") for c in codes if c in cleared]
        + reasons
    )
    for col in columns:
        if col.kind == "uscc":
            typed_df = _check_uscc(typed_df, col.code)
    errors = collect_errors(typed_df, columns)
    data = typed_df.select(["__row"] + codes + [f"__clear_{c}" for c in codes if c in cleared])
    return ParsedTable(data=data, errors=errors, cleared=cleared, notes=notes)


def _number_with_reason(
    col: Column, refused: dict[str, str], fraction_columns: set[str], exact: bool
) -> tuple[pl.Expr, pl.Expr]:
    """Stage 3 for numbers: (value in the column's unit, reason-if-bad)."""
    text = pl.col(f"__t_{col.code}")
    suffix = pl.col(f"__u_{col.code}")
    bare = suffix.is_null()
    fraction = col.code in fraction_columns
    value = _number(col, pl.when(bare).then(2).otherwise(0) if fraction else 0, exact)
    reason = (
        pl.when(text.str.contains(r"^\(.*\)$"))
        .then(
            pl.lit("括号表示负数还是备注？请直接填写 -")
            + text.str.strip_chars("()")
            + pl.lit(" 或 ")
            + text.str.strip_chars("()")
        )
        .when(pl.col(f"__v_{col.code}").is_null())
        .then(pl.lit("不是有效的数字"))
        .when(suffix.is_not_null() & pl.col(f"__k_{col.code}").is_null())
        .then(
            suffix.replace_strict(refused, default=None, return_dtype=pl.String).fill_null(
                pl.lit("单位“") + suffix + pl.lit(f"”与本列单位（{col.unit or '无单位'}）不符")
            )
        )
        .when(value.is_null() | value.is_infinite())
        .then(pl.lit("不是有效的数字"))
    )
    if col.unit == "%" and not fraction:
        hundred = _number(col, 2, exact).cast(pl.String).str.replace(r"\.0$", "")
        ambiguous = bare & (value.abs() <= 1) & (value != 0)
        reason = pl.coalesce(
            reason,
            pl.when(ambiguous).then(
                pl.col(f"__raw_{col.code}").str.strip_chars()
                + pl.lit(" 是比例还是百分数？请填写 ")
                + hundred
                + pl.lit(" 或 ")
                + hundred
                + pl.lit("%")
            ),
        )
    return value, reason


def _today():
    from datetime import date

    return date.today()


def _check_uscc(df: pl.DataFrame, code: str) -> pl.DataFrame:
    values = df.get_column(code).drop_nulls().unique().to_list()
    bad: dict[str, str] = {}
    for value in values:
        if len(value) != 18:
            bad[value] = f"统一社会信用代码应为18位（此处{len(value)}位）"
        elif not stdnum_uscc.is_valid(value):
            bad[value] = "统一社会信用代码校验位错误或含非法字符"
    if not bad:
        return df
    reason = pl.col(code).replace_strict(bad, default=None, return_dtype=pl.String)
    return df.with_columns(pl.coalesce(pl.col(f"__err_{code}"), reason).alias(f"__err_{code}"))


def collect_errors(df: pl.DataFrame, columns: Sequence[Column]) -> list[CellError]:
    """Turn the per-cell reason columns of a parsed frame into CellErrors (row-major order)."""
    out: list[CellError] = []
    for col in columns:
        bad = df.filter(pl.col(f"__err_{col.code}").is_not_null()).select(
            "__row", f"__raw_{col.code}", f"__err_{col.code}"
        )
        for row, raw, reason in bad.iter_rows():
            out.append(CellError(int(row), col.template_header, (raw or "").strip(), reason))
            if len(out) >= MAX_ERRORS:
                break
    out.sort(key=lambda e: e.row)
    return out


def rule_errors(
    df: pl.DataFrame, condition: pl.Expr, column: Column, value: pl.Expr, reason: pl.Expr | str
) -> list[CellError]:
    """Errors for rows where a cross-field condition holds (vectorised; values rendered per row)."""
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    bad = df.filter(condition).select(
        pl.col("__row"), value.cast(pl.String).alias("v"), reason_expr.alias("r")
    )
    return [
        CellError(int(r), column.template_header, v or "", why)
        for r, v, why in bad.head(MAX_ERRORS).iter_rows()
    ]


def column_decimals(col: Column) -> int | None:
    """The decimals a number column keeps in an export (None for text, bool and date columns).

    Declared on the column, else by unit: counts (kind int, or 家/个/件/项/人) and years none,
    everything else (万元, 亿元, 元, %, scores, ratios) two; a % column's decimals are those of the
    percentage, so 12.35% keeps two.
    """
    if col.kind in ("int", "year"):
        return 0
    if col.kind != "decimal":
        return None
    if col.decimals is not None:
        return col.decimals
    return 0 if is_count_unit(col.unit) else 2


def number_format(col: Column) -> str | None:
    """The Excel number format of a column (None: written as text or a date).

    Two decimals are always shown and any further declared ones only when they are not zero
    ("#,##0.00##"), so a figure kept to the 元 in a 万元 column reads 1,234.56 or 1,234.5678.
    """
    digits = column_decimals(col)
    if digits is None:
        return None
    if col.kind == "year":
        return "0"
    shown = min(digits, 2)
    tail = ("." + "0" * shown + "#" * (digits - shown)) if digits else ""
    if col.unit == "%":
        return "0" + tail + "%"
    return "#,##0" + tail


def round_half_away(value: float, digits: int) -> float:
    """A value rounded to `digits` decimals, halves away from zero, with no float residue
    (81.92916732641223 → 81.93, −7.45e−09 → 0.0, 2.675 → 2.68 as a person rounds it)."""
    from decimal import ROUND_HALF_UP, Decimal

    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    out = float(exact)
    return 0.0 if out == 0 else out


EXPORT_NOTES_SHEET = "说明"
DEMO_TITLE_MARK = "【演示数据】"


def demo_data_present(session) -> bool:
    """True when the database holds demo data, by the probes that badge every page 演示数据."""
    from kechuang.core.domain import section_functions

    return any(probe(session) for probe in section_functions("demo_probe"))


def source_titles(sources: Sequence[str]) -> list[str]:
    """Registry citations of source codes (a text that is not a code is kept as it is)."""
    from kechuang.core.methodology import registry

    reg = registry()
    return [reg.title(s) for s in dict.fromkeys(sources)]


def write_sheets(
    sheets: Sequence[tuple[str, Sequence[Column], pl.DataFrame | None]],
    notes: Sequence[str] = (),
    *,
    title: str = "",
    scope: str = "",
    year: int | str | None = None,
    data_date: date | str | None = None,
    demo: bool = False,
    sources: Sequence[str] = (),
    methodology_version: str = "",
    input_hash: str = "",
) -> bytes:
    """Write sheets with Chinese headers: the one layer every Excel download goes through.

    Every number cell gets its unit's format (money #,##0.00, % as percent cells, counts #,##0,
    years plain), the header row is frozen and columns are as wide as their header and content.
    Without `title` it is a template or a machine transfer (the demo loader): the header is row 1,
    values are written as given and `notes` go to a 填写说明 sheet. With `title` it is an export
    for people: a title row above the header names what it is, the scope, the year, the data date
    and 【演示数据】 when `demo`; each value is rounded to its column's decimals (column_decimals),
    so no cell holds more digits than its format shows; and a 说明 sheet gives the title, scope,
    sources (registry codes become their titles), methodology version, input hash (the domain's
    own, else the sha256 of the values written), generation time and the notes. The importer
    still finds the header under the title row, so exports in a template's columns import back.
    """
    import hashlib

    import xlsxwriter

    export = bool(title)
    digest = hashlib.sha256()
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "default_date_format": "yyyy-mm-dd", "strings_to_numbers": False},
    )
    head = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
    required_head = book.add_format(
        {"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True}
    )
    title_fmt = book.add_format({"bold": True, "font_size": 12})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    formats: dict[str, object] = {}
    line = _title_line(title, scope, year, data_date, demo) if export else ""
    top = 1 if export else 0  # row of the header
    for name, columns, data in sheets:
        ws = book.add_worksheet(name[:31])
        if export:
            ws.write_string(0, 0, line, title_fmt)
        digest.update(f"\x1e{name}".encode())
        widths = [_text_width(col.template_header) + 2 for col in columns]
        cell_formats = []
        for j, col in enumerate(columns):
            ws.write(top, j, col.template_header, required_head if col.required else head)
            if col.note:
                ws.write_comment(top, j, col.note)
            pattern = number_format(col)
            if pattern is not None and pattern not in formats:
                formats[pattern] = book.add_format({"num_format": pattern})
            cell_formats.append(formats.get(pattern) if pattern else None)
            digest.update(f"\x1f{col.template_header}".encode())
        ws.freeze_panes(top + 1, 0)
        if data is not None:
            present = [(j, col) for j, col in enumerate(columns) if col.code in data.columns]
            frame = data.select([col.code for _, col in present])
            for i, values in enumerate(frame.iter_rows(), start=top + 1):
                for (j, col), value in zip(present, values, strict=True):
                    if value is None:
                        continue
                    if col.kind == "bool":
                        text = "是" if value else "否"
                        ws.write_string(i, j, text)
                    elif col.kind == "date":
                        ws.write_datetime(i, j, _as_datetime(value), date_fmt)
                        text = str(value)
                    elif col.kind in {"int", "decimal", "year"}:
                        number = _cell_number(col, value, export)
                        ws.write_number(i, j, number, cell_formats[j])
                        text = _shown(col, number)
                    else:
                        text = str(value)
                        ws.write_string(i, j, text)
                    if export:
                        digest.update(
                            f"\x1f{j}:{text if col.kind != 'decimal' else number!r}".encode()
                        )
                    if i <= top + 1000:  # widths from the first rows: enough, and fast on big files
                        widths[j] = max(widths[j], _text_width(text) + 2)
        for j, width in enumerate(widths):
            ws.set_column(j, j, max(10, min(50, width)))
    if export:
        ws = book.add_worksheet(EXPORT_NOTES_SHEET)
        ws.set_column(0, 0, 110)
        lines = _export_notes(
            title, scope, year, data_date, demo, sources, methodology_version,
            input_hash or f"sha256:{digest.hexdigest()}", notes,
        )  # fmt: skip
        for i, text in enumerate(lines):
            ws.write_string(i, 0, text, title_fmt if i == 0 else None)
    elif notes:
        ws = book.add_worksheet(INSTRUCTIONS_SHEET)
        ws.set_column(0, 0, 110)
        for i, text in enumerate(notes):
            ws.write_string(i, 0, text)
    book.close()
    return buffer.getvalue()


def _cell_number(col: Column, value, export: bool) -> float | int:
    """The number stored in a cell: a % column's fraction, rounded in exports to the column's
    decimals (counts and years as ints)."""
    digits = column_decimals(col) or 0
    if export:
        value = round_half_away(value, digits)
    if col.unit == "%" and col.kind != "year":
        return as_fraction(value)
    if col.kind in {"int", "year"} or (export and digits == 0):
        return int(value) if float(value).is_integer() else value
    return value


def _shown(col: Column, number: float | int) -> str:
    """Roughly what Excel shows in a cell (for column widths)."""
    if col.kind == "year" or isinstance(number, int):
        return f"{number:,}" if col.kind != "year" else str(number)
    if col.unit == "%":
        return f"{number * 100:.2f}%"
    return f"{number:,.2f}"


def _text_width(text: str) -> int:
    """Width of a text in Excel columns: a CJK character is two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _title_line(
    title: str, scope: str, year: int | str | None, data_date: date | str | None, demo: bool
) -> str:
    parts = [title]
    if scope:
        parts.append(f"范围：{scope}")
    if year not in (None, ""):
        parts.append(f"{year}年度" if isinstance(year, int) else str(year))
    parts.append(f"数据截至{data_date or _today()}")
    text = " · ".join(parts)
    return f"{DEMO_TITLE_MARK}{text}" if demo else text


def _export_notes(
    title: str,
    scope: str,
    year: int | str | None,
    data_date: date | str | None,
    demo: bool,
    sources: Sequence[str],
    methodology_version: str,
    input_hash: str,
    notes: Sequence[str],
) -> list[str]:
    from datetime import UTC, datetime

    from kechuang.core.formatting import fmt_local_time

    lines = [f"{DEMO_TITLE_MARK}{title}" if demo else title]
    if demo:
        lines.append("演示数据：本文件由演示数据库生成，单位与数字均为虚构，仅用于演示。")
    lines.append(f"范围：{scope or '全市'}")
    if year not in (None, ""):
        lines.append(f"年度：{year}")
    lines.append(f"数据截至：{data_date or _today()}")
    lines.append(f"生成时间：{fmt_local_time(datetime.now(UTC))}（北京时间）")
    titles = source_titles(sources)
    lines.append(
        "来源：" + ("；".join(titles) if titles else "本平台数据库（经导入校验的填报数据）")
    )
    if methodology_version:
        lines.append(f"方法版本：{methodology_version}")
    lines.append(f"输入数据指纹：{input_hash}")
    lines.append(
        "数字格式：金额保留两位小数并用千分位，百分比列为百分数单元格，个数为整数；"
        "每个数字按其单位的小数位数四舍五入后写入。"
    )
    if notes:
        lines += ["", *notes]
    return lines


def as_fraction(percent: float) -> float:
    """A percentage as the fraction Excel stores in a percent cell, without float drift (35 → 0.35).

    Divided as decimals, so the fraction's shortest form is the percentage's digits shifted by two
    places and an import reads back exactly the percentage written.
    """
    from decimal import Decimal

    return float(Decimal(repr(float(percent))) / 100)


def _as_datetime(value):
    from datetime import date, datetime

    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value


ERROR_COLUMNS = (
    Column("row", "行号", "int"),
    Column("column", "列"),
    Column("value", "值"),
    Column("reason", "原因"),
)


def error_report(errors: Sequence[CellError]) -> bytes:
    """An .xlsx listing every bad cell (行号, 列, 值, 原因)."""
    df = pl.DataFrame(
        {
            "row": [e.row for e in errors],
            "column": [e.column for e in errors],
            "value": [e.value for e in errors],
            "reason": [e.reason for e in errors],
        },
        schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String},
    )
    return write_sheets([("错误报告", ERROR_COLUMNS, df)])


@dataclass
class RegisterReport:
    """The outcome of a register import (e.g. 特派员名册, 专家库): rows, created, every bad cell."""

    filename: str
    dry_run: bool
    label: str
    rows_total: int = 0
    created: int = 0
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file had no bad cell."""
        return not self.errors

    def message(self) -> str:
        """One Chinese line."""
        if self.errors:
            return f"{self.label}未导入：{len(self.errors)} 处错误，请修改后重新导入"
        if self.dry_run:
            return f"{self.label}检查通过：{self.rows_total} 行（未保存）"
        return f"{self.label}已导入：新增 {self.created} 条"


def read_register(
    content: bytes, filename: str, columns: Sequence[Column], report: RegisterReport
) -> pl.DataFrame | None:
    """Read and parse a register file strictly into `report`; None when its headers (or the file)
    are refused, else the parsed rows (cell errors and an empty file recorded in the report)."""
    try:
        raw = read_table(content, filename)
    except ImportFileError as exc:
        report.errors = [CellError(0, "（文件）", filename, str(exc))]
        return None
    mapped, header_errors = map_headers(raw, list(columns))
    if header_errors:
        report.errors = header_errors
        return None
    parsed = parse_columns(mapped, list(columns))
    report.errors = list(parsed.errors)
    report.rows_total = parsed.data.height
    if report.rows_total == 0:
        report.errors.append(CellError(0, "（文件）", filename, "文件中没有数据行"))
    return parsed.data


def rows_sheet(
    name: str, rows: Sequence[Mapping[str, object]], cols: Sequence[tuple[str, str, str]]
) -> tuple[str, tuple[Column, ...], pl.DataFrame]:
    """A sheet for write_sheets from dict rows and (key, header, kind) columns.

    A unit in brackets at the end of a header ("营业收入(万元)", "申报数(项)") becomes the
    column's unit, so that it gets its unit's format; kind "share" is a fraction (0.35) written
    as a percent cell (35.00%).
    """
    dtype = {"text": pl.String, "decimal": pl.Float64, "share": pl.Float64, "int": pl.Int64}
    dtype["year"] = pl.Int64
    columns = []
    for key, header, kind in cols:
        m = re.fullmatch(r"(.+?)[(（]([^()（）]+)[)）]", header)
        text, unit = (m.group(1), m.group(2)) if m and kind != "text" else (header, "")
        if kind == "share":
            text, unit = header, "%"
        columns.append(Column(key, text, "decimal" if kind == "share" else kind, unit))  # type: ignore[arg-type]
    frame = pl.DataFrame(
        [{k: r.get(k) for k, _, _ in cols} for r in rows],
        schema={k: dtype[kind] for k, _, kind in cols},
        orient="row",
    )
    shares = [k for k, _, kind in cols if kind == "share"]
    if shares:
        frame = frame.with_columns(pl.col(shares) * 100)
    return name, tuple(columns), frame
