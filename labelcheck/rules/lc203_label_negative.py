"""LC203 label-negative: negative class ids.

## What it does
Reports negative values in a classification label (except with a hinge loss,
whose labels are -1/+1, and except ids symmetric around 0, which LC206
reports). Values declared with `--ignore-index` are excluded, and so are a
few far-off ids that LC205 already reports (-100 among 0..9).

## Why is this bad?
A class id indexes the output vector: `log_softmax(logits)[-1]` is an index
error on CPU and a device-side assert (or silent garbage) on GPU, and a
negative target in a log-based loss takes the log of a negative number: NaN.

## Example
```
y: [-1, 0, 1, 2]   # -1 meant "unknown"
```

## Fix
Reindex the labels to 0..K-1 (the mapping is saved to decode predictions),
or, if the value is a deliberate "ignore" marker such as -100, declare it with
`--ignore-index`.

## References
- "negative labels with a log-based loss" in the classic NaN-loss Q&A.
"""

from collections.abc import Iterator

from labelcheck.rules._labels import integer_classes, marker_hint, zero_symmetric
from labelcheck.rules.base import Finding, RuleContext, fmt_values, plural, rule


@rule(
    "LC203",
    "label-negative",
    "error",
    fix="reindex-labels",
    fix_title="Reindex the labels to 0..K-1",
    summary="negative class ids: index errors, NaN in log-based losses",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    lab = ctx.numeric_label
    if lab is None or not ctx.classification or ctx.options.hinge or not lab.negative:
        return
    classes = integer_classes(ctx)
    if classes is not None and zero_symmetric([v for v, _ in classes]):
        return  # LC206 says it better
    items = lab.sorted_distinct()
    if items is None:  # too many distinct values to list: the smallest ones kept
        values, rows = sorted({v for v in lab.bottom if v < 0}), lab.negative
    else:
        # A few far-off ids (-100 among 0..9) are LC205's, which says the same with its fix.
        skip = {v for v, _ in ctx.label_outliers} if ctx.options.enabled("LC205") else set()
        negative = [(v, c) for v, c in items if v < 0 and v not in skip]
        values, rows = [v for v, _ in negative], sum(c for _, c in negative)
    if not values:
        return
    yield ctx.finding(
        check,
        ctx.label_name,
        f"{plural(rows, 'row')} with negative class ids ({fmt_values(values)}); "
        f"class ids index the output, so they must be >= 0: reindex to 0..K-1"
        f"{marker_hint(values)}",
        rows=rows,
        values=values,
    )
