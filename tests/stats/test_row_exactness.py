"""Exactness of LC301-LC303 through the real scan: counts equal pandas on the same data.

Random data with planted repeats, written to Parquet with random row-group sizes,
scanned by the local engine with 1-3 threads; with more than 8 features a row
group's columns are hashed in separate column-group tasks, so the row hashes of
one row come from several threads and are merged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from row_data import planted

from labelcheck.engines import local
from labelcheck.io import open_source
from labelcheck.pipeline import analyse, make_options
from labelcheck.stats.dataset import plan_columns


def _scan(path, workers: int, reference=None):
    options = make_options()
    src = open_source(str(path))
    plan = plan_columns(src.schema, options, src.name)
    stats = local.compute_stats(src, plan, options, workers=workers)
    ref_stats = None
    if reference is not None:
        ref = open_source(str(reference))
        ref_stats = local.compute_stats(ref, plan_columns(ref.schema, options, ref.name), options)
    return analyse(src.name, stats, options, reference=ref_stats)


def truth(frame: pd.DataFrame) -> tuple[int, int, int]:
    """(duplicate copies, rows in duplicate groups, rows in conflict groups), by pandas."""
    feats = [c for c in frame.columns if c != "y"]
    per_group = frame.groupby(feats, dropna=False)["y"].transform("nunique")
    return (
        int(frame.duplicated().sum()),
        int(frame.duplicated(keep=False).sum()),
        int((per_group > 1).sum()),
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 600),
    width=st.sampled_from([2, 5, 12, 20]),
    card=st.integers(2, 50),
    repeats=st.integers(0, 60),
    row_group=st.integers(7, 400),
    workers=st.integers(1, 3),
)
def test_duplicates_and_conflicts_equal_pandas(
    tmp_path, seed, n, width, card, repeats, row_group, workers
):
    frame = planted(seed, n, width, card, repeats)
    path = tmp_path / f"d{seed}-{width}-{row_group}.parquet"
    pq.write_table(
        pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=row_group
    )
    report = _scan(path, workers)
    summary = report.stats.row_summary
    copies, dup_rows, conflict_rows = truth(frame)
    assert summary.duplicates.n_rows - summary.duplicates.n_groups == copies
    assert summary.duplicates.n_rows == dup_rows
    assert summary.conflicts.n_rows == conflict_rows
    # Row numbers are the file's, whatever order the threads finished in.
    assert set(summary.duplicates.rows.tolist()) == set(
        np.flatnonzero(frame.duplicated(keep=False))
    )
    lc301 = report.by_code("LC301")
    assert (lc301[0].rows if lc301 else 0) == copies


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 400),
    m=st.integers(1, 300),
    leaks=st.integers(0, 40),
    width=st.sampled_from([3, 12]),
    row_group=st.integers(5, 300),
)
def test_leakage_equals_a_pandas_merge(tmp_path, seed, n, m, leaks, width, row_group):
    train = planted(seed, n, width, 6, 0)
    test = planted(seed + 1, m, width, 6, 0)
    rng = np.random.default_rng(seed)
    if leaks:
        test = pd.concat([test, train.iloc[rng.integers(0, n, leaks)]], ignore_index=True)
    tr, te = tmp_path / f"tr{seed}.parquet", tmp_path / f"te{seed}.parquet"
    pq.write_table(pa.Table.from_pandas(train, preserve_index=False), tr, row_group_size=row_group)
    pq.write_table(pa.Table.from_pandas(test, preserve_index=False), te, row_group_size=row_group)
    report = _scan(te, 2, reference=tr)
    feats = [c for c in train.columns if c != "y"]
    hit = test.merge(train[feats].drop_duplicates(), how="left", on=feats, indicator=True)
    expected = set(np.flatnonzero((hit["_merge"] == "both").to_numpy()))
    assert set(report.stats.leak.leaked.tolist()) == expected
    lc303 = report.by_code("LC303")
    assert (lc303[0].rows if lc303 else 0) == len(expected)
    same = test.merge(train.drop_duplicates(), how="left", on=[*feats, "y"], indicator=True)
    assert report.stats.leak.same_label == int((same["_merge"] == "both").sum())
