"""LC406 mask-out-of-range: segmentation mask values that are not class ids 0..K-1.

## What it does
Reads the values of every mask (palette PNGs by index) and reports, for each
mask column:

- with `--n-classes K` (or `model=` in the library: a segmentation net's last
  `Conv2d`; the finding says which): values outside [0, K), other than
  `--ignore-index`;
- without it: masks stored as 0/255 for two classes, or values that are not
  0..K-1 (gaps, or not starting at 0).

The count is exact: the masks holding any offending value.

## Why is this bad?
`CrossEntropyLoss` indexes the model's outputs with each pixel's value: a
255 with 2 classes is a CUDA device-side assert, `Assertion t >= 0 && t <
n_classes failed` (milesial/Pytorch-UNet#375, Nota-NetsPresso/netspresso-trainer#150,
meetps/pytorch-semseg#158); 151 values for a 150-class model
(facebookresearch/MaskFormer#51) fail the same way, hours into training.

## Example
```
mask: values 0, 255 in 120 masks: a 0/255 binary mask; the loss needs 0 and 1
```

## Fix
Map the values to 0..K-1 (255 -> 1 for binary masks), or set `--ignore-index`
to the value your loss ignores. `labelcheck fix DIR -o OUT_DIR` maps the values in
order to 0..K-1 (`--ignore-index` kept) and saves the mapping in the plan.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._images import files
from labelcheck.rules.base import Finding, MapMask, Proposal, RuleContext, fmt_values, plural, rule


@rule(
    "LC406",
    "mask-out-of-range",
    "error",
    fix="map-mask",
    fix_title="Map the mask values to 0..K-1 (255 -> 1 for binary masks)",
    summary=(
        "mask values outside [0, `--n-classes`), a 0/255 binary mask, values not 0..K-1: the "
        "CUDA assert `t < n_classes`"
    ),
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    ignore = ctx.options.ignore_index
    k = ctx.options.n_classes
    for name, stats in ctx.masks():
        if not stats.pixels:
            continue
        values = sorted(v for v in stats.pixels if ignore is None or v != ignore)
        if k is not None:
            bad = [v for v in values if v < 0 or v >= k]
            said = ctx.options.said("n_classes", f"--n-classes {k}")
            why = f"outside [0, {k}) ({said}): the loss indexes past its outputs"
        elif values == [0, 255] or values == [255]:
            bad = [255]
            why = "a 0/255 binary mask: the loss needs class ids 0 and 1 (255 -> 1)"
        elif values != list(range(len(values))):
            bad = [v for i, v in enumerate(values) if v != i] or values
            why = f"not class ids 0..{len(values) - 1}: map them to consecutive ids"
        else:
            continue
        if not bad:
            continue
        held = stats.masks_holding(set(bad))
        named = stats.files_with(bad)
        yield ctx.finding(
            check,
            name,
            f"mask values {fmt_values(bad)} in {plural(held or 0, 'mask')} "
            f"({files(named, held or len(named))}): {why}",
            rows=held,
            values=bad,
            files=named,
        )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    assert finding.column is not None
    ignore = ctx.options.ignore_index
    return [MapMask(finding.column, "consecutive", () if ignore is None else (int(ignore),))]
