"""LC305 label-shift: class proportions that moved between the reference and this split.

## What it does
With a reference split, compares the class proportions of a classification
label by their total variation distance (TVD: half the sum of the absolute
differences of the proportions; 0 = identical, 1 = disjoint). It reports when
the TVD exceeds `label_shift` (default 0.1) **and** sampling noise cannot
explain it: the TVD must also exceed three times its expected value for
splits of these sizes (the sum over classes of `sqrt(p(1-p)(1/n + 1/m))`,
halved), so a split of 30 rows does not cry wolf. The classes whose share
moved most are listed, and classes of the reference missing from this split
are named.

## Why is this bad?
A model calibrated on one class balance is evaluated on another: accuracy
and log-loss on the split are not comparable with training's, thresholds
chosen on validation are wrong, and a class missing from validation is never
evaluated. Shifts come from time-based splits, a split stratified on the
wrong column, or one split filtered and the other not.

## Example
```
LC305 warning y: class proportions moved from the reference (TVD 0.31 > 0.1):
      0: 50.0% -> 81.0%, 1: 50.0% -> 19.0%
```

## Fix
None automatic: re-split (stratified on the label), or reweight the
evaluation; raise `label_shift` if the shift is intended.
"""

from collections.abc import Iterator
from math import sqrt

from labelcheck.rules.base import Finding, RuleContext, fmt, rule


@rule(
    "LC305",
    "label-shift",
    "warning",
    summary="class proportions moved from the reference (total variation distance, noise-guarded)",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    counts = ctx.class_counts_against_reference()
    if counts is None:
        return
    here, theirs = counts
    m, n = sum(theirs.values()), sum(here.values())
    if not m or not n:
        return
    classes = sorted(set(theirs) | set(here), key=lambda v: (str(type(v)), v))
    p = {c: theirs.get(c, 0) / m for c in classes}
    q = {c: here.get(c, 0) / n for c in classes}
    tvd = 0.5 * sum(abs(p[c] - q[c]) for c in classes)
    noise = 0.5 * sum(sqrt(p[c] * (1 - p[c]) * (1 / n + 1 / m)) for c in classes)
    limit = ctx.options.thresholds.label_shift
    if tvd <= limit or tvd <= 3 * noise:
        return
    moved = sorted(classes, key=lambda c: -abs(p[c] - q[c]))
    detail = ", ".join(f"{fmt(c)}: {p[c]:.1%} -> {q[c]:.1%}" for c in moved[:4])
    missing = [c for c in classes if c in theirs and c not in here]
    absent = f"; missing here: {', '.join(fmt(c) for c in missing[:5])}" if missing else ""
    yield ctx.finding(
        check,
        ctx.label_name,
        f"class proportions moved from the reference (TVD {tvd:.2f} > {limit:g}): {detail}{absent}",
        values=moved[:4],
    )
