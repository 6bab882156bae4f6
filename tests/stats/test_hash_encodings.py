"""Row hashes depend on values, not encodings: time units and text read as numbers.

Properties (hypothesis draws the instants, units, nulls and lengths on both sides
of the compiled kernels' threshold): the same instant stored in any unit (or as
a date) hashes alike; a text column hashed :class:`AsNumber` hashes as the float
column of the same numbers (markers as nulls); and the compiled route gives the
numpy route's sums bit for bit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcheck.stats import native, rowhash
from labelcheck.stats.rowhash import NATIVE_MIN_ROWS, NULL_KEY, AsNumber, row_sums

UNITS = ["s", "ms", "us", "ns"]
PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
LENGTHS = [1, 5, 300, NATIVE_MIN_ROWS + 3]


@contextmanager
def _route(native_on: bool) -> Iterator[None]:
    with mock.patch.dict(os.environ, {"LABELCHECK_NATIVE": "1" if native_on else "0"}):
        native._library.cache_clear()
        try:
            yield
        finally:
            native._library.cache_clear()


def _both_routes(columns, n):
    with _route(False):
        numpy_sums = row_sums(columns, n)
    with _route(True):
        if not native.enabled():
            return numpy_sums, numpy_sums
        return numpy_sums, row_sums(columns, n)


@st.composite
def instants(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, str]:
    """Whole seconds (some beyond int64 nanoseconds) and a mask of nulls, and a coarse unit."""
    n = draw(st.sampled_from(LENGTHS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    span = draw(st.sampled_from([10**9, 9 * 10**9, 10**11]))  # 30 years .. beyond 2262
    secs = rng.integers(-span, span, n)
    nulls = rng.random(n) < draw(st.sampled_from([0.0, 0.1]))
    return secs, nulls, draw(st.sampled_from(["s", "ms", "us"]))


def _stamps(secs: np.ndarray, nulls: np.ndarray, unit: str) -> pa.Array:
    return pa.array(secs * PER_SECOND[unit], pa.timestamp(unit), mask=nulls)


@settings(max_examples=40, deadline=None)
@given(instants(), st.sampled_from(UNITS))
def test_an_instant_hashes_alike_in_every_unit(drawn, finer):
    secs, nulls, unit = drawn
    if PER_SECOND[finer] < PER_SECOND[unit]:
        unit, finer = finer, unit
    fits = np.abs(secs).astype(float) * PER_SECOND[finer] < 9e18  # stored in `finer`
    secs, nulls = secs[fits], nulls[fits]
    n = secs.size
    coarse = [("t", _stamps(secs, nulls, unit))]
    fine = [("t", _stamps(secs, nulls, finer))]
    a_numpy, a_native = _both_routes(coarse, n)
    b_numpy, b_native = _both_routes(fine, n)
    for x, y in ((a_numpy, b_numpy), (a_numpy, a_native), (b_numpy, b_native)):
        assert np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1])


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(LENGTHS), st.integers(0, 2**32 - 1))
def test_a_date_hashes_as_its_midnight(n, seed):
    days = np.random.default_rng(seed).integers(-(10**6), 10**6, n)  # far dates included
    dates = [("d", pa.array(days.astype(np.int32), pa.date32()))]
    stamps = [("d", pa.array(days * 86_400, pa.timestamp("s")))]
    millis = [("d", pa.array(days * 86_400_000, pa.date64()))]
    ref = _both_routes(stamps, n)
    for cols in (dates, millis):
        got = _both_routes(cols, n)
        for x, y in zip(ref, got, strict=True):
            assert np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1])


def test_different_instants_hash_differently():
    secs = np.array([0, 1, -1, 10**11, 10**11 + 1, -(10**11)], dtype=np.int64)
    sums = row_sums([("t", pa.array(secs, pa.timestamp("s")))], secs.size)
    assert len(set(sums[0].tolist())) == secs.size
    nanos = pa.array([0, 1], pa.timestamp("ns"))  # 1 ns differs from 0
    assert len(set(row_sums([("t", nanos)], 2)[0].tolist())) == 2


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(LENGTHS), st.integers(0, 2**32 - 1), st.booleans())
def test_text_as_numbers_hashes_as_the_numbers(n, seed, words):
    rng = np.random.default_rng(seed)
    values = rng.integers(-(10**6), 10**6, n) / 16
    text = np.array([repr(float(v)) for v in values], dtype=object)
    markers = rng.random(n) < 0.1
    text[markers] = rng.choice(["?", "N/A", " null ", "", "nan", "-"], int(markers.sum()))
    numbers = pa.array(values, mask=markers)  # the markers are missing values
    cols_text = [("f", AsNumber(pa.array(text.tolist(), pa.string()))), ("g", pa.array(values))]
    cols_num = [("f", numbers), ("g", pa.array(values))]
    if words:  # a value neither a number nor a marker: equal to no number
        text[0] = "many"
        cols_text[0] = ("f", AsNumber(pa.array(text.tolist(), pa.large_string())))
    t_numpy, t_native = _both_routes(cols_text, n)
    n_numpy, n_native = _both_routes(cols_num, n)
    same = np.ones(n, dtype=bool)
    if words:
        same[0] = False
    for x, y in ((t_numpy, t_native), (n_numpy, n_native)):
        assert np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1])
    assert np.array_equal(t_numpy[0][same], n_numpy[0][same])
    assert np.array_equal(t_numpy[1][same], n_numpy[1][same])
    assert not words or (t_numpy[0][0] != n_numpy[0][0] and t_numpy[1][0] != n_numpy[1][0])


def test_markers_are_null_and_dictionaries_are_text():
    arr = pa.array(["1.5", "?", None, " 2 "]).dictionary_encode()
    ka, kb = rowhash.number_keys(arr)
    assert ka[1] == NULL_KEY and ka[2] == NULL_KEY and kb is ka
    assert ka[0] == np.array([1.5]).view(np.uint64)[0]
    assert ka[3] == np.array([2.0]).view(np.uint64)[0]


@pytest.mark.parametrize(
    ("types", "how"),
    [
        ([pa.int64(), pa.float32()], "as-is"),
        ([pa.timestamp("ns"), pa.timestamp("us", tz="UTC"), pa.date32()], "as-is"),
        ([pa.string(), pa.int64()], "number"),
        ([pa.dictionary(pa.int32(), pa.string()), pa.float64(), pa.null()], "number"),
        ([pa.timestamp("ns"), pa.int64()], None),
        ([pa.string(), pa.timestamp("s")], None),
        ([pa.list_(pa.int64()), pa.list_(pa.float64())], None),
    ],
)
def test_reconcile(types, how):
    assert rowhash.reconcile(types) == how
