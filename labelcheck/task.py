"""Task detection, after scikit-learn's ``type_of_target`` (SPEC §4).

Returns one of a closed set, each branch with an example input:
classification (binary / multiclass / multilabel) or regression (continuous),
and says why, so the report can state it.
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


def _target_type(label: ColumnStats) -> str:
    if label.kind == "list":
        return "multilabel"
    if label.kind == "numeric" and label.non_integer:
        return "continuous"
    if label.distinct is not None:
        return "binary" if len(label.distinct) <= 2 else "multiclass"
    return "unknown"
