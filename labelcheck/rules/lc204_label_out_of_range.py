"""LC204 label-out-of-range: class ids >= n_classes.

## What it does
With `--n-classes K` (or `n_classes` in a schema, or `model=` in the library:
the output size of its last layer), reports label values that
are not below K, with their row counts. For string labels, reports more than
K distinct classes (encoded 0..K-1 in sorted order, the rest are out of range).

## Why is this bad?
The model has K outputs, indexed 0..K-1. Target K is out of bounds:
PyTorch raises `IndexError: Target 8000 is out of bounds` on CPU and
`device-side assert triggered` on CUDA; TensorFlow's sparse softmax raises on
CPU but returns NaN on GPU. Labels 1..10 for 10 classes (MATLAB-style
numbering) hit this for every example of class 10.

## Example
```
--n-classes 10, y: 1, 2, ..., 10
```

## Fix
Reindex the labels to 0..K-1 (the mapping is saved), or drop the rows whose
labels are genuinely wrong.

## References
- tensorflow/tensorflow#8484 and #10268; keras-team/keras#2450 and #23669;
  pytorch/pytorch#5916; WeiTang114/MVCNN-TensorFlow#8 (labels 1..40).
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules.base import (
    DropRows,
    Finding,
    Proposal,
    Reindex,
    RuleContext,
    fmt_values,
    plural,
    rule,
)


@rule(
    "LC204",
    "label-out-of-range",
    "error",
    fix="reindex-labels",
    fix_title="Reindex the labels to 0..K-1, or drop the rows",
    summary="class ids >= `--n-classes` (1..10 with 10 classes): device-side assert",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    k = ctx.options.n_classes
    if k is None or ctx.options.hinge:
        return
    if ctx.label is not None and ctx.label.kind == "string":
        yield from _too_many_names(ctx, k)
        return
    lab = ctx.numeric_label
    if lab is None or lab.max is None or lab.max < k:
        return
    items = lab.sorted_distinct()
    if items is not None:  # exact, also for ids beyond 2**53 (max is a float)
        bad = [(v, c) for v, c in items if v >= k]
        values, rows = [v for v, _ in bad], sum(c for _, c in bad)
    else:
        values, rows = sorted({v for v in lab.top if v >= k}), None
    if not values:
        return
    count = plural(rows, "row") if rows is not None else "rows"
    origin = ctx.options.origins.get("n_classes")  # "the model's last layer Dense(5)"
    said = f" (from {origin})" if origin else ""
    yield ctx.finding(
        check,
        ctx.label_name,
        f"{count} with class {'id' if len(values) == 1 else 'ids'} >= n_classes={k}{said} "
        f"({fmt_values(values)}); a model with {k} outputs only accepts 0..{k - 1}: reindex "
        "the labels, or drop the rows",
        rows=rows,
        values=values,
    )


def _too_many_names(ctx: RuleContext, k: int) -> Iterator[Finding]:
    """String classes: encoded 0..K-1 in sorted order, the ones past k-1 are out of range."""
    items = ctx.label_classes()
    if not items or len(items) <= k:
        return
    extra = items[k:]
    yield ctx.finding(
        check,
        ctx.label_name,
        f"{len(items):,} distinct classes but n_classes={k}: encoded as 0..{len(items) - 1} "
        f"(sorted), the {plural(sum(c for _, c in extra), 'row')} of "
        f"{fmt_values([v for v, _ in extra])} get ids >= {k}; fix n_classes or the labels",
        rows=sum(c for _, c in extra),
        values=[v for v, _ in extra],
    )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    """Reindex when the classes fit in n_classes outputs; else drop the ids >= n_classes."""
    if finding.column is None or finding.column != ctx.label_name:
        return []
    k = ctx.options.n_classes
    lab = ctx.label
    items = lab.sorted_distinct() if lab is not None else None
    if k is None or lab is None or items is None or len(items) <= k or lab.kind == "string":
        # More names than outputs: which to drop is the user's call (the message says so).
        return [Reindex()]
    return [DropRows(finding.column, "in", tuple(v for v, _ in items if v >= k))]
