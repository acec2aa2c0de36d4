"""Ranks for the results table: descending, ties take the minimum rank, within groups.

The same numbers as Polars `rank("min", descending=True).over(keys)`, but one sort of each
score serves both the overall and the within-group ranks. That sort is NumPy's SIMD sort of
packed integer keys (value bits and row position in one uint64), several times faster than
an argsort.
"""

from __future__ import annotations

import numpy as np
import polars as pl

_SIGN = np.uint64(1 << 63)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


def order_desc(x: np.ndarray, with_values: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Positions of the non-missing values of x from the largest down, ties in input order
    (with `with_values`, also x at those positions, which `rank_min_desc` can reuse)."""
    x = np.asarray(x, dtype=np.float64)
    valid = np.flatnonzero(~np.isnan(x))
    if valid.size < 2:
        return (valid, x[valid]) if with_values else valid
    # unsigned keys that sort like −x (adding +0.0 turns −0.0 into 0.0, which compare equal)
    u = (-x[valid] + 0.0).view(np.uint64)
    key = u ^ np.where(u >= _SIGN, _ALL, _SIGN)
    bits = np.uint64(int(x.size - 1).bit_length())
    low = (np.uint64(1) << bits) - np.uint64(1)
    # the low bits of each key make room for the row position, so one value sort gives the order
    packed = (key & ~low) | valid.astype(np.uint64)
    packed.sort()
    pos = (packed & low).astype(np.int64)
    # values that differ only in the dropped low bits (within ~1e-10 relative) may come out
    # in position order: sort those runs of equal high bits again by value, then position
    v = x[pos]
    bad = np.flatnonzero(v[1:] > v[:-1])
    if bad.size:
        high = packed & ~low  # sorted, so each run is one slice
        runs = np.unique(high[bad])
        edges = np.zeros(pos.size + 1, dtype=np.int64)
        np.add.at(edges, np.searchsorted(high, runs, "left"), 1)
        np.add.at(edges, np.searchsorted(high, runs, "right"), -1)
        sel = np.flatnonzero(np.cumsum(edges[:-1]) > 0)
        # sorting the selected slots by (run, value, position) keeps every run in its slice
        pos[sel] = pos[sel][np.lexsort((pos[sel], -x[pos[sel]], high[sel]))]
        v[sel] = x[pos[sel]]
    return (pos, v) if with_values else pos


def group_codes(df: pl.DataFrame, keys: list[str]) -> np.ndarray:
    """Integer codes of the distinct combinations of the key columns (missing is a key).

    Equal combinations get equal codes and different ones different codes, 0 ≤ code < rows."""
    if len(keys) == 1 and df.schema[keys[0]].is_integer() and df.height:
        # one integer key without missing values and a narrow span (cohort numbers, years):
        # the value minus the minimum is a code, with no grouping at all
        s = df.get_column(keys[0])
        if s.null_count() == 0:
            lo, hi = s.min(), s.max()
            if -(2**62) < lo and hi < 2**62 and hi - lo < min(df.height, 2**15):
                return (s.to_numpy().astype(np.int64) - lo).astype(np.int16)
    groups = df.select(keys).with_row_index("__row").group_by(keys).agg("__row")
    rows = groups.get_column("__row")
    codes = np.empty(df.height, dtype=np.int64)
    codes[rows.explode().to_numpy()] = np.repeat(np.arange(groups.height), rows.list.len().to_numpy())
    return codes


def rank_min_desc(x: np.ndarray, order: np.ndarray, codes: np.ndarray | None = None,
                  values: np.ndarray | None = None) -> np.ndarray:
    """Rank (1 = largest, ties take the minimum) within each code; 0 where x is missing.

    `order` is `order_desc(x)`; `codes` are group codes from `group_codes` (None: one group);
    `values` may give x[order], to save gathering it again.
    """
    out = np.zeros(len(x), dtype=np.uint32)
    if order.size == 0:
        return out
    if codes is not None:
        # a stable sort by group keeps each group's rows in descending order of x
        c = codes[order]
        c = c.astype(np.int16) if c.max(initial=0) < 2**15 else c  # int16 sorts by radix
        by_group = np.argsort(c, kind="stable")
        order = order[by_group]
        c = c[by_group]
        values = None if values is None else values[by_group]
    v = np.asarray(x, dtype=np.float64)[order] if values is None else values
    i = np.arange(order.size)
    new_value = np.empty(order.size, dtype=bool)
    new_value[0] = True
    np.not_equal(v[1:], v[:-1], out=new_value[1:])
    if codes is None:
        group_start = 0
    else:
        new_group = np.empty(order.size, dtype=bool)
        new_group[0] = True
        np.not_equal(c[1:], c[:-1], out=new_group[1:])
        new_value |= new_group
        group_start = np.maximum.accumulate(np.where(new_group, i, 0))
    tie_start = np.maximum.accumulate(np.where(new_value, i, 0))
    out[order] = tie_start - group_start + 1
    return out
