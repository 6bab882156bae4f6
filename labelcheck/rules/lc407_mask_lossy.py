"""LC407 mask-lossy: masks with compression artefacts (saved as JPEG).

## What it does
Reports a mask column where a few values hold nearly all pixels and many rare
values (each under 1% of the pixels) lie between them: what JPEG compression
does to a mask's edges. Exact top-k counts would miss it; the rare values are
counted, not sampled. Masks held as arrays (a loader's batches, `check_arrays`)
are checked alike: a mask a `Dataset` reads from a JPEG file brings its
artefacts into the tensor.

## Why is this bad?
Each rare value is read as a class id: a 0/255 mask saved as JPEG comes back
with dozens of values in between (romi/plant-3d-vision#140,
mantasu/glasses-detector#23, milesial/Pytorch-UNet#363), so the loss sees
classes that do not exist, or the CUDA assert of LC406.

## Example
```
mask: 2 dominant values (0, 255) and 61 rare values between them in 40 masks
```

## Fix
Snap each pixel to the nearest dominant value and save masks as PNG, a
lossless format. `labelcheck fix DIR -o OUT_DIR` does, the class values being the
peaks of the value counts (values within a few levels of a much larger peak are its
artefacts).
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._images import files
from labelcheck.rules.base import (
    Finding,
    MapMask,
    Proposal,
    RuleContext,
    Unfixed,
    fmt_values,
    plural,
    rule,
)

#: A value is rare under this share of the pixels...
RARE_SHARE = 0.01
#: ... and artefacts mean at least this many rare values, around at most this many classes.
MIN_RARE = 8
MAX_DOMINANT = 32


@rule(
    "LC407",
    "mask-lossy",
    "error",
    fix="map-mask",
    fix_title="Snap to the dominant values and save the masks as PNG",
    summary=(
        "masks with compression artefacts (saved as JPEG): many rare values between a few classes"
    ),
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.masks():
        if not stats.pixels:
            continue
        rare, dominant = _split(stats.pixels)
        if len(rare) < MIN_RARE or not dominant or len(dominant) > MAX_DOMINANT:
            continue
        between = [v for v in rare if dominant[0] < v < dominant[-1]]
        if len(between) < MIN_RARE:
            continue
        held = stats.masks_holding(set(between))
        jpeg = stats.files.formats.get("JPEG", 0)
        source = f"; {plural(jpeg, 'mask')} saved as JPEG" if jpeg else ""
        yield ctx.finding(
            check,
            name,
            f"{len(dominant)} dominant values ({fmt_values(dominant)}) and "
            f"{len(between)} rare values between them in {plural(held or 0, 'mask')} "
            f"({files(stats.files_with(between), held or 0)}): compression artefacts{source}",
            rows=held,
            values=between,
            files=stats.files_with(between),
        )


def _split(pixels: dict[int, int]) -> tuple[list[int], list[int]]:
    """The rare values and the dominant ones, each sorted."""
    total = sum(pixels.values())
    rare = sorted(v for v, n in pixels.items() if n < RARE_SHARE * total)
    return rare, sorted(v for v in pixels if v not in set(rare))


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    stats = ctx.stats.columns.get(finding.column) if finding.column else None
    pixels = getattr(stats, "pixels", None)
    if finding.column is None or not pixels:
        return [Unfixed()]
    return [MapMask(finding.column, "nearest", tuple(peaks(pixels, _split(pixels)[1])))]


#: A dominant value this close to a peak, holding under this share of its pixels, is an
#: artefact of that peak (JPEG keeps most edge pixels within a few levels of the class) --
#: when the values are spread over the 8-bit range (0/255, 0/128/255 masks); class ids
#: 0..K-1 next to each other are never merged.
PEAK_NEAR = 8
PEAK_SHARE = 0.25


def peaks(pixels: dict[int, int], dominant: list[int]) -> list[int]:
    """The class values among the dominant ones: the largest first, then each value not
    both near a larger peak and much smaller than it (sorted)."""
    if not dominant or dominant[-1] - dominant[0] <= 2 * PEAK_NEAR:
        return dominant
    found: list[int] = []
    for v in sorted(dominant, key=lambda v: (-pixels[v], v)):
        if not any(abs(p - v) <= PEAK_NEAR and pixels[v] < PEAK_SHARE * pixels[p] for p in found):
            found.append(v)
    return sorted(found)
