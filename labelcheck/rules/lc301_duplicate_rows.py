"""LC301 duplicate-rows: rows identical in every checked column.

## What it does
Hashes every row (the features and the label) and counts, exactly, the rows
that repeat an earlier row: how many copies, in how many groups, and the row
numbers of the first groups (`--rows-out FILE` writes every one). NaN equals
NaN, `-0.0` equals `0.0`, and a null differs from every value, as in
`pandas.DataFrame.duplicated`.

Low-cardinality data is judged differently: when the features take at most
`low_cardinality_rows` (default 256) distinct combinations and there are at
least four rows per combination (a handful of binary or small-integer
features), repeats are what the data is made of. The finding is then `info`,
says so, and `fix` leaves the rows alone unless the severity is raised.

## Why is this bad?
A row that appears ten times weighs ten times in the loss: the model is
trained on a re-weighted dataset nobody chose, and copies that straddle a
train/validation split inflate validation scores. Duplicates usually come
from a join that fanned out, an append run twice, or oversampling done before
splitting (great_expectations#517, deepchecks `DataDuplicates`).

## Example
```
LC301 warning: 1,204 rows repeat an earlier row (1,000 groups, 2,204 rows involved;
      e.g. rows 3 and 17 are the same row); drop the copies
```

## Fix
`labelcheck fix` drops the copies and keeps the first row of each group (the
plan records the count). `labelcheck apply` never drops duplicates of new
data: repeated inference rows are legitimate requests.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._rows import low_cardinality
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
    "LC301",
    "duplicate-rows",
    "warning",
    fix="drop-rows",
    fix_title="Drop the copies, keep the first row of each group",
    summary="rows identical in every checked column (info for low-cardinality features)",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    summary = ctx.stats.row_summary
    if summary is None or summary.duplicates.n_rows == 0:
        return
    dups = summary.duplicates
    copies = dups.n_rows - dups.n_groups
    first = dups.examples(groups=1, rows=5)[0]
    message = (
        f"{plural(copies, 'row')} repeat an earlier row ({plural(dups.n_groups, 'group')}, "
        f"{dups.n_rows:,} rows involved; e.g. {fmt_rows(first)} are the same row)"
    )
    severity = None
    if low_cardinality(summary, ctx.options.thresholds):
        severity = "info"
        message += (
            f"; the features take only {summary.distinct_features:,} distinct values over "
            f"{summary.rows:,} rows, so repeats are expected: drop them only if each row "
            "should be unique"
        )
    else:
        message += "; drop the copies"
    yield ctx.finding(
        check,
        None,
        message,
        rows=copies,
        severity=severity,
        row_numbers=[r for group in dups.examples() for r in group][:10],
        groups=dups.n_groups,
    )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    if finding.severity == "info":  # low-cardinality data: repeats are what it is made of
        return [Unfixed("repeats are expected here; raise LC301's severity to drop them")]
    return [DropGroups("duplicates", "first")]
