"""Outlier treatment: COINr's default two-stage rule (bluefoxr/COINr R/treat.R, `Treat.numeric`).

1. Test the column: it fails only when |skew| ≥ skew_threshold AND kurtosis ≥ kurt_threshold.
2. If it fails, winsorise: on the side given by the sign of the current skew, set every point
   equal to the extreme to the next value in; re-test; repeat while failing and fewer than
   `winmax` points have been changed (tied extremes move together, so the count can pass
   `winmax` by the size of the last tie).
3. If it still fails, apply the fallback transform (default `log_ct`) to the ORIGINAL column
   (or to the winsorised one when `combine` is set) and re-test, keeping the result either way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from .errors import SpecError
from .stats import check_skew_kurt, skew_kurt_from_sums

TRANSFORMS = ("log_ct", "log_ct_orig", "log_gii", "boxcox", "none")

DEFAULTS: dict[str, Any] = {
    "winmax": 5,
    "skew_threshold": 2.0,
    "kurt_threshold": 3.5,
    "fallback": "log_ct",
    "boxcox_lambda": 0.5,
    "combine": False,
    "force_winsorise": False,
}


# columns at least this long keep running power sums (a step costs O(moved points), not a
# full pass) and search for extremes among their tails only
LONG = 4096


def winsorise(
    x: np.ndarray,
    winmax: int | None = 5,
    skew_threshold: float = 2.0,
    kurt_threshold: float = 3.5,
    force: bool = False,
) -> tuple[np.ndarray, list[tuple[int, float, float, str]], bool | None, float, float]:
    """Winsorise one point (or tie) at a time; returns (x, changes, passed, skew, kurt).

    `changes` lists (position, original value, new value, "high"|"low") for every moved point.
    """
    col = _Column(x)
    changes, passed, s, k = col.winsorise(winmax, skew_threshold, kurt_threshold, force)
    return col.with_changes(changes), changes, passed, s, k


class _Column:
    """One column: its non-missing values, and their central power sums computed once."""

    def __init__(self, x: np.ndarray | pl.Series):
        self._sums: _RunningSums | None = None
        if isinstance(x, pl.Series):
            # Polars splits a column into its values and their positions in two quick passes,
            # where NumPy needs a NaN-filled copy and four passes; the copy is made only if used
            s = x.cast(pl.Float64).fill_nan(None)
            self._series, self._x, self.size = s, None, s.len()
            self.v = s.drop_nulls().to_numpy()
            self.where = s.is_not_null().arg_true().to_numpy() if s.null_count() else None
            return
        self._series, self._x = None, np.asarray(x, dtype=np.float64)
        self.size = self._x.size
        nan = np.isnan(self._x)
        self.where = np.flatnonzero(~nan) if nan.any() else None
        self.v = self._x if self.where is None else self._x[self.where]

    @property
    def x(self) -> np.ndarray:
        """The column as float64, missing values as NaN."""
        if self._x is None:
            self._x = np.asarray(self._series.to_numpy(), dtype=np.float64)
        return self._x

    def sums(self) -> _RunningSums:
        """Power sums of the values about their mean (shared by the test and the winsoriser)."""
        if self._sums is None:
            self._sums = _RunningSums(self.v)
        return self._sums

    def check(
        self, skew_threshold: float, kurt_threshold: float
    ) -> tuple[bool | None, float, float]:
        """COINr's test, as `check_skew_kurt` (the same sums, so the same numbers)."""
        if self.v.size < 3:
            return None, float("nan"), float("nan")
        _, s2, s3, s4 = self.sums().start
        return _decide(
            *skew_kurt_from_sums(self.v.size, s2, s3, s4), skew_threshold, kurt_threshold
        )

    def winsorise(
        self, winmax: int | None, skew_threshold: float, kurt_threshold: float, force: bool
    ) -> tuple[list[tuple[int, float, float, str]], bool | None, float, float]:
        """Changes (position in x, from, to, side) and the final (passed, skew, kurt)."""
        v = self.v
        if v.size >= LONG:
            sums = self.sums().copy()
            state = _decide(*sums.skew_kurt(), skew_threshold, kurt_threshold)
        else:
            sums = None
            state = check_skew_kurt(v, skew_threshold, kurt_threshold)
        if state[0] is None:
            return [], *state
        moved = None
        if sums is not None and winmax is not None:
            moved = _winsorise_tails(v, sums, state, winmax, skew_threshold, kurt_threshold, force)
            if moved is None:  # the tails were exhausted: start again on the whole column
                sums = self.sums().copy()
        if moved is None:
            moved = _winsorise_all(v, sums, state, winmax, skew_threshold, kurt_threshold, force)
        points, state = moved
        to_x = (lambda i: i) if self.where is None else (lambda i: int(self.where[i]))
        return [(to_x(i), old, new, side) for i, (old, new, side) in sorted(points.items())], *state

    def with_changes(self, changes: list[tuple[int, float, float, str]]) -> np.ndarray:
        """A copy of the column with the winsorised points moved."""
        out = self.x.copy()
        if changes:
            out[[c[0] for c in changes]] = [c[2] for c in changes]
        return out


_Moves = tuple[dict[int, tuple[float, float, str]], tuple[bool | None, float, float]]


def _winsorise_all(
    v: np.ndarray,
    sums: _RunningSums | None,
    state: tuple[bool | None, float, float],
    winmax: int | None,
    skew_threshold: float,
    kurt_threshold: float,
    force: bool,
) -> _Moves:
    """The reference loop over the whole column (short columns, or no `winmax`)."""
    v = v.copy()
    passed, s, k = state
    original: dict[int, float] = {}
    side_of: dict[int, str] = {}
    while (not passed or force) and (winmax is None or len(original) < winmax):
        high = s >= 0 or np.isnan(s)
        ext = v.max() if high else v.min()
        at = np.flatnonzero(v == ext)
        if at.size == v.size:
            break
        if high:
            new = float(np.max(v, where=v < ext, initial=-np.inf))
        else:
            new = float(np.min(v, where=v > ext, initial=np.inf))
        for i in at:
            original.setdefault(int(i), float(v[i]))
            side_of[int(i)] = "high" if high else "low"
        if sums is not None:
            sums.move(v[at], new)
            v[at] = new
            passed, s, k = _decide(*sums.skew_kurt(), skew_threshold, kurt_threshold)
        else:
            v[at] = new
            passed, s, k = check_skew_kurt(v, skew_threshold, kurt_threshold)
        if passed is None:
            break
    return {i: (original[i], float(v[i]), side_of[i]) for i in original}, (passed, s, k)


def _winsorise_tails(
    v: np.ndarray,
    sums: _RunningSums,
    state: tuple[bool | None, float, float],
    winmax: int,
    skew_threshold: float,
    kurt_threshold: float,
    force: bool,
) -> _Moves | None:
    """The same loop on the highest and lowest values only (at least winmax + 1 each, ties included).

    At most winmax points move, so every extreme and every next value in lies among those
    tails or is the nearest value of the untouched middle; each step then costs O(tails)
    instead of three passes over the column. Returns None when the tails would not do
    (they overlap, or the loop reaches the middle), and the caller runs the whole loop."""
    n, m = v.size, winmax + 1
    if 2 * m >= n:
        return None
    # thresholds from a regular sample: its m-th highest value has at least m values of the
    # column at or above it, which is all the loop needs (a full partition costs more)
    sample = v[:: max(1, n // (1024 * m))]
    if sample.size <= 2 * m:
        return None
    lo_t, hi_t = np.partition(sample, (m - 1, sample.size - m))[[m - 1, sample.size - m]]
    if not lo_t < hi_t:
        return None
    tail = np.flatnonzero((v <= lo_t) | (v >= hi_t))
    if tail.size == n:
        return None
    # the middle never moves, so its extremes bound every next value in
    mid_hi = float(np.max(v, where=v < hi_t, initial=-np.inf))
    mid_lo = float(np.min(v, where=v > lo_t, initial=np.inf))
    w = v[tail]
    passed, s, k = state
    original: dict[int, float] = {}
    side_of: dict[int, str] = {}
    while (not passed or force) and len(original) < winmax:
        high = s >= 0 or np.isnan(s)
        ext = w.max() if high else w.min()
        if (mid_hi >= ext) if high else (mid_lo <= ext):
            return None
        at = np.flatnonzero(w == ext)
        if high:
            new = max(float(np.max(w, where=w < ext, initial=-np.inf)), mid_hi)
        else:
            new = min(float(np.min(w, where=w > ext, initial=np.inf)), mid_lo)
        for i in at:
            original.setdefault(int(tail[i]), float(w[i]))
            side_of[int(tail[i])] = "high" if high else "low"
        sums.move(w[at], new)
        w[at] = new
        passed, s, k = _decide(*sums.skew_kurt(), skew_threshold, kurt_threshold)
        if passed is None:
            break
    final = dict(zip(tail.tolist(), w.tolist(), strict=False))
    return {i: (original[i], final[i], side_of[i]) for i in original}, (passed, s, k)


def _decide(
    s: float, k: float, skew_threshold: float, kurt_threshold: float
) -> tuple[bool | None, float, float]:
    if np.isnan(s) or np.isnan(k):
        return None, s, k
    return bool(abs(s) < skew_threshold or k < kurt_threshold), s, k


class _RunningSums:
    """Power sums of (x − c), c the starting mean, updated as points move."""

    def __init__(self, v: np.ndarray | None):
        if v is None:
            return
        self.n = v.size
        self.c = float(v.mean())
        y = v - self.c
        y2 = y * y
        # the same operations as stats.skew_kurt, so the first test gives identical numbers
        self.start = (float(y.sum()), float(y2.sum()), float(np.dot(y2, y)), float(np.dot(y2, y2)))
        self.sums = list(self.start)

    def copy(self) -> _RunningSums:
        """A copy with the starting sums, to run a loop on."""
        out = _RunningSums(None)
        out.n, out.c, out.start, out.sums = self.n, self.c, self.start, list(self.start)
        return out

    def move(self, old_values: np.ndarray, new: float) -> None:
        """Account for points moving from `old_values` to `new`."""
        old = old_values - self.c
        nw = new - self.c
        for p in range(4):
            self.sums[p] += float(old.size * nw ** (p + 1) - np.sum(old ** (p + 1)))

    def skew_kurt(self) -> tuple[float, float]:
        """Skewness and kurtosis from the sums (central sums by the binomial shift)."""
        n = self.n
        s1, s2, s3, s4 = self.sums
        m = s1 / n
        c2 = s2 - n * m * m
        c3 = s3 - 3 * m * s2 + 2 * n * m**3
        c4 = s4 - 4 * m * s3 + 6 * m * m * s2 - 3 * n * m**4
        return skew_kurt_from_sums(n, c2, c3, c4)


def transform(x: np.ndarray, method: str, boxcox_lambda: float = 0.5) -> np.ndarray:
    """Apply a fallback transform (COINr log_CT, log_CT_orig, log_GII, boxcox) to a column."""
    x = np.asarray(x, dtype=np.float64)
    if method == "none" or np.all(np.isnan(x)):
        return x.copy()
    return _transform(x, method, boxcox_lambda, np.nanmin(x), np.nanmax(x))


def _transform(
    x: np.ndarray, method: str, boxcox_lambda: float, mn: float, mx: float
) -> np.ndarray:
    # the formulas, given the column's minimum and maximum (a column without missing values
    # gets them from the plain min/max, which is a fraction of the cost of nanmin/nanmax)
    if method == "none":
        return x.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("log_ct", "log_ct_orig"):
            # log(x − min + c), in place on one new array (the same numbers, no temporaries)
            y = np.subtract(x, mn)
            y += 0.01 * (mx - mn) if method == "log_ct" else 1.0
            return np.log(y, out=y)
        if method == "log_gii":
            # COINr warns this reverses the order when max < 1; kept for GII compatibility
            return np.log((mx - 1.0) * (x - mn) / (mx - mn) + 1.0)
        if method == "boxcox":
            y = x - mn + 1.0
            if boxcox_lambda == 0:
                return np.log(y)
            return (y**boxcox_lambda - 1.0) / boxcox_lambda
    raise SpecError(f"未知的变换方法 '{method}'，可选：{', '.join(TRANSFORMS)}")


def treat_vector(
    x: np.ndarray | pl.Series,
    params: dict[str, Any] | None = None,
    initial: tuple[bool | None, float, float] | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Run the two-stage treatment on one column; returns the new column and a log record.

    `initial` may carry the column's (passed, skew, kurt) when already computed."""
    p = {**DEFAULTS, **(params or {})}
    col = _Column(x)
    passed0, s0, k0 = initial or col.check(p["skew_threshold"], p["kurt_threshold"])
    rec: dict[str, Any] = {
        "skew_before": _f(s0),
        "kurt_before": _f(k0),
        "passed_before": passed0,
        "winsorised": 0,
        "points": [],
        "transform": None,
    }
    if passed0 is None:
        rec.update(status="not_assessable", passed=None, skew_after=_f(s0), kurt_after=_f(k0))
        return col.x.copy(), rec
    if passed0 and not p["force_winsorise"]:
        rec.update(status="passed", passed=True, skew_after=_f(s0), kurt_after=_f(k0))
        return col.x.copy(), rec
    changes, passed1, s1, k1 = col.winsorise(
        p["winmax"], p["skew_threshold"], p["kurt_threshold"], p["force_winsorise"]
    )
    rec.update(
        winsorised=len(changes),
        points=changes,
        skew_after_winsorise=_f(s1),
        kurt_after_winsorise=_f(k1),
        passed_after_winsorise=passed1,
    )
    if passed1 is not False or p["fallback"] == "none":
        rec.update(
            status="winsorised" if changes else "passed",
            passed=passed1,
            skew_after=_f(s1),
            kurt_after=_f(k1),
        )
        return col.with_changes(changes), rec
    # transform only the non-missing values, which are at hand without their NaNs (the same
    # numbers: missing values stay missing); the winsorised copy is built only when used
    if p["combine"] and changes:
        moved = col.with_changes(changes)
        v = moved if col.where is None else moved[col.where]
    else:
        v = col.v
    if v.size == 0:
        vt = v.copy()
    else:
        # v holds no NaN (at most ±inf), so its plain min/max equal nanmin/nanmax
        vt = _transform(v, p["fallback"], p["boxcox_lambda"], v.min(), v.max())
    if col.where is None:
        xt = vt
    else:
        xt = np.full(col.size, np.nan)
        xt[col.where] = vt
    passed2, s2, k2 = check_skew_kurt(vt, p["skew_threshold"], p["kurt_threshold"])
    if not p["combine"]:
        # the winsorised values were discarded, so only the attempt is kept in the log
        rec["winsorise_attempted"] = len(changes)
        rec["points"] = []
        rec["winsorised"] = 0
    rec.update(
        transform=p["fallback"],
        status="transformed",
        passed=passed2,
        skew_after=_f(s2),
        kurt_after=_f(k2),
    )
    return xt, rec


def _f(v: float) -> float | None:
    return None if v is None or np.isnan(v) else float(v)
