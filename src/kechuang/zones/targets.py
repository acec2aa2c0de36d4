"""The plan-target tracker: required versus actual growth, a projection with an interval, status.

Formulas: required CAGR = (target / base)^(1/(T − t0)) − 1; actual CAGR =
(R_t / base)^(1/(t − t0)) − 1 (COINr's CAGR). The projection treats log revenue as a random walk
with drift: the drift is the mean yearly log growth since the baseline, and the interval widens
with the horizon h and with the uncertainty of the drift: ± q·s·√(h + h²/n), q from Student's t.

Status, judged in a year `as_of` (default: the latest year with data): achieved once a reported
value reaches the target; missed when the target year has been reported below the target; pending
when the target year has passed but its figure is not reported yet (the projection to the target
year and its interval are shown, never a verdict); before the target year on_track / at_risk /
off_track against the required path and the projection band. The plan domain uses the same
function for every quantitative target.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

STATUS_LABELS = {
    "achieved": "已达成",
    "on_track": "按期可达",
    "at_risk": "存在风险",
    "off_track": "难以达成",
    "missed": "未达成",
    "pending": "待数据",
}
# a value within this relative tolerance of the required path counts as on it (float rounding)
ON_PATH_TOLERANCE = 1e-9


def cagr(first: float, last: float, years: float) -> float | None:
    """Compound annual growth rate; None when undefined (non-positive values or no years)."""
    if years <= 0 or first is None or last is None or first <= 0 or last <= 0:
        return None
    return (last / first) ** (1.0 / years) - 1.0


def project(
    obs: dict[int, float], until: int, confidence: float = 0.8
) -> dict[int, dict[str, float]]:
    """Central projection and interval from the latest observed year to `until` (module doc)."""
    years = sorted(obs)
    latest_year, latest = years[-1], obs[years[-1]]
    logs = np.log(np.array([obs[y] for y in years]))
    steps = np.diff(logs) / np.diff(np.array(years, dtype=float))
    n = steps.size
    drift = float(steps.mean()) if n else 0.0
    sd = float(steps.std(ddof=1)) if n >= 2 else 0.0
    q = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) if n >= 2 else 0.0
    out = {}
    for y in range(latest_year, max(until, latest_year) + 1):
        h = y - latest_year
        centre = math.log(latest) + drift * h
        half = q * sd * math.sqrt(h + h * h / n) if n else 0.0
        out[y] = {
            "central": math.exp(centre),
            "low": math.exp(centre - half),
            "high": math.exp(centre + half),
        }
    return out


def track(
    series: dict[int, float],
    baseline_year: int,
    target_year: int,
    target_value: float,
    baseline_value: float | None = None,
    confidence: float = 0.8,
    parts: dict[str, dict[int, float]] | None = None,
    as_of: int | None = None,
) -> dict[str, Any]:
    """Track one target on a yearly series: path, projection band and status (see module doc).

    With `parts` (the series of the zones that make up the total), the band is the wider of the
    total's own and the sum of the zones' bands (low with low, high with high): a total that grew
    smoothly while its zones did not is not more certain than its zones."""
    years = sorted(y for y, v in series.items() if v is not None and y >= baseline_year)
    if baseline_value is None:
        if baseline_year not in series or series[baseline_year] is None:
            raise ValueError(f"基期 {baseline_year} 年没有数据，且目标未给出基期值")
        baseline_value = float(series[baseline_year])
    if baseline_value <= 0:
        raise ValueError(f"基期值必须为正数，实际为 {baseline_value}")
    if not years:
        raise ValueError(f"{baseline_year} 年以来没有实际数据")
    obs = {y: float(series[y]) for y in years}
    obs[baseline_year] = baseline_value
    years = sorted(obs)
    latest_year = years[-1]
    latest = obs[latest_year]
    span = target_year - baseline_year
    required = cagr(baseline_value, target_value, span)
    path = {
        y: baseline_value * (1 + required) ** (y - baseline_year)
        for y in range(baseline_year, target_year + 1)
    }
    actual = cagr(baseline_value, latest, latest_year - baseline_year)
    remaining_years = target_year - latest_year
    remaining = cagr(latest, target_value, remaining_years) if remaining_years > 0 else None
    projection = project(obs, max(target_year, latest_year), confidence)
    if parts:
        sums = {y: [0.0, 0.0] for y in projection}
        for ps in parts.values():
            pobs = {
                y: v for y, v in ps.items() if v and v > 0 and baseline_year <= y <= latest_year
            }
            if latest_year not in pobs:
                continue
            for y, p in project(pobs, max(target_year, latest_year), confidence).items():
                sums[y][0] += p["low"]
                sums[y][1] += p["high"]
        for y, p in projection.items():
            lo, hi = sums[y]
            if hi > 0:
                p["low"], p["high"] = min(p["low"], lo), max(p["high"], hi)
    end = projection[max(target_year, latest_year)]
    if latest >= target_value:
        status = "achieved"
    elif latest_year >= target_year:
        status = "missed"  # the target year is reported and the target was not reached
    elif as_of is not None and as_of > target_year:
        status = "pending"  # the deadline has passed but its year's figure is not in yet
    elif latest >= path[latest_year] * (1 - ON_PATH_TOLERANCE):
        status = "on_track"
    elif end["high"] >= target_value * (1 - ON_PATH_TOLERANCE):
        status = "at_risk"
    else:
        status = "off_track"
    return {
        "baseline_year": baseline_year,
        "baseline_value": baseline_value,
        "target_year": target_year,
        "target_value": target_value,
        "latest_year": latest_year,
        "latest_value": latest,
        "actual": obs,
        "required_cagr": required,
        "actual_cagr": actual,
        "required_remaining_cagr": remaining,
        "required_path": path,
        "projection": projection,
        "confidence": confidence,
        "projected_value": end["central"],
        "projected_low": end["low"],
        "projected_high": end["high"],
        "gap": target_value - latest,
        "projected_gap": target_value - end["central"],
        "as_of": as_of if as_of is not None else latest_year,
        "status": status,
        "status_label": STATUS_LABELS[status],
    }


def zone_contributions(
    by_zone: dict[str, dict[int, float]], tracker: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each zone's part of the remaining gap: the increase it needs if every zone grows at the same
    rate to close the gap (pro rata to its latest value; the parts sum to the gap), its own
    projected increase and the shortfall between the two."""
    t, target_year = tracker["latest_year"], tracker["target_year"]
    total = sum(s.get(t) or 0.0 for s in by_zone.values())
    gap = tracker["target_value"] - total
    rows = []
    for name, series in by_zone.items():
        latest = series.get(t)
        if latest is None:
            continue
        need = gap * latest / total if total else None
        base_year = tracker["baseline_year"]
        obs = {y: v for y, v in series.items() if v and v > 0 and base_year <= y <= t}
        proj = (
            project(obs, target_year, tracker["confidence"])[max(target_year, t)]["central"]
            if obs
            else None
        )
        first = min(obs) if obs else None
        rows.append(
            {
                "zone": name,
                "latest_value": latest,
                "share": latest / total if total else None,
                "actual_cagr": cagr(obs[first], latest, t - first) if first is not None else None,
                "required_increase": need,
                "share_of_gap": (need / gap) if gap and need is not None else None,
                "projected_value": proj,
                "projected_increase": None if proj is None else proj - latest,
                "shortfall": None if proj is None or need is None else need - (proj - latest),
            }
        )
    return sorted(rows, key=lambda r: -(r["latest_value"] or 0))
