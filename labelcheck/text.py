"""How numbers and lists read in every message, report and plan description."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from labelcheck.stats.column import to_python


def fmt(value: Any, digits: int = 4) -> str:
    """A value as a person writes it: 8000, 0.5, 1.2e+06, 'cat', inf.

    ``digits`` significant digits: 4 in findings (enough to recognise a value),
    6 in plan descriptions (fitted parameters; the JSON keeps them exact).
    """
    value = to_python(value)
    if isinstance(value, int):  # bools too: True
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}g}" if math.isfinite(value) else str(value)
    return repr(value)


def fmt_values(values: Sequence[Any], limit: int = 5, digits: int = 4) -> str:
    """The first ``limit`` values, then how many more."""
    values = list(values)
    shown = ", ".join(fmt(v, digits) for v in values[:limit])
    return shown + (f", ... ({len(values) - limit} more)" if len(values) > limit else "")


def fmt_rows(rows: Sequence[int], limit: int = 5) -> str:
    """Row numbers as a person reads them: 'rows 3, 17 and 40'."""
    rows = list(rows)
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(str(r) for r in rows[: min(limit, len(rows)) - 1])
    last = rows[min(limit, len(rows)) - 1]
    more = f" (and {len(rows) - limit:,} more)" if len(rows) > limit else ""
    return f"rows {shown} and {last}{more}"


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"
