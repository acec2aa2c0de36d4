"""Reading and writing tables (CSV, XLSX, Parquet) and hashing inputs for reproducible runs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .errors import DataError

SUFFIXES = (".csv", ".xlsx", ".xls", ".parquet")


def read_table(path: str | Path) -> pl.DataFrame:
    """Read a CSV, XLSX or Parquet file into a DataFrame (first sheet for Excel)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"数据文件不存在：{path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pl.read_csv(
                path, infer_schema_length=None, null_values=["", "NA", "NaN", "#N/A"]
            )
        if suffix in (".xlsx", ".xls"):
            return pl.read_excel(path)
        if suffix == ".parquet":
            return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DataError(f"无法读取数据文件 {path.name}：{exc}") from exc
    raise DataError(f"不支持的数据文件类型 '{suffix}'，可用：{', '.join(SUFFIXES)}")


def write_table(
    df: pl.DataFrame, path: str | Path, sheets: dict[str, pl.DataFrame] | None = None
) -> Path:
    """Write a DataFrame as CSV, XLSX (with optional extra sheets) or Parquet, chosen by suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        df.write_csv(path)
    elif suffix == ".parquet":
        df.write_parquet(path)
    elif suffix == ".xlsx":
        import xlsxwriter

        with xlsxwriter.Workbook(path) as wb:
            df.write_excel(wb, worksheet="results")
            for name, extra in (sheets or {}).items():
                extra.write_excel(wb, worksheet=name[:31])
    else:
        raise DataError(f"不支持的输出文件类型 '{suffix}'，可用：.csv, .xlsx, .parquet")
    return path


def hash_frame(df: pl.DataFrame) -> str:
    """SHA-256 over column names, types and values, stable across runs and processes.

    Each column's raw buffer is hashed, not a serialised copy: floats as float64 with every
    missing value (null or NaN, which mean the same to the engine) as one NaN, integers and
    booleans with their null mask, anything else as UTF-8 text with its lengths."""
    h = hashlib.sha256()
    h.update(f"{df.height}x{df.width}".encode())
    for name in df.columns:
        s = df.get_column(name)
        h.update(b"\x1e" + name.encode() + b"\x1f" + str(s.dtype).encode() + b"\x1f")
        for part in _column_buffers(s):
            h.update(part)
    return h.hexdigest()


# rows hashed at a time: a slice's copy stays in cache and its buffer is reused, instead of
# a fresh copy of the whole column (page faults, memory traffic) that competes with the run
_HASH_ROWS = 1 << 16  # a multiple of 8, so the packed null masks of the slices join up


def _column_buffers(s: pl.Series) -> Iterator[Any]:
    # the same byte stream as hashing the whole column's buffers one after another, slice by slice
    def slices(t: pl.Series) -> Iterator[pl.Series]:
        return (t.slice(o, _HASH_ROWS) for o in range(0, max(t.len(), 1), _HASH_ROWS))

    if s.dtype.is_float() or s.dtype.is_decimal():
        f = s.cast(pl.Float64)
        # every missing value (null or any NaN) as the NaN a null becomes in to_numpy; NaN
        # values (rare: the pipeline reads them as missing) are looked for once per column
        has_nan = bool(f.is_nan().any())
        for part in slices(f):
            x = part.to_numpy()
            yield np.where(np.isnan(x), np.nan, x) if has_nan else np.ascontiguousarray(x)
        return
    if s.dtype.is_integer() or s.dtype == pl.Boolean:
        values = s.cast(pl.UInt8) if s.dtype == pl.Boolean else s
        for part in slices(values):
            yield np.ascontiguousarray(part.fill_null(0).to_numpy())
        if s.null_count():
            for part in slices(s):
                yield np.packbits(part.is_null().to_numpy())
        return
    text = s.cast(pl.String)
    for part in slices(text):
        yield part.str.len_bytes().cast(pl.Int64).fill_null(-1).to_numpy()
    for part in slices(text):
        yield (part.str.join("").item() or "").encode()


def hash_json(obj: Any) -> str:
    """SHA-256 of canonical JSON (sorted keys), used for specifications."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()


def canonical_json(obj: Any) -> str:
    """Deterministic JSON text of plain data."""
    return json.dumps(
        obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default
    )


def _default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (set, tuple)):
        return list(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON-serialisable: {type(o)}")
