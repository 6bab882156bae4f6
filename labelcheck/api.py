"""The library's face: ``scan``, ``scan_splits`` and ``check_arrays``.

The pipeline they run (option building, planning, engines, rules) is
:mod:`labelcheck.pipeline`, which the CLI and :mod:`labelcheck.fixes` share; its
public names are re-exported here for callers of earlier versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from labelcheck.errors import InputError
from labelcheck.io import open_source
from labelcheck.options import (
    ScanOptions,
)
from labelcheck.report import Report

if TYPE_CHECKING:
    from labelcheck.engines.base import Progress

from labelcheck.pipeline import (
    analyse,
    check_keywords,
    external_reference,
    make_options,
    make_strategies,
    open_reference,
    open_with,
    scan_against,
    scan_paths,
    scan_source,
)

__all__ = [
    "analyse",
    "check_arrays",
    "check_keywords",
    "external_reference",
    "make_options",
    "make_strategies",
    "open_reference",
    "scan",
    "scan_against",
    "scan_paths",
    "scan_source",
    "scan_splits",
]


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
    src = open_with(source, options)
    if options.reference is not None:
        ref = open_reference(options.reference)
        return scan_against(
            [(src, options)], ref, engine=engine, scheduler=scheduler, progress=progress
        )[0]
    return scan_source(src, options, engine=engine, scheduler=scheduler, progress=progress)


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
    train (LC303-LC306); train is read once. With ``reference=`` (other than the
    train split itself), every split, train included, is checked against it
    instead. Keywords as for :func:`scan`.

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
    reference = external_reference(splits, options)
    if reference is not None:  # every split, train too, against the reference given
        done = scan_against(
            [(splits[n], options) for n in names], reference, engine=engine, scheduler=scheduler
        )
        return dict(zip(names, done, strict=True))
    train = splits.get("train")
    others = [(splits[n], options) for n in names if n != "train"]
    reports = scan_against(
        others, train, reference_options=options, engine=engine, scheduler=scheduler
    )
    if train is not None:  # scan_against puts the reference's own report first
        names = ["train", *[n for n in names if n != "train"]]
    return dict(zip(names, reports, strict=True))


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
