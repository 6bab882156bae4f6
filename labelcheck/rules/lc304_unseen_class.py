"""LC304 unseen-class: classes in this split that the reference split never has.

## What it does
With a reference split, compares the distinct labels of a classification
dataset with the reference's and lists the classes (and their rows) that
training never saw.

## Why is this bad?
A model cannot predict a class it was never trained on: every row of it is
an error by construction, and if the label is encoded by the training
mapping, the unseen id is out of range for the output layer
(`IndexError: Target 11 is out of bounds`, a CUDA device-side assert). Unseen
classes come from a stratified split of a rare class, a label typo, or a
taxonomy that changed between dumps.

## Example
```
LC304 error y: 2 classes never occur in the reference train.parquet: 'Dog': 7, 11: 3
```

## Fix
None automatic: add examples of the class to training, merge it into a known
class, or drop its rows from evaluation deliberately. `fix --reference` codes
the labels with the reference's mapping, which has no id for these classes:
it drops their rows (counted), lists the finding as not fixed and exits 1.
"""

from collections.abc import Iterator

from labelcheck.options import Strategies
from labelcheck.rules.base import DropRows, Finding, Proposal, RuleContext, Unfixed, fmt, rule


@rule(
    "LC304",
    "unseen-class",
    "error",
    summary="classes in this split that the reference never has",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    counts = ctx.class_counts_against_reference()
    if counts is None or ctx.label is None:
        return
    theirs = counts[1]
    unseen = _unseen(ctx, theirs)
    if not unseen:
        return
    where = f" {ctx.reference_name}" if ctx.reference_name else ""
    listed = ", ".join(f"{fmt(v)}: {c:,}" for v, c in unseen[:5])
    more = ", ..." if len(unseen) > 5 else ""
    yield ctx.finding(
        check,
        ctx.label_name,
        f"{len(unseen)} class{'es' if len(unseen) != 1 else ''} never occur in the "
        f"reference{where}: {listed}{more}",
        rows=sum(c for _, c in unseen),
        values=[v for v, _ in unseen],
    )


def _unseen(ctx: RuleContext, theirs: dict) -> list[tuple[object, int]]:
    assert ctx.label is not None
    return [(v, c) for v, c in (ctx.label.sorted_distinct() or []) if v not in theirs]


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    # The reference's label mapping has no id for these classes (a new id would be a
    # class the model has no output for): their rows go, counted, and the finding stays.
    counts = ctx.class_counts_against_reference()
    if counts is None or ctx.label_name is None:
        return [Unfixed()]
    values = tuple(v for v, _ in _unseen(ctx, counts[1]))
    why = (
        "their rows are dropped: the reference's label mapping has no id for them; add "
        "examples to training or merge them into known classes"
    )
    return [DropRows(ctx.label_name, "in", values), Unfixed(why)]
