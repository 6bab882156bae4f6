"""LC207 label-non-contiguous: class ids with gaps or not starting at 0.

## What it does
Reports non-negative integer class ids that are not exactly 0..K-1: {1..10},
{0, 1, 5, 9}. Ids already reported as sparse outliers (LC205) are left out,
and negative ids are LC203's and LC206's business. The finding's row count is
the number of rows whose label reindexing changes. Ids including 255 get a
note: 255 is the default `ignore_index` of segmentation losses.

## Why is this bad?
Code that sizes the output from `max(y) + 1` wastes outputs on classes that
never occur, and code that sizes it from the number of classes indexes out of
bounds for the largest ids: NaN loss or a crash. Tools that build per-class
tables from the largest id break on gaps.

## Example
```
y: 1, 2, 3, 4, 6, 8     # no 0, no 5, no 7
```

## Fix
Reindex to 0..K-1 sorted by original value (mapping saved to decode
predictions).

## References
- matterport/Mask_RCNN#667: ids [1,2,3,4,6,8] led to NaN loss.
- WeiTang114/MVCNN-TensorFlow#8: labels 1..40 instead of 0..39.
- cleanlab/cleanlab#613: gaps in class ids break tools.
- PaddlePaddle/PaddleSeg#1110: binary masks coded 0/255 while 255 is the
  default ignore_index: the loss stays 0.
"""

from collections.abc import Iterator
from typing import Any

from labelcheck.rules._labels import integer_classes
from labelcheck.rules.base import Finding, RuleContext, fmt, plural, rule


@rule(
    "LC207",
    "label-non-contiguous",
    "warning",
    fix="reindex-labels",
    fix_title="Reindex the labels to 0..K-1 (mapping saved)",
    summary="class ids with gaps or not starting at 0: {1..10}, {0, 1, 5, 9}",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    if ctx.options.hinge:
        return
    classes = integer_classes(ctx)
    if not classes:
        return
    ids = [v for v, _ in classes]
    lo, hi = ids[0], ids[-1]
    if lo < 0 or (lo == 0 and hi == len(ids) - 1):
        return
    n_missing = int(hi) - int(lo) + 1 - len(ids)  # ids are distinct integers in lo..hi
    if lo != 0:
        why = f"start at {fmt(lo)}, not 0"
        if n_missing:
            why += f", with {plural(n_missing, 'missing id')} in between"
    else:
        first_gap = next(i for i, v in enumerate(ids) if v != i)
        why = f"have {plural(n_missing, 'missing id')} in 0..{fmt(hi)} (e.g. {first_gap})"
    # Reindexing to 0..K-1 changes the label of every row whose id is not its rank.
    moved = sum(c for rank, (v, c) in enumerate(classes) if v != rank)
    unused = int(hi) + 1 - len(ids)
    yield ctx.finding(
        check,
        ctx.label_name,
        f"{len(ids):,} class ids {why}; a model sized by max(y)+1 = {int(hi) + 1} has "
        f"{plural(unused, 'output')} for ids that never occur; reindex to 0..{len(ids) - 1} "
        f"(changes the label of {plural(moved, 'row')}){_marker_note(ids)}",
        rows=moved,
        values=ids,
    )


def _marker_note(ids: list[Any]) -> str:
    # PaddlePaddle/PaddleSeg#1110: masks coded 0/255, and 255 is the default ignore_index.
    if 255 in ids:
        return (
            "; note that 255 is the default ignore_index of segmentation losses, so a class "
            "coded 255 is silently ignored"
        )
    return ""
