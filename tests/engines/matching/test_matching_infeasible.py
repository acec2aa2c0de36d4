"""Instances without an assignment: each returns the binding constraint and the demands or suppliers
involved (a Chinese message plus machine-readable fields), never a bare 'infeasible'."""

from __future__ import annotations

import numpy as np
import pytest
from matching_helpers import milp_oracle, raw_of

from kechuang.engines.matching import Group, Instance, solve


def hall_instance(**kw) -> Instance:
    """Demands X, Y, Z can only use A or B (one demand each); W uses C. Every demand alone has enough
    candidates, but X, Y, Z together need 3 and A, B supply at most 2."""
    base = dict(
        supplier_ids=["A", "B", "C"],
        demand_ids=["W", "X", "Y", "Z"],
        min_load=[0, 0, 0],
        max_load=[1, 1, 3],
        coverage=[1, 1, 1, 1],
        pair_demand=[0, 1, 1, 2, 2, 3, 3],
        pair_supplier=[2, 0, 1, 0, 1, 0, 1],
        pair_score=[1.0] * 7,
    )
    base.update(kw)
    return Instance(**base)


@pytest.mark.parametrize("mode", ["total", "fair"])
def test_too_few_suppliers_for_a_set_of_demands_names_the_set(mode):
    res = solve(hall_instance(), mode)
    assert not res.feasible and res.status == "infeasible"
    why = res.explanation
    assert why.constraint == "coverage"
    assert sorted(why.demands) == ["X", "Y", "Z"]  # W is served by C and is not to blame
    assert sorted(why.suppliers) == ["A", "B"]
    assert (why.required, why.available) == (3, 2)
    assert "共需 3 人次" in why.message and "最多只能提供 2 人次" in why.message
    assert why.as_dict()["demands"] == why.demands


def test_one_demand_with_too_few_candidates():
    inst = hall_instance(coverage=[2, 1, 0, 0])  # W needs 2, only C is a candidate
    why = solve(inst).explanation
    assert why.constraint == "coverage" and why.demands == ["W"] and why.suppliers == ["C"]
    assert "需要 2 名，只有 1 名可选" in why.message


def test_conflicts_count_against_the_candidates():
    inst = hall_instance(coverage=[1, 2, 0, 0], max_load=[2, 2, 3], conflicts=([1], [0]))
    why = solve(inst).explanation
    assert why.constraint == "coverage" and why.demands == ["X"]


def test_min_loads_that_the_candidate_demands_cannot_absorb():
    # A and B must each take 2, but the only demands they can serve (X, Y) need one supplier each
    inst = Instance(
        ["A", "B", "C"],
        ["X", "Y", "Z", "W"],
        [2, 2, 0],
        [2, 2, 4],
        [1, 1, 1, 1],
        pair_demand=[0, 0, 1, 1, 2, 3, 0],
        pair_supplier=[0, 1, 0, 1, 2, 2, 2],
        pair_score=[1.0] * 7,
    )
    why = solve(inst).explanation
    assert why.constraint == "min_load"
    assert sorted(why.suppliers) == ["A", "B"] and sorted(why.demands) == ["X", "Y"]
    assert (why.required, why.available) == (4, 2)
    assert "最低负荷共 4 项" in why.message


def test_min_load_above_the_candidate_count():
    inst = hall_instance(min_load=[0, 0, 2])  # C can only serve W
    why = solve(inst).explanation
    assert why.constraint == "min_load" and why.suppliers == ["C"]
    assert "至少要承担 2 项" in why.message


def test_min_loads_above_all_coverage():
    inst = Instance(
        ["A", "B"], ["X", "Y"], [2, 2], [2, 2], [1, 1], [0, 0, 1, 1], [0, 1, 0, 1], [1.0] * 4
    )
    why = solve(inst).explanation
    assert why.constraint == "min_load" and "最低负荷之和 4 超过全部需求的覆盖人次 2" in why.message


def test_capacity_below_total_coverage():
    inst = hall_instance(
        max_load=[1, 1, 1],
        coverage=[1, 1, 1, 1],
        pair_demand=[0, 1, 1, 2, 2, 3, 3],
        pair_supplier=[2, 0, 1, 0, 1, 2, 1],
    )
    why = solve(inst).explanation
    assert why.constraint in ("max_load", "coverage")
    assert why.required == 4 and why.available == 3


def test_conflicting_forced_pair():
    inst = hall_instance(forced=([1], [0]), conflicts=([1], [0]))
    why = solve(inst).explanation
    assert why.constraint == "forced" and why.demands == ["X"] and why.suppliers == ["A"]
    assert "既被指定又在回避名单中" in why.message


def test_forced_pairs_beyond_a_load_or_a_coverage():
    why = solve(hall_instance(forced=([1, 2], [0, 0]))).explanation
    assert why.constraint == "forced" and why.suppliers == ["A"] and "超过负荷上限" in why.message
    why = solve(hall_instance(forced=([1, 1], [0, 1]), max_load=[2, 2, 3])).explanation
    assert why.constraint == "forced" and why.demands == ["X"] and "多于所需人数" in why.message


def test_forced_pairs_that_leave_others_short_are_found_by_the_cut():
    # without forcing: X–B, Y–A. Forcing X–A leaves Y (whose only candidate is A) without room
    inst = Instance(["A", "B"], ["X", "Y"], [0, 0], [1, 1], [1, 1], [0, 0, 1], [0, 1, 0], [1.0] * 3)
    assert solve(inst).feasible
    why = solve(Instance(**{**vars(inst), "forced": ([0], [0])})).explanation
    assert why.constraint == "coverage" and why.demands == ["Y"] and why.suppliers == ["A"]
    assert "已扣除指定配对" in why.message


def test_group_rule_without_enough_members():
    inst = hall_instance(
        groups=[Group("正高", np.array([0]), np.array([0]), at_least=1)]
    )  # A is no candidate of W
    why = solve(inst).explanation
    assert why.constraint == "group" and why.group == "正高" and why.demands == ["W"]
    assert "「正高」" in why.message


def test_group_rules_that_fail_only_together_are_named():
    # A is the only 正高 and takes one demand; X and Y both require a 正高
    inst = Instance(
        ["A", "B", "C"],
        ["X", "Y"],
        [0, 0, 0],
        [1, 2, 2],
        [1, 1],
        pair_demand=[0, 0, 1, 1],
        pair_supplier=[0, 1, 0, 2],
        pair_score=[1.0] * 4,
        groups=[
            Group("同单位", np.array([0, 1]), np.array([1, 2]), at_most=1),
            Group("正高", np.array([0, 1]), np.array([0]), at_least=1),
        ],
    )
    assert milp_oracle(raw_of(inst), "total") is None
    why = solve(inst).explanation
    assert why.constraint == "group" and why.group == "正高"
    assert sorted(why.demands) == ["X", "Y"] and why.suppliers == ["A"]
    assert "不考虑分组约束时存在可行分配" in why.message


def test_group_at_most_against_forced_pairs():
    inst = hall_instance(
        max_load=[2, 2, 3],
        coverage=[1, 2, 0, 0],
        forced=([1, 1], [0, 1]),
        groups=[Group("同单位", np.array([1]), np.array([0, 1]), at_most=1)],
    )
    why = solve(inst).explanation
    assert why.constraint == "group" and why.demands == ["X"]
