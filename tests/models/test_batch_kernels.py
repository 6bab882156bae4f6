"""The guard's compiled checks decide exactly as its numpy/torch route: for any part (ids,
labels padded with ignore_index, attention masks, floats with NaN/Inf, any integer width,
contiguous or strided, numpy or torch), the same batches pass and the same errors name
the same samples."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import labelcheck
from labelcheck.batches import BatchCheck, Bounds
from labelcheck.stats.native import batch_kernels

INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32")
NAMES = ("labels", "input_ids", "attention_mask", "x", "mask")


def _outcome(check: BatchCheck, batch: dict) -> str | None:
    try:
        check(batch, 3)
    except labelcheck.DataValidationError as error:
        return f"{error.samples} {error}"
    return None


def _both(batch: dict, bounds: Bounds) -> tuple[str | None, str | None]:
    """(the kernels' outcome, the numpy/torch route's outcome) on the same batch."""
    compiled = _outcome(BatchCheck(bounds), batch)
    with mock.patch("labelcheck.batches.batch_kernels", return_value=None):
        reference = _outcome(BatchCheck(bounds), batch)
    return compiled, reference


def test_the_kernels_are_built_here():
    # Without them the property below would compare the numpy route with itself.
    assert batch_kernels() is not None


@st.composite
def parts(draw):
    dtype = np.dtype(draw(st.sampled_from([*INTS, "float32", "float64", "bool"])))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6))
    if dtype.kind == "f":
        elements = st.floats(width=8 * dtype.itemsize, allow_nan=True, allow_infinity=True)
    elif dtype.kind == "b":
        elements = st.booleans()
    else:
        info = np.iinfo(dtype)
        # mostly small ids, some -100 (ignore_index), some at the type's limits
        elements = st.one_of(
            st.integers(max(info.min, -3), min(info.max, 12)),
            st.sampled_from([v for v in (-100, info.min, info.max) if info.min <= v <= info.max]),
        )
    value = draw(hnp.arrays(dtype, shape, elements=elements))
    if draw(st.booleans()) and value.ndim >= 2 and value.shape[1] > 1:
        value = value[:, ::2]  # a strided view: the kernels cannot read it
    value.flags.writeable = draw(st.booleans())  # read-only: addressed another way
    return value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    named=st.lists(st.tuples(st.sampled_from(NAMES), parts()), min_size=1, max_size=3),
    n_classes=st.none() | st.integers(1, 13),
    vocab=st.none() | st.integers(1, 13),
    ignore=st.sampled_from([-100, 255, None, 0]),
    as_torch=st.booleans(),
)
def test_kernels_decide_as_the_reference_route(torch, named, n_classes, vocab, ignore, as_torch):
    batch = {name: torch.from_numpy(v.copy()) if as_torch else v for name, v in named}
    bounds = Bounds(n_classes=n_classes, vocab_size=vocab, ignore_index=ignore)
    compiled, reference = _both(batch, bounds)
    assert compiled == reference


@pytest.mark.parametrize("as_torch", [False, True])
def test_a_bad_value_at_each_end_of_a_part_is_found(torch, as_torch):
    # the kernels' loops have vector bodies and scalar tails: a bad id in either is found
    for size in (1, 7, 64, 1001):
        for at in (0, size - 1):
            labels = np.zeros((1, size), dtype=np.int64)
            labels[0, at] = 9
            x = np.zeros((1, size), dtype=np.float32)
            x[0, size - 1 - at] = np.nan
            batch = {"x": x, "labels": labels}
            if as_torch:
                batch = {k: torch.from_numpy(v) for k, v in batch.items()}
            compiled, reference = _both(batch, Bounds(n_classes=9))
            assert compiled == reference and compiled is not None
            assert "holds NaN" in compiled and "class ids outside 0..8 (9;" in compiled


def test_a_check_survives_pickling_for_keras_worker_processes():
    import pickle

    check = pickle.loads(pickle.dumps(BatchCheck(Bounds(n_classes=3))))
    check({"labels": np.array([0, 1, 2])}, 0)
    check({"labels": np.array([0, 1, 2])}, 1)  # its plans rebuilt after the trip
    with pytest.raises(labelcheck.DataValidationError, match=r"outside 0\.\.2"):
        check({"labels": np.array([0, 3, 2])}, 2)
