"""The local engine: units of a source scanned on a thread pool, stats merged.

numpy and Arrow release the GIL in their kernels, so threads use every core
without copying batches between processes. A Parquet row group is further
split into groups of columns, each read and summarised by one task: every
column chunk is decoded once, only planned columns are read, and at most
``workers + 1`` tasks are in flight (one decoding ahead while the others
compute), which bounds memory by about one row group whatever the file size.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from labelcheck.engines.base import Progress
from labelcheck.errors import InputError
from labelcheck.io import SchemaChanged, Source, Unit, reads_column_subsets
from labelcheck.options import ScanOptions
from labelcheck.stats.dataset import ColumnPlan, DatasetStats

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

_MAX_RESTARTS = 64
#: Columns per task when a unit can read a subset of its columns cheaply.
_GROUP_COLUMNS = 8


@dataclass(frozen=True)
class _Task:
    unit: Unit
    index: int  # the unit's position in the source (row numbers follow unit order)
    columns: tuple[str, ...]
    first: bool  # the task that counts the unit's rows (and closes the unit)


def compute_stats(
    source: Source,
    plan: ColumnPlan,
    options: ScanOptions,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
) -> DatasetStats:
    """Statistics of the planned columns of ``source``, on a pool of ``workers`` threads.

    ``progress`` is called from the calling thread after each finished unit. A
    CSV whose column types widen while streaming is reopened in place
    (:meth:`Source.widen`) and scanned again, so read ``source`` afterwards,
    not a copy of it.
    """
    if source.frame is not None:
        raise InputError("a dask DataFrame needs the Dask engine: scan(ddf, engine='dask')")
    for _ in range(_MAX_RESTARTS):
        try:
            return _scan(source, plan, options, workers, progress)
        except SchemaChanged:
            source.widen()
    raise RuntimeError("the CSV schema kept changing while streaming")  # pragma: no cover


def _scan(
    source: Source,
    plan: ColumnPlan,
    options: ScanOptions,
    workers: int | None,
    progress: Progress | None,
) -> DatasetStats:
    total = DatasetStats.empty(source.schema, plan)
    workers = workers or os.cpu_count() or 1
    tasks = list(_tasks(source.units, plan.columns, plan.of_kind("tokens")))
    units_total, units_done = len(source.units), 0

    def run(task: _Task) -> DatasetStats:
        # Only the planned columns of this task: DatasetStats.update walks its own columns.
        part = DatasetStats.empty(source.schema, plan, task.columns)
        for batch in task.unit(list(task.columns)):
            part.update(batch, options.ignore_index, task.index)
        return part

    def fold(task: _Task, part: DatasetStats) -> None:
        nonlocal units_done
        for name, stats in part.columns.items():
            total.columns[name] = total.columns[name].merge(stats)
        total.ignored_rows += part.ignored_rows
        if total.row_stats is not None and part.row_stats is not None:
            # In place (the hashes are not copied); the part is dropped after the fold.
            total.row_stats.absorb(part.row_stats, consume=True)
        if task.first:
            total.rows += part.rows
            units_done += 1
            if progress is not None:
                progress(total.rows, units_done, units_total)

    if workers == 1 or len(tasks) == 1:
        for task in tasks:
            fold(task, run(task))
        return total
    from concurrent.futures import ThreadPoolExecutor  # a one-task scan never needs it

    with ThreadPoolExecutor(workers) as pool:
        for task, part in _bounded_map(pool, run, tasks, workers + 1):
            fold(task, part)
    return total


def _tasks(
    units: Sequence[Unit], columns: list[str], together: Sequence[str] = ()
) -> Iterator[_Task]:
    """One task per unit, or per group of columns of a Parquet row group.

    Only raw Parquet row groups are split: reading a subset of their columns
    costs no more than reading them all, whereas a CSV would be parsed again
    for every group. The label goes with the first group, which counts rows;
    so do the ``together`` columns (token columns: their statistic compares a
    row's columns with each other).
    """
    if together:
        columns = [*together, *(c for c in columns if c not in together)]
    for index, unit in enumerate(units):
        if reads_column_subsets(unit) and len(columns) > _GROUP_COLUMNS:
            groups = _groups(columns, together)
            for i, group in enumerate(groups):
                yield _Task(unit, index, group, first=i == 0)
        else:
            yield _Task(unit, index, tuple(columns), first=True)


def _groups(columns: list[str], together: Sequence[str] = ()) -> list[tuple[str, ...]]:
    """Columns in contiguous groups of about ``_GROUP_COLUMNS`` (the label last, in group 0)."""
    *features, last = columns
    n = max(1, round(len(columns) / _GROUP_COLUMNS))
    size = max(-(-len(features) // n), len(together))
    groups = [tuple(features[i : i + size]) for i in range(0, len(features), size)]
    groups[0] = (*groups[0], last)
    return groups


def _bounded_map(
    pool: ThreadPoolExecutor, fn: Callable, items: Sequence, window: int
) -> Iterator[tuple]:
    """``(item, fn(item))`` in order, with at most ``window`` tasks submitted at once."""
    pending: list[tuple[object, Future]] = []
    for item in items:
        pending.append((item, pool.submit(fn, item)))
        if len(pending) >= window:
            done, fut = pending.pop(0)
            yield done, fut.result()
    for done, fut in pending:
        yield done, fut.result()
