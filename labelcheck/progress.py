"""A progress bar on stderr for long scans, fixes and applies (rich; only on a terminal).

Engines know nothing about rich: they call a plain callback
``progress(rows_done, units_done, units_total)``. :func:`progress_bar` turns
that into a bar showing rows and bytes done, the rate and the time left.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

#: Inputs smaller than this (bytes on disk) get no bar in ``auto`` mode: they finish first.
LARGE_BYTES = 64 << 20

Callback = Callable[[int, int, int], None]


def wanted(setting: bool | None, output_format: str, *, stream: Any = None) -> bool:
    """Whether to show a bar: never when stderr is not a terminal or the output is JSON.

    ``setting`` is ``--progress`` (True), ``--no-progress`` (False) or neither
    (None: auto, only with the text format).
    """
    stream = stream if stream is not None else sys.stderr
    if setting is False or output_format == "json":
        return False
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        return False
    return setting is True or output_format == "text"


def input_bytes(paths: list[str]) -> int:
    total = 0
    for p in paths:
        with suppress(OSError):
            total += os.path.getsize(p)
    return total


@contextmanager
def progress_bar(
    source: Any, *, enabled: bool, force: bool = False, label: str = "scanning"
) -> Iterator[Callback | None]:
    """Yield a progress callback for ``source`` (a Source), or None when disabled.

    In auto mode (``force`` False) inputs under :data:`LARGE_BYTES` get none.
    """
    size = input_bytes(list(getattr(source, "paths", []) or []))
    if not enabled or (not force and size < LARGE_BYTES):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    rows_total = getattr(source, "num_rows", None)

    class Done(ProgressColumn):
        """``1,200,000/10,000,000 rows  130/1,100 MiB  2.1M rows/s``."""

        def render(self, task: Any) -> Text:
            f = task.fields
            rows = f"{f['rows']:,}" + (f"/{rows_total:,}" if rows_total else "") + " rows"
            mib = f"{f['bytes'] / 2**20:,.0f}/{size / 2**20:,.0f} MiB" if size else ""
            speed = task.speed
            rate = f"{speed * (f['rows'] / max(task.completed, 1e-9)):,.0f} rows/s" if speed else ""
            return Text("  ".join(x for x in (rows, mib, rate) if x))

    bar = Progress(
        TextColumn(f"{label} {getattr(source, 'name', '')}"),
        BarColumn(),
        Done(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(label, total=1.0, rows=0, bytes=0)

    def callback(rows: int, units_done: int, units_total: int) -> None:
        # Units (row groups, files) are the unit of work; rows and bytes follow.
        frac = rows / rows_total if rows_total else units_done / units_total if units_total else 0.0
        bar.update(task, completed=min(frac, 1.0), rows=rows, bytes=int(size * min(frac, 1.0)))

    with bar:
        yield callback
