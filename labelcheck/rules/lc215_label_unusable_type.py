"""LC215 label-unusable-type: a label column no loss can take as a target.

## What it does
Reports a label column whose type is neither a number, a bool, a string or
category, nor a list of numbers (one-hot or probability rows): timestamps,
dates, durations, structs, maps, raw bytes, lists of strings.

## Why is this bad?
Every loss compares the model's output with a number (or a class id derived
from one). A timestamp or a struct has no such meaning: frameworks fail when
the batch is converted to a tensor (`TypeError: can't convert np.ndarray of
type numpy.object_`), or a silent cast turns dates into nanoseconds since
1970, a regression target near 1.6e18 that diverges at once. Usually the
label option points at the wrong column.

## Example
```
y: [2024-01-01 09:30, 2024-01-02 17:05, ...]     # timestamp[ms]
y: [{'a': 1}, {'a': 2}, ...]                      # struct<a: int64>
```

## Fix
Point `--label` at the real target column, or derive a number from this one
before training (seconds since an event, a class id per distinct value, one
field of the struct). There is no automatic fix: only you know the meaning.
"""

from collections.abc import Iterator

from labelcheck.rules.base import Finding, RuleContext, rule


@rule(
    "LC215",
    "label-unusable-type",
    "error",
    fix_title="Pick the real label column, or derive numbers from this one",
    summary="a label column no loss can take: timestamps, structs, bytes",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    lab = ctx.label
    # "null" (no type at all, every value missing) is LC201's: all labels are missing.
    if lab is None or lab.kind != "other" or lab.dtype == "null":
        return
    seen = f", e.g. {', '.join(lab.examples[:2])}" if lab.examples else ""
    yield ctx.finding(
        check,
        ctx.label_name,
        f"the label column is of type {lab.dtype}{seen}: no loss can take it as a target; "
        "pass --label with the real target, or derive numbers from it",
        rows=lab.count,
    )
