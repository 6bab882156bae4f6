"""The compiled kernels (``kernels.c``) give what the numpy route and a float64 reference give.

The laws:

1. Row hashes: ``row_sums`` through ``lc_batch`` equals the numpy route bit for
   bit (both sums), for every type the scan hashes, with nulls, slices (validity
   bitmaps whose offset is not a multiple of 8), special floats and odd lengths;
   and a row hashes alike whatever else its batch holds (both routes).
2. Statistics: ``lc_batch``'s counts, bounds and row bounds equal a float64
   numpy reference exactly; its mean and m2 (shifted sums accumulated in
   float64) are within ``MEAN_TOL`` (1e-12) standard deviations and ``M2_RTOL``
   (1e-11, relative) of the reference, give or take a few ulps of the values.
   Measured over ~200 chunks drawn by ``float_chunks`` (NaN/Inf/extremes planted):
   the mean at worst 2.7e-14 standard deviations off (most within its last bits),
   m2 7.2e-14 relative; 2.2e-15 and 4.5e-15 over 60 clean chunks of six shapes.
   At most a fifth of the tolerance is used, where the numpy route's float32
   blocks need 1e-5 and 1e-4. A ``ColumnStats`` built with
   the kernels equals one built with ``LABELCHECK_NATIVE=0`` (moments within the
   numpy route's tolerance).
3. Repeats: ``lc_repeats`` finds the values occurring more than once, as
   ``np.unique`` does, and ``rows._repeated`` agrees between the two routes.
4. A scan of a Parquet file with long row groups gives the same findings, row
   groups and statistics with and without the kernels.
5. Start-up: a scan of a small file never loads the kernels' module.

The threshold from which callers take the compiled route
(``rowhash.NATIVE_MIN_ROWS`` rows, imported by ``fused`` and ``rows``) is
lowered here where small data say as much. Without the kernels (no C compiler,
or ``LABELCHECK_NATIVE=0``) these tests skip, except in CI (``LABELCHECK_CI=1``),
which builds them with ``pip install .``: there they fail.
"""

from __future__ import annotations

import decimal
import functools
import math
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from float_shapes import SHAPES, float_shape
from hypothesis import given, settings
from hypothesis import strategies as st

import labelcheck
from labelcheck.stats import column, fused, native, rowhash, rows
from labelcheck.stats.column import F32_M2_RTOL, F32_MEAN_TOL, ColumnStats

#: Accuracy of the kernels' mean (in standard deviations) and m2 (relative) against
#: float64 numpy; measured errors are below 1e-13 (see the module docstring).
MEAN_TOL = 1e-12
M2_RTOL = 1e-11
TOL = (MEAN_TOL, M2_RTOL)

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"

# Signalling NaNs are planted on purpose: the float64 references below warn when they
# convert them (the library itself must not: tests/stats/test_row_stats.py).
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")


# ------------------------------------------------------------------ the kernels or not
def _require_kernels() -> None:
    """Skip without the kernels; in CI (LABELCHECK_CI=1) fail, since CI builds them."""
    if native.enabled():
        return
    why = native.why_off()
    if os.environ.get("LABELCHECK_CI"):
        pytest.fail(
            f"LABELCHECK_CI is set but the compiled kernels were not built ({why}); "
            "CI builds them with `pip install .` (hatch_build.py, a C compiler is needed)"
        )
    pytest.skip(
        f"the compiled kernels are not available ({why}): "
        "`pip install .` or `python hatch_build.py` builds them"
    )


def needs_kernels(test: Callable) -> Callable:
    """Run ``test`` only with the kernels (outside hypothesis: one skip or failure, no
    shrinking of a failure that does not depend on the data)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        _require_kernels()
        return test(*args, **kwargs)

    return run


@pytest.fixture(autouse=True, scope="module")
def _fresh_library() -> Iterator[None]:
    """Start from the environment's kernels and leave them so for the next module."""
    native._library.cache_clear()
    yield
    native._library.cache_clear()


@contextmanager
def _numpy_route() -> Iterator[None]:
    """``LABELCHECK_NATIVE=0`` for the duration (usable inside hypothesis examples)."""
    with mock.patch.dict(os.environ, {"LABELCHECK_NATIVE": "0"}):
        native._library.cache_clear()
        try:
            assert not native.enabled()
            yield
        finally:
            native._library.cache_clear()
    assert native.enabled()


@contextmanager
def _spy(name: str) -> Iterator[mock.MagicMock]:
    """Count the calls of ``native.<name>`` (still running it)."""
    with mock.patch.object(native, name, wraps=getattr(native, name)) as spy:
        yield spy


# ------------------------------------------------------------------ 1. row hashes
F64_SPECIAL = np.array(
    [
        0x7FF8_0000_0000_0000,  # NaN
        0xFFF8_0000_0000_0000,  # -NaN
        0x7FF0_0000_0000_0001,  # a signalling NaN: the null key's bits, as a value
        0x7FFF_FFFF_FFFF_FFFF,  # NaN with the largest payload
        0x8000_0000_0000_0000,  # -0.0
        0x0000_0000_0000_0000,  # +0.0
        0x7FF0_0000_0000_0000,  # +Inf
        0xFFF0_0000_0000_0000,  # -Inf
        0x0000_0000_0000_0001,  # the smallest subnormal
        0x800F_FFFF_FFFF_FFFF,  # the largest negative subnormal
        0x7FEF_FFFF_FFFF_FFFF,  # the largest finite value
        0xFFEF_FFFF_FFFF_FFFF,
    ],
    dtype=np.uint64,
).view(np.float64)
F32_SPECIAL = np.array(
    [
        0x7FC0_0000,  # NaN
        0xFFC0_0000,  # -NaN
        0x7F80_0001,  # a signalling NaN
        0x7FFF_FFFF,
        0x8000_0000,  # -0.0
        0x0000_0000,
        0x7F80_0000,  # +Inf
        0xFF80_0000,  # -Inf
        0x0000_0001,  # the smallest subnormal
        0x807F_FFFF,
        0x7F7F_FFFF,  # the largest finite value
        0xFF7F_FFFF,
    ],
    dtype=np.uint32,
).view(np.float32)
INT_SPECIAL = [0, -1, 1, 2**53 - 1, 2**53, 2**53 + 1, -(2**53) - 1, 2**62 + 7]

KINDS = [
    "float32",
    "float64",
    "float16",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "string",
    "large_string",
    "binary",
    "large_binary",
    "dictionary",
    "dictionary_float",
    "timestamp",
    "date32",
    "decimal",
    "list",
]
HASH_LENGTHS = [0, 1, 2, 7, 8, 63, 4095, 4096, 4097, 8193, 12_289]
WORDS = ["", "a", "nan", "NULL", "é", "\x00", "1.0", "1", "label", "x" * 40, "数据", "a b"]


def _floats(dtype: str, n: int, rng: np.random.Generator, special: float) -> np.ndarray:
    scale = 10.0 ** rng.integers(-3, 5)
    x = (rng.standard_normal(n) * scale).astype(dtype)
    if dtype == "float32":
        x[rng.random(n) < 0.05] = np.float32(1.5)  # repeats, so equal keys meet
    if special:
        pool = F32_SPECIAL if dtype == "float32" else F64_SPECIAL
        where = rng.random(n) < special
        x[where] = rng.choice(pool, int(where.sum()))
    return x


def _ints(dtype: str, n: int, rng: np.random.Generator, special: float) -> np.ndarray:
    info = np.iinfo(dtype)
    if rng.random() < 0.5:
        x = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)  # beyond 2**53
    else:
        x = rng.integers(max(info.min, -100), min(info.max, 100), n, endpoint=True).astype(dtype)
    if special and n:
        pool = [v for v in [*INT_SPECIAL, info.min, info.max] if info.min <= v <= info.max]
        where = rng.random(n) < special
        x[where] = rng.choice(np.array(pool, dtype=dtype), int(where.sum()))
    return x


def _array(kind: str, n: int, rng: np.random.Generator, special: float) -> pa.Array:
    """``n`` values of ``kind`` (no nulls yet)."""
    if kind in ("float32", "float64"):
        return pa.array(_floats(kind, n, rng, special))
    if kind == "float16":
        return pa.array(np.clip(rng.standard_normal(n) * 100, -6e4, 6e4).astype(np.float16))
    if kind == "bool":
        return pa.array(rng.random(n) < 0.5)
    if kind.startswith(("int", "uint")):
        return pa.array(_ints(kind, n, rng, special))
    words = [WORDS[i] for i in rng.integers(0, len(WORDS), n)]
    if kind in ("string", "large_string"):
        return pa.array(words, getattr(pa, kind)())
    if kind in ("binary", "large_binary"):
        return pa.array([w.encode() for w in words], getattr(pa, kind)())
    if kind == "dictionary":
        return pa.array(words).dictionary_encode()
    if kind == "dictionary_float":
        values = pa.array(_floats("float64", 9, rng, 0.5))
        return pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, 9, n), pa.int32()), values)
    if kind == "timestamp":
        return pa.array(_ints("int64", n, rng, special), pa.timestamp("ns"))
    if kind == "date32":
        return pa.array(rng.integers(-(10**5), 10**5, n).astype(np.int32), pa.date32())
    if kind == "decimal":
        cents = rng.integers(-(10**6), 10**6, n)
        return pa.array([decimal.Decimal(int(c)).scaleb(-2) for c in cents], pa.decimal128(12, 2))
    assert kind == "list"
    return pa.array([[int(v)] * int(v % 3) for v in rng.integers(0, 5, n)], pa.list_(pa.int64()))


@st.composite
def hashed_columns(draw: st.DrawFn) -> tuple[list[tuple[str, pa.Array | pa.ChunkedArray]], int]:
    """Named columns of one length: any kinds, nulls, slices, chunks, special values."""
    n = draw(st.sampled_from(HASH_LENGTHS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4))
    names = draw(st.lists(st.sampled_from(["f", "x", "ü", "a b", "0"]), min_size=len(kinds),
                          max_size=len(kinds), unique=True))  # fmt: skip
    out: list[tuple[str, pa.Array | pa.ChunkedArray]] = []
    for name, kind in zip(names, kinds, strict=True):
        before, after = draw(st.integers(0, 17)), draw(st.integers(0, 9))
        total = before + n + after
        array = _array(kind, total, rng, draw(st.sampled_from([0.0, 0.01, 0.3])))
        nulls = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0]))
        if nulls:  # a validity bitmap, then (below) sliced at any bit
            mask = pa.array(rng.random(total) < nulls)
            array = pa.compute.if_else(mask, pa.nulls(total, array.type), array)
        array = array.slice(before, n)
        if n > 2 and draw(st.booleans()):
            cut = int(rng.integers(1, n))
            array = pa.chunked_array([array.slice(0, cut), array.slice(cut)])
        out.append((name, array))
    return out, n


def _row_sums_both(columns, n: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """``row_sums`` through the kernel, then through numpy."""
    with mock.patch.object(rowhash, "NATIVE_MIN_ROWS", 0), _spy("batch") as spy:
        compiled = rowhash.row_sums(columns, n)
    assert spy.call_count == 1  # the compiled route did run
    with mock.patch.object(rowhash, "NATIVE_MIN_ROWS", 1 << 62), _spy("batch") as spy:
        reference = rowhash.row_sums(columns, n)
    assert spy.call_count == 0
    return compiled, reference


@needs_kernels
@settings(max_examples=200, deadline=None)
@given(hashed_columns())
def test_compiled_row_hashes_equal_the_numpy_route_bit_for_bit(drawn):
    columns, n = drawn
    (ca, cb), (ra, rb) = _row_sums_both(columns, n)
    assert ca.dtype == ra.dtype == np.uint64 and ca.shape == ra.shape == (n,)
    assert np.array_equal(ca, ra), "first row hash"
    assert np.array_equal(cb, rb), "second row hash"


@needs_kernels
def test_row_hashes_equal_past_the_numpy_blocks_and_default_threshold():
    """At the real threshold (no patching), past numpy's 131,072-row mixing blocks."""
    n = rowhash._MIX_BLOCK + 4097
    assert n >= rowhash.NATIVE_MIN_ROWS
    rng = np.random.default_rng(7)
    f64 = _floats("float64", n + 5, rng, 0.01)
    columns = [
        ("f32", pa.array(_floats("float32", n, rng, 0.01))),
        ("f64", pa.array(f64, mask=rng.random(n + 5) < 0.2).slice(5)),  # bitmap offset 5
        ("i64", pa.array(_ints("int64", n, rng, 0.01))),
        ("s", pa.array([WORDS[i] for i in rng.integers(0, len(WORDS), n)])),
    ]
    with _spy("batch") as spy:
        ca, cb = rowhash.row_sums(columns, n)
    assert spy.call_count == 1
    with mock.patch.object(rowhash, "NATIVE_MIN_ROWS", 1 << 62):
        ra, rb = rowhash.row_sums(columns, n)
    assert np.array_equal(ca, ra) and np.array_equal(cb, rb)


@needs_kernels
def test_compiled_hashes_follow_the_key_laws():
    """Not a tautology of two equal code paths: NaN == NaN, -0.0 == 0.0, null != NaN,
    int 3 == float 3.0, and a value change changes both hashes."""
    a = pa.array([np.nan, -0.0, 1.0, 2.0, None, 3.0, 2.0**52, -np.inf], pa.float64())
    b = pa.array([-np.nan, 0.0, 1.0, 2.5, np.nan, 3.0, 2.0**52, np.inf], pa.float64())
    i = pa.array([0, 0, 1, 2, 3, 3, 2**52, 0], pa.int64())
    with mock.patch.object(rowhash, "NATIVE_MIN_ROWS", 0), _spy("batch") as spy:
        sa, sb, si = (rowhash.row_sums([("x", c)], 8) for c in (a, b, i))
    assert spy.call_count == 3
    for h in (0, 1):
        assert (sa[h] == sb[h]).tolist() == [True, True, True, False, False, True, True, False]
        assert (sa[h] == si[h]).tolist() == [False, True, True, True, False, True, True, False]


@needs_kernels
@settings(max_examples=80, deadline=None)
@given(hashed_columns(), st.data())
def test_a_rows_hashes_do_not_depend_on_the_rest_of_its_batch(drawn, data):
    """Rows i..j hashed in their batch or alone, and dictionary columns decoded: the same
    hashes (duplicates across row groups, splits and files depend on it), in both routes."""
    columns, n = drawn
    i = data.draw(st.integers(0, max(n - 1, 0)))
    j = data.draw(st.integers(i, n))
    part = [(name, array.slice(i, j - i)) for name, array in columns]
    decoded = [
        (name, a.dictionary_decode() if pa.types.is_dictionary(a.type) else a)
        for name, a in ((name, pa.concat_arrays(c.chunks) if isinstance(c, pa.ChunkedArray)
                         else c) for name, c in part)
    ]  # fmt: skip
    for threshold in (0, 1 << 62):
        with mock.patch.object(rowhash, "NATIVE_MIN_ROWS", threshold):
            whole = rowhash.row_sums(columns, n)
            alone = rowhash.row_sums(part, j - i)
            plain = rowhash.row_sums(decoded, j - i)
        for h in (0, 1):
            assert np.array_equal(whole[h][i:j], alone[h]), (threshold, h)
            assert np.array_equal(alone[h], plain[h]), (threshold, h)


@needs_kernels
def test_null_rows_hash_alike_whatever_else_their_batch_holds():
    """Found by the law above: an int64 or timestamp batch holding a value beyond 2**53,
    or a dictionary column with an empty dictionary, once changed every row's second hash."""
    ts = pa.timestamp("ns")
    cases = [
        (pa.array([None, 3], pa.int64()), pa.array([None, 3, 2**60], pa.int64())),
        (pa.array([None, None], ts), pa.array([None, None, 1_700_000_000 * 10**9], ts)),
        (
            pa.DictionaryArray.from_arrays(pa.array([None, None], pa.int32()), pa.array([], "str")),
            pa.DictionaryArray.from_arrays(pa.array([None, None, 0], pa.int32()), pa.array(["a"])),
        ),
    ]
    for small, large in cases:
        for threshold in (0, 1 << 62):
            with mock.patch.object(rowhash, "NATIVE_MIN_ROWS", threshold):
                a = rowhash.row_sums([("c", small)], len(small))
                b = rowhash.row_sums([("c", large)], len(large))
            for h in (0, 1):
                assert np.array_equal(a[h], b[h][: len(small)]), (small.type, threshold, h)


# ------------------------------------------------------------------ 2. statistics
STATS_LENGTHS = [8_192, 8_193, 12_289, 40_001, 65_537, 65_536 + 1023, 3 * 65_536 + 7, 300_007]


def _stats_values(dtype: str, n: int, shape: str, rng: np.random.Generator) -> np.ndarray:
    # "huge": float32 squares overflow float32 (not float64); float64 values up to 1e150
    huge = 1e25 if dtype == "float32" else 1e150
    return float_shape(n, shape, rng, huge).astype(dtype)


@st.composite
def float_chunks(draw: st.DrawFn) -> np.ndarray:
    """A long float32/float64 chunk with NaN/Inf/extremes, NaN rows or nothing finite."""
    dtype = draw(st.sampled_from(["float32", "float64"]))
    n = draw(st.sampled_from(STATS_LENGTHS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = _stats_values(dtype, n, draw(st.sampled_from(SHAPES)), rng)
    info = np.finfo(dtype)
    for special in draw(st.lists(st.sampled_from(["nan", "inf", "-inf", "max", "min", "tiny"]))):
        where = rng.integers(0, n, draw(st.sampled_from([1, 3, n // 7 + 1])))
        value = {"max": info.max, "min": info.min, "tiny": info.smallest_subnormal}.get(special)
        x[where] = float(special) if value is None else value
    width = column.row_width(n)
    if draw(st.booleans()):  # whole rows with no finite value, and a run across rows
        row = int(rng.integers(0, n // width))
        x[row * width : (row + 1) * width] = np.nan
        start = int(rng.integers(0, n - 3 * width))
        x[start : start + 2 * width + 5] = rng.choice([np.nan, np.inf, -np.inf], 2 * width + 5)
    if draw(st.integers(0, 9)) == 0:  # nothing finite at all
        x[:] = rng.choice([np.nan, np.inf, -np.inf], n)
    return x


def _reference(x: np.ndarray, width: int) -> dict:
    """Counts, bounds, row bounds and moments of ``x`` by numpy in float64 (two-pass, fsum)."""
    f64 = x.astype(np.float64)
    finite = np.isfinite(f64)
    vals = f64[finite]
    body = x.size - x.size % width
    rows_ = np.where(finite[:body], x[:body], np.nan).reshape(-1, width)
    row_lo, row_hi = np.fmin.reduce(rows_, axis=1), np.fmax.reduce(rows_, axis=1)
    empty = np.isnan(row_lo)
    row_lo[empty], row_hi[empty] = np.inf, -np.inf
    out = {
        "nan": int(np.isnan(f64).sum()),
        "posinf": int((f64 == np.inf).sum()),
        "neginf": int((f64 == -np.inf).sum()),
        "n": vals.size,
        "lo": float(vals.min()) if vals.size else math.inf,
        "hi": float(vals.max()) if vals.size else -math.inf,
        "row_lo": row_lo,
        "row_hi": row_hi,
    }
    if vals.size:
        out["mean"] = mean = _mean(vals)
        with np.errstate(over="ignore"):
            sq = (vals - mean) ** 2
        try:
            out["m2"] = math.fsum(sq)
        except OverflowError:  # the sum is beyond the float64 range
            out["m2"] = math.inf
    return out


def _mean(x: np.ndarray) -> float:
    """The mean from the correctly rounded sum, even where that sum overflows float64."""
    try:
        return math.fsum(x) / x.size
    except OverflowError:  # values near the float64 limit: sum a copy scaled by 2**-64
        return math.ldexp(math.fsum(np.ldexp(x, -64)) / x.size, 64)


def _assert_moments(mean: float, m2: float, ref: dict, tol: tuple[float, float]) -> None:
    """Mean within ``tol[0]`` standard deviations and m2 within ``tol[1]`` (relative) of
    ``ref``'s, each give or take the rounding of values of the data's size (a few ulps:
    the mean's last bit; m2 = 0 of constant data)."""
    mean_tol, m2_rtol = tol
    n, ref_mean, ref_m2 = ref["n"], ref["mean"], ref["m2"]
    ulp = 4 * np.finfo(np.float64).eps * max(abs(ref["lo"]), abs(ref["hi"]))
    if not math.isfinite(ref_m2):  # values near the float64 limit: m2 overflows in both
        assert m2 == ref_m2, (m2, ref_m2)
        return
    std = math.sqrt(ref_m2 / n)
    assert abs(mean - ref_mean) <= mean_tol * std + ulp, (mean, ref_mean)
    assert abs(m2 - ref_m2) <= m2_rtol * ref_m2 + n * ulp**2, (m2, ref_m2)


@needs_kernels
@settings(max_examples=100, deadline=None)
@given(float_chunks())
def test_compiled_statistics_equal_the_float64_reference(x):
    table = pa.table({"x": x})
    with _spy("batch") as spy:
        bp = fused.batch_pass(table, ["x"], None)
    assert spy.call_count == 1 and bp is not None and bp.sums is None
    p = bp.passes["x"]
    width = column.row_width(x.size)
    ref = _reference(x, width)
    assert (p.nan, p.posinf, p.neginf) == (ref["nan"], ref["posinf"], ref["neginf"])
    assert (p.lo, p.hi) == (ref["lo"], ref["hi"])
    assert p.width == width and p.row_lo.dtype == p.row_hi.dtype == x.dtype
    assert np.array_equal(p.row_lo, ref["row_lo"]) and np.array_equal(p.row_hi, ref["row_hi"])
    out = p.to_pass(x)
    if ref["n"] == 0:
        assert out is not None and out.n == 0
        return
    if p.overflow:  # squares overflowed float64: the caller's float64 kernels redo the moments
        assert out is None
        with np.errstate(over="ignore"):
            d = x[np.isfinite(x)].astype(np.float64) - p.shift
            assert np.isinf(np.dot(d, d))
        return
    assert out is not None and out.n == ref["n"]
    _assert_moments(out.mean, out.m2, ref, TOL)


def _column_stats(table: pa.Table, name: str) -> tuple[ColumnStats, fused.BatchPass | None]:
    """A column's statistics as ``DatasetStats.update`` builds them (with the batch pass)."""
    bp = fused.batch_pass(table, [name], None)
    stats = ColumnStats.empty(table.schema.field(name).type)
    stats.update(table.column(name), None if bp is None else bp.passes.get(name))
    return stats, bp


def _assert_same_column_stats(
    a: ColumnStats, b: ColumnStats, float32: bool, same_sample: bool = True
) -> None:
    """Every field equal but mean and m2, which are within the numpy route's tolerance.

    ``same_sample=False``: the numpy route did not take its one-pass kernel (a chunk
    of at most 65,536 values, or float32 squares overflowing float32) and, given NaN or
    Inf, histograms a strided sample of the finite values, where the one-pass routes
    sample all values and drop the non-finite: other values behind the plot, the same
    total.
    """
    for name in a.__dataclass_fields__:
        if name not in ("mean", "m2", "hist"):
            assert getattr(a, name) == getattr(b, name), name
    if same_sample or a.hist is None or b.hist is None:
        assert a.hist == b.hist
    else:
        assert a.hist.total == b.hist.total == a.n
        assert float(a.hist.counts.sum()) == pytest.approx(b.hist.counts.sum())
    if not a.n or np.array_equal([a.mean, a.m2], [b.mean, b.m2], equal_nan=True):
        return  # also where both took the float64 kernels (values near the float64 limit)
    ref = {"mean": b.mean, "m2": b.m2, "n": b.n, "lo": b.min, "hi": b.max}
    _assert_moments(a.mean, a.m2, ref, (F32_MEAN_TOL, F32_M2_RTOL) if float32 else TOL)


@needs_kernels
@settings(max_examples=60, deadline=None)
@given(float_chunks())
def test_column_stats_equal_with_and_without_the_kernels(x):
    table = pa.table({"x": x})
    compiled, bp = _column_stats(table, "x")
    assert bp is not None
    with _numpy_route():
        reference, none = _column_stats(table, "x")
    assert none is None
    # The numpy route sums float32 blocks in float32: its documented tolerance.
    clean = bool(np.isfinite(x).all())
    one_pass = column._fusable(x) and column._fused_pass(x) is not None  # numpy's one pass
    same_sample = clean or one_pass
    _assert_same_column_stats(compiled, reference, x.dtype == np.float32, same_sample)
    ref = _reference(x, column.row_width(x.size))
    assert compiled.n == ref["n"]
    if compiled.n and not bp.passes["x"].overflow:
        _assert_moments(compiled.mean, compiled.m2, ref, TOL)


@needs_kernels
@settings(max_examples=60, deadline=None)
@given(
    dtype=st.sampled_from(["float32", "float64"]),
    n=st.integers(0, 40_000),
    width=st.sampled_from([1, 2, 256, 4096, 8192, 16_384]),
    special=st.sampled_from([0.0, 0.001, 0.5, 1.0]),
    nulls=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_kernel_on_any_length_and_row_width(dtype, n, width, special, nulls, seed):
    """``lc_batch`` itself, outside the callers' thresholds: any n, rows across its blocks,
    statistics and hashes of one column in one read."""
    rng = np.random.default_rng(seed)
    x = _floats(dtype, n, rng, special)
    array = pa.array(x, mask=rng.random(n) < 0.3) if nulls else pa.array(x)
    spec = rowhash.hash_spec("c", array)
    if not nulls:  # statistics are asked for null-free columns only
        spec.width, spec.shift = width, column.sample_shift(x) if n else 0.0
        spec.row_lo = np.empty(n // width, dtype=x.dtype)
        spec.row_hi = np.empty(n // width, dtype=x.dtype)
    sums = native.batch([spec], n, sums=True)
    with mock.patch.object(rowhash, "NATIVE_MIN_ROWS", 1 << 62):
        ra, rb = rowhash.row_sums([("c", array)], n)
    assert sums is not None and np.array_equal(sums[0], ra) and np.array_equal(sums[1], rb)
    if nulls:
        return
    ref = _reference(x, width)
    assert (spec.nan, spec.posinf, spec.neginf) == (ref["nan"], ref["posinf"], ref["neginf"])
    assert (spec.lo, spec.hi) == (ref["lo"], ref["hi"])
    assert np.array_equal(spec.row_lo, ref["row_lo"]) and np.array_equal(spec.row_hi, ref["row_hi"])
    if ref["n"] and not spec.overflow:
        shift = spec.s1 / ref["n"]
        mean, m2 = spec.shift + shift, max(spec.s2 - spec.s1 * shift, 0.0)
        _assert_moments(mean, m2, ref, TOL)


@needs_kernels
def test_batch_pass_hashes_equal_row_sums_when_columns_share_a_read():
    """A float column both summarised and hashed is read once: its hashes are unchanged."""
    n = 70_001
    rng = np.random.default_rng(3)
    table = pa.table(
        {
            "f32": _floats("float32", n, rng, 0.01),
            "f64": _floats("float64", n, rng, 0.01),
            "nulls": pa.array(rng.standard_normal(n), mask=rng.random(n) < 0.1),
            "i": rng.integers(-5, 5, n),
            "s": pa.array([WORDS[i] for i in rng.integers(0, len(WORDS), n)]),
        }
    )
    hashed = table.column_names
    bp = fused.batch_pass(table, ["f32", "f64", "nulls", "i"], rowhash.row_columns(table, hashed))
    assert bp is not None and bp.sums is not None
    assert set(bp.passes) == {"f32", "f64"}  # float, null-free, long
    with mock.patch.object(rowhash, "NATIVE_MIN_ROWS", 1 << 62):
        ra, rb = rowhash.row_sums([(c, table.column(c)) for c in hashed], n)
    assert np.array_equal(bp.sums[0], ra) and np.array_equal(bp.sums[1], rb)
    bp_stats_only = fused.batch_pass(table, ["f32", "f64"], None)
    assert bp_stats_only is not None
    for name in ("f32", "f64"):
        a, b = bp.passes[name], bp_stats_only.passes[name]
        assert (a.nan, a.posinf, a.neginf, a.lo, a.hi, a.overflow) == (
            b.nan, b.posinf, b.neginf, b.lo, b.hi, b.overflow
        )  # fmt: skip
        assert np.array_equal([a.s1, a.s2], [b.s1, b.s2], equal_nan=True)
        assert np.array_equal(a.row_lo, b.row_lo) and np.array_equal(a.row_hi, b.row_hi)


# ------------------------------------------------------------------ 3. repeats
@st.composite
def hash_parts(draw: st.DrawFn) -> list[np.ndarray]:
    """uint64 hashes with planted repeats, in parts (empty ones, single values)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.sampled_from([0, 1, 2, 17, 1000, 40_000, 70_001]))
    layout = draw(st.sampled_from(["uniform", "all_equal", "small", "top_bits"]))
    if layout == "uniform":
        a = rng.integers(0, 2**64, n, dtype=np.uint64, endpoint=False)
    elif layout == "all_equal":
        a = np.full(n, rng.integers(0, 2**64, dtype=np.uint64), dtype=np.uint64)
    elif layout == "small":  # not hash-like: small integers, many repeats
        a = rng.integers(0, max(1, n // 3), n).astype(np.uint64)
    else:  # spread over the top bits (one bucket each), repeats across buckets' edges
        a = rng.integers(0, 64, n).astype(np.uint64) << np.uint64(58)
        a |= rng.integers(0, max(1, n), n).astype(np.uint64)
    if n and draw(st.booleans()):  # a few values planted many times, at random places
        for copies in draw(st.lists(st.sampled_from([2, 3, 1000]), max_size=4)):
            a[rng.integers(0, n, min(copies, n))] = a[rng.integers(0, n)]
    cuts = sorted(rng.integers(0, n + 1, draw(st.integers(0, 6))).tolist())
    parts = np.split(a, cuts)
    if draw(st.booleans()):
        parts.insert(int(rng.integers(0, len(parts) + 1)), np.zeros(0, np.uint64))
    return parts


def _unique_repeats(parts: list[np.ndarray]) -> np.ndarray:
    values, counts = np.unique(np.concatenate(parts), return_counts=True)
    return values[counts > 1]


@needs_kernels
@settings(max_examples=150, deadline=None)
@given(hash_parts(), st.sampled_from([1, 5, 64, 4096, native._SCRATCH]))
def test_compiled_repeats_equal_np_unique(parts, scratch):
    """With a small scratch the buckets are scattered in many runs, and a bucket larger
    than the scratch (many copies of one value) gets its own buffer."""
    expected = _unique_repeats(parts)
    with mock.patch.object(native, "_SCRATCH", scratch):
        found = native.repeats(parts)
    assert found is not None and found.dtype == np.uint64
    assert np.array_equal(found, expected)
    with mock.patch.object(rows, "NATIVE_MIN_ROWS", 0), _spy("repeats") as spy:
        compiled = rows._repeated(parts)
    assert spy.call_count == 1
    with mock.patch.object(rows, "NATIVE_MIN_ROWS", 1 << 62):
        sorted_ = rows._repeated(parts)
    assert np.array_equal(compiled, expected) and np.array_equal(sorted_, expected)


@needs_kernels
def test_repeats_of_a_million_hashes_both_routes():
    """Past 2**20 hashes the numpy route sorts two halves by the top bit on two threads."""
    rng = np.random.default_rng(11)
    a = rng.integers(0, 2**64, (1 << 20) + 5, dtype=np.uint64, endpoint=False)
    a[rng.integers(0, a.size, 5000)] = a[rng.integers(0, a.size, 5000)]
    a[:3] = [2**63 - 1, 2**63, 2**63]  # either side of the halves' split
    a[-3:] = [2**63 - 1, 0, 0]
    parts = [a[:1000], a[1000:1000], a[1000:]]
    expected = _unique_repeats(parts)
    assert expected.size > 4000
    with _spy("repeats") as spy:
        compiled = rows._repeated(parts)
    assert spy.call_count == 1
    with mock.patch.object(rows, "NATIVE_MIN_ROWS", 1 << 62):
        sorted_ = rows._repeated(parts)
    assert np.array_equal(compiled, expected) and np.array_equal(sorted_, expected)


# ------------------------------------------------------------------ 4. end to end
E2E_ROWS = 145_000  # row groups of 70,000, 70,000 and 5,000: two compiled, one numpy


@pytest.fixture(scope="module")
def long_file(tmp_path_factory) -> Path:
    """Floats with NaN/Inf, repeated rows (some across row groups), conflicting labels;
    wide enough that the local engine hashes a row group's columns in two tasks, whose
    row-sum arrays are added and recycled."""
    rng = np.random.default_rng(5)
    n = E2E_ROWS
    cols: dict[str, np.ndarray] = {
        "a32": (rng.standard_normal(n) * 3 + 1).astype(np.float32),
        "b32": rng.integers(0, 256, n).astype(np.float32),
        "c32": (rng.standard_normal(n) * 1e4).astype(np.float32),
        "d64": rng.standard_normal(n) + 40_000,
        "e64": rng.standard_normal(n) * 10.0 ** rng.integers(-3, 6, n),
    }
    for i in range(7):  # 13 columns: a row group is scanned as two column groups (threads)
        cols[f"g{i}_32"] = rng.integers(-50, 50, n).astype(np.float32) / np.float32(i + 1)
    cols["a32"][rng.integers(0, n, 40)] = np.nan
    cols["c32"][[10, 80_000, 140_000]] = [np.inf, -np.inf, np.inf]
    cols["e64"][rng.integers(0, n, 25)] = np.nan
    cols["e64"][3] = 1e300  # a sparse outlier
    label = rng.integers(0, 5, n)
    src, dst = rng.choice(n, 600, replace=False).reshape(2, 300)
    for c in cols.values():  # duplicates: rows copied elsewhere, across row groups too
        c[dst] = c[src]
    label[dst] = label[src]
    label[dst[:40]] = (label[src[:40]] + 1) % 5  # ... 40 with another label: conflicts
    cols["label"] = label
    path = tmp_path_factory.mktemp("native") / "long.parquet"
    pq.write_table(pa.table(cols), path, row_group_size=70_000)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    return path


def _findings(report) -> list[tuple]:
    return sorted(
        (f.code, f.column or "", f.message, f.rows or 0, repr(f.values), f.row_numbers, f.groups)
        for f in report.findings
    )


@needs_kernels
def test_scan_gives_the_same_report_with_and_without_the_kernels(long_file, monkeypatch):
    with _spy("batch") as batch, _spy("repeats") as repeats:
        compiled = labelcheck.scan(str(long_file), label="label")
    assert batch.call_count >= 2 and repeats.call_count >= 1  # the two long row groups
    monkeypatch.setenv("LABELCHECK_NATIVE", "0")
    native._library.cache_clear()
    with _spy("batch") as batch, _spy("repeats") as repeats:
        reference = labelcheck.scan(str(long_file), label="label")
    assert batch.call_count == repeats.call_count == 0
    monkeypatch.delenv("LABELCHECK_NATIVE")
    native._library.cache_clear()

    assert _findings(compiled) == _findings(reference)
    codes = {f.code for f in compiled.findings}
    assert {"LC101", "LC102", "LC301", "LC302"} <= codes, codes
    x, y = compiled.stats.row_summary, reference.stats.row_summary
    assert x is not None and y is not None
    for name in ("duplicates", "conflicts"):
        gx, gy = getattr(x, name), getattr(y, name)
        assert gx.n_rows > 0
        for field in ("rows", "group", "lab", "a", "b"):
            assert np.array_equal(getattr(gx, field), getattr(gy, field)), (name, field)
    assert x.distinct_features == y.distinct_features
    assert compiled.rows_table().equals(reference.rows_table())
    assert compiled.stats.rows == reference.stats.rows == E2E_ROWS
    for name, a in compiled.stats.columns.items():
        _assert_same_column_stats(a, reference.stats.columns[name], float32=name.endswith("32"))


# ------------------------------------------------------------------ 5. start-up
def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    """A fresh interpreter importing the labelcheck under test."""
    root = str(Path(labelcheck.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run(
        [sys.executable, *args, "-c", code] if code else [sys.executable, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


LOADED = (
    "import sys, labelcheck; labelcheck.scan(sys.argv[1]); "
    "native = sys.modules.get('labelcheck.stats.native'); "
    "print(native is not None, native is not None and native.enabled())"
)


@needs_kernels
def test_small_scan_never_loads_the_kernels_a_long_one_does(long_file):
    small = _python(LOADED.replace("sys.argv[1]", repr(str(SAMPLE_DATA / "classic.parquet"))))
    assert small.returncode == 0, small.stderr
    assert small.stdout.split() == ["False", "False"]
    long = _python(LOADED.replace("sys.argv[1]", repr(str(long_file))))
    assert long.returncode == 0, long.stderr
    assert long.stdout.split() == ["True", "True"]


@needs_kernels
def test_cli_scan_of_a_small_file_does_not_import_the_kernels():
    """The real entry point (``python -m labelcheck``), as a pre-commit hook runs it."""
    run = _python("", "-X", "importtime", "-m", "labelcheck", "scan",
                  str(SAMPLE_DATA / "classic.parquet"), "--label", "y")  # fmt: skip
    assert run.returncode == 1, run.stderr[-2000:]  # LC205: the classic sample's error
    imported = [line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines()]
    assert "labelcheck.stats.rowhash" in imported  # the trace does list our modules
    assert "labelcheck.stats.native" not in imported


# ------------------------------------------------------------------ 6. CI
def test_ci_fails_rather_than_skips_without_the_kernels():
    """With LABELCHECK_CI=1 a missing library fails every test here; without, they skip."""
    code = (
        "import sys, pathlib, pytest; from labelcheck.stats import native; "
        "native.LIBRARY = pathlib.Path('/nonexistent/kernels.so'); native._library.cache_clear(); "
        f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', {__file__!r}, "
        "'-k', 'not ci_fails']))"
    )
    runs = {}
    for ci in ("1", ""):
        with mock.patch.dict(os.environ, {"LABELCHECK_CI": ci}):
            runs[ci] = _python(code)
    out = runs["1"].stdout
    assert runs["1"].returncode == 1, out[-3000:]
    assert "LABELCHECK_CI is set but the compiled kernels were not built" in out
    assert " passed" not in out and " skipped" not in out, out[-3000:]
    out = runs[""].stdout
    assert runs[""].returncode == 0, out[-3000:]
    assert " skipped" in out and " failed" not in out and " passed" not in out, out[-3000:]


@needs_kernels
def test_list_columns_hash_alike_on_both_routes_and_by_content():
    """Token lists (list, large_list, fixed_size_list, with null rows and an offset): the
    kernel and numpy agree bit for bit, and equal lists hash alike whatever their layout."""
    rng = np.random.default_rng(3)
    n = 300
    rows = [rng.integers(0, 50, int(rng.integers(0, 6))).tolist() for _ in range(n + 2)]
    rows[5] = None
    fixed = pa.FixedSizeListArray.from_arrays(pa.array(rng.integers(0, 9, (n + 2) * 3)), 3)
    columns = [
        ("ids", pa.array(rows, pa.list_(pa.int64())).slice(2)),
        ("big", pa.array(rows, pa.large_list(pa.int32())).slice(2)),
        ("fixed", fixed.slice(2)),
    ]
    (ca, cb), (ra, rb) = _row_sums_both(columns, n)
    assert np.array_equal(ca, ra) and np.array_equal(cb, rb)
    ka, kb = rowhash.value_keys(columns[0][1])
    la, lb = rowhash.value_keys(columns[1][1])
    assert np.array_equal(ka, la) and np.array_equal(kb, lb)  # int64/int32, list/large_list
    a = rowhash.value_keys(pa.array([[1, 2], [2, 1], [1, 2, 0], [], None, [1, 2]]))[0]
    assert a[0] == a[5] and len({a[0], a[1], a[2], a[3], a[4]}) == 5


@needs_kernels
def test_list_keys_of_the_list_kernel_equal_numpys_bit_for_bit(monkeypatch):
    """``lc_list_sums`` (token rows from NATIVE_MIN_ROWS rows) against numpy's route:
    list, large_list of int32, fixed-size lists, null rows spanning values, an offset."""
    rng = np.random.default_rng(8)
    n = 3000
    rows = [rng.integers(-5, 1 << 40, int(rng.integers(0, 40))).tolist() for _ in range(n)]
    for i in range(0, n, 97):
        rows[i] = None
    spanning = pa.ListArray.from_arrays(
        pa.array(np.arange(0, 4 * n + 1, 4, dtype=np.int32)),
        pa.array(rng.integers(0, 9, 4 * n)),
        mask=pa.array(rng.random(n) < 0.2),
    )  # null rows over values
    small = [[int(v) % 1000 for v in r] if r is not None else None for r in rows]
    arrays = [
        pa.array(rows, pa.list_(pa.int64())).slice(3),
        pa.array(small, pa.large_list(pa.int32())).slice(5, 2000),
        pa.FixedSizeListArray.from_arrays(pa.array(rng.integers(0, 9, n * 3)), 3).slice(7),
        spanning.slice(1),
    ]
    for array in arrays:
        monkeypatch.setattr(rowhash, "NATIVE_MIN_ROWS", 1 << 62)
        ra, rb = rowhash.value_keys(array)
        monkeypatch.setattr(rowhash, "NATIVE_MIN_ROWS", 0)
        ka, kb = rowhash.value_keys(array)
        assert np.array_equal(ka, ra) and np.array_equal(kb, rb)
