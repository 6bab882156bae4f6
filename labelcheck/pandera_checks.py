"""pandera interop: labelcheck's checks as pandera check methods, and schema conversion.

Importing this module registers, through pandera's extensions API
(:func:`pandera.extensions.register_check_method`), these ``pa.Check`` methods:

=================================  ==========================================================
``Check.lc_finite()``              no +Inf/-Inf (LC102, LC202); NaN/null are pandera's
                                   ``nullable=False`` (a Column's default)
``Check.lc_class_ids(n_classes)``  integer class ids in ``[0, n_classes)`` (LC203, LC204, LC208)
``Check.lc_in_classes(classes)``   only the declared classes, ids or names (LC214)
``Check.lc_range(min_value, max_value)``  values in the declared range (LC109)
``Check.lc_no_sparse_outliers()``  no few rows far from all the others (LC205; LC108 with
                                   ``label=False``), by the same arithmetic as ``scan``
=================================  ==========================================================

so a pandera user gets pandera's ``SchemaErrors`` (with ``lazy=True``)::

    import pandera.pandas as pa
    import labelcheck.pandera_checks  # registers the checks

    schema = pa.DataFrameSchema({
        "x0": pa.Column(float, pa.Check.lc_finite()),
        "y": pa.Column(int, [pa.Check.lc_class_ids(n_classes=5),
                             pa.Check.lc_no_sparse_outliers()]),
    })
    schema.validate(df, lazy=True)

:func:`to_pandera` turns a labelcheck schema (YAML path or dict) into a
``pandera.DataFrameSchema`` built from these checks. ``import labelcheck``
never imports pandera: only importing this module does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

    from labelcheck.schema import Schema

#: The check methods this module registers on ``pandera.Check``.
CHECK_NAMES = (
    "lc_finite",
    "lc_class_ids",
    "lc_in_classes",
    "lc_range",
    "lc_no_sparse_outliers",
)


# ------------------------------------------------------------ check functions
def _per_column(data: Any, fn: Any) -> Any:
    """Apply a Series check to a Series, or to every column of a DataFrame."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data.apply(fn)
    return fn(data)


def _numeric(series: pd.Series) -> pd.Series:
    import pandas as pd

    return pd.to_numeric(series, errors="coerce").astype("float64")


def lc_finite(data: Any) -> Any:
    """True where the value is not +Inf/-Inf (NaN is left to pandera's nullable)."""
    import numpy as np

    def check(s: pd.Series) -> pd.Series:
        return ~np.isinf(_numeric(s))

    return _per_column(data, check)


def lc_class_ids(
    data: Any, *, n_classes: int | None = None, ignore_index: float | None = None
) -> Any:
    """True where the value is an integer class id in ``[0, n_classes)`` (or the ignore marker)."""
    import numpy as np

    def check(s: pd.Series) -> pd.Series:
        v = _numeric(s)
        ok = np.isfinite(v) & (v >= 0) & (v == np.floor(v))
        if n_classes is not None:
            ok &= v < n_classes
        if ignore_index is not None:
            ok |= v == ignore_index
        return ok

    return _per_column(data, check)


def lc_in_classes(data: Any, *, classes: Sequence[Any], ignore_index: float | None = None) -> Any:
    """True where the value is one of ``classes`` (ids match ids stored as text)."""
    import pandas as pd

    allowed = list(classes) + ([ignore_index] if ignore_index is not None else [])
    as_text = {str(c) for c in allowed if not isinstance(c, str)}

    def check(s: pd.Series) -> pd.Series:
        ok = s.isin(allowed)
        if as_text and not pd.api.types.is_numeric_dtype(s):
            ok |= s.astype("string").isin(as_text).fillna(False).astype(bool)
        return ok

    return _per_column(data, check)


def lc_range(data: Any, *, min_value: float | None = None, max_value: float | None = None) -> Any:
    """True where ``min_value <= value <= max_value`` (either bound optional)."""

    def check(s: pd.Series) -> pd.Series:
        v = _numeric(s)
        ok = v.notna()
        if min_value is not None:
            ok &= v >= min_value
        if max_value is not None:
            ok &= v <= max_value
        return ok

    return _per_column(data, check)


def lc_no_sparse_outliers(
    data: Any, *, label: bool = True, ignore_index: float | None = None
) -> Any:
    """False on the few rows whose values are far from all the others (LC205/LC108).

    Uses labelcheck's own statistics and outlier arithmetic, so it flags
    exactly what ``labelcheck scan`` reports. ``label=True`` treats values as
    class ids (a gap of one id is never an outlier); values equal to
    ``ignore_index`` are left out, as ``scan --ignore-index`` does.
    """
    import pyarrow as pa

    from labelcheck.options import Thresholds
    from labelcheck.rules.extremes import sparse_extremes
    from labelcheck.stats.column import ColumnStats

    def check(s: pd.Series) -> pd.Series:
        v = _numeric(s)
        kept = v if ignore_index is None else v[v != ignore_index]
        stats = ColumnStats.of(pa.array(kept.to_numpy(), from_pandas=True), label=label)
        outliers = sparse_extremes(stats, Thresholds(), floor=1.0 if label else 0.0)
        return ~v.isin([value for value, _ in outliers])

    return _per_column(data, check)


_STATISTICS: dict[str, list[str]] = {
    "lc_finite": [],
    "lc_class_ids": ["n_classes", "ignore_index"],
    "lc_in_classes": ["classes", "ignore_index"],
    "lc_range": ["min_value", "max_value"],
    "lc_no_sparse_outliers": ["label", "ignore_index"],
}


def register() -> None:
    """Register the checks on ``pandera.Check`` (idempotent: safe to call again)."""
    from pandera.api.checks import Check
    from pandera.extensions import register_check_method

    for name in CHECK_NAMES:
        if name in Check.REGISTERED_CUSTOM_CHECKS:
            continue
        register_check_method(globals()[name], statistics=_STATISTICS[name])


register()


# ------------------------------------------------------------ schema conversion
def to_pandera(
    schema: Schema | Mapping[str, Any] | str | os.PathLike[str],
) -> pa.DataFrameSchema:
    """A ``pandera.DataFrameSchema`` equivalent to a labelcheck schema.

    Feature columns (``features``, else those with declared ranges) get
    ``lc_finite`` and, where declared, ``lc_range``; the label gets
    ``lc_in_classes``, ``lc_class_ids`` (integer ids) and
    ``lc_no_sparse_outliers`` for classification, ``lc_finite`` for regression.
    Columns are required and non-nullable (NaN and nulls fail); other columns
    are allowed. Validate with ``lazy=True`` to collect every failure.
    """
    import pandera.pandas as pa

    from labelcheck.schema import load_schema

    loaded = load_schema(schema)
    d = loaded.data
    ranges = {k: v for k, v in (d.get("columns") or {}).items()}
    label = d.get("label")
    exclude = set(d.get("exclude") or ())
    features = [
        f
        for f in (d.get("features") if d.get("features") is not None else list(ranges))
        if f != label and f not in exclude
    ]
    columns: dict[str, pa.Column] = {}
    for name in features:
        spec = ranges.get(name) or {}
        checks = [pa.Check.lc_finite()]
        if spec.get("min") is not None or spec.get("max") is not None:
            checks.append(pa.Check.lc_range(min_value=spec.get("min"), max_value=spec.get("max")))
        columns[name] = pa.Column(checks=checks, nullable=False, required=True)
    if label:
        columns[label] = pa.Column(checks=_label_checks(d), nullable=False, required=True)
    return pa.DataFrameSchema(columns, name=loaded.source, strict=False)


def _label_checks(d: Mapping[str, Any]) -> list[Any]:
    import pandera.pandas as pa

    task = d.get("task")
    classes = d.get("classes")
    n_classes = d.get("n_classes")
    # Only pass the marker when declared, so check names stay short without one.
    marker = {"ignore_index": d["ignore_index"]} if d.get("ignore_index") is not None else {}
    if task == "regression":
        return [pa.Check.lc_finite()]
    checks = []
    if classes is not None:
        checks.append(pa.Check.lc_in_classes(classes=list(classes), **marker))
    numeric_ids = classes is None or all(
        isinstance(c, int) and not isinstance(c, bool) for c in classes
    )
    if numeric_ids and (n_classes is not None or task == "classification"):
        checks.append(pa.Check.lc_class_ids(n_classes=n_classes, **marker))
    if numeric_ids:
        checks.append(pa.Check.lc_no_sparse_outliers(**marker))
    return checks


__all__ = [
    "CHECK_NAMES",
    "lc_class_ids",
    "lc_finite",
    "lc_in_classes",
    "lc_no_sparse_outliers",
    "lc_range",
    "register",
    "to_pandera",
]
