"""The local engine: units of a source scanned on a thread pool, stats merged.

numpy and Arrow release the GIL in their kernels, so threads use every core
without copying batches between processes. At most ``workers`` units are in
flight, which bounds memory by a few row groups whatever the file size.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from labelcheck.io.readers import SchemaChanged, Source
from labelcheck.options import ScanOptions
from labelcheck.stats.dataset import ColumnPlan, DatasetStats

_MAX_RESTARTS = 64


def compute_stats(
    source: Source, plan: ColumnPlan, options: ScanOptions, *, workers: int | None = None
) -> tuple[Source, DatasetStats]:
    """Statistics of the planned columns of ``source``; returns the (maybe reopened) source."""
    for _ in range(_MAX_RESTARTS):
        try:
            return source, _scan(source, plan, options, workers)
        except SchemaChanged:
            assert source.reopen is not None
            source = source.reopen()
    raise RuntimeError("the CSV schema kept changing while streaming")  # pragma: no cover


def _scan(
    source: Source, plan: ColumnPlan, options: ScanOptions, workers: int | None
) -> DatasetStats:
    total = DatasetStats.empty(source.schema, plan)
    columns = plan.columns
    workers = workers or os.cpu_count() or 1

    def scan_unit(unit) -> DatasetStats:
        part = DatasetStats.empty(source.schema, plan)
        for batch in unit(columns):
            part.update(batch, options.ignore_index)
        return part

    if workers == 1 or len(source.units) == 1:
        for unit in source.units:
            total = total.merge(scan_unit(unit))
        return total
    with ThreadPoolExecutor(workers) as pool:
        for part in _bounded_map(pool, scan_unit, source.units, workers * 2):
            total = total.merge(part)
    return total


def _bounded_map(pool: ThreadPoolExecutor, fn, items, window: int) -> Iterator:
    """Like ``pool.map`` in order, but with at most ``window`` tasks submitted at once."""
    pending: list[Future] = []
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            yield pending.pop(0).result()
    for fut in pending:
        yield fut.result()
