"""score_pairs: shapes, top-k sparsity, the weighted sum, the gate and the eligibility mask, and
explain's Chinese text."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from kechuang.engines.text import (
    COMPONENTS,
    Demand,
    Supplier,
    Weights,
    distance_score,
    explain,
    load_weights,
    score_pairs,
    shrunk_ratings,
    tag_overlap,
)

F = frozenset

DEMANDS = [
    Demand("d0", "罗氏沼虾池塘尾水处理不达标", F({"罗氏沼虾"}), F({"尾水处理"}), "321084105"),
    Demand("d1", "老藕塘藕腐病严重", F({"水生蔬菜"}), F({"病虫害防治"}), "321023100"),
    Demand("d2", "蓝莓园果蝇危害", F({"蓝莓"}), F({"病虫害防治"}), "321081101"),
]
SUPPLIERS = [
    Supplier(
        "s0",
        "水产养殖尾水处理，三池两坝设计",
        "2024年指导罗氏沼虾池塘尾水达标排放",
        F({"罗氏沼虾", "河蟹"}),
        F({"尾水处理"}),
        "321003",
        (5, 4, 5),
    ),
    Supplier(
        "s1",
        "莲藕病虫害防治，藕腐病",
        "",
        F({"水生蔬菜"}),
        F({"病虫害防治"}),
        "321023100",
        (4,),
    ),
    Supplier("s2", "生猪疫病防控", "", F({"生猪"}), F({"疫病防控"}), "321084105", (5, 5)),
    Supplier("s3", "罗氏沼虾苗种繁育", "", F({"罗氏沼虾"}), F({"繁育育苗"}), "321084", (3,)),
]
W = load_weights()


def test_shapes_order_and_weighted_sum():
    p = score_pairs(DEMANDS, SUPPLIERS, W, top_k=3)
    n = len(p)
    assert p.demand_idx.shape == p.supplier_idx.shape == p.score.shape == (n,)
    assert p.demand_idx.dtype == p.supplier_idx.dtype == np.int64
    assert set(p.components) == set(COMPONENTS)
    assert all(v.shape == (n,) for v in p.components.values())
    assert (p.score > 0).all()
    assert (np.diff(p.demand_idx) >= 0).all()
    total = sum(W.component_weights()[c] * p.components[c] for c in COMPONENTS)
    assert p.score == pytest.approx(total)
    for i in range(len(DEMANDS)):
        rows = p.for_demand(i)
        assert len(rows) <= 3
        assert (np.diff(p.score[rows]) <= 0).all()
    for values in p.components.values():
        assert ((values >= 0) & (values <= 1)).all()


def test_best_matches_and_hand_values():
    p = score_pairs(DEMANDS, SUPPLIERS, W, top_k=5)
    best = {int(d): int(p.supplier_idx[p.for_demand(int(d))[0]]) for d in set(p.demand_idx)}
    assert best[0] == 0 and best[1] == 1
    i = p.for_demand(0)[0]
    assert p.components["text"][i] == 1.0  # the demand's best text match
    assert p.components["industry"][i] == 1.0  # {罗氏沼虾} ⊂ {罗氏沼虾, 河蟹}: overlap 1
    assert p.components["problem"][i] == 1.0
    assert p.components["distance"][i] == 0.4  # 高邮 vs 邗江: same city
    # Ratings pooled: 5,4,5,4,5,5,3 → m = 31/7; s0: (3·31/7 + 14)/6
    m = 31 / 7
    assert p.components["rating"][i] == pytest.approx(((3 * m + 14) / 6 - 1) / 4)


def test_gate_drops_pairs_with_only_distance_and_rating():
    p = score_pairs(DEMANDS, SUPPLIERS, W, top_k=10)
    pairs = set(zip(p.demand_idx.tolist(), p.supplier_idx.tolist(), strict=True))
    # s2 (生猪, same 乡镇 as d0, top rating) shares no word or industry with d0.
    assert (0, 2) not in pairs
    # d2 (蓝莓) matches nobody's text or industry: no candidates at all.
    assert 2 not in p.demand_idx
    # Without the gate the distance and rating alone make candidates.
    open_gate = dataclasses.replace(W, gate=("text", "industry", "problem", "distance", "rating"))
    q = score_pairs(DEMANDS, SUPPLIERS, open_gate, top_k=10)
    assert (0, 2) in set(zip(q.demand_idx.tolist(), q.supplier_idx.tolist(), strict=True))
    assert len(q) == len(DEMANDS) * len(SUPPLIERS)


def test_top_k_keeps_the_best():
    full = score_pairs(DEMANDS, SUPPLIERS, W, top_k=50)
    one = score_pairs(DEMANDS, SUPPLIERS, W, top_k=1)
    for d in set(full.demand_idx.tolist()):
        rows = full.for_demand(d)
        assert one.score[one.for_demand(d)].tolist() == [full.score[rows].max()]
    assert np.bincount(one.demand_idx).max() == 1


@pytest.mark.parametrize("as_sparse", [False, True])
def test_eligibility_mask(as_sparse):
    mask = np.ones((len(DEMANDS), len(SUPPLIERS)), dtype=bool)
    mask[0, 0] = False  # e.g. a conflict
    p = score_pairs(DEMANDS, SUPPLIERS, W, eligible=sp.csr_matrix(mask) if as_sparse else mask)
    pairs = set(zip(p.demand_idx.tolist(), p.supplier_idx.tolist(), strict=True))
    assert (0, 0) not in pairs
    assert (0, 3) in pairs


def test_bad_arguments():
    with pytest.raises(ValueError, match="top_k"):
        score_pairs(DEMANDS, SUPPLIERS, W, top_k=0)
    with pytest.raises(ValueError, match="eligible"):
        score_pairs(DEMANDS, SUPPLIERS, W, eligible=np.ones((2, 2), dtype=bool))
    bad = [dataclasses.replace(DEMANDS[0], region_code="3210")]
    with pytest.raises(ValueError, match="行政区划代码"):
        score_pairs(bad, SUPPLIERS, W)


def test_empty_inputs():
    p = score_pairs([], SUPPLIERS, W)
    assert len(p) == 0 and p.score.dtype == np.float64
    q = score_pairs(DEMANDS, [], W)
    assert len(q) == 0
    assert q.to_csr().shape == (3, 0)


def test_text_weight_only_ranks_by_bm25():
    w = Weights(text=1.0, industry=0, problem=0, distance=0, rating=0, gate=("text",))
    p = score_pairs(DEMANDS, SUPPLIERS, w)
    assert p.score == pytest.approx(p.components["text"])
    assert p.text_raw.shape == p.score.shape


def test_large_block_boundaries_agree_with_single_block(monkeypatch):
    import kechuang.engines.text.affinity as affinity

    many = DEMANDS * 5
    whole = score_pairs(many, SUPPLIERS, W, top_k=2)
    monkeypatch.setattr(affinity, "BLOCK", 4)
    split = score_pairs(many, SUPPLIERS, W, top_k=2)
    assert split.demand_idx.tolist() == whole.demand_idx.tolist()
    assert split.supplier_idx.tolist() == whole.supplier_idx.tolist()
    assert split.score == pytest.approx(whole.score)


def test_explain_in_chinese():
    p = score_pairs(DEMANDS, SUPPLIERS, W)
    i = int(p.for_demand(0)[0])
    rows = explain(p, i)
    assert [r[0] for r in rows] == list(COMPONENTS)
    by = {name: (value, text) for name, value, text in rows}
    assert by["text"][0] == 1.0
    assert "共同关键词" in by["text"][1] and "罗氏沼虾" in by["text"][1]
    assert "尾水处理" in by["text"][1]
    assert "权重 0.45 × 1.00 = 0.450" in by["text"][1]
    assert "共同产业：罗氏沼虾" in by["industry"][1] and "重合系数" in by["industry"][1]
    assert "共同问题类型：尾水处理" in by["problem"][1]
    assert "同一设区市" in by["distance"][1] and "321084105" in by["distance"][1]
    assert "3 次评分平均 4.67 分" in by["rating"][1] and "收缩后" in by["rating"][1]
    total = sum(p.weights.component_weights()[n] * v for n, v, _ in rows)
    assert total == pytest.approx(p.score[i])


def test_explain_same_township_and_no_ratings():
    d = [Demand("d", "罗氏沼虾苗种", F({"罗氏沼虾"}), F(), "321084105")]
    s = [Supplier("s", "罗氏沼虾苗种繁育", "", F({"罗氏沼虾"}), F(), "321084105")]
    p = score_pairs(d, s, W)
    by = {name: text for name, _, text in explain(p, 0)}
    assert "同一乡镇" in by["distance"]
    assert "暂无评分" in by["rating"]
    assert "没有共同的问题类型标签" in by["problem"]


def test_explain_out_of_range():
    p = score_pairs(DEMANDS, SUPPLIERS, W)
    with pytest.raises(IndexError, match="超出范围"):
        explain(p, len(p))


def test_custom_tokenizer():
    p = score_pairs(DEMANDS, SUPPLIERS, W, tokenizer=lambda text: list(text))
    assert len(p) > 0


@pytest.mark.parametrize("method", ["overlap", "jaccard"])
def test_vectorised_components_equal_the_scalar_reference(method):
    """Every pair (gate open) against tag_overlap, distance_score and shrunk_ratings."""
    codes = ["321084105", "321084101", "321084", "321023100", "320102", "", "321084105201"]
    tags = [F({"a"}), F({"a", "b"}), F({"b", "c", "d"}), F()]
    demands = [
        Demand(f"d{i}", "罗氏沼虾", tags[i % 4], tags[(i + 1) % 4], codes[i % len(codes)])
        for i in range(9)
    ]
    suppliers = [
        Supplier(
            f"s{j}",
            "罗氏沼虾 尾水处理",
            "",
            tags[j % 4],
            tags[(j + 2) % 4],
            codes[(j + 3) % len(codes)],
            (float(1 + j % 5),) * (j % 3),
        )
        for j in range(8)
    ]
    w = dataclasses.replace(W, tag_method=method, gate=COMPONENTS)
    p = score_pairs(demands, suppliers, w, top_k=100)
    assert len(p) == len(demands) * len(suppliers)
    rating, _, _ = shrunk_ratings([s.ratings for s in suppliers], w)
    for i in range(len(p)):
        d, s = demands[p.demand_idx[i]], suppliers[p.supplier_idx[i]]
        assert p.components["distance"][i] == distance_score(d.region_code, s.region_code, w)
        assert p.components["industry"][i] == pytest.approx(
            tag_overlap(d.industries, s.industries, method)
        )
        assert p.components["problem"][i] == pytest.approx(
            tag_overlap(d.problem_types, s.problem_types, method)
        )
        assert p.components["rating"][i] == pytest.approx(rating[p.supplier_idx[i]])
