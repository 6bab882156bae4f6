"""LC208 label-non-integer: fractional labels when the task is classification."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def test_averaged_labels_with_n_classes(write, rng):
    y = rng.integers(0, 3, 400).astype(float)
    y[[3, 30, 300]] = [1.5, 0.5, 1.5]  # a bad aggregation averaged two annotators
    report = labelcheck.scan(write({"x": rng.random(400), "y": y}), n_classes=3)
    finding = one(report, "LC208")
    assert finding.column == "y"
    assert finding.rows == 3
    assert finding.values == (0.5, 1.5)
    assert finding.severity == "error"
    assert finding.fix is None
    assert "--n-classes 3" in finding.message and "--task regression" in finding.message


def test_too_many_distinct_values_shows_real_label_values_not_the_mean(rng):
    y = rng.random(30_000) * 3  # 30,000 distinct fractional values: past the distinct cap
    report = labelcheck.scan((rng.random((30_000, 2)), y), task="classification")
    finding = one(report, "LC208")
    assert finding.rows == 30_000
    assert finding.values and all(v in set(y.tolist()) for v in finding.values)


def test_near_miss_auto_task_soft_bce_targets_and_integral_floats(write, rng):
    X = rng.random((200, 2))
    soft = rng.random(200)
    report = labelcheck.scan((X, soft))
    assert report.task.task == "regression" and "LC208" not in codes(report)
    assert "LC208" not in codes(labelcheck.scan((X, soft), loss="bce"))
    floats = np.tile([0.0, 1.0, 2.0, 3.0], 50)
    assert "LC208" not in codes(labelcheck.scan((X, floats), n_classes=4))
