"""Small instances: hand-computed cases, and random ones against an independent HiGHS model."""

from __future__ import annotations

import numpy as np
import pytest
from matching_helpers import check, lp_total, milp_oracle, pairs_of, random_instance, raw_of

from kechuang.engines.matching import Group, Instance, MatchingInputError, solve


def two_by_two(**kw) -> Instance:
    """Suppliers A, B (one demand each) × demands X, Y (one supplier each).
    Scores X–A 5, X–B 2, Y–A 2, Y–B 1: total prefers X–A + Y–B = 6 (smallest 1), fair prefers
    X–B + Y–A = 4 (smallest 2)."""
    base = dict(
        supplier_ids=["A", "B"],
        demand_ids=["X", "Y"],
        min_load=[0, 0],
        max_load=[1, 1],
        coverage=[1, 1],
        pair_demand=[0, 0, 1, 1],
        pair_supplier=[0, 1, 0, 1],
        pair_score=[5.0, 2.0, 2.0, 1.0],
    )
    base.update(kw)
    return Instance(**base)


def chosen(res) -> set[tuple[str, str]]:
    return set(pairs_of(res))


def test_total_takes_the_largest_sum():
    res = solve(two_by_two(), "total")
    assert chosen(res) == {("X", "A"), ("Y", "B")}
    assert res.total == 6.0 and res.min_demand_affinity == 1.0
    assert res.loads.tolist() == [1, 1] and res.method == "min_cost_flow"


def test_fair_raises_the_smallest_demand_first():
    res = solve(two_by_two(), "fair")
    assert chosen(res) == {("X", "B"), ("Y", "A")}
    assert res.total == 4.0 and res.min_demand_affinity == 2.0


def test_fair_then_maximises_the_total_among_max_min_answers():
    # three demands, three suppliers (one each); the smallest sum 2 is reachable two ways, totals 7 and 9
    inst = Instance(
        ["A", "B", "C"],
        ["X", "Y", "Z"],
        [0, 0, 0],
        [1, 1, 1],
        [1, 1, 1],
        pair_demand=[0, 0, 1, 1, 2, 2],
        pair_supplier=[0, 1, 1, 2, 2, 0],
        pair_score=[2.0, 3.0, 2.0, 4.0, 3.0, 2.0],
    )
    # X–A,Y–B,Z–C = 2+2+3 = 7 (min 2); X–B,Y–C,Z–A = 3+4+2 = 9 (min 2)
    res = solve(inst, "fair")
    assert chosen(res) == {("X", "B"), ("Y", "C"), ("Z", "A")}
    assert (res.total, res.min_demand_affinity) == (9.0, 2.0)


def test_conflict_removes_a_pair_even_with_the_best_score():
    inst = two_by_two(conflicts=([0], [0]))  # X–A forbidden
    res = solve(inst, "total")
    assert chosen(res) == {("X", "B"), ("Y", "A")}


def test_forced_pair_is_kept_against_the_optimum():
    res = solve(two_by_two(forced=([0], [1])), "total")  # force X–B
    assert chosen(res) == {("X", "B"), ("Y", "A")} and res.total == 4.0


def test_forced_pair_that_is_no_candidate_joins_with_score_zero():
    inst = two_by_two(
        pair_demand=[0, 1, 1],
        pair_supplier=[0, 0, 1],
        pair_score=[5.0, 2.0, 1.0],
        forced=([0], [1]),
    )
    res = solve(inst, "total")
    assert chosen(res) == {("X", "B"), ("Y", "A")}
    why = {(w["demand_id"], w["supplier_id"]): w["score"] for w in res.assignments()}
    assert why[("X", "B")] == 0.0 and res.total == 2.0


def test_min_load_makes_an_idle_supplier_work():
    # C has the lowest scores but must take one demand
    inst = Instance(
        ["A", "B", "C"],
        ["X", "Y"],
        [0, 0, 1],
        [2, 2, 2],
        [1, 1],
        pair_demand=[0, 0, 1, 1],
        pair_supplier=[0, 2, 1, 2],
        pair_score=[0.9, 0.1, 0.8, 0.2],
    )
    res = solve(inst, "total")
    assert res.loads[2] == 1
    assert res.total == pytest.approx(0.9 + 0.2)


def test_coverage_above_one_picks_distinct_suppliers():
    inst = Instance(
        ["A", "B", "C"],
        ["X"],
        [0, 0, 0],
        [1, 1, 1],
        [2],
        pair_demand=[0, 0, 0],
        pair_supplier=[0, 1, 2],
        pair_score=[0.3, 0.5, 0.4],
    )
    res = solve(inst, "total")
    assert chosen(res) == {("X", "B"), ("X", "C")} and res.total == pytest.approx(0.9)


def test_why_passes_the_components_through():
    comps = {
        "bm25": np.array([4.0, 1.5, 1.0, 0.5]),
        "same_county": np.array([True, False, True, False]),
    }
    res = solve(two_by_two(components=comps), "total")
    got = {(w["demand_id"], w["supplier_id"]): w for w in res.assignments()}
    assert got[("X", "A")] == {
        "demand_id": "X",
        "supplier_id": "A",
        "score": 5.0,
        "bm25": 4.0,
        "same_county": True,
    }
    assert got[("Y", "B")]["bm25"] == 0.5 and got[("Y", "B")]["same_county"] is False
    assert res.why(0)["demand_id"] == "X"


def test_group_at_least_one_senior_changes_the_answer():
    # B is the only 正高; demand X must have one
    inst = two_by_two(groups=[Group("正高", np.array([0]), np.array([1]), at_least=1)])
    res = solve(inst, "total")
    assert chosen(res) == {("X", "B"), ("Y", "A")} and res.method == "milp"


def test_group_at_most_one_from_the_same_unit():
    # A and B share a unit; X needs 2 suppliers: the best two (A, B) are not allowed together
    inst = Instance(
        ["A", "B", "C"],
        ["X"],
        [0, 0, 0],
        [1, 1, 1],
        [2],
        pair_demand=[0, 0, 0],
        pair_supplier=[0, 1, 2],
        pair_score=[0.9, 0.8, 0.1],
        groups=[Group("同单位", np.array([0]), np.array([0, 1]), at_most=1)],
    )
    res = solve(inst, "total")
    assert chosen(res) == {("X", "A"), ("X", "C")}


def test_zero_coverage_demands_do_not_count_in_the_minimum():
    inst = two_by_two(coverage=[1, 0])
    res = solve(inst, "fair")
    assert chosen(res) == {("X", "A")} and res.min_demand_affinity == 5.0


def test_empty_instance_is_feasible_and_empty():
    inst = Instance([], [], [], [], [], [], [], [])
    for mode in ("total", "fair"):
        res = solve(inst, mode)
        assert res.feasible and len(res) == 0 and res.total == 0.0


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="模式"):
        solve(two_by_two(), "greedy")


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        ({"pair_demand": [0, 0, 1, 0], "pair_supplier": [0, 1, 0, 0]}, "重复"),
        ({"min_load": [2, 0]}, "最低负荷"),
        ({"pair_score": [1.0, float("nan"), 1.0, 1.0]}, "非有限"),
        ({"pair_supplier": [0, 1, 0, 5]}, "越界"),
        ({"coverage": [1]}, "coverage"),
        ({"components": {"x": np.zeros(3)}}, "解释分量"),
    ],
)
def test_bad_instances_are_refused_with_a_reason(kw, fragment):
    with pytest.raises(MatchingInputError, match=fragment):
        two_by_two(**kw)


@pytest.mark.parametrize("seed", range(12))
def test_total_matches_an_independent_lp_on_random_instances(seed):
    inst = random_instance(seed)
    raw = raw_of(inst)
    res = solve(inst, "total")
    expect = lp_total(raw)
    if expect is None:
        assert not res.feasible and res.explanation is not None
        return
    assert res.feasible
    total, smallest = check(raw, pairs_of(res))
    assert total == pytest.approx(expect, abs=1e-9)
    assert res.total == pytest.approx(total, abs=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_groups_match_an_independent_milp_on_random_instances(seed):
    inst = random_instance(seed, n_sup=9, n_dem=10, degree=6, groups=True)
    raw = raw_of(inst)
    res = solve(inst, "total")
    expect = milp_oracle(raw, "total")
    if expect is None:
        assert not res.feasible and res.explanation is not None
        return
    assert res.feasible
    total, _ = check(raw, pairs_of(res))
    assert total == pytest.approx(expect[0], abs=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_fair_matches_an_independent_lexicographic_milp(seed):
    inst = random_instance(100 + seed, n_sup=7, n_dem=9, degree=4, groups=seed % 2 == 1)
    raw = raw_of(inst)
    res = solve(inst, "fair")
    expect = milp_oracle(raw, "fair")
    if expect is None:
        assert not res.feasible and res.explanation is not None
        return
    assert res.feasible
    total, smallest = check(raw, pairs_of(res))
    assert smallest >= expect[1] - 1e-9
    assert total == pytest.approx(expect[0], abs=1e-7)


def test_random_instances_are_mostly_feasible():
    # guards the random tests above against passing only through their infeasible branch
    feasible = sum(solve(random_instance(s), "total").feasible for s in range(12))
    assert feasible >= 8
