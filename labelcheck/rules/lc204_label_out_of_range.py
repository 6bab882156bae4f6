"""LC204 label-out-of-range: class ids >= n_classes.

## What it does
With `--n-classes K` (or `n_classes` in a schema), reports label values that
are not below K, with their row counts.

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

from labelcheck.rules.base import Finding, RuleContext, fmt_values, plural, rule


@rule(
    "LC204",
    "label-out-of-range",
    "error",
    fix="reindex-labels",
    fix_title="Reindex the labels to 0..K-1, or drop the rows",
    summary="ids >= n_classes (n_classes from flag/schema), e.g. 1..10 with n_classes=10",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    lab = ctx.numeric_label
    k = ctx.options.n_classes
    if lab is None or k is None or ctx.options.hinge or lab.max is None or lab.max < k:
        return
    items = lab.sorted_distinct()
    if items is not None:
        bad = [(v, c) for v, c in items if v >= k]
        values, rows = [v for v, _ in bad], sum(c for _, c in bad)
    else:
        values, rows = [v for v in lab.top if v >= k], None
    count = plural(rows, "row") if rows is not None else "rows"
    yield ctx.finding(
        check,
        ctx.label_name,
        f"{count} with class ids >= n_classes={k} ({fmt_values(values)}); a model with {k} "
        f"outputs only accepts 0..{k - 1}",
        rows=rows,
        values=values,
    )
