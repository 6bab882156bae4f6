"""LC202 label-inf: infinite targets (a ratio with a zero denominator)."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def test_infinite_regression_targets(write, rng):
    revenue = rng.uniform(0, 100, 800)
    visits = rng.integers(1, 50, 800).astype(float)
    visits[[10, 20]] = 0.0
    revenue[20] = -5.0
    with np.errstate(divide="ignore"):
        target = revenue / visits
    report = labelcheck.scan(write({"x": rng.random(800), "target": target}, fmt="csv"))
    finding = one(report, "LC202")
    assert finding.column == "target"
    assert finding.rows == 2
    assert finding.values == (float("inf"), float("-inf"))
    assert "1 +Inf and 1 -Inf labels" in finding.message
    assert report.task.task == "regression"


def test_near_miss_inf_in_a_feature_is_lc102_not_lc202(write, rng):
    x = rng.random(100)
    x[5] = np.inf
    report = labelcheck.scan(write({"x": x, "target": rng.random(100)}))
    assert "LC202" not in codes(report)
    assert "LC102" in codes(report)
