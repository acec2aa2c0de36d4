"""The non-text components by hand: tag overlap, distance from region codes, shrunk ratings."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kechuang.engines.text import (
    Weights,
    distance_level,
    distance_score,
    region_parts,
    shrunk_ratings,
    tag_overlap,
)

W = Weights()


@pytest.mark.parametrize(
    "a,b,overlap,jaccard",
    [
        ({"水产"}, {"水产", "水稻", "蔬菜"}, 1.0, 1 / 3),
        ({"a", "b"}, {"b", "c", "d"}, 1 / 2, 1 / 4),
        ({"a", "b"}, {"a", "b"}, 1.0, 1.0),
        ({"a"}, {"b"}, 0.0, 0.0),
        (set(), {"a"}, 0.0, 0.0),
        ({"a"}, set(), 0.0, 0.0),
    ],
)
def test_tag_overlap_by_hand(a, b, overlap, jaccard):
    assert tag_overlap(frozenset(a), frozenset(b), "overlap") == pytest.approx(overlap)
    assert tag_overlap(frozenset(a), frozenset(b), "jaccard") == pytest.approx(jaccard)


def test_unknown_tag_method():
    with pytest.raises(ValueError):
        tag_overlap(frozenset("a"), frozenset("a"), "cosine")


@pytest.mark.parametrize(
    "a,b,level,value",
    [
        ("321084105", "321084105", "township", 1.0),  # same 乡镇
        ("321084105201", "321084105", "township", 1.0),  # a village in that 乡镇
        ("321084105", "321084101", "county", 0.7),  # two towns of 高邮市
        ("321084105", "321084", "county", 0.7),  # a county-level commissioner
        ("321084", "321084", "county", 0.7),
        ("321084105", "321023100", "city", 0.4),  # 高邮 and 宝应, both 扬州
        ("321002", "321081", "city", 0.4),
        ("321003", "320102", "other", 0.0),  # 扬州 and 南京
        ("", "321084", "other", 0.0),
        ("", "", "other", 0.0),
    ],
)
def test_distance_by_hand(a, b, level, value):
    assert distance_level(a, b) == level == distance_level(b, a)
    assert distance_score(a, b, W) == value


def test_distance_values_are_data():
    w = dataclasses.replace(
        W, distance_levels={"township": 0.9, "county": 0.5, "city": 0.1, "other": 0.05}
    )
    assert distance_score("321084105", "321084101", w) == 0.5
    assert distance_score("321003", "320102", w) == 0.05


@pytest.mark.parametrize("code", ["32108", "3210841", "32108410", "32108A", "3210841051234"])
def test_invalid_region_codes(code):
    with pytest.raises(ValueError, match="行政区划代码"):
        region_parts(code)


def test_region_parts():
    assert region_parts("321084105") == ("321084105", "321084", "3210")
    assert region_parts("321084") == ("", "321084", "3210")
    assert region_parts("") == ("", "", "")


def test_shrunk_ratings_by_hand():
    # Overall mean m = (5 + 5 + 3)/3 = 13/3; C = 3.
    # [5, 5]: (3·13/3 + 10)/(3 + 2) = 23/5 = 4.6 → (4.6 − 1)/4 = 0.9
    # []    : m = 4.3333 → 0.8333
    # [3]   : (13 + 3)/(3 + 1) = 4.0 → 0.75
    value, mean, prior = shrunk_ratings([(5, 5), (), (3,)], W)
    assert prior == pytest.approx(13 / 3)
    assert mean == pytest.approx([4.6, 13 / 3, 4.0])
    assert value == pytest.approx([0.9, (13 / 3 - 1) / 4, 0.75])


def test_shrinkage_pulls_few_ratings_harder():
    value, _, _ = shrunk_ratings([(5,), (5,) * 20, (2,) * 20], W)
    assert value[2] < value[0] < value[1]


def test_fixed_prior_and_no_shrinkage():
    w = dataclasses.replace(W, rating_prior_mean=3.0)
    _, mean, prior = shrunk_ratings([(5,), ()], w)
    assert prior == 3.0
    assert mean == pytest.approx([(9 + 5) / 4, 3.0])
    w0 = dataclasses.replace(W, rating_prior_weight=0)
    _, mean, _ = shrunk_ratings([(5, 4), ()], w0)
    assert mean == pytest.approx([4.5, 4.5])  # no ratings: the prior itself


def test_no_ratings_at_all_gives_the_scale_midpoint():
    value, mean, prior = shrunk_ratings([(), ()], W)
    assert prior == 3.0
    assert value.tolist() == [0.5, 0.5]


@pytest.mark.parametrize("bad", [0, 6, 5.5, float("nan")])
def test_ratings_outside_the_scale(bad):
    with pytest.raises(ValueError, match="评分"):
        shrunk_ratings([(4, bad)], W)


def test_empty_supplier_list():
    value, mean, _ = shrunk_ratings([], W)
    assert value.shape == mean.shape == (0,)
    assert np.isfinite(value).all()
