"""One colour palette for categorical charts, so a category keeps its colour on every chart.

Colours are handed out by a category's position in a fixed catalogue order (e.g. the strategic
industries by code), never by its position in one chart's series: a chart that leaves out some
categories still draws the rest in their own colours. When a catalogue outgrows the palette, the
extra categories reuse a colour but carry a hatch pattern and a label with their name, so two
series never look alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# 20 colours at least ΔE 25 (CIE76) from one another and from the rest grey, the calmer first so a
# catalogue of a dozen industries gets those
PALETTE: tuple[str, ...] = (
    "#1f5fa8",  # blue
    "#e8590c",  # orange
    "#2b8a3e",  # green
    "#c92a2a",  # red
    "#7048e8",  # violet
    "#8d5a3c",  # brown
    "#d6336c",  # pink
    "#15aabf",  # cyan
    "#b59f00",  # olive
    "#fab005",  # amber
    "#74b816",  # lime
    "#0f208a",  # navy
    "#20c997",  # teal
    "#be4bdb",  # grape
    "#73266e",  # plum
    "#e8929d",  # rose
    "#e292e8",  # lilac
    "#c8de9c",  # pale green
    "#51cf66",  # light green
    "#4a4a4a",  # charcoal
)
REST_COLOUR = "#adb5bd"  # grey: the "other" category never competes with a real one

# hatch patterns (ECharts decal) for categories beyond the palette, one per further round
DECALS: tuple[dict[str, Any], ...] = (
    {"symbol": "rect", "dashArrayX": [1, 0], "dashArrayY": [2, 5], "rotation": 0.785},
    {"symbol": "circle", "symbolSize": 0.6, "dashArrayX": [[4, 4]], "dashArrayY": [4, 4]},
    {"symbol": "rect", "dashArrayX": [1, 0], "dashArrayY": [2, 5], "rotation": -0.785},
)


def category_styles(keys: Sequence[str], rest: str | None = None) -> dict[str, dict[str, Any]]:
    """ECharts series style fragments per category key, by position in the catalogue order given.

    Each value holds `itemStyle` (colour, and a decal once the palette is used up) and, for those
    reusing a colour, a `label` that prints the series name on the chart. `rest` (e.g. 其他行业)
    is always grey.
    """
    out: dict[str, dict[str, Any]] = {}
    position = 0
    for key in keys:
        if key == rest or key in out:
            continue
        round_, slot = divmod(position, len(PALETTE))
        style: dict[str, Any] = {"itemStyle": {"color": PALETTE[slot]}}
        if round_:
            style["itemStyle"]["decal"] = DECALS[(round_ - 1) % len(DECALS)]
            style["label"] = {"show": True, "formatter": "{a}", "fontSize": 10}
        out[key] = style
        position += 1
    if rest is not None:
        out[rest] = {"itemStyle": {"color": REST_COLOUR}}
    return out
