"""LC101 feature-nan: NaN and nulls in numeric features, counted exactly."""

import numpy as np
import pyarrow as pa
from lc_helpers import codes, one

import labelcheck


def test_three_nan_among_100000_rows_are_counted_exactly(write, rng):
    x = rng.random((100_000, 3))
    x[[7, 50_001, 99_999], 1] = np.nan  # first, middle and last row groups
    y = rng.integers(0, 3, 100_000)
    path = write({"x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2], "y": y})
    report = labelcheck.scan(path, label="y")
    finding = one(report, "LC101")
    assert finding.column == "x1"
    assert finding.rows == 3
    assert finding.severity == "error"
    assert finding.fix == "drop-rows"
    assert "3 NaN" in finding.message and "100,000 rows" in finding.message
    assert report.to_dict()["columns"]["x1"]["nan"] == 3


def test_nan_in_numpy_arrays_and_nulls_in_a_file_are_both_missing(write, rng):
    X = rng.random((500, 2))
    X[10, 0] = np.nan
    finding = one(labelcheck.scan((X, rng.integers(0, 2, 500))), "LC101")
    assert (finding.column, finding.rows) == ("x0", 1)

    # Nulls (a CSV with empty cells) and NaN together: both counted, both named.
    x = pa.array([0.1, None, float("nan"), 0.4, None, 0.6], pa.float64())
    path = write({"x": x, "y": [0, 1, 0, 1, 0, 1]}, fmt="feather")
    finding = one(labelcheck.scan(path), "LC101")
    assert finding.rows == 3
    assert "1 NaN and 2 null" in finding.message


def test_near_miss_nan_only_in_the_label_or_in_a_text_column(write, rng):
    y = rng.random(200)
    y[3] = np.nan
    path = write(
        {
            "x": rng.random(200),
            "note": pa.array(["a", None] * 100),
            "target": y,
        }
    )
    report = labelcheck.scan(path)
    assert "LC101" not in codes(report)
    assert one(report, "LC201").rows == 1
