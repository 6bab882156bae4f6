"""LC110 feature-null-strings: numbers stored as text because of missing-value markers.

## What it does
Finds text feature columns whose values are all numbers except for
missing-value markers: `?`, `N/A`, `NA`, `#N/A`, `null`, `None`, `nil`, `-`,
`--`, the empty string and `nan` (compared case-insensitively, ignoring
surrounding spaces). The markers found are listed with their counts.

## Why is this bad?
One marker turns a whole numeric column into strings: the UCI adult data
writes `?` for unknown values, a spreadsheet export writes `N/A` or `-`.
`df[col].astype(float)` then crashes (`could not convert string to float:
'?'`), or a model-building library silently treats the column as a category
with thousands of levels, or drops it (deepchecks `MixedNulls`,
deepchecks#1074).

## Example
```
capital_gain: ['0', '2174', '?', '0', '14084', '?']   # 2 markers among numbers
```
```
LC110 warning capital_gain: text column of numbers with missing-value markers: 2 of 6 values
      are markers ('?': 2); cast the markers to null and the rest to a number
```

## Fix
`labelcheck fix` casts the column: markers become null and every other value
a float; the nulls are then handled like any missing value (LC101's fix, in
the same run: drop the rows, or impute the median).
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules.base import CastNumber, Finding, Proposal, RuleContext, Unfixed, rule
from labelcheck.stats.column import ColumnStats


def markers_explain(stats: ColumnStats) -> bool:
    """Every value of a text column is a number or a marker, and there are both."""
    valid = stats.count - stats.nulls
    numbers = stats.numeric_strings - stats.marker_numeric
    return (
        stats.kind == "string"
        and stats.marker_count > 0
        and numbers > 0
        and numbers + stats.marker_count == valid
    )


@rule(
    "LC110",
    "feature-null-strings",
    "warning",
    fix="cast",
    fix_title="Cast the markers to null and the rest to a number",
    summary=('numbers stored as text with missing-value markers ("?", "N/A", "null", "-", "")'),
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.stats.features().items():
        if not markers_explain(stats):
            continue
        valid = stats.count - stats.nulls
        found = sorted(stats.null_markers.items(), key=lambda kv: (-kv[1], kv[0]))
        listed = ", ".join(f"{k!r}: {v:,}" for k, v in found[:5])
        yield ctx.finding(
            check,
            name,
            f"text column of numbers with missing-value markers: {stats.marker_count:,} of "
            f"{valid:,} values are markers ({listed}); cast the markers to null and the rest "
            "to a number",
            rows=stats.marker_count,
            values=[k for k, _ in found],
        )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    """Cast the column; the nulls it makes are LC101's to drop or impute (refit round)."""
    if finding.column is None or finding.column == ctx.label_name:
        return [Unfixed()]
    return [CastNumber(finding.column, tuple(str(v) for v in finding.values))]
