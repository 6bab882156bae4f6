"""LC104 feature-scale-spread: features whose typical magnitudes differ by more than 1e3.

## What it does
Compares the typical magnitude (root mean square) of every numeric feature
and reports when the largest is more than `scale_spread` (default 1000) times
the smallest non-zero one.

## Why is this bad?
One learning rate serves every weight. When one input is in millions and
another in thousandths, a step that suits the large feature ignores the small
one, and a step that suits the small one diverges on the large one: the loss
oscillates or explodes, and distance-based models see only the large feature.

## Example
```
income: RMS 52,000      age_fraction: RMS 0.4
```

## Fix
Standardize every feature to mean 0 and std 1 (fitted parameters saved in the
plan).
"""

import math
import sys
from collections.abc import Iterator

from labelcheck.rules.base import Finding, RuleContext, fmt, rule


@rule(
    "LC104",
    "feature-scale-spread",
    "warning",
    fix="standardize",
    fix_title="Standardize the features to mean 0, std 1",
    summary="typical magnitudes of the features differ by more than 1e3",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    rms = {name: m for name, s in ctx.numeric_features() if s.n and (m := _magnitude(s)) > 0}
    if len(rms) < 2:
        return
    big = max(rms, key=rms.__getitem__)
    small = min(rms, key=rms.__getitem__)
    ratio = rms[big] / rms[small]  # Inf for a subnormal magnitude (2.2e-309 next to 1)
    if ratio > ctx.options.thresholds.scale_spread:
        by = fmt(ratio) if math.isfinite(ratio) else f"more than {fmt(sys.float_info.max)}"
        yield ctx.finding(
            check,
            None,
            f"feature magnitudes differ by {by}x: {big!r} is typically "
            f"{fmt(rms[big])}, {small!r} {fmt(rms[small])}",
            values=[big, small],
        )


def _magnitude(s) -> float:
    """The root mean square, sqrt(mean**2 + variance), without overflow; values so large
    that their squares overflow float64 (|x| ~ 1e154 and up) have an infinite variance in
    the statistics, values so small that they underflow (|x| ~ 1e-154 and down) may have
    none: their largest magnitude stands in (an infinite ratio is no message, and -1e-200
    and 1e-200 are not 0)."""
    rms = math.hypot(s.mean, math.sqrt(s.variance)) if math.isfinite(s.variance) else math.inf
    return rms if math.isfinite(rms) and rms > 0 else float(s.max_abs or 0.0)
