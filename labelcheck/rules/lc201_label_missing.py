"""LC201 label-missing: null or NaN labels.

## What it does
Counts the label values that are null or NaN (for one-hot/probability list
labels: the rows that are null or hold a NaN entry).

## Why is this bad?
A NaN target makes that example's loss NaN, and the mean loss of its batch
with it; the NaN gradient then corrupts every weight. Some libraries fail
with misleading errors instead.

## Example
```
y: [0, 1, NaN, 2]
```

## Fix
Drop the rows (there is no sound way to impute a label).

## References
- dmlc/xgboost#2467: NaN labels produce the misleading error "label must be
  nonnegative".
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules.base import DropRows, Finding, Proposal, RuleContext, plural, rule


@rule(
    "LC201",
    "label-missing",
    "error",
    fix="drop-rows",
    fix_title="Drop the rows without a label",
    summary="null or NaN labels",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    lab = ctx.label
    if lab is None or not lab.missing:
        return
    if lab.kind == "list":  # one-hot/probability rows: count rows, not NaN entries
        rows = lab.nulls + lab.list_nan_rows
        detail = f"{lab.nulls:,} null, {lab.list_nan_rows:,} with a NaN entry"
    else:
        rows, detail = lab.missing, f"{lab.nulls:,} null, {lab.nan:,} NaN"
    yield ctx.finding(
        check,
        ctx.label_name,
        f"{rows:,} missing labels ({detail}) in {plural(lab.count, 'row')}; drop those rows",
        rows=rows,
    )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    return [DropRows(finding.column, "missing")] if finding.column else []
