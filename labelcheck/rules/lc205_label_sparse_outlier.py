"""LC205 label-sparse-outlier: a few rows whose class ids are far from all the others.

## What it does
Finds class ids held by a few rows (at most 3, or 5% of rows) that lie far
beyond the rest of the ids: one 8000 among 0..100, or among 0..4 in a
21-row file. "Far" means more than `outlier_gap` (default 5) spreads of the
other ids past their edge; a contiguous long tail (0..999) or a heavily
imbalanced binary label never qualifies, and the other ids must include at
least two distinct values (a mask coded {0, 255} has two classes, which LC207
reports). Values declared with `--ignore-index` are excluded.

## Why is this bad?
Code that sizes the output layer from the data (`n_classes = max(y) + 1`)
builds 8001 outputs for 5 real classes; code that sizes it from the real
classes indexes out of bounds. Either way the loss is NaN or the run crashes
(`IndexError: Target 8000 is out of bounds`, `device-side assert triggered`).
Such ids are typos, sentinels or ignore markers.

## Example
```
y: 0, 3, 1, 4, 2, ..., 8000   # 20 rows in 0..4, one row labelled 8000
```

## Fix
Drop those rows (the default), or reindex the labels if the value is a real
class; if it is an ignore marker (255, -100), pass `--ignore-index`.

## References
- The classic NaN-loss Q&A: 5 softmax outputs, labels 0..4 plus one 8000.
- keras-team/keras#2450; tensorflow/tensorflow#8484.
- PaddlePaddle/PaddleSeg#1110: 255 used as a class in masks.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._labels import marker_hint
from labelcheck.rules.base import (
    DropRows,
    Finding,
    Proposal,
    Reindex,
    RuleContext,
    fmt,
    fmt_values,
    plural,
    rule,
)


@rule(
    "LC205",
    "label-sparse-outlier",
    "error",
    fix="drop-rows",
    fix_title="Drop the rows with the outlier class ids",
    summary="a few rows with ids far from the bulk (one 8000 among 0..4)",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    outliers = ctx.label_outliers
    if not outliers:
        return
    values = [v for v, _ in outliers]
    rows = sum(c for _, c in outliers)
    rest = [v for v, _ in ctx.label_classes() or []]
    bulk = f" (the other ids span {fmt(min(rest))}..{fmt(max(rest))})" if rest else ""
    yield ctx.finding(
        check,
        ctx.label_name,
        f"{plural(rows, 'row')} with class {'id' if len(values) == 1 else 'ids'} "
        f"{fmt_values(values)} far from all the others{bulk}; drop "
        f"{'the row' if rows == 1 else 'those rows'}{marker_hint(values)}",
        rows=rows,
        values=values,
    )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    if finding.column is None:
        return []
    if how.outliers == "reindex":
        return [Reindex("(kept as classes)")]
    values = [v for v, _ in ctx.label_outliers] or list(finding.values)
    return [DropRows(finding.column, "in", tuple(values))]
