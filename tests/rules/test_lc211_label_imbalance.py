"""LC211 label-imbalance: majority/minority class ratio above 100."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def test_fraud_labels_199_to_1(write, rng):
    y = np.r_[np.zeros(99_500, np.int64), np.ones(500, np.int64)]
    finding = one(
        labelcheck.scan(write({"x": rng.random(100_000), "is_fraud": y}), label="is_fraud"), "LC211"
    )
    assert finding.column == "is_fraud"
    assert finding.values == (0, 1)
    assert finding.severity == "info"
    assert finding.rows is None
    assert "199:1" in finding.message


def test_near_miss_50_to_1_and_one_hot_targets(write, rng):
    y = np.r_[np.zeros(5000, np.int64), np.ones(100, np.int64)]
    assert "LC211" not in codes(labelcheck.scan((rng.random((5100, 2)), y)))
    # One-hot rows hold far more 0s than 1s: that is not class imbalance.
    onehot = np.eye(200)[np.arange(2000) % 200]
    assert "LC211" not in codes(labelcheck.scan((rng.random((2000, 2)), onehot)))
