"""Files of many row groups: each footer is parsed once, the row bookkeeping is linear.

A Parquet footer describes every row group, so parsing it costs in proportion
to them; a unit that parsed it again for each read made a scan (and a fix)
quadratic in the row groups (issue 16, item 15: 3,000 one-row groups took
minutes). These tests count footer parses and the spill check's work instead
of timing anything: the counts must follow the files, not the row groups.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from labelcheck.cli import app
from labelcheck.io.readers import open_source
from labelcheck.stats.rows import RowStats


class Parses:
    """Records the footers parsed: ``pyarrow.parquet.read_metadata``, and ``ParquetFile``
    objects given no footer (``metadata=``) to start from."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        lock, inside = threading.Lock(), threading.local()
        init, read_metadata = pq.ParquetFile.__init__, pq.read_metadata

        def record(path: object) -> None:
            with lock:
                self.paths.append(str(path))

        def counted_init(this, source, *args, metadata=None, **kwargs):
            if metadata is None and not getattr(inside, "on", False):
                record(source)
            init(this, source, *args, metadata=metadata, **kwargs)

        def counted_read_metadata(where, *args, **kwargs):
            record(where)
            inside.on = True  # it opens a ParquetFile itself: one parse, not two
            try:
                return read_metadata(where, *args, **kwargs)
            finally:
                inside.on = False

        monkeypatch.setattr(pq.ParquetFile, "__init__", counted_init)
        monkeypatch.setattr(pq, "read_metadata", counted_read_metadata)

    @property
    def count(self) -> int:
        return len(self.paths)


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    """Rows with planted copies (LC301) and a NaN every 40 rows (LC101)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.integers(0, 4, n).astype(float) for i in range(10)})
    frame["x0"] = rng.normal(size=n)
    frame.loc[::40, "x0"] = np.nan
    frame["y"] = rng.integers(0, 2, n)
    copies = frame.iloc[rng.integers(0, n, n // 10)]
    return pd.concat([frame, copies], ignore_index=True)


def _write(frame: pd.DataFrame, path: Path, group_rows: int) -> Path:
    pq.write_table(
        pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=group_rows
    )
    return path


def _sha(paths: list[Path]) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


def _scan_json(*args: str) -> dict:
    result = CliRunner().invoke(app, ["scan", *args, "--label", "y", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _duplicates(frame: pd.DataFrame) -> int:
    """Copies of earlier rows (NaN equal to NaN), from pandas: what LC301 counts."""
    return int(frame.astype(str).duplicated().sum())


def test_scan_parses_each_footer_once_whatever_the_row_groups(tmp_path, monkeypatch):
    frame = _frame(500)
    path = _write(frame, tmp_path / "one-row-groups.parquet", 1)
    before = _sha([path])
    parses = Parses(monkeypatch)
    report = _scan_json(str(path))
    # One file: one footer parse (before: one per row group and column group read).
    assert parses.count == 1, parses.count
    lc301 = [f for f in report["findings"] if f["code"] == "LC301"]
    assert lc301 and lc301[0]["rows"] == _duplicates(frame)
    assert report["rows"] == len(frame)
    assert _sha([path]) == before


def test_a_directory_and_a_glob_parse_one_footer_per_part(tmp_path, monkeypatch):
    frame = _frame(600, seed=1)
    root = tmp_path / "parts"
    root.mkdir()
    parts = [
        _write(frame.iloc[i * 165 : (i + 1) * 165], root / f"part-{i}.parquet", 1) for i in range(4)
    ]
    before = _sha(parts)
    expected = _duplicates(frame)
    # A glob first reads each file's columns (files of other columns are other
    # datasets), so its footers are parsed twice: still per file, not per row group.
    for target, per_file in ((str(root), 1), (str(root / "part-*.parquet"), 2)):
        parses = Parses(monkeypatch)
        report = _scan_json(target)
        assert sorted(parses.paths) == sorted(str(p) for p in parts * per_file), target
        lc301 = [f for f in report["findings"] if f["code"] == "LC301"]
        assert lc301 and lc301[0]["rows"] == expected
        monkeypatch.undo()
    assert _sha(parts) == before


def test_fix_parses_footers_as_often_for_385_row_groups_as_for_4(tmp_path, monkeypatch):
    """fix reads every unit two or three times (fit, refit rounds, write) in slices: the
    footer parses follow the files opened, not the row groups times the passes."""
    frame = _frame(700, seed=2)
    counts, outputs = [], []
    for group_rows in (200, 2):
        path = _write(frame, tmp_path / f"g{group_rows}.parquet", group_rows)
        assert pq.ParquetFile(path).metadata.num_row_groups == -(-len(frame) // group_rows)
        before = _sha([path])
        parses = Parses(monkeypatch)
        out = tmp_path / f"g{group_rows}.fixed.parquet"
        result = CliRunner().invoke(app, ["fix", str(path), "-o", str(out), "--label", "y"])
        assert result.exit_code == 0, result.output
        counts.append(parses.paths.count(str(path)))
        monkeypatch.undo()
        assert _sha([path]) == before
        outputs.append(pq.read_table(out))
    assert counts[0] == counts[1] <= 2, counts
    assert outputs[0].equals(outputs[1])
    expected = frame.dropna().astype(str).drop_duplicates().shape[0]
    assert outputs[1].num_rows <= expected  # copies and NaN rows gone (conflicts too)
    assert not outputs[1].to_pandas().astype(str).duplicated().any()


def test_reference_and_spill_on_many_row_groups_match_one_row_group(tmp_path, monkeypatch):
    """--reference and a tiny --spill-rows on one-row groups: the findings of the same
    data in one row group, and still one parse per file."""
    train, test = _frame(300, seed=3), _frame(200, seed=4)
    test = pd.concat([test, train.iloc[:25]], ignore_index=True)  # leaked rows (LC303)
    whole = [_write(train, tmp_path / "train1.parquet", 10_000)]
    whole.append(_write(test, tmp_path / "test1.parquet", 10_000))
    many = [_write(train, tmp_path / "trainN.parquet", 1)]
    many.append(_write(test, tmp_path / "testN.parquet", 1))
    before = _sha(many)

    def findings(report: dict) -> list:
        return sorted(json.dumps(f, sort_keys=True) for f in report["findings"])

    expected = _scan_json(str(whole[1]), "--reference", str(whole[0]))
    assert {"LC301", "LC303"} <= {f["code"] for f in expected["findings"]}
    parses = Parses(monkeypatch)
    got = _scan_json(str(many[1]), "--reference", str(many[0]), "--spill-rows", "7")
    assert sorted(parses.paths) == sorted(str(p) for p in many)
    monkeypatch.undo()
    names = {str(whole[1]): str(many[1]), str(whole[0]): str(many[0])}
    text = json.dumps(findings(expected))
    for old, new in names.items():
        text = text.replace(old, new)
    assert findings(got) == json.loads(text)
    assert _sha(many) == before


def test_units_pickle_without_the_footer_and_a_process_parses_it_once(tmp_path, monkeypatch):
    """A unit sent to a Dask worker carries the file's path, not its footer (megabytes for
    thousands of row groups, sent with every task); the worker parses it once."""
    frame = _frame(400, seed=5)
    path = _write(frame, tmp_path / "data.parquet", 1)
    source = open_source(path)
    footer = pq.read_metadata(path).serialized_size
    blobs = [pickle.dumps(unit) for unit in source.units]
    assert max(len(b) for b in blobs) < footer / 4, (max(len(b) for b in blobs), footer)
    parses = Parses(monkeypatch)
    units = [pickle.loads(b) for b in blobs]  # what a worker does, task by task
    table = pa.Table.from_batches([b for u in units for b in u(None)])
    assert parses.count == 1, parses.count
    assert table.equals(pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata())


def test_a_rewritten_file_is_parsed_again_not_read_with_its_old_footer(tmp_path):
    path = tmp_path / "data.parquet"
    first, second = _frame(100, seed=6), _frame(150, seed=7)
    _write(first, path, 1)
    old = [pickle.loads(pickle.dumps(u)) for u in open_source(path).units]
    assert sum(b.num_rows for u in old for b in u(["y"])) == len(first)
    _write(second, path, 3)  # same path, other row groups
    new = [pickle.loads(pickle.dumps(u)) for u in open_source(path).units]
    got = pa.Table.from_batches([b for u in new for b in u(["x1", "y"])])
    assert got.column("x1").to_pylist() == second["x1"].tolist()


class _CountingDict(dict):
    """A dict that counts the entries anyone walks or looks up."""

    touched = 0

    def __getitem__(self, key):
        type(self).touched += 1
        return super().__getitem__(key)

    def __iter__(self):
        for key in super().__iter__():
            type(self).touched += 1
            yield key

    def items(self):
        for item in super().items():
            type(self).touched += 1
            yield item

    def values(self):
        for value in super().values():
            type(self).touched += 1
            yield value


@pytest.mark.parametrize("spill_rows", [10**9, 64])
def test_folding_units_touches_each_unit_a_bounded_number_of_times(spill_rows):
    """The engines fold each unit's row hashes into one accumulator; the spill check
    after each fold looked at every unit held so far (quadratic in the units)."""
    n = 2_000
    total = RowStats(("x",), "y", spill_rows=spill_rows)
    total.parts = _CountingDict()
    _CountingDict.touched = 0
    rows = []
    for unit in range(n):
        batch = pa.record_batch({"x": [float(unit % 700)], "y": [unit % 2]})
        part = RowStats(("x",), "y", spill_rows=spill_rows)
        part.update(batch, unit)
        total.absorb(part, consume=True)
        rows.append((unit % 700, unit % 2))
    assert _CountingDict.touched <= 4 * n, _CountingDict.touched
    assert (total.spill is not None) == (spill_rows < n)
    summary = total.summary()
    expected = int(pd.DataFrame(rows).duplicated().sum())
    assert summary.duplicates.copies().size == expected
    total.close()


def test_spilled_row_stats_travel_with_their_records(tmp_path):
    """Row statistics that spilled on a Dask worker come back to the client (a scan with
    a reference) pickled: the worker's spill directory is not the client's (and is
    removed when the worker's copy goes), so the records travel with them. Before:
    `scan DIR --engine dask --reference R --spill-rows 5` failed with an internal
    error (a missing spill file)."""
    rows = [(float(u % 90), u % 2) for u in range(400)]
    sent = RowStats(("x",), "y", spill_rows=16)
    for unit, (x, y) in enumerate(rows):
        part = RowStats(("x",), "y", spill_rows=16)
        part.update(pa.record_batch({"x": [x], "y": [y]}), unit)
        sent.absorb(part, consume=True)
    assert sent.spill is not None
    blob = pickle.dumps(sent)
    sent.close()  # the sender's directory is gone
    received = pickle.loads(blob)
    expected = int(pd.DataFrame(rows).duplicated().sum())
    assert received.summary().duplicates.copies().size == expected
    received.close()


def test_spills_merged_in_a_tree_keep_every_row():
    """The Dask engine merges partial statistics in a tree: a spill that absorbed others
    is absorbed in turn. Before: only one level was read back (rows lost silently;
    `scan DIR --engine dask --reference R --spill-rows 5` reported 458 of 680 rows)."""
    rows = [(float(u % 70), u % 2) for u in range(300)]

    def spilled(units: range) -> RowStats:
        acc = RowStats(("x",), "y", spill_rows=8)
        for unit in units:
            part = RowStats(("x",), "y", spill_rows=8)
            part.update(pa.record_batch({"x": [rows[unit][0]], "y": [rows[unit][1]]}), unit)
            acc.absorb(part, consume=True)
        assert acc.spill is not None
        return acc

    a, b, c = spilled(range(0, 100)), spilled(range(100, 200)), spilled(range(200, 300))
    b.absorb(c)
    a.absorb(b)
    summary = a.summary()
    assert summary.rows == len(rows)
    assert summary.duplicates.copies().size == int(pd.DataFrame(rows).duplicated().sum())
    for acc in (a, b, c):
        acc.close()
