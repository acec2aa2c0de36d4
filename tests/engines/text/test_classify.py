"""TF-IDF and the softmax classifier of engines/text/classify.py on tiny hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from kechuang.engines.text.classify import (
    Prediction,
    SoftmaxClassifier,
    TextClassifier,
    TfidfVectorizer,
    features,
    group_probabilities,
    keyword_overlap,
    lbfgs,
    softmax,
    softmax_loss,
    top_k_accuracy,
)


def test_tfidf_by_hand():
    docs = [["a", "b"], ["a", "c", "c"]]
    v = TfidfVectorizer().fit(docs)
    assert v.terms() == ["a", "b", "c"]
    # N = 2; df(a) = 2, df(b) = df(c) = 1; idf = ln((1+N)/(1+df)) + 1
    idf_b = math.log(3 / 2) + 1
    assert v.idf == pytest.approx([1.0, idf_b, idf_b])
    x = v.transform(docs).toarray()
    norm0 = math.sqrt(1 + idf_b**2)
    assert x[0] == pytest.approx([1 / norm0, idf_b / norm0, 0])
    tf_c = (1 + math.log(2)) * idf_b  # sublinear tf: c occurs twice
    norm1 = math.sqrt(1 + tf_c**2)
    assert x[1] == pytest.approx([1 / norm1, 0, tf_c / norm1])
    # unknown terms are dropped; an all-unknown document is a zero row
    assert v.transform([["z"]]).toarray().tolist() == [[0.0, 0.0, 0.0]]


def test_features_add_characters():
    assert features(["储能电站", "光"], characters=False) == ["储能电站", "光"]
    got = features(["储能电站", "光"])
    assert "字:储" in got and "字:能电" in got and "字:光" not in got
    assert features(["氢能"]) == ["氢能", "字:氢", "字:能"]  # two characters: no bigrams inside


def test_softmax_is_stable():
    p = softmax(np.array([[1000.0, 1000.0], [0.0, math.log(3)]]))
    assert p == pytest.approx(np.array([[0.5, 0.5], [0.25, 0.75]]))


def test_strong_l2_leaves_the_class_prior():
    # with a huge penalty the weights vanish and the unpenalised bias learns the class shares
    x = np.eye(4)
    m = SoftmaxClassifier(l2=1e6).fit(x, ["A", "A", "A", "B"])
    assert np.abs(m.weights).max() < 1e-4
    assert m.predict_proba(x[:1])[0] == pytest.approx([0.75, 0.25], abs=1e-4)


def test_loss_by_hand_and_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = sp.csr_matrix(rng.random((6, 4)))
    y = np.eye(3)[[0, 1, 2, 0, 1, 2]]
    v = np.full(6, 1 / 6)
    # at W = 0, b = 0 every class has probability 1/3: the loss is ln 3 and the penalty 0
    loss, _ = softmax_loss(np.zeros(15), x, y, v, 0.1)
    assert loss == pytest.approx(math.log(3))
    theta = rng.normal(size=15)
    _, grad = softmax_loss(theta, x, y, v, 0.1)
    eps = 1e-6
    numeric = [
        (
            softmax_loss(theta + eps * e, x, y, v, 0.1)[0]
            - softmax_loss(theta - eps * e, x, y, v, 0.1)[0]
        )
        / (2 * eps)
        for e in np.eye(15)
    ]
    assert grad == pytest.approx(numeric, abs=1e-6)


def test_separable_classes_and_explanation():
    texts = ["氢能 制氢", "氢能 储氢", "肿瘤 化疗", "肿瘤 放疗"]
    labels = ["H2", "H2", "TUMOR", "TUMOR"]
    clf = TextClassifier(str.split, characters=False).fit(texts, labels)
    (p,) = clf.predict(["制氢 氢能 项目"])
    assert p.label == "H2" and p.probability > 0.8
    assert p.margin == pytest.approx(p.ranked[0][1] - p.ranked[1][1])
    assert sum(q for _, q in p.ranked) == pytest.approx(1.0)
    assert p.terms[0].term in {"氢能", "制氢"} and p.terms[0].contribution > 0
    assert all(t.term != "项目" for t in p.terms)  # unknown word: no feature, no part
    # a class listed but without rows keeps zero weights
    clf2 = TextClassifier(str.split, characters=False).fit(
        texts, labels, classes=["H2", "TUMOR", "EMPTY"]
    )
    (q,) = clf2.predict(["氢能"])
    assert dict(q.ranked)["EMPTY"] < 0.2


def test_fit_rejects_bad_input():
    with pytest.raises(ValueError, match="不一致"):
        SoftmaxClassifier().fit(np.eye(2), ["A"])
    with pytest.raises(ValueError, match="不在类别表"):
        SoftmaxClassifier().fit(np.eye(2), ["A", "B"], classes=["A"])
    with pytest.raises(ValueError, match="L2"):
        SoftmaxClassifier(l2=0).fit(np.eye(2), ["A", "B"])


def test_grouping_and_accuracy_helpers():
    ranked = [("AGR-1", 0.4), ("HEALTH-1", 0.35), ("AGR-2", 0.25)]
    grouped = group_probabilities(ranked, lambda c: c.split("-")[0])
    assert grouped[0][0] == "AGR" and grouped[0][1] == pytest.approx(0.65)
    preds = [Prediction(ranked, []), Prediction([("X", 0.9), ("AGR-1", 0.1)], [])]
    assert top_k_accuracy(preds, ["AGR-1", "AGR-1"], 1) == 0.5
    assert top_k_accuracy(preds, ["AGR-1", "AGR-1"], 2) == 1.0
    assert top_k_accuracy([], [], 1) == 0.0
    order = ["A", "B", "C"]
    terms = {"A": {"x"}, "B": {"y", "z"}, "C": set()}
    assert keyword_overlap(["y", "z", "x"], terms, order) == ["B", "A", "C"]
    assert keyword_overlap([], terms, order) == order  # ties keep the given order


def test_lbfgs_finds_a_quadratic_minimum():
    target = np.array([3.0, -1.0, 0.5])
    scale = np.array([1.0, 10.0, 100.0])  # badly conditioned on purpose

    def fun(x):
        r = x - target
        return float((scale * r * r).sum()), 2 * scale * r

    x, iterations, converged = lbfgs(fun, np.zeros(3), tol=1e-8)
    assert converged and iterations < 100
    assert x == pytest.approx(target, abs=1e-6)
    _, _, converged = lbfgs(fun, np.zeros(3), max_iter=1, tol=1e-12)
    assert not converged
