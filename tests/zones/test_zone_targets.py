"""The target tracker on constructed series: exactly on the required path, above it, below it."""

from __future__ import annotations

import math

import pytest

from kechuang.zones.targets import cagr, track, zone_contributions

BASE, TARGET = 1900.0, 3000.0
REQ = (TARGET / BASE) ** (1 / 5) - 1


def path(rate: float, until: int, base: float = BASE) -> dict[int, float]:
    return {2020 + k: base * (1 + rate) ** k for k in range(until - 2020 + 1)}


def test_cagr_definition():
    assert cagr(100, 121, 2) == pytest.approx(0.10)
    assert cagr(0, 10, 2) is None and cagr(10, 20, 0) is None


def test_exactly_on_the_required_path():
    tr = track(path(REQ, 2023), 2020, 2025, TARGET)
    assert tr["required_cagr"] == pytest.approx(REQ)
    assert tr["actual_cagr"] == pytest.approx(REQ)
    assert tr["latest_value"] == pytest.approx(tr["required_path"][2023])
    # constant growth: the drift is the required rate, its spread zero, the band collapses on target
    assert tr["projected_value"] == pytest.approx(TARGET)
    assert tr["projected_low"] == pytest.approx(TARGET) and tr["projected_high"] == pytest.approx(
        TARGET
    )
    assert tr["status"] == "on_track"
    assert tr["required_remaining_cagr"] == pytest.approx(REQ)


def test_above_the_path_is_on_track_and_projects_past_the_target():
    tr = track(path(REQ + 0.03, 2023), 2020, 2025, TARGET)
    assert tr["status"] == "on_track"
    assert tr["projected_value"] > TARGET
    assert tr["required_remaining_cagr"] < REQ


def test_reaching_the_target_early_is_achieved():
    tr = track(path(0.2, 2023), 2020, 2025, TARGET)
    assert tr["latest_value"] >= TARGET and tr["status"] == "achieved"


def test_below_the_path_steady_growth_is_off_track():
    tr = track(path(REQ - 0.04, 2023), 2020, 2025, TARGET)
    assert tr["latest_value"] < tr["required_path"][2023]
    # steady growth: no spread, so the band is a point below the target
    assert tr["projected_high"] < TARGET
    assert tr["status"] == "off_track"
    assert tr["required_remaining_cagr"] > REQ


def test_below_the_path_with_volatile_growth_is_at_risk():
    # the same end point as a slightly-below-path series, reached through uneven years
    series = {
        2020: BASE,
        2021: BASE * 1.20,
        2022: BASE * 1.20 * 0.97,
        2023: BASE * 1.20 * 0.97 * 1.12,
    }
    tr = track(series, 2020, 2025, TARGET)
    assert tr["latest_value"] < tr["required_path"][2023]
    assert tr["projected_value"] < TARGET <= tr["projected_high"]
    assert tr["status"] == "at_risk"
    # the band widens with the horizon and contains the central projection
    assert sorted(tr["projection"]) == [2023, 2024, 2025]
    widths = [p["high"] - p["low"] for _, p in sorted(tr["projection"].items())]
    assert widths == sorted(widths) and widths[0] < widths[-1]
    for p in tr["projection"].values():
        assert p["low"] <= p["central"] <= p["high"]


def test_projection_interval_formula():
    series = {2020: 100.0, 2021: 110.0, 2022: 115.5, 2023: 130.0}
    tr = track(series, 2020, 2025, 200.0, confidence=0.8)
    steps = [math.log(110 / 100), math.log(115.5 / 110), math.log(130 / 115.5)]
    m = sum(steps) / 3
    s = math.sqrt(sum((x - m) ** 2 for x in steps) / 2)
    from scipy import stats

    q = stats.t.ppf(0.9, 2)
    h = 2
    assert tr["projected_value"] == pytest.approx(130 * math.exp(2 * m))
    assert tr["projected_high"] == pytest.approx(
        130 * math.exp(2 * m + q * s * math.sqrt(h + h * h / 3))
    )


def test_target_year_passed_without_reaching_it():
    tr = track(path(REQ - 0.02, 2025), 2020, 2025, TARGET)
    assert tr["status"] == "missed" and tr["status_label"] == "未达成"
    # judged later, the reported target year still decides: missed, not pending
    assert track(path(REQ - 0.02, 2025), 2020, 2025, TARGET, as_of=2027)["status"] == "missed"


def test_target_year_passed_but_not_reported_is_pending_with_an_interval():
    series = {2020: 100.0, 2021: 110.0, 2022: 115.5, 2023: 130.0, 2024: 140.0}
    tr = track(series, 2020, 2025, 200.0, as_of=2026)
    assert tr["status"] == "pending" and tr["as_of"] == 2026
    assert tr["projected_low"] < tr["projected_value"] < tr["projected_high"]
    # judged in 2025 itself the same figures give a forecast verdict
    assert track(series, 2020, 2025, 200.0, as_of=2025)["status"] in {"at_risk", "off_track"}
    # reached before the deadline: achieved whatever the year
    assert track({**series, 2024: 210.0}, 2020, 2025, 200.0, as_of=2026)["status"] == "achieved"


def test_explicit_baseline_value_and_missing_baseline():
    tr = track({2021: 2100.0, 2022: 2300.0}, 2020, 2025, TARGET, baseline_value=BASE)
    assert tr["baseline_value"] == BASE and tr["actual_cagr"] == pytest.approx(
        (2300 / BASE) ** 0.5 - 1
    )
    with pytest.raises(ValueError, match="基期 2020"):
        track({2021: 2100.0}, 2020, 2025, TARGET)


def test_zone_contributions_sum_to_the_gap():
    by_zone = {
        "甲": path(0.10, 2023, 1000),
        "乙": path(0.05, 2023, 600),
        "丙": path(0.0, 2023, 300),
    }
    total = {y: sum(z[y] for z in by_zone.values()) for y in range(2020, 2024)}
    tr = track(total, 2020, 2025, TARGET)
    rows = zone_contributions(by_zone, tr)
    assert sum(r["required_increase"] for r in rows) == pytest.approx(tr["gap"])
    assert sum(r["share_of_gap"] for r in rows) == pytest.approx(1.0)
    flat = next(r for r in rows if r["zone"] == "丙")
    assert flat["projected_increase"] == pytest.approx(0.0)
    assert flat["shortfall"] == pytest.approx(flat["required_increase"])
