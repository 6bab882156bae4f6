"""LC102 feature-inf: +Inf or -Inf in a feature.

## What it does
Counts the positive and negative infinities in every numeric feature column.

## Why is this bad?
`inf * 0` and `inf - inf` are NaN: an infinite input turns activations,
normalisation statistics and the loss into NaN or Inf at the first batch that
contains it. Infinities usually come from a division by zero or a `log(0)` in
feature engineering.

## Example
```
ratio = clicks / impressions   # impressions == 0 -> inf
```

## Fix
Drop the rows (the default), or clip the column to its finite range
(`--inf clip`).

## References
- Quantco/dataframely#182: Inf needs its own policy, apart from NaN.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules.base import (
    Clip,
    DropRows,
    Finding,
    Proposal,
    RuleContext,
    Unfixed,
    channels,
    plural,
    rule,
)


@rule(
    "LC102",
    "feature-inf",
    "error",
    fix="drop-rows",
    fix_title="Drop the rows with infinite values (or clip to the finite range)",
    summary="+Inf / -Inf in a feature (a ratio with a zero denominator)",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.numeric_features():
        if stats.inf:
            values = [
                v for v, n in ((float("inf"), stats.posinf), (float("-inf"), stats.neginf)) if n
            ]
            yield ctx.finding(
                check,
                name,
                f"{stats.posinf:,} +Inf and {stats.neginf:,} -Inf in {plural(stats.count, 'row')}",
                rows=stats.inf,
                values=values,
            )
    for name, tensor, hits in ctx.tensor_channels(lambda c: c.inf > 0):
        pixels = sum(c.inf for _, c in hits)
        yield ctx.finding(
            check,
            name,
            f"±Inf in {plural(tensor.inf_rows, 'image')} of {tensor.images:,} "
            f"({plural(pixels, 'value')}, {channels(hits, len(tensor.channels))})",
            rows=tensor.inf_rows,
            values=[i for i, _ in hits],
        )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    feature = ctx.feature_of(finding)
    if feature is None:
        return [Unfixed()]
    column, stats = feature
    if how.inf == "drop":
        return [DropRows(column, "inf")]
    if not stats.n:  # no finite value to clip to: LC101's fix drops the column
        return []
    return [Clip(column, stats.min, stats.max)]  # type: ignore[arg-type]
