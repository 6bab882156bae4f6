"""LC101 feature-nan: NaN or null values in a numeric feature.

## What it does
Counts, exactly, the NaN and null values in every numeric feature column.

## Why is this bad?
One NaN input makes the forward pass NaN for its batch; the loss becomes NaN
and the gradient update writes NaN into every weight, so training never
recovers (`loss: nan` from that step on). Some libraries silently turn nulls
into NaN when converting to arrays.

## Example
```
x0: [0.1, NaN, 0.7, ...]   # 3 NaN among 100,000 rows
```

## Fix
Drop the rows (`labelcheck fix`, the default) or impute the column's median
(`--nan median`). Dropping changes the dataset's size; both are
recorded in the fix plan.

## References
- "NaN in the inputs" is the first cause listed in the classic Q&A on NaN
  losses (`assert not np.any(np.isnan(x))`).
- Quantco/dataframely#182: users need NaN and Inf policies separately.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules.base import (
    DropColumn,
    DropRows,
    Finding,
    Impute,
    Proposal,
    RuleContext,
    Unfixed,
    channels,
    plural,
    rule,
)


@rule(
    "LC101",
    "feature-nan",
    "error",
    fix="drop-rows",
    fix_title="Drop the rows with missing values (or impute the column median)",
    summary="NaN or null in a numeric feature: one NaN input makes the loss NaN",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.numeric_features():
        if stats.missing:
            parts = [p for p in (_n(stats.nan, "NaN"), _n(stats.nulls, "null")) if p]
            yield ctx.finding(
                check,
                name,
                f"{' and '.join(parts)} in {plural(stats.count, 'row')}",
                rows=stats.missing,
            )
    for name, tensor, hits in ctx.tensor_channels(lambda c: c.nan > 0):
        pixels = sum(c.nan for _, c in hits)
        yield ctx.finding(
            check,
            name,
            f"NaN in {plural(tensor.nan_rows, 'image')} of {tensor.images:,} "
            f"({plural(pixels, 'value')}, {channels(hits, len(tensor.channels))})",
            rows=tensor.nan_rows,
            values=[i for i, _ in hits],
        )


def _n(count: int, what: str) -> str:
    return f"{count:,} {what}" if count else ""


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    feature = ctx.feature_of(finding)
    if feature is None:
        return [Unfixed()]
    column, stats = feature
    if not stats.n:  # no value at all: dropping every row would leave nothing
        return [DropColumn(column, "(no value at all)")]
    if how.nan == "median":
        return [Impute(column)]
    return [DropRows(column, "missing")]
