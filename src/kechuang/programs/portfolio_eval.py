"""Accuracy of the 指南 classifier on a labelled set (e.g. tests/data/program-portfolio/heldout.csv):
top-1 and top-3 of the model trained on the 指南 alone (cold start: nothing confirmed yet), of the
model with labelled history (k-fold: each fold is predicted by a model that saw the 指南 and the
other folds), and of two baselines — the majority class and keyword overlap with the 指南's own
names and keywords. Used by the accuracy test and bench/bench_classify.py."""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kechuang.engines.text import tokenize
from kechuang.engines.text.classify import keyword_overlap, top_k_accuracy
from kechuang.programs.portfolio import fit_model
from kechuang.programs.taxonomy import Guide, load_guide


@dataclass(frozen=True)
class Item:
    """One labelled item: id, 方向 code and the text (title, keywords, abstract)."""

    id: str
    direction: str
    text: str


def read_items(path: Path) -> list[Item]:
    """Items of a labelled CSV with columns id, direction, title, keywords (；-separated), abstract."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Item(
                r["id"],
                r["direction"],
                f"{r['title']} {r['keywords'].replace('；', ' ')} {r['abstract']}",
            )
            for r in csv.DictReader(fh)
        ]


def _topk(ranked: list[list[str]], truth: list[str], k: int) -> float:
    return (
        sum(t in r[:k] for r, t in zip(ranked, truth, strict=True)) / len(truth) if truth else 0.0
    )


def evaluate(items: list[Item], guide: Guide | None = None, folds: int = 5, seed: int = 0) -> dict:
    """Top-1/top-3 accuracy of the model (指南 only, and with history by k-fold) and baselines."""
    guide = guide or load_guide()
    truth = [i.direction for i in items]
    texts = [i.text for i in items]
    classes = [d.code for d in guide.directions()]
    cold = fit_model(guide).predict(texts)
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    warm: list = [None] * len(items)
    for f in range(folds):
        test = order[f::folds]
        held = set(test)
        history = [(texts[i], truth[i]) for i in order if i not in held]
        for i, p in zip(
            test, fit_model(guide, history).predict([texts[i] for i in test]), strict=True
        ):
            warm[i] = p
    # baselines: the most frequent class (by the 指南 order on ties), and keyword overlap
    counts = Counter(truth)
    majority = sorted(classes, key=lambda c: (-counts[c], classes.index(c)))
    terms = {
        d.code: {
            w
            for code in (d.code, *d.children)
            for w in [
                *tokenize(guide.nodes[code].name),
                *guide.nodes[code].keywords,
                *tokenize(" ".join(guide.nodes[code].keywords)),
            ]
        }
        for d in guide.directions()
    }
    overlap = [keyword_overlap(tokenize(t), terms, classes) for t in texts]
    return {
        "items": len(items),
        "classes": len(classes),
        "model_guide_only": {
            "top1": top_k_accuracy(cold, truth, 1),
            "top3": top_k_accuracy(cold, truth, 3),
        },
        "model_with_history": {
            "top1": top_k_accuracy(warm, truth, 1),
            "top3": top_k_accuracy(warm, truth, 3),
            "folds": folds,
        },
        "majority": {
            "top1": _topk([majority] * len(items), truth, 1),
            "top3": _topk([majority] * len(items), truth, 3),
        },
        "keyword_overlap": {"top1": _topk(overlap, truth, 1), "top3": _topk(overlap, truth, 3)},
    }


def report(result: dict) -> str:
    """The figures as Chinese lines."""
    names = {
        "model_guide_only": "模型（仅指南文本训练）",
        "model_with_history": f"模型（指南 + 已标注历史，{result['model_with_history']['folds']} 折交叉）",
        "majority": "基线：多数类",
        "keyword_overlap": "基线：指南关键词重合",
    }
    lines = [f"留出标注集 {result['items']} 条，{result['classes']} 个方向"]
    for key, label in names.items():
        r = result[key]
        lines.append(f"{label}：top-1 {r['top1']:.1%}，top-3 {r['top3']:.1%}")
    return "\n".join(lines)
