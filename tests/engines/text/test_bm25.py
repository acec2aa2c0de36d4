"""BM25 against hand computation on a three-document corpus, and against a naive loop."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import scipy.sparse as sp

from kechuang.engines.text import BM25Index, normalise_rows_by_max

# d0 = a b a (dl 3), d1 = b c (dl 2), d2 = c (dl 1); N = 3, avgdl = 2.
CORPUS = [["a", "b", "a"], ["b", "c"], ["c"]]


def test_idf_by_hand():
    index = BM25Index(CORPUS)
    vocab = index.vocabulary
    # a is in 1 document: ln(1 + (3 − 1 + 0.5)/(1 + 0.5)) = ln(8/3)
    assert index.idf[vocab["a"]] == pytest.approx(math.log(8 / 3))
    # b and c are in 2 documents: ln(1 + (3 − 2 + 0.5)/(2 + 0.5)) = ln(1.6)
    assert index.idf[vocab["b"]] == pytest.approx(math.log(1.6))
    assert index.idf[vocab["c"]] == pytest.approx(math.log(1.6))
    assert index.avgdl == 2.0


def test_scores_by_hand():
    index = BM25Index(CORPUS, k1=1.2, b=0.75)
    # Query a: only d0. K(d0) = 1.2·(1 − 0.75 + 0.75·3/2) = 1.65;
    # tf part = 2·2.2/(2 + 1.65) = 1.2054795; score = ln(8/3)·1.2054795 = 1.1823695
    assert index.score_one(["a"]) == pytest.approx([1.1823695, 0.0, 0.0], abs=1e-7)
    # Query b c. idf = ln 1.6 = 0.4700036 each.
    # d0: b tf 1, K 1.65 → 2.2/2.65 = 0.8301887 → 0.3901917
    # d1: b and c tf 1, K = 1.2·(0.25 + 0.75) = 1.2 → 1 each → 0.9400073
    # d2: c tf 1, K = 1.2·(0.25 + 0.375) = 0.75 → 2.2/1.75 = 1.2571429 → 0.5908617
    assert index.score_one(["b", "c"]) == pytest.approx([0.3901917, 0.9400073, 0.5908617], abs=1e-7)


def test_b_zero_switches_off_length_normalisation():
    index = BM25Index(CORPUS, k1=1.2, b=0.0)
    # K = k1 = 1.2 for every document: c in d1 and d2 scores ln1.6·2.2/2.2 = ln 1.6 in both.
    scores = index.score_one(["c"])
    assert scores[1] == pytest.approx(math.log(1.6))
    assert scores[2] == pytest.approx(math.log(1.6))


def test_query_term_frequency_with_k3():
    index = BM25Index(CORPUS)
    once = index.score_one(["a"])
    # k3 = 0: a repeated query term counts once.
    assert index.score_one(["a", "a"], k3=0) == pytest.approx(once)
    # k3 = 1, qtf = 2: w_q = 2·2/(1 + 2) = 4/3.
    assert index.score_one(["a", "a"], k3=1) == pytest.approx(once * 4 / 3)


def test_unknown_and_empty_queries_score_zero():
    index = BM25Index(CORPUS)
    assert index.score_one(["zzz"]).tolist() == [0.0, 0.0, 0.0]
    assert index.score_one([]).tolist() == [0.0, 0.0, 0.0]


def test_term_in_every_document_still_counts_a_little():
    index = BM25Index([["x", "y"], ["x"], ["x", "z"]])
    # ln(1 + 0.5/3.5) > 0: the +1 keeps the idf positive.
    assert index.idf[index.vocabulary["x"]] == pytest.approx(math.log(1 + 0.5 / 3.5))
    assert (index.score_one(["x"]) > 0).all()


@pytest.mark.parametrize("k1,b", [(-0.1, 0.75), (1.2, -0.1), (1.2, 1.1)])
def test_invalid_parameters(k1, b):
    with pytest.raises(ValueError):
        BM25Index(CORPUS, k1=k1, b=b)


def test_negative_k3_is_refused():
    with pytest.raises(ValueError):
        BM25Index(CORPUS).score([["a"]], k3=-1)


def naive_bm25(query, docs, k1, b):
    """The textbook loop: used only to check the sparse implementation."""
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n
    df = {}
    for d in docs:
        for t in set(d):
            df[t] = df.get(t, 0) + 1
    out = []
    for d in docs:
        s = 0.0
        for t in set(query):
            tf = d.count(t)
            if tf:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avgdl))
        out.append(s)
    return out


def test_sparse_matches_naive_on_a_random_corpus():
    rng = random.Random(7)
    words = [f"w{i}" for i in range(40)]
    docs = [[rng.choice(words) for _ in range(rng.randint(1, 30))] for _ in range(25)]
    queries = [[rng.choice(words) for _ in range(rng.randint(1, 6))] for _ in range(10)]
    index = BM25Index(docs, k1=1.5, b=0.6)
    got = index.score(queries).toarray()
    want = np.array([naive_bm25(q, docs, 1.5, 0.6) for q in queries])
    assert got == pytest.approx(want, abs=1e-9)


def test_normalise_rows_by_max():
    m = sp.csr_matrix(np.array([[2.0, 4.0, 0.0], [0.0, 0.0, 0.0], [0.5, 0.0, 0.25]]))
    out = normalise_rows_by_max(m).toarray()
    assert out.tolist() == [[0.5, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.5]]
    # The input is not modified.
    assert m.toarray()[0].tolist() == [2.0, 4.0, 0.0]


def test_dense_blocks_equal_the_sparse_product():
    index = BM25Index(CORPUS)
    q = index.query_matrix([["a"], ["b", "c"], ["zzz"], []])
    assert index.score_block(q) == pytest.approx(
        index.score([["a"], ["b", "c"], ["zzz"], []]).toarray()
    )
    assert index.score_block(q[2:]).tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
