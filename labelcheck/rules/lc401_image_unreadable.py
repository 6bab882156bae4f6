"""LC401 image-unreadable: image files that do not decode.

## What it does
Reports files with an image extension that Pillow cannot load fully: zero-byte
files, truncated files, files that are not images despite their name, paths
that do not resolve, and images over Pillow's pixel limit (a decompression
bomb, never decoded). A file counts as readable only when
`Image.open(path).load()` succeeds, as in the user's own loader; a truncated
JPEG whose header opens but whose pixels do not load is reported.

## Why is this bad?
The `DataLoader` raises when it reaches the file, mid-epoch, hours into
training: `PIL.UnidentifiedImageError: cannot identify image file
'...\\Cat\\666.jpg'` (a zero-byte file in a public cats/dogs set,
lucidrains/lightweight-gan#109), a crash after 6,900 iterations
(seasonSH/SemanticStyleGAN#8), an ImageNet JPEG that does not decode
(facebookresearch/deit#76), `OSError: image file is truncated`.

## Example
```
train/dog/zero.jpg: empty file (0 bytes)
train/cat/part.jpg: does not load: image file is truncated (17 bytes not processed)
```

## Fix
Exclude the files (every one is listed in the JSON report), or re-download them.
`labelcheck fix DIR -o OUT_DIR` leaves them out of the fixed folder, each named in the
plan with its reason.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules._images import files
from labelcheck.rules.base import ExcludeFiles, Finding, Proposal, RuleContext, plural, rule


@rule(
    "LC401",
    "image-unreadable",
    "error",
    fix="exclude-files",
    fix_title="Exclude the unreadable files (or re-download them)",
    summary=(
        "image files Pillow cannot load fully: zero bytes, truncated, not an image, over the "
        "pixel limit"
    ),
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, stats in ctx.images():
        if not stats.failed:
            continue
        named = [f"{path} ({reason})" for path, reason in stats.failures]
        yield ctx.finding(
            check,
            name,
            f"{plural(stats.failed, 'image')} of {stats.images:,} "
            f"{'does' if stats.failed == 1 else 'do'} not decode: "
            f"{files(named, stats.failed)}; a DataLoader raises when it reaches them",
            rows=stats.failed,
            values=[path for path, _ in stats.failures],
            files=[path for path, _ in stats.failures],
        )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    assert finding.column is not None
    return [ExcludeFiles(finding.column, "unreadable")]
