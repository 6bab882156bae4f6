"""Small helpers shared by the image rules (pure functions of image statistics)."""

from __future__ import annotations

from collections.abc import Sequence

#: Files named in a finding's message (every kept one is in its values).
SHOWN = 3


def files(names: Sequence[str], total: int, limit: int = SHOWN) -> str:
    """The first few file names, then how many more of ``total``: 'a.jpg, b.jpg and 4 more'."""
    shown = ", ".join(names[:limit])
    more = total - min(limit, len(names))
    return shown + (f" and {more:,} more" if more > 0 else "")
