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
mm), a column standardized in one split only. For images (files or arrays) it
compares each channel's pixels, with the number of images as the sample size.

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

from __future__ import annotations

from collections.abc import Iterator
from math import inf, isfinite, sqrt
from typing import Any

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
        moved = _moved(t, _Summary.of(ref, ref.n), _Summary.of(mine, mine.n))
        if moved:
            yield ctx.finding(check, name, moved)
    # Images: a channel's pixels, with the images (not the correlated pixels) as the sample.
    ref_kinds = ctx.reference.plan
    for name, kind in ctx.stats.plan.kinds:
        ref = ref_cols.get(name)
        if ref is None or ref_kinds.kind(name) != kind:
            continue
        mine = ctx.stats.columns[name]
        pairs = _channel_pairs(kind, mine, ref)
        for channel, (a, b) in pairs.items():
            moved = _moved(t, b, a)
            if moved:
                yield ctx.finding(check, name, f"image channel {channel} {moved}")


class _Summary:
    """What the comparison reads: sample size, mean, std, min, max."""

    def __init__(self, n: int, mean: float, std: float, lo: float, hi: float) -> None:
        self.n, self.mean, self.std, self.min, self.max = n, mean, std, lo, hi
        self.variance = std * std

    @classmethod
    def of(cls, stats: Any, n: int) -> _Summary:
        return cls(n, stats.mean, stats.std, stats.min, stats.max)


def _channel_pairs(kind: str, mine: Any, ref: Any) -> dict[str, tuple[_Summary, _Summary]]:
    """(this split, reference) summaries of each channel both image columns have."""
    if kind == "image":
        common = [b for b in mine.channels if b in ref.channels]
        return {
            b: (
                _Summary.of(mine.channels[b], mine.decoded),
                _Summary.of(ref.channels[b], ref.decoded),
            )
            for b in common
            if mine.channels[b].count and ref.channels[b].count
        }
    if kind == "tensor" and len(mine.channels) == len(ref.channels):
        return {
            str(i): (_Summary.of(a, mine.images), _Summary.of(b, ref.images))
            for i, (a, b) in enumerate(zip(mine.channels, ref.channels, strict=True))
            if a.n and b.n
        }
    return {}


def _moved(t: Any, ref: _Summary, mine: _Summary) -> str | None:
    """The message when ``mine`` moved from ``ref``, else None."""
    if not (isfinite(ref.mean) and isfinite(mine.mean)):
        return None
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
    if ref.max < mine.min or mine.max < ref.min:
        reasons.append(
            f"ranges do not overlap ({fmt(ref.min)}..{fmt(ref.max)} vs "
            f"{fmt(mine.min)}..{fmt(mine.max)})"
        )
    if not reasons:
        return None
    return (
        f"moved from the reference: mean {fmt(ref.mean)} -> {fmt(mine.mean)}, std "
        f"{fmt(ref.std)} -> {fmt(mine.std)} ({'; '.join(reasons)}); one split looks "
        "preprocessed differently: transform both the same way"
    )
