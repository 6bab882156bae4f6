"""LC402 image-mixed-channels: images of different channel layouts in one dataset.

## What it does
Reports an image column whose images do not all have the same mode (Pillow's
channel layout: L, LA, RGB, RGBA, P, CMYK, I;16, ...), naming the majority and
the others with a few files each (every one, up to 10,000 per layout, in
JSON and `--rows-out`). An error for images in tables and arrays,
which are decoded without conversion; a warning for class folders, whose usual
loaders convert every image to RGB (dropping alpha, converting CMYK naively).

## Why is this bad?
Batches cannot stack a 1-channel image with 3-channel ones: `RuntimeError:
output with shape [1, 224, 224] doesn't match the broadcast shape [3, 224,
224]` when `Normalize` with 3 means meets one grayscale image
(pipinstallyp/minigpt4-batch#2, udacity/deep-learning-v2-pytorch#390,
bigmb/Unet-Segmentation-Pytorch-Nest-of-Unets#21).

## Example
```
image: 998 RGB, 2 L (cat/12.jpg, dog/7.jpg)
```

## Fix
Convert every image to the majority layout (`Image.convert("RGB")` in the
loader, or once on disk). `labelcheck fix DIR -o OUT_DIR` converts them on disk,
re-encoded in their own format (PNG losslessly, JPEG at quality 95).
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._images import files
from labelcheck.rules.base import (
    ConvertImages,
    Finding,
    Proposal,
    RuleContext,
    Unfixed,
    plural,
    rule,
)


@rule(
    "LC402",
    "image-mixed-channels",
    "error",
    fix="convert-images",
    fix_title="Convert every image to the majority layout",
    summary=(
        "channel layouts differ (L or RGBA among RGB): batches cannot stack (a warning for "
        "class folders)"
    ),
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.images():
        if len(stats.modes) < 2:
            continue
        ranked = _ranked(stats.modes)
        majority, _ = ranked[0]
        others = ranked[1:]
        odd = sum(n for _, n in others)
        parts = [
            f"{n:,} {mode} ({files(stats.mode_examples.get(mode, []), n)})" for mode, n in others
        ]
        folders = stats.folders is not None
        consequence = (
            f"loaders that convert to RGB hide it (alpha dropped, CMYK converted naively); "
            f"convert them to {majority} once, on disk"
            if folders
            else f"batches cannot stack them with {majority}; convert them to {majority}"
        )
        yield ctx.finding(
            check,
            name,
            f"{plural(odd, 'image')} not in the majority layout {majority} "
            f"({ranked[0][1]:,}): {'; '.join(parts)}; {consequence}",
            rows=odd,
            values=[mode for mode, _ in others],
            files=[p for mode, _ in others for p in stats.mode_examples.get(mode, [])],
            severity="warning" if folders else None,
        )


def _ranked(modes: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(modes.items(), key=lambda kv: (-kv[1], kv[0]))


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    stats = ctx.stats.columns.get(finding.column) if finding.column else None
    modes = getattr(stats, "modes", None)
    if finding.column is None or not modes:
        return [Unfixed()]
    return [ConvertImages(finding.column, mode=_ranked(modes)[0][0])]
