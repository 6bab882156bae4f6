"""Small helpers shared by the label rules (pure functions of label statistics)."""

from __future__ import annotations

from typing import Any

from labelcheck.rules.base import RuleContext

#: Values commonly used as deliberate "ignore this target" markers.
IGNORE_MARKERS = (-100, -1, 255)


def marker_hint(values: list[Any]) -> str:
    """The SPEC §4 note when the flagged values are common ignore markers.

    Only when every flagged value is one: among 91 negative ids, -100 is no marker.
    """
    markers = [v for v in values if v in IGNORE_MARKERS]
    if not markers or len(markers) != len(values):
        return ""
    v = markers[0]
    return (
        f"; {v} is a common ignore marker (PyTorch ignore_index, segmentation masks): if it "
        f"is one, pass --ignore-index {v} instead"
    )


def integer_classes(ctx: RuleContext) -> list[tuple[Any, int]] | None:
    """Distinct numeric class ids with counts, when the label is integer class ids."""
    lab = ctx.numeric_label
    if lab is None or not ctx.classification or lab.non_integer or lab.distinct is None:
        return None
    return ctx.label_classes()


def zero_symmetric(ids: list[Any]) -> bool:
    """{-1, 1}, {-1, 0, 1}, {-2..2}: ids that mirror around 0."""
    s = set(ids)
    return len(s) >= 2 and min(s) < 0 and s == {-v for v in s}
