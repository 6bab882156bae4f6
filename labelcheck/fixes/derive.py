"""Derive a :class:`FixPlan` from a scan: each finding's ``fix`` becomes a fitted step.

Pure functions of a :class:`~labelcheck.report.Report` (its findings and
statistics): no data access here. The passes that need data (refitting after
rows are dropped, exact medians) live in :mod:`labelcheck.fixes.apply`.

========  =========================================  ==============================
finding   default step                               strategy alternative
========  =========================================  ==============================
LC101     drop-rows where the feature is null/NaN    ``nan="median"``: impute
LC102     drop-rows where the feature is ±Inf         ``inf="clip"``: clip to range
LC103/6   normalize [min, max] -> [-1, 1]            ``scale="standard"``
LC104     normalize every numeric feature            ``scale="standard"``
LC105     drop-column (constant)
LC107     drop-column (not numeric; "cast" is left to the user)
LC108     clip to the range of the other values
LC201/2   drop-rows where the label is missing / ±Inf
LC203/6/7 reindex-labels (sorted original -> 0..K-1)
LC204     reindex-labels if K <= n_classes, else drop the rows with ids >= n_classes
LC205     drop-rows with the outlier ids             ``outliers="reindex"``
LC212     scale-target (mean, std; invertible)
LC213     reindex-labels (strings -> 0..K-1)
========  =========================================  ==============================

A classification label whose classes are known always gets a
``reindex-labels`` step, even an identity one (0..K-1 -> 0..K-1): it records
the classes, so ``apply`` refuses labels the model has never seen (which would
index past its output layer) and ``decode_labels`` works. Findings no step can
fix (LC208, LC209, LC210, ...) are listed in ``plan.unfixed``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from labelcheck.errors import InputError
from labelcheck.fixes.plan import FixPlan, Step
from labelcheck.report import Report
from labelcheck.rules.base import Finding, RuleContext
from labelcheck.stats.column import ColumnStats

NanStrategy = Literal["drop", "median"]
InfStrategy = Literal["drop", "clip"]
ScaleStrategy = Literal["minmax", "standard"]
OutlierStrategy = Literal["drop", "reindex"]


@dataclass(frozen=True)
class Strategies:
    """How to fix what has more than one fix; validated when built."""

    nan: NanStrategy = "drop"  # LC101: drop the rows, or impute the exact median
    inf: InfStrategy = "drop"  # LC102: drop the rows, or clip to the finite range
    scale: ScaleStrategy = "minmax"  # LC103/LC104/LC106: normalize to [-1, 1] or standardize
    outliers: OutlierStrategy = "drop"  # LC205: drop the rows, or keep them as a class

    def __post_init__(self) -> None:
        for name, kind, flag in (
            ("nan", NanStrategy, "--nan / nan_strategy"),
            ("inf", InfStrategy, "--inf / inf_strategy"),
            ("scale", ScaleStrategy, "--scale / scale"),
            ("outliers", OutlierStrategy, "--outliers / outliers"),
        ):
            value = getattr(self, name)
            if value not in get_args(kind):
                raise InputError(
                    f"invalid {flag} {value!r}; choose one of: {', '.join(get_args(kind))}"
                )

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _tag(f: Finding) -> str:
    return f"{f.code} {f.name}"


def _ctx(report: Report) -> RuleContext:
    return RuleContext(stats=report.stats, options=report.options, task=report.task)


# ------------------------------------------------------------------ drop rows
def drop_steps(report: Report, strategies: Strategies) -> list[Step]:
    """The row filters the findings call for (their columns' other fixes come later)."""
    stats, label = report.stats, report.label
    steps: list[Step] = []

    def add(step: Step) -> None:
        key = (step.column, step.params["when"])
        for s in steps:
            if (s.column, s.params["when"]) == key and key[1] != "in":
                s.reason = ", ".join(dict.fromkeys([*s.reason.split(", "), step.reason]))
                return
        steps.append(step)

    for f in report.findings:
        col = f.column
        if col is None or col not in stats.columns:
            continue
        if f.code == "LC201":
            add(Step("drop-rows", col, {"when": "missing"}, _tag(f), f.rows))
        elif f.code == "LC202":
            add(Step("drop-rows", col, {"when": "inf"}, _tag(f), f.rows))
        elif f.code == "LC205" and strategies.outliers == "drop":
            values = [v for v, _ in _ctx(report).label_outliers] or list(f.values)
            add(Step("drop-rows", col, {"when": "in", "values": values}, _tag(f), f.rows))
        elif f.code == "LC204":
            too_many = _lc204_drop(report)
            if too_many:
                add(Step("drop-rows", col, {"when": "in", "values": too_many}, _tag(f), f.rows))
        elif col != label and f.code == "LC101" and strategies.nan == "drop":
            if stats.columns[col].n:  # an all-missing column is dropped, not every row
                add(Step("drop-rows", col, {"when": "missing"}, _tag(f), f.rows))
        elif col != label and f.code == "LC102" and strategies.inf == "drop":
            add(Step("drop-rows", col, {"when": "inf"}, _tag(f), f.rows))
    return steps


def _lc204_drop(report: Report) -> list[Any] | None:
    """Ids >= n_classes to drop, when there are more classes than outputs (else reindex)."""
    k = report.options.n_classes
    lab = report.stats.label
    items = lab.sorted_distinct() if lab is not None else None
    if k is None or items is None or len(items) <= k:
        return None
    if lab is None or lab.kind == "string":
        return None  # more names than outputs: which to drop is the user's call (LC204)
    return [v for v, _ in items if v >= k]


def impute_columns(report: Report, strategies: Strategies) -> list[str]:
    """Feature columns whose missing values are imputed (they need a median)."""
    if strategies.nan != "median":
        return []
    stats = report.stats
    return list(
        dict.fromkeys(
            f.column
            for f in report.findings
            if f.code == "LC101"
            and f.column in stats.columns
            and f.column != report.label
            and stats.columns[f.column].n
        )
    )


# ------------------------------------------------------------------- moments
@dataclass
class _Moments:
    """(n, mean, m2) of a column, adjusted exactly for values a step replaces."""

    n: int
    mean: float
    m2: float

    @classmethod
    def of(cls, s: ColumnStats) -> _Moments:
        return cls(s.n, s.mean, s.m2)

    def add(self, value: float, count: int) -> None:  # Chan et al., a constant group
        if count <= 0:
            return
        n = self.n + count
        delta = value - self.mean
        self.mean += delta * count / n
        self.m2 += delta * delta * self.n * count / n
        self.n = n

    def remove(self, value: float, count: int) -> None:  # the inverse of add
        if count <= 0:
            return
        n = self.n - count
        if n <= 0:
            self.n, self.mean, self.m2 = 0, 0.0, 0.0
            return
        mean = (self.n * self.mean - count * value) / n
        self.m2 = max(self.m2 - (value - mean) ** 2 * n * count / self.n, 0.0)
        self.n, self.mean = n, mean

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / self.n) if self.n else 0.0


@dataclass
class _Column:
    """What happens to one feature column, gathered from all its findings."""

    lo: float | None = None  # clip bounds
    hi: float | None = None
    clip_reasons: tuple[str, ...] = ()
    impute: str | None = None
    drop: str | None = None
    scale: str | None = None


# --------------------------------------------------------------------- derive
def derive_plan(
    report: Report,
    strategies: Strategies | None = None,
    *,
    medians: Mapping[str, float] | None = None,
    drops: Sequence[Step] = (),
) -> FixPlan:
    """Build a fitted plan from ``report``'s findings and statistics.

    ``drops`` are row filters already applied before ``report`` was computed
    (the refit rounds of :func:`labelcheck.fixes.apply.fit_plan`); ``medians``
    the exact medians of :func:`impute_columns` (required when ``nan="median"``).
    """
    strategies = strategies or Strategies()
    medians = dict(medians or {})
    stats, label = report.stats, report.label
    steps = [*drops]
    for s in drop_steps(report, strategies):
        if not any(d.column == s.column and d.params == s.params for d in steps):
            steps.append(s)
    cols: dict[str, _Column] = {}
    reindex: list[str] = []
    scale_target: str | None = None
    unfixed: list[str] = []
    ctx = _ctx(report)

    def col(name: str) -> _Column:
        return cols.setdefault(name, _Column())

    def clip(name: str, lo: float, hi: float, reason: str) -> None:
        c = col(name)
        c.lo = lo if c.lo is None else max(c.lo, lo)
        c.hi = hi if c.hi is None else min(c.hi, hi)
        c.clip_reasons += (reason,)

    for f in report.findings:
        tag, name = _tag(f), f.column
        s = stats.columns.get(name) if name is not None else None
        if f.code in ("LC201", "LC202") or (f.code == "LC205" and strategies.outliers == "drop"):
            continue  # row filters, above
        if f.code == "LC204" and _lc204_drop(report):
            continue
        if f.code == "LC101" and s is not None and name != label:
            if not s.n:
                col(name).drop = f"{tag} (no value at all)"
            elif strategies.nan == "median":
                if name not in medians:
                    raise ValueError(f"derive_plan needs the median of {name!r} (nan='median')")
                col(name).impute = tag
            continue
        if f.code == "LC102" and s is not None and name != label:
            if strategies.inf == "clip" and s.n:
                clip(name, s.min, s.max, tag)  # type: ignore[arg-type]
            continue
        if f.fix == "clip" and s is not None and f.code == "LC108":
            bounds = _bulk_bounds(s, ctx)
            if bounds is None:
                unfixed.append(_note(f, "the range of the other values is not known exactly"))
            else:
                clip(name, *bounds, tag)  # type: ignore[arg-type]
        elif f.fix in ("normalize", "standardize"):
            targets = [name] if name is not None else [n for n, _ in ctx.numeric_features()]
            for t in targets:
                if t in stats.columns and t != label:
                    col(t).scale = col(t).scale or tag
        elif f.fix == "drop-column" and name is not None and name != label:
            col(name).drop = col(name).drop or tag
        elif f.fix == "reindex-labels" and name == label:
            reindex.append(tag)
        elif f.code == "LC205" and strategies.outliers == "reindex":
            reindex.append(f"{tag} (kept as classes)")
        elif f.fix == "scale-target" and name == label:
            scale_target = tag
        else:
            unfixed.append(_note(f))

    # Imputing (rows at the median) and clipping ±Inf (rows at the edges) add values that
    # can narrow a column's bulk enough for a far value to become an LC108 outlier: judge
    # the column as it will be once fixed.
    if report.options.enabled("LC108"):
        for name, c in cols.items():
            s = stats.columns[name]
            added = []
            if c.impute and name in medians:
                added.append((medians[name], s.missing))
            if c.lo is not None and c.hi is not None and (s.posinf or s.neginf):
                added += [(c.hi, s.posinf), (c.lo, s.neginf)]
            if c.drop or not added:
                continue
            fixed = _with_values(s, added)
            if _outliers(fixed, ctx):
                bounds = _bulk_bounds(fixed, ctx)
                if bounds is not None:
                    clip(name, *bounds, "LC108 feature-outlier (once fixed)")

    steps += _column_steps(report, cols, medians, strategies)
    reindex_step = _reindex_step(report, steps, reindex)
    if reindex_step is not None:
        steps.append(reindex_step)
    lab = stats.label
    if scale_target and lab is not None and lab.n and lab.std > 0:
        steps.append(
            Step("scale-target", label, {"mean": lab.mean, "std": lab.std}, scale_target)  # type: ignore[arg-type]
        )
    return FixPlan(
        steps=steps,
        label=label,
        columns=list(stats.plan.columns),
        task=report.task.task if report.task.task != "none" else None,
        source=report.source,
        rows_in=None,
        unfixed=unfixed,
        strategies=strategies.to_dict(),
    )


def _note(f: Finding, why: str | None = None) -> str:
    where = f" in {f.column!r}" if f.column else ""
    hint = f"; {why}" if why else (f"; to do: {f.fix_title}" if f.fix_title else "")
    return f"{f.code} {f.name}{where} ({f.severity}): {f.message}{hint}"


def _with_values(s: ColumnStats, added: list[tuple[float, int]]) -> ColumnStats:
    """``s`` with ``count`` more finite rows holding ``value``: moments and extremes."""
    from copy import copy

    from labelcheck.stats.column import EXTREMES_K

    m = _Moments.of(s)
    out = copy(s)
    top, bottom = list(s.top), list(s.bottom)
    distinct = None if s.distinct is None else dict(s.distinct)
    for value, k in added:
        if k <= 0:
            continue
        m.add(value, k)
        top = sorted([*top, *[value] * min(k, EXTREMES_K)], reverse=True)[:EXTREMES_K]
        bottom = sorted([*bottom, *[value] * min(k, EXTREMES_K)])[:EXTREMES_K]
        if distinct is not None:
            distinct[value] = distinct.get(value, 0) + k
    out.n, out.mean, out.m2 = m.n, m.mean, m.m2
    out.top, out.bottom, out.distinct = top, bottom, distinct
    return out


def _outliers(s: ColumnStats, ctx: RuleContext) -> list[tuple[Any, int]]:
    from labelcheck.rules._extremes import sparse_extremes

    return sparse_extremes(s, ctx.options.thresholds)


def _bulk_bounds(s: ColumnStats, ctx: RuleContext) -> tuple[float, float] | None:
    """[lo, hi] of the values that are not LC108 outliers (from the kept extremes)."""
    from labelcheck.rules._extremes import sparse_extremes

    outliers = {v for v, _ in sparse_extremes(s, ctx.options.thresholds)}
    lo, hi = s.min, s.max
    if hi in outliers:
        rest = [v for v in s.top if v not in outliers]
        if not rest:
            return None
        hi = rest[0]
    if lo in outliers:
        rest = [v for v in s.bottom if v not in outliers]
        if not rest:
            return None
        lo = rest[0]
    return float(lo), float(hi)  # type: ignore[arg-type]


def _column_steps(
    report: Report, cols: dict[str, _Column], medians: Mapping[str, float], st: Strategies
) -> list[Step]:
    stats = report.stats
    clips, imputes, drops, scales = [], [], [], []
    for name in stats.plan.features:  # in column order, whatever the findings' order
        c = cols.get(name)
        if c is None:
            continue
        s = stats.columns[name]
        if not c.drop and c.lo is not None and c.lo == c.hi:
            c.drop = f"{', '.join(c.clip_reasons)} (constant once clipped)"
        if c.drop:
            drops.append(Step("drop-column", name, {}, c.drop))
            continue
        m = _Moments.of(s)
        lo, hi = s.min, s.max
        if c.lo is not None and c.hi is not None and s.n:
            reason = ", ".join(dict.fromkeys(c.clip_reasons))
            # Values beyond the bounds (LC108 outliers, all among the kept extremes) become
            # the edge values.
            beyond = [*(v for v in s.top if v > c.hi), *(v for v in s.bottom if v < c.lo)]
            for v in dict.fromkeys(beyond):
                n = beyond.count(v)
                m.remove(v, n)
                m.add(c.hi if v > c.hi else c.lo, n)
            m.add(c.hi, s.posinf)  # ±Inf become the edges too
            m.add(c.lo, s.neginf)
            clips.append(Step("clip", name, {"min": c.lo, "max": c.hi}, reason))
            lo, hi = max(lo, c.lo), min(hi, c.hi)  # type: ignore[type-var]
        if c.impute:
            value = medians[name]
            m.add(value, s.missing)
            imputes.append(Step("impute", name, {"value": value, "method": "median"}, c.impute))
        if c.scale and lo is not None and hi is not None:
            if st.scale == "minmax" and hi > lo:
                scales.append(Step("normalize", name, {"min": lo, "max": hi}, c.scale))
            elif st.scale == "standard" and m.std > 0:
                scales.append(Step("standardize", name, {"mean": m.mean, "std": m.std}, c.scale))
    return [*clips, *imputes, *drops, *scales]


def _reindex_step(report: Report, steps: Iterable[Step], reasons: list[str]) -> Step | None:
    """The label mapping: classes sorted by value, minus the values dropped above."""
    lab, label, options = report.stats.label, report.label, report.options
    if lab is None or label is None or report.task.task != "classification" or options.hinge:
        return None
    if lab.kind not in ("numeric", "bool", "string") or (lab.kind == "numeric" and lab.non_integer):
        return None
    items = lab.sorted_distinct()
    if not items:
        return None
    dropped = {
        v
        for s in steps
        if s.step == "drop-rows" and s.column == label and s.params["when"] == "in"
        for v in s.params["values"]
    }
    classes = [v for v, _ in items if v not in dropped]
    params: dict[str, Any] = {"classes": classes}
    if options.ignore_index is not None:
        params["ignore_index"] = options.ignore_index
    reason = ", ".join(dict.fromkeys(reasons)) or "classification labels: classes recorded"
    return Step("reindex-labels", label, params, reason)
