"""LC503 attention-mask-empty: rows whose attention mask is all zeros.

## What it does
Reports the rows of an attention-mask column (`attention_mask`) holding
tokens but no 1: the model is told to attend to nothing. Empty rows are
LC504's, not reported here too.

## Why is this bad?
Masking with `-inf` (`nn.MultiheadAttention`, hand-written attention) turns a
row of all `-inf` scores into a softmax of NaN, and the NaN spreads to the
loss and every weight; mean pooling divides 0 by 0. torch's fused
`scaled_dot_product_attention` returns 0 instead: the row then silently
trains on nothing.

## Example
```
attention_mask: 1 row whose mask is all 0: row 12
```

## Fix
Drop the rows.

## References
- pytorch/pytorch#41508, #103749: NaN from fully masked rows.
- tracel-ai/burn#4697.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._tokens import drop_failing, rows_text, token_columns
from labelcheck.rules.base import Finding, Proposal, RuleContext, plural, rule


@rule(
    "LC503",
    "attention-mask-empty",
    "error",
    fix="drop-rows",
    fix_title="Drop the rows",
    summary="all-zero attention masks: NaN softmax, 0/0 mean pooling",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in token_columns(ctx, "mask"):
        count, rows = stats.flagged("masked")
        if count:
            yield ctx.finding(
                check,
                name,
                f"{plural(count, 'row')} whose mask is all 0: {rows_text(rows, count)}",
                rows=count,
                row_numbers=rows,
            )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, strategies: Strategies) -> list[Proposal]:
    return drop_failing(finding, "all-zero")
