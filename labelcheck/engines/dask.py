"""The Dask engine: the same statistics per partition, merged in a tree reduction.

Each task computes a :class:`~labelcheck.stats.dataset.DatasetStats` of one
unit (a Parquet row group, a CSV file) or one dask DataFrame partition, with
exactly the code the local engine runs; partial statistics are merged
``split_every`` at a time on the workers, so only one small object comes back.
Findings are the local engine's: the statistics are exact and merge exactly
(means and variances up to float rounding, merged with Chan's update).

``scheduler``: a ``tcp://host:port`` address (or a ``distributed.Client``)
connects to an existing cluster, whose workers must see the same paths (shared
storage or URLs); else the current client if there is one, else a local
cluster of worker processes is started for the scan and closed after it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from labelcheck.errors import InputError
from labelcheck.io.readers import SchemaChanged, Source, Unit, open_source
from labelcheck.options import ScanOptions
from labelcheck.stats.dataset import ColumnPlan, DatasetStats, plan_columns

#: Partial statistics merged per task of the tree reduction.
SPLIT_EVERY = 8
_INSTALL = "the Dask engine needs dask[distributed]: pip install 'labelcheck[dask]'"


def compute_stats(
    source: Any, options: ScanOptions, scheduler: Any = None
) -> tuple[DatasetStats, str]:
    """Statistics of ``source`` computed on a Dask cluster; returns them and the source name.

    ``source``: a path, directory, glob or URL (Parquet datasets are read as
    row groups; ``s3://``-style URLs through ``dask.dataframe.read_parquet``),
    a dask DataFrame, or anything :func:`~labelcheck.io.readers.open_source`
    opens.
    """
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError:
        raise InputError(_INSTALL) from None

    client, owned = _connect(scheduler, distributed)
    try:
        if _is_url(source):
            source = _read_parquet_url(source)
        if _is_dask_frame(source):
            return _frame_stats(client, source, options)
        src = open_source(source)
        return _source_stats(client, src, options), src.name
    finally:
        if owned:  # a client (and cluster) this scan started: close them
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()


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
def _tree(client: Any, tasks: Sequence[Any]) -> DatasetStats:
    """Merge delayed partial statistics ``SPLIT_EVERY`` at a time; compute the root."""
    from dask import delayed

    level = list(tasks)
    while len(level) > 1:
        level = [
            delayed(_merge, pure=True)(*level[i : i + SPLIT_EVERY])
            for i in range(0, len(level), SPLIT_EVERY)
        ]
    return client.compute(level[0]).result()


def _merge(*parts: DatasetStats) -> DatasetStats:
    total = parts[0]
    for part in parts[1:]:
        total = total.merge(part)
    return total


# ------------------------------------------------------------- sources
def _source_stats(client: Any, src: Source, options: ScanOptions) -> DatasetStats:
    from dask import delayed

    plan = plan_columns(src.schema, options, src.name, src.index_columns)
    if not src.units:
        return DatasetStats.empty(src.schema, plan)
    tasks = [delayed(_unit_stats, pure=True)(unit, src.schema, plan, options) for unit in src.units]
    try:
        return _tree(client, tasks)
    except SchemaChanged:
        # A CSV revealed a wider type on a worker, which keeps what it learnt:
        # the local engine re-reads with the widened types (rare; exact anyway).
        from labelcheck.engines.local import compute_stats as local_stats

        return local_stats(src, plan, options)[1]


def _unit_stats(
    unit: Unit, schema: pa.Schema, plan: ColumnPlan, options: ScanOptions
) -> DatasetStats:
    stats = DatasetStats.empty(schema, plan)
    for batch in unit(plan.columns):
        stats.update(batch, options.ignore_index)
    return stats


# -------------------------------------------------------- dask DataFrames
def _is_url(source: Any) -> bool:
    return isinstance(source, str) and "://" in source and not source.startswith("file://")


def _read_parquet_url(url: str) -> Any:
    import dask.dataframe as dd

    try:
        return dd.read_parquet(url)
    except (OSError, ValueError, ImportError, pa.ArrowException) as exc:
        raise InputError(f"{url}: cannot open ({exc}); check the URL and credentials") from None


def _is_dask_frame(obj: Any) -> bool:
    if type(obj).__module__.split(".")[0] != "dask":
        return False
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame)


def _frame_stats(client: Any, ddf: Any, options: ScanOptions) -> tuple[DatasetStats, str]:
    """A dask DataFrame: one task per partition, converted to Arrow on the worker."""
    name = getattr(ddf, "_labelcheck_name", None) or "dask.DataFrame"
    if ddf.npartitions == 0:
        raise InputError(f"{name}: the DataFrame has no partitions; nothing to scan")
    # The schema of the first partition: the meta of object columns says nothing.
    first = client.compute(ddf.get_partition(0)).result()
    schema = _arrow(first, None, name).schema.remove_metadata()
    plan = plan_columns(schema, options, name)
    from dask import delayed

    parts = ddf[list(plan.columns)].to_delayed()
    tasks = [
        delayed(_frame_part_stats, pure=True)(part, schema, plan, options, name) for part in parts
    ]
    return _tree(client, tasks), name


def _frame_part_stats(
    frame: Any, schema: pa.Schema, plan: ColumnPlan, options: ScanOptions, name: str
) -> DatasetStats:
    table = _arrow(frame, pa.schema([schema.field(c) for c in plan.columns]), name)
    stats = DatasetStats.empty(schema, plan)
    for batch in table.to_batches():
        stats.update(batch, options.ignore_index)
    return stats


def _arrow(frame: Any, schema: pa.Schema | None, name: str) -> pa.Table:
    """A pandas partition as Arrow; NaN in numpy float columns stays NaN, as in the file.

    (``Table.from_pandas`` would turn it into null: a Parquet file scanned
    through ``dd.read_parquet`` must give the findings of the file itself.)
    """
    try:
        arrays, fields = [], []
        for i, column in enumerate(frame.columns):
            series = frame.iloc[:, i]
            target = schema.field(i).type if schema is not None else None
            if isinstance(series.dtype, np.dtype) and series.dtype.kind == "f":
                array = pa.array(series.to_numpy(), type=target)
            else:
                array = pa.Array.from_pandas(series, type=target)
            arrays.append(array)
            fields.append(pa.field(str(column), array.type))
        return pa.Table.from_arrays(arrays, schema=schema or pa.schema(fields))
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise InputError(
            f"{name}: a partition cannot be converted to Arrow ({exc}); cast mixed-type "
            "object columns to str or a number"
        ) from None
