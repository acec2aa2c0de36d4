"""Benchmark: demand–commissioner affinity (engines/text.score_pairs) at 1,200 × 300 and
20,000 × 2,000, against a naive pure-Python BM25 in the same run.

    .venv/bin/python bench/bench_affinity.py [--sizes 1200x300,20000x2000] [--baseline-demands 200]

The demands and commissioners are synthetic: texts drawn from the shipped agricultural dictionary
plus everyday words, tags and region codes drawn at random (seeded). Three figures per size:

- tokenise: jieba with the shipped dictionary over every demand and commissioner text;
- score: score_pairs on the tokenised texts (BM25 on sparse matrices, tags, distance, ratings,
  top-50 per demand), i.e. all demand × commissioner pairs;
- BM25 only: the sparse BM25 part of score_pairs alone (index, query matrix, dense blocks of
  raw scores for every pair), the like-for-like figure for the baseline;
- baseline: the textbook BM25 loop in pure Python (dicts of term counts, one pass over the query
  terms for every pair), BM25 only, run on the first --baseline-demands demands against every
  commissioner and extrapolated per pair to the whole size. The baseline and the sparse BM25 are
  checked to agree on that subset.

Two ratios are printed: baseline (extrapolated) ÷ BM25 only, like for like, and baseline ÷ the
whole score_pairs, which does more than BM25.
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from kechuang.engines.text import BM25Index, Demand, Supplier, load_weights, score_pairs  # noqa: E402
from kechuang.engines.text.affinity import BLOCK  # noqa: E402
from kechuang.engines.text.tokenizer import AGRI_DICT, read_user_dict, tokenize  # noqa: E402

COUNTIES = ["321002", "321003", "321012", "321023", "321081", "321084"]
INDUSTRIES = ["罗氏沼虾", "小龙虾", "河蟹", "水生蔬菜", "蓝莓", "果树", "水稻", "蔬菜", "花卉苗木"]
INDUSTRIES += ["生猪", "家禽", "特色鱼类"]
PROBLEMS = ["品种选育", "繁育育苗", "栽培管理", "养殖管理", "病虫害防治", "病害防控", "土壤修复"]
PROBLEMS += ["尾水处理", "复合种养", "深加工", "冷链物流", "设施装备", "智慧农业", "市场营销"]
FILLER = ["今年", "产量", "下降", "想", "提高", "效益", "池塘", "大棚", "合作社", "品质", "成本"]
FILLER += ["技术", "示范", "推广", "培训", "农户", "基地", "指导", "管理", "发生", "严重"]


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def region(rng: random.Random, township: bool) -> str:
    """A Yangzhou county code, or a 9-digit township code under one."""
    county = rng.choice(COUNTIES)
    return f"{county}{rng.randint(100, 112)}" if township else county


def make(n_demands: int, n_suppliers: int, seed: int = 1):
    """Synthetic demands and suppliers with dictionary terms mixed into everyday words."""
    rng = random.Random(seed)
    terms = [w for w, _, _ in read_user_dict(AGRI_DICT)]
    demands = [
        Demand(
            id=f"D{i}",
            text="，".join(
                rng.choice(terms) + rng.choice(FILLER) + rng.choice(FILLER)
                for _ in range(rng.randint(3, 6))
            ),
            industries=frozenset(rng.sample(INDUSTRIES, 1)),
            problem_types=frozenset(rng.sample(PROBLEMS, rng.randint(1, 2))),
            region_code=region(rng, True),
        )
        for i in range(n_demands)
    ]
    suppliers = [
        Supplier(
            id=f"C{i}",
            text="、".join(rng.sample(terms, rng.randint(5, 10))) + "，研究员",
            history_text="；".join(
                rng.choice(FILLER) + rng.choice(terms) + rng.choice(FILLER)
                for _ in range(rng.randint(5, 20))
            ),
            industries=frozenset(rng.sample(INDUSTRIES, rng.randint(1, 3))),
            problem_types=frozenset(rng.sample(PROBLEMS, rng.randint(1, 3))),
            region_code=region(rng, rng.random() < 0.3),
            ratings=tuple(rng.randint(3, 5) for _ in range(rng.randint(0, 6))),
        )
        for i in range(n_suppliers)
    ]
    return demands, suppliers


def naive_bm25(queries, docs, k1: float, b: float) -> list[list[float]]:
    """Textbook BM25 in pure Python: per pair, a loop over the query's distinct terms."""
    n = len(docs)
    counts = [Counter(d) for d in docs]
    lengths = [len(d) for d in docs]
    avgdl = sum(lengths) / n
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    out = []
    for q in queries:
        terms = set(q)
        row = []
        for c, dl in zip(counts, lengths, strict=True):
            norm = k1 * (1 - b + b * dl / avgdl)
            s = 0.0
            for t in terms:
                tf = c.get(t, 0)
                if tf:
                    s += idf[t] * tf * (k1 + 1) / (tf + norm)
            row.append(s)
        out.append(row)
    return out


def run(n_demands: int, n_suppliers: int, baseline_demands: int) -> None:
    """Time tokenising, scoring and the naive baseline at one size and print the figures."""
    weights = load_weights()
    demands, suppliers = make(n_demands, n_suppliers)
    t0 = time.perf_counter()
    cache = {d.text: tokenize(d.text) for d in demands}
    for s in suppliers:
        text = f"{s.text}\n{s.history_text}"
        cache[text] = tokenize(text)
    t_tok = time.perf_counter() - t0

    t0 = time.perf_counter()
    pairs = score_pairs(demands, suppliers, weights, top_k=50, tokenizer=cache.__getitem__)
    t_score = time.perf_counter() - t0

    d_tokens = [cache[f"{s.text}\n{s.history_text}"] for s in suppliers]
    t0 = time.perf_counter()
    index = BM25Index(d_tokens, weights.k1, weights.b)
    queries = index.query_matrix([cache[d.text] for d in demands], k3=weights.k3)
    checksum = 0.0
    for lo in range(0, n_demands, BLOCK):
        checksum += float(index.score_block(queries[lo : lo + BLOCK]).sum())
    t_bm25 = time.perf_counter() - t0

    sub = min(baseline_demands, n_demands)
    q_tokens = [cache[d.text] for d in demands[:sub]]
    t0 = time.perf_counter()
    naive = naive_bm25(q_tokens, d_tokens, weights.k1, weights.b)
    t_naive = time.perf_counter() - t0
    fast = BM25Index(d_tokens, weights.k1, weights.b).score(q_tokens).toarray()
    assert np.allclose(fast, np.array(naive)), "sparse BM25 and the naive loop disagree"
    t_naive_full = t_naive * n_demands / sub

    per_demand = np.bincount(pairs.demand_idx, minlength=n_demands)
    print(
        f"{n_demands:,} demands × {n_suppliers:,} commissioners ({n_demands * n_suppliers:,} pairs)"
    )
    print(f"  tokenise (jieba)        {t_tok:8.2f} s")
    print(
        f"  score_pairs (top 50)    {t_score:8.2f} s   {len(pairs):,} pairs kept, "
        f"≤ {per_demand.max()} per demand"
    )
    print(
        f"  naive BM25, {sub} demands {t_naive:8.2f} s   → {t_naive_full:,.1f} s for all "
        f"(extrapolated per pair)"
    )
    print(f"  BM25 only (sparse)      {t_bm25:8.2f} s   (checksum {checksum:,.1f})")
    print(
        f"  ratio naive ÷ BM25 only: {t_naive_full / t_bm25:,.0f}×   "
        f"naive ÷ score_pairs: {t_naive_full / t_score:,.0f}×   peak RSS {peak_mb():,.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1200x300,20000x2000")
    parser.add_argument("--baseline-demands", type=int, default=200)
    args = parser.parse_args()
    tokenize("预热")  # build jieba's prefix dictionary outside the timings
    for size in args.sizes.split(","):
        n_d, n_s = (int(x) for x in size.lower().split("x"))
        run(n_d, n_s, args.baseline_demands)


if __name__ == "__main__":
    main()
