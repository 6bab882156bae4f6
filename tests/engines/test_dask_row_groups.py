"""The Dask engine on files of many row groups (one task each): the local engine's
findings, and a merge of all the tasks' statistics linear in them (issue 16, item 15)."""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from row_data import planted

import labelcheck
from labelcheck.engines import dask as dask_engine
from labelcheck.io.readers import open_source
from labelcheck.pipeline import make_options
from labelcheck.stats.dataset import plan_columns
from labelcheck.stats.rows import RowStats


def _row_findings(report) -> list:
    return sorted(
        (f.code, f.column, f.severity, f.rows, f.groups, f.row_numbers, f.message)
        for f in report.findings
    )


def test_one_row_groups_on_a_cluster_give_the_local_findings(tmp_path, cluster):
    frame = planted(11, 400, 6, 3, 60)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    root = tmp_path / "parts"
    root.mkdir()
    paths = []
    for i in range(2):  # two files of one-row groups: a worker gets units of both
        paths.append(root / f"part-{i}.parquet")
        pq.write_table(table.slice(i * 230, 230), paths[-1], row_group_size=1)
    train = tmp_path / "train.parquet"
    pq.write_table(table.slice(0, 100), train, row_group_size=1)
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in [*paths, train]]
    for reference in (None, train):
        local = labelcheck.scan(root, reference=reference)
        remote = labelcheck.scan(
            root, reference=reference, engine="dask", scheduler=cluster.scheduler_address
        )
        assert _row_findings(remote) == _row_findings(local)
        assert "LC301" in {f.code for f in local.findings}
    assert before == [hashlib.sha256(p.read_bytes()).hexdigest() for p in [*paths, train]]


def test_merging_every_units_statistics_is_linear_in_the_units(tmp_path, monkeypatch):
    """Without a reference, one task merges every unit's statistics; a pure merge per
    unit copied the row bookkeeping of all the units before it (quadratic)."""
    n = 1_500
    rng = np.random.default_rng(3)
    x = rng.integers(0, 400, n).astype(float)
    path = tmp_path / "one-row-groups.parquet"
    pq.write_table(pa.table({"x": x, "y": (x > 200).astype(np.int64)}), path, row_group_size=1)
    source = open_source(path)
    options = make_options(label="y")
    plan = plan_columns(source.schema, options, source.name, source.index_columns)
    parts = [
        dask_engine._unit_stats(unit, i, source.schema, plan, options)
        for i, unit in enumerate(source.units)
    ]
    copied = []
    merge = RowStats.merge

    def counted(self, other):
        copied.append(len(self.parts))
        return merge(self, other)

    monkeypatch.setattr(RowStats, "merge", counted)
    stats = dask_engine._merged_finished(*parts)
    assert sum(copied) <= 2 * n, sum(copied)
    assert stats.rows == n
    expected = int(n - np.unique(x).size)  # y follows x: copies are exact duplicates
    assert stats.row_summary.duplicates.copies().size == expected
