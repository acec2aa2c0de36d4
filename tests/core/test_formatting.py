"""Counts read as whole numbers wherever a figure is shown with its unit (issue 15: "40.00 个" → "40 个")."""

from __future__ import annotations

import pytest

from kechuang.core.formatting import fmt_figure, is_count_unit


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (40.0, "个", "40个"),
        (1234.0, "家", "1,234家"),
        (2.5, "件", "3件"),  # half away from zero, not Python's half-to-even "2"
        (3.5, "项", "4项"),
        (-2.5, "人", "-3人"),
        (0.49, "家", "0家"),
        (40.0, "件/万人", "40.00件/万人"),  # a rate, not a count
        (12.345, "%", "12.35%"),
        (None, "家", "—"),
    ],
)
def test_counts_are_whole_numbers_other_figures_keep_decimals(value, unit, text):
    assert fmt_figure(value, unit) == text


def test_without_the_unit_and_with_other_digits():
    assert fmt_figure(40.0, "家", show_unit=False) == "40"
    assert fmt_figure(1.23456, "万元/人", digits=3, show_unit=False) == "1.235"
    assert is_count_unit("家") and not is_count_unit("件/百亿元") and not is_count_unit("")
