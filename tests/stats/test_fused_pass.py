"""The fused float32 pass agrees with a float64 numpy reference, for every dtype the scan reads.

Long float32 (and float16) chunks take one blocked pass (``_fused_pass``) that
accumulates shifted sums in float32 blocks; everything else keeps the float64
kernels. Whatever the path, the statistics must be those of numpy on the same
values cast to float64: counts, min, max and the k extremes exactly, mean and
m2 within the documented tolerance of the float32 pass (``F32_MEAN_TOL``,
``F32_M2_RTOL``) or to rounding elsewhere. Data come from numpy (hypothesis
draws the dtype, length, distribution, seed and the NaN/Inf/null/extreme
values planted), with odd lengths on both sides of the blocked kernels'
threshold and odd chunkings.
"""

from __future__ import annotations

import decimal
import itertools
import math
from unittest import mock

import numpy as np
import pyarrow as pa
import pytest
from float_shapes import SHAPES, float_shape
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcheck.stats import column
from labelcheck.stats.column import (
    _BLOCK,
    EXTREMES_K,
    F32_M2_RTOL,
    F32_MEAN_TOL,
    ColumnStats,
    _Bounds,
    _extremes,
    _fused_pass,
)

INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float16", "float32", "float64"]
LENGTHS = [1, 7, 1023, 4097, _BLOCK + 1, 2 * _BLOCK - 1, 3 * _BLOCK + 4095, 300_007]


def _values(dtype: str, n: int, shape: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, n).astype(bool)
    if dtype in INTS:
        info = np.iinfo(dtype)
        if shape == "wide":
            return rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
        lo, hi = max(info.min, -50), min(info.max, 300)
        return rng.integers(lo, hi, n, endpoint=True).astype(dtype)
    # "huge": values whose float32 squares overflow: the float64 fallback
    x = float_shape(n, shape, rng)
    if dtype == "float16":
        x = np.clip(x, -6e4, 6e4)
    return x.astype(dtype)


@st.composite
def columns(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray | None]:
    """Values of one dtype with NaN/Inf/extremes planted, and an optional null mask."""
    dtype = draw(st.sampled_from([*INTS, *FLOATS, "bool"]))
    n = draw(st.sampled_from(LENGTHS))
    values = _values(dtype, n, draw(st.sampled_from(SHAPES)), draw(st.integers(0, 2**32 - 1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if values.dtype.kind == "f":
        for special in draw(st.lists(st.sampled_from(["nan", "inf", "-inf", "max", "min"]))):
            where = rng.integers(0, n, draw(st.sampled_from([1, 3, n // 7 + 1])))
            info = np.finfo(values.dtype)
            value = {"max": info.max, "min": info.min}[special] if special in "maxmin" else special
            value = float(value)
            values[where] = value
        if n >= 8192 and draw(st.booleans()):  # whole rows of NaN (rows have no finite value)
            start = int(rng.integers(0, n - 8192))
            values[start : start + 8192] = np.nan
    nulls = rng.random(n) < 0.1 if draw(st.booleans()) else None
    return values, nulls


def _reference(values: np.ndarray, nulls: np.ndarray | None) -> dict:
    """What numpy says on the same values cast to float64."""
    x = values.astype(np.float64)
    if nulls is not None:
        x = x[~nulls]
    finite = x[np.isfinite(x)]
    out = {
        "count": values.size,
        "nulls": 0 if nulls is None else int(nulls.sum()),
        "nan": int(np.isnan(x).sum()),
        "posinf": int((x == np.inf).sum()),
        "neginf": int((x == -np.inf).sum()),
        "n": finite.size,
    }
    if finite.size:
        k = min(EXTREMES_K, finite.size)
        ordered = np.sort(finite)
        with np.errstate(over="ignore", invalid="ignore"):  # values near the float64 limit
            mean = float(np.mean(finite))
            m2 = float(np.sum((finite - mean) ** 2))
        out.update(
            min=float(ordered[0]),
            max=float(ordered[-1]),
            top=[float(v) for v in ordered[::-1][:k]],
            bottom=[float(v) for v in ordered[:k]],
            mean=mean,
            m2=m2,
        )
    return out


def _assert_matches(stats: ColumnStats, ref: dict, *, fused: bool) -> None:
    for name in ("count", "nulls", "nan", "posinf", "neginf", "n"):
        assert getattr(stats, name) == ref[name], name
    if not ref["n"]:
        return
    assert (stats.min, stats.max) == (ref["min"], ref["max"])
    assert (stats.top, stats.bottom) == (ref["top"], ref["bottom"])
    if not (math.isfinite(ref["m2"]) and math.isfinite(ref["mean"])):
        # Values near the float64 limit: the reference's plain sum overflows, so it is no
        # reference. labelcheck's chunked, merged moments may still be finite (a column
        # of 1.79e308 repeated has mean 1.79e308 and m2 0): then they must be plausible.
        if math.isfinite(stats.mean) and math.isfinite(stats.m2):
            assert ref["min"] <= stats.mean <= ref["max"] and stats.m2 >= 0
        return
    std = math.sqrt(ref["m2"] / ref["n"])
    mean_tol = (F32_MEAN_TOL if fused else 1e-9) * std + 1e-12 * abs(ref["mean"])
    assert abs(stats.mean - ref["mean"]) <= mean_tol
    # abs: the rounding of a float64 mean, squared (a constant column's m2 is 0 or ~1e-29)
    scale = 4 * math.ulp(1.0) * max(abs(ref["min"]), abs(ref["max"]))  # a float: no overflow
    rel = F32_M2_RTOL if fused else 1e-7
    assert stats.m2 == pytest.approx(ref["m2"], rel=rel, abs=ref["n"] * min(scale, 1e150) ** 2)


def _arrow(values: np.ndarray, nulls: np.ndarray | None) -> pa.Array:
    return pa.array(values, mask=nulls)


@settings(max_examples=150, deadline=None)
@given(column=columns())
def test_column_stats_equal_the_float64_reference(column):
    values, nulls = column
    stats = ColumnStats.of(_arrow(values, nulls))
    fused = values.dtype.kind == "f" and values.itemsize <= 4
    _assert_matches(stats, _reference(values, nulls), fused=fused)


@settings(max_examples=60, deadline=None)
@given(column=columns(), cuts=st.lists(st.integers(0, 300_007), max_size=4))
def test_any_chunking_gives_the_same_statistics(column, cuts):
    """Odd chunk lengths (each chunk takes its own path), folded or merged."""
    values, nulls = column
    array = _arrow(values, nulls)
    edges = [0, *sorted(c % (values.size + 1) for c in cuts), values.size]
    chunks = [array.slice(a, b - a) for a, b in itertools.pairwise(edges)]
    folded = ColumnStats.of(pa.chunked_array(chunks, type=array.type))
    merged = ColumnStats.empty(array.type)
    for chunk in chunks:
        merged = merged.merge(ColumnStats.of(chunk))
    ref = _reference(values, nulls)
    fused = values.dtype.kind == "f" and values.itemsize <= 4
    _assert_matches(folded, ref, fused=fused)
    _assert_matches(merged, ref, fused=fused)


@settings(max_examples=40, deadline=None)
@given(
    n=st.sampled_from([_BLOCK + 1, 200_001, 300_007]),
    shape=st.sampled_from(SHAPES),
    seed=st.integers(0, 2**32 - 1),
)
def test_fused_and_float64_paths_agree(n, shape, seed):
    """The same float32 values through the fused pass and, cast, through the float64 kernels."""
    values = _values("float32", n, shape, seed)
    values[::9973] = np.nan
    fused = ColumnStats.of(pa.array(values))
    plain = ColumnStats.of(pa.array(values.astype(np.float64)))
    for name in ("nan", "posinf", "neginf", "n", "min", "max", "top", "bottom"):
        assert getattr(fused, name) == getattr(plain, name), name
    assert abs(fused.mean - plain.mean) <= F32_MEAN_TOL * plain.std + 1e-12 * abs(plain.mean)
    assert fused.m2 == pytest.approx(plain.m2, rel=F32_M2_RTOL)


@settings(max_examples=40, deadline=None)
@given(
    dtype=st.sampled_from(["float32", "float64"]),
    n=st.sampled_from([_BLOCK + 1, 200_001, 300_007]),
    shape=st.sampled_from(SHAPES),
    seed=st.integers(0, 2**32 - 1),
    nan_every=st.sampled_from([0, 7, 9973]),
)
def test_blocked_pass_equals_the_plain_kernels(dtype, n, shape, seed, nan_every):
    """The same chunk with the blocked pass and with the separate bounds/moments kernels."""
    values = _values(dtype, n, shape, seed)
    if nan_every:
        values[::nan_every] = np.nan
        values[3] = np.inf
    fused = ColumnStats.of(pa.array(values))
    with mock.patch.object(column, "_fusable", lambda v: False):
        plain = ColumnStats.of(pa.array(values))
    for name in ("nan", "posinf", "neginf", "n", "min", "max", "top", "bottom"):
        assert getattr(fused, name) == getattr(plain, name), name
    if not math.isfinite(plain.m2):
        return
    f32 = dtype == "float32"
    tol = (F32_MEAN_TOL if f32 else 1e-9) * plain.std + 1e-12 * abs(plain.mean)
    assert abs(fused.mean - plain.mean) <= tol
    assert fused.m2 == pytest.approx(plain.m2, rel=F32_M2_RTOL if f32 else 1e-9)


def test_the_fused_pass_is_taken_and_reads_nan_blocks_without_losing_rows():
    values = np.arange(200_000, dtype=np.float32)
    values[10:5000] = np.nan  # a whole row of the row bounds has no finite value
    values[[7, 150_000]] = [np.inf, -np.inf]
    found = _fused_pass(values)
    assert found is not None
    assert (found.nan, found.posinf, found.neginf, found.n) == (4990, 1, 1, 195_008)
    assert (found.bounds.lo, found.bounds.hi) == (0.0, 199_999.0)
    finite = values[np.isfinite(values)].astype(np.float64)
    assert abs(found.mean - finite.mean()) <= F32_MEAN_TOL * finite.std()
    top, bottom = _extremes(values, found.bounds, EXTREMES_K, skip_nonfinite=True)
    assert top.tolist() == sorted(finite.tolist(), reverse=True)[:EXTREMES_K]
    assert bottom.tolist() == sorted(finite.tolist())[:EXTREMES_K]


def test_float32_squares_that_overflow_fall_back_to_float64():
    values = np.full(100_000, 1e25, dtype=np.float32)
    values[::2] = -1e25
    assert _fused_pass(values) is None
    stats = ColumnStats.of(pa.array(values))
    assert stats.mean == pytest.approx(0.0, abs=1e10)
    assert stats.m2 == pytest.approx(1e50 * 100_000, rel=1e-6)


def test_an_all_nan_long_chunk_has_no_finite_values():
    stats = ColumnStats.of(pa.array(np.full(100_000, np.nan, dtype=np.float32)))
    assert (stats.nan, stats.n, stats.min, stats.top) == (100_000, 0, None, [])


def test_float32_label_with_nan_counts_classes_of_the_finite_values():
    values = np.random.default_rng(0).integers(0, 5, 150_000).astype(np.float32)
    values[[3, 99]] = np.nan
    stats = ColumnStats.of(pa.array(values), label=True)
    assert stats.nan == 2 and stats.n == 149_998
    assert sum(stats.distinct.values()) == 149_998
    assert sorted(stats.distinct) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("precision", [(9, 2), (38, 10)])
def test_decimal_columns_equal_the_float64_reference(precision):
    rng = np.random.default_rng(1)
    raw = rng.integers(-(10**6), 10**6, 70_001)
    scale = precision[1]
    items = [decimal.Decimal(int(v)).scaleb(-scale) for v in raw]
    items[5] = None
    array = pa.array(items, type=pa.decimal128(*precision))
    stats = ColumnStats.of(array)
    x = raw.astype(np.float64) / 10**scale
    x = np.delete(x, 5)
    assert (stats.nulls, stats.n) == (1, x.size)
    assert (stats.min, stats.max) == (x.min(), x.max())
    assert stats.mean == pytest.approx(x.mean(), rel=1e-12)
    assert stats.m2 == pytest.approx(((x - x.mean()) ** 2).sum(), rel=1e-9)


def test_row_bounds_of_integer_columns_locate_the_extremes():
    values = np.random.default_rng(2).integers(-(2**62), 2**62, 300_007)
    top, bottom = _extremes(values, _Bounds.of(values), EXTREMES_K)
    ordered = np.sort(values)
    assert top.tolist() == ordered[::-1][:EXTREMES_K].tolist()
    assert bottom.tolist() == ordered[:EXTREMES_K].tolist()


@pytest.mark.parametrize("nan_every", [3, 1000])
def test_histogram_of_a_chunk_with_nan_stands_for_its_finite_values(nan_every):
    """The blocked pass leaves NaN in place: the plots' histogram samples only finite values."""
    values = np.random.default_rng(3).standard_normal(200_000).astype(np.float32)
    values[::nan_every] = np.nan
    stats = ColumnStats.of(pa.array(values))
    assert stats.hist is not None and stats.hist.total == stats.n == int(np.isfinite(values).sum())
    assert float(stats.hist.counts.sum()) == pytest.approx(stats.n)
    assert 0 < stats.hist.sampled <= stats.n
