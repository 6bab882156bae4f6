"""LC206 label-zero-symmetric: class ids symmetric around 0, such as {-1, 0, 1}.

## What it does
Reports classification labels whose set of ids mirrors around zero: {-1, 1},
{-1, 0, 1}, {-2, ..., 2}. Not raised with a hinge loss (which expects
{-1, 1}) or for regression.

## Why is this bad?
Sentiment (-1/0/1) or direction (-1/+1) codings are natural to people but
not to a softmax: class ids must be 0..K-1. The negative ids index out of
bounds or, in a log-based loss, give NaN. The classic advice: use 0, 1, 2,
not -1, 0, 1.

## Example
```
y: [-1, 0, 1, 1, -1]
```

## Fix
Reindex to 0..K-1 sorted by the original value (-1 -> 0, 0 -> 1, 1 -> 2); the
mapping is saved in the plan and decodes predictions back.

## References
- tplusone/hanser_ml_zeitreihen#3: classes coded -6..+6 gave NaN predictions.
"""

from collections.abc import Iterator

from labelcheck.rules._labels import integer_classes, zero_symmetric
from labelcheck.rules.base import Finding, RuleContext, fmt_values, rule


@rule(
    "LC206",
    "label-zero-symmetric",
    "error",
    fix="reindex-labels",
    fix_title="Reindex the labels to 0..K-1 (mapping saved)",
    summary="class ids symmetric around 0: {-1, 0, 1}, {-1, 1} (except with a hinge loss)",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    if ctx.options.hinge:
        return
    classes = integer_classes(ctx)
    if classes is None:
        return
    ids = [v for v, _ in classes]
    if zero_symmetric(ids):
        rows = sum(c for v, c in classes if v < 0)
        mapping = ", ".join(f"{v} -> {i}" for i, v in enumerate(ids[:5]))
        yield ctx.finding(
            check,
            ctx.label_name,
            f"class ids {{{fmt_values(ids)}}} are symmetric around 0 ({rows:,} rows "
            f"negative); class ids must be 0..{len(ids) - 1}: reindex ({mapping})",
            rows=rows,
            values=ids,
        )
