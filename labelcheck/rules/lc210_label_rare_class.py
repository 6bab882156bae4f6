"""LC210 label-rare-class: a class with fewer rows than `rare_class_min` (default 5).

## What it does
Lists classes with fewer than `rare_class_min` rows (ids already reported as
sparse outliers by LC205 are left out).

## Why is this bad?
A class seen a handful of times cannot be learnt, a stratified split may leave
it out of validation entirely (`The least populated class in y has only 1
member`), and per-class metrics on it are noise. Often the "class" is a typo.

## Example
```
y: 0 x 500, 1 x 480, 2 x 3
```

## Fix
Collect more examples, merge the class into a related one, or drop it; there
is no automatic fix.
"""

from collections.abc import Iterator

from labelcheck.rules.base import Finding, RuleContext, fmt, rule


@rule(
    "LC210",
    "label-rare-class",
    "warning",
    summary="a class with fewer than 5 rows",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    classes = ctx.label_classes()
    if not classes or not ctx.classification or ctx.label is None or ctx.label.kind == "list":
        return
    limit = ctx.options.thresholds.rare_class_min
    rare = [(v, c) for v, c in classes if c < limit]
    if rare and len(classes) > 1:
        detail = ", ".join(f"{fmt(v)}: {c}" for v, c in rare[:5])
        yield ctx.finding(
            check,
            ctx.label_name,
            f"{len(rare)} of {len(classes)} classes have fewer than {limit} rows ({detail}"
            f"{', ...' if len(rare) > 5 else ''}); collect more examples, merge them into "
            "related classes, or drop them",
            rows=sum(c for _, c in rare),
            values=[v for v, _ in rare],
        )
