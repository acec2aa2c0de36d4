"""ECharts options for the cockpit tiles: pure functions from tile dicts to option dicts, with
large type so a wall screen is readable from across the room (ECharts ships inside NiceGUI)."""

from __future__ import annotations

from typing import Any

from kechuang.plan.cockpit import STATUS_COLOURS

TEXT = {"fontSize": 16}
AXIS = {"axisLabel": {"fontSize": 15}}


def _bars(labels: list[str], series: list[tuple[str, list[Any], str]], horizontal: bool) -> dict:
    cat = {"type": "category", "data": labels, **AXIS}
    # horizontal bars carry their values as labels: the value axis' numbers would only crowd
    val = {"type": "value", "axisLabel": {"show": not horizontal, "fontSize": 15}}
    return {
        "tooltip": {"trigger": "axis", "textStyle": TEXT},
        "legend": {"show": len(series) > 1, "top": 0, "textStyle": TEXT},
        "grid": {
            "left": 10,
            "right": 40,
            "top": 36 if len(series) > 1 else 10,
            "bottom": 10,
            "containLabel": True,
        },
        "xAxis": val if horizontal else cat,
        "yAxis": {**cat, "inverse": True} if horizontal else val,
        "series": [
            {
                "name": name,
                "type": "bar",
                "data": data,
                "itemStyle": {"color": colour},
                "label": {"show": True, "position": "right" if horizontal else "top", **TEXT},
            }
            for name, data, colour in series
        ],
    }


def status_chart(tile: dict[str, Any]) -> dict[str, Any]:
    """A donut of the targets' statuses (counts in the labels)."""
    counts: dict[tuple[str, str], int] = {}
    for item in tile["items"]:
        key = (item["status"], item["status_label"])
        counts[key] = counts.get(key, 0) + 1
    return {
        "tooltip": {"trigger": "item", "textStyle": TEXT},
        # names in the legend, counts on the ring: outside labels do not fit a narrow panel
        "legend": {"bottom": 0, "itemWidth": 14, "textStyle": {"fontSize": 14}},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "68%"],
                "center": ["50%", "42%"],
                "label": {
                    "position": "inside",
                    "formatter": "{c}",
                    "fontSize": 16,
                    "color": "#ffffff",
                    "fontWeight": "bold",
                },
                "data": [
                    {
                        "name": label,
                        "value": n,
                        "itemStyle": {"color": STATUS_COLOURS.get(code, "#607d8b")},
                    }
                    for (code, label), n in counts.items()
                ],
            }
        ],
    }


def zones_chart(tile: dict[str, Any]) -> dict[str, Any]:
    """Zones' scores as bars, best first, with rank and movement in the name."""

    def name(x: dict[str, Any]) -> str:
        m = x["movement"]
        arrow = "" if m is None else ("▲" + str(m) if m > 0 else "▼" + str(-m) if m < 0 else "－")
        rank = f"{x['rank']}. " if x["rank"] is not None else ""
        return f"{rank}{x['name']} {arrow}".strip()

    items = tile["items"]
    return _bars([name(x) for x in items], [("总分", [x["score"] for x in items], "#1565c0")], True)


def funnel_chart(tile: dict[str, Any]) -> dict[str, Any]:
    """The tier funnel: enterprises per rung, lowest rung widest."""
    return {
        "tooltip": {"trigger": "item", "textStyle": TEXT},
        "series": [
            {
                "type": "funnel",
                "sort": "none",
                "left": "2%",
                "width": "45%",
                "minSize": "15%",
                "gap": 2,
                "label": {"position": "right", "formatter": "{b}：{c}", "fontSize": 15},
                "labelLine": {"length": 8},
                "data": [{"name": i["label"], "value": i["count"]} for i in tile["items"]],
            }
        ],
    }


def points_chart(tile: dict[str, Any]) -> dict[str, Any]:
    """The five best enterprises' points."""
    items = tile["items"]
    return _bars(
        [x["name"] for x in items], [("积分", [x["total"] for x in items], "#6a1b9a")], True
    )


def commissioners_chart(tile: dict[str, Any]) -> dict[str, Any]:
    """Demands and those served per county."""
    items = tile["items"]
    return _bars(
        [x["label"] for x in items],
        [
            ("服务需求", [x["demands"] for x in items], "#90a4ae"),
            ("已对接", [x["served"] for x in items], "#2e7d32"),
        ],
        False,
    )


def programs_chart(tile: dict[str, Any]) -> dict[str, Any]:
    """Applications and approved projects per 指南 domain."""
    items = tile["items"]
    return _bars(
        [x["domain"] for x in items],
        [
            ("申报", [x["applications"] for x in items], "#90a4ae"),
            ("立项", [x["approved"] for x in items], "#ef6c00"),
        ],
        True,
    )


def carriers_chart(tile: dict[str, Any]) -> dict[str, Any]:
    """The year's flow along the chain (入孵 → 在孵 → 毕业 → 落地) and the carriers by kind."""
    flow = [x for x in tile["items"] if "kind" not in x]
    kinds = [x for x in tile["items"] if "kind" in x]
    labels = [x["label"] for x in flow] + [x["label"] for x in kinds]
    option = _bars(
        labels,
        [
            ("企业（家）", [x["count"] for x in flow] + [None] * len(kinds), "#00838f"),
            ("载体（家）", [None] * len(flow) + [x["count"] for x in kinds], "#8d6e63"),
        ],
        True,
    )
    for series in option["series"]:
        series["stack"] = "one"  # one bar per row: each row has a value in one series only
    return option


CHARTS = {
    "targets": status_chart,
    "zones": zones_chart,
    "tiers": funnel_chart,
    "points": points_chart,
    "commissioners": commissioners_chart,
    "programs": programs_chart,
    "carriers": carriers_chart,
}
