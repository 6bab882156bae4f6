"""LC409 mask-mismatch: images without a mask, masks without an image.

## What it does
Pairs images with masks by file stem (`0001.jpg` with `0001.png`,
`0001_mask.png`, `0001_segmentation.png`; Cityscapes' `_leftImg8bit` /
`_gtFine_labelIds`) and reports masks that pair with no image, masks whose
size differs from their image's, and images without a mask where masks are
expected (at least 90% of the images have one; otherwise the images without
one are simply unlabelled).

## Why is this bad?
A loader that builds its list from the images fails with `FileNotFoundError`
on the missing mask mid-epoch; one that lists both folders and zips them
sorted pairs every image after the gap with the wrong mask, silently. A mask
of another size than its image no longer lines up with the pixels (or the
loss fails on mismatched shapes).

## Example
```
images/0042.jpg has no mask; masks/0100.png has no image
```

## Fix
Exclude the unpaired files, or restore the missing ones. `labelcheck fix DIR -o
OUT_DIR` leaves out masks without an image, pairs of different sizes (both files)
and, where masks are expected, images without one.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._images import files
from labelcheck.rules.base import (
    ExcludeFiles,
    Finding,
    Proposal,
    RuleContext,
    Unfixed,
    plural,
    rule,
)

#: Images without a mask are a defect when at least this share of the images has one.
EXPECTED_SHARE = 0.9


@rule(
    "LC409",
    "mask-mismatch",
    "error",
    fix="exclude-files",
    fix_title="Exclude the unpaired files (or restore the missing ones)",
    summary=("a mask without an image; images without a mask where masks are expected"),
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.masks():
        images = ctx.stats.columns.get(stats.pairs_with) if stats.pairs_with else None
        n_images = images.images if images is not None else 0
        paired = n_images - stats.unpaired_image_count
        if stats.unpaired_mask_count:
            yield ctx.finding(
                check,
                name,
                f"{plural(stats.unpaired_mask_count, 'mask')} with no image: "
                f"{files(stats.unpaired_masks, stats.unpaired_mask_count)}",
                rows=stats.unpaired_mask_count,
                values=stats.unpaired_masks,
                files=stats.unpaired_masks,
            )
        if stats.size_mismatch_count:
            mismatches = stats.mismatches()  # mask files, or rows of mask arrays
            named = [f"{m} ({ms}, image {im})" for m, ms, im in mismatches]
            yield ctx.finding(
                check,
                name,
                f"{plural(stats.size_mismatch_count, 'mask')} of another size than its image: "
                f"{files(named, stats.size_mismatch_count)}",
                rows=stats.size_mismatch_count,
                values=[m for m, _, _ in mismatches],
                files=[m for m, _, _ in mismatches],
            )
        expected = n_images and paired >= EXPECTED_SHARE * n_images
        if stats.unpaired_image_count and expected:
            yield ctx.finding(
                check,
                name,
                f"{plural(stats.unpaired_image_count, 'image')} with no mask (while "
                f"{paired:,} of {n_images:,} have one): "
                f"{files(stats.unpaired_images, stats.unpaired_image_count)}",
                rows=stats.unpaired_image_count,
                values=stats.unpaired_images,
                files=stats.unpaired_images,
            )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    # Every finding of a mask column asks for all of its column's exclusions; equal
    # proposals make one step.
    stats = ctx.stats.columns.get(finding.column) if finding.column else None
    image = getattr(stats, "pairs_with", None)
    if finding.column is None or image is None:
        return [Unfixed()]
    out: list[Proposal] = []
    if stats.unpaired_mask_count:
        out.append(ExcludeFiles(finding.column, "no-pair", pair=image))
    if stats.size_mismatch_count:
        out.append(ExcludeFiles(finding.column, "size-mismatch", pair=image))
    images = ctx.stats.columns.get(image)
    n_images = getattr(images, "images", 0)
    paired = n_images - stats.unpaired_image_count
    if stats.unpaired_image_count and n_images and paired >= EXPECTED_SHARE * n_images:
        out.append(ExcludeFiles(image, "no-pair", pair=finding.column))
    return out or [Unfixed()]
