"""LC507 sequence-length-mismatch: a row's token columns differ in length.

## What it does
Reports rows whose `input_ids`, `attention_mask`, `labels` (and every other
token column) do not all have the same length, and names the columns that
differ from `input_ids`.

## Why is this bad?
The model multiplies the mask into the scores and compares logits with
labels position by position: different lengths fail with a shape mismatch
(`Expected input batch_size (512) to match target batch_size (511)`), or,
after padding each column separately, silently align labels with the wrong
tokens.

## Example
```
input_ids: 1 row whose token columns differ in length (labels): row 4
```

## Fix
Drop the rows (and re-tokenize the columns together).
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._tokens import anchor, drop_failing, rows_text
from labelcheck.rules.base import Finding, Proposal, RuleContext, plural, rule


@rule(
    "LC507",
    "sequence-length-mismatch",
    "error",
    fix="drop-rows",
    fix_title="Drop the rows",
    summary="input_ids, attention_mask and labels of different lengths in a row",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    found = anchor(ctx)
    if found is None:
        return
    name, stats = found
    count, rows = stats.flagged("mismatch")
    if count:
        yield ctx.finding(
            check,
            name,
            f"{plural(count, 'row')} whose token columns differ in length "
            f"({', '.join(stats.mismatched)} vs {name}): {rows_text(rows, count)}",
            rows=count,
            values=list(stats.mismatched),
            row_numbers=rows,
        )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, strategies: Strategies) -> list[Proposal]:
    others = tuple(str(v) for v in finding.values)  # the columns that differed
    return drop_failing(finding, "lengths-differ", columns=others)
