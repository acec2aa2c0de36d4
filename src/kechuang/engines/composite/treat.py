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


def winsorise(x: np.ndarray, winmax: int | None = 5, skew_threshold: float = 2.0,
              kurt_threshold: float = 3.5, force: bool = False
              ) -> tuple[np.ndarray, list[tuple[int, float, float, str]], bool | None, float, float]:
    """Winsorise one point (or tie) at a time; returns (x, changes, passed, skew, kurt).

    `changes` lists (position, original value, new value, "high"|"low") for every moved point.
    """
    x = np.array(x, dtype=np.float64, copy=True)
    where = np.flatnonzero(~np.isnan(x))
    v = x[where]
    # long columns keep running power sums so a step costs O(moved points), not a full pass
    sums = _RunningSums(v) if v.size >= 4096 else None
    if sums is not None:
        passed, s, k = _decide(*sums.skew_kurt(), skew_threshold, kurt_threshold)
    else:
        passed, s, k = check_skew_kurt(v, skew_threshold, kurt_threshold)
    if passed is None:
        return x, [], None, s, k
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
            sums.move(at, new)
            passed, s, k = _decide(*sums.skew_kurt(), skew_threshold, kurt_threshold)
        else:
            v[at] = new
            passed, s, k = check_skew_kurt(v, skew_threshold, kurt_threshold)
        if passed is None:
            break
    x[where] = v
    changes = [(int(where[i]), original[i], float(v[i]), side_of[i]) for i in sorted(original)]
    return x, changes, passed, s, k


def _decide(s: float, k: float, skew_threshold: float, kurt_threshold: float
            ) -> tuple[bool | None, float, float]:
    if np.isnan(s) or np.isnan(k):
        return None, s, k
    return bool(abs(s) < skew_threshold or k < kurt_threshold), s, k


class _RunningSums:
    """Power sums of (x − c), c the starting mean, updated as points move."""

    def __init__(self, v: np.ndarray):
        self.v = v
        self.n = v.size
        self.c = float(v.mean())
        y = v - self.c
        y2 = y * y
        self.sums = [float(y.sum()), float(y2.sum()), float(np.dot(y2, y)), float(np.dot(y2, y2))]

    def move(self, at: np.ndarray, new: float) -> None:
        """Set points to a new value and update the sums."""
        old = self.v[at] - self.c
        nw = new - self.c
        for p in range(4):
            self.sums[p] += float(at.size * nw ** (p + 1) - np.sum(old ** (p + 1)))
        self.v[at] = new

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
    mn, mx = np.nanmin(x), np.nanmax(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "log_ct":
            return np.log(x - mn + 0.01 * (mx - mn))
        if method == "log_ct_orig":
            return np.log(x - mn + 1.0)
        if method == "log_gii":
            # COINr warns this reverses the order when max < 1; kept for GII compatibility
            return np.log((mx - 1.0) * (x - mn) / (mx - mn) + 1.0)
        if method == "boxcox":
            y = x - mn + 1.0
            if boxcox_lambda == 0:
                return np.log(y)
            return (y**boxcox_lambda - 1.0) / boxcox_lambda
    raise SpecError(f"未知的变换方法 '{method}'，可选：{', '.join(TRANSFORMS)}")


def treat_vector(x: np.ndarray, params: dict[str, Any] | None = None,
                 initial: tuple[bool | None, float, float] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """Run the two-stage treatment on one column; returns the new column and a log record.

    `initial` may carry the column's (passed, skew, kurt) when already computed."""
    p = {**DEFAULTS, **(params or {})}
    passed0, s0, k0 = initial or check_skew_kurt(x, p["skew_threshold"], p["kurt_threshold"])
    rec: dict[str, Any] = {
        "skew_before": _f(s0), "kurt_before": _f(k0), "passed_before": passed0,
        "winsorised": 0, "points": [], "transform": None,
    }
    if passed0 is None:
        rec.update(status="not_assessable", passed=None, skew_after=_f(s0), kurt_after=_f(k0))
        return np.asarray(x, dtype=np.float64).copy(), rec
    if passed0 and not p["force_winsorise"]:
        rec.update(status="passed", passed=True, skew_after=_f(s0), kurt_after=_f(k0))
        return np.asarray(x, dtype=np.float64).copy(), rec
    xw, changes, passed1, s1, k1 = winsorise(
        x, p["winmax"], p["skew_threshold"], p["kurt_threshold"], p["force_winsorise"]
    )
    rec.update(
        winsorised=len(changes), points=changes,
        skew_after_winsorise=_f(s1), kurt_after_winsorise=_f(k1), passed_after_winsorise=passed1,
    )
    if passed1 is not False or p["fallback"] == "none":
        rec.update(status="winsorised" if changes else "passed", passed=passed1,
                   skew_after=_f(s1), kurt_after=_f(k1))
        return xw, rec
    base = xw if p["combine"] else np.asarray(x, dtype=np.float64)
    xt = transform(base, p["fallback"], p["boxcox_lambda"])
    passed2, s2, k2 = check_skew_kurt(xt, p["skew_threshold"], p["kurt_threshold"])
    if not p["combine"]:
        # the winsorised values were discarded, so only the attempt is kept in the log
        rec["winsorise_attempted"] = len(changes)
        rec["points"] = []
        rec["winsorised"] = 0
    rec.update(transform=p["fallback"], status="transformed", passed=passed2,
               skew_after=_f(s2), kurt_after=_f(k2))
    return xt, rec


def _f(v: float) -> float | None:
    return None if v is None or np.isnan(v) else float(v)
