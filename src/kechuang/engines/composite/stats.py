"""Skewness and kurtosis as COINr defines them (bluefoxr/COINr R/treat.R `skew`, `kurt`).

Both are the sample-adjusted "type 2" statistics of e1071, which equal Excel's SKEW and
KURT and pandas' `Series.skew()` / `Series.kurt()`. Missing values (NaN) are ignored.
"""

from __future__ import annotations

import numpy as np


def _clean(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    nan = np.isnan(x)
    return x[~nan] if nan.any() else x


def skew_kurt_from_sums(n: int, s2: float, s3: float, s4: float) -> tuple[float, float]:
    """Type-2 skewness and kurtosis from n and the central sums Σd², Σd³, Σd⁴."""
    if n < 3 or s2 <= 0.0:
        return float("nan"), float("nan")
    g1 = np.sqrt(n) * s3 / s2**1.5
    sk = float(g1 * np.sqrt(n * (n - 1)) / (n - 2))
    if n < 4:
        return sk, float("nan")
    r = n * s4 / s2**2
    return sk, float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """Skewness and kurtosis in one pass over the data (NaN ignored)."""
    x = _clean(x)
    if x.size < 3:
        return float("nan"), float("nan")
    d = x - x.mean()
    d2 = d * d
    return skew_kurt_from_sums(x.size, float(d2.sum()), float(np.dot(d2, d)), float(np.dot(d2, d2)))


def skew(x: np.ndarray) -> float:
    """Type-2 skewness √n·Σd³/(Σd²)^1.5 · √(n(n−1))/(n−2); NaN if n < 3 or x is constant."""
    x = _clean(x)
    n = x.size
    if n < 3:
        return float("nan")
    d = x - x.mean()
    s2 = float(np.dot(d, d))
    if s2 == 0.0:
        return float("nan")
    s3 = float(np.dot(d * d, d))
    g1 = np.sqrt(n) * s3 / s2**1.5
    return float(g1 * np.sqrt(n * (n - 1)) / (n - 2))


def kurt(x: np.ndarray) -> float:
    """Type-2 excess kurtosis ((n+1)(r−3)+6)(n−1)/((n−2)(n−3)), r = nΣd⁴/(Σd²)²; NaN if n < 4."""
    x = _clean(x)
    n = x.size
    if n < 4:
        return float("nan")
    d = x - x.mean()
    d2 = d * d
    s2 = float(d2.sum())
    if s2 == 0.0:
        return float("nan")
    r = n * float(np.dot(d2, d2)) / s2**2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def check_skew_kurt(
    x: np.ndarray, skew_threshold: float = 2.0, kurt_threshold: float = 3.5
) -> tuple[bool | None, float, float]:
    """COINr's outlier test: pass if |skew| < threshold OR kurtosis < threshold.

    Returns (passed, skew, kurt); passed is None when the statistics are undefined
    (fewer than 4 values or a constant column), and then the column is left alone.
    """
    s, k = skew_kurt(x)
    if np.isnan(s) or np.isnan(k):
        return None, s, k
    return bool(abs(s) < skew_threshold or k < kurt_threshold), s, k
