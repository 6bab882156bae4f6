"""LC502 sequence-too-long: rows with more real tokens than the model's positions.

## What it does
With `--max-length L` (the model's position embeddings, e.g. 512; `model=` in the
library reads them, and the finding says so), reports
the rows holding more than L real tokens. Real tokens are those whose
attention mask is 1 (or, with only `--pad-id`, those that are not padding),
so left or right padding never counts.

## Why is this bad?
Position embeddings are a table of L rows: position L indexes past its end
(`IndexError: index out of range in self`, or a shape mismatch "The size of
tensor a (513) must match the size of tensor b (512)"). The first batch
holding such a row stops training.

## Example
```
input_ids: 2 rows longer than --max-length 512 (up to 731 real tokens): rows 4 and 19
```

## Fix
Drop the rows (the default), or `fix --long truncate`: every token column of
such a row is cut at L positions together (`input_ids`, `attention_mask`,
`labels`), and rows whose labels are then all ignored are dropped (LC505). At
the source: `truncation=True, max_length=L` when tokenizing.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._tokens import anchor, rows_text
from labelcheck.rules.base import (
    DropRows,
    Finding,
    Proposal,
    RuleContext,
    TruncateTokens,
    Unfixed,
    plural,
    rule,
)


@rule(
    "LC502",
    "sequence-too-long",
    "error",
    fix="drop-rows",
    fix_title="Drop the rows or truncate them at --max-length",
    summary="rows longer than the position embeddings: index out of range",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    found = anchor(ctx)
    plan = ctx.stats.plan.tokens
    if found is None or plan is None or plan.max_length is None:
        return
    name, stats = found
    count, rows = stats.flagged("long")
    if count:
        yield ctx.finding(
            check,
            name,
            f"{plural(count, 'row')} longer than "
            f"{ctx.options.said('max_length', f'--max-length {plan.max_length:,}')} "
            f"(up to {stats.max_length:,} real tokens): {rows_text(rows, count)}",
            rows=count,
            values=[plan.max_length],
            row_numbers=rows,
        )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, strategies: Strategies) -> list[Proposal]:
    plan = ctx.stats.plan.tokens
    bound = ctx.options.max_length or (finding.values[0] if finding.values else None)
    if finding.column is None or bound is None:
        return [Unfixed()]
    mask = plan.mask if plan is not None else None
    if strategies.long == "truncate":
        others = tuple(n for n, _ in plan.roles if n != finding.column) if plan else ()
        return [TruncateTokens(finding.column, int(bound), others, mask, ctx.options.pad_id)]
    return [
        DropRows(
            finding.column,
            "longer",
            bound=bound,
            columns=(mask,) if mask else (),
            pad=ctx.options.pad_id,
        )
    ]
