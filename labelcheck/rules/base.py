"""The pieces every rule is made of: :class:`Rule`, :class:`Finding`, :class:`RuleContext`.

A rule is a pure function ``check(ctx) -> Iterable[Finding]`` over statistics;
it never reads data and never does I/O. Its documentation is its module's
docstring, with the sections ``What it does``, ``Why is this bad?``,
``Example`` and ``Fix`` (a meta-test enforces them), as ruff does.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from labelcheck.options import ScanOptions, Severity, Strategies
from labelcheck.stats.column import ColumnStats, to_python
from labelcheck.stats.dataset import DatasetStats

if TYPE_CHECKING:  # loaded with the first image column
    from labelcheck.stats.image import ImageStats

from labelcheck.text import fmt, fmt_rows, fmt_values, plural

__all__ = ["channels", "fmt", "fmt_rows", "fmt_values", "plural"]  # rule modules import them

#: The steps a fix plan is made of (labelcheck/fixes/plan.py); a rule names one as its fix.
StepName = Literal[
    "drop-rows",
    "impute",
    "clip",
    "normalize",
    "standardize",
    "drop-column",
    "reindex-labels",
    "scale-target",
    "cast-number",
    "drop-duplicates",
    "drop-conflicts",
    "drop-leaked",
    "reindex-token-labels",
    "truncate-tokens",
    "exclude-files",
    "convert-images",
    "map-mask",
]
#: A rule's proposed fix: a plan step, or "cast" (a column to retype by hand, LC107).
FixName = Literal[StepName, "cast"]

#: Values listed in a finding, at most.
MAX_VALUES = 10


@dataclass(frozen=True)
class Finding:
    """One problem found: data first (code, column, rows, values), text second."""

    code: str
    name: str
    severity: Severity
    column: str | None
    message: str
    rows: int | None = None
    values: tuple[Any, ...] = ()
    fix: FixName | None = None
    fix_title: str | None = None
    #: Row findings (LC301-LC303): the first few row numbers involved (0-based,
    #: in file order) and the number of groups; every row goes to ``--rows-out``.
    row_numbers: tuple[int, ...] = ()
    groups: int | None = None
    #: Image and mask findings: every file counted that the statistics kept (up to
    #: ``stats.image.NAMED_CAP`` for most; the count in ``rows`` stays exact past it).
    files: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "column": self.column,
            "message": self.message,
            "rows": self.rows,
            "values": [_json_value(v) for v in self.values],
            "fix": self.fix,
            "fix_title": self.fix_title,
        }
        if self.row_numbers or self.groups is not None:
            out["row_numbers"] = list(self.row_numbers)
            out["groups"] = self.groups
        if self.files:
            out["files"] = list(self.files)
        return out


def _json_value(value: Any) -> Any:
    value = to_python(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN/Inf
    return value


def channels(hits: Sequence[tuple[int, Any]], total: int) -> str:
    """'channels 0, 1, 2 of 3' / 'channel 0 of 1': the channels of a tensor finding."""
    ids = ", ".join(str(i) for i, _ in hits)
    return f"channel{'s' if len(hits) != 1 else ''} {ids} of {total}"


# ------------------------------------------------------------------ proposals
# What a finding asks of a fix plan, in generic terms (fixes/ fits and orders them, and
# never needs to know which rule asked). A rule's ``fix`` function returns a list of them.
@dataclass(frozen=True)
class DropRows:
    """Drop the rows whose ``column`` is missing, infinite, one of ``values``, below
    ``bound`` or at most ``bound``; or, for a token column, whose list is empty, all
    zero (a mask), all ``ignore`` (labels), holds a value outside ``[0, bound)`` other
    than ``ignore``, has more than ``bound`` real tokens (``columns``: the attention
    mask; ``pad``: the pad id), or whose length differs from ``columns``'."""

    column: str
    when: Literal[
        "missing",
        "inf",
        "in",
        "below",
        "at-most",
        "empty",
        "all-zero",
        "all-ignored",
        "longer",
        "out-of-range",
        "lengths-differ",
    ]
    values: tuple[Any, ...] = ()
    bound: float | None = None
    columns: tuple[str, ...] = ()
    ignore: int | None = None
    pad: int | None = None


@dataclass(frozen=True)
class Clip:
    """Clip ``column`` (±Inf included) to ``[lo, hi]``."""

    column: str
    lo: float
    hi: float


@dataclass(frozen=True)
class Impute:
    """Replace null/NaN in ``column`` by its exact median (fitted by fixes/)."""

    column: str


@dataclass(frozen=True)
class DropColumn:
    column: str
    note: str = ""  # appended to the reason: "(no value at all)"


@dataclass(frozen=True)
class Scale:
    """Bring ``columns`` to unit scale (normalize or standardize, per ``--scale``)."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class Reindex:
    """Map the label's classes (sorted by value) to 0..K-1, or to ``ids`` (a hinge loss's
    -1, 1); the mapping is saved and decodes predictions."""

    note: str = ""  # appended to the reason: "(kept as classes)"
    ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class TruncateTokens:
    """Cut the rows of token ``column`` holding more than ``bound`` real tokens (``mask``:
    the attention mask; ``pad``: the pad id) to their first ``bound`` positions, and the
    same rows of every token column in ``columns`` with them."""

    column: str
    bound: int
    columns: tuple[str, ...] = ()
    mask: str | None = None
    pad: int | None = None


@dataclass(frozen=True)
class ReindexTokens:
    """Map the per-token class labels of list ``column`` (``classes``, sorted) to 0..K-1,
    leaving ``ignore`` as it is; the mapping is saved in the plan."""

    column: str
    classes: tuple[int, ...]
    ignore: int | None = None


@dataclass(frozen=True)
class ScaleTarget:
    """Standardize the regression target (inverse saved)."""


@dataclass(frozen=True)
class CastNumber:
    """Cast text ``column`` to float64: the missing-value ``markers`` become null (LC110)."""

    column: str
    markers: tuple[str, ...]


@dataclass(frozen=True)
class DropGroups:
    """Drop rows by row identity: copies of a row (``duplicates``, keeping the first),
    rows of conflicting-label groups (``conflicts``: all, or all but the ``majority``
    label), or rows also in the reference split (``leaked``). Fitted data only:
    ``apply`` on new data keeps every row."""

    kind: Literal["duplicates", "conflicts", "leaked"]
    keep: Literal["first", "none", "majority"] = "none"


@dataclass(frozen=True)
class ExcludeFiles:
    """Leave out of a fixed folder the rows whose file in ``column`` does not load
    (``unreadable``), is constant (``constant``), has an area below ``bound``
    (``small``) or an aspect ratio beyond ``bound`` (``elongated``), has no file in
    ``pair`` (``no-pair``) or one of another size (``size-mismatch``). Judged file by
    file when written, so ``apply`` on a new folder excludes by the same tests."""

    column: str
    when: Literal["unreadable", "constant", "small", "elongated", "no-pair", "size-mismatch"]
    bound: float | None = None
    pair: str | None = None


@dataclass(frozen=True)
class ConvertImages:
    """Re-encode the files of ``column`` in ``mode`` (a Pillow mode such as ``RGB``) and/or
    turned upright by their EXIF orientation (``orient``)."""

    column: str
    mode: str | None = None
    orient: bool = False


@dataclass(frozen=True)
class MapMask:
    """Rewrite the masks of ``column`` as class ids (PNG). ``how``: ``nearest`` snaps every
    value to the nearest of ``values``; ``consecutive`` maps the values (after any snap)
    to 0..K-1 in order, keeping ``values`` (an ignore index) as they are; ``colours``
    maps the RGB colours ``values`` (0xRRGGBB) to ``ids``. Fitted on the mask values
    seen; the mapping is saved."""

    column: str
    how: Literal["nearest", "consecutive", "colours"]
    values: tuple[int, ...] = ()
    ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Unfixed:
    """No step can fix it; ``why`` (else the finding's fix title) tells the user."""

    why: str | None = None


Proposal = (
    DropRows
    | Clip
    | Impute
    | DropColumn
    | Scale
    | Reindex
    | ScaleTarget
    | ReindexTokens
    | TruncateTokens
    | CastNumber
    | DropGroups
    | ExcludeFiles
    | ConvertImages
    | MapMask
    | Unfixed
)
#: The steps that rewrite a folder's files (an image or mask column), not table columns.
FILE_STEPS = ("exclude-files", "convert-images", "map-mask")
Fixer = Callable[["Finding", "RuleContext", Strategies], list[Proposal]]


@dataclass(frozen=True)
class Rule:
    """A rule: its identity, its default severity and fix, and its check function.

    A rule with a ``fix`` says how to repair a finding in its own module: a
    ``fix(finding, ctx, strategies) -> list[Proposal]`` function registered
    with :meth:`fixer`; a rule whose fix needs no data of its own (a column to
    drop, labels to reindex, features to scale, a target to standardize) may
    rely on :func:`default_proposals`.
    """

    code: str
    name: str
    severity: Severity
    fix: FixName | None
    fix_title: str | None
    summary: str
    doc: str
    check: Callable[[RuleContext], Iterable[Finding]] = field(repr=False)
    propose: Fixer | None = field(default=None, repr=False, compare=False)

    def fixer(self, fn: Fixer) -> Fixer:
        """Decorator: ``fn`` derives this rule's fix proposals (``@check.fixer``)."""
        object.__setattr__(self, "propose", fn)
        return fn

    def proposals(self, finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
        """What ``finding`` asks of a fix plan (``[Unfixed()]`` when nothing can fix it)."""
        kind = ctx.stats.plan.kind(finding.column) if finding.column is not None else None
        stats = ctx.stats.columns.get(finding.column) if finding.column is not None else None
        if kind == "mask" and getattr(stats, "arrays", False):
            kind = "mask array"  # no file to rewrite: fixed in the array, as a tensor
        if kind in ("image", "mask") and self.fix in FILE_STEPS and self.propose is not None:
            return self.propose(finding, ctx, how)  # files rewritten in a fixed folder
        if kind in ("image", "mask", "mask array", "tensor"):
            # Plan steps rewrite table columns (token columns too: row filters, truncation);
            # an image column or tensor is fixed in files or in the array itself.
            return [Unfixed(f"{finding.fix_title or 'fix it'}, in the {kind} data itself")]
        if self.propose is not None:
            return self.propose(finding, ctx, how)
        return default_proposals(finding, ctx)

    def sections(self) -> dict[str, str]:
        """The doc's sections by heading (``## What it does`` ...)."""
        out: dict[str, str] = {}
        current = None
        for line in self.doc.splitlines():
            if line.startswith("## "):
                current = line[3:].strip()
                out[current] = ""
            elif current is not None:
                out[current] += line + "\n"
        return {k: v.strip() for k, v in out.items()}


def rule(
    code: str,
    name: str,
    severity: Severity,
    *,
    fix: FixName | None = None,
    fix_title: str | None = None,
    summary: str,
) -> Callable[[Callable[[RuleContext], Iterable[Finding]]], Rule]:
    """Decorator turning a check function into a :class:`Rule`; the doc is the module's."""

    def wrap(fn: Callable[[RuleContext], Iterable[Finding]]) -> Rule:
        doc = sys.modules[fn.__module__].__doc__ or ""
        return Rule(code, name, severity, fix, fix_title, summary, doc.strip(), fn)

    return wrap


@dataclass(frozen=True)
class TaskInfo:
    """The task a scan used and why (scikit-learn ``type_of_target`` style)."""

    task: Literal["classification", "regression", "none"]
    target_type: str  # binary | multiclass | multilabel | continuous | unknown
    reason: str


@dataclass
class RuleContext:
    """What a rule sees: the statistics, the options and the detected task."""

    stats: DatasetStats
    options: ScanOptions
    task: TaskInfo
    #: The reference split's statistics (``--reference``), for LC303-LC306.
    reference: DatasetStats | None = None
    reference_name: str | None = None

    @property
    def label_name(self) -> str | None:
        return self.stats.plan.label

    @property
    def label(self) -> ColumnStats | None:
        return self.stats.label

    @property
    def classification(self) -> bool:
        return self.task.task == "classification"

    @property
    def numeric_label(self) -> ColumnStats | None:
        """The label's stats when it is a numeric (or bool) column with values."""
        lab = self.label
        return lab if lab is not None and lab.kind in ("numeric", "bool") and lab.n else None

    def class_counts_against_reference(self) -> tuple[dict[Any, int], dict[Any, int]] | None:
        """The label's class counts here and in the reference split (LC304, LC305), or
        None: no reference, no label, not classification, or too many values to be classes."""
        ref = self.reference.label if self.reference is not None else None
        mine = self.label
        if ref is None or mine is None or not self.classification:
            return None
        if ref.distinct is None or mine.distinct is None:
            return None
        return mine.distinct, ref.distinct

    def feature_of(self, finding: Finding) -> tuple[str, ColumnStats] | None:
        """The feature a finding is about, with its stats (None for the label or no column)."""
        column = finding.column
        stats = self.stats.columns.get(column) if column is not None else None
        if column is None or stats is None or column == self.label_name:
            return None
        return column, stats

    def images(self) -> Iterable[tuple[str, ImageStats]]:
        """The image columns with at least one image (LC401-LC410)."""
        for name, stats in self.stats.of_kind("image").items():
            if stats.images:
                yield name, stats

    def masks(self) -> Iterable[tuple[str, Any]]:
        """The segmentation-mask columns (LC406-LC409): the mask is the label."""
        yield from self.stats.of_kind("mask").items()

    def tensor_channels(
        self, test: Callable[[ColumnStats], bool]
    ) -> Iterable[tuple[str, Any, list[tuple[int, ColumnStats]]]]:
        """Image tensors with the channels passing ``test``: ``(name, stats, [(i, channel)])``.

        The feature rules report a tensor once, naming its channels, never per pixel.
        """
        for name, stats in self.stats.of_kind("tensor").items():
            hits = [(i, c) for i, c in enumerate(stats.channels) if test(c)]
            if hits:
                yield name, stats, hits

    def numeric_features(self) -> Iterable[tuple[str, ColumnStats]]:
        for name, stats in self.stats.features().items():
            if stats.kind in ("numeric", "bool"):
                yield name, stats

    @cached_property
    def label_outliers(self) -> list[tuple[Any, int]]:
        """The sparse outlier label values (LC205), shared by the label rules."""
        from labelcheck.rules.extremes import sparse_extremes

        lab = self.numeric_label
        if lab is None or not self.classification or self.options.hinge:
            return []
        return sparse_extremes(lab, self.options.thresholds, floor=1.0)

    def label_classes(self, *, without_outliers: bool = True) -> list[tuple[Any, int]] | None:
        """Distinct label values with counts (sorted), minus LC205's outliers if asked."""
        lab = self.label
        if lab is None:
            return None
        items = lab.sorted_distinct()
        if items is None or not without_outliers:
            return items
        drop = {v for v, _ in self.label_outliers}
        return [(v, c) for v, c in items if v not in drop]

    def finding(
        self,
        rule: Rule,
        column: str | None,
        message: str,
        *,
        rows: int | None = None,
        values: Sequence[Any] = (),
        severity: Severity | None = None,
        fix: FixName | None = None,
        fix_title: str | None = None,
        row_numbers: Sequence[int] = (),
        groups: int | None = None,
        files: Sequence[str] = (),
    ) -> Finding:
        sev = self.options.severity.get(rule.code) or severity or rule.severity
        return Finding(
            code=rule.code,
            name=rule.name,
            severity=sev,
            column=column,
            message=message,
            rows=rows,
            values=tuple(to_python(v) for v in list(values)[:MAX_VALUES]),
            fix=fix or rule.fix,
            fix_title=fix_title or rule.fix_title,
            row_numbers=tuple(int(r) for r in row_numbers),
            groups=groups,
            files=tuple(str(f) for f in files),
        )


def default_proposals(finding: Finding, ctx: RuleContext) -> list[Proposal]:
    """The proposal a generic fix name implies (the finding's ``fix``, which may differ
    from its rule's default: LC107 proposes ``cast`` for numbers stored as text)."""
    column, label = finding.column, ctx.label_name
    if finding.fix == "drop-column" and column is not None and column != label:
        return [DropColumn(column)]
    if finding.fix in ("normalize", "standardize"):
        targets = [column] if column is not None else [n for n, _ in ctx.numeric_features()]
        targets = [t for t in targets if t in ctx.stats.columns and t != label]
        return [Scale(tuple(targets))] if targets else [Unfixed()]
    if finding.fix == "reindex-labels" and column is not None and column == label:
        return [Reindex()]
    if finding.fix == "scale-target" and column is not None and column == label:
        return [ScaleTarget()]
    return [Unfixed()]
