"""LC102 feature-inf: +Inf and -Inf in features (a ratio with a zero denominator)."""

import numpy as np
from lc_helpers import SAMPLE_DATA, codes, one

import labelcheck


def test_division_by_zero_in_a_csv_feature(write, rng):
    clicks = rng.integers(0, 50, 1000).astype(float)
    impressions = rng.integers(1, 500, 1000).astype(float)
    impressions[[3, 4, 900]] = 0.0
    clicks[[3, 4, 900]] = [5.0, -2.0, 1.0]
    with np.errstate(divide="ignore"):
        ratio = clicks / impressions
    path = write({"ratio": ratio, "y": rng.integers(0, 2, 1000)}, fmt="csv")
    finding = one(labelcheck.scan(path, label="y"), "LC102")
    assert finding.column == "ratio"
    assert finding.rows == 3
    assert finding.values == (float("inf"), float("-inf"))
    assert "2 +Inf and 1 -Inf" in finding.message
    assert finding.fix == "drop-rows"


def test_the_regression_sample_reports_inf_in_x2(tmp_path):
    report = labelcheck.scan(SAMPLE_DATA / "regression_nan_inf.csv")
    finding = one(report, "LC102")
    assert (finding.column, finding.rows, finding.values) == ("x2", 2, (float("inf"),))


def test_near_miss_float_max_is_finite(write, rng):
    x = rng.random(100)
    x[0] = 1e100  # huge, but finite: LC103/LC106, not LC102
    report = labelcheck.scan(write({"x": x, "y": rng.integers(0, 2, 100)}))
    assert "LC102" not in codes(report)
    assert "LC106" in codes(report)
