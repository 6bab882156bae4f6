"""LC106 feature-precision-overflow: values the training precision turns into Inf."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def test_amounts_overflow_float16_as_an_error(write, rng):
    amount = rng.uniform(0, 1000, 500)
    amount[17] = 1.2e6
    path = write({"amount": amount, "y": rng.integers(0, 2, 500)})
    finding = one(labelcheck.scan(path, precision="fp16"), "LC106")
    assert finding.column == "amount"
    assert finding.severity == "error"
    assert finding.values == (1_200_000,)
    assert "float16" in finding.message and "65504" in finding.message


def test_float64_beyond_float32_is_a_warning_by_default(write, rng):
    x = rng.random(100)
    x[0] = -1e39
    finding = one(labelcheck.scan(write({"x": x, "y": rng.integers(0, 2, 100)})), "LC106")
    assert finding.severity == "warning"
    assert finding.values == (-1e39,)
    assert "float32" in finding.message


def test_near_miss_fp16_limit_itself_and_fp32_for_large_values(write, rng):
    x = rng.uniform(-100, 100, 300)
    x[0] = 65504.0  # the largest float16: representable
    path = write({"x": x, "y": rng.integers(0, 2, 300)})
    assert "LC106" not in codes(labelcheck.scan(path, precision="fp16"))
    big = write({"x": np.full(10, 1e30) * rng.random(10), "y": [0, 1] * 5}, name="big")
    assert "LC106" not in codes(labelcheck.scan(big, precision="bf16"))
    assert np.float32(1e30) < np.finfo(np.float32).max
