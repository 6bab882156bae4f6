"""Laws of the model/loader face (SPEC §12), checked with hypothesis.

1. ``check_loader`` of a ``DataLoader(TensorDataset(X, y), batch_size=b)`` finds what a
   scan of the arrays ``(X, y)`` finds (codes, columns, counts, values, the rows named:
   row ``b * batch + i``), for every batch size b.
2. ``labelcheck.torch.guard`` raises at the first batch holding a value that breaks
   training, naming that batch and exactly its bad samples (found here by brute force,
   sample by sample, in plain Python); a clean loader passes through unchanged.
3. The same for ``labelcheck.keras.guard`` over a PyDataset and over ``(X, y)`` arrays.

Inputs are never modified: every law compares them with a copy taken before.

Where the two sides differ by design, the tests say so rather than skip:

- an image batch's column is the tuple's part ``x``; an image array's column is ``X``;
- past ``LOADER_ROWS`` a loader's rows are gathered in other record batches than the
  arrays', so float moments merge in another order: LC104 may name either of two columns
  whose magnitudes are equal to float precision (same magnitudes, same message);
- the guard reads float labels as targets (regression, soft labels, a depth map), not
  class ids: only NaN/Inf stop them, where a scan reads whole-number float *masks* as
  class ids; boolean labels are never out of range;
- a token batch of width 0 (every text empty) is no guard error (the model's own shape
  error says it plainly); the scan counts those rows (LC504).

The hunt ran each law with LABELCHECK_LAW_EXAMPLES=300..600; CI runs a few dozen.
"""

from __future__ import annotations

import math
import os
import re
from contextlib import contextmanager
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import labelcheck

#: Examples per law: a few hundred when hunting (LABELCHECK_LAW_EXAMPLES=300), few in CI.
EXAMPLES = int(os.environ.get("LABELCHECK_LAW_EXAMPLES", "40"))
LAW = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _findings(report, chunked: bool = False) -> list[dict]:
    """A report's findings, comparable. ``chunked``: the loader's rows were gathered in
    other record batches than the arrays' (past ``LOADER_ROWS``), so float moments merged
    in another order; LC104 then names either of two columns whose magnitudes are equal
    to float precision (the same magnitudes, the same message but for the name)."""
    out = sorted((f.to_dict() for f in report.findings), key=lambda d: (d["code"], d["column"]))
    if chunked:
        for d in out:
            if d["code"] == "LC104":
                d["message"] = re.sub(r"'[^']*'", "'…'", d["message"])
                d["values"] = []
    return out


@contextmanager
def _gathered(rows: int | None):
    """The loader's batches gathered into record batches of ``rows`` rows (the default:
    65536 rows, past any example here) to move the gathering's seams."""
    from labelcheck.io import frames

    if rows is None:
        yield False
        return
    with mock.patch.multiple(frames, LOADER_ROWS=rows, LOADER_BYTES=rows * 400):
        yield True


# ------------------------------------------------------------------ data
@st.composite
def _tabular(draw):
    """(X, y): float features with NaN/Inf/huge values here and there; class ids with an
    out-of-range id, a negative id, one rare outlier id."""
    n = draw(st.integers(1, 400))
    d = draw(st.integers(1, 4))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    for value in draw(st.lists(st.sampled_from([np.nan, np.inf, -np.inf, 1e30, 3e38]), max_size=4)):
        X[draw(st.integers(0, n - 1)), draw(st.integers(0, d - 1))] = value
    k = draw(st.integers(2, 5))
    y = rng.integers(0, k, n)
    for value in draw(st.lists(st.sampled_from([k, -1, -100, 8000]), max_size=3)):
        y[draw(st.integers(0, n - 1))] = value
    for _ in range(draw(st.integers(0, 3))):  # duplicated rows: LC301 names them by row
        X[draw(st.integers(0, n - 1))] = X[draw(st.integers(0, n - 1))]
    return X, y


def _torch_loader(torch, X, y, b):
    data = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    return torch.utils.data.DataLoader(data, batch_size=b)


# ------------------------------------------------------------------ law 1
@LAW
@given(
    data=_tabular(),
    b=st.integers(1, 450),
    n_classes=st.sampled_from([None, 3, "model"]),
    gather=st.sampled_from([None, 1, 7]),
)
def test_check_loader_finds_what_a_scan_of_the_arrays_finds(torch, data, b, n_classes, gather):
    from labelcheck.torch import check_loader

    X, y = data
    X0, y0 = X.copy(), y.copy()
    if n_classes == "model":  # its last Linear's 4 outputs bound the class ids
        model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 8), torch.nn.Linear(8, 4))
        settings_ = {"model": model}
    else:
        settings_ = {} if n_classes is None else {"n_classes": n_classes}
    expected = labelcheck.scan((X, y), label="y", **settings_)
    with _gathered(gather) as chunked:
        got = check_loader(_torch_loader(torch, X, y, b), **settings_)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert got.rows == expected.rows == len(X)
    assert _findings(got, chunked) == _findings(expected, chunked)


@st.composite
def _images(draw):
    """(X, y): images (N, H, W, C) or (N, C, H, W), C in 1 or 3, with a bad channel
    (NaN, Inf, constant, or 0..255 beside 0..1), and class ids."""
    n = draw(st.integers(1, 40))
    c = draw(st.sampled_from([1, 3, 4]))
    last = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = rng.random((n, 5, 6, c) if last else (n, c, 5, 6)).astype(np.float32)
    if draw(st.booleans()):
        X = (X * 255).astype(np.uint8)
    if c == 1 and draw(st.booleans()):
        X, last = X.reshape(n, 5, 6), True  # grey images (N, H, W)
        X = X[..., None]  # the channel axis for the bad channel below; dropped at the end
        grey = True
    else:
        grey = False
    channel = draw(st.integers(0, c - 1))
    where = (..., channel) if last else (slice(None), channel)
    bad = draw(st.sampled_from(["nan", "inf", "constant", "scale", None]))
    if bad == "constant":
        X[where] = 0.5
    elif bad == "scale":
        X[where] *= 255
    elif bad is not None and X.dtype.kind == "f":
        view = X[where]
        view[draw(st.integers(0, n - 1)), draw(st.integers(0, 4)), draw(st.integers(0, 5))] = (
            np.nan if bad == "nan" else np.inf
        )
    y = rng.integers(0, 3, n)
    if draw(st.booleans()):
        y[draw(st.integers(0, n - 1))] = draw(st.sampled_from([-1, 3, 255]))
    return (X[..., 0] if grey else X), y


@LAW
@given(data=_images(), b=st.integers(1, 45), gather=st.sampled_from([None, 1, 7]))
def test_check_loader_of_images_finds_what_a_scan_of_the_arrays_finds(torch, data, b, gather):
    from labelcheck.torch import check_loader

    X, y = data
    X0, y0 = X.copy(), y.copy()
    expected = labelcheck.scan((X, y), label="y", n_classes=3)
    with _gathered(gather):
        got = check_loader(_torch_loader(torch, X, y, b), n_classes=3)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    # the loader's image column is the tuple's part "x"; the arrays' is "X"
    renamed = [{**f, "column": "X" if f["column"] == "x" else f["column"]} for f in _findings(got)]
    assert renamed == _findings(expected)


@st.composite
def _masks(draw):
    """(X, masks): images (N, 3, 5, 6) and masks (N, 5, 6) of class ids 0..2, some with
    values out of range (a 255 border, a 7, a -1)."""
    n = draw(st.integers(1, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = rng.random((n, 3, 5, 6)).astype(np.float32)
    masks = rng.integers(0, 3, (n, 5, 6))
    for value in draw(st.lists(st.sampled_from([255, 7, -1, 3]), max_size=3)):
        i = draw(st.integers(0, n - 1))
        if value == 255:
            masks[i, 0, :] = 255
        else:
            masks[i, draw(st.integers(0, 4)), draw(st.integers(0, 5))] = value
    shape = draw(st.sampled_from(["nhw", "n1hw", "nhw1", "float", "bool", "last", "uint8"]))
    if shape == "uint8":  # a PNG's mask: -1 wraps to 255
        masks = masks.astype(np.uint8)
    elif shape == "n1hw":
        masks = masks[:, None]
    elif shape == "nhw1":
        masks = masks[..., None]
    elif shape == "float":
        masks = masks.astype(np.float32)
    elif shape == "bool":
        masks = masks == 1
    elif shape == "last":
        X = np.ascontiguousarray(np.moveaxis(X, 1, -1))
    return X, masks


@LAW
@given(
    data=_masks(),
    b=st.integers(1, 35),
    ignore=st.sampled_from([None, 255]),
    gather=st.sampled_from([None, 1, 7]),
)
def test_check_loader_of_masks_finds_what_a_scan_of_the_arrays_finds(
    torch, data, b, ignore, gather
):
    from labelcheck.torch import check_loader

    X, masks = data
    X0, m0 = X.copy(), masks.copy()
    model = torch.nn.Conv2d(3, 3, 1)
    extra = {} if ignore is None else {"ignore_index": ignore}
    expected = labelcheck.scan((X, masks), label="y", model=model, **extra)
    with _gathered(gather):
        got = check_loader(_torch_loader(torch, X, masks, b), model, **extra)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(masks, m0)
    renamed = [{**f, "column": "X" if f["column"] == "x" else f["column"]} for f in _findings(got)]
    assert renamed == _findings(expected)


@st.composite
def _tokens(draw):
    """input_ids (N, T) with pad 0 and an id >= vocab or negative here and there; an
    attention mask (a row all zero now and then); labels with -100 pads."""
    n = draw(st.integers(1, 30))
    t = draw(st.integers(1, 8))
    vocab = 50
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    ids = rng.integers(1, vocab, (n, t))
    lengths = rng.integers(0, t + 1, n)
    attention = (np.arange(t)[None, :] < lengths[:, None]).astype(np.int64)
    ids[attention == 0] = 0
    labels = np.where(attention == 1, ids, -100)
    for value in draw(st.lists(st.sampled_from([vocab, 999, -1, -100]), max_size=3)):
        ids[draw(st.integers(0, n - 1)), draw(st.integers(0, t - 1))] = value
    ids = ids.astype(draw(st.sampled_from([np.int64, np.int32])))
    # Hugging Face's masks: int64, bool, or floats (an .float() mask; 1.0 attends)
    attention = attention.astype(draw(st.sampled_from([np.int64, np.int32, np.bool_, np.float32])))
    return ids, attention, labels


def _token_loader(torch, ids, attention, labels, b):
    class Tokens(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return len(ids)

        def __getitem__(self, i):
            return {
                "input_ids": torch.from_numpy(ids[i]),
                "attention_mask": torch.from_numpy(attention[i]),
                "labels": torch.from_numpy(labels[i]),
            }

    return torch.utils.data.DataLoader(Tokens(), batch_size=b)


@LAW
@given(data=_tokens(), b=st.integers(1, 35), gather=st.sampled_from([None, 1, 7]))
def test_check_loader_of_tokens_finds_what_a_scan_of_a_table_finds(torch, data, b, gather):
    import pyarrow as pa

    from labelcheck.torch import check_loader

    ids, attention, labels = data
    before = [a.copy() for a in data]
    table = pa.table(
        {
            "input_ids": pa.array(ids.tolist()),
            "attention_mask": pa.array(attention.tolist()),
            "labels": pa.array(labels.tolist()),
        }
    )
    settings_ = {"vocab_size": 50, "pad_id": 0}
    expected = labelcheck.scan(table, **settings_)
    with _gathered(gather):
        got = check_loader(_token_loader(torch, ids, attention, labels, b), **settings_)
    for a, a0 in zip(data, before, strict=True):
        np.testing.assert_array_equal(a, a0)
    assert _findings(got) == _findings(expected)


def test_a_one_feature_x_is_x0_in_a_loader_as_in_arrays(torch):
    """x of shape (N, 1) (and (N,)) was squeezed like a label into a column named 'x';
    arrays name that feature x0, so the loader's findings named another column."""
    from labelcheck.torch import check_loader

    X = np.arange(40, dtype=np.float32).reshape(40, 1)
    X[7, 0] = np.nan
    y = np.arange(40) % 2
    assert labelcheck.scan((X, y), label="y").by_code("LC101")[0].column == "x0"
    for x in (X, X[:, 0]):
        report = check_loader(_torch_loader(torch, x, y, 8))
        assert [f.column for f in report.by_code("LC101")] == ["x0"]
        assert [f.column for f in report.by_code("LC101")] == ["x0"]


def test_token_batches_of_length_1_stay_token_sequences(torch):
    """A padding collate's batch of one-token texts is (N, 1): it was squeezed into a
    scalar feature 'input_ids' (LC103 on token ids) and, after a longer batch, refused
    as a change of type; it is one token sequence a row, as in a table."""
    import pyarrow as pa

    from labelcheck.torch import check_loader

    ids = np.array([[3], [7], [60], [9]])  # 60 >= vocab_size 50
    attention = np.ones_like(ids)
    labels = ids.copy()
    table = pa.table(
        {
            k: pa.array(v.tolist())
            for k, v in {"input_ids": ids, "attention_mask": attention, "labels": labels}.items()
        }
    )
    expected = _findings(labelcheck.scan(table, vocab_size=50, pad_id=0))
    assert {(f["code"], f["rows"]) for f in expected} == {("LC501", 1)}
    got = check_loader(_token_loader(torch, ids, attention, labels, 2), vocab_size=50, pad_id=0)
    assert _findings(got) == expected
    short_last = [
        {
            "input_ids": torch.tensor([[3, 4], [5, 0]]),
            "attention_mask": torch.tensor([[1, 1], [1, 0]]),
            "labels": torch.tensor([[3, 4], [5, -100]]),
        },
        {
            "input_ids": torch.tensor([[60], [9]]),
            "attention_mask": torch.tensor([[1], [1]]),
            "labels": torch.tensor([[60], [9]]),
        },
    ]
    report = check_loader(short_last, vocab_size=50, pad_id=0)
    assert {(f.code, f.rows) for f in report.findings} == {("LC501", 1)}


# ------------------------------------------------------------------ law 2, 3: guard
def _bad_samples(parts: dict, n_classes, vocab, ignore) -> list[int]:
    """The samples of one batch that break training, judged value by value in Python."""
    n = len(next(iter(parts.values())))
    bad = set()
    for name, array in parts.items():
        rows = array.reshape(n, -1).tolist()
        for i, row in enumerate(rows):
            if name in ("x",) and not all(math.isfinite(v) for v in row):
                bad.add(i)
            elif name in ("y", "labels") and array.dtype.kind == "f":
                # float labels are targets to a guard (regression, soft labels, a depth
                # map), not class ids: only NaN/Inf break them (check_loader, a scan,
                # reads whole-number float masks as ids; torch's cross-entropy refuses
                # float class-index targets with its own clear error)
                if not all(math.isfinite(v) for v in row):
                    bad.add(i)
            elif name in ("y", "labels") and array.dtype.kind == "b":
                continue  # booleans: 0 and 1, never out of range of two classes or more
            elif name in ("y", "labels"):
                k = n_classes if name == "y" else None
                if any(v != ignore and (v < 0 or (k is not None and v >= k)) for v in row):
                    bad.add(i)
            elif name == "input_ids":
                if any(v < 0 or (vocab is not None and v >= vocab) for v in row):
                    bad.add(i)
            elif name == "attention_mask" and not any(row):
                bad.add(i)
    for name in ("y", "labels"):
        if name not in parts or parts[name].dtype.kind not in "iu":
            continue
        values = parts[name].ravel().tolist()
        if ignore is not None and values and all(v == ignore for v in values):
            bad.update(range(n))  # a mean loss over no target: 0/0
    return sorted(bad)


def _first_bad(batches: list[dict], **bounds) -> tuple[int, list[int]] | None:
    for number, parts in enumerate(batches):
        if parts and (samples := _bad_samples(parts, **bounds)):
            return number, samples
    return None


def _cut(arrays: dict, b: int) -> list[dict]:
    n = len(next(iter(arrays.values())))
    return [{k: v[s : s + b] for k, v in arrays.items()} for s in range(0, n, b)]


def _drawn(guarded_batches) -> tuple[list, Exception | None]:
    """The batches a guard let through, and what it raised."""
    seen = []
    try:
        for batch in guarded_batches:
            seen.append(batch)
    except labelcheck.DataValidationError as error:
        return seen, error
    return seen, None


def _assert_guard(seen, error, expected, plain: list) -> None:
    """The guard stops exactly at the expected batch, naming exactly its bad samples, and
    lets every batch before it through unchanged."""
    event("clean" if expected is None else "stopped at a bad batch")
    if expected is None:
        assert error is None, str(error)
        assert len(seen) == len(plain)
    else:
        assert error is not None, f"no error; expected batch {expected[0]} {expected[1]}"
        assert (error.batch, list(error.samples)) == expected, str(error)
        assert len(seen) == expected[0]
        assert f"batch {expected[0]} " in str(error)
    for got, want in zip(seen, plain, strict=False):
        for a, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(w))


@LAW
@given(data=_tabular(), b=st.integers(1, 450), n_classes=st.sampled_from([None, 2, 4]))
def test_torch_guard_stops_at_the_first_bad_batch_naming_its_samples(torch, data, b, n_classes):
    from labelcheck.torch import guard

    X, y = data
    X0, y0 = X.copy(), y.copy()
    expected = _first_bad(_cut({"x": X, "y": y}, b), n_classes=n_classes, vocab=None, ignore=-100)
    loader = _torch_loader(torch, X, y, b)
    seen, error = _drawn(guard(loader, n_classes=n_classes))
    _assert_guard(seen, error, expected, list(loader))
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


@LAW
@given(data=_masks(), b=st.integers(1, 35), ignore=st.sampled_from([-100, 255]))
def test_torch_guard_on_masks(torch, data, b, ignore):
    from labelcheck.torch import guard

    X, masks = data
    X0, m0 = X.copy(), masks.copy()
    expected = _first_bad(_cut({"x": X, "y": masks}, b), n_classes=3, vocab=None, ignore=ignore)
    loader = _torch_loader(torch, X, masks, b)
    seen, error = _drawn(guard(loader, torch.nn.Conv2d(3, 3, 1), ignore_index=ignore))
    _assert_guard(seen, error, expected, list(loader))
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(masks, m0)


@LAW
@given(data=_tokens(), b=st.integers(1, 35))
def test_torch_guard_on_token_batches(torch, data, b):
    from labelcheck.torch import guard

    ids, attention, labels = data
    before = [a.copy() for a in data]
    arrays = {"input_ids": ids, "attention_mask": attention, "labels": labels}
    expected = _first_bad(_cut(arrays, b), n_classes=None, vocab=50, ignore=-100)
    loader = _token_loader(torch, ids, attention, labels, b)
    seen, error = _drawn(guard(loader, torch.nn.Embedding(50, 4)))
    plain = [tuple(batch.values()) for batch in loader]
    _assert_guard([tuple(batch.values()) for batch in seen], error, expected, plain)
    for a, a0 in zip(data, before, strict=True):
        np.testing.assert_array_equal(a, a0)


@LAW
@given(data=_tabular(), b=st.integers(1, 450), n_classes=st.sampled_from([None, 2, 4]))
def test_keras_guard_over_arrays_and_a_pydataset(keras, data, b, n_classes):
    from labelcheck.keras import ArrayBatches, guard

    X, y = data
    X0, y0 = X.copy(), y.copy()
    # Keras' guard lets no label value through by default (ignore_index=None): -100 is a
    # negative class id there, as sparse_categorical_crossentropy reads it
    expected = _first_bad(_cut({"x": X, "y": y}, b), n_classes=n_classes, vocab=None, ignore=None)
    plain = [ArrayBatches((X, y), b)[i] for i in range(len(ArrayBatches((X, y), b)))]
    for data_ in ((X, y), ArrayBatches((X, y), b)):
        guarded = guard(data_, n_classes=n_classes, batch_size=b)
        seen, error = _drawn(guarded[i] for i in range(len(guarded)))
        _assert_guard(seen, error, expected, plain)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def _as(array: np.ndarray, dtype, strided: bool) -> np.ndarray:
    """``array`` as ``dtype`` (ids wrap as a cast would), in Fortran order when ``strided``
    (a transposed batch: the guard reads it without the compiled kernels)."""
    out = array.astype(dtype)
    return np.asfortranarray(out) if strided else out


@LAW
@given(
    data=_tabular(),
    b=st.integers(1, 450),
    n_classes=st.sampled_from([None, 2, 4]),
    xtype=st.sampled_from([np.float16, np.float32, np.float64]),
    ytype=st.sampled_from([np.int64, np.int32, np.int16, np.int8, np.uint8]),
    strided=st.booleans(),
    ignore=st.sampled_from([None, -100, 255]),
    library=st.sampled_from(["torch", "numpy"]),
)
def test_guard_on_batches_of_any_dtype_and_layout(
    torch, data, b, n_classes, xtype, ytype, strided, ignore, library
):
    from labelcheck.batches import Bounds, guarded

    X, y = data
    with np.errstate(all="ignore"):
        X = X.astype(xtype)
        y = y.astype(ytype)
    X0, y0 = X.copy(), y.copy()
    plain = [
        (_as(p["x"], xtype, strided), _as(p["y"], ytype, False)) for p in _cut({"x": X, "y": y}, b)
    ]
    if library == "torch":
        batches = [tuple(torch.from_numpy(a) for a in batch) for batch in plain]
    else:
        batches = plain
    ignore_ = None if ignore is None or np.array(ignore).astype(ytype) != ignore else ignore
    expected = _first_bad(
        _cut({"x": X, "y": y}, b), n_classes=n_classes, vocab=None, ignore=ignore_
    )
    seen, error = _drawn(guarded(batches, Bounds.of(None, n_classes, ignore)))
    _assert_guard(seen, error, expected, plain)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


@LAW
@given(
    data=_tabular(),
    b=st.integers(1, 450),
    xtype=st.sampled_from([np.float32, np.float16, np.int64, np.int32, np.uint8]),
    ykind=st.sampled_from(["int32", "float", "onehot", "column"]),
    max_batches=st.one_of(st.none(), st.integers(1, 5)),
    gather=st.sampled_from([None, 7]),
)
def test_check_loader_of_any_dtype_finds_what_a_scan_finds(
    torch, data, b, xtype, ykind, max_batches, gather
):
    """Integer and half features; int32, float (regression, NaN), one-hot and (N, 1)
    labels; ``max_batches`` scans the first rows."""
    from labelcheck.torch import check_loader

    X, y = data
    with np.errstate(all="ignore"):  # integers: Inf and NaN become some integer, as a cast
        X = (
            np.nan_to_num(X, posinf=1e6, neginf=-1e6) if np.issubdtype(xtype, np.integer) else X
        ).astype(xtype)
    if ykind == "int32":
        y = y.astype(np.int32)
    elif ykind == "float":
        y = y.astype(np.float64) / 3
        y[::7] = np.nan
    elif ykind == "onehot":
        y = np.eye(4, dtype=np.float32)[np.abs(y) % 4]
    else:
        y = y[:, None]
    X0, y0 = X.copy(), y.copy()
    rows = len(X) if max_batches is None else min(len(X), max_batches * b)
    expected = labelcheck.scan((X[:rows], y[:rows]), label="y")
    with _gathered(gather) as chunked:
        got = check_loader(_torch_loader(torch, X, y, b), max_batches=max_batches)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert got.rows == expected.rows == rows
    assert _findings(got, chunked) == _findings(expected, chunked)


@LAW
@given(data=_tabular(), b=st.integers(1, 450), max_batches=st.one_of(st.none(), st.integers(1, 4)))
def test_keras_check_loader_of_a_pydataset_finds_what_a_scan_of_the_arrays_finds(
    keras, data, b, max_batches
):
    from labelcheck.keras import ArrayBatches, check_loader

    X, y = data
    X0, y0 = X.copy(), y.copy()
    expected = labelcheck.scan((X, y), label="y")
    assert _findings(check_loader((X, y))) == _findings(expected)
    rows = len(X) if max_batches is None else min(len(X), b * max_batches)
    first = labelcheck.scan((X[:rows], y[:rows]), label="y")
    got = check_loader(ArrayBatches((X, y), b), max_batches=max_batches)
    assert got.rows == rows and _findings(got) == _findings(first)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_guard_finds_a_float_attention_row_all_zero(torch):
    """An attention mask made with .float() was checked for NaN only: a row of zeros
    (attention over nothing) went through, as did one beside a NaN in another row."""
    from labelcheck.torch import guard

    ids = torch.tensor([[5, 6], [7, 0], [8, 9]])
    for dtype in (torch.float32, torch.float64, torch.int64, torch.bool):
        attention = torch.tensor([[1, 1], [0, 0], [1, 0]]).to(dtype)
        batches = [{"input_ids": ids, "attention_mask": attention}]
        for data in (batches, [{k: v.numpy() for k, v in batches[0].items()}]):
            seen, error = _drawn(guard(data))
            assert seen == [] and (error.batch, error.samples) == (0, (1,)), dtype
            assert "masks every token of sample 1" in str(error)
    attention = torch.tensor([[1.0, float("nan")], [0, 0], [1, 0]])
    seen, error = _drawn(guard([{"input_ids": ids, "attention_mask": attention}]))
    assert (error.batch, error.samples) == (0, (0, 1)), str(error)


@LAW
@given(
    data=_tabular(),
    b=st.integers(1, 450),
    n_classes=st.sampled_from([None, 2, 4]),
    ignore=st.sampled_from([None, -100]),
    weights=st.booleans(),
    dicts=st.booleans(),
)
def test_keras_guard_over_a_pydataset_of_dicts_and_weights(
    keras, data, b, n_classes, ignore, weights, dicts
):
    """Keras' batches: ``({"features": x}, y)`` dicts of inputs, ``(x, y, sample_weight)``
    with a NaN weight here and there (a NaN weight makes a NaN loss too)."""
    from labelcheck.keras import guard

    X, y = data
    w = np.ones(len(X), dtype=np.float32)
    if weights and len(X) > 2:
        w[len(X) // 2] = np.nan
    before = [a.copy() for a in (X, y, w)]

    class Batches(keras.utils.PyDataset):
        def __len__(self) -> int:
            return -(-len(X) // b)

        def __getitem__(self, i):
            part = slice(i * b, (i + 1) * b)
            x = {"features": X[part]} if dicts else X[part]
            return (x, y[part], w[part]) if weights else (x, y[part])

    cut = _cut({"x": X, "y": y, **({"x_": w} if weights else {})}, b)
    for parts in cut:  # the weights are an input: NaN breaks the loss
        if "x_" in parts:
            parts["x"] = np.concatenate([parts["x"], parts.pop("x_")[:, None]], axis=1)
    expected = _first_bad(cut, n_classes=n_classes, vocab=None, ignore=ignore)
    guarded = guard(Batches(), n_classes=n_classes, ignore_index=ignore)
    seen, error = _drawn(guarded[i] for i in range(len(guarded)))
    plain = [Batches()[i] for i in range(len(guarded))]
    flat = [tuple(np.asarray(p["features"] if isinstance(p, dict) else p) for p in s) for s in seen]
    _assert_guard(
        flat,
        error,
        expected,
        [tuple(np.asarray(p["features"] if isinstance(p, dict) else p) for p in s) for s in plain],
    )
    for a, a0 in zip((X, y, w), before, strict=True):
        np.testing.assert_array_equal(a, a0)


@LAW
@given(data=_images(), b=st.integers(1, 45), library=st.sampled_from(["torch", "keras"]))
def test_guard_on_image_batches(torch, keras, data, b, library):
    X, y = data
    X0, y0 = X.copy(), y.copy()
    expected = _first_bad(_cut({"x": X, "y": y}, b), n_classes=3, vocab=None, ignore=-100)
    if library == "torch":
        from labelcheck.torch import guard

        loader = _torch_loader(torch, X, y, b)
        seen, error = _drawn(guard(loader, n_classes=3))
        plain = list(loader)
    else:
        from labelcheck.keras import ArrayBatches, guard

        guarded = guard((X, y), n_classes=3, batch_size=b, ignore_index=-100)
        seen, error = _drawn(guarded[i] for i in range(len(guarded)))
        plain = [ArrayBatches((X, y), b)[i] for i in range(len(guarded))]
    _assert_guard(seen, error, expected, plain)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


@LAW
@given(data=_images(), b=st.integers(1, 45))
def test_keras_check_loader_of_image_batches_finds_what_a_scan_finds(keras, data, b):
    from labelcheck.keras import ArrayBatches, check_loader

    X, y = data
    expected = _findings(labelcheck.scan((X, y), label="y", n_classes=3))
    assert _findings(check_loader((X, y), n_classes=3)) == expected
    got = _findings(check_loader(ArrayBatches((X, y), b), n_classes=3))
    # the batches' image part is the tuple's "x"; the arrays' column is "X"
    assert [{**f, "column": "X" if f["column"] == "x" else f["column"]} for f in got] == expected


@LAW
@given(
    lengths=st.lists(st.integers(0, 9), min_size=1, max_size=40),
    b=st.integers(1, 45),
    seed=st.integers(0, 2**16),
    gather=st.sampled_from([None, 1, 7]),
)
def test_check_loader_of_dynamically_padded_tokens_finds_what_a_scan_finds(
    torch, lengths, b, seed, gather
):
    """A padding collate pads each batch to its longest text: the batches' widths differ.
    The scan's table holds the same padded rows (a row's padding is its batch's)."""
    import pyarrow as pa

    from labelcheck.torch import check_loader, guard

    rng = np.random.default_rng(seed)
    texts = [rng.integers(1, 60, n).tolist() for n in lengths]  # ids >= 50: LC501

    def collate(batch):
        width = max(len(t) for t in batch)
        ids = [t + [0] * (width - len(t)) for t in batch]
        attention = [[1] * len(t) + [0] * (width - len(t)) for t in batch]
        labels = [t + [-100] * (width - len(t)) for t in batch]
        return {
            "input_ids": torch.tensor(ids, dtype=torch.int64).reshape(len(batch), width),
            "attention_mask": torch.tensor(attention, dtype=torch.int64).reshape(len(batch), width),
            "labels": torch.tensor(labels, dtype=torch.int64).reshape(len(batch), width),
        }

    loader = torch.utils.data.DataLoader(texts, batch_size=b, collate_fn=collate)
    # the guard over the same batches, judged by brute force; a batch of width 0 (every
    # text empty) is left to the model (an empty sequence fails on its own, plainly)
    plain = [{k: v.numpy() for k, v in batch.items()} for batch in loader]
    expected = _first_bad(
        [p if p["input_ids"].shape[1] else {} for p in plain], n_classes=None, vocab=50, ignore=-100
    )
    seen, error = _drawn(guard(loader, torch.nn.Embedding(50, 4)))
    _assert_guard(
        [tuple(s.values()) for s in seen], error, expected, [tuple(p.values()) for p in plain]
    )
    rows = {"input_ids": [], "attention_mask": [], "labels": []}
    for batch in loader:
        for key, value in batch.items():
            rows[key] += value.tolist()
    table = pa.table({k: pa.array(v, type=pa.list_(pa.int64())) for k, v in rows.items()})
    settings_ = {"vocab_size": 50, "pad_id": 0}
    expected = labelcheck.scan(table, **settings_)
    with _gathered(gather):
        got = check_loader(loader, **settings_)
    assert _findings(got) == _findings(expected)


def test_a_batch_of_empty_texts_is_scanned_not_a_crash(torch):
    """A padding collate's batch where every text is empty is (N, 0): its list column's
    offsets divided by the width (ZeroDivisionError) whether first or later."""
    import pyarrow as pa

    from labelcheck.torch import check_loader

    empty = torch.zeros((2, 0), dtype=torch.int64)
    full = torch.tensor([[5, 6], [7, 0]])
    for batches in ([empty, full], [full, empty]):
        loader = [{"input_ids": ids, "attention_mask": (ids != 0).long()} for ids in batches]
        rows = [row for ids in batches for row in ids.tolist()]
        table = pa.table(
            {
                "input_ids": pa.array(rows, type=pa.list_(pa.int64())),
                "attention_mask": pa.array(
                    [[int(v != 0) for v in r] for r in rows], type=pa.list_(pa.int64())
                ),
            }
        )
        expected = _findings(labelcheck.scan(table, pad_id=0))
        assert "LC504" in {f["code"] for f in expected}  # the empty sequences
        assert _findings(check_loader(loader, pad_id=0)) == expected


def test_n_by_1_labels_beside_longer_token_sequences_stay_one_class_id_a_sample(torch):
    """Sequence classification: input_ids (N, T), labels (N, 1): one class per text."""
    from labelcheck.torch import check_loader

    ids = torch.randint(1, 50, (40, 6))
    labels = (torch.arange(40) % 3).reshape(40, 1)
    labels[7] = 9  # out of range of the 3 classes
    loader = [
        {
            "input_ids": ids[s : s + 8],
            "attention_mask": torch.ones(8, 6),
            "labels": labels[s : s + 8],
        }
        for s in range(0, 40, 8)
    ]
    report = check_loader(loader, n_classes=3, vocab_size=50, pad_id=0)
    assert [(f.column, f.rows) for f in report.by_code("LC204")] == [("labels", 1)]
