"""LC405 image-exif-rotated: images whose EXIF orientation is not "upright".

## What it does
Reports images with an EXIF `Orientation` tag other than 1: a camera stored the
pixels sideways and recorded how to turn them.

## Why is this bad?
Photo viewers (and the person who labelled the image) apply the orientation;
Pillow's `Image.open`, torchvision and Keras loaders do not. The model sees the
picture rotated or mirrored from what was labelled, and a detector's boxes or
a segmentation mask no longer line up with the pixels.

## Example
```
image: 12 images with an EXIF orientation: IMG_0042.jpg (orientation 6)
```

## Fix
Apply the orientation once, on disk (`ImageOps.exif_transpose`), and drop the tag:
`labelcheck fix DIR -o OUT_DIR` does (JPEG re-encoded at quality 95).
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._images import files
from labelcheck.rules.base import ConvertImages, Finding, Proposal, RuleContext, plural, rule


@rule(
    "LC405",
    "image-exif-rotated",
    "warning",
    fix="convert-images",
    fix_title="Apply the orientation on disk (ImageOps.exif_transpose)",
    summary=("EXIF orientation other than 1: loaders ignore it, the model sees the image turned"),
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.images():
        if not stats.rotated:
            continue
        named = [f"{path} (orientation {o})" for path, o in stats.rotated_paths]
        yield ctx.finding(
            check,
            name,
            f"{plural(stats.rotated, 'image')} with an EXIF orientation other than 1: "
            f"{files(named, stats.rotated)}; loaders ignore it, so the model sees them "
            "turned from what was labelled",
            rows=stats.rotated,
            values=[path for path, _ in stats.rotated_paths],
            files=[path for path, _ in stats.rotated_paths],
        )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    assert finding.column is not None
    return [ConvertImages(finding.column, orient=True)]
