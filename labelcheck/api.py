"""The library API: ``scan`` and ``check_arrays``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from os import PathLike
from typing import TYPE_CHECKING, Any

from labelcheck.errors import InputError
from labelcheck.io.readers import Source, open_source
from labelcheck.options import Precision, ScanOptions, Severity, Task, Thresholds
from labelcheck.report import Report
from labelcheck.rules import RuleContext, run_rules
from labelcheck.stats.dataset import DatasetStats, plan_columns
from labelcheck.task import detect_task

if TYPE_CHECKING:
    from labelcheck.schema import Schema


def make_options(
    label: str | None = None,
    *,
    features: Iterable[str] | None = None,
    n_classes: int | None = None,
    task: Task | None = None,
    loss: str | None = None,
    precision: Precision | None = None,
    ignore_index: float | None = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    severity: Mapping[str, Severity] | None = None,
    thresholds: Thresholds | Mapping[str, Any] | None = None,
    schema: Schema | Mapping[str, Any] | str | PathLike[str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> ScanOptions:
    """Build validated :class:`ScanOptions` from keyword arguments.

    Layers, lowest first: ``defaults`` (the repo configuration's settings),
    the ``schema`` (a YAML path or a dict), then the keyword arguments given
    (None means "not given"), so explicit options override the schema.
    """
    from labelcheck.schema import load_schema, merge_settings, options_from_settings

    if isinstance(thresholds, Thresholds):
        thresholds = asdict(thresholds)
    given: dict[str, Any] = {
        "label": label,
        "features": tuple(features) if features is not None else None,
        "task": task,
        "n_classes": n_classes,
        "loss": loss,
        "precision": precision,
        "ignore_index": ignore_index,
        "select": tuple(select) if select is not None else None,
        "ignore": tuple(ignore) if ignore else None,
        "severity": dict(severity) if severity else None,
        "thresholds": dict(thresholds) if thresholds else None,
    }
    layers = [defaults or {}]
    origins: dict[str, str] = {}
    if schema is not None:
        loaded = load_schema(schema)
        layers.append(loaded.settings())
        origins = {key: loaded.described for key in layers[-1]}
    settings = merge_settings(*layers, given)
    # Reports say where a setting came from unless a flag set it.
    settings["origins"] = {k: v for k, v in origins.items() if given.get(k) is None}
    return options_from_settings(settings)


def scan(
    source: Any,
    label: str | None = None,
    *,
    n_classes: int | None = None,
    task: Task | None = None,
    loss: str | None = None,
    precision: Precision | None = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    ignore_index: float | None = None,
    severity: Mapping[str, Severity] | None = None,
    thresholds: Mapping[str, Any] | None = None,
    schema: Schema | Mapping[str, Any] | str | PathLike[str] | None = None,
    options: ScanOptions | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> Report:
    """Scan a dataset for data that breaks training; return a :class:`Report`.

    Parameters
    ----------
    source
        A path (Parquet file, directory or glob; CSV; Arrow IPC/Feather; JSON
        Lines; .npy/.npz), a pandas/polars DataFrame, a pyarrow Table, or a
        numpy ``(X, y)`` tuple.
    label
        The label column. Default: a column named label, labels, target, y or
        class; else features only.
    n_classes
        The number of outputs of the model; enables LC204.
    task, loss, precision
        What the data is for; the default task (``"auto"``) detects it from
        the labels; the default precision is ``"fp32"``.
    select, ignore
        Rule codes or prefixes (``"LC2"``) to run or skip.
    schema
        A schema (path to a YAML file, or a dict in the same shape; SPEC §7).
        Its settings are the defaults; keyword options given override them.
    options
        Prebuilt :class:`ScanOptions`; the keyword options are then ignored.

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
        options = make_options(
            label,
            features=features,
            n_classes=n_classes,
            task=task,
            loss=loss,
            precision=precision,
            ignore_index=ignore_index,
            select=select,
            ignore=ignore,
            severity=severity,
            thresholds=thresholds,
            schema=schema,
        )
    if engine not in ("local", "dask"):
        raise InputError(f"unknown engine {engine!r}; choose local or dask")
    if engine == "dask":
        from labelcheck.engines import dask as dask_engine

        stats, name = dask_engine.compute_stats(source, options, scheduler=scheduler)
        return analyse(name, stats, options)
    src = open_source(source)
    return scan_source(src, options)


def scan_source(src: Source, options: ScanOptions, *, progress: Any = None) -> Report:
    """Scan an opened :class:`Source` with the local engine.

    ``progress(rows_done, units_done, units_total)`` is called as units finish
    (the CLI's progress bar).
    """
    from labelcheck.engines.local import compute_stats

    plan = plan_columns(src.schema, options, src.name, src.index_columns)
    src, stats = compute_stats(src, plan, options, progress=progress)
    return analyse(src.name, stats, options)


def analyse(name: str, stats: DatasetStats, options: ScanOptions) -> Report:
    """Run the rules over computed statistics (no data access)."""
    task = detect_task(stats.label, options)
    ctx = RuleContext(stats=stats, options=options, task=task)
    return Report(source=name, stats=stats, options=options, task=task, findings=run_rules(ctx))


def check_arrays(X: Any, y: Any = None, **kwargs: Any) -> Report:
    """Check numpy features ``X`` and labels ``y`` before ``model.fit``.

    Takes the same options as :func:`scan`. Raises
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
