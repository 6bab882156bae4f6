"""LC306 feature-shift: a feature whose location or scale moved from the reference split.

## What it does
With a reference split, compares every numeric feature both splits have by
three exact statistics:

- the standardized mean difference, `|mean - mean_ref|` over the pooled
  standard deviation, above `feature_shift` (default 1.0) and beyond four
  standard errors of the difference (so a split of a few rows does not cry
  wolf);
- the ratio of the standard deviations, above `spread_ratio` (default 10);
- value ranges that do not overlap at all.

It catches a split preprocessed differently from the other: pixels 0..255 in
train and 0..1 in test (the spreads differ 255 times), a unit changed (m vs
mm), a column standardized in one split only.

## Why is this bad?
A model trained on one scale sees the other as extreme inputs: its
activations saturate, the predictions on the split are garbage, and the
metrics say the model is bad when the data is. No per-split check sees it:
each split on its own is fine.

## Example
```
LC306 warning pixel_0: moved from the reference: mean 127 -> 0.498, std 73.9 -> 0.29
      (spreads differ 255x); one split looks rescaled: preprocess both the same way
```

## Fix
None automatic: apply the same preprocessing to both splits (`labelcheck fix`
on train, then `labelcheck apply` of its plan on the other split replays the
same fitted transform).
"""

from collections.abc import Iterator
from math import inf, isfinite, sqrt

from labelcheck.rules.base import Finding, RuleContext, fmt, rule

#: Rows each split needs before their spreads are compared.
_MIN_ROWS = 10


@rule(
    "LC306",
    "feature-shift",
    "warning",
    summary=(
        "a feature's location/scale moved from the reference (e.g. normalised in one split only)"
    ),
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    if ctx.reference is None:
        return
    t = ctx.options.thresholds
    ref_cols = ctx.reference.columns
    for name, mine in ctx.numeric_features():
        ref = ref_cols.get(name)
        if ref is None or ref.kind not in ("numeric", "bool") or not ref.n or not mine.n:
            continue
        if not (isfinite(ref.mean) and isfinite(mine.mean)):
            continue
        diff = abs(mine.mean - ref.mean)
        pooled = sqrt((ref.variance + mine.variance) / 2)
        # Standard error of the difference as if both came from the wider of the two
        # (a split of three near-equal values has a tiny spread of its own).
        se = sqrt(max(ref.variance, mine.variance) * (1 / ref.n + 1 / mine.n))
        smd = diff / pooled if pooled else (inf if diff else 0.0)
        reasons = []
        if smd > t.feature_shift and diff > 4 * se:
            reasons.append(f"means differ by {smd:.3g} standard deviations")
        if min(ref.n, mine.n) >= _MIN_ROWS and ref.std > 0 and mine.std > 0:
            ratio = max(ref.std / mine.std, mine.std / ref.std)
            if ratio > t.spread_ratio:
                reasons.append(f"spreads differ {ratio:.3g}x")
        if ref.max < mine.min or mine.max < ref.min:  # type: ignore[operator]
            reasons.append(
                f"ranges do not overlap ({fmt(ref.min)}..{fmt(ref.max)} vs "
                f"{fmt(mine.min)}..{fmt(mine.max)})"
            )
        if not reasons:
            continue
        yield ctx.finding(
            check,
            name,
            f"moved from the reference: mean {fmt(ref.mean)} -> {fmt(mine.mean)}, std "
            f"{fmt(ref.std)} -> {fmt(mine.std)} ({'; '.join(reasons)}); one split looks "
            "preprocessed differently: transform both the same way",
        )
