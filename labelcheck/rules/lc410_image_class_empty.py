"""LC410 image-class-empty: a class folder with no readable image.

## What it does
Reports each class folder (`root/<class>/`) that holds no image Pillow can
load: an empty folder, one holding only non-image files (`Thumbs.db`,
`.DS_Store`, notes), or only unreadable images.

## Why is this bad?
torchvision's `ImageFolder` raises `FileNotFoundError: Found no valid file for
the classes ...` before training starts, while Keras'
`image_dataset_from_directory` keeps the class in `class_names` and gives it an
id no example has: the model gets an output that can never be right, and
class ids shift if the folder is deleted later.

## Example
```
data/
  cat/  1.jpg 2.jpg ...
  dog/  (empty)
```

## Fix
Add the class's images, or remove the folder (class ids after it shift by one:
retrain, never reuse an old model's ids).
"""

from collections.abc import Iterator

from labelcheck.rules.base import Finding, RuleContext, rule


@rule(
    "LC410",
    "image-class-empty",
    "error",
    fix_title="Add the class's images, or remove the folder",
    summary=("a class folder with no readable image (`ImageFolder` raises `FileNotFoundError`)"),
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.stats.of_kind("image").items():
        for folder, (decoded, failed) in sorted((stats.folders or {}).items()):
            if decoded or not folder:
                continue
            what = (
                f"its {failed:,} image{'s' if failed != 1 else ''} all fail to decode (LC401)"
                if failed
                else "it holds no image file"
            )
            yield ctx.finding(
                check,
                name,
                f"class folder {folder!r} has no readable image: {what}; torchvision's "
                "ImageFolder raises FileNotFoundError, Keras keeps a class id no example has",
                rows=0,
                values=[folder],
            )
