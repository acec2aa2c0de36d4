"""Charts drawn as PNG images for printed reports (matplotlib, Agg backend: no display, no network).

Chinese labels are drawn with the bundled CJK font (core/fonts: a GB 2312 subset of Noto Sans CJK
SC, OFL), so a chart reads the same on every server; a rare character outside the subset falls back
to an installed CJK font. `font=None` draws the codes-only variant: short codes (A, B, C…) on the
axes and the Chinese names in the caption. Every caption also states the plotted figures, so a
reader (and a test) can check the picture against the tables.

Images are drawn about 8 inches wide at 200 dpi with a tight bounding box: placed at the text width
of an A4 page (15.8 cm) that is over 200 dpi, sharp in print, and no label is cut off."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from kechuang.core.palette import PALETTE

BUNDLED_FONT = Path(__file__).with_name("fonts") / "KCSansSC-Regular.otf"
BUNDLED_FONT_NAME = "KC Sans SC"
DPI = 200
# Installed CJK fonts, the fallback for characters outside the bundled subset, first found first:
# Debian's fonts-noto-cjk, then common Windows/macOS ones.
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


@dataclass(frozen=True)
class ChartImage:
    """A PNG chart, its caption (names and figures) and whether Chinese was drawn in the image."""

    png: bytes
    caption: str
    cjk: bool


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The CJK font charts are drawn with: the bundled one (registered with matplotlib on first
    use), else an installed one, else None."""
    from matplotlib import font_manager

    if BUNDLED_FONT.is_file():
        font_manager.fontManager.addfont(str(BUNDLED_FONT))
        return BUNDLED_FONT_NAME
    return _installed_cjk()[0] if _installed_cjk() else None


@lru_cache(maxsize=1)
def _installed_cjk() -> tuple[str, ...]:
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(n for n in CJK_FONTS if n in names)


def _families(name: str | None) -> list[str]:
    """matplotlib's per-glyph fallback list: the chart font, installed CJK fonts, DejaVu Sans
    (digits, the minus sign)."""
    if name is None:
        return ["DejaVu Sans"]
    return list(dict.fromkeys([name, *_installed_cjk(), "DejaVu Sans"]))


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    # a tight box around everything drawn: long labels widen the image instead of being cut
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.12)
    return buf.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, read from a PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("不是 PNG 图片")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


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
    fig = Figure(figsize=size, dpi=DPI)
    ax = fig.add_subplot()
    if cjk:
        fontfamily = _families(name)
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
            t.set_fontfamily(_families(name))
        ax.set_title(title, fontsize=12)
        if unit:
            (ax.set_xlabel if horizontal else ax.set_ylabel)(unit, fontsize=9)
    value_axis = ax.xaxis if horizontal else ax.yaxis
    # room past the longest bar for its value label (a negative bar's label would hit the axis)
    ax.margins(**({"x": 0.12} if horizontal else {"y": 0.12}))
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
                t.set_fontfamily(_families(name))
    fig.tight_layout()
    png = _png(fig)
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
    return ChartImage(png, caption, cjk)


def _wrap(label: str, width: int = 6) -> str:
    """A long Chinese label over several lines (radar axes have no room for 10 characters)."""
    return "\n".join(label[i : i + width] for i in range(0, len(label), width))


def radar_chart(
    title: str,
    axes: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str = "分",
    max_value: float = 100.0,
    font: str | None | bool = True,
    digits: int = 1,
) -> ChartImage:
    """A radar (spider) chart: one axis per label from 0 to `max_value`, one closed outline per
    series (the first filled lightly as well); None plots as 0 and prints as — in the caption.

    Needs at least three axes (fewer draw no area): use bar_chart then.
    """
    import math

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    if len(axes) < 3:
        raise ValueError("雷达图至少需要 3 个维度")
    name = cjk_font() if font is True else (font or None)
    cjk = name is not None
    labels = [_wrap(a) for a in axes] if cjk else [_code(i) for i in range(len(axes))]
    series_names = [s for s, _ in series] if cjk else [f"S{i + 1}" for i in range(len(series))]
    angles = [2 * math.pi * i / len(axes) for i in range(len(axes))]
    family = _families(name)
    fig = Figure(figsize=(8.0, 5.2), dpi=DPI)
    # the radar on the left, the legend to its right: a wide picture, not a tall square one
    ax = fig.add_axes((0.08, 0.1, 0.56, 0.8), projection="polar")
    ax.set_theta_offset(math.pi / 2)  # first axis at the top, then clockwise, as people read
    ax.set_theta_direction(-1)
    for k, (_, values) in enumerate(series):
        ys = [0.0 if v is None else float(v) for v in values]
        colour = PALETTE[k % len(PALETTE)]
        ax.plot([*angles, angles[0]], [*ys, ys[0]], color=colour, linewidth=2, marker="o",
                markersize=4, label=series_names[k])  # fmt: skip
        ax.fill([*angles, angles[0]], [*ys, ys[0]], color=colour, alpha=0.12 if k == 0 else 0.05)
    ax.set_ylim(0, max_value)
    ticks = [max_value * f for f in (0.2, 0.4, 0.6, 0.8, 1.0)]
    ax.set_yticks(ticks)
    ax.set_yticklabels([fmt(t, 0) for t in ticks], fontsize=8, color="#666666")
    ax.set_rlabel_position(180 / len(axes))  # between the first two axes, off the outlines
    ax.set_xticks(angles)
    ax.set_xticklabels(labels, fontsize=10, fontfamily=family)
    ax.tick_params(axis="x", pad=14)  # labels clear of the outer ring
    ax.grid(color="#cccccc", linewidth=0.6)
    legend = ax.legend(loc="center left", bbox_to_anchor=(1.25, 0.5), fontsize=10, frameon=False)
    for t in legend.get_texts():
        t.set_fontfamily(family)
    if cjk:
        ax.set_title(f"{title}（{unit}）" if unit else title, fontsize=12, fontfamily=family,
                     pad=24)  # fmt: skip
    png = _png(fig)
    parts = []
    for i, label in enumerate(axes):
        shown = label if cjk else f"{_code(i)}={label}"
        values = "，".join(f"{s}{fmt(v[i], digits)}" for s, v in series)
        parts.append(f"{shown}：{values}")
    legend_note = (
        "" if cjk else "（" + "，".join(f"S{i + 1}={s}" for i, (s, _) in enumerate(series)) + "）"
    )
    unit_note = f"（{unit}，满分 {fmt(max_value, 0)}）" if unit else ""
    caption = f"{title}{unit_note}{legend_note}。" + "；".join(parts) + "。"
    return ChartImage(png, caption, cjk)
