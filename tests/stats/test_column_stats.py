"""Laws of the one-pass statistics: parts merge to the whole, associatively, exactly.

Every exact field (counts, min/max, extremes, distinct counts, label flags) must
be equal whatever the split; mean and m2 are floating point, merged with Chan et
al.'s update, and must agree to rounding.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcheck.options import ScanOptions
from labelcheck.stats import ColumnStats, DatasetStats, plan_columns
from labelcheck.stats.column import EXTREMES_K

APPROX = ("mean", "m2")

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
special = st.sampled_from([math.nan, math.inf, -math.inf, None, 0.0, -0.0])
float_values = st.lists(st.one_of(finite, special, st.integers(-5, 5).map(float)), max_size=80)
int_values = st.lists(
    st.one_of(st.integers(-(2**40), 2**40), st.integers(-3, 8), st.none()), max_size=80
)
text_values = st.lists(
    st.one_of(st.text(max_size=3), st.sampled_from(["1.5", " 2", "nan"]), st.none()), max_size=60
)
prob_row = st.one_of(
    st.none(),
    st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, -0.5, math.nan]), min_size=1, max_size=4),
)
list_values = st.lists(prob_row, max_size=40)


def _numpy_values(n: int, seed: int, scale: float) -> list[Any]:
    """Hundreds of values, many repeated, some NaN/Inf/null: past EXTREMES_K, bincount path."""
    rng = np.random.default_rng(seed)
    values: list[Any] = (rng.integers(-50, 50, n) * scale).tolist()
    for i in rng.integers(0, max(n, 1), n // 20 if n else 0).tolist():
        values[i] = [math.nan, math.inf, -math.inf, None][i % 4]
    return values


many_values = st.builds(
    _numpy_values,
    st.integers(0, 400),
    st.integers(0, 2**32 - 1),
    st.sampled_from([1.0, 0.5, 1e-3]),
)


def stats_of(array: pa.Array, *, label: bool, cap: int | None = None) -> ColumnStats:
    stats = ColumnStats.empty(array.type, label=label)
    if cap is not None:
        stats.distinct_cap = cap
    stats.update(array)
    return stats


def assert_same(a: ColumnStats, b: ColumnStats) -> None:
    for name in a.__dataclass_fields__:
        if name in APPROX:
            continue
        assert getattr(a, name) == getattr(b, name), name
    scale = max(1.0, a.max_abs or 0.0)
    assert math.isclose(a.mean, b.mean, rel_tol=1e-9, abs_tol=1e-9 * scale)
    assert math.isclose(a.m2, b.m2, rel_tol=1e-7, abs_tol=1e-7 * scale * scale * max(a.n, 1))


@st.composite
def split(draw: st.DrawFn, values: st.SearchStrategy[list[Any]]) -> tuple[list[Any], list[int]]:
    """Values and sorted cut points (empty parts allowed)."""
    vals = draw(values)
    cuts = sorted(draw(st.lists(st.integers(0, len(vals)), max_size=4)))
    return vals, [0, *cuts, len(vals)]


def parts(array: pa.Array, bounds: list[int]) -> list[pa.Array]:
    return [array.slice(a, b - a) for a, b in itertools.pairwise(bounds)]


def merged(array: pa.Array, bounds: list[int], *, label: bool, cap: int | None = None):
    pieces = [stats_of(p, label=label, cap=cap) for p in parts(array, bounds)]
    total = pieces[0]
    for piece in pieces[1:]:
        total = total.merge(piece)
    return total


CASES = [
    (float_values, pa.float64(), False),
    (float_values, pa.float64(), True),
    (float_values, pa.float32(), True),
    (many_values, pa.float64(), True),
    (many_values, pa.float64(), False),
    (int_values, pa.int64(), True),
    (int_values, pa.int64(), False),
    (text_values, pa.string(), True),
    (text_values, pa.string(), False),
    (list_values, pa.list_(pa.float64()), True),
]


@pytest.mark.parametrize(("values", "arrow_type", "label"), CASES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_merging_the_parts_of_any_split_gives_the_whole(values, arrow_type, label, data):
    vals, bounds = data.draw(split(values))
    array = pa.array(vals, type=arrow_type)
    whole = stats_of(array, label=label)
    assert_same(merged(array, bounds, label=label), whole)
    # A ChunkedArray of the parts, folded by update(), is the whole too.
    assert_same(stats_of(pa.chunked_array(parts(array, bounds), arrow_type), label=label), whole)


@pytest.mark.parametrize(("values", "arrow_type", "label"), CASES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_merge_is_associative_and_pure(values, arrow_type, label, data):
    a, b, c = (
        stats_of(pa.array(data.draw(values), type=arrow_type), label=label) for _ in range(3)
    )
    before = copy.deepcopy((a, b, c))
    assert_same(a.merge(b).merge(c), a.merge(b.merge(c)))
    assert (a, b, c) == before  # merge never changes its inputs


@settings(max_examples=80, deadline=None)
@given(vals=float_values)
def test_float_stats_match_a_plain_python_reference(vals):
    s = stats_of(pa.array(vals, type=pa.float64()), label=True)
    present = [v for v in vals if v is not None]
    fin = [v for v in present if math.isfinite(v)]
    assert s.count == len(vals)
    assert s.nulls == len(vals) - len(present)
    assert s.nan == sum(math.isnan(v) for v in present)
    assert (s.posinf, s.neginf) == (present.count(math.inf), present.count(-math.inf))
    assert s.n == len(fin)
    assert s.top == sorted(fin, reverse=True)[:EXTREMES_K]
    assert s.bottom == sorted(fin)[:EXTREMES_K]
    assert s.non_integer == sum(v != math.floor(v) for v in fin)
    assert s.negative == sum(v < 0 for v in fin)
    if fin:
        assert (s.min, s.max) == (min(fin), max(fin))
        assert math.isclose(s.mean, float(np.mean(fin)), rel_tol=1e-9, abs_tol=1e-6)
        assert math.isclose(s.variance, float(np.var(fin)), rel_tol=1e-6, abs_tol=1e-3)
        counts: dict[float, int] = {}
        for v in fin:
            counts[v] = counts.get(v, 0) + 1
        assert s.distinct == counts
    else:
        assert s.min is None and s.max is None and s.distinct == {}


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    cap=st.integers(1, 6),
    values=st.lists(st.integers(-10, 10), max_size=40),
)
def test_distinct_cap_overflow_gives_none_whatever_the_split(data, cap, values):
    bounds = sorted(data.draw(st.lists(st.integers(0, len(values)), max_size=3)))
    bounds = [0, *bounds, len(values)]
    for arrow_type, vals in ((pa.int64(), values), (pa.string(), [str(v) for v in values])):
        array = pa.array(vals, type=arrow_type)
        whole = stats_of(array, label=True, cap=cap)
        expected = None if len(set(vals)) > cap else {}
        if expected is None:
            assert whole.distinct is None
        else:
            assert len(whole.distinct) == len(set(vals))
        assert merged(array, bounds, label=True, cap=cap).distinct == whole.distinct


def test_label_counts_of_small_integer_types_do_not_wrap():
    # int8 -128..127: shifting by the minimum must not overflow in int8.
    s = ColumnStats.of(pa.array(np.array([-128, 0, 127, 127], dtype=np.int8)), label=True)
    assert s.distinct == {-128: 1, 0: 1, 127: 2}
    u = ColumnStats.of(pa.array(np.array([250, 255, 255], dtype=np.uint8)), label=True)
    assert u.distinct == {250: 1, 255: 2}
    big = 2**53 + 3  # float(min) would round to 2**53 + 4
    s = ColumnStats.of(pa.array([big, big + 2, big]), label=True)
    assert s.distinct == {big: 2, big + 2: 1}


@settings(max_examples=60, deadline=None)
@given(vals=list_values)
def test_list_labels_count_rows_not_entries(vals):
    s = stats_of(pa.array(vals, type=pa.list_(pa.float64())), label=True)
    rows = [r for r in vals if r is not None]
    assert s.count == len(vals)
    assert s.list_rows == len(rows)
    negative = [any(not (v >= 0) for v in r) for r in rows]
    bad_sum = [not abs(sum(v if v == v else math.inf for v in r) - 1) <= 1e-3 for r in rows]
    assert s.list_negative_rows == sum(negative)
    assert s.list_bad_sum_rows == sum(bad_sum)
    assert s.list_invalid_rows == sum(a or b for a, b in zip(negative, bad_sum, strict=True))
    assert s.list_nan_rows == sum(any(v != v for v in r) for r in rows)


@pytest.mark.parametrize(("values", "arrow_type", "label"), CASES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_to_dict_from_dict_round_trip_also_through_json(values, arrow_type, label, data):
    s = stats_of(pa.array(data.draw(values), type=arrow_type), label=label)
    assert ColumnStats.from_dict(s.to_dict()) == s
    restored = ColumnStats.from_dict(json.loads(json.dumps(s.to_dict())))
    assert_same(restored, s)


def test_merging_columns_of_different_kinds_is_refused():
    a = ColumnStats.of(pa.array([1.0, 2.0]))
    b = ColumnStats.of(pa.array(["a", "b"]))
    with pytest.raises(ValueError, match="different schemas"):
        a.merge(b)


# ----------------------------------------------------------------- DatasetStats
rows_strategy = st.lists(
    st.tuples(
        st.one_of(finite, special),
        st.one_of(st.sampled_from(["a", "b", "12"]), st.none()),
        st.one_of(st.integers(0, 4), st.just(255), st.none()),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), rows=rows_strategy, ignore=st.sampled_from([None, 255, -100]))
def test_dataset_stats_of_batches_merge_to_the_whole(data, rows, ignore):
    table = pa.table(
        {
            "x": pa.array([r[0] for r in rows], pa.float64()),
            "s": pa.array([r[1] for r in rows], pa.string()),
            "y": pa.array([r[2] for r in rows], pa.uint8()),
        }
    )
    plan = plan_columns(table.schema, ScanOptions(), "test")
    assert (plan.label, plan.features) == ("y", ("x", "s"))
    bounds = sorted(data.draw(st.lists(st.integers(0, len(rows)), max_size=3)))
    bounds = [0, *bounds, len(rows)]

    whole = DatasetStats.empty(table.schema, plan)
    for batch in table.to_batches():
        whole.update(batch, ignore)
    total = DatasetStats.empty(table.schema, plan)
    for a, b in itertools.pairwise(bounds):
        part = DatasetStats.empty(table.schema, plan)
        for batch in table.slice(a, b - a).to_batches():
            part.update(batch, ignore)
        total = total.merge(part)

    assert total.rows == whole.rows == len(rows)
    expected_ignored = sum(r[2] == ignore for r in rows) if ignore is not None else 0
    assert total.ignored_rows == whole.ignored_rows == expected_ignored
    assert whole.label is not None and whole.label.count == len(rows) - expected_ignored
    for name in ("x", "s", "y"):
        assert_same(total.columns[name], whole.columns[name])
    restored = DatasetStats.from_dict(json.loads(json.dumps(whole.to_dict())))
    assert restored.plan == whole.plan
    assert (restored.rows, restored.ignored_rows) == (whole.rows, whole.ignored_rows)
    for name in ("x", "s", "y"):
        assert_same(restored.columns[name], whole.columns[name])


def test_dataset_stats_refuse_to_merge_different_columns():
    t1 = pa.table({"x": [1.0], "y": [0]})
    t2 = pa.table({"z": [1.0], "y": [0]})
    a = DatasetStats.empty(t1.schema, plan_columns(t1.schema, ScanOptions(), "a"))
    b = DatasetStats.empty(t2.schema, plan_columns(t2.schema, ScanOptions(), "b"))
    with pytest.raises(ValueError, match="different column sets"):
        a.merge(b)


# ------------------------------------------------ presence bitmap past the cap (#9)
ids = st.lists(
    st.one_of(st.integers(0, 300), st.sampled_from([0, 1, 2, 299]), st.none()), max_size=80
)


@settings(max_examples=80, deadline=None)
@given(
    data=st.data(),
    vals=ids,
    cap=st.integers(0, 12),
    arrow_type=st.sampled_from([pa.int64(), pa.int32(), pa.uint16(), pa.float64()]),
)
def test_presence_bitmap_merges_to_the_whole(data, vals, cap, arrow_type):
    """Past the cap, the set of ids is kept exactly (as a bitmap) whatever the split."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(vals)), max_size=4)))
    bounds = [0, *cuts, len(vals)]
    array = pa.array(vals, type=arrow_type)
    whole = stats_of(array, label=True, cap=cap)
    assert_same(merged(array, bounds, label=True, cap=cap), whole)  # present included
    assert whole.distinct_count == len({v for v in vals if v is not None})
    if whole.distinct is not None:
        assert whole.present is None  # one representation at a time
    i, j = sorted(data.draw(st.lists(st.integers(0, len(vals)), min_size=2, max_size=2)))
    a, b, c = (stats_of(p, label=True, cap=cap) for p in parts(array, [0, i, j, len(vals)]))
    assert_same(a.merge(b).merge(c), a.merge(b.merge(c)))
    assert_same(a.merge(b), b.merge(a))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), vals=ids, bad=st.sampled_from([-1, 0.5, 2**24]))
def test_presence_is_unknown_once_a_value_is_not_a_small_id(data, vals, bad):
    values = [*vals, bad]
    cut = data.draw(st.integers(0, len(values)))
    array = pa.array(values, type=pa.float64())
    whole = stats_of(array, label=True, cap=0)
    assert whole.distinct is None and whole.present is None and whole.distinct_count is None
    assert_same(merged(array, [0, cut, len(values)], label=True, cap=0), whole)


def test_presence_bitmap_of_many_ids_and_its_size():
    y = np.repeat(np.arange(50_000), 2)
    s = ColumnStats.of(pa.array(y), label=True)
    assert s.distinct is None and s.distinct_count == 50_000
    assert len(s.present) == 50_000 // 8  # one bit an id
    assert ColumnStats.from_dict(s.to_dict()).present == s.present  # Dask transport
