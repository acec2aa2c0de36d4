"""Innovation-points scoring: every enterprise-year in one vectorised Polars pass (no database).

Input: one row per enterprise-year with the statistics template's columns (missing columns count
as blank), an id column, `year`, and optionally `founded_on` (stage rule), `industry_code`
(GB/T 4754, for industry ranks and cohorts), `zone` (zone ranks) and the methodology's flags.

Per indicator the value is derived (field, ratio or year-on-year growth), normalised to [0, 1] by
the composite engine (goalposts [0, 满分参考值] in reference mode; percentile rank within the
cohort in relative mode), and multiplied by the weight of the enterprise's stage. The same
function serves the stored run, the CLI, the what-if and the benchmark.

Speed and memory (1M enterprises, 2.64M enterprise-years, in docs/points.md): the row-wise plan is
collected in memory on contiguous columns, so input columns are shared, never copied; last
year's figures come from the row above when each enterprise's rows are consecutive; ranks sort
the totals once; the stage means (shown only for groups of four or more) are a small table
looked up by a gather, not a join.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np
import polars as pl

from kechuang.core.errors import Unprocessable
from kechuang.core.scope import PEER_GROUP_MIN
from kechuang.engines.composite.framework import Node
from kechuang.engines.composite.io import hash_frame
from kechuang.engines.composite.normalise import normalise_expr
from kechuang.points.methodology import Condition, Methodology
from kechuang.statistics.fields import FIELDS_BY_CODE, NUMERIC_FIELDS

UNKNOWN_INDUSTRY = "未知"


class ScoringError(Unprocessable):
    """Bad scoring input (message in Chinese, naming the column or row)."""


def _cmp(cond: Condition) -> pl.Expr:
    col = pl.col(cond.input)
    v = cond.value
    expr = {
        "lt": col < v,
        "le": col <= v,
        "gt": col > v,
        "ge": col >= v,
        "eq": col == v,
        "ne": col != v,
    }[cond.op]
    return expr.fill_null(False)  # an unknown input never satisfies a condition


def _dense_codes(values: pl.Series) -> np.ndarray:
    """Integer codes 0..k−1 for the distinct values of an id column, exactly.

    Values are hashed (vectorised) and the hashes deduplicated; every row's value is then compared
    with the first value of its code, so a hash collision is detected and answered exactly by a
    slower categorical encoding instead.
    """
    if values.dtype.is_integer():
        _, codes = np.unique(values.cast(pl.Int64).to_numpy(), return_inverse=True)
        return codes.astype(np.int64)
    text = values.cast(pl.String)
    _, first, codes = np.unique(
        text.hash(seed=7).to_numpy(), return_index=True, return_inverse=True
    )
    codes = codes.astype(np.int64).ravel()
    if (text == text.gather(first[codes])).all():
        return codes
    raw = text.cast(pl.Categorical).to_physical().cast(pl.Int64).to_numpy()
    _, codes = np.unique(raw, return_inverse=True)
    return codes.astype(np.int64).ravel()


def _previous_year(
    df: pl.DataFrame, id_col: str, fields: list[str]
) -> tuple[list[pl.Series], bool]:
    """Last year's figures of the same enterprise (Series __prev_<field>), and whether some
    enterprise-year occurs twice. One scatter and one gather into a dense (enterprise × year)
    array replace a join on the id strings (the general path, for rows in any order)."""
    keys = _dense_codes(df.get_column(id_col))
    years = df.get_column("year").cast(pl.Int64).to_numpy()
    y0 = int(years.min()) if years.size else 0
    span = int(years.max()) - y0 + 1 if years.size else 1
    slot = keys * span + (years - y0)
    counts = np.bincount(slot, minlength=(int(keys.max()) + 1 if keys.size else 0) * span)
    duplicated = bool(counts.size and counts.max() > 1)
    prev_slot = slot - 1
    has_prev = (years - y0) > 0
    cols = []
    for f in fields:
        grid = np.full(counts.size, np.nan)
        grid[slot] = df.get_column(f).cast(pl.Float64).fill_null(np.nan).to_numpy()
        prev = np.where(has_prev, grid[np.where(has_prev, prev_slot, 0)], np.nan)
        cols.append(pl.Series(f"__prev_{f}", prev).fill_nan(None))
    return cols, duplicated


def _grouped_by_enterprise(df: pl.DataFrame, id_col: str) -> bool:
    """True if each enterprise's rows are consecutive with strictly increasing years.

    Then last year's row is simply the row above, and no enterprise-year can occur twice. Exact:
    hash collisions can only lower the count of distinct hashes, never raise it to the count of
    runs of equal ids when some id occurs in two runs.
    """
    key, year = pl.col(id_col), pl.col("year").cast(pl.Int64)
    start = (key != key.shift(1)).fill_null(True)
    check = df.select(
        start.sum().alias("runs"),
        key.hash(seed=7).n_unique().alias("ids"),
        (start | (year > year.shift(1))).all().alias("increasing"),
    )
    runs, ids, increasing = check.row(0)
    return bool(increasing) and runs == ids


def _codes(values: pl.Series) -> pl.Enum:
    """An Enum of the distinct non-null values, sorted: its physical codes are dense small ints."""
    return pl.Enum(values.cast(pl.String).drop_nulls().unique().sort().to_list())


def _prepared(df: pl.DataFrame, m: Methodology, id_col: str) -> pl.LazyFrame:
    """The lazy plan of `prepare` (validation and last year's figures are computed eagerly)."""
    for col in (id_col, "year"):
        if col not in df.columns:
            raise ScoringError(f"输入数据缺少列“{col}”")
    if df.get_column(id_col).null_count() or df.get_column("year").null_count():
        raise ScoringError(f"输入数据中有空的“{id_col}”或“year”")
    needed = set(m.input_fields()) | {f for ind in m.indicators for f in ind.fields}
    adds = []
    for code in sorted(needed):
        if code not in df.columns:
            kind = FIELDS_BY_CODE[code].kind
            adds.append(
                pl.lit(None, dtype=pl.Boolean if kind == "bool" else pl.Float64).alias(code)
            )
    for flag in m.flags:
        if flag not in df.columns:
            adds.append(pl.lit(False).alias(flag))
    if "industry_code" not in df.columns:
        adds.append(pl.lit(None, dtype=pl.String).alias("industry_code"))
    if "zone" not in df.columns:
        adds.append(pl.lit(None, dtype=pl.String).alias("zone"))
    growth_fields = sorted({ind.fields[0] for ind in m.indicators if ind.kind == "growth"})
    if _grouped_by_enterprise(df, id_col):
        # the usual layout (the service sorts by enterprise and year; files come grouped)
        same = (pl.col(id_col) == pl.col(id_col).shift(1)) & (
            pl.col("year").cast(pl.Int64) == pl.col("year").cast(pl.Int64).shift(1) + 1
        )
        prev = {f: pl.when(same).then(pl.col(f).cast(pl.Float64).shift(1)) for f in growth_fields}
    else:
        cols, duplicated = _previous_year(df, id_col, growth_fields)
        if duplicated:
            raise ScoringError("输入数据中同一企业同一年度出现了不止一行")
        prev = {f: pl.lit(s) for f, s in zip(growth_fields, cols, strict=True)}
    division = pl.col("industry_code").cast(pl.String).str.slice(0, 3).fill_null(UNKNOWN_INDUSTRY)
    div_enum = (
        _codes(
            df.get_column("industry_code")
            .unique()
            .cast(pl.String)
            .str.slice(0, 3)
            .fill_null(UNKNOWN_INDUSTRY)
        )
        if "industry_code" in df.columns
        else pl.Enum([UNKNOWN_INDUSTRY])
    )
    zone_enum = _codes(df.get_column("zone").unique()) if "zone" in df.columns else pl.Enum([])
    founded = (
        pl.col("founded_on").cast(pl.Date).dt.year()
        if "founded_on" in df.columns
        else pl.lit(None, dtype=pl.Int32)
    )
    x = df.lazy()
    x = x.with_columns(adds) if adds else x
    x = x.with_columns(
        pl.col("year").cast(pl.Int64),
        (pl.col("year").cast(pl.Int64) - founded.cast(pl.Int64)).alias("age_years"),
        division.alias("industry_division"),
        *[pl.col(f).cast(pl.Boolean).fill_null(False) for f in m.flags],
    )
    exprs = []
    for ind in m.indicators:
        a = pl.col(ind.fields[0]).cast(pl.Float64)
        if ind.kind == "field":
            v = a
        elif ind.kind == "ratio":
            b = pl.col(ind.fields[1]).cast(pl.Float64)
            v = pl.when(b > 0).then(a / b)
        else:
            p = prev[ind.fields[0]]
            v = pl.when(p > 0).then((a - p) / p)
        exprs.append(v.alias(f"v__{ind.code}"))
    # small integer partition keys: windows over them are far cheaper than over strings
    return x.with_columns(
        *exprs,
        pl.col("industry_division").cast(div_enum).to_physical().alias("__div"),
        pl.col("zone").cast(pl.String).cast(zone_enum).to_physical().alias("__zone"),
    )


def prepare(df: pl.DataFrame, m: Methodology, id_col: str = "uscc") -> pl.DataFrame:
    """Add missing columns, age, industry division, flags and every indicator's value (v__code)."""
    return _prepared(df, m, id_col).collect()


def stage_index_expr(m: Methodology) -> pl.Expr:
    """The index of each row's lifecycle stage: the first stage whose conditions hold."""
    expr: Any = None
    for i, stage in enumerate(m.stages[:-1]):
        conds = [_cmp(c) for c in stage.conditions]
        test = pl.all_horizontal(conds) if stage.match == "all" else pl.any_horizontal(conds)
        expr = pl.when(test).then(pl.lit(i)) if expr is None else expr.when(test).then(pl.lit(i))
    last = pl.lit(len(m.stages) - 1)
    # a narrow integer: it indexes small per-stage tables and is never part of the output
    return (last if expr is None else expr.otherwise(last)).cast(pl.Int16).alias("__stage")


def _by_stage(values: list[Any], dtype: Any) -> pl.Expr:
    """Each row's entry of a per-stage table (a gather: cheaper than a when/then chain)."""
    return pl.lit(pl.Series(values, dtype=dtype)).gather(pl.col("__stage"))


def stage_expr(m: Methodology) -> pl.Expr:
    """The stage code of each row (from the stage index)."""
    return _by_stage([s.code for s in m.stages], pl.String).alias("stage")


def _group_key(*parts: str) -> pl.Expr:
    """One Int64 partition key from year and small integer codes (null if any part is null)."""
    key = pl.col("year") - 1900
    for p in parts:  # codes are dense and far below 2^20 (zones, GB/T 4754 大类, stages)
        key = key * (1 << 20) + pl.col(p).cast(pl.Int64)
    return key


def _node(ind: Any) -> Node:
    goalposts = (0.0, float(ind.reference)) if ind.reference is not None else None
    return Node(
        code=ind.code, level=1, parent="points", direction=ind.direction, goalposts=goalposts
    )


COHORT_COLUMNS = {"stage": "__stage", "industry_division": "__div", "zone": "__zone"}


def item_score_expr(ind: Any, m: Methodology) -> pl.Expr:
    """An indicator's share of its full marks, in [0, 1]; a missing value earns 0."""
    v = f"v__{ind.code}"
    if m.mode == "reference":
        s = normalise_expr(v, "goalposts", {"goalposts": [0.0, ind.reference]}, _node(ind))
        return pl.when(pl.col(v).is_null()).then(0.0).otherwise(s)
    # percentile rank within the cohort (year × the methodology's cohort keys), one int key
    s = normalise_expr(v, "prank", {}, _node(ind), keys=["__cohort"])
    # A cohort with a single reported value has no peers: full marks for a positive value.
    alone = pl.col(v).count().over("__cohort") == 1
    return (
        pl.when(pl.col(v).is_null())
        .then(0.0)
        .when(alone)
        .then(pl.when(pl.col(v) * ind.direction > 0).then(1.0).otherwise(0.0))
        .otherwise(s)
    )


def score(
    df: pl.DataFrame, m: Methodology, id_col: str = "uscc", explain: bool = True
) -> pl.DataFrame:
    """Score every row: item points, categories, bonus, penalty, total, ranks (and gaps)."""
    if df.is_empty():
        raise ScoringError("没有可计算的数据行")
    # Contiguous columns: the plan below then shares the input's buffers instead of realigning
    # (copying) every column when a computed column's chunks differ from the input's.
    if max(df.n_chunks("all"), default=1) > 1:
        df = df.rechunk()
    # One lazy plan, collected in memory: Polars runs the expressions of each step in parallel
    # and passes the input columns through without copying them.
    x = _row_scores(df, m, id_col)
    keys = ["__stage", "__zone", "__div"]  # small integer codes the ranks and gaps group by
    out = x.select(pl.exclude("^__.*$"), *keys).collect(engine="in-memory")
    out = out.hstack(_ranks(out))
    if explain:
        y0 = int(out.get_column("year").min())  # type: ignore[arg-type]
        means = _StageMeans(m, y0)
        means.add(out)
        out = out.hstack(_gaps(out, m, means))
    return out.drop(keys)


def _ordered_sum(terms: list[pl.Expr]) -> pl.Expr:
    """The terms added left to right, a missing term counting 0 (as `sum_horizontal` does).

    `sum_horizontal`'s order of additions is its own (it depends on the frame's height and on
    which terms are constants): a batched run sometimes differed from the in-memory one in the
    last bit of a category score. The rules engine sums its distances this way for that reason."""
    return reduce(operator.add, [t.fill_null(0.0) for t in terms])


def _row_scores(df: pl.DataFrame, m: Methodology, id_col: str) -> pl.LazyFrame:
    """The plan of every column that depends on the row alone (and, in relative mode, on its
    cohort): values, stage, item points, categories, bonus, penalty, veto and total."""
    x = _prepared(df, m, id_col).with_columns(stage_index_expr(m))
    x = x.with_columns(stage_expr(m))
    if m.mode == "relative":
        x = x.with_columns(_group_key(*[COHORT_COLUMNS[c] for c in m.cohort]).alias("__cohort"))
    stage_codes = [s.code for s in m.stages]
    # points = share of full marks × the weight of the row's stage (no intermediate columns)
    x = x.with_columns(
        [
            (
                item_score_expr(ind, m)
                * _by_stage([ind.weights[c] for c in stage_codes], pl.Float64)
            ).alias(f"p__{ind.code}")
            for ind in m.indicators
        ]
    )
    by_cat = {
        c.code: [f"p__{i.code}" for i in m.indicators if i.category == c.code] for c in m.categories
    }
    x = x.with_columns(
        [
            (_ordered_sum([pl.col(c) for c in cols]) if cols else pl.lit(0.0)).alias(f"c__{cat}")
            for cat, cols in by_cat.items()
        ]
        + [_cmp(i.condition).alias(f"bonus__{i.code}") for i in m.bonus]
        + [_cmp(i.condition).alias(f"neg__{i.code}") for i in m.negative]
    )
    bonus = (
        _ordered_sum(
            [pl.when(pl.col(f"bonus__{i.code}")).then(i.points).otherwise(0.0) for i in m.bonus]
        )
        if m.bonus
        else pl.lit(0.0)
    )
    if m.bonus_cap is not None:
        bonus = pl.min_horizontal(bonus, pl.lit(m.bonus_cap))
    deducted = [i for i in m.negative if not i.veto]
    vetoes = [i for i in m.negative if i.veto]
    penalty = (
        _ordered_sum(
            [pl.when(pl.col(f"neg__{i.code}")).then(i.points).otherwise(0.0) for i in deducted]
        )
        if deducted
        else pl.lit(0.0)
    )
    veto = (
        pl.any_horizontal([pl.col(f"neg__{i.code}") for i in vetoes]) if vetoes else pl.lit(False)
    )
    x = x.with_columns(
        _ordered_sum([pl.col(f"c__{c}") for c in by_cat]).alias("base"),
        bonus.cast(pl.Float64).alias("bonus"),
        penalty.cast(pl.Float64).alias("penalty"),
        veto.alias("vetoed"),
    )
    x = x.with_columns(
        pl.when(pl.col("vetoed"))
        .then(0.0)
        .otherwise((pl.col("base") + pl.col("bonus") - pl.col("penalty")).clip(lower_bound=0.0))
        # 6 decimals: equal totals tie whatever the order of summation
        .round(6)
        .alias("total")
    )
    return x


def _ranks(out: pl.DataFrame) -> list[pl.Series]:
    """The rank and group-size columns of every scope (rank_exprs), in the rows' order.

    The totals and keys are put in order of total once; ranking each group's already ordered
    totals is then nearly linear, where windows over unordered totals sort every group again.
    """
    order = out.get_column("total").arg_sort(descending=True)
    back = np.empty(order.len(), dtype=np.uint32)  # the inverse permutation of `order`
    back[order.to_numpy()] = np.arange(order.len(), dtype=np.uint32)
    keys = [_group_key(*parts).alias(f"__g_{name}") for name, parts in RANKS.items()]
    exprs = rank_exprs()
    ranks = (
        out.lazy()
        .select(pl.col("total"), *keys)
        .select(pl.all().gather(order))
        .select(exprs[0::2])
        .select(pl.all().gather(pl.Series(back)))
        .collect(engine="in-memory")
    )
    sizes = out.lazy().select(*keys).select(exprs[1::2]).collect(engine="in-memory")
    return [c for pair in zip(ranks.get_columns(), sizes.get_columns(), strict=True) for c in pair]


# A gap is shown against the mean of the enterprise's year × stage group only when at least this
# many other enterprises are in it: a median (or a group of one or two) is someone's own points.


class _StageMeans:
    """Running sums of every indicator's points per year × stage group, and the group sizes.

    Rows are added in order, one value at a time (np.add.at), so the sums, and the means, are
    the same bit for bit whether the rows come in one frame or in consecutive batches.
    """

    def __init__(self, m: Methodology, y0: int):
        self.points = [f"p__{i.code}" for i in m.indicators]
        self.n_stages, self.y0 = len(m.stages), y0
        self.sums: list[np.ndarray] = [np.zeros(0) for _ in self.points]
        self.counts: list[np.ndarray] = [np.zeros(0, dtype=np.int64) for _ in self.points]
        self.size = np.zeros(0, dtype=np.int64)

    def group(self, frame: pl.DataFrame) -> np.ndarray:
        """Each row's group slot: (year − first year) × stages + stage index."""
        year = frame.get_column("year").cast(pl.Int64).to_numpy()
        stage = frame.get_column("__stage").cast(pl.Int64).to_numpy()
        return (year - self.y0) * self.n_stages + stage

    def _grow(self, slots: int) -> None:
        if slots <= self.size.size:
            return
        pad = slots - self.size.size
        self.size = np.concatenate([self.size, np.zeros(pad, dtype=np.int64)])
        self.sums = [np.concatenate([a, np.zeros(pad)]) for a in self.sums]
        self.counts = [np.concatenate([a, np.zeros(pad, dtype=np.int64)]) for a in self.counts]

    def add(self, frame: pl.DataFrame) -> None:
        """Add a frame's rows (year, __stage and the p__ columns), in their order."""
        group = self.group(frame)
        if not group.size:
            return
        self._grow(int(group.max()) + 1)
        self.size += np.bincount(group, minlength=self.size.size)
        for k, col in enumerate(self.points):
            values = frame.get_column(col).cast(pl.Float64)
            g, v = group, values.to_numpy()
            if values.null_count():  # a mean leaves missing values out
                keep = values.is_not_null().to_numpy()
                g, v = group[keep], v[keep]
            np.add.at(self.sums[k], g, v)
            self.counts[k] += np.bincount(g, minlength=self.size.size)

    def table(self, k: int) -> np.ndarray:
        """Indicator k's mean per group slot (NaN for a group without values)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.counts[k] > 0, self.sums[k] / self.counts[k], np.nan)


def _gaps(out: pl.DataFrame, m: Methodology, means: _StageMeans) -> list[pl.Series]:
    """Each indicator's gap to the mean of its year × stage group: mean − points; null (withheld)
    when the group has fewer than PEER_GROUP_MIN other enterprises.

    Each row looks its mean up by a gather from a (year × stage) table of `means`, which may
    have been summed over more rows than `out` (a batch of a larger panel).
    """
    group = pl.Series("__group", means.group(out))
    enough = pl.lit(pl.Series(means.size))
    enough = enough.gather(pl.col("__group")) > PEER_GROUP_MIN
    x = out.lazy().select(*means.points).with_columns(group)
    exprs = []
    for k, (i, col) in enumerate(zip(m.indicators, means.points, strict=True)):
        exprs.append(
            pl.when(enough)
            .then(pl.lit(pl.Series(means.table(k))).gather(pl.col("__group")) - pl.col(col))
            .alias(f"gap__{i.code}")
        )
    return x.select(exprs).collect(engine="in-memory").get_columns()


# rank scopes: the partition (besides the year) as integer code columns
RANKS = {"city": (), "zone": ("__zone",), "industry": ("__div",), "stage": ("__stage",)}
RANK_LABELS = {"city": "全市", "zone": "所在高新区", "industry": "所在行业大类", "stage": "同阶段"}


def rank_exprs() -> list[pl.Expr]:
    """Competition ranks (1 = best; ties share the best place) and group sizes, per scope.

    Each scope's partition key is the column __g_<scope> (null: the row has no such rank).
    Int32, the width of the stored run's columns: on millions of rows the eight columns take
    half the memory of Int64, and every value is the same.
    """
    out = []
    for name in RANKS:
        key = f"__g_{name}"
        valid = pl.col(key).is_not_null()  # no zone: no zone rank
        out.append(
            pl.when(valid)
            .then(pl.col("total").rank("min", descending=True).over(key).cast(pl.Int32))
            .alias(f"rank_{name}")
        )
        out.append(pl.when(valid).then(pl.len().over(key).cast(pl.Int32)).alias(f"n_{name}"))
    return out


def shortfalls(scored: pl.DataFrame, m: Methodology, k: int = 3) -> list[list[str]]:
    """Per row, up to k indicator codes that cost most points against the stage mean (none where
    the gaps are withheld)."""
    codes = [i.code for i in m.indicators]
    gaps = np.nan_to_num(
        scored.select([f"gap__{c}" for c in codes]).to_numpy().astype(float), nan=0.0
    )
    order = np.argsort(-gaps, axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(gaps, order, axis=1)
    names = np.asarray(codes, dtype=object)[order]
    return [
        [str(n) for n, g in zip(row, grow, strict=True) if g > 1e-12]
        for row, grow in zip(names, picked, strict=True)
    ]


def panel_columns(m: Methodology, id_col: str = "uscc") -> list[str]:
    """The columns of an enterprise-year panel that scoring reads."""
    return list(
        dict.fromkeys(
            [id_col, "year", "founded_on", "industry_code", "zone", *m.input_fields(), *m.flags]
        )
    )


def _panel_exprs(schema: pl.Schema, m: Methodology, id_col: str) -> list[pl.Expr]:
    """Select and narrow a panel's columns: the generator's `zone_code` is read as `zone`, and
    integer statistics (counts of 件 and 人, far below 2^31) as Int32, which halves them and
    changes no value; the year stays Int64, the width of the output."""
    names = {c: c for c in schema}
    if "zone" not in names and "zone_code" in names:
        names["zone"] = "zone_code"
    exprs = []
    for c in panel_columns(m, id_col):
        if c not in names:
            continue
        e = pl.col(names[c]).alias(c)
        if c not in (id_col, "year") and schema[names[c]] == pl.Int64:
            e = e.cast(pl.Int32)
        exprs.append(e)
    return exprs


def scan_panel(path: Any, m: Methodology, id_col: str = "uscc") -> pl.LazyFrame:
    """A lazy scan of a Parquet panel: only the columns scoring reads, integers narrowed."""
    lf = pl.scan_parquet(path)
    return lf.select(_panel_exprs(lf.collect_schema(), m, id_col))


def read_panel(path: Any, m: Methodology, id_col: str = "uscc") -> pl.DataFrame:
    """A Parquet panel in memory, ready for `score`: the columns scan_panel selects, read one
    at a time so the reader's buffers never hold more than one column, each contiguous."""
    lf = pl.scan_parquet(path)
    return pl.DataFrame(
        [
            lf.select(e).collect(engine="in-memory").to_series().rechunk()
            for e in _panel_exprs(lf.collect_schema(), m, id_col)
        ]
    )


def input_hash(df: pl.DataFrame, m: Methodology, id_col: str = "uscc") -> str:
    """A stable hash of the inputs the methodology reads (sorted, so row order does not matter)."""
    cols = [
        c
        for c in [
            id_col,
            "year",
            "founded_on",
            "industry_code",
            "zone",
            *m.input_fields(),
            *m.flags,
        ]
        if c in df.columns
    ]
    return hash_frame(df.select(list(dict.fromkeys(cols))).sort([id_col, "year"]))


@dataclass(frozen=True)
class WhatIf:
    """The outcome of a what-if: the row before and after, from two full rescoring passes."""

    before: dict[str, Any]
    after: dict[str, Any]
    changes: dict[str, Any]


def apply_changes(
    df: pl.DataFrame,
    key: Any,
    year: int,
    changes: dict[str, Any],
    id_col: str = "uscc",
    m: Methodology | None = None,
) -> pl.DataFrame:
    """The input with one enterprise-year changed: numbers are added (万元/件/人), flags set.

    Raises ScoringError (Chinese) for an unknown field, a missing row or a negative result.
    """
    target = (pl.col(id_col) == key) & (pl.col("year") == year)
    if df.filter(target).height != 1:
        raise ScoringError(f"没有该企业 {year} 年的数据，无法模拟")
    flags = set(m.flags) if m is not None else set()
    exprs = []
    for code, delta in changes.items():
        if code in flags or (code in FIELDS_BY_CODE and FIELDS_BY_CODE[code].kind == "bool"):
            if not isinstance(delta, bool):
                raise ScoringError(f"“{code}”是“是/否”项，模拟值应为 true 或 false")
            base = pl.col(code) if code in df.columns else pl.lit(False)
            exprs.append(pl.when(target).then(pl.lit(delta)).otherwise(base).alias(code))
            continue
        if code not in NUMERIC_FIELDS:
            raise ScoringError(f"不能模拟“{code}”：不是企业年度统计中的数值字段")
        try:
            amount = float(delta)
        except (TypeError, ValueError):
            raise ScoringError(
                f"“{FIELDS_BY_CODE[code].header}”的变化量“{delta}”不是数字"
            ) from None
        f = FIELDS_BY_CODE[code]
        current = df.filter(target).get_column(code).item() if code in df.columns else None
        new = (current or 0) + amount
        if new < 0 and not f.allow_negative:
            raise ScoringError(f"“{f.header}”变化后为 {new:g}{f.unit}，不能为负数")
        if f.kind == "int" and new != int(new):
            raise ScoringError(f"“{f.header}”应为整数，变化量 {delta} 不是整数")
        col = pl.col(code) if code in df.columns else pl.lit(None, dtype=pl.Float64)
        dtype = df.schema[code] if code in df.columns else pl.Float64
        exprs.append(pl.when(target).then(pl.lit(new)).otherwise(col).cast(dtype).alias(code))
    return df.with_columns(exprs) if exprs else df


def what_if(
    df: pl.DataFrame,
    m: Methodology,
    key: Any,
    year: int,
    changes: dict[str, Any],
    id_col: str = "uscc",
) -> WhatIf:
    """New points and ranks of one enterprise-year after changes, by a full rescore of the input.

    The whole input is rescored because in relative mode (and for every rank) one enterprise's
    figures move the others; the answer is therefore exactly what a full run would give.
    """
    changed = apply_changes(df, key, year, changes, id_col, m)
    pick = (pl.col(id_col) == key) & (pl.col("year") == year)
    before = score(df, m, id_col).filter(pick).row(0, named=True)
    after = score(changed, m, id_col).filter(pick).row(0, named=True)
    return WhatIf(before, after, dict(changes))


# Enterprise-years scored at a time by score_parquet: about 1 GB of working memory per million.
BATCH_ROWS = 2_000_000


def score_parquet(
    source: Any,
    target: Any,
    m: Methodology,
    id_col: str = "uscc",
    batch_rows: int = BATCH_ROWS,
    explain: bool = True,
) -> int:
    """Score a Parquet panel too large for memory, in batches of rows; returns the row count.

    The result is a directory `target` of Parquet parts (part-00000.parquet, …) which, read in
    name order, is the frame `score(read_panel(source, m), m)` would return, value for value.
    Three passes: each batch's row scores (with the row above, so growth sees last year) go to
    a scratch part; ranks come from the totals and group keys of every row at once; the stage
    means are summed batch by batch in row order; then each part gets its ranks and gaps.
    Rows must come grouped by enterprise with years increasing (as the generator and the
    service write them). Relative mode ranks every value in its cohort, so it runs in memory.
    """
    from pathlib import Path

    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise ScoringError(f"结果目录“{target}”不是空目录")
    target.mkdir(parents=True, exist_ok=True)
    if m.mode == "relative":
        scored = score(read_panel(source, m, id_col), m, id_col, explain)
        scored.write_parquet(target / "part-00000.parquet")
        return scored.height
    lf = scan_panel(source, m, id_col)
    total_rows = lf.select(pl.len()).collect().item()
    if not total_rows:
        raise ScoringError("没有可计算的数据行")
    scratch = target / ".scratch"
    scratch.mkdir()
    try:
        runs, parts = 0, []
        for k, start in enumerate(range(0, total_rows, batch_rows)):
            context = 1 if start else 0  # the row above: last year's figures for growth
            df = lf.slice(start - context, batch_rows + context).collect(engine="in-memory")
            runs += _check_batch(df, id_col, context)
            x = _row_scores(df, m, id_col).select(pl.exclude("^__.*$"), "__stage")
            part = scratch / f"{k:05d}.parquet"
            x.collect(engine="in-memory").slice(context).write_parquet(part, compression="lz4")
            parts.append(part)
        ids = lf.select(pl.col(id_col).hash(seed=7).n_unique()).collect().item()
        if runs != ids:
            raise ScoringError(
                f"分批计算要求同一企业的各年度数据相邻（“{id_col}”有企业出现在不相邻的行中），"
                "请先按企业和年度排序"
            )
        scans = pl.scan_parquet(parts)
        keys = scans.select(
            "year",
            "total",
            "__stage",
            pl.col("zone").cast(pl.String).rank("dense").cast(pl.Int64).alias("__zone"),
            pl.col("industry_division").rank("dense").cast(pl.Int64).alias("__div"),
        ).collect(engine="in-memory")
        ranks = pl.DataFrame(_ranks(keys))
        y0 = int(keys.get_column("year").min())  # type: ignore[arg-type]
        del keys
        means = _StageMeans(m, y0)
        if explain:
            for part in parts:
                means.add(pl.read_parquet(part, columns=["year", "__stage", *means.points]))
        start = 0
        for k, part in enumerate(parts):
            out = pl.read_parquet(part)
            out = out.hstack(ranks.slice(start, out.height))
            start += out.height
            if explain:
                out = out.hstack(_gaps(out, m, means))
            out.drop("__stage").write_parquet(target / f"part-{k:05d}.parquet")
            part.unlink()
    finally:
        for leftover in scratch.glob("*.parquet"):
            leftover.unlink()
        scratch.rmdir()
    return total_rows


def _check_batch(df: pl.DataFrame, id_col: str, context: int) -> int:
    """Validate one batch (with `context` leading rows from the batch before) and count the
    runs of equal ids that start in it; raises ScoringError when years do not increase."""
    for col in (id_col, "year"):
        if col not in df.columns:
            raise ScoringError(f"输入数据缺少列“{col}”")
    if df.get_column(id_col).null_count() or df.get_column("year").null_count():
        raise ScoringError(f"输入数据中有空的“{id_col}”或“year”")
    key, year = pl.col(id_col), pl.col("year").cast(pl.Int64)
    start = (key != key.shift(1)).fill_null(True)
    runs, increasing = df.select(
        start.slice(context).sum().alias("runs"),
        (start | (year > year.shift(1))).slice(context).all().alias("increasing"),
    ).row(0)
    if not increasing:
        raise ScoringError(
            "分批计算要求同一企业的各年度数据相邻且年度递增（同一企业同一年度不能出现两行），"
            "请先按企业和年度排序"
        )
    return int(runs)
