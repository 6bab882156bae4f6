"""LC305 label-shift: class proportions that moved beyond a threshold, not by chance."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def test_proportions_moved(write, rng):
    tr = write({"x": rng.random(2000), "y": np.arange(2000) % 2}, name="train")
    y = np.r_[np.zeros(810, int), np.ones(190, int)]
    te = write({"x": rng.random(1000), "y": y}, name="test")
    finding = one(labelcheck.scan(te, reference=tr), "LC305")
    assert "TVD 0.31 > 0.1" in finding.message
    assert "0: 50.0% -> 81.0%" in finding.message and "1: 50.0% -> 19.0%" in finding.message
    assert finding.severity == "warning"
    # A missing class is named.
    te2 = write({"x": rng.random(500), "y": np.zeros(500, int)}, name="test2")
    assert "missing here: 1" in one(labelcheck.scan(te2, reference=tr), "LC305").message


def test_near_miss_small_split_and_threshold(write, rng):
    tr = write({"x": rng.random(2000), "y": np.arange(2000) % 2}, name="train")
    # 12 rows, 9 of class 0: TVD 0.25 but well within sampling noise for 12 rows.
    y_small = np.r_[np.zeros(9, int), np.ones(3, int)]
    small = write({"x": rng.random(12), "y": y_small}, name="s")
    assert "LC305" not in codes(labelcheck.scan(small, reference=tr))
    te = write({"x": rng.random(1000), "y": np.r_[np.zeros(560, int), np.ones(440, int)]}, name="t")
    assert "LC305" not in codes(labelcheck.scan(te, reference=tr))  # TVD 0.06
    loose = labelcheck.scan(te, reference=tr, thresholds={"label_shift": 0.05})
    assert "LC305" in codes(loose)
