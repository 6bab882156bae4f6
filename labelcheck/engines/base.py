"""What every engine shares: the progress callback type."""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(rows_done, units_done, units_total)``; rows_done counts finished units.
Progress = Callable[[int, int, int], None]
