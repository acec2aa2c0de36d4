"""ECharts option builders for the zone-evaluation pages: pure functions from service results to
option dicts (no NiceGUI), so a chart can be checked without rendering a page."""

from __future__ import annotations

from typing import Any


def interval_chart(table: list[dict[str, Any]]) -> dict[str, Any]:
    """ECharts options: each zone's 5–95 % rank band as a bar and its nominal rank as a point."""
    rows = [r for r in table if r["rank"] is not None]
    rows.sort(key=lambda r: -r["rank"])
    names = [r["name"] for r in rows]
    base = [(r["band"]["q05"] - 0.3) if r["band"] else r["rank"] - 0.3 for r in rows]
    width = [((r["band"]["q95"] - r["band"]["q05"]) if r["band"] else 0) + 0.6 for r in rows]
    n = max((r["rank"] for r in rows), default=1)
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"data": ["名次区间（5%–95%）", "名次"], "top": 0},
        "grid": {"left": 150, "right": 30, "top": 40, "bottom": 30},
        "xAxis": {"type": "value", "min": 0, "max": n + 1, "name": "名次", "inverse": True},
        "yAxis": {"type": "category", "data": names},
        "series": [
            {
                "name": "区间起点（不显示）",
                "type": "bar",
                "stack": "band",
                "data": base,
                "itemStyle": {"color": "transparent"},
                "tooltip": {"show": False},
            },
            {
                "name": "名次区间（5%–95%）",
                "type": "bar",
                "stack": "band",
                "data": width,
                "itemStyle": {"color": "#90caf9"},
            },
            {
                "name": "名次",
                "type": "scatter",
                "data": [r["rank"] for r in rows],
                "symbolSize": 12,
                "itemStyle": {"color": "#c62828"},
            },
        ],
    }


def radar_chart(bm: dict[str, Any]) -> dict[str, Any]:
    """ECharts radar of the zone's and the benchmark's dimension scores."""
    r = bm["radar"]
    return {
        "legend": {"data": [bm["gaps"]["unit_name"], bm["gaps"]["benchmark_name"]], "bottom": 0},
        "tooltip": {},
        "radar": {
            "indicator": [{"name": d["name"], "max": 100} for d in r["dimensions"]],
            "radius": "65%",
        },
        "series": [
            {
                "type": "radar",
                "data": [
                    {
                        "name": bm["gaps"]["unit_name"],
                        "value": [round(v or 0, 2) for v in r["unit"]],
                    },
                    {
                        "name": bm["gaps"]["benchmark_name"],
                        "value": [round(v or 0, 2) for v in r["benchmark"]],
                        "areaStyle": {"opacity": 0.1},
                    },
                ],
            }
        ],
    }


def tracker_chart(t: dict[str, Any]) -> dict[str, Any]:
    """ECharts options: actual (亿元), the required path, the projection and its band."""
    tr = t["tracker"]
    years = sorted(set(tr["required_path"]) | set(tr["actual"]) | set(tr["projection"]))
    yi = lambda v: None if v is None else round(v / 10000, 2)
    low = [yi((tr["projection"].get(y) or {}).get("low")) for y in years]
    high = [yi((tr["projection"].get(y) or {}).get("high")) for y in years]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["实际", "要求路径", "预测", "预测区间"], "top": 0},
        "grid": {"left": 70, "right": 30, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "name": "亿元", "scale": True},
        "series": [
            {
                "name": "预测区间下限",
                "type": "line",
                "data": low,
                "stack": "band",
                "symbol": "none",
                "lineStyle": {"opacity": 0},
                "tooltip": {"show": False},
            },
            {
                "name": "预测区间",
                "type": "line",
                "stack": "band",
                "symbol": "none",
                "lineStyle": {"opacity": 0},
                "areaStyle": {"color": "#90caf9", "opacity": 0.5},
                "data": [
                    None if h is None else round(h - lo, 2) for h, lo in zip(high, low, strict=True)
                ],
            },
            {
                "name": "实际",
                "type": "line",
                "data": [yi(tr["actual"].get(y)) for y in years],
                "itemStyle": {"color": "#1565c0"},
            },
            {
                "name": "要求路径",
                "type": "line",
                "data": [yi(tr["required_path"].get(y)) for y in years],
                "lineStyle": {"type": "dashed", "color": "#c62828"},
                "itemStyle": {"color": "#c62828"},
                "markLine": {
                    "symbol": "none",
                    "data": [{"yAxis": yi(tr["target_value"]), "name": "目标"}],
                    "label": {"formatter": "目标 {c}亿元"},
                },
            },
            {
                "name": "预测",
                "type": "line",
                "data": [yi((tr["projection"].get(y) or {}).get("central")) for y in years],
                "lineStyle": {"type": "dotted"},
                "itemStyle": {"color": "#2e7d32"},
            },
        ],
    }


def share_chart(res: dict[str, Any]) -> dict[str, Any]:
    """ECharts stacked bars: each zone's revenue split over the strategic industries (%)."""
    zones = [z["zone"] for z in res["zones"]]
    cells = {(c["zone"], c["industry"]): c for c in res["cells"]}
    series = []
    for ind in res["industries"]:
        data = [
            round(100 * ((cells.get((z, ind["code"])) or {}).get("share") or 0), 1) for z in zones
        ]
        if any(data):
            # the industry's own colour (core.palette via the registry), not ECharts' 9-colour cycle
            series.append(
                {
                    "name": ind["name"],
                    "type": "bar",
                    "stack": "share",
                    "data": data,
                    **ind.get("style", {}),
                }
            )
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 170, "right": 20, "top": 50, "bottom": 30},
        "xAxis": {"type": "value", "max": 100, "name": "%"},
        "yAxis": {"type": "category", "data": zones},
        "series": series,
    }


def heatmap_chart(res: dict[str, Any]) -> dict[str, Any]:
    """ECharts heat map of the zone × zone similarity of industry portfolios."""
    ids = {s["zone_a"]: s["zone_a_id"] for s in res["similarity"]} | {
        s["zone_b"]: s["zone_b_id"] for s in res["similarity"]
    }
    names = sorted(ids, key=lambda n: ids[n])
    idx = {n: i for i, n in enumerate(names)}
    data = [
        [
            idx[s["zone_a"]],
            idx[s["zone_b"]],
            None if s["similarity"] is None else round(s["similarity"], 3),
        ]
        for s in res["similarity"]
    ]
    return {
        "tooltip": {"position": "top"},
        "grid": {"left": 170, "right": 30, "top": 20, "bottom": 110},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "category", "data": names},
        "visualMap": {
            "min": 0,
            "max": 1,
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "inRange": {"color": ["#f7fbff", "#6baed6", "#08306b"]},
        },
        "series": [
            {"name": "产业结构相似度", "type": "heatmap", "data": data, "label": {"show": True}}
        ],
    }
