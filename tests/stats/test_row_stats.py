"""Row statistics: exact against pandas, whatever the batching, column grouping and unit order."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelcheck.stats import rowhash
from labelcheck.stats.rowhash import row_sums, value_keys
from labelcheck.stats.rows import RowStats

FEATURES = ("x", "s", "i")


def _frame(seed: int, n: int, card: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, card, n).astype(float)
    x[rng.random(n) < 0.05] = np.nan
    x[rng.random(n) < 0.05] = -0.0
    s = rng.choice(np.array(["a", "bb", "?", "", "é"], dtype=object), n)
    s[rng.random(n) < 0.05] = None
    return pd.DataFrame({"x": x, "s": s, "i": rng.integers(0, card, n), "y": rng.integers(0, 3, n)})


def _accumulate(table: pa.Table, batch_rows: int, groups: list[list[str]], shuffle: int):
    """Row stats of ``table`` built as the local engine does: column groups per unit, any order."""
    units = table.to_batches(max_chunksize=batch_rows)
    order = np.random.default_rng(shuffle).permutation(len(units)).tolist()
    total = RowStats(FEATURES, "y")
    for u in order:
        for group in groups:
            part = RowStats(FEATURES, "y")
            part.update(units[u].select(group), u)
            total = total.merge(part)
    return total


def _pandas_truth(df: pd.DataFrame):
    dup = df.duplicated(keep=False)
    feats = list(FEATURES)
    labels_per = df.groupby(feats, dropna=False)["y"].transform("nunique")
    return set(np.flatnonzero(dup)), int(df.duplicated().sum()), set(np.flatnonzero(labels_per > 1))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 400),
    card=st.integers(1, 6),
    batch_rows=st.integers(1, 150),
    split=st.integers(0, 3),
    shuffle=st.integers(0, 1000),
)
def test_duplicates_and_conflicts_equal_pandas(seed, n, card, batch_rows, split, shuffle):
    df = _frame(seed, n, card)
    table = pa.Table.from_pandas(df, preserve_index=False)
    columns = [*FEATURES, "y"]
    groups = [columns[:split], columns[split:]] if split else [columns]
    groups = [g for g in groups if g]
    summary = _accumulate(table, batch_rows, groups, shuffle).summary()
    dup_rows, copies, conflict_rows = _pandas_truth(df)
    assert set(summary.duplicates.rows.tolist()) == dup_rows
    assert summary.duplicates.copies().size == copies
    assert set(summary.conflicts.rows.tolist()) == conflict_rows
    assert summary.distinct_features == len(df[list(FEATURES)].drop_duplicates())
    # Groups are numbered by their first row, rows ascending within a group.
    firsts = [rows[0] for rows in summary.duplicates.examples(groups=10**6, rows=1)]
    assert firsts == sorted(firsts)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 300), m=st.integers(1, 300))
def test_leakage_equals_a_pandas_merge(seed, n, m):
    train = _frame(seed, n, 3)
    test = _frame(seed + 1, m, 3)
    ref = RowStats(FEATURES, "y")
    ref.update(pa.RecordBatch.from_pandas(train, preserve_index=False), 0)
    mine = RowStats(FEATURES, "y")
    mine.update(pa.RecordBatch.from_pandas(test, preserve_index=False), 0)
    leak = mine.leakage(ref)
    feats = list(FEATURES)
    # pandas merges missing keys as equal, as labelcheck does.
    hit = test.merge(train[feats].drop_duplicates(), how="left", on=feats, indicator=True)
    assert set(leak.leaked.tolist()) == set(np.flatnonzero(hit["_merge"] == "both"))
    both = test.merge(
        train[[*feats, "y"]].drop_duplicates(), how="left", on=[*feats, "y"], indicator=True
    )
    assert leak.same_label == int((both["_merge"] == "both").sum())


def test_spilled_partitions_give_the_same_result(tmp_path):
    df = _frame(7, 5000, 4)
    table = pa.Table.from_pandas(df, preserve_index=False)
    batches = table.to_batches(max_chunksize=400)
    mem, disk = RowStats(FEATURES, "y"), RowStats(FEATURES, "y", spill_rows=500)
    for u, batch in reversed(list(enumerate(batches))):
        for acc in (mem, disk):
            part = RowStats(FEATURES, "y", spill_rows=acc.spill_rows)
            part.update(batch, u)
            acc.absorb(part)
    assert disk.spill is not None and mem.spill is None
    a, b = mem.summary(), disk.summary()
    for x, y in ((a.duplicates, b.duplicates), (a.conflicts, b.conflicts)):
        assert np.array_equal(x.rows, y.rows) and np.array_equal(x.group, y.group)
    assert a.distinct_features == b.distinct_features
    ref = RowStats(FEATURES, "y")
    ref.update(batches[0], 0)
    assert np.array_equal(mem.leakage(ref).leaked, disk.leakage(ref).leaked)
    spill_dir = disk.spill.dir
    disk.close()
    assert not __import__("os").path.exists(spill_dir)


def test_value_identity_rules():
    keys = value_keys(pa.array([np.nan, float("nan"), -0.0, 0.0, None, 1.0]))[0]
    assert keys[0] == keys[1]  # NaN equals NaN
    assert keys[2] == keys[3]  # -0.0 equals 0.0
    assert keys[4] not in (keys[0], keys[3])  # null differs from NaN and from 0
    ints = value_keys(pa.array([1, None], pa.int8()))[0]
    assert ints[0] == keys[5]  # 1 equals 1.0 (an int column in one split, float in another)
    big = value_keys(pa.array([2**60, 2**60 + 1]))
    assert big[0][0] != big[0][1] and big[1][0] != big[1][1]  # beyond 2**53: still exact
    text = value_keys(pa.array(["a", "ab", "ba", "", None]))
    assert len(set(text[0].tolist())) == 5 and len(set(text[1].tolist())) == 5


def test_column_order_does_not_matter_but_column_names_do():
    a = pa.array([1.0, 2.0])
    b = pa.array([2.0, 1.0])
    s1 = row_sums([("p", a), ("q", b)], 2)
    s2 = row_sums([("q", b), ("p", a)], 2)
    s3 = row_sums([("p", b), ("q", a)], 2)
    assert np.array_equal(s1[0], s2[0]) and np.array_equal(s1[1], s2[1])
    assert not np.array_equal(s1[0], s3[0])  # swapping values between columns is a new row


def test_hashes_are_the_same_in_another_process():
    code = (
        "import pyarrow as pa; from labelcheck.stats.rowhash import row_sums;"
        "print(*row_sums([('x', pa.array([1.5, None])), ('s', pa.array(['?', 'abc']))], 2)[0])"
    )
    here = row_sums([("x", pa.array([1.5, None])), ("s", pa.array(["?", "abc"]))], 2)[0]
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert there.stdout.split() == [str(v) for v in here.tolist()]


def test_text_label_collisions_are_caught():
    acc = RowStats(("x",), "y")
    acc.update(pa.record_batch({"x": [1.0, 1.0], "y": ["cat", "dog"]}), 0)
    assert acc.labels_confirmed
    summary = acc.summary()
    assert summary.conflicts.n_groups == 1
    assert {summary.label_of(k) for k in summary.conflicts.lab.tolist()} == {"cat", "dog"}


def test_numeric_labels_are_read_back_from_their_keys():
    acc = RowStats(("x",), "y")
    acc.update(pa.record_batch({"x": [1.0, 1.0, 2.0], "y": [3, 7, 3]}), 0)
    summary = acc.summary()
    assert sorted(summary.label_of(k) for k in summary.conflicts.lab.tolist()) == [3.0, 7.0]


def test_unit_with_missing_columns_cannot_finish():
    acc = RowStats(("x", "z"), None)
    acc.update(pa.record_batch({"x": [1.0]}), 0)
    with pytest.raises(ValueError, match="1 of 2 columns"):
        acc.summary()


def test_a_signalling_nan_hashes_without_a_warning():
    """Converting a signalling NaN to float64 raises numpy's "invalid value" warning;
    the numpy route keys it as NaN silently (it used to print a RuntimeWarning)."""
    import warnings

    bits = np.array([0x7F800001, 0xFF800002, 0x3F800000], dtype=np.uint32)
    array = pa.array(bits.view(np.float32))
    quiet = pa.array(np.array([np.nan, np.nan, 1.0], dtype=np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = rowhash.row_sums([("x", array)], 3)  # 3 rows: the numpy route
        keys = rowhash.value_keys(array)
    want = rowhash.row_sums([("x", quiet)], 3)
    assert all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))
    assert np.array_equal(keys[0], rowhash.value_keys(quiet)[0])
