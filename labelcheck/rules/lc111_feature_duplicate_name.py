"""LC111 feature-duplicate-name: several columns share one name.

## What it does
Reports each column name that more than one column carries (a CSV header
`a,a,b`, a Parquet file written from a DataFrame with repeated columns). The
other columns are scanned; the repeated ones are not, since nothing can say
which `a` a name refers to. A reference split (`--reference`) repeating a
name is reported too: this split's column of that name is not compared with it.

## Why is this bad?
What the model sees depends on the reader: pandas renames CSV columns to
`a`, `a.1` but keeps repeated Parquet names, so `df["a"]` returns two columns
where code expects one; polars and many feature stores refuse the file. A
feature list by name then silently picks one of them, or the pipeline
crashes. And their values were not checked for NaN or scale.

## Example
```
a,a,b,y
1.0,250,0.5,0
```

## Fix
Rename the columns so each name is unique, then scan again. There is no
automatic fix: `labelcheck fix` refuses the file, since writing it would carry
the ambiguity into the output.
"""

from collections.abc import Iterator

from labelcheck.rules.base import Finding, RuleContext, rule


@rule(
    "LC111",
    "feature-duplicate-name",
    "error",
    fix_title="Rename the columns so each name is unique",
    summary="several columns share one name (`a,a,b`): those are not scanned",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for name, count in ctx.stats.plan.repeated:
        yield ctx.finding(
            check,
            name,
            f"{count} columns are named {name!r}, so they were not checked; "
            "rename them so each name is unique",
            values=[count],
        )
    ref = ctx.reference
    if ref is None:
        return
    where = f" {ctx.reference_name}" if ctx.reference_name else ""
    for name, count in ref.plan.repeated:
        if name not in ctx.stats.plan.features:
            continue  # not a column of this split: nothing was left uncompared
        yield ctx.finding(
            check,
            name,
            f"{count} columns of the reference{where} are named {name!r}, so this split's "
            f"{name!r} was not compared with it (leakage, shift); rename them so each name "
            "is unique",
            values=[count],
        )
