"""LC107 feature-non-numeric: a feature column that is not numeric.

## What it does
Reports feature columns of string, timestamp, nested or other non-numeric
types, and says when a string column actually holds numbers (at least half
of its values parse as numbers) or only nulls.

## Why is this bad?
Frameworks either refuse the column (`could not convert string to float`) or,
worse, a pipeline casts it with `errors="coerce"` and every unparsable value
becomes NaN. Numbers stored as strings usually come from a CSV with a stray
header row or a thousands separator.

## Example
```
price: ['12.5', '13.0', 'n/a']   # strings, 2 of 3 parse as numbers
```

## Fix
Cast the column to a number if it holds numbers, otherwise exclude it from the
features (`--features`) or encode it.
"""

from collections.abc import Iterator

from labelcheck.rules.base import Finding, RuleContext, fmt_values, rule
from labelcheck.rules.lc110_feature_null_strings import markers_explain


@rule(
    "LC107",
    "feature-non-numeric",
    "warning",
    fix="drop-column",
    fix_title="Cast the column to a number, or exclude it from the features",
    summary="a feature that is not numeric (says so when it holds numbers as strings)",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.stats.features().items():
        if stats.kind in ("numeric", "bool") or markers_explain(stats):
            continue  # numbers with "?"-style markers are LC110's
        valid = stats.count - stats.nulls
        if stats.count and valid == 0:
            yield ctx.finding(
                check,
                name,
                f"column of type {stats.dtype} holds only nulls ({stats.count:,} rows); exclude it",
                rows=stats.count,
            )
        elif stats.kind == "string" and valid and stats.numeric_strings * 2 >= valid:
            # Mostly numbers: a cast is the fix; the rest would become NaN when cast.
            bad = valid - stats.numeric_strings
            rest = f"; the other {bad:,} become NaN when cast, repair them" if bad else ""
            yield ctx.finding(
                check,
                name,
                f"column of type {stats.dtype} holds numbers as strings "
                f"({stats.numeric_strings:,} of {valid:,} values parse as numbers, "
                f"e.g. {fmt_values(stats.examples, 3)}): cast it to a number{rest}",
                rows=valid,
                values=stats.examples,
                fix="cast",
                fix_title="Cast the column to a number",
            )
        else:
            example = f", e.g. {fmt_values(stats.examples, 3)}" if stats.examples else ""
            yield ctx.finding(
                check,
                name,
                f"column of type {stats.dtype} is not numeric{example}; exclude it or encode it",
                values=stats.examples,
            )
