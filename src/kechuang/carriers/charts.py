"""ECharts options of the chain pages: pure functions from service results to option dicts."""

from __future__ import annotations

from typing import Any


def sankey_chart(flow: dict[str, Any]) -> dict[str, Any]:
    """A Sankey of 研发端 → 孵化端 → 去向 (enterprises' stays)."""
    return {
        "tooltip": {"trigger": "item", "triggerOn": "mousemove"},
        "series": [
            {
                "type": "sankey",
                "data": flow["nodes"],
                "links": flow["links"],
                "emphasis": {"focus": "adjacency"},
                "nodeAlign": "justify",
                "lineStyle": {"color": "gradient", "curveness": 0.5},
                "label": {"fontSize": 12},
            }
        ],
    }


def transfer_chart(res: dict[str, Any]) -> dict[str, Any]:
    """Bars of technology contracts sold (输出) and bought (吸纳) per zone, 万元."""
    zones = [z["zone"] for z in res["zones"]]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["输出（卖方）", "吸纳（买方）"], "top": 0},
        "grid": {"left": 60, "right": 20, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": zones, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "name": "万元"},
        "series": [
            {
                "name": "输出（卖方）",
                "type": "bar",
                "data": [round(z["sold_amount"], 2) for z in res["zones"]],
            },
            {
                "name": "吸纳（买方）",
                "type": "bar",
                "data": [round(z["bought_amount"], 2) for z in res["zones"]],
            },
        ],
    }
