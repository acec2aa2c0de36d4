"""The third pass's fast paths give exactly what the plain definitions give."""

import hashlib

import numpy as np
import polars as pl
import pytest

from kechuang.engines.composite import run, spec_from_dict
from kechuang.engines.composite.aggregate import aggregate_tree
from kechuang.engines.composite.errors import DataError
from kechuang.engines.composite.io import hash_frame
from kechuang.engines.composite.pipeline import _PARALLEL_ROWS, _aggregate, rank_expr
from kechuang.engines.composite.rank import group_codes, order_desc, rank_min_desc


def _spec(weights=(1.0, 2.0, 0.0, 1.5)):
    items = [
        {"code": "Index"},
        {"code": "P0", "parent": "Index", "weight": 2},
        {"code": "P1", "parent": "Index"},
    ]
    for i, w in enumerate(weights):
        items.append({"code": f"x{i}", "parent": f"P{i // 2}", "weight": w})
    return spec_from_dict(
        {
            "framework": {"items": items},
            "data": {"unit": "u"},
            "steps": ["normalise", {"aggregate": {"method": "arithmetic"}}],
        }
    )


@pytest.mark.parametrize("scale", [1.0, 1e300])
def test_polars_arithmetic_means_equal_the_numpy_path_bit_for_bit(scale):
    rng = np.random.default_rng(3)
    n = _PARALLEL_ROWS + 1000
    spec = _spec()
    cols = {}
    for i in range(4):
        x = rng.choice([-0.0, 0.0, 1.0, -2.5, 1e-300, np.nan], n) * rng.random(n) * 100
        x[rng.random(n) < 0.3] = np.nan
        cols[f"x{i}"] = x
    cols["x0"][:50] = -0.0  # a first term of −0.0
    if scale > 1:  # beyond the bound: the NumPy path, with overflows and infinities
        cols["x2"] *= scale
        cols["x3"][-3:] = [np.inf, -np.inf, 5.0]
    df = pl.DataFrame({"u": np.arange(n), **cols}).with_columns(pl.col("x1").fill_nan(None))
    out, _ = _aggregate(
        df,
        {
            "weights": None,
            "levels": {},
            "method": "arithmetic",
            "p": None,
            "min_availability": None,
        },
        spec,
        df,
    )
    values = {c: df.get_column(c).to_numpy().astype(np.float64) for c in cols}
    want, _ = aggregate_tree(
        values, spec.framework, None, {2: {"method": "arithmetic"}, 3: {"method": "arithmetic"}}
    )
    for c in ("P0", "P1", "Index"):
        got = out.get_column(c).fill_null(np.nan).to_numpy()
        assert out.get_column(c).is_nan().sum() == 0
        assert out.get_column(c).null_count() > 0
        np.testing.assert_array_equal(got.view(np.uint64), want[c].view(np.uint64), err_msg=c)


@pytest.mark.parametrize("kind", range(3))
def test_ranks_without_missing_values_equal_polars(kind):
    rng = np.random.default_rng(10 + kind)
    for n in (1, 2, 5, 3000, 70_000):
        x = [rng.random(n), np.round(rng.normal(size=n), 1), 1.0 + rng.integers(0, 5, n) * 1e-13][
            kind
        ]
        df = pl.DataFrame({"x": x, "g": rng.integers(0, 9, n).astype(np.int32)})
        order = order_desc(x)
        for keys in ([], ["g"]):
            want = df.select(rank_expr("x", keys)).to_series().to_numpy()
            got = rank_min_desc(x, order, group_codes(df, keys) if keys else None)
            np.testing.assert_array_equal(got, want, err_msg=f"n={n} keys={keys}")


def _hash_whole_columns(df: pl.DataFrame) -> str:
    # the definition: each column's whole buffers, one after another
    h = hashlib.sha256()
    h.update(f"{df.height}x{df.width}".encode())
    for name in df.columns:
        s = df.get_column(name)
        h.update(b"\x1e" + name.encode() + b"\x1f" + str(s.dtype).encode() + b"\x1f")
        if s.dtype.is_float():
            h.update(np.ascontiguousarray(s.cast(pl.Float64).fill_nan(None).to_numpy()))
        elif s.dtype.is_integer() or s.dtype == pl.Boolean:
            values = s.cast(pl.UInt8) if s.dtype == pl.Boolean else s
            h.update(np.ascontiguousarray(values.fill_null(0).to_numpy()))
            if s.null_count():
                h.update(np.packbits(s.is_null().to_numpy()))
        else:
            text = s.cast(pl.String)
            h.update(text.str.len_bytes().cast(pl.Int64).fill_null(-1).to_numpy())
            h.update((text.str.join("").item() or "").encode())
    return h.hexdigest()


@pytest.mark.parametrize("n", [0, 1, 65_535, 65_536, 200_003])
def test_sliced_input_hash_equals_the_whole_column_hash(n):
    rng = np.random.default_rng(n)
    f = rng.normal(size=n)
    f[rng.random(n) < 0.1] = np.nan
    f[rng.random(n) < 0.05] = -np.float64("nan")  # a NaN with another bit pattern
    df = pl.DataFrame(
        {
            "s": pl.Series(
                [["甲", "bb", None, ""][i] for i in rng.integers(0, 4, n)], dtype=pl.String
            ),
            "f": f,
            "g": pl.Series(rng.normal(size=n)).set(pl.Series(rng.random(n) < 0.1), None),
            "f32": f.astype(np.float32),
            "i": pl.Series(rng.integers(0, 9, n)).set(pl.Series(rng.random(n) < 0.1), None),
            "b": rng.random(n) < 0.5,
            "k": rng.integers(0, 9, n).astype(np.int16),
        }
    )
    assert hash_frame(df) == _hash_whole_columns(df)


def test_duplicate_units_are_still_found_on_large_data():
    n = _PARALLEL_ROWS + 10
    units = [f"U{i}" for i in range(n)]
    units[-1] = units[3]
    df = pl.DataFrame(
        {
            "u": units,
            "x0": np.arange(n, dtype=float),
            "x1": np.ones(n),
            "x2": np.ones(n),
            "x3": np.ones(n),
        }
    )
    with pytest.raises(DataError, match="重复"):
        run(_spec(), df)


@pytest.mark.parametrize("combine", [False, True])
@pytest.mark.parametrize("trial", range(4))
def test_treating_a_series_equals_treating_its_numpy_array(trial, combine):
    from kechuang.engines.composite.treat import treat_vector

    rng = np.random.default_rng(200 + trial)
    n = 20_000
    x = [
        rng.lognormal(0, 1.5, n),
        rng.normal(size=n),
        -rng.lognormal(0, 0.8, n),
        np.round(rng.lognormal(0, 2, n), 1),
    ][trial]
    if trial == 1:
        x[:3] = 60.0  # three outliers: winsorised
    x[rng.random(n) < 0.05] = np.nan
    s = pl.Series(x).set(pl.Series(rng.random(n) < 0.05), None)  # nulls as well as NaN
    params = {"winmax": [5, 5, 60, 2][trial], "combine": combine}
    got, rec = treat_vector(s, params)
    want, rec_want = treat_vector(s.to_numpy(), params)
    np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))
    assert rec == rec_want
    assert rec["status"] == ["transformed", "winsorised", "transformed", "transformed"][trial]
