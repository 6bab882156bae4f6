"""Task detection, after scikit-learn's ``type_of_target`` (SPEC §4).

Returns one of a closed set, each branch with an example input:
classification (binary / multiclass / multilabel) or regression (continuous),
and says why, so the report can state it.

Integer labels with more distinct values than ``max_classes`` (10,000) are
regression, unless they look like class ids of an extreme classification
(face identities, product ids, words of a vocabulary). They do when all of:

- they start at 0 or 1 (ids are numbered from one end),
- every id in their range occurs (distinct count == max - min + 1: a dense
  range, which the statistics know past the distinct cap from a bitmap),
- ids repeat: on average at least 1.5 rows per id (a column of 0..n-1, each
  once, is a row number, not a label; ids each twice stay class ids when a
  few rows are null or NaN).

Examples both ways:

- 50,000 identities 0..49,999, each in 2 photos -> classification;
- 1..20,000, each 3 times -> classification (LC207 then says: not from 0);
- prices in whole dollars, 12 to 950,000 -> regression (they do not start at
  0, and most values in the range never occur);
- counts 0..30,000 with gaps in the tail -> regression (not dense);
- a row number 0..999,999, each once -> regression (no id repeats).
"""

from __future__ import annotations

from labelcheck.options import CLASSIFICATION_LOSSES, ScanOptions
from labelcheck.rules.base import TaskInfo
from labelcheck.stats.column import ColumnStats


def detect_task(label: ColumnStats | None, options: ScanOptions) -> TaskInfo:
    """The task a scan uses for ``label`` (None when there is no label column)."""
    if label is None:
        return TaskInfo("none", "unknown", "no label column")
    kind_type = _target_type(label)
    if options.task != "auto":
        return TaskInfo(options.task, kind_type, options.said("task", f"--task {options.task}"))
    if options.loss is not None:
        # A loss names its task: cross-entropy -> classification; mse -> regression.
        task = "classification" if options.loss in CLASSIFICATION_LOSSES else "regression"
        return TaskInfo(task, kind_type, options.said("loss", f"--loss {options.loss}"))
    if options.n_classes is not None:
        said = options.said("n_classes", f"--n-classes {options.n_classes}")
        return TaskInfo("classification", kind_type, said)
    if label.kind == "list":  # [[0, 1, 0], ...]: one-hot or probability rows
        return TaskInfo(
            "classification", "multilabel", "list-valued labels (one-hot/probabilities)"
        )
    if label.kind in ("string", "bool"):  # ['cat', 'dog'] or [True, False]
        return TaskInfo("classification", kind_type, f"{label.kind} labels")
    if label.kind != "numeric":
        return TaskInfo("none", "unknown", f"label column of type {label.dtype}")
    if label.n == 0:
        return TaskInfo("none", "unknown", "the label column has no finite value")
    if label.non_integer:  # [0.5, 1.7, 3.2]
        return TaskInfo(
            "regression",
            "continuous",
            f"fractional label values ({label.non_integer:,} of {label.n:,})",
        )
    max_classes = options.thresholds.max_classes
    k = label.distinct_count
    if (k is None or k > max_classes) and _dense_ids(label, k):
        # [0, 0, 1, 1, ..., 49999, 49999]: every id of 0..K-1 present, each ~twice
        assert k is not None
        return TaskInfo(
            "classification",
            "multiclass",
            f"integer labels {int(label.min)}..{int(label.max)} with every value present "
            f"({k:,} class ids, {label.n / k:,.1f} rows each on average)",
        )
    if label.distinct is None or len(label.distinct) > max_classes:
        # [17, 250, 3120, ...]: integer-valued, but too many values for class ids (counts, cents)
        many = (
            f"more than {label.distinct_cap:,}"
            if label.distinct is None
            else f"{len(label.distinct):,}"
        )
        return TaskInfo(
            "regression",
            "continuous",
            f"integer labels with {many} distinct values (max_classes {max_classes:,}); "
            "pass --task classification if they are class ids",
        )
    k = len(label.distinct)  # [0, 1, 1, 0] -> binary; [0, 3, 2] -> multiclass
    return TaskInfo(
        "classification",
        "binary" if k <= 2 else "multiclass",
        f"integer-valued labels ({k:,} distinct values)",
    )


def _dense_ids(label: ColumnStats, k: int | None) -> bool:
    """Integer labels from 0 (or 1), every value of the range present, repeated (see above)."""
    if k is None or label.min is None or label.max is None or label.non_integer:
        return False
    return label.min in (0, 1) and k == label.max - label.min + 1 and label.n >= _REPEATS * k


#: Rows per id, on average, that make dense integer labels class ids (see above).
_REPEATS = 1.5


def _target_type(label: ColumnStats) -> str:
    if label.kind == "list":
        return "multilabel"
    if label.kind == "numeric" and label.non_integer:
        return "continuous"
    k = label.distinct_count
    if k is not None:
        return "binary" if k <= 2 else "multiclass"
    return "unknown"
