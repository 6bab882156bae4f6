"""A split with columns its reference lacks, on a real Dask LocalCluster: the local
engine's row findings and rows (own columns for LC301/LC302, shared ones for LC303)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest


def _tables(seed: int) -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng(seed)
    n = 3000
    shared = {f"f{i}": rng.integers(0, 10**6, n).astype(float) for i in range(6)}
    train = pa.table({**shared, "y": rng.integers(0, 3, n)})
    base = {k: v[:600] + 0.5 for k, v in shared.items()}  # not in train
    y = rng.integers(0, 3, 600)
    columns: dict[str, list] = {k: [] for k in [*shared, "z", "e", "y"]}
    for copy in range(3):  # the same row on the shared columns three times, z differs
        for k, v in base.items():
            columns[k].append(v)
        columns["z"].append(np.arange(600) + 1000.0 * copy)
        columns["e"].append(np.full(600, 7))
        columns["y"].append(y)
    for k, v in shared.items():  # 40 train rows (leaks) and 25 true copies of base rows
        columns[k] += [v[200:240], base[k][:25]]
    columns["z"] += [np.full(40, -1.0), np.arange(25.0)]
    columns["e"] += [np.full(40, 7), np.full(25, 7)]
    columns["y"] += [train["y"].to_numpy()[200:240], y[:25]]
    test = pa.table({k: np.concatenate(v) for k, v in columns.items()})
    order = np.random.default_rng(seed + 1).permutation(test.num_rows)
    return train, test.take(order)


def _row_findings(report) -> list:
    return sorted(
        (f.code, f.column, f.severity, f.rows, f.groups, f.row_numbers, f.message)
        for f in report.findings
        if f.code.startswith("LC3")
    )


@pytest.mark.parametrize("spill_rows", [50_000_000, 0, 600], ids=["memory", "all", "some"])
def test_dask_split_row_checks_equal_local(tmp_path, cluster, spill_rows):
    """Also when the workers spill their hashes to disk: what they send back holds them."""
    import labelcheck

    train, test = _tables(4)
    tr, te = tmp_path / "train.parquet", tmp_path / "test.parquet"
    pq.write_table(train, tr, row_group_size=700)
    pq.write_table(test, te, row_group_size=500)
    local = labelcheck.scan(te, reference=tr)
    remote = labelcheck.scan(
        te,
        reference=tr,
        engine="dask",
        scheduler=cluster.scheduler_address,
        spill_rows=spill_rows,
    )
    found = {f.code: f for f in local.findings}
    assert found["LC301"].rows == 25 and found["LC303"].rows == 40  # planted
    assert _row_findings(remote) == _row_findings(local)
    assert remote.rows_table().equals(local.rows_table())
