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
Map each colour to its class id and save the ids as a single-channel PNG.
`labelcheck fix DIR -o OUT_DIR` does: colours of the Pascal VOC palette get their
official ids (a subset such as 0 and 15 then needs `--n-classes 21`); colours of the
Cityscapes palette get its train ids 0..18, its void colours 255 (scan the fixed masks
with `--ignore-index 255 --n-classes 19`); other colours ids in sorted order. A mask
whose colours fit both palettes is read as VOC. The mapping is saved in the plan.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._images import files
from labelcheck.rules.base import Finding, MapMask, Proposal, RuleContext, Unfixed, plural, rule
from labelcheck.stats.image import voc_colours


@rule(
    "LC408",
    "mask-color-coded",
    "error",
    fix="map-mask",
    fix_title="Map each colour to its class id, save single-channel PNGs",
    summary="RGB masks coding classes as colours where the loss needs class ids",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.masks():
        if not stats.colour_masks:
            continue
        colours = f" ({plural(len(stats.colours), 'colour')})" if stats.colours is not None else ""
        named = stats.colour_files()  # mask files, or rows of mask arrays
        yield ctx.finding(
            check,
            name,
            f"{plural(stats.colour_masks, 'colour-coded mask')}{colours}: "
            f"{files(named, stats.colour_masks)}; the loss needs one class id "
            "per pixel, not a colour",
            rows=stats.colour_masks,
            values=named,
            files=named,
        )


#: Cityscapes' colours (cityscapesScripts' labels.py) and their train ids; the void and
#: ignored classes' colours map to 255, the ignore index its training scripts use.
CITYSCAPES = {
    (128, 64, 128): 0,  # road
    (244, 35, 232): 1,  # sidewalk
    (70, 70, 70): 2,  # building
    (102, 102, 156): 3,  # wall
    (190, 153, 153): 4,  # fence
    (153, 153, 153): 5,  # pole (and polegroup)
    (250, 170, 30): 6,  # traffic light
    (220, 220, 0): 7,  # traffic sign
    (107, 142, 35): 8,  # vegetation
    (152, 251, 152): 9,  # terrain
    (70, 130, 180): 10,  # sky
    (220, 20, 60): 11,  # person
    (255, 0, 0): 12,  # rider
    (0, 0, 142): 13,  # car (and license plate)
    (0, 0, 70): 14,  # truck
    (0, 60, 100): 15,  # bus
    (0, 80, 100): 16,  # train
    (0, 0, 230): 17,  # motorcycle
    (119, 11, 32): 18,  # bicycle
    **dict.fromkeys(
        [
            (0, 0, 0),  # unlabeled, ego vehicle, rectification border, out of roi, static
            (111, 74, 0),  # dynamic
            (81, 0, 81),  # ground
            (250, 170, 160),  # parking
            (230, 150, 140),  # rail track
            (180, 165, 180),  # guard rail
            (150, 100, 100),  # bridge
            (150, 120, 90),  # tunnel
            (0, 0, 90),  # caravan
            (0, 0, 110),  # trailer
        ],
        255,
    ),
}


def cityscapes_colours() -> dict[int, int]:
    """Cityscapes' colours (0xRRGGBB) and their train ids (255: void)."""
    return {(r << 16) | (g << 8) | b: i for (r, g, b), i in CITYSCAPES.items()}


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    stats = ctx.stats.columns.get(finding.column) if finding.column else None
    colours = getattr(stats, "colours", None)
    if finding.column is None or not colours:
        return [Unfixed("too many colours to map; map them to ids by hand")]
    seen = sorted(colours)
    voc = {c: i for i, c in enumerate(voc_colours())}
    if all(c in voc for c in seen):  # the VOC palette: its official ids
        return [MapMask(finding.column, "colours", tuple(seen), tuple(voc[c] for c in seen))]
    city = cityscapes_colours()
    if all(c in city for c in seen):  # the Cityscapes palette: its train ids
        return [MapMask(finding.column, "colours", tuple(seen), tuple(city[c] for c in seen))]
    return [MapMask(finding.column, "colours", tuple(seen), tuple(range(len(seen))))]
