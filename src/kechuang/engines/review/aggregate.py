"""Review scores per application: raw mean, reviewer-bias-corrected score, bootstrap interval, rank.

Two corrections for reviewers who score systematically high or low:

- ``standardised``: each reviewer's scores become z-scores with the reviewer's own mean and
  (population, ddof = 0) standard deviation; an application's corrected score is the mean of its
  z-scores mapped back to the score scale: overall mean + overall sd × mean z. A reviewer with a
  single score has no own mean or spread to remove, so that score is standardised with the overall
  mean and sd (treated as an average reviewer); a reviewer with several scores all equal (zero
  variance) did not discriminate, so those scores get z = 0 (no information on ranking).
- ``additive``: score_ij = μ + q_i + b_j + e_ij fitted by least squares (normal equations with the
  application effects eliminated and a sparse reviewers × reviewers solve; sparse LSQR over the
  design matrix above ELIMINATION_LIMIT reviewers) with Σ_j b_j = 0. The
  model is identified only within a connected component of the application–reviewer graph (a
  constant can move between q and b inside each component), so the constraint is imposed in every
  component separately: Σ b_j = 0 over the reviewers of each component. Across components the
  scores are comparable only under the assumption that each panel's average leniency is zero;
  `AggregateResult.components` says how many there are. The corrected score is μ + q_i, the
  mean over the application's reviewers of (score − b_j).

`trim` (0 ≤ trim < 0.5) replaces the final mean per application by a trimmed mean that drops
floor(trim × n) scores at each end (the convention of scipy.stats.trim_mean); the raw mean stays
untrimmed. The 90 % interval and the rank band come from a bootstrap over reviewers: reviewers are
drawn with replacement (a reviewer drawn twice counts as two reviewers), the whole correction is
recomputed, and the 5th/95th percentiles of each application's corrected score and rank are taken
(applications none of whose reviewers were drawn are left out of that replicate; the rank band
is widened where needed to contain the point rank). Rank 1 is the
highest corrected score; ties share the better rank. Seeded, so reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import lsqr, spsolve

from .coi import ReviewInputError

METHODS = ("standardised", "additive")
# Reviewers up to which the additive model is solved by eliminating the applications (sparse LU
# of a k × k system); LSQR above (its fill-in stays bounded).
ELIMINATION_LIMIT = 20000


@dataclass
class AggregateResult:
    """Per application (in `application_ids` order): counts, means, corrected scores, intervals, ranks."""

    application_ids: list[str]
    n_reviewers: np.ndarray
    raw_mean: np.ndarray
    corrected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    rank: np.ndarray
    rank_lower: np.ndarray
    rank_upper: np.ndarray
    method: str
    components: int
    reviewer_ids: list[str]
    reviewer_effect: np.ndarray

    def rows(self) -> list[dict[str, object]]:
        """One dict per application, best rank first."""
        order = np.lexsort((np.arange(len(self.rank)), self.rank))
        return [
            {
                "application_id": self.application_ids[i],
                "n_reviewers": int(self.n_reviewers[i]),
                "raw_mean": float(self.raw_mean[i]),
                "corrected": float(self.corrected[i]),
                "lower": float(self.lower[i]),
                "upper": float(self.upper[i]),
                "rank": int(self.rank[i]),
                "rank_lower": int(self.rank_lower[i]),
                "rank_upper": int(self.rank_upper[i]),
            }
            for i in order
        ]


def _codes(values: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Distinct values in first-seen order and each value's code."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), np.int64, len(values))
    return list(index), codes


def group_mean(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Mean of values per group 0..n-1 (NaN for an empty group)."""
    counts = np.bincount(groups, minlength=n).astype(float)
    sums = np.bincount(groups, weights=values, minlength=n)
    out = np.full(n, np.nan)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out


def trimmed_group_mean(groups: np.ndarray, values: np.ndarray, n: int, trim: float) -> np.ndarray:
    """Per-group mean dropping floor(trim × size) values at each end (vectorised by sorting)."""
    if trim <= 0:
        return group_mean(groups, values, n)
    order = np.lexsort((values, groups))
    g, v = groups[order], values[order]
    counts = np.bincount(g, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(len(g)) - starts[g]
    cut = np.floor(trim * counts).astype(np.int64)
    keep = (pos >= cut[g]) & (pos < counts[g] - cut[g])
    return group_mean(g[keep], v[keep], n)


def standardised_scores(
    app: np.ndarray, rev: np.ndarray, score: np.ndarray, n_app: int, n_rev: int, trim: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """(corrected score per application, reviewer offset mean_j − overall mean) by z-scores."""
    mu, sd = float(score.mean()), float(score.std())
    counts = np.bincount(rev, minlength=n_rev)
    r_mean = group_mean(rev, score, n_rev)
    r_var = group_mean(rev, score**2, n_rev) - r_mean**2
    r_sd = np.sqrt(np.clip(r_var, 0.0, None))
    # Relative tolerance: a reviewer whose scores differ only by rounding noise has no spread.
    flat = r_sd <= 1e-12 * max(abs(mu), 1.0)
    z = np.zeros(len(score))
    own = (counts[rev] >= 2) & ~flat[rev]
    z[own] = (score[own] - r_mean[rev[own]]) / r_sd[rev[own]]
    single = counts[rev] == 1
    if sd > 0:
        z[single] = (score[single] - mu) / sd
    mean_z = trimmed_group_mean(app, z, n_app, trim)
    offset = np.where(counts >= 2, r_mean - mu, 0.0)
    return mu + sd * mean_z, offset


def additive_fit(
    app: np.ndarray, rev: np.ndarray, score: np.ndarray, n_app: int, n_rev: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Least-squares (μ + q_i, b_j) of score = μ + q_i + b_j + e with Σ b_j = 0 per component.

    The application effects are eliminated from the normal equations (θ_i = mean of score − b_j
    over i's reviewers), leaving the reviewers' sparse system L b = r with
    L = diag(m) − Nᵀ diag(1/n) N, singular exactly along each component's constant vector:
    one reviewer per component is grounded (b = 0), the rest solved by sparse LU, and b is then
    centred within each component. Up to ELIMINATION_LIMIT reviewers; sparse LSQR on the full design
    above."""
    m = len(score)
    used = np.bincount(rev, minlength=n_rev) > 0
    graph = sp.csr_matrix((np.ones(m), (app, n_app + rev)), shape=(n_app + n_rev, n_app + n_rev))
    n_comp, label = connected_components(graph, directed=False)
    rev_label = label[n_app:]
    real = len(np.unique(label[np.concatenate([app, n_app + rev])])) if m else 0
    n_i = np.bincount(app, minlength=n_app).astype(float)
    inv_n = np.divide(1.0, n_i, out=np.zeros(n_app), where=n_i > 0)
    if int(used.sum()) <= ELIMINATION_LIMIT:
        idx = np.flatnonzero(used)
        pos = np.full(n_rev, -1)
        pos[idx] = np.arange(len(idx))
        r = pos[rev]
        k = len(idx)
        incidence = sp.csr_matrix((np.ones(m), (app, r)), shape=(n_app, k))
        lap = sp.diags(np.bincount(r, minlength=k).astype(float))
        lap = (lap - incidence.T @ sp.diags(inv_n) @ incidence).tocsc()
        s_i = np.bincount(app, weights=score, minlength=n_app)
        rhs = np.bincount(r, weights=score, minlength=k) - incidence.T @ (s_i * inv_n)
        comp = rev_label[idx]
        # Ground one reviewer per component (b = 0) to make L regular, solve the sparse system,
        # then centre b within each component (the fit does not change).
        _, first = np.unique(comp, return_index=True)
        free = np.setdiff1d(np.arange(k), first)
        sub = np.zeros(k)
        if len(free):
            sub[free] = spsolve(lap[free][:, free].tocsc(), rhs[free])
        sub -= group_mean(comp, sub, n_comp)[comp]
        b = np.zeros(n_rev)
        b[idx] = sub
        theta = (s_i - np.bincount(app, weights=b[rev], minlength=n_app)) * inv_n
        theta[n_i == 0] = np.nan
        return theta, b, real
    rows = np.repeat(np.arange(m), 2)
    cols = np.column_stack([app, n_app + rev]).ravel()
    design = sp.csr_matrix((np.ones(2 * m), (rows, cols)), shape=(m, n_app + n_rev))
    sol = lsqr(design, score, atol=1e-12, btol=1e-12, iter_lim=20 * (n_app + n_rev) + 100)[0]
    theta, b = sol[:n_app].copy(), sol[n_app:].copy()
    # Move each component's mean reviewer effect into its applications' scores: the fit is the
    # same, and Σ b_j = 0 holds in every component.
    shift = np.nan_to_num(group_mean(rev_label[used], b[used], n_comp))
    b[used] -= shift[rev_label[used]]
    theta += shift[label[:n_app]]
    b[~used] = 0.0
    theta[n_i == 0] = np.nan
    return theta, b, real


def additive_scores(
    app: np.ndarray, rev: np.ndarray, score: np.ndarray, n_app: int, n_rev: int, trim: float = 0.0
) -> tuple[np.ndarray, np.ndarray, int]:
    """(corrected score per application, reviewer effects b_j, components) of the additive model."""
    theta, b, comps = additive_fit(app, rev, score, n_app, n_rev)
    if trim > 0:
        theta = trimmed_group_mean(app, score - b[rev], n_app, trim)
    return theta, b, comps


def _correct(
    method: str,
    app: np.ndarray,
    rev: np.ndarray,
    score: np.ndarray,
    n_app: int,
    n_rev: int,
    trim: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """The corrected scores, reviewer effects and component count by the chosen method."""
    if method == "standardised":
        corrected, offset = standardised_scores(app, rev, score, n_app, n_rev, trim)
        return corrected, offset, 1
    return additive_scores(app, rev, score, n_app, n_rev, trim)


def rank_desc(values: np.ndarray) -> np.ndarray:
    """Rank 1 = highest; ties share the better (smaller) rank; NaN gets NaN."""
    out = np.full(len(values), np.nan)
    ok = ~np.isnan(values)
    v = values[ok]
    # rank = 1 + number of strictly larger values ("min" ties)
    s = np.sort(v)
    out[ok] = 1 + len(v) - np.searchsorted(s, v, side="right")
    return out


def aggregate(
    application_ids: Sequence[str],
    reviewer_ids: Sequence[str],
    scores: Sequence[float] | np.ndarray,
    method: str = "additive",
    trim: float = 0.0,
    bootstrap: int = 1000,
    seed: int = 0,
    level: float = 0.90,
) -> AggregateResult:
    """Aggregate one score per (application, reviewer) row; see the module docstring."""
    if method not in METHODS:
        raise ReviewInputError(f"未知的校正方法 {method!r}，应为 standardised 或 additive")
    if not 0 <= trim < 0.5:
        raise ReviewInputError(f"截尾比例应在 0 到 0.5 之间（不含 0.5），实际为 {trim}")
    if bootstrap < 0:
        raise ReviewInputError("自助抽样次数不能为负")
    score = np.asarray(scores, dtype=np.float64)
    if not (len(application_ids) == len(reviewer_ids) == len(score)):
        raise ReviewInputError("申报编号、专家编号与分数的行数不一致")
    if len(score) == 0:
        raise ReviewInputError("没有评分记录")
    if not np.all(np.isfinite(score)):
        raise ReviewInputError("分数含非数值")
    apps, app = _codes(application_ids)
    revs, rev = _codes(reviewer_ids)
    n_app, n_rev = len(apps), len(revs)
    key = app * n_rev + rev
    uniq, counts = np.unique(key, return_counts=True)
    if (counts > 1).any():
        k = int(uniq[counts > 1][0])
        raise ReviewInputError(f"专家 {revs[k % n_rev]} 对申报 {apps[k // n_rev]} 评分不止一次")
    raw = group_mean(app, score, n_app)
    corrected, effect, comps = _correct(method, app, rev, score, n_app, n_rev, trim)
    rank = rank_desc(corrected)
    lower, upper = corrected.copy(), corrected.copy()
    rank_lo, rank_hi = rank.copy(), rank.copy()
    if bootstrap:
        boot, boot_rank = bootstrap_reviewers(
            method, app, rev, score, n_app, n_rev, trim, bootstrap, seed
        )
        tail = (1 - level) / 2 * 100
        with np.errstate(all="ignore"):
            lower = np.nanpercentile(boot, tail, axis=0)
            upper = np.nanpercentile(boot, 100 - tail, axis=0)
            rank_lo = np.nanpercentile(boot_rank, tail, axis=0, method="lower")
            rank_hi = np.nanpercentile(boot_rank, 100 - tail, axis=0, method="higher")
        # An application with no replicate (cannot happen with ≥1 reviewer and B large, but
        # B may be tiny) keeps its point values.
        lower = np.where(np.isnan(lower), corrected, lower)
        upper = np.where(np.isnan(upper), corrected, upper)
        rank_lo = np.where(np.isnan(rank_lo), rank, np.minimum(rank_lo, rank))
        rank_hi = np.where(np.isnan(rank_hi), rank, np.maximum(rank_hi, rank))
    return AggregateResult(
        application_ids=apps,
        n_reviewers=np.bincount(app, minlength=n_app),
        raw_mean=raw,
        corrected=corrected,
        lower=lower,
        upper=upper,
        rank=rank.astype(np.int64),
        rank_lower=np.asarray(rank_lo).astype(np.int64),
        rank_upper=np.asarray(rank_hi).astype(np.int64),
        method=method,
        components=comps,
        reviewer_ids=revs,
        reviewer_effect=effect,
    )


def bootstrap_reviewers(
    method: str,
    app: np.ndarray,
    rev: np.ndarray,
    score: np.ndarray,
    n_app: int,
    n_rev: int,
    trim: float,
    replicates: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(replicates × applications) corrected scores and ranks, reviewers drawn with replacement."""
    rng = np.random.default_rng(seed)
    order = np.argsort(rev, kind="stable")
    counts = np.bincount(rev, minlength=n_rev)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    boot = np.full((replicates, n_app), np.nan)
    ranks = np.full((replicates, n_app), np.nan)
    for r in range(replicates):
        drawn = rng.integers(0, n_rev, n_rev)
        sizes = counts[drawn]
        total = int(sizes.sum())
        # Row positions of every drawn reviewer's scores, without a Python loop over reviewers.
        new_rev = np.repeat(np.arange(n_rev), sizes)
        within = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        rows = order[starts[drawn][new_rev] + within]
        a, s = app[rows], score[rows]
        values, _, _ = _correct(method, a, new_rev, s, n_app, n_rev, trim)
        seen = np.bincount(a, minlength=n_app) > 0
        values = np.where(seen, values, np.nan)
        boot[r] = values
        ranks[r] = rank_desc(values)
    return boot, ranks
