"""LC208 label-non-integer: fractional values in classification labels.

## What it does
When the task is classification (given with `--task`, `--n-classes` or a
classification loss), reports label values with a fractional part. Not
raised for `binary_crossentropy` (soft targets in [0, 1] are valid; LC209
checks them) or list-valued targets.

## Why is this bad?
Class ids are indices. `2.5` is silently truncated to 2 by some frameworks
(`long()` casts) and rejected by others; either way the model learns from
labels that are not what the data says. Fractional labels usually mean the
column is a regression target, or was averaged by a bad aggregation.

## Example
```
--n-classes 3, y: [0, 1, 1.5, 2]
```

## Fix
None automatic: decide whether this is regression (`--task regression`) or
round/repair the labels at their source.
"""

from collections.abc import Iterator

from labelcheck.rules.base import Finding, RuleContext, fmt_values, plural, rule


@rule(
    "LC208",
    "label-non-integer",
    "error",
    summary="fractional values in classification labels",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    lab = ctx.numeric_label
    if (
        lab is None
        or not ctx.classification
        or not lab.non_integer
        or ctx.options.loss in ("binary_crossentropy", "categorical_crossentropy")
        or lab.kind == "list"
    ):
        return
    # Distinct values when tracked, else the extremes kept by the stats (never the mean:
    # it is not a label value).
    known = [v for v, _ in lab.sorted_distinct() or []] or sorted({*lab.bottom, *lab.top})
    examples = [v for v in known if float(v) != int(v)][:5]
    shown = f" ({fmt_values(examples)})" if examples else ""
    yield ctx.finding(
        check,
        ctx.label_name,
        f"{plural(lab.non_integer, 'label')} with a fractional part{shown} but the task is "
        f"classification ({ctx.task.reason}); pass --task regression if it is a target, "
        "or repair the labels at their source",
        rows=lab.non_integer,
        values=examples,
    )
