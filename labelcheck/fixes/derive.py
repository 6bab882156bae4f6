"""Derive a :class:`FixPlan` from a scan: each finding's proposals become fitted steps.

Pure functions of a :class:`~labelcheck.report.Report` (its findings and
statistics): no data access here. The passes that need data (refitting after
rows are dropped, exact medians) live in :mod:`labelcheck.fixes.apply`.

Which repair a finding needs is its rule's business (a ``fix`` function in the
rule's module returns generic proposals: drop rows, clip, impute, drop a
column, scale, reindex the labels, scale the target, or "unfixed"); this module
merges the proposals of all findings column by column, fits their parameters
from the statistics and orders the steps. It never asks which rule proposed.

A classification label whose classes are known always gets a
``reindex-labels`` step, even an identity one (0..K-1 -> 0..K-1): it records
the classes, so ``apply`` refuses labels the model has never seen (which would
index past its output layer) and ``decode_labels`` works. Findings no step can
fix (LC208, LC209, LC210, ...) are listed in ``plan.unfixed``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, replace
from typing import Any

from labelcheck.fixes.plan import FixPlan, Step
from labelcheck.fixes.steps import STEPS as STEP_ORDER
from labelcheck.io.images import JPEG_QUALITY
from labelcheck.options import Strategies
from labelcheck.report import Report
from labelcheck.rules import propose, run_rules
from labelcheck.rules.base import (
    CastNumber,
    Clip,
    ConvertImages,
    DropColumn,
    DropGroups,
    DropRows,
    ExcludeFiles,
    Finding,
    Impute,
    MapMask,
    Proposal,
    Reindex,
    ReindexTokens,
    RuleContext,
    Scale,
    ScaleTarget,
    TruncateTokens,
    Unfixed,
)
from labelcheck.stats.column import EXTREMES_K, ColumnStats

__all__ = ["Strategies", "derive_plan", "drop_steps", "impute_columns", "plan_against"]


def _tag(f: Finding) -> str:
    return f"{f.code} {f.name}"


def _ctx(report: Report) -> RuleContext:
    """The context the rules saw, with the reference split's statistics if there was one."""
    ref = report.reference
    return RuleContext(
        stats=report.stats,
        options=report.options,
        task=report.task,
        reference=ref.stats if ref is not None else None,
        reference_name=ref.source if ref is not None else None,
    )


def proposals(report: Report, strategies: Strategies) -> list[tuple[Finding, Proposal]]:
    """Every finding's proposals, in the findings' order."""
    ctx = _ctx(report)
    return [(f, p) for f in report.findings for p in propose(f, ctx, strategies)]


# ------------------------------------------------------------------ drop rows
def drop_steps(report: Report, strategies: Strategies) -> list[Step]:
    """The row filters (and casts) the findings call for; columns' other fixes come later.

    In this order: rows dropped by row identity (their hashes are of the data as
    read), then text columns cast to numbers (whose nulls a refit round then sees
    as LC101's), then rows dropped by a column's values.
    """
    proposed = proposals(report, strategies)
    steps: list[Step] = [
        s for f, p in proposed if isinstance(p, DropGroups) for s in _group_step(report, f, p)
    ]
    for f, p in proposed:
        if isinstance(p, CastNumber) and p.column in report.stats.columns:
            steps.append(Step("cast-number", p.column, {"markers": list(p.markers)}, _tag(f)))
    for f, p in proposed:
        # Truncations first: the refit round then judges what remains (LC505 on labels
        # whose trained tokens were all cut off).
        if isinstance(p, TruncateTokens) and p.column in report.stats.columns:
            params: dict[str, Any] = {"value": p.bound, "columns": list(p.columns)}
            if p.mask is not None:
                params["mask"] = p.mask
            if p.pad is not None:
                params["pad_id"] = p.pad
            steps.append(Step("truncate-tokens", p.column, params, _tag(f), f.rows))
    for f, p in proposed:
        if not isinstance(p, DropRows) or p.column not in report.stats.columns:
            continue
        params = {"when": p.when}
        if p.when == "in":
            params["values"] = list(p.values)
        elif p.bound is not None:
            params["value"] = p.bound
        if p.columns:
            params["columns"] = list(p.columns)
        if p.ignore is not None:
            params["ignore_index"] = p.ignore
        if p.pad is not None:
            params["pad_id"] = p.pad
        step = Step("drop-rows", p.column, params, _tag(f), f.rows)
        same = next(
            (s for s in steps if (s.column, s.params.get("when")) == (p.column, p.when)), None
        )
        if same is not None and p.when != "in":  # one filter per column and kind, all reasons
            same.reason = ", ".join(dict.fromkeys([*same.reason.split(", "), step.reason]))
        else:
            steps.append(step)
    return steps


def _group_step(report: Report, f: Finding, p: DropGroups) -> list[Step]:
    """A drop-duplicates/-conflicts/-leaked step, its rows matched by their hashes."""
    from labelcheck.fixes.rowdrops import conflict_drops, duplicate_drops, leak_drops

    summary, leak, label = report.stats.row_summary, report.stats.leak, report.label
    if summary is None or not summary.columns:
        return []
    columns = summary.columns
    if p.kind == "duplicates":
        drops = duplicate_drops(summary.duplicates, columns, label)
    elif p.kind == "conflicts":
        drops = conflict_drops(summary.conflicts, columns, label, p.keep == "majority")
    elif leak is not None:  # matched on the columns the reference has, not all of ours
        columns = leak.columns
        drops = leak_drops(leak, columns, label)
    else:
        return []
    drops.numbers = report.stats.plan.row_numbers  # rows matched by the scan's own keys
    params: dict[str, Any] = {"columns": list(columns)}
    if p.kind == "conflicts":
        params["keep"] = p.keep
    step = Step(f"drop-{p.kind}", columns[0], params, _tag(f), drops.count)  # type: ignore[arg-type]
    step.runtime = drops
    return [step]


def impute_columns(report: Report, strategies: Strategies) -> list[str]:
    """Feature columns whose missing values are imputed (they need a median)."""
    return list(
        dict.fromkeys(
            p.column
            for _, p in proposals(report, strategies)
            if isinstance(p, Impute) and p.column in report.stats.columns
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
        d = value - mean  # d * d is inf, not OverflowError, for values near 1e160 and beyond
        self.m2 = max(self.m2 - d * d * n * count / self.n, 0.0)
        self.n, self.mean = n, mean

    @property
    def std(self) -> float:
        """The standard deviation; NaN when the sums overflowed float64 (values ~1e154+)."""
        if not (math.isfinite(self.mean) and math.isfinite(self.m2)):
            return math.nan
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
    impute: Sequence[str] = (),
    moments: Mapping[str, tuple[int, float, float]] | None = None,
) -> FixPlan:
    """Build a fitted plan from ``report``'s findings and statistics.

    ``drops`` are row filters already applied before ``report`` was computed
    (the refit rounds of :func:`labelcheck.fixes.apply.fit_plan`); ``medians``
    the exact medians of :func:`impute_columns` (required when ``nan="median"``).
    ``impute``: columns (with a median) imputed although no finding here asks:
    splits fixed against this data have missing values there. ``moments``: the exact
    (n, mean, m2) of columns as their clip and impute steps leave them (a pass over the
    data, :func:`~labelcheck.fixes.median.exact_moments`), else estimated from ``report``.
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
    ids: tuple[int, ...] | None = None  # target ids other than 0..K-1 (a hinge loss)
    scale_target: str | None = None
    unfixed: list[str] = []
    errors: list[tuple[str, str | None]] = []
    ctx = _ctx(report)

    def col(name: str) -> _Column:
        return cols.setdefault(name, _Column())

    def clip(name: str, lo: float, hi: float, reason: str) -> None:
        c = col(name)
        c.lo = lo if c.lo is None else max(c.lo, lo)
        c.hi = hi if c.hi is None else min(c.hi, hi)
        c.clip_reasons += (reason,)

    proposed = proposals(report, strategies)
    files = _file_steps(report, proposed)
    steps = [*files, *steps]  # a file left out is never converted first
    for f, p in proposed:
        tag = _tag(f)
        if isinstance(
            p, DropRows | DropGroups | CastNumber | TruncateTokens | ExcludeFiles | ConvertImages
        ):
            continue  # row filters, casts and truncations, above; file steps
        if isinstance(p, MapMask):
            if not any(s.step == "map-mask" and s.column == p.column for s in files):
                unfixed.append(_note(f, "too many mask values to map; map them by hand"))
            continue
        if isinstance(p, Clip):
            clip(p.column, p.lo, p.hi, tag)
        elif isinstance(p, Impute):
            if p.column not in medians:
                raise ValueError(f"derive_plan needs the median of {p.column!r} (nan='median')")
            col(p.column).impute = tag
        elif isinstance(p, DropColumn):
            col(p.column).drop = col(p.column).drop or " ".join(filter(None, [tag, p.note]))
        elif isinstance(p, Scale):
            for t in p.columns:
                col(t).scale = col(t).scale or tag
        elif isinstance(p, Reindex):
            reindex.append(" ".join(filter(None, [tag, p.note])))
            ids = p.ids or ids
        elif isinstance(p, ScaleTarget):
            scale_target = tag
        elif isinstance(p, ReindexTokens) and p.column in stats.columns:
            params = {"classes": list(p.classes), "ignore_index": p.ignore}
            steps.append(Step("reindex-token-labels", p.column, params, tag))
        elif isinstance(p, Unfixed):
            unfixed.append(_note(f, p.why))
            if f.severity == "error":
                errors.append((f.code, f.column))

    for name in impute:
        if name in medians and name in stats.columns:
            col(name).impute = col(name).impute or "the median for splits fixed against this data"

    # A repair that adds values (rows imputed at the median, ±Inf clipped to the edges)
    # can narrow a column's bulk enough for a far value to need clipping, and a clip can
    # shrink a column's magnitude enough for it to need scaling (1e-5 noise with two
    # outliers at 1.0): judge each such column again as it will be once fixed, and take
    # the new clips and scalings its findings propose (a second fix would, otherwise).
    once_fixed = {}
    for name, c in cols.items():
        s = stats.columns[name]
        if c.drop:
            continue
        base, added = s, []
        if c.impute and name in medians:
            added.append((medians[name], s.missing))
        if c.lo is not None and c.hi is not None and s.n:
            base = _clipped(s, c.lo, c.hi)
            added += [(c.hi, s.posinf), (c.lo, s.neginf)]
        if base is not s or any(k > 0 for _, k in added):
            once_fixed[name] = _with_values(base, added)
    if once_fixed:
        fixed_stats = replace(stats, columns={**stats.columns, **once_fixed})
        fixed_ctx = replace(ctx, stats=fixed_stats)
        before = {(f.code, f.column, p) for f, p in proposed}
        for f in run_rules(fixed_ctx):
            for p in propose(f, fixed_ctx, strategies):
                if (f.code, f.column, p) in before:
                    continue
                if isinstance(p, Clip) and f.column in once_fixed:
                    clip(p.column, p.lo, p.hi, f"{_tag(f)} (once fixed)")
                elif isinstance(p, Scale) and any(t in once_fixed for t in p.columns):
                    for t in p.columns:
                        col(t).scale = col(t).scale or f"{_tag(f)} (once fixed)"

    steps += _column_steps(report, cols, medians, strategies, moments or {})
    reindex_step = _reindex_step(report, steps, reindex, ids)
    if reindex_step is not None:
        steps.append(reindex_step)
    lab = stats.label
    if scale_target and lab is not None and lab.n and math.isfinite(lab.std) and lab.std > 0:
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
        errors_left=errors,
    )


#: The steps that carry out a value proposal, when a fitted plan is replayed.
_CARRIED_BY: dict[type, tuple[str, ...]] = {
    Clip: ("clip",),
    Impute: ("impute",),
    DropColumn: ("drop-column",),
    Scale: ("normalize", "standardize"),
    Reindex: ("reindex-labels",),
    ScaleTarget: ("scale-target",),
    MapMask: ("map-mask",),
}


def plan_against(
    report: Report,
    fitted: FixPlan,
    strategies: Strategies | None = None,
    *,
    drops: Sequence[Step] = (),
) -> FixPlan:
    """The plan of a split checked against a reference whose own plan is ``fitted``.

    The model learns the reference as ``fitted`` transforms it, so this split gets
    the same transform: ``fitted``'s steps with their parameters (the label mapping,
    scaling, imputed values), never refitted on this split. Only the row drops are
    this split's own: ``drops`` (already applied before ``report``'s refit rounds) and
    those its findings call for (copies, leaks, rows of classes the reference lacks).
    A finding that needs a value step ``fitted`` does not have is listed as unfixed
    (transforming this split otherwise than the reference would be worse), as is
    one no step can fix.
    """
    from labelcheck.fixes.steps import STEPS

    strategies = strategies or Strategies()
    proposed = proposals(report, strategies)
    # A folder's files left out (unreadable, blank, unpaired) are this split's own, as its
    # row drops are; first, so a file left out is never converted.
    steps = _file_steps(report, [(f, p) for f, p in proposed if isinstance(p, ExcludeFiles)])
    steps += [d for d in drops if d not in steps]
    for s in drop_steps(report, strategies):
        if not any(d.column == s.column and d.params == s.params for d in steps):
            steps.append(s)
    for s in fitted.steps:  # the reference's copies and leaks are not this split's rows
        same = any((d.step, d.column, d.params) == (s.step, s.column, s.params) for d in steps)
        if not STEPS[s.step].by_identity and not same:
            steps.append(replace(s, rows=None, runtime=None))
    done = {(s.step, s.column) for s in steps}
    gone = {s.column for s in steps if s.step == "drop-column"}
    unfixed: list[str] = []
    errors: list[tuple[str, str | None]] = []
    for f, p in proposed:
        if isinstance(p, Unfixed):
            note = _note(f, p.why)
        elif isinstance(p, ConvertImages):  # the reference's conversion, if it does this one
            convert = [s for s in steps if (s.step, s.column) == ("convert-images", p.column)]
            if any((s.params["mode"] or not p.mode) and (s.params["orient"] or not p.orient)
                   for s in convert):  # fmt: skip
                continue
            what = "orientation" if p.orient and not p.mode else "conversion"
            note = _note(
                f,
                f"the reference's plan has no {what} of {p.column!r}: this split keeps "
                "the reference's transform",
            )
        elif type(p) in _CARRIED_BY:
            columns = p.columns if isinstance(p, Scale) else (getattr(p, "column", report.label),)
            kinds = _CARRIED_BY[type(p)]
            missing = [
                c for c in columns if c not in gone and not any((k, c) in done for k in kinds)
            ]
            if not missing:
                continue
            note = _note(
                f,
                f"the reference's plan has no {'/'.join(kinds)} step for "
                f"{', '.join(map(repr, missing))}: this split keeps the reference's transform",
            )
        else:
            continue
        if note not in unfixed:
            unfixed.append(note)
            if f.severity == "error":
                errors.append((f.code, f.column))
    return FixPlan(
        steps=steps,
        label=fitted.label if fitted.label is not None else report.label,
        columns=list(report.stats.plan.columns),
        task=fitted.task,
        source=report.source,
        rows_in=None,
        unfixed=unfixed,
        strategies=strategies.to_dict(),
        errors_left=errors,
    )


# ------------------------------------------------------------- folders of images
def _file_steps(report: Report, proposed: list[tuple[Finding, Proposal]]) -> list[Step]:
    """The steps of a folder's files: exclusions (equal ones merged, every reason kept),
    one conversion per image column, one mask mapping per mask column."""
    steps: list[Step] = []

    def add(step: Step) -> None:
        same = next(
            (
                s
                for s in steps
                if (s.step, s.column) == (step.step, step.column)
                and (step.step != "exclude-files" or s.params == step.params)
            ),
            None,
        )
        if same is not None:
            if step.step == "convert-images":  # one re-encoding does every conversion
                same.params["mode"] = same.params["mode"] or step.params["mode"]
                same.params["orient"] = same.params["orient"] or step.params["orient"]
            same.reason = ", ".join(dict.fromkeys([*same.reason.split(", "), step.reason]))
        else:
            steps.append(step)

    masks: dict[str, list[tuple[Finding, MapMask]]] = {}
    for f, p in proposed:
        if isinstance(p, ExcludeFiles):
            params: dict[str, Any] = {"exclude": p.when}
            if p.bound is not None:
                params["value"] = p.bound
            if p.pair is not None:
                params["pair"] = p.pair
            add(Step("exclude-files", p.column, params, _tag(f)))
        elif isinstance(p, ConvertImages):
            params = {"mode": p.mode, "orient": p.orient, "jpeg_quality": JPEG_QUALITY}
            add(Step("convert-images", p.column, params, _tag(f)))
        elif isinstance(p, MapMask):
            masks.setdefault(p.column, []).append((f, p))
    for column, asked in masks.items():
        params = _mask_mapping(report.stats.columns[column], [p for _, p in asked])
        if params is not None:
            reason = ", ".join(dict.fromkeys(_tag(f) for f, _ in asked))
            steps.append(Step("map-mask", column, params, reason))
    order = list(STEP_ORDER)
    return sorted(steps, key=lambda s: order.index(s.step))


def _mask_mapping(stats: Any, asked: list[MapMask]) -> dict[str, Any] | None:
    """The fitted mapping of a mask column: every value seen -> its class id (snapped to
    the nearest kept value first, then made consecutive), and colours -> ids."""
    seen = sorted(stats.pixels or {})
    if stats.pixels is None:
        return None
    lut = {v: v for v in seen}
    snap: list[int] = []
    for p in (p for p in asked if p.how == "nearest" and p.values):
        snap = sorted(p.values)
        lut = {v: min(snap, key=lambda t, o=o: (abs(t - o), t)) for v, o in lut.items()}
    for p in (p for p in asked if p.how == "consecutive"):
        keep = set(p.values)
        rank = {o: i for i, o in enumerate(sorted(set(lut.values()) - keep))}
        lut = {v: rank.get(o, o) for v, o in lut.items()}
    params: dict[str, Any] = {"mask_values": seen, "mask_ids": [lut[v] for v in seen]}
    if snap:
        params["snap"] = snap
    colours = next((p for p in asked if p.how == "colours"), None)
    if colours is not None:
        params["colours"] = list(colours.values)
        params["colour_ids"] = list(colours.ids)
    return params


def _note(f: Finding, why: str | None = None) -> str:
    where = f" in {f.column!r}" if f.column else ""
    hint = f"; {why}" if why else (f"; to do: {f.fix_title}" if f.fix_title else "")
    return f"{f.code} {f.name}{where} ({f.severity}): {f.message}{hint}"


def _clipped(s: ColumnStats, lo: float, hi: float) -> ColumnStats:
    """``s`` once clipped to [lo, hi]: the values beyond (LC108 outliers, all among the
    kept extremes) moved to the edges, in the moments, extremes and counts.

    The moments are summed from the values when the statistics hold them all (few rows,
    or exact counts), else got by subtracting the outliers' share from the column's,
    which leaves the outliers' rounding (1.0 removed from a bulk of values near 1e-150
    leaves a mean of ~1e-17): clamped then into what exact arithmetic allows, the mean
    within the range, the variance within Popoviciu's bound. An estimate, good enough to
    judge the column again; ``fix`` fits a standardize step after a clip on the exact
    moments (:func:`~labelcheck.fixes.median.exact_moments`).
    """

    def clamp(v: float) -> float:
        return min(max(v, lo), hi)

    out = copy(s)
    out.min, out.max = clamp(s.min), clamp(s.max)  # type: ignore[arg-type]
    out.top = [clamp(v) for v in s.top]
    out.bottom = [clamp(v) for v in s.bottom]
    if s.distinct is not None:
        out.distinct = {}
        for v, k in s.distinct.items():
            e = clamp(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
            out.distinct[e] = out.distinct.get(e, 0) + k
    beyond = [*(v for v in s.top if v > hi), *(v for v in s.bottom if v < lo)]
    if not beyond:
        return out
    known = _all_values(out)
    if known is not None:
        out.mean, out.m2 = known
        return out
    m = _Moments.of(s)
    for v in dict.fromkeys(beyond):
        n = beyond.count(v)
        m.remove(v, n)
        m.add(hi if v > hi else lo, n)
    width = out.max - out.min  # type: ignore[operator]
    out.mean = min(max(m.mean, out.min), out.max)  # type: ignore[type-var]
    out.m2 = min(m.m2, m.n * (width / 2) ** 2)
    return out


def _all_values(s: ColumnStats) -> tuple[float, float] | None:
    """(mean, m2) summed from every value when ``s`` holds them all (two passes, fsum);
    None when it does not, or they overflow."""
    known = s.sorted_distinct()
    if known is None or not all(isinstance(v, int | float) for v, _ in known):
        known = [(v, 1) for v in s.bottom] if len(s.bottom) == s.n else None
    if not known or not s.n:
        return None
    try:
        mean = math.fsum(float(v) * k for v, k in known) / s.n
        m2 = math.fsum(k * (float(v) - mean) ** 2 for v, k in known)
    except (OverflowError, ValueError):  # 1e308-scale values: inf - inf
        return None
    return (mean, m2) if math.isfinite(mean) and math.isfinite(m2) else None


def _with_values(s: ColumnStats, added: list[tuple[float, int]]) -> ColumnStats:
    """``s`` with ``count`` more finite rows holding ``value``: moments and extremes."""
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


def _column_steps(
    report: Report,
    cols: dict[str, _Column],
    medians: Mapping[str, float],
    st: Strategies,
    moments: Mapping[str, tuple[int, float, float]],
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
            m = _Moments.of(_clipped(s, c.lo, c.hi))
            m.add(c.hi, s.posinf)  # ±Inf become the edges too
            m.add(c.lo, s.neginf)
            clips.append(Step("clip", name, {"min": c.lo, "max": c.hi}, reason))
            lo, hi = max(lo, c.lo), min(hi, c.hi)  # type: ignore[type-var]
        if c.impute:
            value = medians[name]
            m.add(value, s.missing)
            imputes.append(Step("impute", name, {"value": value, "method": "median"}, c.impute))
        if name in moments:  # exact, from the data as the steps above leave it
            m = _Moments(*moments[name])
        if c.scale and lo is not None and hi is not None and hi > lo:
            std = _fitted_std(m, lo, hi)
            if st.scale == "standard" and std is not None:
                if not _standardized(m):
                    scales.append(Step("standardize", name, {"mean": m.mean, "std": std}, c.scale))
            elif not (lo == -1.0 and hi == 1.0):  # normalized already (exactly: see steps)
                # minmax, or a standard deviation float64 cannot hold: min and max are
                # exact whatever the magnitude, and normalize divides by their difference.
                why = c.scale
                if st.scale != "minmax":
                    over = not math.isfinite(m.std)
                    why += f" (std {'overflows' if over else 'underflows'} float64)"
                scales.append(Step("normalize", name, {"min": lo, "max": hi}, why))
    return [*clips, *imputes, *drops, *scales]


#: A range below which the squared deviations underflow float64 (2**-1002 at half the
#: range): the statistics' m2, hence the std, of a column with a subnormal or tiny spread
#: (0 and 2.2e-309; 1e-300 apart) is 0 or wrong, as it is Inf past ~1e154.
TINY_SPREAD = 2.0**-500
#: How far from mean 0 and std 1 a column still counts as standardized: the rounding of a
#: standardize step (x - mean is exact to about eps * |x| before the division), not a
#: shift any model would notice; re-standardizing it would only move the rounding about,
#: and a second fix must change nothing.
STANDARDIZED_TOL = 2.0**-40


def _fitted_std(m: _Moments, lo: float, hi: float) -> float | None:
    """The std a standardize step divides by, None when float64 cannot give it: the
    squares overflow (Inf, NaN) or underflow (a spread below :data:`TINY_SPREAD`)."""
    std = m.std
    if not (math.isfinite(std) and std > 0) or hi - lo < TINY_SPREAD:
        return None
    return std


def _standardized(m: _Moments) -> bool:
    """Whether the column has mean 0 and std 1 up to a standardize step's rounding."""
    return abs(m.std - 1.0) <= STANDARDIZED_TOL and abs(m.mean) <= STANDARDIZED_TOL * m.std


def _reindex_step(
    report: Report, steps: Iterable[Step], reasons: list[str], ids: tuple[int, ...] | None
) -> Step | None:
    """The label mapping: classes sorted by value, minus the values dropped above."""
    lab, label, options = report.stats.label, report.label, report.options
    if lab is None or label is None or report.task.task != "classification":
        return None
    if options.hinge and ids is None:  # -1/1 targets stay as they are unless a rule maps them
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
    if not reasons and classes != list(range(len(classes))):
        # No finding asked for a mapping (its rule not selected): labels stay as they are.
        return None
    params: dict[str, Any] = {"classes": classes}
    if ids is not None and len(ids) == len(classes):
        params["ids"] = list(ids)
    if options.ignore_index is not None:
        params["ignore_index"] = options.ignore_index
    reason = ", ".join(dict.fromkeys(reasons)) or "classification labels: classes recorded"
    return Step("reindex-labels", label, params, reason)
