"""LC302 conflicting-labels: rows with identical features but different labels.

## What it does
Groups rows by all their features and reports the groups that carry more
than one distinct label: how many groups and rows, and a few examples with
their labels (`--rows-out FILE` writes every row with its group). Exact, on
any number of rows: users of sampling tools ask for every index, not the top
five (deepchecks#1514, #1725), and hit `MemoryError` grouping in pandas
(deepchecks#363).

As for LC301, low-cardinality features (at most `low_cardinality_rows`
distinct feature rows, four rows or more each) make conflicts natural: the
label is then not a function of the features (irreducible error), and the
finding is `info`.

## Why is this bad?
The model is asked to map one input to two answers: the loss cannot go below
the conflict's share, gradients of the copies cancel, and the accuracy
ceiling drops. Conflicts are usually labelling noise (two annotators), a
label that depends on a column that was dropped, or a join on the wrong key.

## Example
```
LC302 warning: 12 groups of rows (31 rows) have identical features but different labels;
      e.g. rows 5 (y=1) and 9 (y=0)
```

## Fix
`labelcheck fix --conflicts drop` drops every row of a conflicting group (the
default); `--conflicts majority` keeps the rows with the group's most common
label (a tie goes to the label of the group's first row) and drops the
others. Both are counted, and apply only to the data `fix` fitted on:
`labelcheck apply` never drops rows of new data for this.
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
    fmt,
    plural,
    rule,
)


@rule(
    "LC302",
    "conflicting-labels",
    "warning",
    fix="drop-rows",
    fix_title="Drop the conflicting groups (or keep each group's majority label)",
    summary="identical features, different labels",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    summary = ctx.stats.row_summary
    if summary is None or summary.conflicts.n_rows == 0:
        return
    conf = summary.conflicts
    group = conf.group == 0
    rows, labs = conf.rows[group][:4].tolist(), conf.lab[group][:4].tolist()
    label = summary.label or "label"
    example = ", ".join(
        f"{r} ({label}={fmt(summary.label_of(k))})" for r, k in zip(rows, labs, strict=True)
    )
    message = (
        f"{plural(conf.n_groups, 'group')} of rows ({conf.n_rows:,} rows) have identical "
        f"features but different labels; e.g. rows {example}"
    )
    if not summary.labels_confirmed:
        message += " (text labels could not all be confirmed; counts may include a collision)"
    severity = None
    if low_cardinality(summary, ctx.options.thresholds):
        severity = "info"
        message += (
            f"; the features take only {summary.distinct_features:,} distinct values, so the "
            "label cannot be a function of them: expected, not a labelling error"
        )
    yield ctx.finding(
        check,
        ctx.label_name,
        message,
        rows=conf.n_rows,
        severity=severity,
        row_numbers=conf.rows[:10].tolist(),
        groups=conf.n_groups,
    )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    if finding.severity == "info":  # low-cardinality data: the label is not a function
        return [Unfixed("conflicts are expected here; raise LC302's severity to drop them")]
    return [DropGroups("conflicts", "majority" if how.conflicts == "majority" else "none")]
