"""Score aggregation by hand on tiny cases: raw mean, standardised, additive, trimming, bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kechuang.engines.review import ReviewInputError, aggregate
from kechuang.engines.review.aggregate import rank_desc, trimmed_group_mean

# a: x 80, y 70; b: x 60, y 50; c: x 90
APPS = ["a", "a", "b", "b", "c"]
REVS = ["x", "y", "x", "y", "x"]
SCORES = [80, 70, 60, 50, 90]


def by_id(res, field):
    return dict(zip(res.application_ids, getattr(res, field), strict=True))


def test_raw_mean_by_hand():
    res = aggregate(APPS, REVS, SCORES, bootstrap=0)
    assert by_id(res, "raw_mean") == pytest.approx({"a": 75, "b": 55, "c": 90})
    assert list(res.n_reviewers) == [2, 2, 1]


def test_additive_by_hand():
    # b_x − b_y = 10 (a and b both say so) and b_x + b_y = 0: b_x = 5, b_y = −5;
    # θ_a = 80 − 5 = 75, θ_b = 55, θ_c = 90 − 5 = 85.
    res = aggregate(APPS, REVS, SCORES, method="additive", bootstrap=0)
    assert by_id(res, "corrected") == pytest.approx({"a": 75, "b": 55, "c": 85})
    assert dict(zip(res.reviewer_ids, res.reviewer_effect, strict=True)) == pytest.approx(
        {"x": 5, "y": -5}
    )
    assert res.components == 1
    assert by_id(res, "rank") == {"c": 1, "a": 2, "b": 3}


def test_additive_disconnected_graph_centres_each_component():
    # Component 1 as above; component 2: reviewer z alone scores d 40, e 60, and w scores e 70,
    # f 30: b_z − b_w = 60 − 70 = −10 and b_z + b_w = 0 → b_z = −5, b_w = 5;
    # θ_d = 45, θ_e = 65, θ_f = 25.
    apps = [*APPS, "d", "e", "e", "f"]
    revs = [*REVS, "z", "z", "w", "w"]
    scores = [*SCORES, 40, 60, 70, 30]
    res = aggregate(apps, revs, scores, method="additive", bootstrap=0)
    assert res.components == 2
    got = by_id(res, "corrected")
    assert got == pytest.approx({"a": 75, "b": 55, "c": 85, "d": 45, "e": 65, "f": 25})
    eff = dict(zip(res.reviewer_ids, res.reviewer_effect, strict=True))
    assert eff["x"] + eff["y"] == pytest.approx(0, abs=1e-9)
    assert eff["z"] + eff["w"] == pytest.approx(0, abs=1e-9)


def test_standardised_by_hand_with_a_single_score_reviewer():
    # x: a 80, b 60 → z +1, −1; y: a 70, b 50 → z +1, −1; w scores only c: 75.
    # Overall mean 67, population sd √116; w is standardised with them: (75 − 67)/√116.
    apps = ["a", "b", "a", "b", "c"]
    revs = ["x", "x", "y", "y", "w"]
    scores = [80, 60, 70, 50, 75]
    res = aggregate(apps, revs, scores, method="standardised", bootstrap=0)
    sd = math.sqrt(116)
    assert by_id(res, "corrected") == pytest.approx({"a": 67 + sd, "b": 67 - sd, "c": 75})


def test_standardised_zero_variance_reviewer_gives_z_zero():
    # v gave a and b both 70: no discrimination, z = 0 on both; x: a 80, b 60 → +1, −1.
    # Overall: [70, 70, 80, 60] mean 70, sd √50; a: 70 + √50 · (0 + 1)/2, b: 70 − √50/2.
    res = aggregate(
        ["a", "b", "a", "b"],
        ["v", "v", "x", "x"],
        [70, 70, 80, 60],
        method="standardised",
        bootstrap=0,
    )
    half = math.sqrt(50) / 2
    assert by_id(res, "corrected") == pytest.approx({"a": 70 + half, "b": 70 - half})


def test_trimmed_mean_by_hand():
    groups = np.array([0, 0, 0, 0, 1, 1])
    values = np.array([100.0, 1.0, 3.0, 2.0, 5.0, 7.0])
    assert trimmed_group_mean(groups, values, 2, 0.25) == pytest.approx([2.5, 6.0])
    assert trimmed_group_mean(groups, values, 2, 0.2) == pytest.approx([26.5, 6.0])


def test_additive_with_trim_drops_the_extreme_adjusted_score():
    # One reviewer each is extreme on application a; trimming 0.25 of 4 drops one at each end.
    apps = ["a"] * 4 + ["b"] * 4
    revs = ["p", "q", "r", "s"] * 2
    scores = [70, 71, 72, 99, 60, 61, 62, 63]
    plain = aggregate(apps, revs, scores, method="additive", bootstrap=0)
    trimmed = aggregate(apps, revs, scores, method="additive", bootstrap=0, trim=0.25)
    eff = dict(zip(plain.reviewer_ids, plain.reviewer_effect, strict=True))
    adjusted = sorted(s - eff[r] for s, r in zip(scores[:4], revs[:4], strict=True))
    assert by_id(trimmed, "corrected")["a"] == pytest.approx(np.mean(adjusted[1:3]))


def test_rank_ties_share_the_better_rank():
    assert list(rank_desc(np.array([3.0, 3.0, 1.0, 5.0]))) == [2, 2, 4, 1]


def test_bootstrap_is_reproducible_and_bands_contain_the_point():
    rng = np.random.default_rng(1)
    apps = [f"A{i}" for i in range(12) for _ in range(3)]
    revs = [f"R{(i + t * 5) % 9}" for i in range(12) for t in range(3)]
    scores = rng.normal(70, 10, len(apps)).round()
    one = aggregate(apps, revs, scores, bootstrap=200, seed=7)
    two = aggregate(apps, revs, scores, bootstrap=200, seed=7)
    other = aggregate(apps, revs, scores, bootstrap=200, seed=8)
    assert np.array_equal(one.lower, two.lower) and np.array_equal(one.rank_upper, two.rank_upper)
    assert not np.array_equal(one.lower, other.lower)
    assert np.all(one.lower <= one.upper)
    assert np.all(one.rank_lower <= one.rank) and np.all(one.rank <= one.rank_upper)
    assert np.all(one.rank_upper > one.rank_lower)  # noisy scores: bands are not degenerate


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"method": "median"}, "未知的校正方法"), ({"trim": 0.5}, "截尾比例")],
)
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ReviewInputError, match=message):
        aggregate(APPS, REVS, SCORES, **kwargs)


def test_a_pair_scored_twice_is_refused():
    with pytest.raises(ReviewInputError, match="专家 x 对申报 a 评分不止一次"):
        aggregate(["a", "a"], ["x", "x"], [1, 2])


def test_lsqr_path_agrees_with_the_eliminated_solve(monkeypatch):
    import importlib

    module = importlib.import_module("kechuang.engines.review.aggregate")

    apps = [*APPS, "d", "e", "e", "f"]
    revs = [*REVS, "z", "z", "w", "w"]
    scores = [*SCORES, 40, 60, 70, 30]
    eliminated = aggregate(apps, revs, scores, bootstrap=0)
    monkeypatch.setattr(module, "ELIMINATION_LIMIT", 0)
    sparse = aggregate(apps, revs, scores, bootstrap=0)
    assert sparse.corrected == pytest.approx(eliminated.corrected, abs=1e-6)
    assert sparse.reviewer_effect == pytest.approx(eliminated.reviewer_effect, abs=1e-6)
