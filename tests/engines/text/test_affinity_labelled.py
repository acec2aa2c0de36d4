"""Precision@5 of the affinity on the hand-labelled set (tests/data/commissioner-affinity),
against today's region + specialty filter and a tags-only ranking.

Measured when the set and the weights were written (December 2026), 60 demands, 70 commissioners:

    ranking                      P@5     capped P@5   P@1
    affinity (affinity.yaml)     0.317   0.907        1.000
    tags only                    0.290   0.844        0.933
    region + specialty filter    0.190   0.561        0.467

P@5 is bounded by the number of relevant commissioners per demand (1–4 here; the ceiling is
0.360), so capped P@5 (hits / min(5, relevant)) is printed as well. The floors below are the
measured values minus a margin of about 0.03, so a change that loses a demand or two fails.
"""

from __future__ import annotations

import csv
import re

from affinity_data import (
    DATA,
    evaluate,
    load_demands,
    load_labels,
    load_suppliers,
    precision_at_k,
    rank_by_affinity,
    rank_region_specialty,
    rank_tags_only,
)

from kechuang.engines.text import load_weights, region_parts

P5_FLOOR = 0.29
CAPPED_P5_FLOOR = 0.87


def test_the_labelled_set_is_what_the_readme_says():
    demands, suppliers, labels = load_demands(), load_suppliers(), load_labels()
    assert 40 <= len(demands) <= 60 and 60 <= len(suppliers) <= 100
    assert len(labels) >= 150
    ids_d, ids_s = {d.id for d in demands}, {s.id for s in suppliers}
    assert {d for d, _ in labels} == ids_d
    assert {c for _, c in labels} <= ids_s
    grades = list(labels.values())
    assert set(grades) == {0, 1, 2}
    assert grades.count(0) >= 50, "hard negatives"
    for d in demands:
        assert any(labels.get((d.id, s.id), 0) >= 1 for s in suppliers), d.id
        region_parts(d.region_code)
        assert len(d.region_code) == 9 and d.region_code[:6] in {
            "321002",
            "321003",
            "321012",
            "321023",
            "321081",
            "321084",
        }
    for s in suppliers:
        region_parts(s.region_code)
        assert all(1 <= r <= 5 for r in s.ratings)
    with (DATA / "commissioners.csv").open(encoding="utf-8") as f:
        types = {r["type"] for r in csv.DictReader(f)}
    assert types == {"个人", "团队", "法人"}
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert re.search(r"by hand", readme) and "labelling rule" in readme.lower()


def test_precision_at_5_beats_the_floor_and_the_baselines():
    demands, suppliers, labels = load_demands(), load_suppliers(), load_labels()
    weights = load_weights()
    results = {
        "affinity": evaluate(lambda: rank_by_affinity(demands, suppliers, weights), labels),
        "tags only": evaluate(lambda: rank_tags_only(demands, suppliers), labels),
        "region + specialty": evaluate(lambda: rank_region_specialty(demands, suppliers), labels),
    }
    for name, r in results.items():
        print(
            f"{name:20s} P@5 {r['p@5']:.3f}  capped P@5 {r['capped_p@5']:.3f}  "
            f"P@1 {r['p@1']:.3f}  hard negatives in top 5 {r['hard_neg@5']:.3f}"
        )
    ours = results["affinity"]
    assert ours["p@5"] >= P5_FLOOR
    assert ours["capped_p@5"] >= CAPPED_P5_FLOOR
    for baseline in ("tags only", "region + specialty"):
        assert ours["p@5"] > results[baseline]["p@5"]
        assert ours["capped_p@5"] > results[baseline]["capped_p@5"]


def test_precision_helper_by_hand():
    labels = {("d1", "a"): 2, ("d1", "b"): 1, ("d1", "x"): 0, ("d2", "c"): 1}
    ranking = {"d1": ["a", "x", "y", "b", "z"], "d2": ["y", "z"]}
    # d1: 2 of 5; d2: 0 of 5 → mean 0.2; capped: d1 2/2, d2 0/1 → 0.5
    assert precision_at_k(ranking, labels) == 0.2
    assert precision_at_k(ranking, labels, capped=True) == 0.5
    assert precision_at_k(ranking, labels, k=1) == 0.5
