"""The categorical palette: distinct colours for a catalogue, stable per key, patterns and labels
once colours run out (issue 16: 人工智能 and 现代农业 shared a colour)."""

from __future__ import annotations

from kechuang.core.palette import DECALS, PALETTE, REST_COLOUR, category_styles


def _lab(hex_colour: str) -> tuple[float, float, float]:
    """sRGB hex to CIE L*a*b* (D65), to measure how far apart two colours look."""

    def linear(c: float) -> float:
        return ((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92

    r, g, b = (linear(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(v: float) -> float:
        return v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_palette_colours_are_far_apart():
    colours = [*PALETTE, REST_COLOUR]
    assert len(set(colours)) == len(colours) == 21
    # no two closer than ΔE 20 (CIE76): side by side on a chart they read as different colours
    closest = min(
        sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5
        for i, a in enumerate(colours)
        for b in colours[i + 1 :]
    )
    assert closest > 20


def test_a_key_keeps_its_colour_whatever_else_is_shown():
    full = category_styles(["ai", "aviation", "mems", "nev"], rest="other")
    assert full["ai"]["itemStyle"]["color"] == PALETTE[0]
    assert full["nev"]["itemStyle"]["color"] == PALETTE[3]
    assert full["other"]["itemStyle"]["color"] == REST_COLOUR
    # the rest key takes no palette slot, wherever it stands
    assert category_styles(["other", "ai"], rest="other")["ai"] == full["ai"]


def test_beyond_the_palette_a_reused_colour_gets_a_pattern_and_a_label():
    keys = [f"k{i:02d}" for i in range(len(PALETTE) + 3)]
    styles = category_styles(keys)
    first, again = styles["k00"], styles[keys[len(PALETTE)]]
    assert first["itemStyle"]["color"] == again["itemStyle"]["color"]
    assert "decal" not in first["itemStyle"] and "label" not in first
    assert again["itemStyle"]["decal"] == DECALS[0]
    assert again["label"]["show"] is True and again["label"]["formatter"] == "{a}"
    looks = {(s["itemStyle"]["color"], repr(s["itemStyle"].get("decal"))) for s in styles.values()}
    assert len(looks) == len(keys)  # colour + pattern still tell every series apart
