"""LC508 sequence-nested: lists of lists where a flat token list is expected.

## What it does
Reports token columns (`input_ids` & co, or declared with `--tokens`) whose
rows are lists of lists: a batch of batches saved as one row, or a tokenizer
called on a list of texts per row.

## Why is this bad?
The model expects one sequence per row: a nested row becomes a 3-D tensor
(`ValueError: too many dimensions`), or a collator pads the inner lists as if
they were tokens and the model trains on garbage.

## Example
```
input_ids: 4 rows are lists of lists, not token lists: rows 0, 1, 2 and 3
```

## Fix
Flatten or explode the column when preparing the data (one sequence a row).
"""

from collections.abc import Iterator

from labelcheck.rules._tokens import rows_text, token_columns, verb
from labelcheck.rules.base import Finding, RuleContext, plural, rule


@rule(
    "LC508",
    "sequence-nested",
    "error",
    fix_title="Flatten the column to one token list a row",
    summary="lists of lists where token lists are expected: wrong tensor shape",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in token_columns(ctx):
        count, rows = stats.flagged("nested")
        if count:
            yield ctx.finding(
                check,
                name,
                f"{plural(count, 'row')} {verb(count, 'is a list', 'are lists')} of lists, "
                "not token lists: "
                f"{rows_text(rows, count)}",
                rows=count,
                row_numbers=rows,
            )
