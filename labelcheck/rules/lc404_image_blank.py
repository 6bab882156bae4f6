"""LC404 image-blank: constant images (all black, all white, placeholders).

## What it does
Reports images whose every pixel has the same value in every channel: an
all-black frame, an all-white page, a grey "image not available" placeholder
saved in place of a photo.

## Why is this bad?
A blank image carries no information but still carries a label: the model is
taught that nothing at all means "cat". A constant image also has zero
variance, so per-image standardisation divides by zero and yields NaN.

## Example
```
image: 2 constant images: cat/black.png (value 0), dog/white.jpg (value 255)
```

## Fix
Exclude the files (every one is listed in the JSON report); `labelcheck fix DIR -o
OUT_DIR` leaves them out.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._images import files
from labelcheck.rules.base import (
    ExcludeFiles,
    Finding,
    Proposal,
    RuleContext,
    fmt_values,
    plural,
    rule,
)


@rule(
    "LC404",
    "image-blank",
    "warning",
    fix="exclude-files",
    fix_title="Exclude the blank files",
    summary=("constant images (all black, all white, placeholders)"),
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.images():
        if not stats.blank:
            continue
        named = [f"{path} (value {fmt_values(value)})" for path, value in stats.blank_paths]
        yield ctx.finding(
            check,
            name,
            f"{plural(stats.blank, 'constant image')} of {stats.images:,}: "
            f"{files(named, stats.blank)}; they carry a label but no information",
            rows=stats.blank,
            values=[path for path, _ in stats.blank_paths],
            files=[path for path, _ in stats.blank_paths],
        )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    assert finding.column is not None
    return [ExcludeFiles(finding.column, "constant")]
