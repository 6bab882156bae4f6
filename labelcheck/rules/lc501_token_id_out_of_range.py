"""LC501 token-id-out-of-range: token ids at or beyond the vocabulary, or negative.

## What it does
Checks the ids of every token-id column (`input_ids`, `decoder_input_ids`, a
causal LM's `labels` apart from the ignore index) against the vocabulary:
`--vocab-size` (the model's embedding size, or `model=`'s token embedding in the
library: the finding says which) and a `--tokenizer tokenizer.json`
(its largest id, in the vocabulary or the added tokens, plus one) are each
checked. Negative ids are always reported. Without either bound, a few ids far
above all the others are reported (the sparse-outlier test of LC205, from 100
tokens on): 50256 among ids below 4096 is caught, 4096 and 4097 next to the
bulk are not.

## Why is this bad?
`nn.Embedding` indexes its weight with the id: an id >= the embedding size
raises `IndexError: index out of range in self` on CPU and a device-side
assert on GPU, which kills the run at the first batch holding it. It happens
when a tokenizer gained added tokens but the model's embeddings were never
resized, or when data was tokenized by another model's tokenizer.

## Example
```
input_ids: 2 rows hold ids beyond --vocab-size 32,000: 32000, 32001; rows 7 and 91
```

## Fix
Not fixable by dropping data: re-tokenize with the model's tokenizer, or
resize the embeddings (`model.resize_token_embeddings(len(tokenizer))`). The
finding names the ids.

## References
- huggingface/transformers#12763, #11102, #30211: index out of range in self.
- huggingface/tokenizers#1609: "Token ID 128256 out of range".
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from labelcheck.options import Strategies
from labelcheck.rules._tokens import rows_text, token_columns, verb
from labelcheck.rules.base import (
    Finding,
    Proposal,
    RuleContext,
    Unfixed,
    fmt_values,
    plural,
    rule,
)
from labelcheck.rules.extremes import sparse_extremes

if TYPE_CHECKING:  # the kind's module loads with its first column (start-up)
    from labelcheck.stats.tokens import TokenStats

#: Tokens needed before ids are judged without a vocabulary (a few ids say nothing).
MIN_TOKENS = 100


@rule(
    "LC501",
    "token-id-out-of-range",
    "error",
    fix_title="Re-tokenize with the model's tokenizer or resize the embeddings",
    summary="token ids beyond the embedding: IndexError / device-side assert",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    plan = ctx.stats.plan.tokens
    for name, stats in token_columns(ctx, "ids", "labels"):
        count, rows = stats.flagged("out_of_range")
        if count:
            ids = sorted(stats.bad_ids)
            bounds = []
            vocab = plan.vocab_size if plan else None
            if vocab is not None and any(i >= vocab for i in ids):
                # "--vocab-size 100", or "vocab_size 100 from the model's token embedding ..."
                bounds.append("beyond " + ctx.options.said("vocab_size", f"--vocab-size {vocab:,}"))
            tokenizer = plan.tokenizer_vocab if plan else None
            if tokenizer is not None and any(i >= tokenizer for i in ids):
                bounds.append(f"beyond the tokenizer's range {tokenizer:,}")
            if any(i < 0 for i in ids):
                bounds.append("below 0")
            yield ctx.finding(
                check,
                name,
                f"{plural(count, 'row')} {verb(count, 'holds', 'hold')} ids "
                f"{' and '.join(bounds)}: "
                f"{fmt_values(ids)}; {rows_text(rows, count)}",
                rows=count,
                values=ids,
                row_numbers=rows,
            )
        elif plan is not None and plan.vocab is None and stats.values.n >= MIN_TOKENS:
            high = [
                (v, c)
                for v, c in sparse_extremes(stats.values, ctx.options.thresholds, floor=1.0)
                if stats.values.max is not None and v > (stats.values.mean or 0)
            ]
            if high:
                ids = sorted(int(v) for v, _ in high)
                tokens = sum(c for _, c in high)
                known, rows, complete = stats.rows_at_least(ids[0])
                where = rows_text(rows, known if complete else known + 1)
                yield ctx.finding(
                    check,
                    name,
                    f"{plural(tokens, 'token')} {verb(tokens, 'holds an id', 'hold ids')} "
                    f"far above all the others: {fmt_values(ids)} (the others go up to "
                    f"{_bulk_max(stats, ids):,}), {where}; no vocabulary declared: pass "
                    "--vocab-size or --tokenizer to check every id",
                    rows=known if complete else None,
                    values=ids,
                    row_numbers=rows,
                )


def _bulk_max(stats: "TokenStats", outliers: list[int]) -> int:
    distinct = stats.values.sorted_distinct()
    if distinct is not None:
        rest = [int(v) for v, _ in distinct if int(v) not in outliers]
        return max(rest) if rest else 0
    rest = [int(v) for v in stats.values.top if int(v) not in outliers]
    return max(rest) if rest else 0


@check.fixer
def fix(finding: Finding, ctx: RuleContext, strategies: Strategies) -> list[Proposal]:
    ids = fmt_values(list(finding.values))
    return [
        Unfixed(
            f"re-tokenize with the model's tokenizer, or resize the embeddings "
            f"(model.resize_token_embeddings): ids {ids}"
        )
    ]
