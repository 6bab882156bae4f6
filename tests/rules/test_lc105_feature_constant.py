"""LC105 feature-constant: zero variance; standardizing divides by zero."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def test_a_dead_sensor_reads_zero_everywhere(write, rng):
    sensor = np.zeros(10_000)
    sensor[[5, 6]] = np.nan  # NaN aside, still constant
    data = {"sensor_7": sensor, "temp": rng.normal(20, 2, 10_000), "y": rng.integers(0, 3, 10_000)}
    finding = one(labelcheck.scan(write(data)), "LC105")
    assert finding.column == "sensor_7"
    assert finding.values == (0,)
    assert finding.rows is None
    assert finding.fix == "drop-column"
    assert "9,998 finite rows" in finding.message


def test_near_miss_one_different_value_or_a_single_row(write, rng):
    almost = np.full(1000, 3.0)
    almost[999] = 3.5
    report = labelcheck.scan(write({"x": almost, "y": rng.integers(0, 2, 1000)}))
    assert "LC105" not in codes(report)
    single = labelcheck.scan(write({"x": [1.0], "y": [0]}, name="one_row"))
    assert "LC105" not in codes(single)
