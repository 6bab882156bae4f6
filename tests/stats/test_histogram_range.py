"""The plots' histogram covers every finite float64, each value in a bin around it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labelcheck.stats.histogram import SymlogHistogram

BIG = float(np.finfo(np.float64).max)


@pytest.mark.parametrize("value", [1e41, 1e155, 1e200, 1e300, BIG, -1e200, -BIG, 5e-324, 1.0])
def test_a_value_falls_in_a_bin_that_holds_it(value):
    """Before: every magnitude past 1e40 was lumped into a bin [1e39.98, 1e40)."""
    hist = SymlogHistogram()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hist.add(np.array([value]))
        lo, hi, counts = hist.bins()
    assert counts.tolist() == [1.0]
    assert np.isfinite(lo).all() and np.isfinite(hi).all()
    if abs(value) < 1e-12:  # below TINY: the zero bin
        assert lo[0] == 0.0
    else:
        assert lo[0] <= value <= hi[0]
        assert hi[0] - lo[0] <= abs(value) * 0.04  # a bin is at most 3.7% of its value wide
