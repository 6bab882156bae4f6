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


def test_a_mask_out_of_range_and_an_all_masked_row():
    images = np.zeros((4, 3, 8, 8), dtype=np.float32)
    masks = np.zeros((4, 8, 8), dtype=np.int64)
    masks[2, 3, 3] = 255  # a collate padding the mask with 255
    with pytest.raises(labelcheck.DataValidationError) as info:
        check_batch({"image": images, "mask": masks}, 5, Bounds(n_classes=21))
    assert (info.value.batch, info.value.samples) == (5, (2,))
    assert "'mask' holds class ids outside 0..20 (255; n_classes=21)" in str(info.value)
    ids = np.ones((3, 6), dtype=np.int64)
    attention = np.ones((3, 6), dtype=np.int64)
    check_batch({"input_ids": ids, "attention_mask": attention}, 0, Bounds(vocab_size=10))
    attention[1] = 0
    with pytest.raises(labelcheck.DataValidationError, match="masks every token of sample 1"):
        check_batch({"input_ids": ids, "attention_mask": attention}, 0, Bounds(vocab_size=10))


def test_padded_labels_pass_and_a_negative_id_among_them_does_not():
    x = np.zeros((3, 2), dtype=np.float32)
    labels = np.array([[4, 2, -100, -100], [1, -100, -100, -100], [0, 3, 1, 2]])
    check_batch({"x": x, "labels": labels}, 0, Bounds(n_classes=5))
    labels[1, 2] = -1
    with pytest.raises(labelcheck.DataValidationError) as info:
        check_batch({"x": x, "labels": labels}, 0, Bounds(n_classes=5))
    assert info.value.samples == (1,) and "outside 0..4 (-1; n_classes=5)" in str(info.value)
    labels[1, 2] = -100
    labels[2, 0] = 5
    with pytest.raises(labelcheck.DataValidationError, match=r"\(5; n_classes=5\) in sample 2"):
        check_batch({"x": x, "labels": labels}, 0, Bounds(n_classes=5))


def test_ignore_index_is_never_a_class_id_but_a_token_id_minus_100_is():
    images = np.zeros((3, 3, 4, 4), dtype=np.float32)
    masks = np.zeros((3, 4, 4), dtype=np.int64)
    masks[1, 0, :] = 255  # the border VOC's masks mark with ignore_index=255
    check_batch({"image": images, "mask": masks}, 0, Bounds(n_classes=21, ignore_index=255))
    masks[2, 1, 1] = 21
    with pytest.raises(labelcheck.DataValidationError) as info:
        check_batch({"image": images, "mask": masks}, 0, Bounds(n_classes=21, ignore_index=255))
    assert info.value.samples == (2,) and "(21; n_classes=21)" in str(info.value)
    # -100 pads labels; in input_ids it is an index an embedding has no row for
    ids = np.array([[5, 7, -100], [3, 1, 2]])
    with pytest.raises(labelcheck.DataValidationError) as info:
        check_batch({"input_ids": ids}, 0, Bounds(vocab_size=10))
    assert info.value.samples == (0,) and "token ids outside 0..9 (-100" in str(info.value)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
def test_padded_labels_of_every_integer_width(dtype):
    """The padded-labels fast path reads the ids as unsigned: each width, and ids just
    above and below ignore_index, must come out as the brute-force check says."""
    rng = np.random.default_rng(1)
    for bad in (None, -1, -99, -101, -128):
        labels = rng.integers(0, 5, size=(6, 9)).astype(dtype)
        labels[:, 6:] = -100
        if bad is not None:
            labels[4, 2] = bad
        wrong = sorted(set(np.nonzero(((labels < 0) & (labels != -100)).any(1))[0].tolist()))
        if not wrong:
            check_batch({"labels": labels}, 0, Bounds(n_classes=5))
            continue
        with pytest.raises(labelcheck.DataValidationError) as info:
            check_batch({"labels": labels}, 0, Bounds(n_classes=5))
        assert list(info.value.samples) == wrong


def test_errors_survive_pickling_as_from_a_worker_process():
    import pickle

    error = labelcheck.errors.BatchError(7, (2, 5), ["'y' holds NaN in samples 2, 5"])
    back = pickle.loads(pickle.dumps(error))
    assert (back.batch, back.samples, back.problems, str(back)) == (
        7,
        (2, 5),
        ["'y' holds NaN in samples 2, 5"],
        str(error),
    )
    with pytest.raises(labelcheck.DataValidationError) as info:
        labelcheck.check_arrays(np.zeros((4, 2)), np.array([0, 1, np.nan, 1]))
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value) and again.report.findings == info.value.report.findings


def test_float_class_ids_are_whole_numbers_in_range_when_the_loss_takes_ids():
    x = np.zeros((4, 2), dtype=np.float32)
    ids = Bounds(n_classes=3, ignore_index=None, float_ids=True)
    check_batch((x, np.array([0.0, 1.0, 2.0, 1.0])), 0, ids)
    with pytest.raises(labelcheck.DataValidationError) as info:
        check_batch((x, np.array([0.0, 3.0, 2.0, -1.0])), 4, ids)
    assert info.value.samples == (1, 3) and "(-1, 3; n_classes=3)" in str(info.value)
    with pytest.raises(labelcheck.DataValidationError, match="not whole numbers"):
        check_batch((x, np.array([0.0, 0.5, 2.0, 1.0], dtype=np.float32)), 0, ids)
    # without float_ids a float label is a target: 3.0 and 0.5 are values
    check_batch((x, np.array([0.0, 3.0, 0.5, -1.0])), 0, Bounds(n_classes=3))
