"""LC403 image-odd-size: images far from the bulk's size.

## What it does
Reports images whose area is below 1/16 of the median image's (a thumbnail, an
icon, a 1x1 tracking pixel saved by a scraper), or whose longer side is more
than 10 times the shorter (a banner, a strip). Both thresholds are
configurable (`image_min_area`, `image_max_aspect` in a schema's `thresholds:`). Every
such file is named (in JSON and `--rows-out`) when the column has at most 10,000
images; past that, the 64 smallest and most elongated, and the rest are counted.

## Why is this bad?
Resizing to the network's input blows a 16x16 thumbnail up to a blur, or
squashes a 2000x100 banner: the label still says "dog", the pixels no longer
show one. Such files are usually scraping accidents, not examples.

## Example
```
image: 3 images far from the median size 224x224 (area 50,176): icon.png (16x16)
```

## Fix
Exclude the files, or check how they were collected. `labelcheck fix DIR -o OUT_DIR`
leaves out the files under the fitted area, or beyond the aspect ratio.
"""

from collections.abc import Iterator
from functools import partial

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


@rule(
    "LC403",
    "image-odd-size",
    "warning",
    fix="exclude-files",
    fix_title="Exclude the files (or check how they were collected)",
    summary=(
        "images far from the bulk's size: area below 1/16 of the median's, aspect ratio beyond 10:1"
    ),
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    limits = ctx.options.thresholds
    for name, stats in ctx.images():
        median = stats.median_area()
        if median is None:
            continue
        odd = partial(_odd, median * limits.image_min_area, limits.image_max_aspect)
        assert stats.sizes is not None  # median_area needs them
        count = 0
        for key, n in stats.sizes.items():
            w, h = (int(v) for v in key.split("x"))
            count += n if odd(w, h) else 0
        if not count:
            continue
        # Every image's size while there are at most NAMED_CAP of them; past it, the
        # smallest and most elongated few (the message then counts the others unnamed).
        every = stats.shapes
        if every is None:
            every = [(path, w, h) for _, path, w, h in [*stats.smallest, *stats.widest]]
        kept = {path: (w, h) for path, w, h in every if odd(w, h)}
        named = [f"{path} ({w}x{h})" for path, (w, h) in kept.items()]
        yield ctx.finding(
            check,
            name,
            f"{plural(count, 'image')} far from the median image's area ({median:,.0f} "
            f"pixels): {files(named, count)}; resized to the input size they no longer "
            "show what the label says",
            rows=count,
            values=list(kept),
            files=list(kept),
        )


def _odd(min_area: float, max_aspect: float, w: int, h: int) -> bool:
    return w * h < min_area or max(w, h) > max_aspect * min(w, h)


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    stats = ctx.stats.columns.get(finding.column) if finding.column else None
    median = stats.median_area() if stats is not None else None
    if finding.column is None or median is None:
        return [Unfixed()]
    limits = ctx.options.thresholds
    return [
        ExcludeFiles(finding.column, "small", median * limits.image_min_area),
        ExcludeFiles(finding.column, "elongated", limits.image_max_aspect),
    ]
