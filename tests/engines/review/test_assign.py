"""Reviewer assignment: optimal against an independent MILP, unit and finance rules, infeasible
cases explained, recusal with replacement."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from review_helpers import app, code, expert, rel, synthetic
from scipy.optimize import Bounds, LinearConstraint, milp

from kechuang.engines.review import ReviewInputError, assign_reviewers, find_conflicts, replace
from kechuang.engines.review.assign import REVIEW_WEIGHTS, _documents
from kechuang.engines.text import load_weights, score_pairs

Y = 2025


def oracle(apps, exps, rels, k, finance):
    """The best total affinity by a MILP built here from the affinity matrix (scipy HiGHS)."""
    demands, suppliers = _documents(apps, exps)
    n_a, n_e = len(apps), len(exps)
    pairs = score_pairs(demands, suppliers, load_weights(REVIEW_WEIGHTS), top_k=n_e)
    score = np.zeros((n_a, n_e))
    cand = np.zeros((n_a, n_e), dtype=bool)
    score[pairs.demand_idx, pairs.supplier_idx] = pairs.score
    cand[pairs.demand_idx, pairs.supplier_idx] = True
    fin = np.array([e.finance for e in exps])
    if finance:
        cand |= fin[None, :]
    for a_id, e_id in find_conflicts(apps, exps, rels, Y).pairs():
        cand[[a.id for a in apps].index(a_id), [e.id for e in exps].index(e_id)] = False
    n = n_a * n_e
    rows, lo, hi = [], [], []

    def add(mask, low, high):
        rows.append(mask.ravel().astype(float))
        lo.append(low)
        hi.append(high)

    for i in range(n_a):
        m = np.zeros((n_a, n_e))
        m[i] = 1
        add(m, k, k)
        if finance:
            m = np.zeros((n_a, n_e))
            m[i, fin] = 1
            add(m, 1, np.inf)
        for unit in {e.unit_code for e in exps}:
            m = np.zeros((n_a, n_e))
            m[i, [e.unit_code == unit for e in exps]] = 1
            add(m, 0, 1)
    for j, e in enumerate(exps):
        m = np.zeros((n_a, n_e))
        m[:, j] = 1
        add(m, 0, e.max_reviews)
    res = milp(
        -score.ravel(),
        constraints=LinearConstraint(sp.csr_matrix(np.array(rows)), lo, hi),
        integrality=np.ones(n),
        bounds=Bounds(0, cand.ravel().astype(float)),
    )
    return None if res.x is None else -res.fun


@pytest.mark.parametrize(
    ("seed", "k", "finance"), [(1, 2, False), (4, 3, True), (3, 2, True), (6, 3, False)]
)
def test_optimal_against_an_independent_milp(seed, k, finance):
    apps, exps, rels = synthetic(8, 14, 7, 25, seed=seed, n_topics=2, finance_share=0.3)
    res = assign_reviewers(apps, exps, rels, Y, k, finance, top_k=len(exps))
    best = oracle(apps, exps, rels, k, finance)
    assert res.feasible and best is not None
    assert sum(p.score for p in res.pairs) == pytest.approx(best, abs=1e-3)
    assert res.total == pytest.approx(best, abs=1e-6)


def test_exactly_k_load_caps_one_per_unit_and_finance():
    apps, exps, rels = synthetic(20, 40, 12, 60, seed=11)
    res = assign_reviewers(apps, exps, rels, Y, 4, finance=True)
    assert res.feasible
    unit = {e.id: e.unit_code for e in exps}
    cap = {e.id: e.max_reviews for e in exps}
    fin = {e.id for e in exps if e.finance}
    for a in apps:
        chosen = res.experts_of(a.id)
        assert len(chosen) == 4
        assert len({unit[e] for e in chosen}) == 4
        assert fin & set(chosen)
    loads = {}
    for p in res.pairs:
        loads[p.expert_id] = loads.get(p.expert_id, 0) + 1
        assert p.reason
    assert all(loads[e] <= cap[e] for e in loads)


def test_two_best_experts_of_one_unit_are_not_both_chosen():
    a = app(1, unit=1, leader=1, topic=0)
    exps = [
        expert(1, unit=5, topic=0),
        expert(2, unit=5, topic=0),
        expert(3, unit=6, topic=0),
        expert(4, unit=7, topic=1),
    ]
    res = assign_reviewers([a], exps, [], Y, 2)
    assert res.feasible
    chosen = set(res.experts_of(a.id))
    assert "E003" in chosen and len(chosen & {"E001", "E002"}) == 1
    assert "文本相关度" in res.pairs[0].reason and "共同关键词" in res.pairs[0].reason


def test_finance_expert_joins_only_when_asked():
    a = app(1, unit=1, leader=1, topic=0)
    exps = [
        expert(1, unit=5, topic=0),
        expert(2, unit=6, topic=0),
        expert(3, unit=7, topic=3, finance=True),
    ]
    without = assign_reviewers([a], exps, [], Y, 2)
    assert set(without.experts_of(a.id)) == {"E001", "E002"}
    with_fin = assign_reviewers([a], exps, [], Y, 2, finance=True)
    assert "E003" in with_fin.experts_of(a.id)


def test_infeasible_names_the_application_and_why():
    apps = [app(1, unit=1, leader=1, topic=0), app(2, unit=2, leader=2, topic=1)]
    exps = [
        expert(1, unit=5, topic=0),
        expert(2, unit=6, topic=0),
        expert(3, unit=7, topic=1),
        expert(4, unit=8, topic=1),
    ]
    # E001 worked at A001's unit until 2022 (within Y−5): A001 has one candidate left.
    rels = [rel(exps[0].person_id, "个人", code(1), "单位", "任职", 2010, 2022)]
    res = assign_reviewers(apps, exps, rels, Y, 2)
    assert not res.feasible
    assert [u.application_id for u in res.unstaffed] == ["A001"]
    assert "候选专家只有 1 人" in res.unstaffed[0].reason
    assert "回避排除 1 人" in res.unstaffed[0].reason


def test_infeasible_without_finance_experts():
    a = app(1, unit=1, leader=1, topic=0)
    exps = [expert(1, unit=5, topic=0), expert(2, unit=6, topic=0)]
    res = assign_reviewers([a], exps, [], Y, 2, finance=True)
    assert not res.feasible
    assert "没有财务专家" in res.unstaffed[0].reason


def test_infeasible_by_load_caps_is_explained_by_the_engine():
    apps = [app(i, unit=i, leader=i, topic=0) for i in range(1, 4)]
    exps = [expert(j, unit=10 + j, topic=0, cap=1) for j in range(1, 5)]
    res = assign_reviewers(apps, exps, [], Y, 2)  # 6 seats, 4 reviews available
    assert not res.feasible
    assert res.message and res.explanation is not None
    assert {u.application_id for u in res.unstaffed} <= {"A001", "A002", "A003"}
    assert res.unstaffed


def test_recusal_replaces_only_the_freed_seat():
    apps, exps, rels = synthetic(12, 30, 12, 40, seed=21, n_topics=2)
    res = assign_reviewers(apps, exps, rels, Y, 3)
    assert res.feasible
    gone = res.pairs[0]
    after = replace(res, gone.application_id, gone.expert_id)
    assert after.feasible
    before_pairs = {(p.application_id, p.expert_id) for p in res.pairs}
    after_pairs = {(p.application_id, p.expert_id) for p in after.pairs}
    assert (gone.application_id, gone.expert_id) not in after_pairs
    assert before_pairs - after_pairs == {(gone.application_id, gone.expert_id)}
    new = after_pairs - before_pairs
    assert len(new) == 1 and next(iter(new))[0] == gone.application_id
    assert not new & find_conflicts(apps, exps, rels, Y).pairs()
    # A second recusal keeps the first one excluded.
    again = replace(after, *next(iter(new)))
    assert (gone.application_id, gone.expert_id) not in {
        (p.application_id, p.expert_id) for p in again.pairs
    }


def test_recusal_without_a_replacement_is_infeasible():
    a = app(1, unit=1, leader=1, topic=0)
    exps = [expert(1, unit=5, topic=0), expert(2, unit=6, topic=0)]
    res = assign_reviewers([a], exps, [], Y, 2)
    after = replace(res, "A001", "E001")
    assert not after.feasible and after.unstaffed[0].application_id == "A001"
    with pytest.raises(ReviewInputError, match="未被分配"):
        replace(res, "A001", "E999")
