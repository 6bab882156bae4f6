"""The Dask engine: the same statistics per unit or partition, merged in a tree reduction.

Each task computes a :class:`~labelcheck.stats.dataset.DatasetStats` of one
unit of the source (a Parquet row group, a CSV file) or one partition of a
dask DataFrame, with exactly the code the local engine runs; partial
statistics are merged ``split_every`` at a time on the workers, so only one
small object comes back. Row hashes (LC301-LC303) of a scan without a
reference are merged in one task, which turns them into duplicate/conflict
groups there: each worker's hashes travel once, and only the groups come
back. Findings are the local engine's: the statistics are exact and merge
exactly (means and variances up to float rounding, merged with Chan's update).

``scheduler``: a ``tcp://host:port`` address (or a ``distributed.Client``)
connects to an existing cluster, whose workers must see the same paths (shared
storage or URLs); else the current client if there is one, else a local
cluster of worker processes is started for the scan and closed after it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

from labelcheck.engines.base import Progress
from labelcheck.errors import InputError
from labelcheck.io import SchemaChanged, Source, Unit
from labelcheck.io.frames import partition_batches
from labelcheck.options import ScanOptions
from labelcheck.stats.dataset import ColumnPlan, DatasetStats

#: Partial statistics merged per task of the tree reduction.
SPLIT_EVERY = 8
_INSTALL = "the Dask engine needs dask[distributed]: pip install 'labelcheck[dask]'"


def compute_stats(
    source: Source,
    plan: ColumnPlan,
    options: ScanOptions,
    *,
    progress: Progress | None = None,
    scheduler: Any = None,
    finish: bool = False,
) -> DatasetStats:
    """Statistics of the planned columns of ``source``, computed on a Dask cluster.

    ``progress`` is called once, when the reduction is done (the tasks run on
    the cluster; its dashboard shows them as they go). ``finish``: the row
    hashes become groups on the cluster and only the groups come back (see
    :func:`labelcheck.engines.compute_stats`).
    """
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError:
        raise InputError(_INSTALL) from None

    client, owned = _connect(scheduler, distributed)
    try:
        if source.frame is not None:  # a dask DataFrame: map its partitions
            stats = _frame_stats(client, source, plan, options, finish)
        else:
            stats = _source_stats(client, source, plan, options, finish)
    finally:
        if owned:  # a client (and cluster) this scan started: close them
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
    if progress is not None:
        progress(stats.rows, len(source.units), len(source.units))
    return stats


# ------------------------------------------------------------------ cluster
def _connect(scheduler: Any, distributed: Any) -> tuple[Any, Any]:
    """(client, whether this scan created it and must close it)."""
    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    if scheduler:
        try:
            return distributed.Client(scheduler, timeout="10s"), True
        except (OSError, TimeoutError) as exc:
            raise InputError(
                f"cannot connect to the Dask scheduler at {scheduler} ({exc}); check the "
                "address (tcp://host:8786), or omit --scheduler to use a local cluster"
            ) from None
    try:
        return distributed.get_client(), False
    except ValueError:  # no client yet: start a local cluster for this scan
        pass
    cluster = distributed.LocalCluster(
        n_workers=min(os.cpu_count() or 1, 4),
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.CRITICAL,  # shutdown chatter must not reach the CLI's stderr
    )
    return distributed.Client(cluster), True


# ------------------------------------------------------------- reduction
def _tree(client: Any, tasks: Sequence[Any], finish: bool = False) -> DatasetStats:
    """Merge delayed partial statistics ``SPLIT_EVERY`` at a time; compute the root.
    ``finish``: one task merges them all and turns the row hashes into groups
    (:func:`_merged_finished`)."""
    from dask import delayed

    if finish:
        # The groups need every row hash in one place: merging the partial statistics
        # there in one task moves each worker's hashes once, where a tree would move
        # them again at every level (24 bytes a row each time).
        return client.compute(delayed(_merged_finished, pure=True)(*tasks)).result()
    level = list(tasks)
    while len(level) > 1:
        level = [
            delayed(_merge, pure=True)(*level[i : i + SPLIT_EVERY])
            for i in range(0, len(level), SPLIT_EVERY)
        ]
    return client.compute(level[0]).result()


def _merged_finished(*parts: DatasetStats) -> DatasetStats:
    """All partial statistics merged, and their row hashes turned into groups, on the
    worker; the hashes are dropped, not sent back (24 bytes a row: for 10M rows,
    shipping them cost more than the scan's work)."""
    stats = _merge(*parts)
    stats.finish()
    if stats.row_stats is not None:
        stats.row_stats.close()
        stats.row_stats = None
    return stats


def _merge(*parts: DatasetStats) -> DatasetStats:
    """All ``parts`` merged: the first merge makes a new object (a task's inputs are
    never changed), the others fold into it (linear in the parts: ``_merged_finished``
    gets one per row group)."""
    if len(parts) == 1:
        return parts[0]
    total = parts[0].merge(parts[1])
    for part in parts[2:]:
        total.absorb(part)
    return total


# ------------------------------------------------------------- sources
def _source_stats(
    client: Any, src: Source, plan: ColumnPlan, options: ScanOptions, finish: bool
) -> DatasetStats:
    from dask import delayed

    if not src.units:
        return DatasetStats.empty(src.schema, plan)
    tasks = [
        delayed(_unit_stats, pure=True)(unit, i, src.schema, plan, options)
        for i, unit in enumerate(src.units)
    ]
    try:
        return _tree(client, tasks, finish)
    except SchemaChanged:
        # A CSV revealed a wider type on a worker, which keeps what it learnt:
        # the local engine re-reads with the widened types (rare; exact anyway).
        from labelcheck.engines.local import compute_stats as local_stats

        src.widen()
        stats = local_stats(src, plan, options)
        if finish:
            stats.finish()
        return stats


def _unit_stats(
    unit: Unit, index: int, schema: pa.Schema, plan: ColumnPlan, options: ScanOptions
) -> DatasetStats:
    return _fold(schema, plan, options, index, unit(plan.columns))


def _fold(
    schema: pa.Schema,
    plan: ColumnPlan,
    options: ScanOptions,
    index: int,
    batches: Iterable[pa.RecordBatch],
) -> DatasetStats:
    """Statistics of one unit (or partition); ``index`` numbers its rows after the previous."""
    stats = DatasetStats.empty(schema, plan)
    for batch in batches:
        stats.update(batch, options.ignore_index, index)
    return stats


# -------------------------------------------------------- dask DataFrames
def _frame_stats(
    client: Any, src: Source, plan: ColumnPlan, options: ScanOptions, finish: bool
) -> DatasetStats:
    """A dask DataFrame: one task per partition, converted to Arrow on the worker."""
    from dask import delayed

    parts = src.frame[list(plan.columns)].to_delayed()
    tasks = [
        delayed(_partition_stats, pure=True)(part, i, src.schema, plan, options, src.name)
        for i, part in enumerate(parts)
    ]
    return _tree(client, tasks, finish)


def _partition_stats(
    frame: Any, index: int, schema: pa.Schema, plan: ColumnPlan, options: ScanOptions, name: str
) -> DatasetStats:
    batches = partition_batches(frame, schema, name, plan.columns)
    return _fold(schema, plan, options, index, batches)
