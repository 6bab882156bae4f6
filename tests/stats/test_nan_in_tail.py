"""A NaN among the last values of a long chunk (after its last full row of row bounds),
where no one-pass route takes the chunk (squares overflowing float64 send it to the plain
numpy route): it is counted, never folded into the moments as a value. Found by the
property test comparing the compiled and numpy routes (a NaN at 299,597 of 300,007
values beside one value at 1.8e308: nan 0 and mean NaN)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from labelcheck.stats.column import ColumnStats


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("at", [-1, -410, 0, 150_000])
def test_a_nan_anywhere_with_a_value_near_the_limit_is_counted(dtype, at):
    rng = np.random.default_rng(3)
    values = (rng.normal(size=300_007) * 1000).astype(dtype)
    values[17] = np.finfo(dtype).max  # its square overflows: no one-pass route
    values[at] = np.nan
    stats = ColumnStats.empty(pa.from_numpy_dtype(dtype))
    stats.update(pa.chunked_array([values]))
    assert (stats.nan, stats.n) == (1, values.size - 1)
    assert np.isfinite(stats.mean) and stats.max == np.finfo(dtype).max
