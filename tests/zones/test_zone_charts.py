"""Chart option builders are pure: service-shaped dicts in, ECharts options out, no page needed."""

from __future__ import annotations

from kechuang.zones.charts import interval_chart, tracker_chart


def test_interval_chart_draws_the_band_from_q05_to_q95_and_skips_unranked_zones():
    table = [
        {"name": "甲", "rank": 1, "band": {"q05": 1, "q95": 2}},
        {"name": "乙", "rank": 2, "band": None},
        {"name": "丙", "rank": None, "band": None},
    ]
    opts = interval_chart(table)
    assert opts["yAxis"]["data"] == ["乙", "甲"]  # worst rank first: the best is drawn on top
    base, width, rank = (s["data"] for s in opts["series"])
    assert base == [2 - 0.3, 1 - 0.3] and width == [0.6, 1 + 0.6] and rank == [2, 1]
    assert opts["xAxis"]["max"] == 3


def test_tracker_chart_is_in_yi_yuan_with_the_projection_band_stacked():
    track = {
        "tracker": {
            "actual": {2023: 1_000_000.0, 2024: 1_200_000.0},
            "required_path": {2024: 1_100_000.0, 2025: 1_300_000.0},
            "projection": {2025: {"low": 1_250_000.0, "central": 1_400_000.0, "high": 1_550_000.0}},
            "target_value": 1_300_000.0,
        }
    }
    opts = tracker_chart(track)
    assert opts["xAxis"]["data"] == ["2023", "2024", "2025"]
    series = {s["name"]: s["data"] for s in opts["series"]}
    assert series["实际"] == [100.0, 120.0, None]
    assert series["预测区间下限"] == [None, None, 125.0] and series["预测区间"] == [
        None,
        None,
        30.0,
    ]
    assert opts["series"][3]["markLine"]["data"][0]["yAxis"] == 130.0
