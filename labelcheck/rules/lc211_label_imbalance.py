"""LC211 label-imbalance: the majority class outnumbers the minority more than 100 to 1.

## What it does
Reports the ratio of the largest to the smallest class count when it exceeds
`imbalance_ratio` (default 100). Not for list-valued (one-hot) labels.

## Why is this bad?
It does not make the loss NaN, but a model can reach 99% accuracy by always
predicting the majority class, and unweighted cross-entropy gives the
minority almost no gradient. Worth knowing before reading any metric.

## Example
```
y: 0 x 99,500, 1 x 500   # 199:1
```

## Fix
No data fix: use class weights, resampling, or a metric that accounts for it
(balanced accuracy, PR-AUC).
"""

from collections.abc import Iterator

from labelcheck.rules.base import Finding, RuleContext, fmt, rule


@rule(
    "LC211",
    "label-imbalance",
    "info",
    summary="majority / minority class ratio above 100",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    classes = ctx.label_classes()
    if not classes or len(classes) < 2 or not ctx.classification:
        return
    if ctx.label is not None and ctx.label.kind == "list":
        return  # the counts are of one-hot entries (0s and 1s), not of classes
    big = max(classes, key=lambda vc: vc[1])
    small = min(classes, key=lambda vc: vc[1])
    ratio = big[1] / small[1]
    if ratio > ctx.options.thresholds.imbalance_ratio:
        yield ctx.finding(
            check,
            ctx.label_name,
            f"class {fmt(big[0])} has {big[1]:,} rows and class {fmt(small[0])} {small[1]:,} "
            f"({ratio:,.0f}:1); use class weights or resampling",
            values=[big[0], small[0]],
        )
