"""LC210 label-rare-class: classes with fewer than rare_class_min rows."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def test_a_class_seen_three_times(write, rng):
    y = np.repeat([0, 1, 2], [500, 480, 3])
    rng.shuffle(y)
    finding = one(labelcheck.scan(write({"x": rng.random(983), "y": y})), "LC210")
    assert finding.column == "y"
    assert finding.rows == 3
    assert finding.values == (2,)
    assert finding.severity == "warning"
    assert "1 of 3 classes have fewer than 5 rows (2: 3)" in finding.message


def test_rare_string_class_and_configurable_threshold(write, rng):
    names = ["cat"] * 40 + ["dog"] * 40 + ["Dog"] * 7
    path = write({"x": rng.random(87), "label": names})
    assert "LC210" not in codes(labelcheck.scan(path))
    finding = one(labelcheck.scan(path, thresholds={"rare_class_min": 10}), "LC210")
    assert (finding.values, finding.rows) == (("Dog",), 7)


def test_near_miss_enough_rows_each_outliers_and_regression(write, rng):
    X = rng.random((100, 2))
    assert "LC210" not in codes(labelcheck.scan((X, np.repeat([0, 1, 2, 3], 25))))
    # The single 8000 is LC205's, not a rare class.
    y = np.r_[np.repeat([0, 1, 2, 3], 25)[:99], 8000]
    report = labelcheck.scan((X, y))
    assert "LC205" in codes(report) and "LC210" not in codes(report)
    assert "LC210" not in codes(labelcheck.scan((X, rng.normal(0, 1, 100))))
