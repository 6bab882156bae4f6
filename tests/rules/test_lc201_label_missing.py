"""LC201 label-missing: null or NaN labels.

xgboost#2467: NaN labels gave the misleading error "label must be nonnegative".
"""

import numpy as np
import pyarrow as pa
from lc_helpers import codes, one

import labelcheck


def test_nan_labels_in_a_float_class_column(rng):
    X = rng.random((1000, 4))
    y = rng.integers(0, 3, 1000).astype(float)
    y[[1, 500, 999]] = np.nan
    report = labelcheck.scan((X, y))
    finding = one(report, "LC201")
    assert finding.column == "y"
    assert finding.rows == 3
    assert finding.severity == "error"
    assert finding.fix == "drop-rows"
    assert "3 missing labels (0 null, 3 NaN)" in finding.message
    # The task is still classification: NaN does not make labels "fractional".
    assert report.task.task == "classification"


def test_null_labels_in_a_parquet_int_column_and_in_strings(write, rng):
    y = pa.array([0, 1, None, 2, None] * 40, pa.int64())
    finding = one(labelcheck.scan(write({"x": rng.random(200), "y": y})), "LC201")
    assert (finding.rows, finding.column) == (80, "y")
    assert "80 null, 0 NaN" in finding.message

    names = pa.array(["cat", None, "dog", "bird"] * 10)
    path = write({"x": rng.random(40), "label": names}, name="names")
    assert one(labelcheck.scan(path), "LC201").rows == 10


def test_near_miss_nan_in_features_only_and_no_label_column(write, rng):
    x = rng.random(100)
    x[0] = np.nan
    report = labelcheck.scan(write({"x": x, "y": rng.integers(0, 2, 100)}))
    assert "LC201" not in codes(report)
    no_label = labelcheck.scan(write({"a": x, "b": rng.random(100)}, name="features_only"))
    assert no_label.label is None
    assert "LC201" not in codes(no_label)


def test_list_labels_count_rows_not_nan_entries(write, rng):
    nan = float("nan")
    rows = [[0.0, 1.0, 0.0]] * 20 + [[nan, nan, nan], None, [0.2, nan, 0.8]]
    table = pa.table({"x": rng.random(23), "y": pa.array(rows, pa.list_(pa.float64()))})
    finding = one(labelcheck.scan(write(table)), "LC201")
    assert finding.rows == 3  # 1 null row and 2 rows with NaN entries (4 NaN entries)
    assert "1 null, 2 with a NaN entry" in finding.message
