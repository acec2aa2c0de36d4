"""Uncertainty and sensitivity analysis of ranks (COINr sensitivity.R, reference §3.3.6).

Uncertain assumptions are factors, each sampled as U(0,1) and binned onto its alternatives,
as COINr's `sample_2_para` does:

* a step factor (`step` + `values`, optionally `param`): alternative parameters of a step
  before aggregation (e.g. treat winmax, the normalisation method) or of the aggregation;
* a weights factor (`noise`, `levels`, `sets`): `sets` weight sets drawn once, each weight
  uniform within ±noise of its nominal value (COINr get_noisy_weights).

Speed: runs that share the same pre-aggregation choices share one pipeline run up to
normalisation; all their weight sets and aggregation methods are then aggregated in one
batched NumPy call. Seeded, so a rerun gives identical numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from .aggregate import aggregate_tree
from .analysis import rank_min_desc
from .errors import SpecError
from .pipeline import RunResult, level_methods, run
from .spec import Spec

PRE_AGGREGATE = ("denominate", "impute", "screen", "treat", "normalise")


@dataclass
class Factor:
    """One uncertain assumption and its alternatives."""

    name: str
    kind: str  # "step" | "aggregate" | "weights"
    step: str | None = None
    alternatives: list[Any] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Number of alternatives the U(0,1) draw is binned onto."""
        return len(self.alternatives)


def parse_factors(
    spec: Spec, factors: list[dict[str, Any]] | None = None, rng: np.random.Generator | None = None
) -> list[Factor]:
    """Turn the `uncertainty.factors` section into Factors (weight sets are drawn here)."""
    raw = factors if factors is not None else (spec.uncertainty or {}).get("factors")
    if not raw:
        raise SpecError("没有不确定性因素：请在规格的 uncertainty.factors 中列出")
    rng = rng or np.random.default_rng(0)
    fw = spec.framework
    agg_p = spec.step("aggregate") or {}
    base_w = fw.weights() | {k: float(v) for k, v in (agg_p.get("weights") or {}).items()}
    out: list[Factor] = []
    for i, f in enumerate(raw, start=1):
        name = f.get("name") or f"factor{i}"
        if "noise" in f:
            noise = float(f["noise"])
            if not 0 <= noise < 1:
                raise SpecError(f"不确定性因素 '{name}'：noise 必须在 0 与 1 之间")
            levels = f.get("levels") or list(range(2, fw.max_level))
            sets = int(f.get("sets", 100))
            codes = [c for c in fw.nodes if fw.nodes[c].level in levels]
            if not codes:
                raise SpecError(f"不确定性因素 '{name}'：第 {levels} 层没有可加噪声的权重")
            alts = []
            for _ in range(sets):
                u = rng.uniform(-1.0, 1.0, len(codes))
                alts.append({c: base_w[c] * (1 + noise * u[j]) for j, c in enumerate(codes)})
            out.append(Factor(name, "weights", None, alts))
            continue
        step = f.get("step")
        values = f.get("values")
        if step not in (*PRE_AGGREGATE, "aggregate"):
            raise SpecError(
                f"不确定性因素 '{name}'：step 必须是 {', '.join((*PRE_AGGREGATE, 'aggregate'))} 之一"
            )
        if spec.step(step) is None:
            raise SpecError(f"不确定性因素 '{name}'：规格中没有步骤 '{step}'")
        if not isinstance(values, list) or len(values) < 1:
            raise SpecError(f"不确定性因素 '{name}'：values 必须是非空列表")
        param = f.get("param")
        alts = [{param: v} if param else dict(v) for v in values]
        if step == "aggregate":
            for a in alts:
                spec.with_step_params({"aggregate": a})  # validates each alternative
            out.append(Factor(name, "aggregate", step, alts))
        else:
            for a in alts:
                spec.with_step_params({step: a})
            out.append(Factor(name, "step", step, alts))
    return out


def _choices(u: np.ndarray, factors: list[Factor]) -> np.ndarray:
    sizes = np.array([f.size for f in factors])
    return np.minimum((u * sizes).astype(np.int64), sizes - 1)


def evaluate(
    spec: Spec,
    data: pl.DataFrame,
    factors: list[Factor],
    u: np.ndarray,
    nominal: RunResult,
    target: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores and ranks of `target` for every row of the design `u` (runs × factors).

    Returns (scores, ranks, failed): runs × units arrays aligned with the nominal units, and
    a runs-long mask of runs that could not be computed (e.g. a geometric mean met a zero).
    """
    fw = nominal.framework
    target = target or fw.root
    keys = [spec.unit] + ([spec.time] if spec.time else [])
    units = nominal.aggregated.select(keys)
    choice = _choices(u, factors)
    runs = u.shape[0]
    scores = np.full((runs, units.height), np.nan)
    failed = np.zeros(runs, dtype=bool)
    pre = [j for j, f in enumerate(factors) if f.kind == "step"]
    agg_f = [j for j, f in enumerate(factors) if f.kind == "aggregate"]
    w_f = [j for j, f in enumerate(factors) if f.kind == "weights"]
    agg_base = spec.step("aggregate")
    combos = {tuple(row) for row in choice[:, pre]} if pre else {()}
    for combo in sorted(combos):
        overrides: dict[str, dict[str, Any]] = {}
        for j, k in zip(pre, combo, strict=False):
            overrides.setdefault(factors[j].step, {}).update(factors[j].alternatives[k])
        part = run(spec, data, until="normalise", overrides=overrides, hash_input=False)
        norm = units.join(part.datasets["Normalised"], on=keys, how="left", maintain_order="left")
        values = {
            c: norm.get_column(c).cast(pl.Float64).fill_null(np.nan).to_numpy()
            for c in fw.indicators
        }
        in_combo = (
            np.all(choice[:, pre] == np.array(combo, dtype=np.int64), axis=1)
            if pre
            else np.ones(runs, bool)
        )
        agg_keys = {tuple(r) for r in choice[in_combo][:, agg_f]} if agg_f else {()}
        for ak in sorted(agg_keys):
            p = dict(agg_base)
            for j, k in zip(agg_f, ak, strict=False):
                p.update(factors[j].alternatives[k])
                if "levels" not in factors[j].alternatives[k]:
                    p["levels"] = {}
            sel = in_combo & (
                np.all(choice[:, agg_f] == np.array(ak, dtype=np.int64), axis=1) if agg_f else True
            )
            idx = np.flatnonzero(sel)
            weights: dict[str, Any] = {c: float(v) for c, v in (p.get("weights") or {}).items()}
            for j in w_f:
                sets = factors[j].alternatives
                for c in sets[0]:
                    weights[c] = np.array([sets[k][c] for k in choice[idx, j]])
            methods = level_methods(p, fw)
            min_av = {
                lv: p["levels"].get(lv, {}).get("min_availability", p["min_availability"])
                for lv in methods
            }
            out, invalid = aggregate_tree(
                values, fw, weights or None, methods, min_av, on_invalid="nan"
            )
            res = np.broadcast_to(out[target], (idx.size, units.height))
            bad = np.zeros(idx.size, dtype=bool)
            for m in invalid.values():
                m = np.broadcast_to(m, (idx.size, units.height))
                bad |= m.any(axis=-1)
            scores[idx] = res
            failed[idx] = bad
    scores[failed] = np.nan
    if spec.time:
        ranks = np.full_like(scores, np.nan)
        periods = units.get_column(spec.time).to_numpy()
        for t in np.unique(periods):
            cols = periods == t
            ranks[:, cols] = rank_min_desc(scores[:, cols])
    else:
        ranks = rank_min_desc(scores)
    return scores, ranks, failed


def _nominal_ranks(nominal: RunResult, target: str) -> np.ndarray:
    col = f"{target}_rank"
    keys = [nominal.spec.unit] + ([nominal.spec.time] if nominal.spec.time else [])
    t = nominal.aggregated.select(keys).join(
        nominal.table.select(*keys, col), on=keys, how="left", maintain_order="left"
    )
    return t.get_column(col).cast(pl.Float64).fill_null(np.nan).to_numpy()


@dataclass
class UncertaintyResult:
    """Per-unit rank distribution over the Monte Carlo runs."""

    table: pl.DataFrame
    ranks: np.ndarray
    scores: np.ndarray
    failed: np.ndarray
    design: np.ndarray
    factors: list[Factor]
    seed: int
    target: str

    def record(self) -> dict[str, Any]:
        """Settings and counts to store alongside the table."""
        return {
            "runs": int(self.ranks.shape[0]),
            "failed_runs": int(self.failed.sum()),
            "seed": self.seed,
            "target": self.target,
            "factors": [
                {"name": f.name, "kind": f.kind, "step": f.step, "alternatives": f.size}
                for f in self.factors
            ],
        }


def _rank_table(
    nominal: RunResult, scores: np.ndarray, ranks: np.ndarray, target: str
) -> pl.DataFrame:
    ok = ~np.all(np.isnan(ranks), axis=1)
    r, s = ranks[ok], scores[ok]
    ids = nominal.aggregated.select(nominal.id_cols)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            cols = {
                "nominal_rank": _nominal_ranks(nominal, target),
                "mean_rank": np.nanmean(r, axis=0),
                "median_rank": np.nanmedian(r, axis=0),
                "q05_rank": np.nanquantile(r, 0.05, axis=0),
                "q95_rank": np.nanquantile(r, 0.95, axis=0),
                "nominal_score": nominal.aggregated.get_column(target)
                .cast(pl.Float64)
                .fill_null(np.nan)
                .to_numpy(),
                "median_score": np.nanmedian(s, axis=0),
                "q05_score": np.nanquantile(s, 0.05, axis=0),
                "q95_score": np.nanquantile(s, 0.95, axis=0),
            }
    out = ids.with_columns([pl.Series(k, v).fill_nan(None) for k, v in cols.items()])
    return out.sort([c for c in [nominal.spec.time] if c] + ["nominal_rank"], nulls_last=True)


def uncertainty(
    spec: Spec,
    data: pl.DataFrame,
    runs: int = 500,
    seed: int | None = None,
    factors: list[dict[str, Any]] | None = None,
    target: str | None = None,
    nominal: RunResult | None = None,
) -> UncertaintyResult:
    """Monte Carlo uncertainty analysis: per-unit nominal, mean and median rank and the
    5th–95th percentile band over `runs` random draws of the factors."""
    if runs < 1:
        raise SpecError("运行次数 runs 必须至少为 1")
    seed = seed if seed is not None else int((spec.uncertainty or {}).get("seed", 0))
    rng = np.random.default_rng(seed)
    fs = parse_factors(spec, factors, rng)
    nominal = nominal or run(spec, data, hash_input=False)
    target = target or spec.framework.root
    u = rng.random((runs, len(fs)))
    scores, ranks, failed = evaluate(spec, data, fs, u, nominal, target)
    table = _rank_table(nominal, scores, ranks, target)
    return UncertaintyResult(table, ranks, scores, failed, u, fs, seed, target)


@dataclass
class SensitivityResult:
    """First-order and total Sobol indices of the mean absolute rank change, with CIs."""

    table: pl.DataFrame
    y: np.ndarray
    uncertainty: pl.DataFrame
    n: int
    seed: int
    failed_runs: int

    def record(self) -> dict[str, Any]:
        """Settings and counts to store alongside the table."""
        return {
            "n": self.n,
            "runs": int(self.y.size),
            "seed": self.seed,
            "failed_runs": self.failed_runs,
        }


def sobol_indices(
    y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """COINr's estimators: S_i = mean(yB·(yABi − yA))/V and ST_i = Σ(yA − yABi)²/(2N·V),
    V = var(yA ∪ yB) (sample variance); y_ab is (factors, N)."""
    n = y_a.size
    var = np.var(np.concatenate([y_a, y_b]), ddof=1)
    s1 = np.mean(y_b * (y_ab - y_a), axis=-1) / var
    st = np.sum((y_a - y_ab) ** 2, axis=-1) / (2 * n * var)
    return s1, st


def sensitivity(
    spec: Spec,
    data: pl.DataFrame,
    n: int = 100,
    seed: int | None = None,
    factors: list[dict[str, Any]] | None = None,
    target: str | None = None,
    bootstrap: int = 1000,
) -> SensitivityResult:
    """Variance-based sensitivity of the mean absolute rank change to each factor, with the
    Saltelli design rbind(A, B, A_B^(1..d)) of N(d+2) runs and bootstrap 5–95 % intervals."""
    if n < 2:
        raise SpecError("样本量 n 必须至少为 2")
    seed = seed if seed is not None else int((spec.uncertainty or {}).get("seed", 0))
    rng = np.random.default_rng(seed)
    fs = parse_factors(spec, factors, rng)
    d = len(fs)
    nominal = run(spec, data, hash_input=False)
    target = target or spec.framework.root
    a, b = rng.random((n, d)), rng.random((n, d))
    blocks = [a, b]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    design = np.vstack(blocks)
    scores, ranks, failed = evaluate(spec, data, fs, design, nominal, target)
    nom = _nominal_ranks(nominal, target)
    with np.errstate(all="ignore"):
        y = np.nanmean(np.abs(ranks - nom), axis=1)
    y[failed] = np.nan
    y_a, y_b = y[:n], y[n : 2 * n]
    y_ab = y[2 * n :].reshape(d, n)
    keep = ~(np.isnan(y_a) | np.isnan(y_b) | np.isnan(y_ab).any(axis=0))
    if keep.sum() < 2:
        raise SpecError("有效运行太少，无法估计敏感性指数（检查失败的运行，例如几何平均遇到 0）")
    ya, yb, yab = y_a[keep], y_b[keep], y_ab[:, keep]
    s1, st = sobol_indices(ya, yb, yab)
    m = ya.size
    idx = rng.integers(0, m, size=(bootstrap, m))
    bs1 = np.empty((bootstrap, d))
    bst = np.empty((bootstrap, d))
    for k in range(bootstrap):
        j = idx[k]
        bs1[k], bst[k] = sobol_indices(ya[j], yb[j], yab[:, j])
    table = pl.DataFrame(
        {
            "factor": [f.name for f in fs],
            "S1": s1,
            "S1_q05": np.quantile(bs1, 0.05, axis=0),
            "S1_q95": np.quantile(bs1, 0.95, axis=0),
            "ST": st,
            "ST_q05": np.quantile(bst, 0.05, axis=0),
            "ST_q95": np.quantile(bst, 0.95, axis=0),
        }
    )
    ua = _rank_table(nominal, scores, ranks, target)
    return SensitivityResult(table, y, ua, n, seed, int(failed.sum()))
