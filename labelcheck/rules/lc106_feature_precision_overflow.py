"""LC106 feature-precision-overflow: values the training precision cannot hold.

## What it does
With `--precision fp16`, reports features with |x| > 65504, the largest float16
(an error: they become Inf). With fp32 or bf16 (the default), reports float64
values beyond the float32 maximum, about 3.4e38 (a warning).

## Why is this bad?
Casting to the model's precision turns such values into Inf, and Inf into NaN
at the first multiplication. Mixed-precision training (`torch.autocast`,
Keras `mixed_float16`) does this cast silently.

## Example
```
amount: max 1.2e6   # with --precision fp16: Inf after the cast
```

## Fix
Normalize the column (min-max to [-1, 1]) before casting.

## References
- mljar/mljar-supervised#279: values beyond the float32 range had to be clipped.
"""

from collections.abc import Iterator

import numpy as np

from labelcheck.rules.base import Finding, RuleContext, channels, fmt, rule

FP16_MAX = 65504.0
FP32_MAX = float(np.finfo(np.float32).max)


@rule(
    "LC106",
    "feature-precision-overflow",
    "warning",
    fix="normalize",
    fix_title="Normalize the column before casting to the training precision",
    summary=(
        "|x| > 65504 overflows float16 to Inf (an error with `--precision "
        "fp16`); float64 beyond the float32 range"
    ),
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    fp16 = ctx.options.precision == "fp16"
    limit, dtype = (FP16_MAX, "float16") if fp16 else (FP32_MAX, "float32")
    for name, stats in ctx.numeric_features():
        if stats.max_abs is not None and stats.max_abs > limit:
            over = [v for v in (stats.min, stats.max) if abs(v) > limit]
            yield ctx.finding(
                check,
                name,
                f"values up to {fmt(stats.max_abs)} in absolute value overflow {dtype} "
                f"(max {fmt(limit)}) and become Inf",
                values=over,
                severity="error" if fp16 else None,
            )
    for name, tensor, hits in ctx.tensor_channels(
        lambda c: c.max_abs is not None and c.max_abs > limit
    ):
        top = max(c.max_abs for _, c in hits)
        yield ctx.finding(
            check,
            name,
            f"image values up to {fmt(top)} in absolute value in "
            f"{channels(hits, len(tensor.channels))} overflow {dtype} (max {fmt(limit)})",
            values=[top],
            severity="error" if fp16 else None,
        )
