"""LC105 feature-constant: a feature with zero variance.

## What it does
Reports numeric features whose finite values are all equal (at least two rows).

## Why is this bad?
Standardizing divides by the standard deviation: a constant column gives 0/0
= NaN for every row, which then poisons the whole forward pass. Even without
standardization it carries no information.

## Example
```
sensor_7: 0.0 in all 10,000 rows
```

## Fix
Drop the column (the fix plan records it, so new data loses it too).
"""

from collections.abc import Iterator

from labelcheck.rules.base import Finding, RuleContext, channels, fmt, plural, rule


@rule(
    "LC105",
    "feature-constant",
    "warning",
    fix="drop-column",
    fix_title="Drop the constant column",
    summary="zero variance: standardizing divides by 0 and gives NaN",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.numeric_features():
        if stats.n >= 2 and stats.min == stats.max:
            yield ctx.finding(
                check,
                name,
                f"every value is {fmt(stats.min)} ({plural(stats.n, 'finite row')}); "
                "standardizing it divides by 0",
                values=[stats.min],
            )
    for name, tensor, hits in ctx.tensor_channels(lambda c: c.n >= 2 and c.min == c.max):
        yield ctx.finding(
            check,
            name,
            f"{channels(hits, len(tensor.channels))} "
            f"hold{'s' if len(hits) == 1 else ''} one value in every image "
            f"({', '.join(fmt(c.min) for _, c in hits)}); standardizing divides by 0",
            values=[i for i, _ in hits],
        )
