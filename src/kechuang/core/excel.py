"""The spreadsheet framework: templates, tolerant reading, cell normalisation and reports.

Real files from enterprises and zones are messy. Everything unambiguous is normalised (full-width
digits, thousands separators, units typed into cells, dates as Excel serials or "2019年3月",
stray spaces, blank rows); everything else becomes a CellError naming the row, the column, the
value and the reason in Chinese. Normalisation is vectorised with Polars so that 100,000-row files
are checked in seconds.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl
from stdnum.cn import uscc as stdnum_uscc

from kechuang.core.errors import BadInput

ColumnKind = Literal["text", "uscc", "int", "decimal", "bool", "date", "year"]

FULL_WIDTH = "０１２３４５６７８９．，－＋　（）％ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ"
HALF_WIDTH = "0123456789.,-+ ()%ABCDEFGHJKLMNPQRTUWXY"
TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓", "t"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "×", "✗", "f"}
MAX_ERRORS = 5000
CLEAR_MARKERS = ("〔清空〕", "[清空]", "【清空】")  # [history] a cell that clears the old value


@dataclass(frozen=True)
class Column:
    """One spreadsheet column: its code, Chinese header, kind, unit and rules."""

    code: str
    header: str
    kind: ColumnKind = "text"
    unit: str = ""
    required: bool = False
    allow_negative: bool = False
    note: str = ""

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
    """Typed data from a sheet plus the errors found, with spreadsheet row numbers kept."""

    data: pl.DataFrame
    errors: list[CellError] = field(default_factory=list)
    cleared: frozenset[str] = frozenset()  # [history] stand-in for the strict-headers branch


def _canon_header(text: str) -> str:
    text = str(text).translate(str.maketrans(FULL_WIDTH, HALF_WIDTH))
    text = re.sub(r"\s+", "", text)
    return text.replace("*", "").replace("（", "(").replace("）", ")")


def read_table(content: bytes, filename: str) -> pl.DataFrame:
    """Read an .xlsx/.xls or .csv file into string columns; raises ImportFileError if it is not one."""
    suffix = Path(filename).suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        if not (content[:4] == b"PK\x03\x04" or content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            raise ImportFileError(
                f"文件“{filename}”不是有效的 Excel 文件，请使用模板另存为 .xlsx 后再导入"
            )
        import fastexcel

        try:
            reader = fastexcel.read_excel(content)
            sheet = reader.load_sheet(0, dtypes="string", whitespace_as_null=True)
            df = pl.DataFrame(sheet.to_polars())
        except Exception as exc:
            raise ImportFileError(f"无法读取 Excel 文件“{filename}”：{exc}") from exc
    elif suffix in {".csv", ".txt"}:
        text = _decode_csv(content, filename)
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise ImportFileError(f"无法解析 CSV 文件“{filename}”：{exc}") from exc
        if not rows:
            raise ImportFileError(f"文件“{filename}”是空的")
        header, body = rows[0], rows[1:]
        width = len(header)
        body = [(r + [""] * width)[:width] for r in body]
        df = pl.DataFrame(
            {f"__c{i}": [r[i] for r in body] for i in range(width)},
            schema={f"__c{i}": pl.String for i in range(width)},
        )
        df.columns = _dedupe([h if h else f"未命名列{i + 1}" for i, h in enumerate(header)])
    else:
        raise ImportFileError(f"不支持的文件类型“{suffix or filename}”：请上传 .xlsx 或 .csv 文件")
    if df.width == 0:
        raise ImportFileError(f"文件“{filename}”没有表头")
    return df.with_columns(pl.all().cast(pl.String))


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


def map_headers(
    df: pl.DataFrame, columns: Sequence[Column]
) -> tuple[pl.DataFrame, list[CellError]]:
    """Rename sheet headers to column codes (tolerating units, full-width brackets, spaces, '*')."""
    wanted: dict[str, Column] = {}
    for col in columns:
        for alias in (col.header, col.template_header, col.code):
            wanted[_canon_header(alias)] = col
    renames: dict[str, str] = {}
    errors: list[CellError] = []
    for name in df.columns:
        key = _canon_header(name)
        col = wanted.get(key) or wanted.get(re.sub(r"\(.*\)$", "", key))
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


# A number, optionally followed by a unit someone typed into the cell.
NUMBER_RE = (
    r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"(亿元|亿|万元|万|元|人年|人|件|项|家|个)?$"
)
TIME_SUFFIX_RE = r"[T ]?\d{1,2}:\d{2}(:\d{2})?(\.\d+)?$"


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
        groups = text.str.extract_groups(NUMBER_RE)
        return [
            groups.struct.field("1").cast(pl.Float64, strict=False).alias(f"__n_{col.code}"),
            groups.struct.field("2").alias(f"__u_{col.code}"),
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


def _parse_number(col: Column) -> tuple[pl.Expr, pl.Expr]:
    """Stage 3 for numbers: (value in the column's unit, reason-if-bad)."""
    number, unit = pl.col(f"__n_{col.code}"), pl.col(f"__u_{col.code}")
    is_yuan_only = unit == "元"
    value = (
        pl.when(unit.is_in(["亿元", "亿"]))
        .then(number * 10000)
        .when(is_yuan_only)
        .then(None)
        .otherwise(number)
    )
    reason = (
        pl.when(is_yuan_only)
        .then(pl.lit("单位应为万元，请把“元”换算为万元后填写"))
        .when(number.is_null())
        .then(pl.lit("不是有效的数字"))
    )
    return value, reason


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
    df: pl.DataFrame, columns: Sequence[Column], row_numbers: pl.Series | None = None
) -> ParsedTable:
    """Normalise string columns to typed columns; every unparseable non-blank cell becomes an error.

    Blank rows are dropped. `__row` keeps the spreadsheet row number (header = row 1). Parsing runs
    in materialised stages so that each cell's text is cleaned and matched only once.
    """
    rows = row_numbers if row_numbers is not None else pl.Series("__row", range(2, df.height + 2))
    df = df.with_columns(rows.alias("__row"))
    codes = [c.code for c in columns]
    stripped = df.with_columns([pl.col(c).str.strip_chars().replace("", None) for c in codes])
    stripped = stripped.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in codes]))
    # [history] BEGIN minimal clear-marker stand-in (the strict-headers branch owns the real one)
    is_marker = {c: pl.col(c).str.replace_all(r"\s+", "").is_in(list(CLEAR_MARKERS)) for c in codes}
    any_marker = stripped.select([is_marker[c].fill_null(False).any().alias(c) for c in codes])
    cleared = frozenset(c for c in codes if any_marker.get_column(c).item())
    stripped = stripped.with_columns(
        [is_marker[c].fill_null(False).alias(f"__clear_{c}") for c in sorted(cleared)]
    ).with_columns(
        [pl.when(pl.col(f"__clear_{c}")).then(None).otherwise(pl.col(c)).alias(c) for c in cleared]
    )
    marker_errors = [
        CellError(int(r), col.template_header, "〔清空〕", "必填列不能填写清空标记")
        for col in columns
        if col.required and col.code in cleared
        for r in stripped.filter(pl.col(f"__clear_{col.code}")).get_column("__row")
    ]
    # [history] END
    staged = stripped.with_columns([e for c in columns for e in _stage_text(c)])
    staged = staged.with_columns([e for c in columns for e in _stage_parts(c)])
    exprs: list[pl.Expr] = [pl.col("__row")]
    reasons: list[pl.Expr] = []
    for col in columns:
        raw = pl.col(col.code)
        text = pl.col(f"__t_{col.code}")
        if col.kind in {"int", "decimal"}:
            value, reason = _parse_number(col)
            if col.kind == "int":
                reason = pl.coalesce(
                    reason, pl.when(value != value.floor()).then(pl.lit("应为整数"))
                )
                value = pl.when(value == value.floor()).then(value).cast(pl.Int64, strict=False)
            if not col.allow_negative:
                reason = pl.coalesce(reason, pl.when(value < 0).then(pl.lit("不能为负数")))
            typed = value
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
        if col.required:
            reason = (
                pl.when(raw.is_null())
                .then(pl.lit("必填项为空"))
                .otherwise(pl.when(raw.is_not_null()).then(reason))
            )
        else:
            reason = pl.when(raw.is_not_null()).then(reason)
        exprs.append(typed.alias(col.code))
        reasons.append(reason.alias(f"__err_{col.code}"))
    # typed values first, then reasons that read them back as plain columns
    typed_df = staged.select(
        exprs
        + [pl.col(c).alias(f"__raw_{c}") for c in codes]
        + [r for r in reasons]
        + [pl.col(f"__clear_{c}") for c in sorted(cleared)]  # [history]
    )
    for col in columns:
        if col.kind == "uscc":
            typed_df = _check_uscc(typed_df, col.code)
    errors = collect_errors(typed_df, columns)
    if marker_errors:  # [history] a required cell holding the marker is reported once, as such
        marked = {(e.row, e.column) for e in marker_errors}
        errors = [e for e in errors if (e.row, e.column) not in marked] + marker_errors
        errors.sort(key=lambda e: e.row)
    data = typed_df.select(["__row"] + codes + [f"__clear_{c}" for c in sorted(cleared)])
    return ParsedTable(data=data, errors=errors, cleared=cleared)


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
            out.append(CellError(int(row), col.template_header, raw or "", reason))
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


def write_sheets(
    sheets: Sequence[tuple[str, Sequence[Column], pl.DataFrame | None]], notes: Sequence[str] = ()
) -> bytes:
    """Write one or more sheets with Chinese headers (and a 填写说明 sheet when notes are given)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "default_date_format": "yyyy-mm-dd", "strings_to_numbers": False},
    )
    head = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
    required_head = book.add_format(
        {"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True}
    )
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, columns, data in sheets:
        ws = book.add_worksheet(name[:31])
        for j, col in enumerate(columns):
            ws.write(0, j, col.template_header, required_head if col.required else head)
            ws.set_column(j, j, max(12, min(40, len(col.template_header) * 2 + 2)))
            if col.note:
                ws.write_comment(0, j, col.note)
        ws.freeze_panes(1, 0)
        if data is None:
            continue
        present = [(j, col) for j, col in enumerate(columns) if col.code in data.columns]
        frame = data.select([col.code for _, col in present])
        for i, values in enumerate(frame.iter_rows(), start=1):
            for (j, col), value in zip(present, values, strict=True):
                if value is None:
                    continue
                if col.kind == "bool":
                    ws.write_string(i, j, "是" if value else "否")
                elif col.kind == "date":
                    ws.write_datetime(i, j, _as_datetime(value), date_fmt)
                elif col.kind in {"int", "decimal", "year"}:
                    ws.write_number(i, j, value)
                else:
                    ws.write_string(i, j, str(value))
    if notes:
        ws = book.add_worksheet("填写说明")
        ws.set_column(0, 0, 110)
        for i, line in enumerate(notes):
            ws.write_string(i, 0, line)
    book.close()
    return buffer.getvalue()


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
