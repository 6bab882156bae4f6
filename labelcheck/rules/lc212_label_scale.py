"""LC212 label-scale: a regression target far from unit scale (|y| max > 100).

## What it does
For regression, reports a target whose largest absolute value exceeds
`target_max_abs` (default 100): prices, counts, lab values.

## Why is this bad?
The MSE gradient is proportional to the error: targets in the hundreds of
thousands give gradients of that size, so a learning rate tuned for unit
scale diverges (loss Inf, then NaN), and a smaller one makes training crawl.
Output layers initialised near 0 start hugely wrong.

## Example
```
price: 95,000 .. 1,250,000
```

## Fix
Standardize the target (mean 0, std 1); the plan saves mean and std, and
`plan.inverse_target(predictions)` maps predictions back to the original units.
"""

from collections.abc import Iterator

from labelcheck.rules.base import Finding, RuleContext, fmt, rule


@rule(
    "LC212",
    "label-scale",
    "warning",
    fix="scale-target",
    fix_title="Standardize the target (inverse saved in the plan)",
    summary="a regression target far from unit scale (|y| > 100): MSE training stalls",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    lab = ctx.numeric_label
    if lab is None or ctx.task.task != "regression":
        return
    limit = ctx.options.thresholds.target_max_abs
    if lab.max_abs is not None and lab.max_abs > limit:
        yield ctx.finding(
            check,
            ctx.label_name,
            f"regression target spans {fmt(lab.min)}..{fmt(lab.max)} (max |y| "
            f"{fmt(lab.max_abs)} > {fmt(limit)}; mean {fmt(lab.mean)}, std {fmt(lab.std)})",
            values=[lab.min, lab.max],
        )
