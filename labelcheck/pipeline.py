"""The scan pipeline: options built and checked, a source planned, its statistics
computed on an engine, the rules run into a :class:`~labelcheck.report.Report`.

The library's face (:mod:`labelcheck.api`), the CLI and :mod:`labelcheck.fixes` all
call it; it imports none of them. The keywords ``scan`` and ``fix`` take are the
tables of :mod:`labelcheck.options` (``SCAN_SETTINGS``, ``FIX_SETTINGS``); the CLI
builds its flags from the same tables, so a new option is declared once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, replace
from os import PathLike
from typing import TYPE_CHECKING, Any

from labelcheck.errors import InputError
from labelcheck.io import Source, open_source
from labelcheck.options import (
    FIX_SETTINGS,
    LIBRARY_ONLY,
    SCAN_SETTINGS,
    ScanOptions,
    Setting,
    Strategies,
    Thresholds,
)
from labelcheck.report import Report
from labelcheck.rules import RuleContext, run_rules
from labelcheck.stats.dataset import DatasetStats, plan_columns, repeated_names
from labelcheck.task import detect_task

if TYPE_CHECKING:
    from labelcheck.engines.base import Progress
    from labelcheck.schema import Schema

_SCAN_KEYWORDS = {s.name: s for s in SCAN_SETTINGS}


def check_keywords(given: Mapping[str, Any], settings: tuple[Setting, ...], where: str) -> None:
    """An unknown keyword is an :class:`InputError` naming it and the known ones."""
    known = [s.name for s in settings] + list(LIBRARY_ONLY)
    for key in given:
        if key not in known:
            raise InputError(
                f"{where}() got an unknown keyword {key!r}; known keywords: {', '.join(known)}"
            )


def _bad(name: str, value: Any, expected: str) -> InputError:
    return InputError(f"{name}={value!r}: expected {expected}, got {type(value).__name__}")


def _checked(spec: Setting, value: Any) -> Any:
    """A keyword's value checked against its declared kind (the library's type checks;
    the CLI's are typer's): the error names the keyword, the value and the type."""
    import numbers

    if value is None:
        return None
    if spec.kind is list:
        if isinstance(value, str):
            return (value,)  # select="LC2" means ["LC2"], not ["L", "C", "2"]
        try:
            items = tuple(value)
        except TypeError:
            raise _bad(spec.name, value, "a list of strings") from None
        if not all(isinstance(v, str) for v in items):
            raise _bad(spec.name, value, "a list of strings")
        return items
    if spec.kind is int:
        integral = isinstance(value, numbers.Integral) or (
            isinstance(value, float) and value.is_integer()
        )
        if isinstance(value, bool) or not integral:
            raise _bad(spec.name, value, "an integer")
        return int(value)
    if spec.kind is float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise _bad(spec.name, value, "a number")
        return value
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise _bad(spec.name, value, "True or False")
        return value
    if spec.kind is object:  # anything scan accepts (reference=): opened when used
        return value
    if not isinstance(value, str):
        raise _bad(spec.name, value, "a string")
    return value


def make_options(
    label: str | None = None,
    *,
    schema: Schema | Mapping[str, Any] | str | PathLike[str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    severity: Mapping[str, Any] | None = None,
    thresholds: Thresholds | Mapping[str, Any] | None = None,
    **settings: Any,
) -> ScanOptions:
    """Build validated :class:`ScanOptions` from the keywords of ``SCAN_SETTINGS``.

    Layers, lowest first: ``defaults`` (the repo configuration's settings),
    the ``schema`` (a YAML path or a dict), then the keyword arguments given
    (None means "not given"), so explicit options override the schema.
    """
    from labelcheck.schema import load_schema, merge_settings, options_from_settings

    check_keywords(settings, SCAN_SETTINGS, "scan")
    if isinstance(thresholds, Thresholds):
        thresholds = asdict(thresholds)
    given: dict[str, Any] = {"label": _checked(_SCAN_KEYWORDS["label"], label)}
    for name, value in settings.items():
        spec = _SCAN_KEYWORDS[name]
        given[spec.attr] = _checked(spec, value)
    for name, value in (("severity", severity), ("thresholds", thresholds)):
        if value is not None and not isinstance(value, Mapping):
            raise _bad(name, value, "a mapping")
    if given.get("ignore") == ():
        given["ignore"] = None  # "not given": the lower layers' ignores stay
    given["severity"] = dict(severity) if severity else None
    given["thresholds"] = dict(thresholds) if thresholds else None
    layers = [defaults or {}]
    origins: dict[str, str] = {}
    if schema is not None:
        loaded = load_schema(schema)
        layers.append(loaded.settings())
        origins = {key: loaded.described for key in layers[-1]}
    merged = merge_settings(*layers, given)
    # Reports say where a setting came from unless a flag set it.
    merged["origins"] = {k: v for k, v in origins.items() if given.get(k) is None}
    return options_from_settings(merged)


def make_strategies(**settings: Any) -> Strategies:
    """:class:`Strategies` from the keywords of ``FIX_SETTINGS`` (``nan_strategy=`` ...)."""
    check_keywords(settings, FIX_SETTINGS, "fix")
    for spec in FIX_SETTINGS:
        _checked(spec, settings.get(spec.name))
    return Strategies(
        **{s.attr: settings.get(s.name) or s.default for s in FIX_SETTINGS}  # type: ignore[arg-type]
    )


def scan_paths(
    paths: Sequence[Any],
    options_for: Callable[[Any], ScanOptions],
    *,
    engine: str = "local",
    scheduler: Any = None,
    bars: Callable[[Source], AbstractContextManager[Progress | None]] | None = None,
) -> list[Report]:
    """Reports for several paths, in order, as ``labelcheck scan PATH...`` makes them.

    ``options_for(path)`` gives each path its options (its schema, the flags). A
    directory of named splits gives one report per split, each checked against its
    train split, or with a ``reference`` (other than that train split), every split
    against the reference; paths with a ``reference`` are grouped so each reference
    is read once. ``bars(source)`` opens a progress callback for a plain scan (the
    CLI's bar).
    """
    from labelcheck.io import open_splits

    run: dict[str, Any] = {"engine": engine, "scheduler": scheduler}
    reports: list[Report | None] = []
    pending: list[tuple[int, Source, ScanOptions]] = []  # paths checked against a reference
    for path in paths:
        options = options_for(path)
        splits = (
            None  # --masks pairs one folder of images with one of masks
            if options.masks is not None
            else open_splits(path, encoding=options.encoding, layout=options.layout)
        )
        if splits is not None and external_reference(splits, options) is not None:
            for split in splits.values():  # every split, train too, against the reference
                pending.append((len(reports), split, options))
                reports.append(None)
            continue
        if splits is not None:
            train = splits.pop("train", None)
            others = [(s, options) for s in splits.values()]
            reports.extend(scan_against(others, train, reference_options=options, **run))
            continue
        src = open_with(path, options)
        if options.reference is not None:
            pending.append((len(reports), src, options))
            reports.append(None)  # filled below: each reference is read once
            continue
        with (bars or _no_bar)(src) as callback:
            reports.append(scan_source(src, options, progress=callback, **run))
    for reference in dict.fromkeys(str(o.reference) for _, _, o in pending):
        group = [(i, s, o) for i, s, o in pending if str(o.reference) == reference]
        done = scan_against([(s, o) for _, s, o in group], open_reference(reference), **run)
        for (position, _, _), report in zip(group, done, strict=True):
            reports[position] = report
    return [r for r in reports if r is not None]


@contextmanager
def _no_bar(source: Source) -> Iterator[None]:
    yield None


def scan_source(
    src: Source,
    options: ScanOptions,
    *,
    engine: str = "local",
    scheduler: Any = None,
    progress: Progress | None = None,
) -> Report:
    """Scan an opened :class:`Source` on ``engine``."""
    from labelcheck.engines import compute_stats

    plan = plan_columns(src.schema, options, src.name, src.index_columns)
    stats = compute_stats(
        src, plan, options, engine=engine, scheduler=scheduler, progress=progress, finish=True
    )
    report = analyse(src.name, stats, options)
    report.origin = src
    if stats.row_stats is not None:
        stats.row_stats.close()
    return report


def open_with(source: Any, options: ScanOptions) -> Source:
    """``source`` opened as ``options`` say: its encoding, folder layout, the token column
    of an integer array, the masks folder."""
    return open_source(
        source,
        encoding=options.encoding,
        layout=options.layout,
        tokens=options.array_tokens,
        masks=options.masks,
    )


def open_reference(reference: Any) -> Source:
    """Open the reference split; an unreadable one is an :class:`InputError` naming it."""
    if isinstance(reference, Source):
        return reference
    try:
        return open_source(reference)
    except InputError as exc:
        raise InputError(f"--reference: {exc}") from None


def external_reference(splits: Mapping[str, Source], options: ScanOptions) -> Source | None:
    """The reference a dataset of named splits is checked against instead of its own train
    split: ``options.reference`` opened, or None when there is none or it is that train
    split itself (the same files), which then serves as usual."""
    if options.reference is None:
        return None
    reference = open_reference(options.reference)
    train = splits.get("train")
    if train is not None and reference.paths and _same_files(reference.paths, train.paths):
        return None
    return reference


def _same_files(a: Sequence[str], b: Sequence[str]) -> bool:
    import os

    return sorted(map(os.path.realpath, a)) == sorted(map(os.path.realpath, b))


def scan_against(
    splits: list[tuple[Source, ScanOptions]],
    reference: Source | None,
    *,
    reference_options: ScanOptions | None = None,
    engine: str = "local",
    scheduler: Any = None,
    progress: Progress | None = None,
) -> list[Report]:
    """Scan each split on its own and against ``reference``, read streaming (once for
    all the splits that share the same features with it).

    ``reference_options``: the reference is a split of the same dataset and gets
    its own report, first (its statistics then serve as the reference). A split's
    duplicates and conflicts (LC301, LC302) are on all its own features; its rows
    are matched with the reference's (LC303) on the features it and the reference
    have (a reference lacking some is compared on the others, and LC303 says so),
    both hashed in the same read. Splits sharing the same features with the
    reference share one read of it. A reference without the splits' label column
    is an :class:`InputError`. Features are compared by value: one that is text
    somewhere and numbers elsewhere is hashed as LC110's cast makes it (the
    reference's own report is then read apart: its own hashes keep the text), one
    whose types cannot be reconciled is left out (LC303 names it); a name the
    reference repeats is not compared on (LC111 names it).
    """
    from labelcheck.engines import compute_stats

    run: dict[str, Any] = {"engine": engine, "scheduler": scheduler}
    if reference is None:
        return [scan_source(s, o, progress=progress, **run) for s, o in splits]
    own: Report | None = None
    if not splits:  # a dataset with a train split only
        return [scan_source(reference, reference_options or ScanOptions(), **run)]
    plans = [plan_columns(s.schema, o, s.name, s.index_columns) for s, o in splits]
    # A name the reference repeats is ambiguous there (LC111): never compared on.
    ref_repeated = repeated_names(reference.schema.names)
    names = set(reference.schema.names) - set(ref_repeated)
    for (src, _), plan in zip(splits, plans, strict=True):
        if plan.label is not None and plan.label in ref_repeated:
            raise InputError(
                f"--reference {reference.name}: the label column {plan.label!r} is ambiguous: "
                f"{ref_repeated[plan.label]} columns have that name; rename them so each name "
                "is unique"
            )
        if plan.label is not None and plan.label not in names:
            raise InputError(
                f"--reference {reference.name}: label column {plan.label!r} (the label of "
                f"{src.name}) not found; columns are: {', '.join(sorted(names)[:12])}"
            )
    # Each split is matched on the features it shares with the reference (not on those
    # every split has): splits sharing the same ones share one read of the reference.
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, ((src, _), plan) in enumerate(zip(splits, plans, strict=True)):
        common = tuple(f for f in plan.features if f in names)
        if not common:
            raise InputError(
                f"--reference {reference.name}: has none of the features of {src.name} "
                f"({', '.join(plan.features[:8])}); give the training split of this data"
            )
        rows_on = plan.row_features is not None
        groups.setdefault((frozenset(common), plan.label, rows_on), []).append(i)
    own_stats: DatasetStats | None = None
    reports: list[Report | None] = [None] * len(splits)
    if reference_options is not None:
        ref_plan = plan_columns(
            reference.schema, reference_options, reference.name, reference.index_columns
        )
        own_stats = compute_stats(reference, ref_plan, reference_options, **run)
        own = analyse(reference.name, own_stats, reference_options)
        own.origin = reference
        used = own_stats.plan.features, own_stats.plan.label
        if not any(set(key[0]) == set(used[0]) and key[1] == used[1] for key in groups):
            if own_stats.row_stats is not None:  # no split sees its columns as they are
                own_stats.row_stats.close()
            own_stats = None
    for (common_set, label, _), members in groups.items():
        first = plans[members[0]]
        group = [splits[i] for i in members]
        numbers, unmatched = _row_types(
            reference, group, [f for f in first.features if f in common_set]
        )
        common = tuple(f for f in first.features if f in common_set and f not in dict(unmatched))
        if not common:
            raise InputError(
                f"--reference {reference.name}: no feature can be compared: "
                + "; ".join(f"{name!r} is {why}" for name, why in unmatched)
            )
        rows = common if first.row_features is not None else None
        if (
            own_stats is not None
            and not numbers  # text hashed as numbers: its own hashes would differ
            and set(own_stats.plan.features) == set(common)
            and own_stats.plan.label == label
        ):
            ref_stats = own_stats  # the same columns: its own statistics are the reference's
        else:  # the reference's columns as these splits see them
            ref_plan = replace(
                first,
                features=common,
                row_features=rows,
                leak_features=None,
                repeated=tuple(ref_repeated.items()),
                row_numbers=numbers,
                row_unmatched=(),
            )
            ref_stats = compute_stats(reference, ref_plan, group[0][1], **run)
        for i in members:
            (src, options), plan = splits[i], plans[i]
            # Its own copies and conflicts on all its features; only leakage on the shared ones.
            plan = replace(plan, leak_features=rows, row_numbers=numbers, row_unmatched=unmatched)
            stats = compute_stats(src, plan, options, progress=progress, **run)
            reports[i] = analyse(
                src.name, stats, options, reference=ref_stats, reference_name=reference.name
            )
            reports[i].origin = src
            if stats.row_stats is not None:
                stats.row_stats.close()
        if ref_stats is not own_stats and ref_stats.row_stats is not None:
            ref_stats.row_stats.close()
    if own_stats is not None and own_stats.row_stats is not None:
        own_stats.row_stats.close()
    done = [r for r in reports if r is not None]
    return [own, *done] if own is not None else done


def _row_types(
    reference: Source, splits: list[tuple[Source, ScanOptions]], common: list[str]
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The shared features hashed as numbers (text in some splits, numbers in others) and
    those whose types cannot be reconciled (with their types: LC303 names them)."""
    from labelcheck.stats.rowhash import reconcile

    sources = [reference, *(s for s, _ in splits)]
    numbers: list[str] = []
    unmatched: list[tuple[str, str]] = []
    for name in common:
        types = [s.schema.field(name).type for s in sources]
        how = reconcile(types)
        if how == "number":
            numbers.append(name)
        elif how is None:
            where = ", ".join(f"{t} in {s.name}" for s, t in zip(sources, types, strict=True))
            unmatched.append((name, where))
    return tuple(numbers), tuple(unmatched)


def analyse(
    name: str,
    stats: DatasetStats,
    options: ScanOptions,
    *,
    reference: DatasetStats | None = None,
    reference_name: str | None = None,
) -> Report:
    """Run the rules over computed statistics (no data access).

    Row hashes become duplicate/conflict groups (and leakage into ``reference``)
    here, once. The caller closes ``stats.row_stats`` (its spill files) when done.
    """
    stats.finish(reference)
    task = detect_task(stats.label, options)
    ctx = RuleContext(
        stats=stats,
        options=options,
        task=task,
        reference=reference,
        reference_name=reference_name,
    )
    ref_report = None
    if reference is not None:  # column statistics only: the row hashes stay with the scan
        ref_stats = replace(reference, row_stats=None)
        ref_task = detect_task(ref_stats.label, options)
        ref_report = Report(reference_name or "reference", ref_stats, options, ref_task)
    findings = run_rules(ctx)
    return Report(name, stats, options, task, findings=findings, reference=ref_report)
