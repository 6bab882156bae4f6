"""LC109 feature-range-violation: values outside the min/max a schema declares.

## What it does
With a schema whose `columns:` declare a `min` and/or `max` (written by
`labelcheck infer` from data you trusted, or by hand), reports the values of
each column that fall outside that range, with their row count. The count is
exact when the statistics hold every out-of-range value (label columns, or
up to 16 values at each end); otherwise it says "at least". NaN and Inf are
LC101/LC102's, not this rule's.

## Why is this bad?
A model learns the ranges it was trained on. A new file whose pixels run to
65535 instead of 255, a sensor that starts reporting in millimetres, or a
sentinel like -999 for "missing" silently shifts every normalized input, so
training diverges or the model predicts garbage, with no error anywhere. The
recorded range is the cheapest drift check there is.

## Example
```
schema: columns: {px0: {min: 0, max: 255}}
data:   px0: 0, 17, 255, 300, 65535
```

## Fix
Find out why the values moved: fix the producer (unit or encoding change,
sentinels) or drop the bad rows; if the new values are legitimate, widen the
range in the schema (or re-run `labelcheck infer`).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from labelcheck.rules.base import Finding, RuleContext, fmt, fmt_values, plural, rule
from labelcheck.stats.column import ColumnStats


@rule(
    "LC109",
    "feature-range-violation",
    "error",
    fix_title="Fix the source of the out-of-range values, or widen the schema's range",
    summary="values outside the min/max a schema declares",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, (lo, hi) in ctx.options.ranges.items():
        stats = ctx.stats.columns.get(name)
        if stats is None or stats.kind not in ("numeric", "bool") or stats.n == 0:
            continue
        sides = [s for s in (_below(stats, lo), _above(stats, hi)) if s is not None]
        if not sides:
            continue
        exact = all(s.exact for s in sides)
        rows = sum(s.rows for s in sides)
        allowed = f"[{'-inf' if lo is None else fmt(lo)}, {'inf' if hi is None else fmt(hi)}]"
        yield ctx.finding(
            check,
            name,
            f"{' and '.join(s.describe() for s in sides)}; the schema allows {allowed}",
            rows=rows if exact else None,
            values=[v for s in sides for v in s.values],
        )


@dataclass(frozen=True)
class _Side:
    """Values past one bound, their row count, and whether the count is exact."""

    values: list[Any]
    rows: int
    exact: bool
    where: str

    def describe(self) -> str:
        count = plural(self.rows, "row") if self.exact else f"at least {self.rows:,} rows"
        return f"{count} {self.where} ({fmt_values(self.values)})"


def _above(stats: ColumnStats, hi: float | None) -> _Side | None:
    if hi is None or stats.max is None or stats.max <= hi:
        return None
    return _side(stats, stats.top, lambda v: v > hi, f"above the schema's max {fmt(hi)}", True)


def _below(stats: ColumnStats, lo: float | None) -> _Side | None:
    if lo is None or stats.min is None or stats.min >= lo:
        return None
    return _side(stats, stats.bottom, lambda v: v < lo, f"below the schema's min {fmt(lo)}", False)


def _side(
    stats: ColumnStats,
    extremes: list[float],
    bad: Callable[[Any], bool],
    where: str,
    descending: bool,
) -> _Side:
    items = stats.sorted_distinct()
    if items is not None:  # label columns: exact distinct counts
        hits = [(v, c) for v, c in items if bad(v)]
        if descending:
            hits.reverse()  # most extreme first
        return _Side([v for v, _ in hits], sum(c for _, c in hits), True, where)
    hits = [v for v in extremes if bad(v)]
    # The k kept extremes hold every bad value when they reach back into the valid
    # range, or when they are every value of the column; else there may be more.
    exact = len(hits) < len(extremes) or len(extremes) >= stats.n
    return _Side(list(dict.fromkeys(hits)), len(hits), exact, where)
