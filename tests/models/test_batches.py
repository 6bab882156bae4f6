"""The batch checks guard runs, on numpy batches (no framework needed)."""

from __future__ import annotations

import numpy as np
import pytest

import labelcheck
from labelcheck.batches import Bounds, check_batch, guarded


def _batches(count=10, size=8, seed=0):
    rng = np.random.default_rng(seed)
    return [
        (
            {"image": rng.random((size, 3, 4, 4)), "meta": rng.random((size, 2))},
            rng.integers(0, 4, size=size),
        )
        for _ in range(count)
    ]


def test_nested_inputs_are_checked_by_their_path():
    batches = _batches()
    batches[7][0]["meta"][2, 1] = np.inf
    batches[7][0]["meta"][6, 0] = np.nan
    with pytest.raises(labelcheck.DataValidationError) as info:
        list(guarded(batches, Bounds(n_classes=4)))
    assert (info.value.batch, info.value.samples) == (7, (2, 6))
    assert "'x.meta' holds NaN/Inf in samples 2, 6" in str(info.value)


def test_labels_all_ignored_and_big_finite_values():
    x = np.full((4, 3), 3e38, dtype=np.float32)  # finite, but their sum overflows
    check_batch((x, np.array([0, 1, 2, 3])), 0, Bounds(n_classes=4))
    with pytest.raises(labelcheck.DataValidationError, match="every 'labels' is ignore_index"):
        check_batch({"x": x, "labels": np.full((4, 5), -100)}, 3, Bounds())
    # a negative id with no n_classes known, and a float target with NaN
    with pytest.raises(labelcheck.DataValidationError, match=r"negative class ids \(-1\)"):
        check_batch((x, np.array([0, -1, 2, 3])), 0, Bounds())
    with pytest.raises(labelcheck.DataValidationError, match="'y' holds NaN in sample 1"):
        check_batch((x, np.array([0.5, np.nan, 2.0, 1.0])), 0, Bounds())


def test_an_invalid_n_classes_is_an_input_error():
    with pytest.raises(labelcheck.InputError, match="n_classes=0"):
        Bounds.of(n_classes=0)
