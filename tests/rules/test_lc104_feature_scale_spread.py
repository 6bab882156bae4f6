"""LC104 feature-scale-spread: features whose magnitudes differ by more than 1e3."""

from lc_helpers import codes, one

import labelcheck


def test_income_in_dollars_next_to_a_fraction(write, rng):
    data = {
        "income": rng.normal(52_000, 15_000, 1000),
        "age_fraction": rng.uniform(0.0, 0.8, 1000),
        "y": rng.integers(0, 2, 1000),
    }
    finding = one(labelcheck.scan(write(data)), "LC104")
    assert finding.column is None  # a dataset-level finding
    assert finding.values == ("income", "age_fraction")
    assert finding.severity == "warning"
    assert finding.fix == "standardize"
    assert "'income'" in finding.message and "'age_fraction'" in finding.message


def test_near_miss_features_within_a_factor_of_1000(write, rng):
    data = {
        "pixels": rng.integers(0, 256, 1000).astype(float),  # RMS ~150
        "fraction": rng.uniform(0.0, 1.0, 1000),  # RMS ~0.58: ratio ~250
        "zeros": [0.0] * 1000,  # no magnitude at all: ignored, not infinitely small
        "y": rng.integers(0, 2, 1000),
    }
    assert "LC104" not in codes(labelcheck.scan(write(data)))


def test_values_whose_squares_overflow_give_a_finite_ratio(write, rng):
    """A float64 column around 1e300 has an infinite variance in the statistics (its squares
    overflow): the message still gives a finite spread, from the largest magnitude."""
    data = {
        "huge": rng.uniform(1e299, 1e300, 1000),
        "unit": rng.uniform(0.0, 1.0, 1000),
        "y": rng.integers(0, 2, 1000),
    }
    finding = one(labelcheck.scan(write(data)), "LC104")
    assert finding.values == ("huge", "unit")
    assert "inf" not in finding.message
    assert "differ by 1." in finding.message and "e+300x" in finding.message


def test_a_subnormal_magnitude_gives_a_ratio_in_words_not_inf(write, rng):
    """1 over a subnormal magnitude is beyond float64: the message says so, not 'infx'."""
    data = {
        "tiny": [0.0] * 999 + [2.225074e-309],  # RMS 7e-311: 1 / 7e-311 overflows
        "unit": rng.uniform(0.0, 1.0, 1000),
        "y": rng.integers(0, 2, 1000),
    }
    finding = one(labelcheck.scan(write(data)), "LC104")
    assert finding.values == ("unit", "tiny")
    assert "inf" not in finding.message
    assert "differ by more than 1.798e+308x" in finding.message


def test_values_whose_squares_underflow_still_have_a_magnitude(write, rng):
    """-1e-200 and 1e-200 have mean 0 and, in float64, no variance (the squares underflow):
    their magnitude is 1e-200, not 0 (which would leave the column out of the comparison)."""
    data = {
        "tiny": [-1e-200, 1e-200] * 500,
        "unit": rng.uniform(0.0, 1.0, 1000),
        "y": rng.integers(0, 2, 1000),
    }
    finding = one(labelcheck.scan(write(data)), "LC104")
    assert finding.values == ("unit", "tiny")
    assert "'tiny' 1e-200" in finding.message
