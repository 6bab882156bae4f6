"""LC306 feature-shift: a feature preprocessed differently in one split."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def test_pixels_normalised_in_one_split_only(write, rng):
    px = rng.integers(0, 256, (1000, 3)).astype(np.float32)
    tr = write({"p0": px[:, 0], "p1": px[:, 1], "y": np.arange(1000) % 2}, name="train")
    te_px = rng.integers(0, 256, (300, 2)).astype(np.float32)
    te = write({"p0": te_px[:, 0] / 255, "p1": te_px[:, 1], "y": np.arange(300) % 2}, name="test")
    report = labelcheck.scan(te, reference=tr)
    finding = one(report, "LC306")
    assert finding.column == "p0"
    assert "spreads differ" in finding.message
    assert "means differ by" in finding.message


def test_a_unit_change_and_disjoint_ranges(write, rng):
    tr = write({"h": rng.normal(1.7, 0.1, 500), "y": np.arange(500) % 2}, name="train")
    te = write({"h": rng.normal(170, 10, 100), "y": np.arange(100) % 2}, name="test")
    finding = one(labelcheck.scan(te, reference=tr), "LC306")
    assert "ranges do not overlap" in finding.message


def test_near_miss_same_distribution_and_tiny_split(write, rng):
    tr = write({"x": rng.normal(0, 1, 2000), "y": np.arange(2000) % 2}, name="train")
    te = write({"x": rng.normal(0.1, 1.1, 500), "y": np.arange(500) % 2}, name="test")
    assert "LC306" not in codes(labelcheck.scan(te, reference=tr))
    # Three rows whose mean is 1.2 sd away: not significant with three rows.
    tiny = write({"x": np.array([1.0, 1.5, 1.1]), "y": [0, 1, 0]}, name="tiny")
    assert "LC306" not in codes(labelcheck.scan(tiny, reference=tr))
