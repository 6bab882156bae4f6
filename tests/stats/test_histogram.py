"""The symmetric-log histogram behind the HTML report's plots: fixed bins, merged by adding."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcheck.stats.column import ColumnStats
from labelcheck.stats.histogram import SAMPLE, SymlogHistogram, bin_edges, bin_keys

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
values = st.lists(
    st.one_of(finite, st.integers(-300, 300).map(float), st.sampled_from([0.0, -0.0, 1e-300])),
    max_size=300,
)


def hist_of(vals: list[float]) -> SymlogHistogram:
    h = SymlogHistogram()
    h.add(np.asarray(vals, dtype=np.float64))
    return h


@settings(max_examples=150, deadline=None)
@given(vals=values, cuts=st.lists(st.integers(0, 300), max_size=4))
def test_merging_the_parts_gives_the_whole(vals, cuts):
    bounds = [0, *sorted(min(c, len(vals)) for c in cuts), len(vals)]
    parts = [hist_of(vals[a:b]) for a, b in itertools.pairwise(bounds)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    whole = hist_of(vals)
    assert merged == whole
    assert whole.total == whole.sampled == len(vals) == round(float(whole.counts.sum()))


@settings(max_examples=150, deadline=None)
@given(vals=st.lists(finite, min_size=1, max_size=200))
def test_every_value_lies_in_its_bin(vals):
    arr = np.asarray(vals)
    lo, hi = bin_edges(bin_keys(arr))
    tiny = 1e-12
    for v, a, b in zip(arr.tolist(), lo.tolist(), hi.tolist(), strict=True):
        if abs(v) < tiny:  # the zero bin holds every magnitude below 1e-12
            assert (a, b) == (0.0, tiny)
        elif abs(v) >= 1e40:  # the last bin holds everything beyond
            assert abs(b) == 1e40 or abs(a) >= 9e39
        else:
            assert a <= v <= b, (v, a, b)
            assert b - a <= 0.04 * max(abs(a), abs(b))  # 64 bins per decade: < 4% wide


def test_merge_is_pure_and_commutative():
    a, b = hist_of([1.0, 2.0, -3.0]), hist_of([2.0, 0.0, 1e9])
    before = (a.to_dict(), b.to_dict())
    assert a.merge(b) == b.merge(a)
    assert (a.to_dict(), b.to_dict()) == before


def test_past_the_sample_size_counts_still_add_up_to_the_values_seen():
    x = np.random.default_rng(0).normal(100.0, 5.0, 1_000_003)
    h = hist_of(x.tolist())
    assert h.total == x.size and h.sampled <= SAMPLE and not h.exact
    assert math.isclose(float(h.counts.sum()), x.size, rel_tol=1e-9)
    lo, hi, counts = h.bins()
    mean = float((counts * (lo + hi) / 2).sum() / counts.sum())
    assert abs(mean - 100.0) < 1.0  # the sample's shape is the data's


def test_round_trip_through_json():
    h = hist_of([0.0, -1.5, 3.0, 3.0, 1e20])
    assert SymlogHistogram.from_dict(json.loads(json.dumps(h.to_dict()))) == h


def test_column_stats_carry_it_for_numeric_columns_only_finite_values():
    s = ColumnStats.of(pa.array([1.0, float("nan"), float("inf"), None, 255.0]))
    assert s.hist is not None and s.hist.total == 2  # NaN, Inf and null are counted elsewhere
    assert ColumnStats.of(pa.array(["a", "b"])).hist is None
    restored = ColumnStats.from_dict(json.loads(json.dumps(s.to_dict())))
    assert restored.hist == s.hist
