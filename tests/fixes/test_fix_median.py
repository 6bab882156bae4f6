"""The exact streaming median (radix select) used by ``--nan median``."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcheck.fixes import median


def medians_of(values: np.ndarray, batch: int = 7) -> float:
    table = pa.table({"a": values})
    finite = values[np.isfinite(values)]
    got = median.exact_medians(
        lambda cols: table.to_batches(max_chunksize=batch), {"a": finite.size}
    )
    return got["a"]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([0, 4, median.COLLECT]),
    st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True, width=64),
            st.sampled_from([0.0, -0.0, 1.0, -1.0, 255.0]),
        ),
        min_size=1,
        max_size=60,
    ),
)
def test_equals_numpy_median(collect, values):
    arr = np.array(values, dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    if finite.size == 0:
        return
    # collect=0 forces all four 16-bit passes; the default collects after one or two.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(median, "COLLECT", collect)
        assert medians_of(arr) == np.median(finite)


def test_keys_preserve_order():
    values = np.array([-np.inf, -1e300, -1.0, -5e-324, 0.0, 5e-324, 1.0, 1e300, np.inf])
    keys = median.float_keys(values)
    assert np.all(np.diff(keys.astype(object)) > 0)
    assert [median.key_value(int(k)) for k in keys] == values.tolist()


def test_integer_columns_and_nulls():
    table = pa.table({"a": pa.array([5, None, 1, 3, None, 200], pa.int16())})
    got = median.exact_medians(lambda cols: table.to_batches(), {"a": 4})
    assert got == {"a": 4.0}


def test_fix_is_exported_lazily():
    code = (
        "import sys, labelcheck; assert 'labelcheck.fixes' not in sys.modules; "
        "assert callable(labelcheck.fix) and labelcheck.FixPlan and labelcheck.load_plan; "
        "assert 'labelcheck.fixes' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
