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
    """Distinct numeric class ids with counts, when the label is integer class ids.

    With a reference split, the ids are the model's: the reference's classes this
    split lacks join with a count of 0, so the class-id rules judge a split against
    the classes training has (a test split of {1, 2} of a train split {0, 1, 2} is
    contiguous) and the mapping they propose is the reference's.
    """
    lab = ctx.numeric_label
    if lab is None or not ctx.classification or lab.non_integer or lab.distinct is None:
        return None
    classes = ctx.label_classes()
    ref = ctx.reference.label if ctx.reference is not None else None
    if classes is None or ref is None or ref.kind not in ("numeric", "bool"):
        return classes
    if ref.non_integer or ref.distinct is None:
        return classes
    mine = {v for v, _ in classes}
    lacking = [(v, 0) for v in ref.distinct if v not in mine]
    return sorted([*classes, *lacking], key=lambda item: item[0]) if lacking else classes


def zero_symmetric(ids: list[Any]) -> bool:
    """{-1, 1}, {-1, 0, 1}, {-2..2}: ids that mirror around 0."""
    s = set(ids)
    return len(s) >= 2 and min(s) < 0 and s == {-v for v in s}
