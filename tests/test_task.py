"""Task detection (labelcheck.task): one test per branch, each with its example input."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import labelcheck
from labelcheck.pipeline import make_options
from labelcheck.stats import ColumnStats
from labelcheck.task import detect_task


def label(values, arrow_type=None, *, cap=None) -> ColumnStats:
    array = pa.array(values, type=arrow_type)
    stats = ColumnStats.empty(array.type, label=True)
    if cap is not None:
        stats.distinct_cap = cap
    stats.update(array)
    return stats


def test_no_label_column():
    info = detect_task(None, make_options())
    assert (info.task, info.target_type, info.reason) == ("none", "unknown", "no label column")


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_task_flag_overrides_detection(task):
    info = detect_task(label([0.5, 1.5, 2.25]), make_options(task=task))
    assert info.task == task
    assert info.target_type == "continuous"  # what the data looks like, still reported
    assert info.reason == f"--task {task}"


@pytest.mark.parametrize(
    ("loss", "task"),
    [
        ("bce", "classification"),
        ("cross_entropy", "classification"),
        ("categorical_crossentropy", "classification"),
        ("hinge", "classification"),
        ("mse", "regression"),
        ("poisson", "regression"),
        ("msle", "regression"),
    ],
)
def test_a_loss_names_its_task(loss, task):
    info = detect_task(label([0, 1, 1, 0]), make_options(loss=loss))
    assert info.task == task
    assert info.reason.startswith("--loss ")
    assert info.target_type == "binary"


def test_n_classes_means_classification_even_for_fractional_labels():
    info = detect_task(label([0.0, 1.5, 2.0]), make_options(n_classes=3))
    assert (info.task, info.target_type, info.reason) == (
        "classification",
        "continuous",
        "--n-classes 3",
    )


def test_list_labels_are_multilabel_classification():
    info = detect_task(label([[0, 1, 0], [1, 0, 0]], pa.list_(pa.int64())), make_options())
    assert (info.task, info.target_type) == ("classification", "multilabel")


@pytest.mark.parametrize(
    ("values", "arrow_type", "target_type"),
    [
        (["cat", "dog", "cat"], pa.string(), "binary"),
        (["cat", "dog", "bird"], pa.string(), "multiclass"),
        ([True, False, True], pa.bool_(), "binary"),
    ],
)
def test_string_and_bool_labels_are_classification(values, arrow_type, target_type):
    info = detect_task(label(values, arrow_type), make_options())
    assert (info.task, info.target_type) == ("classification", target_type)


def test_categorical_labels_are_string_labels():
    cats = pa.array(["lo", "hi", "lo"]).dictionary_encode()
    info = detect_task(label(cats), make_options())
    assert (info.task, info.reason) == ("classification", "string labels")


def test_an_unsupported_label_type_has_no_task():
    info = detect_task(label([b"\x00", b"\x01"], pa.binary()), make_options())
    assert (info.task, info.target_type) == ("none", "unknown")
    assert "binary" in info.reason


def test_a_label_without_any_finite_value_has_no_task():
    info = detect_task(label([None, float("nan")], pa.float64()), make_options())
    assert (info.task, info.reason) == ("none", "the label column has no finite value")


def test_fractional_values_mean_regression():
    info = detect_task(label([0.5, 1.7, 3.2, 4.0]), make_options())
    assert (info.task, info.target_type) == ("regression", "continuous")
    assert "3 of 4" in info.reason


@pytest.mark.parametrize(
    ("values", "target_type"),
    [([0, 1, 1, 0], "binary"), ([0.0, 1.0, 0.0], "binary"), ([0, 3, 2, 8000], "multiclass")],
)
def test_integer_valued_labels_are_classification(values, target_type):
    info = detect_task(label(values), make_options())
    assert (info.task, info.target_type) == ("classification", target_type)
    assert "integer-valued labels" in info.reason


def test_more_integer_values_than_the_distinct_cap_is_regression():
    info = detect_task(label(list(range(50)), cap=10), make_options())
    assert (info.task, info.target_type) == ("regression", "continuous")
    assert "more than 10 distinct values" in info.reason
    assert "--task classification" in info.reason


def test_max_classes_threshold_is_honoured():
    stats = label(list(range(200)))
    assert detect_task(stats, make_options()).task == "classification"
    info = detect_task(stats, make_options(thresholds={"max_classes": 100}))
    assert info.task == "regression"
    assert "200 distinct values (max_classes 100)" in info.reason


def test_the_report_states_the_task_and_why():
    rng = np.random.default_rng(0)
    report = labelcheck.scan((rng.random((50, 2)), rng.normal(size=50)))
    data = report.to_dict()
    assert data["task"] == "regression"
    assert data["target_type"] == "continuous"
    assert data["task_reason"].startswith("fractional label values")


def test_raising_max_classes_lets_more_classes_be_counted():
    rng = np.random.default_rng(1)
    # 15,000 classes of 4 rows, ids 0, 3, 6, ...: not a dense range of ids (see below)
    X, y = rng.random((60_000, 2)), (np.arange(60_000) % 15_000) * 3
    assert labelcheck.scan((X, y)).task.task == "regression"  # past the default 10,000
    report = labelcheck.scan((X, y), thresholds={"max_classes": 20_000})
    assert report.task.task == "classification"
    assert report.task.reason == "integer-valued labels (15,000 distinct values)"


# ------------------------------------------- many class ids: extreme classification (#9)
def _ids(n_ids: int, repeat: int, start: int = 0, seed: int = 0) -> np.ndarray:
    y = np.repeat(np.arange(start, start + n_ids), repeat)
    np.random.default_rng(seed).shuffle(y)
    return y


def test_fifty_thousand_ids_each_twice_are_class_ids(tmp_path):
    """Face identities: 0..49,999, two photos each. Was regression with LC212."""
    import pyarrow.parquet as pq

    y = _ids(50_000, 2)
    path = tmp_path / "faces.parquet"
    rng = np.random.default_rng(1)
    pq.write_table(pa.table({"x": rng.random(len(y)), "y": y}), path, row_group_size=7_000)
    report = labelcheck.scan(path)  # 15 row groups: the bitmaps merge across them
    assert (report.task.task, report.task.target_type) == ("classification", "multiclass")
    assert "0..49999 with every value present (50,000 class ids" in report.task.reason
    assert not report.by_code("LC212")
    assert report.stats.label.distinct is None and report.stats.label.distinct_count == 50_000
    assert report.to_dict()["columns"]["y"]["distinct"] == 50_000
    info = detect_task(label(_ids(20_000, 3, start=1)), make_options())
    assert info.task == "classification" and "1..20000" in info.reason
    # A few labels missing (NaN) or set aside (--ignore-index) do not change the task.
    y = _ids(30_000, 2).astype(float)
    y[:7] = np.nan
    assert detect_task(label(y), make_options()).task == "classification"
    y[:7] = -100
    found = labelcheck.scan(pa.table({"x": np.zeros(len(y)), "y": y}), ignore_index=-100)
    assert found.task.task == "classification" and found.stats.ignored_rows == 7


@pytest.mark.parametrize(
    ("case", "values"),
    [
        # Prices in whole dollars: not from 0, most of the range never occurs.
        ("prices", np.random.default_rng(2).integers(12, 950_000, 100_000)),
        # A row number: dense from 0, but no id repeats.
        ("row-number", _ids(60_000, 1)),
        # Counts dense from 0 except for a gap in the tail.
        ("counts-with-a-gap", np.r_[_ids(30_000, 3), 40_000]),
        # Dense ids from 5: not numbered from one end.
        ("from-5", _ids(20_000, 2, start=5)),
        # Negative values: no bitmap, no class ids.
        ("negative", np.r_[_ids(20_000, 2), -1]),
    ],
)
def test_near_misses_stay_regression(case, values):
    info = detect_task(label(values), make_options())
    assert info.task == "regression", (case, info.reason)
    assert "--task classification" in info.reason
