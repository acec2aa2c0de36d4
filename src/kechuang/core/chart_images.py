"""Charts drawn as PNG images for printed reports (matplotlib, Agg backend: no display, no network).

Chinese labels need a CJK font. When none is installed the chart still draws, with short codes
(A, B, C…) on the axis, and the caption carries the Chinese names: a printed chart never shows
boxes instead of characters. Every caption also states the plotted figures, so a reader (and a
test) can check the picture against the tables."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# Preferred CJK fonts, first found wins: Debian's fonts-noto-cjk, then common Windows/macOS ones.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Noto Sans CJK JP",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Source Han Sans SC",
)
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6")


@dataclass(frozen=True)
class ChartImage:
    """A PNG chart, its caption (names and figures) and whether Chinese was drawn in the image."""

    png: bytes
    caption: str
    cjk: bool


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed CJK font matplotlib can use, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FONTS if n in names), None)


def _code(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else f"A{i - 25}"


def fmt(value: float | None, digits: int = 2) -> str:
    """A figure as printed in captions and tables: thousands separators, trailing zeros dropped."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str = "",
    font: str | None | bool = True,
    digits: int = 2,
    size: tuple[float, float] | None = None,
    horizontal: bool = False,
) -> ChartImage:
    """Grouped bars (one group per label, one bar per series) with value labels on the bars;
    horizontal bars suit long labels (targets' titles).

    `font=True` picks an installed CJK font; None/False draws the codes-only variant.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    name = cjk_font() if font is True else (font or None)
    cjk = name is not None
    axis_labels = list(labels) if cjk else [_code(i) for i in range(len(labels))]
    series_names = [s for s, _ in series] if cjk else [f"S{i + 1}" for i in range(len(series))]
    if size is None:
        size = (
            (8.0, max(2.2, 0.5 * len(labels) * max(len(series), 1) + 1.2))
            if horizontal
            else (8.0, 4.2)
        )
    fig = Figure(figsize=size, dpi=150)
    ax = fig.add_subplot()
    if cjk:
        fontfamily = [name, "DejaVu Sans"]
        for item in (ax.title, ax.xaxis.label, ax.yaxis.label):
            item.set_fontfamily(fontfamily)
    width = 0.8 / max(len(series), 1)
    for k, (_, values) in enumerate(series):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(labels))]
        ys = [0 if v is None else v for v in values]
        draw = ax.barh if horizontal else ax.bar
        bars = draw(xs, ys, width * 0.95, color=PALETTE[k % len(PALETTE)])
        ax.bar_label(
            bars,
            labels=[fmt(v, digits) for v in values],
            fontsize=9,
            padding=2,
        )
        bars.set_label(series_names[k])
    if horizontal:
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels(axis_labels, fontsize=10)
        ax.invert_yaxis()  # first label on top, as in the table
        ticks = ax.get_yticklabels()
    else:
        ax.set_xticks(range(len(labels)))
        tilted = len(labels) > 6
        ax.set_xticklabels(
            axis_labels,
            fontsize=10,
            rotation=30 if tilted else 0,
            ha="right" if tilted else "center",
        )
        ticks = ax.get_xticklabels()
    if cjk:
        for t in ticks:
            t.set_fontfamily([name, "DejaVu Sans"])
        ax.set_title(title, fontsize=12)
        if unit:
            (ax.set_xlabel if horizontal else ax.set_ylabel)(unit, fontsize=9)
    value_axis = ax.xaxis if horizontal else ax.yaxis
    if digits == 0:  # counts: no 0.2, 0.4… ticks
        from matplotlib.ticker import MaxNLocator

        value_axis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x" if horizontal else "y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    if len(series) > 1:
        legend = ax.legend(fontsize=8, frameon=False)
        if cjk:
            for t in legend.get_texts():
                t.set_fontfamily([name, "DejaVu Sans"])
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    parts = []
    for i, label in enumerate(labels):
        shown = label if cjk else f"{_code(i)}={label}"
        values = "，".join(
            f"{s}{fmt(v[i], digits)}" if len(series) > 1 else fmt(v[i], digits) for s, v in series
        )
        parts.append(f"{shown}：{values}")
    legend_note = (
        ""
        if cjk or len(series) < 2
        else "（" + "，".join(f"S{i + 1}={s}" for i, (s, _) in enumerate(series)) + "）"
    )
    unit_note = f"（{unit}）" if unit else ""
    caption = f"{title}{unit_note}{legend_note}。" + "；".join(parts) + "。"
    return ChartImage(buf.getvalue(), caption, cjk)
