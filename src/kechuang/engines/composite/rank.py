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


def order_desc(
    x: np.ndarray, with_values: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Positions of the non-missing values of x from the largest down, ties in input order
    (with `with_values`, also x at those positions, which `rank_min_desc` can reuse)."""
    x = np.asarray(x, dtype=np.float64)
    nan = np.isnan(x)
    valid = np.flatnonzero(~nan) if nan.any() else None
    if (x.size if valid is None else valid.size) < 2:
        valid = np.arange(x.size) if valid is None else valid
        return (valid, x[valid]) if with_values else valid
    # unsigned keys that sort like −x (adding +0.0 turns −0.0 into 0.0, which compare equal):
    # negative floats get every bit flipped, the others only the sign bit. Done in place on
    # one buffer, as each fresh 8 MB temporary costs about as much as the operation itself
    key = np.negative(x if valid is None else x[valid])
    key += 0.0
    packed = key.view(np.uint64)
    flip = packed >> np.uint64(63)
    np.negative(flip, out=flip)
    flip |= _SIGN
    packed ^= flip
    bits = np.uint64(int(x.size - 1).bit_length())
    low = (np.uint64(1) << bits) - np.uint64(1)
    # the low bits of each key make room for the row position, so one value sort gives the order
    packed &= ~low
    packed |= np.arange(x.size, dtype=np.uint64) if valid is None else valid.astype(np.uint64)
    packed.sort()
    pos = np.bitwise_and(packed, low, out=flip).view(np.int64)
    # values that differ only in the dropped low bits (within ~1e-10 relative) may come out
    # in position order: sort those runs of equal high bits again by value, then position
    v = x[pos]
    bad = np.flatnonzero(v[1:] > v[:-1])
    if bad.size:
        # such runs are few and short (a million scores have a few dozen): each run is one
        # slice of the sorted keys, found by binary search rather than passes over them all
        runs = np.unique(packed[bad] & ~low)
        start = np.searchsorted(packed, runs, "left")
        length = np.searchsorted(packed, runs | low, "right") - start
        sel = np.repeat(start - (np.cumsum(length) - length), length) + np.arange(length.sum())
        # sorting the selected slots by (run, value, position) keeps every run in its slice
        pos[sel] = pos[sel][np.lexsort((pos[sel], -x[pos[sel]], packed[sel] & ~low))]
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
            if lo > -(2**62) and hi < 2**62 and hi - lo < min(df.height, 2**15):
                return (s.to_numpy().astype(np.int64) - lo).astype(np.int16)
    groups = df.select(keys).with_row_index("__row").group_by(keys).agg("__row")
    rows = groups.get_column("__row")
    codes = np.empty(df.height, dtype=np.int64)
    codes[rows.explode().to_numpy()] = np.repeat(
        np.arange(groups.height), rows.list.len().to_numpy()
    )
    return codes


def rank_min_desc(
    x: np.ndarray,
    order: np.ndarray,
    codes: np.ndarray | None = None,
    values: np.ndarray | None = None,
) -> np.ndarray:
    """Rank (1 = largest, ties take the minimum) within each code; 0 where x is missing.

    `order` is `order_desc(x)`; `codes` are group codes from `group_codes` (None: one group);
    `values` may give x[order], to save gathering it again.
    """
    out = np.zeros(len(x), dtype=np.uint32)
    n = order.size
    if n == 0:
        return out
    v = np.asarray(x, dtype=np.float64)[order] if values is None else values
    new_value = np.empty(n, dtype=bool)
    new_value[0] = True
    np.not_equal(v[1:], v[:-1], out=new_value[1:])
    # equal values are neighbours in the descending order, so without ties there the groups
    # have none either, and their values need not be gathered and compared again
    ties = not new_value.all()
    if codes is not None:
        # a stable sort by group keeps each group's rows in descending order of x
        c = codes[order]
        c = c.astype(np.int16) if c.max(initial=0) < 2**15 else c  # int16 sorts by radix
        by_group = np.argsort(c, kind="stable")
        order = order[by_group]
        c = c[by_group]
        if ties:
            v = v[by_group]
            np.not_equal(v[1:], v[:-1], out=new_value[1:])
    # position 1, 2, ... in the sorted order, less the start of the row's group (the codes
    # are sorted, so the starts come from a binary search per code and a gather from that
    # small table, not from a pass to find the boundaries)
    rank = np.arange(1, n + 1, dtype=np.int64 if n >= 2**31 else np.int32)
    if codes is None:
        group_start = None
    else:
        starts = np.searchsorted(c, np.arange(int(c[-1]) + 1, dtype=c.dtype)).astype(rank.dtype)
        group_start = starts[c]
        new_value[starts] = True  # a group's first row starts a tie
    if ties:
        # ties take the position of their first row
        rank = np.maximum.accumulate(np.where(new_value, rank, 0))
    if group_start is not None:
        rank -= group_start
    out[order] = rank
    return out
