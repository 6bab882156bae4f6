"""Row checks on a real Dask LocalCluster give the local engine's row findings."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from row_data import planted

import labelcheck


def _row_findings(report) -> list:
    return sorted(
        (f.code, f.column, f.severity, f.rows, f.groups, f.row_numbers, f.message)
        for f in report.findings
        if f.code.startswith("LC3")
    )


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), card=st.integers(3, 8), repeats=st.integers(50, 300))
def test_dask_row_findings_equal_local(tmp_path_factory, cluster, seed, card, repeats):
    frame = planted(seed, 3000, 12, card, repeats)
    tmp_path = tmp_path_factory.mktemp("dask-rows")
    root = tmp_path / "parts"
    root.mkdir()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i in range(4):  # four files of several row groups: units in many tasks
        pq.write_table(table.slice(i * 800, 800), root / f"part-{i}.parquet", row_group_size=300)
    train = tmp_path / "train.parquet"
    pq.write_table(table.slice(0, 1000), train)
    local = labelcheck.scan(root, reference=train)
    remote = labelcheck.scan(
        root, reference=train, engine="dask", scheduler=cluster.scheduler_address
    )
    assert _row_findings(remote) == _row_findings(local)
    assert {"LC301", "LC303"} <= {f.code for f in local.findings}
    assert np.array_equal(
        remote.stats.row_summary.duplicates.rows, local.stats.row_summary.duplicates.rows
    )


def test_without_a_reference_the_groups_come_back_not_the_hashes(tmp_path, cluster):
    """A scan with no reference turns its row hashes into groups on the cluster: the
    client gets the same groups as the local engine, and no hashes (24 bytes a row)."""
    frame = planted(7, 3000, 12, 5, 200)
    path = tmp_path / "data.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=400)
    local = labelcheck.scan(path)
    remote = labelcheck.scan(path, engine="dask", scheduler=cluster.scheduler_address)
    assert remote.stats.row_stats is None
    assert local.stats.row_summary.duplicates.n_groups > 0
    assert _row_findings(remote) == _row_findings(local)
    for kind in ("duplicates", "conflicts"):
        mine, theirs = (getattr(r.stats.row_summary, kind) for r in (remote, local))
        assert np.array_equal(mine.rows, theirs.rows)
        assert np.array_equal(mine.group, theirs.group)
