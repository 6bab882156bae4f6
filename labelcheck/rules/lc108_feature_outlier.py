"""LC108 feature-outlier: a few extreme values far outside the rest of a column.

## What it does
Finds a few values (at most 3 rows, or 5% of rows, whichever is more) that lie
more than `outlier_gap` (default 5) spreads beyond the edge of the rest of the
column, the spread being the larger of the rest's standard deviation and the
distance from its mean to its edge. The rest must hold at least 10 values
(the spread of a handful of numbers means nothing), and each end is judged
with the other end's outliers removed. The statistics of "the rest" are
exact; no sampling or quantile sketch is involved. A constant rest (a 0/1
indicator column) has no spread and never yields outliers.

## Why is this bad?
A single 1e9 among values of order 1 dominates min-max scaling (every other
value is squeezed to ~0) and standardization (the std is inflated), and it
produces gradients millions of times larger than the others: a typical
source of a sudden loss spike. Such values are usually sentinels (`-999`,
`99999`) or unit errors.

## Example
```
temperature: 18.2, 19.5, ..., 21.0, 99999.0   # one sentinel value
```

## Fix
Clip the column to the range of the rest (the fix plan saves the bounds), or
drop the rows if the values are sentinels for "missing".
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules.base import (
    Clip,
    Finding,
    Proposal,
    RuleContext,
    Unfixed,
    fmt,
    fmt_values,
    plural,
    rule,
)
from labelcheck.rules.extremes import sparse_extremes
from labelcheck.stats.column import ColumnStats


@rule(
    "LC108",
    "feature-outlier",
    "warning",
    fix="clip",
    fix_title="Clip the column to the range of the other values",
    summary="a few extreme values far outside the robust spread of the column",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.numeric_features():
        outliers = sparse_extremes(stats, ctx.options.thresholds)
        if not outliers:
            continue
        values = [v for v, _ in outliers]
        rows = sum(c for _, c in outliers)
        # The rest's range: the extremes kept by the stats, minus the outliers.
        rest = [v for v in (*stats.bottom, *stats.top) if v not in set(values)]
        span = f" (the other values span {fmt(min(rest))}..{fmt(max(rest))})" if rest else ""
        yield ctx.finding(
            check,
            name,
            f"{plural(rows, 'row')} with extreme {'value' if len(values) == 1 else 'values'} "
            f"{fmt_values(values)} far outside the rest of the column{span}; clip them to "
            "that range, or drop the rows if they are sentinels for missing values",
            rows=rows,
            values=values,
        )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    feature = ctx.feature_of(finding)
    if feature is None:
        return [Unfixed()]
    column, stats = feature
    bounds = bulk_bounds(stats, ctx)
    if bounds is None:
        return [Unfixed("the range of the other values is not known exactly")]
    return [Clip(column, *bounds)]


def bulk_bounds(s: ColumnStats, ctx: RuleContext) -> tuple[float, float] | None:
    """[lo, hi] of the values that are not outliers (from the extremes the stats keep)."""
    outliers = {v for v, _ in sparse_extremes(s, ctx.options.thresholds)}
    lo, hi = s.min, s.max
    if hi in outliers:
        rest = [v for v in s.top if v not in outliers]
        if not rest:
            return None
        hi = rest[0]
    if lo in outliers:
        rest = [v for v in s.bottom if v not in outliers]
        if not rest:
            return None
        lo = rest[0]
    return float(lo), float(hi)  # type: ignore[arg-type]
