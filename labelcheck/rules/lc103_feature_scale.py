"""LC103 feature-scale: a feature far from unit scale (max |x| > 10).

## What it does
Reports numeric features whose largest absolute value exceeds `scale_max_abs`
(default 10), such as raw pixels in 0..255 or prices in dollars.

## Why is this bad?
Weights are initialised for inputs of unit scale. Inputs in the hundreds make
the first activations and gradients hundreds of times too large: with a
normal learning rate the first update overshoots and the loss jumps to Inf or
NaN ("inputs not normalized" in the classic NaN-loss Q&A).

For folders of image files, whose 8-bit pixels are 0..255 by nature, an
`info` finding says what the loaders make of them; 16-bit images are a
warning (torchvision's `ToTensor` does not scale them). For image arrays it
is one finding naming the channels, never one per pixel position.

## Example
```
pixel_0: min 0, max 255
```

## Fix
Normalize min-max to [-1, 1] with the fitted range (the default), or
standardize to mean 0 and std 1 (`--scale standard`). The fitted parameters
are saved in the plan and replayed on new data.

## References
- mlmed/torchxrayvision#9: unnormalized pixels gave inf/NaN after the first
  training step.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from labelcheck.rules.base import Finding, RuleContext, channels, fmt, plural, rule

if TYPE_CHECKING:  # the kind's module loads with its first column (start-up)
    from labelcheck.stats.image import ImageStats


@rule(
    "LC103",
    "feature-scale",
    "warning",
    fix="normalize",
    fix_title="Normalize min-max to [-1, 1] (or standardize)",
    summary="a feature far from unit scale, max |x| > 10 (pixels 0..255): gradients explode",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    limit = ctx.options.thresholds.scale_max_abs
    for name, stats in ctx.numeric_features():
        max_abs = stats.max_abs
        if max_abs is not None and max_abs > limit:
            yield ctx.finding(
                check,
                name,
                f"values range from {fmt(stats.min)} to {fmt(stats.max)} "
                f"(max |x| {fmt(max_abs)} > {fmt(limit)})",
                values=[stats.min, stats.max],
            )
    for name, images in ctx.images():
        yield from _decoded_scale(ctx, name, images)
    for name, tensor, hits in ctx.tensor_channels(
        lambda c: c.max_abs is not None and c.max_abs > limit
    ):
        lo, hi = min(c.min for _, c in hits), max(c.max for _, c in hits)
        hint = "; divide by 255 (8-bit pixels)" if hi <= 255 and lo >= 0 else ""
        yield ctx.finding(
            check,
            name,
            f"image values range from {fmt(lo)} to {fmt(hi)} in "
            f"{channels(hits, len(tensor.channels))} (max |x| > {fmt(limit)}){hint}",
            values=[lo, hi],
            fix_title="Scale the array before training (X / 255 for 8-bit pixels)",
        )


def _decoded_scale(ctx: RuleContext, name: str, images: "ImageStats") -> Iterator[Finding]:
    """Image files decode to 0..255 (8-bit) by nature: say what the loaders make of it."""
    wide = {m: n for m, n in images.modes.items() if m.startswith(("I", "F"))}
    if wide:
        top = max((c.max for b, c in images.channels.items() if b in ("I", "F")), default=None)
        yield ctx.finding(
            check,
            name,
            f"{plural(sum(wide.values()), 'image')} of 16 or 32 bits per pixel "
            f"({', '.join(sorted(wide))}, values up to {fmt(top)}); torchvision's ToTensor "
            "does not scale them (above 32767 they wrap negative): convert with "
            "np.asarray(im, np.float32) / 65535",
            values=[top],
            severity="warning",
            fix_title="Convert to float and scale in the loader",
        )
    bands = [b for b in images.channels if b not in ("I", "F")]
    if bands:
        yield ctx.finding(
            check,
            name,
            f"pixels decode as 0..255 ({', '.join(bands)}); torchvision's ToTensor yields "
            "0..1, Keras' image_dataset_from_directory float 0..255: add Rescaling(1/255) "
            "(or Normalize with the channel means)",
            values=[0, 255],
            severity="info",
            fix_title="Scale in the loader (ToTensor, Rescaling(1/255))",
        )
