"""LC408 mask-color-coded: RGB masks that code classes as colours.

## What it does
Reports RGB masks whose channels differ (R, G and B not all equal): classes
drawn as colours, as in the VOC and Cityscapes colour PNGs, where the loss
needs one class id per pixel. RGB masks with R = G = B are grey masks, read
as ids, and not reported.

## Why is this bad?
Read as values, a colour mask gives 3 numbers per pixel, or after a grey
conversion ids such as 38 and 75 that mean nothing: "pixel values of seg image
should be from 0 to 16. Found pixel value 128"
(divamgupta/image-segmentation-keras#117).

## Example
```
mask: 40 colour-coded masks (12 colours): masks/0001.png, ...
```

## Fix
Map each colour to its class id (the official palette's ids for VOC and
Cityscapes), and save the ids as a single-channel PNG.
"""

from collections.abc import Iterator

from labelcheck.rules._images import files
from labelcheck.rules.base import Finding, RuleContext, plural, rule


@rule(
    "LC408",
    "mask-color-coded",
    "error",
    fix_title="Map each colour to its class id, save single-channel PNGs",
    summary="RGB masks coding classes as colours where the loss needs class ids",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.masks():
        if not stats.colour_masks:
            continue
        colours = f" ({plural(len(stats.colours), 'colour')})" if stats.colours is not None else ""
        yield ctx.finding(
            check,
            name,
            f"{plural(stats.colour_masks, 'colour-coded mask')}{colours}: "
            f"{files(stats.colour_paths, stats.colour_masks)}; the loss needs one class id "
            "per pixel, not a colour",
            rows=stats.colour_masks,
            values=stats.colour_paths,
        )
