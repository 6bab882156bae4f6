"""LC302 conflicting-labels: identical features, different labels."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def test_conflicts_are_counted_with_examples_and_labels(write, rng):
    x = rng.random((200, 3))
    y = rng.integers(0, 3, 200)
    X = np.r_[x, x[[10, 20, 30]], x[[10]]]
    Y = np.r_[y, (y[[10, 20, 30]] + 1) % 3, y[[10]]]  # 3 conflicts; one also duplicated
    data = {"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "label": Y}
    finding = one(labelcheck.scan(write(data)), "LC302")
    assert finding.groups == 3
    assert finding.rows == 7  # rows 10, 20, 30, their 3 conflicting copies and 1 duplicate
    assert finding.row_numbers[:2] == (10, 200)
    assert finding.column == "label"
    assert f"rows 10 (label={y[10]}), 200 (label={(y[10] + 1) % 3}), 203 (label={y[10]})" in (
        finding.message
    )


def test_string_labels_are_shown_as_they_are(write):
    data = {"x": [1.0, 1.0, 2.0, 3.0] * 2 + [9.0], "y": ["cat", "dog", "cat", "cat"] * 2 + ["x"]}
    finding = one(labelcheck.scan(write(data)), "LC302")
    assert "(y='cat')" in finding.message and "(y='dog')" in finding.message


def test_near_miss_unique_features_and_consistent_copies(write, rng):
    x = rng.random(100)
    assert "LC302" not in codes(labelcheck.scan(write({"x": x, "y": rng.integers(0, 2, 100)})))
    copies = {"x": np.r_[x, x], "y": np.r_[np.arange(100) % 2, np.arange(100) % 2]}
    report = labelcheck.scan(write(copies))
    assert "LC302" not in codes(report) and "LC301" in codes(report)
