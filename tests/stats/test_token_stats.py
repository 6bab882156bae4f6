"""Token statistics (stats/tokens.py): every flag, length and bound against a per-row
Python brute force on the same data; merged parts equal the whole; row hashes of list
columns find the same copies and leaks as pandas does on the lists. Each runs on both
routes: numpy, and the compiled list kernels (forced on for every batch)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import labelcheck
from labelcheck.options import ScanOptions
from labelcheck.stats import native, rowhash, tokens
from labelcheck.stats.dataset import DatasetStats, plan_columns
from labelcheck.stats.tokens import TokenStats

VOCAB, MAX_LEN, IGNORE = 60, 6, -100
ROUTES = ("numpy", "kernel")


@contextmanager
def _route(name: str) -> Iterator[None]:
    """``kernel``: the list kernels on every batch, however short (thresholds at 0)."""
    if name == "kernel" and not native.has_lists():
        pytest.skip("the compiled kernels are not built")
    with pytest.MonkeyPatch.context() as mp:
        if name == "kernel":
            mp.setattr(tokens, "NATIVE_MIN_VALUES", 0)
            mp.setattr(rowhash, "NATIVE_MIN_ROWS", 0)
        yield


@pytest.fixture(params=ROUTES)
def route(request: pytest.FixtureRequest) -> Iterator[str]:
    with _route(request.param):
        yield request.param


def _rows(rng: np.random.Generator, n: int) -> dict[str, list]:
    """Random token rows with every problem now and then (lengths, masks, labels, ids)."""
    ids, mask, labels = [], [], []
    for _ in range(n):
        length = int(rng.integers(0, 9))
        row = rng.integers(0, VOCAB + 3, length).tolist()  # a few ids >= VOCAB
        if length and rng.random() < 0.1:
            row[0] = -1
        pad = int(rng.integers(0, length + 1)) if rng.random() < 0.3 else 0
        m = [0] * pad + [1] * (length - pad)  # left padding
        if length and rng.random() < 0.1:
            m = [0] * length
        lab = rng.integers(0, VOCAB, length).tolist()
        if length and rng.random() < 0.15:
            lab = [IGNORE] * length
        if rng.random() < 0.1:  # a label column of another length
            lab = [*lab, 1]
        ids.append(row)
        mask.append(m)
        labels.append(lab)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def _expected(data: dict[str, list]) -> dict[str, list[int]]:
    """The flagged rows, one Python loop per row (the reference)."""
    out: dict[str, list[int]] = {k: [] for k in ("empty", "masked", "ignored", "oor", "long", "mm")}
    for i, (ids, m, lab) in enumerate(
        zip(data["input_ids"], data["attention_mask"], data["labels"], strict=True)
    ):
        if not ids:
            out["empty"].append(i)
        if m and not any(m):
            out["masked"].append(i)
        if lab and all(v == IGNORE for v in lab):
            out["ignored"].append(i)
        if any(v < 0 or v >= VOCAB for v in ids):
            out["oor"].append(i)
        real = sum(m) if len(m) == len(ids) else len(ids)
        if real > MAX_LEN:
            out["long"].append(i)
        if len(m) != len(ids) or len(lab) != len(ids):
            out["mm"].append(i)
    return out


def _stats(table: pa.Table, batch_rows: int = 37, **opts) -> DatasetStats:
    options = ScanOptions(vocab_size=VOCAB, max_length=MAX_LEN, **opts)
    plan = plan_columns(table.schema, options, "t")
    stats = DatasetStats.empty(table.schema, plan)
    for batch in table.to_batches(max_chunksize=batch_rows):
        stats.update(batch)
    return stats


def _flags(stats: DatasetStats) -> dict[str, tuple[int, list[int]]]:
    t = stats.of_kind("tokens")
    ids, mask, lab = t["input_ids"], t["attention_mask"], t["labels"]
    return {
        "empty": ids.flagged("empty"),
        "masked": mask.flagged("masked"),
        "ignored": lab.flagged("ignored"),
        "oor": ids.flagged("out_of_range"),
        "long": ids.flagged("long"),
        "mm": ids.flagged("mismatch"),
    }


@pytest.mark.parametrize("list_type", [pa.list_, pa.large_list])
def test_flags_equal_a_per_row_brute_force(list_type, route):
    data = _rows(np.random.default_rng(3), 400)
    table = pa.table({k: pa.array(v, list_type(pa.int64())) for k, v in data.items()})
    expected = _expected(data)
    for flag, (count, rows) in _flags(_stats(table)).items():
        assert count == len(expected[flag]), flag
        assert rows == expected[flag], flag
    ids = _stats(table).of_kind("tokens")["input_ids"]
    flat = [v for row in data["input_ids"] for v in row]
    assert (ids.values.min, ids.values.max) == (min(flat), max(flat))
    assert set(ids.values.distinct) == set(flat)
    assert ids.bad_ids == {v: flat.count(v) for v in set(flat) if v < 0 or v >= VOCAB}
    # the rows holding the largest ids, by a loop over the rows
    count, rows, complete = ids.rows_at_least(VOCAB)
    expected_rows = [i for i, r in enumerate(data["input_ids"]) if r and max(r) >= VOCAB]
    assert complete and rows == expected_rows and count == len(expected_rows)


def test_real_lengths_follow_the_mask_or_the_pad_id(route):
    ids = [[5, 5, 7, 8], [0, 0, 3, 4], [0, 0, 0, 0]]
    mask = [[1, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0]]
    with_mask = _stats(pa.table({"input_ids": ids, "attention_mask": mask}))
    counts = with_mask.of_kind("tokens")["input_ids"].lengths
    assert counts.tolist() == [1, 0, 1, 0, 1]  # real lengths 4, 2, 0
    padded = _stats(pa.table({"input_ids": ids}), pad_id=0)
    assert padded.of_kind("tokens")["input_ids"].lengths.tolist() == [1, 0, 1, 0, 1]


def test_sliced_null_and_fixed_size_rows(route):
    base = pa.array([[1, 2], None, [3, 99], [4, 5], [], [6]], pa.list_(pa.int64()))
    table = pa.table({"input_ids": base.slice(1)})  # an offset into the child values
    stats = _stats(table, batch_rows=2).of_kind("tokens")["input_ids"]
    assert stats.flagged("empty") == (2, [0, 3])  # the null and the empty row
    assert stats.flagged("out_of_range") == (1, [1])
    fixed = pa.FixedSizeListArray.from_arrays(pa.array(np.arange(12) * 7), 3)
    stats = _stats(pa.table({"input_ids": fixed.slice(1)})).of_kind("tokens")["input_ids"]
    assert stats.flagged("out_of_range") == (1, [2])  # rows 21..35, 42..56, 63..77
    assert stats.values.min == 21 and stats.values.max == 77


def test_a_batch_of_only_empty_rows_whatever_its_child_buffer():
    # What a fix may hand over after a drop: no value, and a value buffer of 4 bytes.
    child = pa.Array.from_buffers(pa.int64(), 0, [None, pa.py_buffer(b"\0" * 4)])
    lists = pa.ListArray.from_arrays(pa.array([0, 0], pa.int32()), child)
    stats = _stats(pa.table({"input_ids": lists})).of_kind("tokens")["input_ids"]
    assert stats.flagged("empty") == (1, [0])


def test_nested_lists_are_flagged_not_a_crash(tmp_path):
    nested = pa.table({"input_ids": [[[1, 2], [3]], [[4]], None]})
    stats = _stats(nested).of_kind("tokens")["input_ids"]
    assert stats.flagged("nested") == (2, [0, 1])


rows_st = st.lists(
    st.tuples(
        st.lists(st.integers(-2, 70), max_size=8),
        st.integers(0, 3),  # which mask: all 1, all 0, left-padded, another length
        st.booleans(),  # labels all ignored
    ),
    min_size=1,
    max_size=60,
)


def _table(rows: list) -> pa.Table:
    ids, mask, labels = [], [], []
    for row, which, ignored in rows:
        n = len(row)
        m = [[1] * n, [0] * n, [0] * (n // 2) + [1] * (n - n // 2), [1] * (n + 1)][which]
        ids.append(row)
        mask.append(m)
        labels.append([IGNORE] * n if ignored else row)
    return pa.table(
        {
            "input_ids": pa.array(ids, pa.list_(pa.int64())),
            "attention_mask": pa.array(mask, pa.list_(pa.int64())),
            "labels": pa.array(labels, pa.list_(pa.int64())),
        }
    )


@settings(max_examples=40, deadline=None)
@given(rows_st, st.integers(1, 5), st.randoms(use_true_random=False))
def test_merged_parts_equal_the_whole(rows, parts, rnd):
    for name in ROUTES if native.has_lists() else ROUTES[:1]:
        with _route(name):
            _merged_parts_equal_the_whole(rows, parts, rnd)


def _merged_parts_equal_the_whole(rows: list, parts: int, rnd) -> None:
    table = _table(rows)
    options = ScanOptions(vocab_size=VOCAB, max_length=3)
    plan = plan_columns(table.schema, options, "t")
    whole = DatasetStats.empty(table.schema, plan)
    for unit, batch in enumerate(table.to_batches(max_chunksize=7)):
        whole.update(batch, unit=unit)
    cuts = sorted(rnd.sample(range(1, len(rows)), min(parts, len(rows) - 1)))
    pieces = []
    for unit, (a, b) in enumerate(zip([0, *cuts], [*cuts, len(rows)], strict=True)):
        piece = DatasetStats.empty(table.schema, plan)
        piece.update(table.slice(a, b - a).to_batches()[0], unit=unit)
        pieces.append(piece)
    rnd.shuffle(pieces)  # units finish in any order
    merged = pieces[0]
    for p in pieces[1:]:
        merged = merged.merge(p)
    for name, w in whole.of_kind("tokens").items():
        m: TokenStats = merged.of_kind("tokens")[name]
        for flag in w.flags:
            assert m.flagged(flag) == w.flagged(flag), (name, flag)
        assert m.lengths.tolist() == w.lengths.tolist()
        assert (m.values.min, m.values.max, m.values.distinct) == (
            w.values.min,
            w.values.max,
            w.values.distinct,
        )
        assert m.bad_ids == w.bad_ids and m.rows == w.rows
        if w.values.max is not None:
            assert m.rows_at_least(int(w.values.max) - 5) == w.rows_at_least(int(w.values.max) - 5)
    # and the statistics survive their JSON form
    again = DatasetStats.from_dict(whole.to_dict()).of_kind("tokens")["input_ids"]
    assert again.flagged("out_of_range") == whole.of_kind("tokens")["input_ids"].flagged(
        "out_of_range"
    )


def test_row_hashes_of_lists_find_pandas_copies_and_leaks(tmp_path, route):
    import pandas as pd

    rng = np.random.default_rng(11)
    pool = [rng.integers(0, 50, rng.integers(1, 6)).tolist() for _ in range(40)]
    train_ids = [pool[int(i)] for i in rng.integers(0, 40, 300)]
    test_ids = [pool[i % 40] if rng.random() < 0.3 else [i + 100, 7] for i in range(120)]
    # Same values, other order or length: different rows.
    train_ids += [[1, 2, 3], [3, 2, 1], [1, 2, 3, 0]]
    train, test = tmp_path / "train.parquet", tmp_path / "test.parquet"
    pq.write_table(pa.table({"input_ids": train_ids}), train)
    pq.write_table(pa.table({"input_ids": test_ids}), test)
    keys = pd.Series([tuple(r) for r in train_ids])
    copies = int(keys.duplicated().sum())
    report = labelcheck.scan(train)
    lc301 = [f for f in report.findings if f.code == "LC301"]
    assert lc301 and lc301[0].rows == copies
    leaked = int(pd.Series([tuple(r) for r in test_ids]).isin(set(keys)).sum())
    report = labelcheck.scan(test, reference=train)
    lc303 = [f for f in report.findings if f.code == "LC303"]
    assert (lc303[0].rows if lc303 else 0) == leaked
