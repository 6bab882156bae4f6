"""LC209 label-loss-domain: labels outside the domain of the declared loss.

## What it does
With `--loss NAME`, checks the labels against that loss's domain:

| loss | valid labels |
|---|---|
| `binary_crossentropy` / `bce` | [0, 1] |
| `categorical_crossentropy` | list rows, non-negative, summing to 1 |
| `poisson`, `kl_divergence` | >= 0 |
| `mean_squared_logarithmic_error` / `msle` | > -1 |
| `hinge`, `squared_hinge` | {-1, 1} |
| `mse`, `mae`, `huber` | any finite value (LC201/LC202) |

For `sparse_categorical_crossentropy` / `cross_entropy` the domain (integers
in [0, n_classes)) is checked by LC203, LC204 and LC208.

## Why is this bad?
Outside its domain a loss takes the log of a negative number (NaN), or is
silently wrong: PyTorch's BCE accepts a target of 2 and returns a negative
loss, and a Poisson regression with y < 0 diverges without warning.

## Example
```
--loss bce, y: [0, 1, 2]          # 2 is outside [0, 1]
--loss poisson, y: [3.0, -1.0]    # negative count
```

## Fix
`labelcheck fix` repairs what has one clear repair, by loss:

- `hinge`, `squared_hinge` with two label values: map them to -1 and 1 (the
  smaller to -1); the mapping is saved and `plan.decode_labels` undoes it.
- `binary_crossentropy` with two label values (0/255 masks, -1/1): map them to
  0 and 1 (saved likewise). With three or more classes it is listed as unfixed:
  use a categorical loss (`sparse_categorical_crossentropy`).
- `poisson`, `kl_divergence`: drop the rows with negative targets;
  `mean_squared_logarithmic_error`: drop the rows with targets <= -1 (counted).

Anything else (fractional BCE targets outside [0, 1], invalid probability rows)
is listed as unfixed: rescale the targets, or pick the loss that matches them.

## References
- pytorch/pytorch#87373: BCE target of 2 accepted, negative loss.
- scikit-learn-contrib/skglm#114: Poisson with y < 0 diverges silently.
"""

from collections.abc import Callable, Iterator
from typing import Any

from labelcheck.options import HINGE_LOSSES, Strategies
from labelcheck.rules.base import (
    DropRows,
    Finding,
    FixName,
    Proposal,
    Reindex,
    RuleContext,
    Unfixed,
    fmt,
    fmt_values,
    plural,
    rule,
)
from labelcheck.stats.column import ColumnStats

_DOMAINS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "binary_crossentropy": ("[0, 1]", lambda v: 0 <= v <= 1),
    "poisson": (">= 0", lambda v: v >= 0),
    "kl_divergence": (">= 0", lambda v: v >= 0),
    "mean_squared_logarithmic_error": ("> -1", lambda v: v > -1),
    "hinge": ("{-1, 1}", lambda v: v in (-1, 1)),
    "squared_hinge": ("{-1, 1}", lambda v: v in (-1, 1)),
}


@rule(
    "LC209",
    "label-loss-domain",
    "error",
    summary="labels outside the domain of the `--loss` you train with",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    loss = ctx.options.loss
    lab = ctx.label
    if loss is None or lab is None:
        return
    if loss == "categorical_crossentropy":
        yield from _categorical(ctx)
        return
    if loss not in _DOMAINS or lab.kind not in ("numeric", "bool") or lab.n == 0:
        return
    domain, ok = _DOMAINS[loss]
    items = lab.sorted_distinct()
    if items is not None:
        bad = [(v, c) for v, c in items if not ok(v)]
        values: list[Any] = [v for v, _ in bad]
        rows: int | None = sum(c for _, c in bad)
    else:
        values = sorted({v for v in (*lab.bottom, *lab.top) if not ok(v)})
        rows = None
    if not values:
        return
    count = plural(rows, "label") if rows is not None else "labels"
    repair, title, hint = _repair(loss, lab)
    yield ctx.finding(
        check,
        ctx.label_name,
        f"{count} outside the domain of {loss}, {domain} ({fmt_values(values)}; labels span "
        f"{fmt(lab.min)}..{fmt(lab.max)}); {hint}",
        rows=rows,
        values=values,
        fix=repair,
        fix_title=title,
    )


def _two_classes(lab: ColumnStats) -> list[Any] | None:
    """The two label values, when the label has exactly two (integer-valued) ones."""
    items = lab.sorted_distinct()
    if items is None or len(items) != 2 or lab.non_integer:
        return None
    return [v for v, _ in items]


def _repair(loss: str, lab: ColumnStats) -> tuple[FixName | None, str | None, str]:
    """The fix (step name), its title, and the message's advice, for this loss."""
    two = _two_classes(lab)
    if loss in HINGE_LOSSES:
        if two:
            return (
                "reindex-labels",
                "Map the two labels to -1 and 1 (mapping saved)",
                f"map {{{fmt(two[0])}, {fmt(two[1])}}} to {{-1, 1}}",
            )
        return None, None, "a hinge loss takes exactly two classes, coded -1 and 1"
    if loss == "binary_crossentropy":
        if two:
            return (
                "reindex-labels",
                "Map the two labels to 0 and 1 (mapping saved)",
                f"map {{{fmt(two[0])}, {fmt(two[1])}}} to {{0, 1}}",
            )
        items = lab.sorted_distinct()
        if items is not None and len(items) > 2 and not lab.non_integer:
            return (
                None,
                None,
                f"{len(items)} classes: use a categorical loss (sparse_categorical_crossentropy)",
            )
        return None, None, "rescale the targets into [0, 1]"
    if loss in ("poisson", "kl_divergence"):
        return (
            "drop-rows",
            "Drop the rows with negative targets",
            ("drop the rows with negative targets, or pick a loss that allows them"),
        )
    return (
        "drop-rows",
        "Drop the rows with targets <= -1",
        ("drop the rows with targets <= -1, or shift the targets"),
    )


@check.fixer
def fix(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    column, loss, lab = finding.column, ctx.options.loss, ctx.label
    if column is None or loss is None or lab is None or finding.fix is None:
        return [Unfixed()]
    if finding.fix == "reindex-labels":
        return [Reindex(ids=(-1, 1) if loss in HINGE_LOSSES else None)]
    if loss in ("poisson", "kl_divergence"):
        return [DropRows(column, "below", bound=0.0)]
    return [DropRows(column, "at-most", bound=-1.0)]  # mean_squared_logarithmic_error


def _categorical(ctx: RuleContext) -> Iterator[Finding]:
    lab = ctx.label
    assert lab is not None
    if lab.kind != "list":
        yield ctx.finding(
            check,
            ctx.label_name,
            f"categorical_crossentropy needs one-hot or probability rows (a list column), "
            f"but the label is {lab.dtype}; use sparse_categorical_crossentropy for class ids",
        )
        return
    bad = lab.list_invalid_rows
    if bad:
        yield ctx.finding(
            check,
            ctx.label_name,
            f"{plural(bad, 'target row')} of {lab.list_rows:,} are not probability "
            f"rows ({lab.list_negative_rows:,} with a negative or NaN entry, "
            f"{lab.list_bad_sum_rows:,} not summing to 1); fix them at their source or "
            "drop them",
            rows=bad,
        )
