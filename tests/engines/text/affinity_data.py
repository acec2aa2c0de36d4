"""The hand-labelled commissioner-affinity set (tests/data/commissioner-affinity) and the
ranking metrics used on it: precision@k of score_pairs and of two baselines."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from kechuang.engines.text import Demand, Supplier, Weights, score_pairs

DATA = Path(__file__).resolve().parents[2] / "data" / "commissioner-affinity"


def _tags(cell: str) -> frozenset[str]:
    """A ';'-separated tag cell as a set."""
    return frozenset(t.strip() for t in cell.split(";") if t.strip())


def load_demands() -> list[Demand]:
    """demands.csv as Demand objects, in file order."""
    with (DATA / "demands.csv").open(encoding="utf-8") as f:
        return [
            Demand(
                id=r["id"],
                text=r["text"],
                industries=_tags(r["industries"]),
                problem_types=_tags(r["problem_types"]),
                region_code=r["region_code"],
            )
            for r in csv.DictReader(f)
        ]


def load_suppliers() -> list[Supplier]:
    """commissioners.csv as Supplier objects (text = expertise + titles), in file order."""
    with (DATA / "commissioners.csv").open(encoding="utf-8") as f:
        return [
            Supplier(
                id=r["id"],
                text=f"{r['expertise']}\n{r['titles']}",
                history_text=r["history"],
                industries=_tags(r["industries"]),
                problem_types=_tags(r["problem_types"]),
                region_code=r["region_code"],
                ratings=tuple(float(x) for x in r["ratings"].split(";") if x.strip()),
            )
            for r in csv.DictReader(f)
        ]


def load_labels() -> dict[tuple[str, str], int]:
    """(demand id, commissioner id) → grade 0–2; unlisted pairs are not relevant (see README)."""
    with (DATA / "labels.csv").open(encoding="utf-8") as f:
        return {(r["demand_id"], r["commissioner_id"]): int(r["grade"]) for r in csv.DictReader(f)}


Ranking = dict[str, list[str]]


def rank_by_affinity(
    demands: Sequence[Demand], suppliers: Sequence[Supplier], weights: Weights, k: int = 5
) -> Ranking:
    """Each demand's top-k commissioner ids by score_pairs."""
    pairs = score_pairs(demands, suppliers, weights, top_k=k)
    out: Ranking = {d.id: [] for d in demands}
    for di, si in zip(pairs.demand_idx, pairs.supplier_idx, strict=True):
        out[demands[di].id].append(suppliers[si].id)
    return out


def _mean_rating(s: Supplier) -> float:
    return float(np.mean(s.ratings)) if s.ratings else 0.0


def rank_region_specialty(
    demands: Sequence[Demand], suppliers: Sequence[Supplier], k: int = 5
) -> Ranking:
    """Today's filter (reference A4): same 区县 and a shared 产业 tag; the list shown to the
    administrator is ordered by mean rating, then id."""
    out: Ranking = {}
    for d in demands:
        hits = [
            s
            for s in suppliers
            if s.region_code[:6] == d.region_code[:6] and s.industries & d.industries
        ]
        hits.sort(key=lambda s: (-_mean_rating(s), s.id))
        out[d.id] = [s.id for s in hits[:k]]
    return out


def rank_tags_only(demands: Sequence[Demand], suppliers: Sequence[Supplier], k: int = 5) -> Ranking:
    """Tags only: number of shared 产业 plus shared 问题类型 tags, ties by id; no text."""
    out: Ranking = {}
    for d in demands:
        scored = [
            (len(s.industries & d.industries) + len(s.problem_types & d.problem_types), s.id)
            for s in suppliers
        ]
        scored = [x for x in scored if x[0] > 0]
        scored.sort(key=lambda x: (-x[0], x[1]))
        out[d.id] = [sid for _, sid in scored[:k]]
    return out


def precision_at_k(
    ranking: Ranking, labels: dict[tuple[str, str], int], k: int = 5, capped: bool = False
) -> float:
    """Mean over demands of (relevant among the top k) / k, relevant = grade ≥ 1; with capped,
    divide by min(k, number of relevant commissioners) instead (1.0 = as good as possible)."""
    relevant: dict[str, set[str]] = {}
    for (d, c), grade in labels.items():
        if grade >= 1:
            relevant.setdefault(d, set()).add(c)
    values = []
    for d, rel in relevant.items():
        hits = sum(1 for c in ranking.get(d, [])[:k] if c in rel)
        values.append(hits / (min(k, len(rel)) if capped else k))
    return float(np.mean(values))


def hard_negative_rate(ranking: Ranking, labels: dict[tuple[str, str], int], k: int = 5) -> float:
    """Share of top-k slots filled by a commissioner labelled 0 (a hard negative)."""
    bad = total = 0
    for d, ids in ranking.items():
        for c in ids[:k]:
            total += 1
            bad += labels.get((d, c)) == 0
    return bad / total if total else 0.0


def evaluate(rank: Callable[[], Ranking], labels: dict[tuple[str, str], int]) -> dict[str, float]:
    """P@5, capped P@5 and hard-negative rate of one ranking function."""
    ranking = rank()
    return {
        "p@5": precision_at_k(ranking, labels),
        "capped_p@5": precision_at_k(ranking, labels, capped=True),
        "p@1": precision_at_k(ranking, labels, k=1),
        "hard_neg@5": hard_negative_rate(ranking, labels),
    }
