"""LC303 split-leakage: rows of this split whose features also occur in the reference split.

## What it does
With a reference split (`labelcheck scan TEST --reference TRAIN`, or a
directory of named splits), looks up every row's features among the
reference's rows, exactly, and counts the rows found, how many of them also
carry the same label, and the first row numbers (`--rows-out FILE` lists them
all, each with the reference row it matches). Only the feature columns both
splits have are compared (the report says which are missing); the split's own
duplicates and conflicts (LC301, LC302) are on all its columns. Values are
compared, not their encodings: an integer equals the same float, a timestamp
stored in microseconds equals it stored in nanoseconds, and a column that is
text in one split and numbers in the other (numbers with a `?` marker) is
compared as the numbers LC110's fix casts it to. A column whose types cannot be
reconciled (timestamps in one split, numbers in the other) is named in a warning
and left out of the comparison.

## Why is this bad?
A test row that is also a training row is scored on memory, not on
generalisation: test metrics are inflated, model selection is biased, and the
number is wrong by exactly the leak. Leaks come from splitting after
augmentation or oversampling, from near-identical records in both dumps, or
from a test set assembled from training files (one project found 7.4% of its
test set in train; huggingface dataset-viewer#2994 asks for this check).

## Example
```
LC303 error: 74 of 1,000 rows (7.4%) also occur in the reference train.parquet
      (70 with the same label); e.g. rows 4, 19 and 33
```

## Fix
`labelcheck fix TEST --reference TRAIN -o TEST.fixed.parquet` drops the leaked
rows from the scanned split (never from the reference); the plan counts them.
`labelcheck apply` never drops rows of inference data for leakage.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules.base import (
    DropGroups,
    Finding,
    Proposal,
    RuleContext,
    Unfixed,
    fmt_rows,
    plural,
    rule,
)


@rule(
    "LC303",
    "split-leakage",
    "error",
    fix="drop-rows",
    fix_title="Drop the leaked rows from this split (fix --reference)",
    summary="rows of this split whose features occur in the reference split (`--reference`)",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    where = f" {ctx.reference_name}" if ctx.reference_name else ""
    for name, types in ctx.stats.plan.row_unmatched:
        yield ctx.finding(
            check,
            name,
            f"not compared with the reference{where}: its types cannot be reconciled "
            f"({types}), so leaked rows were looked up on the other features only",
            severity="warning",
            fix_title="Give the column one type in every split, then scan again",
        )
    leak = ctx.stats.leak
    if leak is None or leak.leaked.size == 0:
        return
    n = int(leak.leaked.size)
    share = n / leak.rows
    same = f" ({leak.same_label:,} with the same label)" if ctx.label_name else ""
    compared = ""
    missing = [f for f in ctx.stats.plan.features if f not in leak.columns]
    if missing:
        compared = f"; compared on the {len(leak.columns)} features both splits have"
    yield ctx.finding(
        check,
        None,
        f"{n:,} of {plural(leak.rows, 'row')} ({share:.1%}) also occur in the reference"
        f"{where}{same}; e.g. {fmt_rows(leak.leaked[:5].tolist())}{compared}; drop them from "
        "this split",
        rows=n,
        row_numbers=leak.leaked[:10].tolist(),
    )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    if finding.column in dict(ctx.stats.plan.row_unmatched):  # not compared: no rows
        return [Unfixed()]
    return [DropGroups("leaked", "none")]
