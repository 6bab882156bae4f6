"""LC214 label-unknown-class: a class id or name that the schema's `classes` does not list.

## What it does
With a schema that lists `classes:` (written by `labelcheck infer`, or by
hand), reports every label value that is not one of them, with its row
count. Works for integer ids and for names (strings); ids given as numbers
in the schema also match labels stored as text ("3" matches 3). Values
declared with `ignore_index` are not labels and are left out.

## Why is this bad?
A class the model was not built for either crashes training (an id past the
output layer: `IndexError: Target 7 is out of bounds`) or is silently
learned as something else: a new name gets the next id from the label
encoder, so every later class id shifts by one, and a model trained on the
old mapping predicts the wrong class for all of them. A typo ("cat " vs
"cat") quietly becomes a class of its own.

## Example
```
schema: classes: [cat, dog, bird]
data:   label: cat, dog, bird, Dog, fish
```

## Fix
Correct the typos, drop rows of classes you do not train on, or, if the new
class is intended, add it to the schema's `classes` (and `n_classes`) and
retrain the output layer.
"""

from collections.abc import Iterator
from typing import Any

from labelcheck.rules.base import Finding, RuleContext, fmt, fmt_values, plural, rule


@rule(
    "LC214",
    "label-unknown-class",
    "error",
    fix_title="Fix or drop the rows with unknown classes, or add the class to the schema",
    summary="a label not among the schema's `classes`",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    classes = ctx.options.classes
    lab = ctx.label
    if classes is None or lab is None or lab.count == 0:
        return
    known = _known(classes, text=lab.kind == "string")
    listed = _listed(classes)
    items = lab.sorted_distinct()
    if items is not None:  # exact: every distinct value with its count
        bad = [(v, c) for v, c in items if _key(v) not in known]
        if not bad:
            return
        bad.sort(key=lambda vc: -vc[1])  # the commonest unknown classes first
        rows = sum(c for _, c in bad)
        shown = ", ".join(f"{fmt(v)} ({plural(c, 'row')})" for v, c in bad[:5])
        more = f", ... ({len(bad) - 5} more)" if len(bad) > 5 else ""
        yield ctx.finding(
            check,
            ctx.label_name,
            f"{plural(rows, 'row')} with {len(bad):,} {'class' if len(bad) == 1 else 'classes'} "
            f"not in the schema's "
            f"classes {listed}: {shown}{more}",
            rows=rows,
            values=[v for v, _ in bad],
        )
        return
    # Past the distinct-value cap only the extremes are known: report what lies
    # beyond the declared ids (a lower bound on the damage).
    numeric = [c for c in classes if isinstance(c, int | float) and not isinstance(c, bool)]
    if lab.kind not in ("numeric", "bool") or not numeric:
        return
    lo, hi = min(numeric), max(numeric)
    values = [v for v in [*lab.top, *lab.bottom] if v > hi or v < lo]
    values = [v for v in dict.fromkeys(values) if _key(v) not in known]
    if values:
        yield ctx.finding(
            check,
            ctx.label_name,
            f"at least {plural(len(values), 'label value')} outside the schema's classes "
            f"{listed} ({fmt_values(values)}); too many distinct labels to count them all",
            values=values,
        )


def _key(value: Any) -> Any:
    """A comparable form: 3.0 -> 3 (ids read from floats), strings stripped of nothing."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _known(classes: tuple[Any, ...], *, text: bool) -> set[Any]:
    out = {_key(c) for c in classes}
    if text:  # labels stored as text ("3") against ids declared as numbers (3)
        out |= {str(c) for c in classes if not isinstance(c, str)}
    return out


def _listed(classes: tuple[Any, ...]) -> str:
    if len(classes) > 10:
        return f"({len(classes)} classes: {fmt_values(list(classes))})"
    return "[" + ", ".join(fmt(c) for c in classes) + "]"
