"""LC504 sequence-empty: rows with no tokens at all.

## What it does
Reports rows whose token list (`input_ids`, or the first token column) is
empty or null: text that tokenized to nothing, a failed `.map`.

## Why is this bad?
A zero-length row has nothing to attend to and nothing to predict: mean
pooling divides by zero, a batch of such rows has an empty loss (NaN), and
collators that stack rows fail on a zero-width tensor.

## Example
```
input_ids: 3 empty rows: rows 2, 40 and 77
```

## Fix
Drop the rows.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._tokens import anchor, drop_failing, rows_text
from labelcheck.rules.base import Finding, Proposal, RuleContext, plural, rule


@rule(
    "LC504",
    "sequence-empty",
    "error",
    fix="drop-rows",
    fix_title="Drop the rows",
    summary="zero-length token rows: nothing to attend to, NaN pooling and loss",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    found = anchor(ctx)
    if found is None:
        return
    name, stats = found
    count, rows = stats.flagged("empty")
    if count:
        yield ctx.finding(
            check,
            name,
            f"{plural(count, 'empty row')}: {rows_text(rows, count)}",
            rows=count,
            row_numbers=rows,
        )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, strategies: Strategies) -> list[Proposal]:
    return drop_failing(finding, "empty")
