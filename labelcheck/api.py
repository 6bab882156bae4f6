"""The library API: ``scan`` and ``check_arrays``, and the one place options are built.

The keywords ``scan`` and ``fix`` take are the tables of
:mod:`labelcheck.options` (``SCAN_SETTINGS``, ``FIX_SETTINGS``); the CLI builds
its flags from the same tables, so a new option is declared once.
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
from labelcheck.stats.dataset import DatasetStats, plan_columns
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


def scan(
    source: Any,
    label: str | None = None,
    *,
    options: ScanOptions | None = None,
    engine: str = "local",
    scheduler: Any = None,
    progress: Progress | None = None,
    model: Any = None,
    **settings: Any,
) -> Report:
    """Scan a dataset for data that breaks training; return a :class:`Report`.

    Parameters
    ----------
    source
        A path (Parquet file, directory or glob; CSV; Arrow IPC/Feather; JSON
        Lines; .npy/.npz), a pandas/polars DataFrame, a pyarrow Table, a dask
        DataFrame or a numpy ``(X, y)`` tuple.
    label
        The label column. Default: a column named label, labels, target, y or
        class; else features only.
    options
        Prebuilt :class:`ScanOptions`; the option keywords are then ignored.
    engine, scheduler
        ``"local"`` (threads) or ``"dask"`` (a cluster: ``scheduler`` is its
        address or a ``distributed.Client``; default a local cluster).
    progress
        ``progress(rows_done, units_done, units_total)``, called as units finish.
    model
        A Keras model or a PyTorch ``nn.Module``: its output size is ``n_classes``
        and a compiled Keras model's loss is ``loss``, unless given (the report says
        where each came from); see :mod:`labelcheck.models`.
    **settings
        The options of :data:`labelcheck.options.SCAN_SETTINGS`: ``n_classes``
        (enables LC204), ``task`` (``"auto"``, ``"classification"``,
        ``"regression"``), ``loss``, ``precision`` (``"fp32"``, ``"bf16"``,
        ``"fp16"``), ``ignore_index``, ``encoding`` (of CSV files: ``"latin-1"``,
        ``"cp1252"``; default UTF-8), ``features``, ``select``, ``ignore``
        (rule codes or prefixes such as ``"LC2"``), ``reference`` (the
        training split, anything ``source`` may be: the data is also checked
        against it for leaked rows, unseen classes, label and feature shift,
        LC303-LC306; read once, streaming), ``row_checks`` (False: no row
        hashing, no LC301-LC303), ``spill_rows``; and ``severity``,
        ``thresholds``, ``schema`` (a path to a YAML schema or a dict; its
        settings are the defaults, keywords given override them).

    Examples
    --------
    >>> import numpy as np, labelcheck
    >>> X = np.random.default_rng(0).random((21, 5))
    >>> y = np.r_[np.arange(20) % 5, 8000]
    >>> report = labelcheck.scan((X, y))
    >>> [f.code for f in report.findings if f.severity == "error"]
    ['LC205']
    """
    if options is None:
        options = make_options(label, **settings)
    if model is not None:
        from labelcheck.models import with_model

        options = with_model(options, model)
    src = open_source(source, encoding=options.encoding)
    if options.reference is not None:
        ref = open_reference(options.reference)
        return scan_against(
            [(src, options)], ref, engine=engine, scheduler=scheduler, progress=progress
        )[0]
    return scan_source(src, options, engine=engine, scheduler=scheduler, progress=progress)


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
    train split; paths with a ``reference`` are grouped so each reference is read
    once. ``bars(source)`` opens a progress callback for a plain scan (the CLI's bar).
    """
    from labelcheck.io import open_splits

    run: dict[str, Any] = {"engine": engine, "scheduler": scheduler}
    reports: list[Report | None] = []
    pending: list[tuple[int, Source, ScanOptions]] = []  # paths checked against a reference
    for path in paths:
        options = options_for(path)
        splits = open_splits(path, encoding=options.encoding)
        if splits is not None:
            train = splits.pop("train", None)
            others = [(s, options) for s in splits.values()]
            reports.extend(scan_against(others, train, reference_options=options, **run))
            continue
        src = open_source(path, encoding=options.encoding)
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
    if stats.row_stats is not None:
        stats.row_stats.close()
    return report


def open_reference(reference: Any) -> Source:
    """Open the reference split; an unreadable one is an :class:`InputError` naming it."""
    if isinstance(reference, Source):
        return reference
    try:
        return open_source(reference)
    except InputError as exc:
        raise InputError(f"--reference: {exc}") from None


def scan_splits(
    source: Any,
    label: str | None = None,
    *,
    options: ScanOptions | None = None,
    engine: str = "local",
    scheduler: Any = None,
    **settings: Any,
) -> dict[str, Report]:
    """Scan a dataset of named splits: one report per split, each checked against train.

    ``source``: a directory laid out in splits (``data/train-00000-of-00002.parquet``,
    ``test-*``, ``validation``/``valid``/``val``/``dev``, or ``train/`` ``test/``
    folders), a ``datasets.DatasetDict``, or a mapping ``{"train": ..., "test": ...}``
    of anything :func:`scan` accepts. Every split but train is also checked against
    train (LC303-LC306); train is read once. Keywords as for :func:`scan`.

    Examples
    --------
    >>> import numpy as np, labelcheck
    >>> X = np.random.default_rng(0).random((100, 3))
    >>> reports = labelcheck.scan_splits({"train": (X, np.arange(100) % 2),
    ...                                   "test": (X[:10], np.arange(10) % 2)})
    >>> [f.code for f in reports["test"].findings]
    ['LC303']
    """
    from labelcheck.io import open_splits

    found = open_splits(source)  # a directory or a DatasetDict (a Mapping too)
    if found is None and isinstance(source, Mapping):
        found = {str(k): open_source(v, name=str(k)) for k, v in source.items()}
    if found is None:
        raise InputError(
            f"{source}: not a dataset of named splits (train/test/validation files or "
            "folders); scan it with labelcheck.scan"
        )
    splits = found
    if options is None:
        options = make_options(label, **settings)
    names = list(splits)
    train = splits.get("train")
    others = [(splits[n], options) for n in names if n != "train"]
    reports = scan_against(
        others, train, reference_options=options, engine=engine, scheduler=scheduler
    )
    if train is not None:  # scan_against puts the reference's own report first
        names = ["train", *[n for n in names if n != "train"]]
    return dict(zip(names, reports, strict=True))


def scan_against(
    splits: list[tuple[Source, ScanOptions]],
    reference: Source | None,
    *,
    reference_options: ScanOptions | None = None,
    engine: str = "local",
    scheduler: Any = None,
    progress: Progress | None = None,
) -> list[Report]:
    """Scan each split on its own and against ``reference``, which is read once, streaming.

    ``reference_options``: the reference is a split of the same dataset and gets
    its own report, first (its statistics then serve as the reference). Rows
    are identified by the features every split and the reference have (a
    reference lacking some is compared on the others, and LC303 says so); a
    reference without the splits' label column is an :class:`InputError`.
    """
    from labelcheck.engines import compute_stats

    run: dict[str, Any] = {"engine": engine, "scheduler": scheduler}
    if reference is None:
        return [scan_source(s, o, progress=progress, **run) for s, o in splits]
    own: Report | None = None
    if not splits:  # a dataset with a train split only
        return [scan_source(reference, reference_options or ScanOptions(), **run)]
    plans = [plan_columns(s.schema, o, s.name, s.index_columns) for s, o in splits]
    names = set(reference.schema.names)
    for (src, _), plan in zip(splits, plans, strict=True):
        if plan.label is not None and plan.label not in names:
            raise InputError(
                f"--reference {reference.name}: label column {plan.label!r} (the label of "
                f"{src.name}) not found; columns are: {', '.join(sorted(names)[:12])}"
            )
    common = [f for f in plans[0].features if f in names]
    for plan in plans[1:]:
        common = [f for f in common if f in plan.features]
    if not common:
        raise InputError(
            f"--reference {reference.name}: has none of the features of {splits[0][0].name} "
            f"({', '.join(plans[0].features[:8])}); give the training split of this data"
        )
    rows = tuple(common) if plans[0].row_features is not None else None
    ref_stats: DatasetStats | None = None
    if reference_options is not None:
        ref_plan = plan_columns(
            reference.schema, reference_options, reference.name, reference.index_columns
        )
        stats = compute_stats(reference, ref_plan, reference_options, **run)
        own = analyse(reference.name, stats, reference_options)
        if set(ref_plan.features) == set(common) and ref_plan.label == plans[0].label:
            ref_stats = stats  # the same columns: its own statistics are the reference's
        elif stats.row_stats is not None:
            stats.row_stats.close()
    if ref_stats is None:  # the reference's columns as the splits see them
        ref_plan = replace(plans[0], features=tuple(common), row_features=rows)
        ref_stats = compute_stats(reference, ref_plan, splits[0][1], **run)
    reports = [own] if own is not None else []
    for (src, options), plan in zip(splits, plans, strict=True):
        plan = replace(plan, row_features=rows if plan.row_features is not None else None)
        stats = compute_stats(src, plan, options, progress=progress, **run)
        reports.append(
            analyse(src.name, stats, options, reference=ref_stats, reference_name=reference.name)
        )
        if stats.row_stats is not None:
            stats.row_stats.close()
    if ref_stats.row_stats is not None:
        ref_stats.row_stats.close()
    return reports


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


def check_arrays(X: Any, y: Any = None, **kwargs: Any) -> Report:
    """Check numpy features ``X`` and labels ``y`` before ``model.fit``.

    Takes the same options as :func:`scan`, ``model=`` too (its outputs bound the labels). Raises
    :class:`~labelcheck.DataValidationError` (whose message lists each problem
    and its fix) when there is an error-level finding; otherwise returns the
    report, which may hold warnings.

    Examples
    --------
    >>> import numpy as np, labelcheck
    >>> X = np.random.default_rng(0).random((100, 3))
    >>> labelcheck.check_arrays(X, np.arange(100) % 4).ok
    True
    """
    kwargs.setdefault("label", "y")
    report = scan((X, y) if y is not None else X, **kwargs)
    return report.raise_for_errors()
