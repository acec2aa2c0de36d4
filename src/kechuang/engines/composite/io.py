"""Reading and writing tables (CSV, XLSX, Parquet) and hashing inputs for reproducible runs."""

from __future__ import annotations

import hashlib
import json
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
            return pl.read_csv(path, infer_schema_length=None, null_values=["", "NA", "NaN", "#N/A"])
        if suffix in (".xlsx", ".xls"):
            return pl.read_excel(path)
        if suffix == ".parquet":
            return pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DataError(f"无法读取数据文件 {path.name}：{exc}") from exc
    raise DataError(f"不支持的数据文件类型 '{suffix}'，可用：{', '.join(SUFFIXES)}")


def write_table(df: pl.DataFrame, path: str | Path, sheets: dict[str, pl.DataFrame] | None = None) -> Path:
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


def _column_buffers(s: pl.Series) -> list[Any]:
    if s.dtype.is_float() or s.dtype.is_decimal():
        return [np.ascontiguousarray(s.cast(pl.Float64).fill_nan(None).to_numpy())]
    if s.dtype.is_integer() or s.dtype == pl.Boolean:
        values = s.cast(pl.UInt8) if s.dtype == pl.Boolean else s
        out = [np.ascontiguousarray(values.fill_null(0).to_numpy())]
        if s.null_count():
            out.append(np.packbits(s.is_null().to_numpy()))
        return out
    text = s.cast(pl.String)
    lengths = text.str.len_bytes().cast(pl.Int64).fill_null(-1).to_numpy()
    return [lengths, (text.str.join("").item() or "").encode()]


def hash_json(obj: Any) -> str:
    """SHA-256 of canonical JSON (sorted keys), used for specifications."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()


def canonical_json(obj: Any) -> str:
    """Deterministic JSON text of plain data."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default)


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
