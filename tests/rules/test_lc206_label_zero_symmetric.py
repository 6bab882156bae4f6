"""LC206 label-zero-symmetric: class ids such as {-1, 0, 1} or {-1, 1}."""

import numpy as np
from lc_helpers import SAMPLE_DATA, codes, one

import labelcheck


def test_sentiment_minus_one_zero_one():
    report = labelcheck.scan(SAMPLE_DATA / "pixels.parquet")
    finding = one(report, "LC206")
    assert finding.column == "label"
    assert finding.values == (-1, 0, 1)
    assert finding.rows == 100  # the rows with a negative id
    assert finding.severity == "error"
    assert finding.fix == "reindex-labels"
    assert "-1 -> 0, 0 -> 1, 1 -> 2" in finding.message
    assert "LC203" not in codes(report)


def test_direction_minus_one_plus_one_and_minus_6_to_6(write, rng):
    y = rng.choice([-1, 1], 500)
    finding = one(labelcheck.scan(write({"x": rng.random(500), "y": y})), "LC206")
    assert finding.values == (-1, 1)
    assert finding.rows == int((y == -1).sum())
    # tplusone/hanser_ml_zeitreihen#3: classes coded -6..+6.
    wide = rng.integers(-6, 7, 1300)
    finding = one(labelcheck.scan((rng.random((1300, 2)), wide)), "LC206")
    assert finding.values[:3] == (-6, -5, -4)


def test_near_miss_hinge_losses_expect_minus_one_plus_one(write, rng):
    path = write({"x": rng.random(500), "y": rng.choice([-1, 1], 500)})
    for loss in ("hinge", "squared_hinge"):
        assert "LC206" not in codes(labelcheck.scan(path, loss=loss))
    # {-1, 0, 1} with hinge is not LC206 either: LC209 reports the 0s instead.
    three = write({"x": rng.random(300), "y": np.tile([-1, 0, 1], 100)}, name="three")
    report = labelcheck.scan(three, loss="hinge")
    assert "LC206" not in codes(report)
    assert one(report, "LC209").values == (0,)


def test_near_miss_regression_and_asymmetric_ids(rng):
    X = rng.random((300, 2))
    y = np.tile([-1, 0, 1], 100)
    assert "LC206" not in codes(labelcheck.scan((X, y), task="regression"))
    assert "LC206" not in codes(labelcheck.scan((X, np.tile([-1, 0, 1, 2], 75))))
