"""Engines decide *where* statistics are computed; the statistics code is shared.

One interface, two implementations::

    compute_stats(source, plan, options, *, progress=None, ...) -> DatasetStats

``local`` (threads in this process) and ``dask`` (tasks on a cluster, merged in
a tree). :func:`compute_stats` here is the one dispatch the library and the
CLI use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

from labelcheck.errors import InputError

if TYPE_CHECKING:
    from labelcheck.engines.base import Progress
    from labelcheck.io import Source
    from labelcheck.options import ScanOptions
    from labelcheck.stats.dataset import ColumnPlan, DatasetStats

EngineName = Literal["local", "dask"]
ENGINES: tuple[str, ...] = get_args(EngineName)


def compute_stats(
    source: Source,
    plan: ColumnPlan,
    options: ScanOptions,
    *,
    engine: str = "local",
    progress: Progress | None = None,
    scheduler: Any = None,
    finish: bool = False,
) -> DatasetStats:
    """Statistics of the planned columns of ``source`` on ``engine``.

    ``finish``: no reference will be compared with these statistics, so their row
    hashes can become duplicate/conflict groups (:meth:`DatasetStats.finish`) where
    they are, and be dropped: a Dask cluster then sends back the groups, not 24
    bytes a row.
    """
    if engine == "local":
        from labelcheck.engines import local

        stats = local.compute_stats(source, plan, options, progress=progress)
        if finish:
            stats.finish()
        return stats
    if engine == "dask":
        from labelcheck.engines import dask

        return dask.compute_stats(
            source, plan, options, progress=progress, scheduler=scheduler, finish=finish
        )
    raise InputError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
