"""Affinity of demands and suppliers (科技特派员 and the farms they serve) from data: BM25 on the
texts, tag overlap, distance from administrative codes and shrunk past ratings, combined with the
weights of ``affinity.yaml`` into sparse top-k pairs for the matching engine.

Components, each in [0, 1]:

- ``text``: BM25 of the demand's text against the supplier's document (text + history), divided by
  the demand's best BM25 score over all suppliers, so the best-matching supplier of every demand
  has 1 (a demand whose words match nobody has 0 everywhere).
- ``industry`` / ``problem``: tag overlap. The overlap coefficient (Szymkiewicz–Simpson)
  |A∩B| / min(|A|, |B|), or Jaccard |A∩B| / |A∪B| if the weights say so; 0 if either set is empty.
- ``distance``: a level value from the codes: same 乡镇 (9-digit 统计用区划代码 prefix), same 区县
  (6-digit GB/T 2260 code), same city (first 4 digits), else the ``other`` value.
- ``rating``: Bayesian average (C·m + Σr)/(C + n) of the supplier's ratings with prior weight C and
  prior mean m (the mean of all ratings given, unless the weights fix it), rescaled from the rating
  scale to [0, 1]; a supplier with no ratings gets m.

score = Σ weight·component. A pair is a candidate only if one of the ``gate`` components is
positive (and ``eligible`` allows it); per demand the top_k candidates by score are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from .bm25 import BM25Index
from .tokenizer import tokenize
from .weights import COMPONENT_LABELS, COMPONENTS, Weights

# Demands per block when building dense demand × supplier blocks: bounds memory to
# about BLOCK × suppliers × 8 bytes per array (4 MB at 2,000 suppliers).
BLOCK = 256


@dataclass(frozen=True)
class Demand:
    """One demand: its text, 产业 and 问题类型 tags and the region code of where it is."""

    id: str
    text: str
    industries: frozenset[str] = frozenset()
    problem_types: frozenset[str] = frozenset()
    region_code: str = ""

    def __post_init__(self) -> None:
        _freeze_tags(self)


def _freeze_tags(obj: Any) -> None:
    """Tags given as lists or tuples become frozensets (set operations explain the overlap)."""
    for name in ("industries", "problem_types"):
        value = getattr(obj, name)
        if not isinstance(value, frozenset):
            object.__setattr__(obj, name, frozenset(value or ()))


@dataclass(frozen=True)
class Supplier:
    """One supplier (commissioner): expertise text and titles, service history, tags, region,
    and past ratings on the 1–5 scale."""

    id: str
    text: str
    history_text: str = ""
    industries: frozenset[str] = frozenset()
    problem_types: frozenset[str] = frozenset()
    region_code: str = ""
    ratings: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        _freeze_tags(self)
        object.__setattr__(self, "ratings", tuple(self.ratings or ()))


@dataclass
class Pairs:
    """Sparse scored pairs: parallel arrays, sorted by demand then descending score."""

    demand_idx: np.ndarray
    supplier_idx: np.ndarray
    score: np.ndarray
    components: dict[str, np.ndarray]
    weights: Weights
    demands: Sequence[Demand] = field(repr=False, default=())
    suppliers: Sequence[Supplier] = field(repr=False, default=())
    text_raw: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    demand_tokens: Sequence[Sequence[str]] = field(repr=False, default=())
    supplier_tokens: Sequence[Sequence[str]] = field(repr=False, default=())
    index: BM25Index | None = field(repr=False, default=None)
    rating_mean: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    rating_prior_mean: float = 0.0

    def __len__(self) -> int:
        return len(self.score)

    def to_csr(self) -> sp.csr_matrix:
        """The scores as a demands × suppliers sparse matrix."""
        return sp.csr_matrix(
            (self.score, (self.demand_idx, self.supplier_idx)),
            shape=(len(self.demands), len(self.suppliers)),
        )

    def for_demand(self, i: int) -> np.ndarray:
        """Positions (into the pair arrays) of demand i's pairs, best first."""
        lo, hi = np.searchsorted(self.demand_idx, [i, i + 1])
        return np.arange(lo, hi)


# ---------------------------------------------------------------- scalar components (reference)


def tag_overlap(a: frozenset[str], b: frozenset[str], method: str = "overlap") -> float:
    """Overlap coefficient |A∩B|/min(|A|,|B|) or Jaccard |A∩B|/|A∪B|; 0 if a set is empty."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    if method == "overlap":
        return inter / min(len(a), len(b))
    if method == "jaccard":
        return inter / len(a | b)
    raise ValueError(f"未知的标签重合度方法：{method}")


def region_parts(code: str) -> tuple[str, str, str]:
    """(township, county, city) prefixes of a region code; empty strings where the code is shorter.

    Accepted: '' (unknown), 6 digits (GB/T 2260 区县), 9 digits (乡镇, 统计用区划代码 prefix) or
    12 digits (村, the full 统计用区划代码)."""
    code = (code or "").strip()
    if code and (not code.isdigit() or len(code) not in (6, 9, 12)):
        raise ValueError(
            f"行政区划代码 {code!r} 无效：应为 6 位区县代码、9 位乡镇代码或 12 位村级代码"
        )
    if not code:
        return "", "", ""
    return (code[:9] if len(code) >= 9 else "", code[:6], code[:4])


def distance_level(a: str, b: str) -> str:
    """The proximity level of two region codes: township, county, city or other."""
    ta, ca, ma = region_parts(a)
    tb, cb, mb = region_parts(b)
    if ta and ta == tb:
        return "township"
    if ca and ca == cb:
        return "county"
    if ma and ma == mb:
        return "city"
    return "other"


def distance_score(a: str, b: str, weights: Weights) -> float:
    """The distance component of two region codes (the level's value from the weights)."""
    return float(weights.distance_levels[distance_level(a, b)])


def shrunk_ratings(
    ratings: Sequence[Sequence[float]], weights: Weights
) -> tuple[np.ndarray, np.ndarray, float]:
    """(component in [0,1], shrunk mean on the rating scale, prior mean) for each supplier's
    ratings: the Bayesian average (C·m + Σr)/(C + n), rescaled from [scale_min, scale_max]."""
    lo, hi = weights.rating_min, weights.rating_max
    counts = np.array([len(r) for r in ratings], dtype=np.float64)
    sums = np.array([float(sum(r)) for r in ratings], dtype=np.float64)
    for r in ratings:
        for value in r:
            if not np.isfinite(value) or value < lo or value > hi:
                raise ValueError(f"评分 {value!r} 超出 {lo:g}–{hi:g} 分的范围")
    if weights.rating_prior_mean is not None:
        prior = float(weights.rating_prior_mean)
    elif counts.sum() > 0:
        prior = float(sums.sum() / counts.sum())
    else:
        prior = (lo + hi) / 2
    c = float(weights.rating_prior_weight)
    denom = c + counts
    mean = np.where(denom > 0, (c * prior + sums) / np.where(denom > 0, denom, 1.0), prior)
    return (mean - lo) / (hi - lo), mean, prior


# ---------------------------------------------------------------- vectorised scoring


def _incidence(tag_sets: Sequence[frozenset[str]], vocab: dict[str, int]) -> sp.csr_matrix:
    """Binary items × tags matrix, extending vocab with unseen tags."""
    rows, cols = [], []
    for i, tags in enumerate(tag_sets):
        for tag in tags:
            rows.append(i)
            cols.append(vocab.setdefault(tag, len(vocab)))
    return sp.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(tag_sets), max(len(vocab), 1))
    )


def _pad(m: sp.csr_matrix, n_cols: int) -> sp.csr_matrix:
    """The same matrix with as many columns as the final tag vocabulary."""
    return sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], n_cols))


def _tag_block(
    a: sp.csr_matrix, b_t: sp.csc_matrix, size_a: np.ndarray, size_b: np.ndarray, method: str
) -> np.ndarray:
    """Dense tag-overlap block for demand rows a against all suppliers (b_t = tags × suppliers)."""
    inter = (a @ b_t).toarray()
    if method == "overlap":
        denom = np.minimum(size_a[:, None], size_b[None, :])
    else:
        denom = size_a[:, None] + size_b[None, :] - inter
    # In place: where a set is empty the intersection is already 0.
    np.divide(inter, denom, out=inter, where=denom > 0)
    return inter


def _region_ids(codes: Sequence[str], vocab: dict[str, int], level: int) -> np.ndarray:
    """Integer id of each code's prefix at one level (0 township, 1 county, 2 city); -1 if none."""
    out = np.full(len(codes), -1, dtype=np.int64)
    for i, code in enumerate(codes):
        part = region_parts(code)[level]
        if part:
            out[i] = vocab.setdefault(part, len(vocab))
    return out


def _eligible_block(eligible: Any, lo: int, hi: int, n_sup: int) -> np.ndarray | None:
    """Boolean block of rows lo:hi of the eligibility mask (dense array or SciPy sparse)."""
    if eligible is None:
        return None
    block = eligible[lo:hi]
    block = block.toarray() if sp.issparse(block) else np.asarray(block)
    if block.shape != (hi - lo, n_sup):
        raise ValueError("eligible 的形状必须是 (需求数, 特派员数)")
    return block.astype(bool)


def score_pairs(
    demands: Sequence[Demand],
    suppliers: Sequence[Supplier],
    weights: Weights,
    top_k: int = 50,
    eligible: Any = None,
    tokenizer: Callable[[str], list[str]] | None = None,
) -> Pairs:
    """Score every demand against every supplier and keep each demand's top_k candidates.

    eligible: None (all pairs allowed) or a demands × suppliers boolean mask, dense or SciPy
    sparse (nonzero = allowed), e.g. conflicts or service areas applied before ranking.
    tokenizer: text → tokens; the shipped jieba tokenizer by default."""
    if top_k < 1:
        raise ValueError(f"top_k 必须是正整数，实际为 {top_k}")
    cut = tokenizer or tokenize
    n_dem, n_sup = len(demands), len(suppliers)
    demand_tokens = [cut(d.text) for d in demands]
    supplier_tokens = [cut(f"{s.text}\n{s.history_text}") for s in suppliers]
    index = BM25Index(supplier_tokens, k1=weights.k1, b=weights.b)
    queries = index.query_matrix(demand_tokens, k3=weights.k3)
    if queries.shape[0] != n_dem:  # no demands: query_matrix saw no rows
        queries = sp.csr_matrix((n_dem, len(index.vocabulary)))

    tag_vocab: dict[str, int] = {}
    d_ind = _incidence([d.industries for d in demands], tag_vocab)
    s_ind = _incidence([s.industries for s in suppliers], tag_vocab)
    prob_vocab: dict[str, int] = {}
    d_prob = _incidence([d.problem_types for d in demands], prob_vocab)
    s_prob = _incidence([s.problem_types for s in suppliers], prob_vocab)
    n_tags, n_prob = max(len(tag_vocab), 1), max(len(prob_vocab), 1)
    d_ind, s_ind = _pad(d_ind, n_tags), _pad(s_ind, n_tags).T.tocsc()
    d_prob, s_prob = _pad(d_prob, n_prob), _pad(s_prob, n_prob).T.tocsc()
    size = {
        "d_ind": np.array([len(d.industries) for d in demands], dtype=float),
        "s_ind": np.array([len(s.industries) for s in suppliers], dtype=float),
        "d_prob": np.array([len(d.problem_types) for d in demands], dtype=float),
        "s_prob": np.array([len(s.problem_types) for s in suppliers], dtype=float),
    }

    levels = weights.distance_levels
    region_vocab: list[dict[str, int]] = [{}, {}, {}]
    d_regions = [
        _region_ids([d.region_code for d in demands], region_vocab[k], k) for k in range(3)
    ]
    s_regions = [
        _region_ids([s.region_code for s in suppliers], region_vocab[k], k) for k in range(3)
    ]

    rating, rating_mean, prior = shrunk_ratings([s.ratings for s in suppliers], weights)
    w = weights.component_weights()

    out_d, out_s, out_score = [], [], []
    out_comp: dict[str, list[np.ndarray]] = {name: [] for name in COMPONENTS}
    out_raw = []
    k = min(top_k, n_sup)
    for lo in range(0, n_dem, BLOCK):
        hi = min(lo + BLOCK, n_dem)
        text = index.score_block(queries[lo:hi])
        row_max = text.max(axis=1, keepdims=True) if n_sup else np.zeros((hi - lo, 1))
        np.divide(text, row_max, out=text, where=row_max > 0)  # raw = text · row_max
        comp = {
            "text": text,
            "industry": _tag_block(
                d_ind[lo:hi], s_ind, size["d_ind"][lo:hi], size["s_ind"], weights.tag_method
            ),
            "problem": _tag_block(
                d_prob[lo:hi], s_prob, size["d_prob"][lo:hi], size["s_prob"], weights.tag_method
            ),
        }
        dist = np.full((hi - lo, n_sup), levels["other"])
        # Coarsest level first so that finer matches overwrite it.
        for level, name in ((2, "city"), (1, "county"), (0, "township")):
            dr, sr = d_regions[level][lo:hi, None], s_regions[level][None, :]
            np.putmask(dist, (dr == sr) & (dr >= 0), levels[name])
        comp["distance"] = dist
        comp["rating"] = np.broadcast_to(rating, (hi - lo, n_sup))
        score = np.zeros((hi - lo, n_sup))
        for name in COMPONENTS:
            if w[name]:
                score += w[name] * comp[name]
        allowed = np.zeros((hi - lo, n_sup), dtype=bool)
        for name in weights.gate:
            allowed |= comp[name] > 0
        mask = _eligible_block(eligible, lo, hi, n_sup)
        if mask is not None:
            allowed &= mask
        allowed &= score > 0
        np.logical_not(allowed, out=allowed)
        score[allowed] = 0.0
        if k == 0:
            continue
        if k < n_sup:
            top = np.argpartition(-score, k - 1, axis=1)[:, :k]
        else:
            top = np.broadcast_to(np.arange(n_sup), (hi - lo, n_sup))
        top_scores = np.take_along_axis(score, top, axis=1)
        # Best first within a demand; ties by supplier position so results are reproducible.
        order = np.lexsort((top, -top_scores), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        top_scores = np.take_along_axis(top_scores, order, axis=1)
        keep = top_scores > 0
        rows = np.broadcast_to(np.arange(lo, hi)[:, None], top.shape)[keep]
        cols = top[keep]
        out_d.append(rows)
        out_s.append(cols)
        out_score.append(top_scores[keep])
        for name in COMPONENTS:
            out_comp[name].append(comp[name][rows - lo, cols])
        out_raw.append(text[rows - lo, cols] * row_max[rows - lo, 0])

    def cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    return Pairs(
        demand_idx=cat(out_d, np.int64),
        supplier_idx=cat(out_s, np.int64),
        score=cat(out_score, np.float64),
        components={name: cat(out_comp[name], np.float64) for name in COMPONENTS},
        weights=weights,
        demands=demands,
        suppliers=suppliers,
        text_raw=cat(out_raw, np.float64),
        demand_tokens=demand_tokens,
        supplier_tokens=supplier_tokens,
        index=index,
        rating_mean=rating_mean,
        rating_prior_mean=prior,
    )


# ---------------------------------------------------------------- explanations

_LEVEL_TEXT = {
    "township": "同一乡镇",
    "county": "同一区县",
    "city": "同一设区市",
    "other": "不在同一市或代码缺失",
}


def _shared_terms(pairs: Pairs, d: int, s: int, limit: int = 6) -> list[str]:
    """Terms the demand and the supplier's document share, most informative (highest idf) first."""
    shared = set(pairs.demand_tokens[d]) & set(pairs.supplier_tokens[s])
    if pairs.index is None:
        return sorted(shared)[:limit]
    vocab, idf = pairs.index.vocabulary, pairs.index.idf
    return sorted(shared, key=lambda t: (-idf[vocab[t]], t))[:limit]


def explain(pairs: Pairs, i: int) -> list[tuple[str, float, str]]:
    """(component, value, Chinese explanation) for pair i, one row per component."""
    if not 0 <= i < len(pairs):
        raise IndexError(f"匹配对序号 {i} 超出范围（共 {len(pairs)} 对）")
    d, s = int(pairs.demand_idx[i]), int(pairs.supplier_idx[i])
    demand, supplier = pairs.demands[d], pairs.suppliers[s]
    w = pairs.weights.component_weights()
    rows = []
    for name in COMPONENTS:
        value = float(pairs.components[name][i])
        share = f"权重 {w[name]:.2f} × {value:.2f} = {w[name] * value:.3f}"
        if name == "text":
            terms = _shared_terms(pairs, d, s)
            detail = (
                f"共同关键词：{'、'.join(terms)}" if terms else "需求描述与特派员材料没有共同关键词"
            )
            text = (
                f"{COMPONENT_LABELS[name]} {value:.2f}（BM25 原始分 {pairs.text_raw[i]:.2f}，"
                f"为该需求最高分的 {value:.0%}）；{detail}；{share}"
            )
        elif name in ("industry", "problem"):
            a = demand.industries if name == "industry" else demand.problem_types
            b = supplier.industries if name == "industry" else supplier.problem_types
            common = sorted(a & b)
            method = "重合系数" if pairs.weights.tag_method == "overlap" else "杰卡德系数"
            label = "产业" if name == "industry" else "问题类型"
            detail = f"共同{label}：{'、'.join(common)}" if common else f"没有共同的{label}标签"
            text = f"{COMPONENT_LABELS[name]} {value:.2f}（{method}）；{detail}；{share}"
        elif name == "distance":
            level = distance_level(demand.region_code, supplier.region_code)
            text = (
                f"{COMPONENT_LABELS[name]} {value:.2f}：{_LEVEL_TEXT[level]}"
                f"（需求 {demand.region_code or '未填'}，特派员 {supplier.region_code or '未填'}）；{share}"
            )
        else:
            n = len(supplier.ratings)
            prior = pairs.rating_prior_mean
            shrunk = float(pairs.rating_mean[s])
            if n:
                basis = (
                    f"{n} 次评分平均 {float(np.mean(supplier.ratings)):.2f} 分，"
                    f"向总均值 {prior:.2f} 收缩后为 {shrunk:.2f} 分"
                )
            else:
                basis = f"暂无评分，按总均值 {prior:.2f} 分计"
            text = f"{COMPONENT_LABELS[name]} {value:.2f}（{basis}）；{share}"
        rows.append((name, value, text))
    return rows
