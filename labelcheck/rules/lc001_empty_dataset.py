"""LC001 empty-dataset: the dataset has no rows.

## What it does
Reports a dataset with zero rows (after reading every file, part and batch).

## Why is this bad?
A mean over zero examples is 0/0: PyTorch's `CrossEntropyLoss` with
`reduction="mean"` on an empty batch returns `nan`, and an empty training set
usually means an upstream filter or a join went wrong.

An image folder with no image (class folders that are empty, or hold only
`Thumbs.db` and `.DS_Store`) is the same: torchvision's `ImageFolder` raises
`FileNotFoundError` before the first epoch.

## Example
A Parquet file written from a query whose `WHERE` clause matched nothing; a
class-folder layout `data/cat/`, `data/dog/` whose folders hold no image.

## Fix
There is nothing to repair in the data: check the step that produced it.
"""

from collections.abc import Iterator

from labelcheck.rules.base import Finding, RuleContext, rule


@rule("LC001", "empty-dataset", "error", summary="the dataset has zero rows")
def check(ctx: RuleContext) -> Iterator[Finding]:
    if ctx.stats.rows == 0:
        images = ctx.stats.of_kind("image")
        what = (
            "the dataset has 0 images (no file with an image extension: .jpg, .png, ...)"
            if images
            else "the dataset has 0 rows"
        )
        yield ctx.finding(check, None, f"{what}; check the step that produced it", rows=0)
