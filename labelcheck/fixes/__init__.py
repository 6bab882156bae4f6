"""Fixes (SPEC §5): fit a :class:`FixPlan` from a scan, apply it, replay it on new data.

>>> import numpy as np, labelcheck
>>> X = np.random.default_rng(0).random((21, 3))
>>> y = np.r_[np.arange(20) % 5, 8000]
>>> (X2, y2), plan = labelcheck.fix((X, y))
>>> len(y2), sorted(set(y2.tolist())), plan.decode_labels([4]).tolist()
(20, [0, 1, 2, 3, 4], [4])
"""

from __future__ import annotations

from typing import Any

from labelcheck.fixes.derive import derive_plan
from labelcheck.fixes.plan import FixPlan, Step, Tally, load_plan
from labelcheck.options import FIX_SETTINGS, SCAN_SETTINGS, ScanOptions, Strategies

__all__ = ["FixPlan", "Step", "Strategies", "Tally", "derive_plan", "fix", "load_plan"]

_FIX_KEYWORDS = {s.name for s in FIX_SETTINGS}


def fix(
    source: Any,
    report: Any = None,
    *,
    label: str | None = None,
    options: ScanOptions | None = None,
    allow_empty: bool = False,
    **settings: Any,
) -> tuple[Any, FixPlan]:
    """Repair what would break training; return ``(fixed, plan)``.

    ``fixed`` is the same kind of object as ``source``: pandas -> pandas,
    polars -> polars (a LazyFrame gives a LazyFrame), pyarrow
    Table/RecordBatch -> the same, numpy ``(X, y)`` -> ``(X, y)``; a path
    gives a pyarrow Table (for files larger than memory use ``labelcheck fix
    PATH -o OUT``, which streams). ``plan`` replays the same fitted transform
    on other data (``plan.transform(test)``), decodes predictions
    (``plan.decode_labels``) and saves as JSON (``plan.save``).

    Parameters
    ----------
    source
        Anything :func:`labelcheck.scan` takes.
    report
        A report of ``source`` from :func:`labelcheck.scan`, to skip the first
        scan; its options are then used and the scan keywords ignored.
    label, options
        As for :func:`labelcheck.scan`.
    allow_empty
        Return an empty result when every row is dropped; by default that raises
        :class:`~labelcheck.errors.NothingLeftError` (an empty training set is not a fix).
    **settings
        The repair strategies of :data:`labelcheck.options.FIX_SETTINGS`:
        ``nan_strategy`` (LC101: ``"drop"`` the rows or impute the exact
        ``"median"``), ``inf_strategy`` (LC102: ``"drop"`` or ``"clip"`` to the
        finite range), ``scale`` (LC103/LC104/LC106: ``"minmax"`` to [-1, 1] or
        ``"standard"``), ``outliers`` (LC205: ``"drop"`` the rows or
        ``"reindex"`` them as classes); and every scan keyword of
        :func:`labelcheck.scan` (``n_classes``, ``loss``, ``select`` ...).
        With ``reference=`` (the training split) the label mapping, scaling and
        imputed values are fitted on the reference, never on ``source``, which
        only drops rows (leaked, copies, classes the reference lacks).

    Examples
    --------
    >>> import pandas as pd, labelcheck
    >>> df = pd.DataFrame({"px": [0, 255, 128, 64], "label": [-1, 0, 1, 0]})
    >>> fixed, plan = labelcheck.fix(df)
    >>> fixed["label"].tolist(), plan.decode_labels(fixed["label"]).tolist()
    ([0, 1, 2, 1], [-1, 0, 1, 0])
    """
    from labelcheck.fixes.apply import fix_object
    from labelcheck.pipeline import check_keywords, make_options, make_strategies

    check_keywords(settings, (*SCAN_SETTINGS, *FIX_SETTINGS), "fix")
    strategies = make_strategies(**{k: v for k, v in settings.items() if k in _FIX_KEYWORDS})
    scan_settings = {k: v for k, v in settings.items() if k not in _FIX_KEYWORDS}
    if report is not None:
        options = report.options
    elif options is None:
        options = make_options(label, **scan_settings)
    return fix_object(source, report, options, strategies, allow_empty=allow_empty)
