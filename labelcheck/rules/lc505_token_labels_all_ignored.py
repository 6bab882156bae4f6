"""LC505 token-labels-all-ignored: rows whose labels are all the ignore index.

## What it does
Reports rows of a token-label column (`labels`, `label_ids`, `--token-labels`)
where every label is the ignore index (`--ignore-index`, default -100): no
token of the row is trained on. Truncation creates them by cutting off the
response of a prompt-response pair.

## Why is this bad?
`CrossEntropyLoss(reduction="mean")` averages over the non-ignored tokens: a
batch made only of such rows averages over zero tokens and the loss is NaN,
which then poisons every weight. Small batches hit it (batch size 1 always).

## Example
```
labels: 2 rows whose labels are all -100: rows 5 and 9
```

## Fix
Drop the rows.

## References
- pytorch/pytorch#70348, #116349: NaN loss when every target is ignored.
- OpenRLHF/OpenRLHF#583; nvidia-cosmos/cosmos-rl#155.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._tokens import drop_failing, rows_text, token_columns
from labelcheck.rules.base import Finding, Proposal, RuleContext, plural, rule


@rule(
    "LC505",
    "token-labels-all-ignored",
    "warning",
    fix="drop-rows",
    fix_title="Drop the rows",
    summary="rows with every label ignored: a batch of them has a NaN loss",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in token_columns(ctx, "labels", "classes"):
        count, rows = stats.flagged("ignored")
        if count:
            yield ctx.finding(
                check,
                name,
                f"{plural(count, 'row')} whose labels are all {stats.plan.ignore_index}: "
                f"{rows_text(rows, count)}",
                rows=count,
                values=[stats.plan.ignore_index],
                row_numbers=rows,
            )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, strategies: Strategies) -> list[Proposal]:
    return drop_failing(finding, "all-ignored", ignore=_ignore(ctx))


def _ignore(ctx: RuleContext) -> int:
    plan = ctx.stats.plan.tokens
    if plan is not None:
        return plan.ignore_index
    from labelcheck.stats.tokens import IGNORE_INDEX

    return IGNORE_INDEX
