"""LC304 unseen-class: classes in a split that the reference never has."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def test_classes_training_never_saw(write, rng):
    tr = write({"x": rng.random(300), "y": np.arange(300) % 3}, name="train")
    y = np.r_[np.arange(90) % 3, [7, 7, 11]]
    te = write({"x": rng.random(93), "y": y}, name="test")
    finding = one(labelcheck.scan(te, reference=tr), "LC304")
    assert finding.values == (7, 11)
    assert finding.rows == 3 and finding.severity == "error"
    assert "2 classes never occur in the reference" in finding.message
    assert "7: 2, 11: 1" in finding.message


def test_near_miss_subset_of_classes_regression_and_no_reference(write, rng):
    tr = write({"x": rng.random(300), "y": np.arange(300) % 3}, name="train")
    te = write({"x": rng.random(60), "y": np.arange(60) % 2}, name="test")
    assert "LC304" not in codes(labelcheck.scan(te, reference=tr))
    assert "LC304" not in codes(labelcheck.scan(te))
    reg_tr = write({"x": rng.random(300), "y": rng.normal(0, 1, 300)}, name="rtrain")
    reg_te = write({"x": rng.random(300), "y": rng.normal(0, 1, 300)}, name="rtest")
    assert "LC304" not in codes(labelcheck.scan(reg_te, reference=reg_tr))
