"""The local engine and its fast kernels give exactly the statistics of the plain algorithms.

The engine splits Parquet row groups into column groups read by separate
tasks, and long chunks go through blocked/sampled kernels (``_moments``,
``_extremes``): both must be invisible in the results.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import labelcheck
from labelcheck.engines.local import _groups, compute_stats
from labelcheck.io.frames import table_source
from labelcheck.io.readers import open_source
from labelcheck.pipeline import make_options
from labelcheck.stats.column import (
    EXTREMES_K,
    F32_M2_RTOL,
    F32_MEAN_TOL,
    ColumnStats,
    _Bounds,
    _extremes,
    _moments,
)
from labelcheck.stats.dataset import plan_columns

ROWS = 150_000  # > 2 row groups of 65,536: long chunks take the blocked kernels


def _wide_table(rows: int = ROWS, features: int = 20, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    cols = {}
    for i in range(features):
        if i % 3 == 0:
            col = rng.integers(0, 256, rows).astype(np.float32)  # ties at both ends
        else:
            col = (rng.standard_normal(rows) * 10.0**i % 7 + i).astype(np.float32)
        if i == 4:
            col[[5, 70_000, 140_000]] = np.nan
            col[[6, 80_000]] = [np.inf, -np.inf]
        if i == 7:
            col[100_001] = 1e9  # one sparse outlier (LC108)
        cols[f"f{i}"] = col
    label = rng.integers(0, 10, rows)
    label[[3, 99_999]] = 8000  # sparse outlier class ids (LC205)
    label[rng.choice(rows, 50, replace=False)] = -100  # an ignore index
    cols["label"] = label
    return pa.table(cols)


def _signature(report) -> list:
    return sorted((f.code, f.column, f.message) for f in report.findings)


def _assert_same_stats(a, b) -> None:
    assert a.rows == b.rows
    assert a.ignored_rows == b.ignored_rows
    assert set(a.columns) == set(b.columns)
    for name, x in a.columns.items():
        y = b.columns[name]
        for field in x.__dataclass_fields__:
            if field in ("mean", "m2", "hist"):
                continue
            assert getattr(x, field) == getattr(y, field), (name, field)
        if x.dtype == "float":  # the float32 pass: its documented accuracy (row groups differ)
            assert abs(x.mean - y.mean) <= 2 * F32_MEAN_TOL * math.sqrt(y.m2 / y.n)
            assert x.m2 == pytest.approx(y.m2, rel=2 * F32_M2_RTOL)
        else:
            assert x.mean == pytest.approx(y.mean, rel=1e-12, abs=1e-12)
            assert x.m2 == pytest.approx(y.m2, rel=1e-9)
        # The plots' histogram samples each batch: the same values stand behind it, and
        # its counts add up to them, but other batches give another sample.
        if x.hist is not None or y.hist is not None:
            assert x.hist.total == y.hist.total == x.n
            assert float(x.hist.counts.sum()) == pytest.approx(x.n)
            assert float(y.hist.counts.sum()) == pytest.approx(y.n)


@pytest.fixture(scope="module")
def wide_file(tmp_path_factory) -> tuple[pa.Table, str]:
    table = _wide_table()
    path = tmp_path_factory.mktemp("wide") / "wide.parquet"
    pq.write_table(table, path, row_group_size=70_000)
    return table, str(path)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_split_row_groups_equal_the_whole_table(wide_file, workers):
    table, path = wide_file
    options = make_options("label", ignore_index=-100)
    src = open_source(path)
    assert len(src.units) == 3
    plan = plan_columns(src.schema, options, src.name)
    split = compute_stats(src, plan, options, workers=workers)
    # The reference: one unsplit in-memory unit, read once, single thread.
    ref_src = table_source("t", table)
    ref_src.units = [lambda columns: iter(table.select(columns).to_batches(max_chunksize=ROWS))]
    ref = compute_stats(ref_src, plan, options, workers=1)
    _assert_same_stats(split, ref)
    assert split.rows == ROWS
    assert split.ignored_rows == 50  # counted once, not once per column group


def test_scan_findings_do_not_depend_on_row_groups(tmp_path, wide_file):
    table, path = wide_file
    one_group = tmp_path / "one.parquet"
    pq.write_table(table, one_group, row_group_size=ROWS)
    a = labelcheck.scan(path, label="label")
    b = labelcheck.scan(one_group, label="label")
    c = labelcheck.scan(table, label="label")
    assert _signature(a) == _signature(b) == _signature(c)
    codes = {f.code for f in a.findings}
    assert {"LC101", "LC102", "LC108", "LC205"} <= codes


def test_progress_callback_reaches_the_total(wide_file):
    _, path = wide_file
    seen: list[tuple[int, int, int]] = []
    options = make_options("label")
    src = open_source(path)
    plan = plan_columns(src.schema, options, src.name)
    compute_stats(src, plan, options, progress=lambda *a: seen.append(a))
    assert [s[1] for s in seen] == [1, 2, 3]
    assert all(s[2] == 3 for s in seen)
    assert [s[0] for s in seen] == sorted(s[0] for s in seen)
    assert seen[-1][0] == ROWS


def test_column_groups_cover_every_column_once_label_first_group():
    columns = [f"f{i}" for i in range(33)] + ["label"]
    groups = _groups(columns)
    assert sorted(c for g in groups for c in g) == sorted(columns)
    assert "label" in groups[0]
    assert len(groups) > 1


# ------------------------------------------------------------------ kernels
def _data(kind: str, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "normal32":
        return (rng.standard_normal(n) * 1000 + 3).astype(np.float32)
    if kind == "pixels":
        return rng.integers(0, 256, n).astype(np.float32)
    if kind == "binary":
        return rng.integers(0, 2, n).astype(np.float64)
    if kind == "sorted":
        return np.sort(rng.standard_normal(n))
    if kind == "reversed":
        return np.sort(rng.standard_normal(n))[::-1].copy()
    if kind == "mostly_constant":  # the k-th largest row maximum ties below the max
        x = np.full(n, 5.0, dtype=np.float32)
        x[rng.choice(n, min(n, 3), replace=False)] = 9.0
        return x
    if kind == "int64":
        return rng.integers(-(2**40), 2**40, n)
    if kind == "uint8":
        return rng.integers(0, 256, n).astype(np.uint8)
    raise AssertionError(kind)


KINDS = ["normal32", "pixels", "binary", "sorted", "reversed", "mostly_constant", "int64", "uint8"]


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    n=st.sampled_from([1, 7, 33, 1000, 65_536, 65_537, 131_072 + 1023, 200_000]),
    seed=st.integers(0, 2**16),
)
def test_extremes_are_the_sorted_ends(kind, n, seed):
    values = _data(kind, n, seed)
    k = min(EXTREMES_K, n)
    top, bottom = _extremes(values, _Bounds.of(values), k)
    ordered = np.sort(values)
    assert [float(v) for v in top] == [float(v) for v in ordered[::-1][:k]]
    assert [float(v) for v in bottom] == [float(v) for v in ordered[:k]]


@settings(max_examples=30, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    n=st.sampled_from([2, 1000, 65_537, 200_000]),
    seed=st.integers(0, 2**16),
)
def test_moments_match_exact_sums(kind, n, seed):
    values = _data(kind, n, seed)
    exact = values.astype(np.float64)
    mean = math.fsum(exact.tolist()) / n
    m2 = math.fsum(((exact - mean) ** 2).tolist())
    got_mean, got_m2 = _moments(values)
    spread = math.sqrt(m2 / n) if m2 else 0.0
    assert abs(got_mean - mean) <= 1e-12 * max(abs(mean), spread, 1.0)
    assert got_m2 == pytest.approx(m2, rel=1e-10, abs=1e-12)


def test_constant_long_column_has_zero_variance():
    stats = ColumnStats.of(pa.array(np.full(300_000, 0.1, dtype=np.float32)))
    assert stats.m2 == 0.0
    assert stats.min == stats.max == stats.top[0] == stats.bottom[-1]


def test_nan_and_inf_found_without_a_mask_pass_when_finite():
    values = np.arange(200_000, dtype=np.float32)
    values[[10, 150_000]] = [np.nan, -np.inf]
    stats = ColumnStats.of(pa.array(values))
    assert (stats.nan, stats.posinf, stats.neginf, stats.n) == (1, 0, 1, 199_998)
    assert stats.max == 199_999 and stats.min == 0


@pytest.mark.parametrize("n", [10, 100_000])
def test_values_near_the_float64_limit_give_infinite_m2_not_nan(n):
    values = np.full(n, 1e300) * np.where(np.arange(n) % 2, -1.0, 1.0)
    stats = ColumnStats.of(pa.array(values))
    # The mean is finite and 0 up to float64 rounding of the scaled sums (values near the
    # limit are summed scaled down by a power of two, so their rounding is 1e300's).
    assert abs(stats.mean) <= 1e-12 * 1e300
    assert stats.m2 == math.inf
