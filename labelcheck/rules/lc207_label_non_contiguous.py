"""LC207 label-non-contiguous: class ids with gaps or not starting at 0.

## What it does
Reports non-negative integer class ids that are not exactly 0..K-1: {1..10},
{0, 1, 5, 9}. Ids already reported as sparse outliers (LC205) are left out,
and negative ids are LC203's and LC206's business.

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
"""

from collections.abc import Iterator

from labelcheck.rules._labels import integer_classes
from labelcheck.rules.base import Finding, RuleContext, fmt, rule


@rule(
    "LC207",
    "label-non-contiguous",
    "warning",
    fix="reindex-labels",
    fix_title="Reindex the labels to 0..K-1 (mapping saved)",
    summary="ids with gaps or not starting at 0: {1..10}, {0,1,5,9}",
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
    missing = sorted(set(range(int(lo), int(hi) + 1)) - set(ids))
    if lo != 0:
        why = f"start at {fmt(lo)}, not 0"
        if missing:
            why += f", with {len(missing):,} missing ids in between"
    else:
        why = f"have {len(missing):,} missing ids in 0..{fmt(hi)} (e.g. {missing[0]})"
    yield ctx.finding(
        check,
        ctx.label_name,
        f"{len(ids):,} class ids {why}; a model sized by max(y)+1 = {int(hi) + 1} has "
        f"{int(hi) + 1 - len(ids)} outputs that never occur",
        values=ids,
    )
