"""LC202 label-inf: +Inf or -Inf labels.

## What it does
Counts infinite label values.

## Why is this bad?
An infinite regression target gives an infinite squared error, and
`inf - inf` in the gradient is NaN; as a class id it is not an integer at all.

## Example
```
y: [0.3, 1.2, inf]   # a target computed as a ratio with a zero denominator
```

## Fix
Drop the rows.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules.base import DropRows, Finding, Proposal, RuleContext, plural, rule


@rule(
    "LC202",
    "label-inf",
    "error",
    fix="drop-rows",
    fix_title="Drop the rows with an infinite label",
    summary="+Inf / -Inf labels",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    lab = ctx.label
    if lab is not None and lab.inf:
        values = [v for v, n in ((float("inf"), lab.posinf), (float("-inf"), lab.neginf)) if n]
        yield ctx.finding(
            check,
            ctx.label_name,
            f"{lab.posinf:,} +Inf and {lab.neginf:,} -Inf labels in {plural(lab.count, 'row')}",
            rows=lab.inf,
            values=values,
        )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    return [DropRows(finding.column, "inf")] if finding.column else []
