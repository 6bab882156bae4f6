"""LC213 label-string: string or categorical labels that need encoding.

## What it does
Reports a label column of strings or categories (dictionary-encoded strings), with its classes.
Not for class folders of images: their loaders number the folders by sorted name.

## Why is this bad?
Losses take numbers. Encoding by hand (`LabelEncoder`, `pd.factorize`) is
easy to get inconsistent between training and serving: a different order or
an unseen class at inference silently changes what each output means.

## Example
```
y: ['cat', 'dog', 'cat', 'bird']
```

## Fix
Reindex to 0..K-1 sorted by value; the mapping is saved in the plan and
`plan.decode_labels(ids)` turns predictions back into the original strings.

## References
- scikit-learn/scikit-learn#22939 and #8136: users want an encoder that
  handles labels unseen at training time.
"""

from collections.abc import Iterator

from labelcheck.rules.base import Finding, RuleContext, fmt_values, rule


@rule(
    "LC213",
    "label-string",
    "info",
    fix="reindex-labels",
    fix_title="Encode the labels as 0..K-1 (mapping saved)",
    summary="string or categorical labels that need encoding to 0..K-1",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    lab = ctx.label
    if lab is None or lab.kind != "string":
        return
    if any(s.folders is not None for s in ctx.stats.of_kind("image").values()):
        return  # class folders: every loader numbers them by sorted folder name
    classes = [v for v, _ in lab.sorted_distinct() or []]
    what = f"{len(classes):,} classes: {fmt_values(classes)}" if classes else "many classes"
    yield ctx.finding(
        check,
        ctx.label_name,
        f"{lab.kind} labels ({what}) need encoding to class ids 0..K-1",
        values=classes,
    )
