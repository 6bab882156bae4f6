"""Fixes (SPEC §5): fit a :class:`FixPlan` from a scan, apply it, replay it on new data.

>>> import numpy as np, labelcheck
>>> X = np.random.default_rng(0).random((21, 3))
>>> y = np.r_[np.arange(20) % 5, 8000]
>>> (X2, y2), plan = labelcheck.fix((X, y))
>>> len(y2), sorted(set(y2.tolist())), plan.decode_labels([4]).tolist()
(20, [0, 1, 2, 3, 4], [4])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from labelcheck.fixes.derive import Strategies, derive_plan
from labelcheck.fixes.plan import FixPlan, Step, Tally, load_plan
from labelcheck.options import Precision, ScanOptions, Severity, Task

__all__ = ["FixPlan", "Step", "Strategies", "Tally", "derive_plan", "fix", "load_plan"]


def fix(
    source: Any,
    report: Any = None,
    *,
    nan_strategy: str = "drop",
    inf_strategy: str = "drop",
    scale: str = "minmax",
    outliers: str = "drop",
    label: str | None = None,
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
    schema: Any = None,
    options: ScanOptions | None = None,
) -> tuple[Any, FixPlan]:
    """Repair what would break training; return ``(fixed, plan)``.

    ``fixed`` is the same kind of object as ``source``: pandas -> pandas,
    polars -> polars, pyarrow Table/RecordBatch -> the same, numpy ``(X, y)``
    -> ``(X, y)``; a path gives a pyarrow Table (for files larger than memory
    use ``labelcheck fix PATH -o OUT``, which streams). ``plan`` replays the
    same fitted transform on other data (``plan.transform(test)``), decodes
    predictions (``plan.decode_labels``) and saves as JSON (``plan.save``).

    Parameters
    ----------
    source
        Anything :func:`labelcheck.scan` takes.
    report
        A report of ``source`` from :func:`labelcheck.scan`, to skip the first
        scan; its options are then used and the scan keywords ignored.
    nan_strategy
        NaN/null features (LC101): ``"drop"`` the rows or impute the exact
        ``"median"``.
    inf_strategy
        ±Inf features (LC102): ``"drop"`` the rows or ``"clip"`` to the
        column's finite range.
    scale
        Features far from unit scale (LC103, LC104, LC106): ``"minmax"`` to
        [-1, 1] or ``"standard"`` (mean 0, std 1).
    outliers
        Sparse outlier class ids (LC205): ``"drop"`` the rows or ``"reindex"``
        them as classes of their own.
    label, n_classes, task, loss, precision, select, ignore, features, ignore_index
        As for :func:`labelcheck.scan`.
    severity, thresholds, schema, options
        As for :func:`labelcheck.scan`.

    Examples
    --------
    >>> import pandas as pd, labelcheck
    >>> df = pd.DataFrame({"px": [0, 255, 128, 64], "label": [-1, 0, 1, 0]})
    >>> fixed, plan = labelcheck.fix(df)
    >>> fixed["label"].tolist(), plan.decode_labels(fixed["label"]).tolist()
    ([0, 1, 2, 1], [-1, 0, 1, 0])
    """
    from labelcheck.api import make_options
    from labelcheck.fixes.apply import fix_object

    strategies = Strategies(
        nan=nan_strategy,  # type: ignore[arg-type]
        inf=inf_strategy,  # type: ignore[arg-type]
        scale=scale,  # type: ignore[arg-type]
        outliers=outliers,  # type: ignore[arg-type]
    )
    if report is not None:
        options = report.options
    elif options is None:
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
    return fix_object(source, report, options, strategies)
