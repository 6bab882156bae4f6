"""LC506 token-label-out-of-range: per-token class labels outside [0, n_classes).

## What it does
For token classification (`--token-labels COL`, or `labels` with
`--n-classes`), reports rows holding a label outside `[0, n_classes)` other
than the ignore index (`--ignore-index`, default -100): a tag id from another
label set, a -1 used as "no label".

## Why is this bad?
`CrossEntropyLoss` indexes the logits with the label: `IndexError: Target 9
is out of bounds` on CPU, a device-side assert on GPU; a negative label other
than the ignore index fails the same way.

## Example
```
labels: 1 row holds labels outside [0, 9): 12; row 3
```

## Fix
When the labels in use fit in `n_classes`, reindex them (the mapping is
saved); else drop the rows.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._tokens import rows_text, token_columns, verb
from labelcheck.rules.base import (
    DropRows,
    Finding,
    Proposal,
    ReindexTokens,
    RuleContext,
    Unfixed,
    fmt_values,
    plural,
    rule,
)


@rule(
    "LC506",
    "token-label-out-of-range",
    "error",
    fix="reindex-token-labels",
    fix_title="Reindex the token labels into [0, n_classes) (mapping saved), else drop the rows",
    summary="token class labels outside [0, n_classes): IndexError in the loss",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in token_columns(ctx, "classes"):
        count, rows = stats.flagged("out_of_range")
        if not count:
            continue
        ids = sorted(stats.bad_ids)
        yield ctx.finding(
            check,
            name,
            f"{plural(count, 'row')} {verb(count, 'holds', 'hold')} labels outside "
            f"[0, {stats.plan.n_classes}): "
            f"{fmt_values(ids)}; {rows_text(rows, count)}",
            rows=count,
            values=ids,
            row_numbers=rows,
        )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, strategies: Strategies) -> list[Proposal]:
    plan = ctx.stats.plan.tokens
    n = ctx.options.n_classes  # LC506 only fires with it
    if finding.column is None:
        return [Unfixed()]
    ignore = plan.ignore_index if plan is not None else None
    stats = ctx.stats.of_kind("tokens").get(finding.column)
    used = None if stats is None else stats.values.sorted_distinct()
    if used is not None and n is not None and len(used) <= n:
        # The labels in use fit in n_classes: number them 0..K-1 (the mapping is saved).
        return [ReindexTokens(finding.column, tuple(int(v) for v, _ in used), ignore)]
    return [DropRows(finding.column, "out-of-range", bound=n, ignore=ignore)]
