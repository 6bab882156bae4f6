"""Moments of finite values near the float64 limit: exact mean, no Python warning.

Expected means are computed with exact rational arithmetic (fractions), not
with the code under test. m2 may honestly be infinite (it is past float64 when
values differ by more than ~1e154); the mean never is: it lies between the
min and the max.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pytest

from labelcheck.stats.column import ColumnStats

BIG = float(np.finfo(np.float64).max)


def exact_mean(values: list[float]) -> float:
    return float(sum(map(Fraction, values)) / len(values))


def stats_of(values: list[float], *, label: bool) -> ColumnStats:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning (overflow) fails the test
        return ColumnStats.of(pa.array(values, pa.float64()), label=label)


@pytest.mark.parametrize(
    "values",
    [
        [1e308] * 11 + [0.0, 1.0, 2.0],  # few distinct labels: moments from value -> count
        [BIG] * 5,
        [-BIG] * 3 + [1.0],
        [1e200, 1.0, 2.0],
        [BIG, -BIG, 0.5, 4.0],
        [5e-324, 1e308, 1e308],  # a subnormal beside values near the limit
    ],
)
@pytest.mark.parametrize("label", [True, False])
def test_moments_near_the_float64_limit_are_finite_and_silent(values, label):
    s = stats_of(values, label=label)
    assert math.isfinite(s.mean)
    assert s.min <= s.mean <= s.max
    # Within a few ulps of the largest magnitude (the sums' own rounding).
    scale = max(abs(v) for v in values)
    assert abs(s.mean - exact_mean(values)) <= 8 * math.ulp(scale)
    assert not math.isnan(s.m2) and s.m2 >= 0


def test_equal_values_at_the_limit_have_no_spread():
    for label in (True, False):
        s = stats_of([BIG] * 7, label=label)
        assert s.mean == BIG and s.m2 == 0.0 and s.std == 0.0


def test_merging_parts_at_opposite_limits_keeps_the_mean():
    """Chan's update: ``other.mean - self.mean`` overflows; the merged mean must not."""
    a = stats_of([1.7e308] * 3, label=False)
    b = stats_of([-1.7e308] * 2, label=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        both = a.merge(b)
        again = both.merge(stats_of([1.0], label=False))
    expected = exact_mean([1.7e308] * 3 + [-1.7e308] * 2)
    assert both.mean == pytest.approx(expected, rel=1e-12)
    assert again.mean == pytest.approx(exact_mean([1.7e308] * 3 + [-1.7e308] * 2 + [1.0]))
    assert both.m2 == math.inf  # its true value, 1.7e308**2 * 4.8, is past float64


def test_a_large_weighted_difference_does_not_overflow_the_mean():
    """``delta * other.n`` overflows although ``delta * other.n / n`` does not."""
    a = stats_of([-1e307], label=False)
    b = stats_of([1e308] * 1000, label=False)
    both = a.merge(b)
    assert math.isfinite(both.mean)
    assert both.mean == pytest.approx(exact_mean([-1e307] + [1e308] * 1000), rel=1e-12)
