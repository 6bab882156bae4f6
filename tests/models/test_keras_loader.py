"""labelcheck.keras: check_loader and a PyDataset guard that model.fit really draws from."""

from __future__ import annotations

import contextlib
import doctest
import signal

import numpy as np
import pytest

import labelcheck

BATCH = 16

# Keras' own torch backend (convert_to_numpy in fit's logs) warns under numpy 2: not ours.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def _readings(keras, X, y):
    """A real PyDataset with a per-sample transform: rows scaled by their own spread (a
    constant row gives 0/0 = NaN)."""

    class Readings(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__()
            self.drawn: list[int] = []

        def __len__(self) -> int:
            return -(-len(X) // BATCH)

        def __getitem__(self, index: int):
            self.drawn.append(index)
            rows = X[index * BATCH : (index + 1) * BATCH].astype(np.float64)
            with np.errstate(all="ignore"):
                scaled = (rows - rows.mean(1, keepdims=True)) / rows.std(1, keepdims=True)
            return scaled.astype(np.float32), y[index * BATCH : (index + 1) * BATCH]

    return Readings()


def _model(keras, classes=5):
    model = keras.Sequential(
        [keras.Input(shape=(6,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(5)]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _data(rows=320, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, 6)).astype(np.float32), np.arange(rows) % 5


def test_fit_on_the_guard_stops_at_the_planted_batch(keras):
    from labelcheck.keras import guard

    X, y = _data()
    X[7 * BATCH + 11] = 2.5  # a constant row: NaN after the transform
    data = _readings(keras, X, y)
    with pytest.raises(labelcheck.DataValidationError) as info:
        _model(keras).fit(guard(data), epochs=1, verbose=0, shuffle=False)
    assert (info.value.batch, info.value.samples) == (7, (11,))
    assert "batch 7" in str(info.value) and "'x' holds NaN in sample 11" in str(info.value)
    assert sorted(set(data.drawn)) == list(range(8))  # nothing past the bad batch
    # fit shuffles a PyDataset's batches by default: the number is still the batch's index
    data = _readings(keras, X, y)
    with pytest.raises(labelcheck.DataValidationError) as info:
        _model(keras).fit(guard(data), epochs=1, verbose=0)
    assert (info.value.batch, info.value.samples) == (7, (11,)) and data.drawn[-1] == 7


@contextlib.contextmanager
def _deadline(seconds: int):
    """Fail, not hang, when fit never returns (an error a worker process cannot send back
    left Keras waiting for ever)."""

    def expired(*_: object) -> None:
        raise TimeoutError(f"fit did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("multiprocessing", [False, True])
def test_the_guard_in_keras_worker_threads_and_processes_names_the_batch(keras, multiprocessing):
    # fit(workers=2): the batches are drawn (and checked) in worker threads or processes;
    # from a process the error comes back pickled and must still name batch and sample
    from labelcheck.keras import guard

    X, y = _data()
    y[7 * BATCH + 3] = 5  # one past the model's 5 outputs

    class Workers(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__(workers=2, use_multiprocessing=multiprocessing)

        def __len__(self) -> int:
            return -(-len(X) // BATCH)

        def __getitem__(self, index: int):
            part = slice(index * BATCH, (index + 1) * BATCH)
            return X[part], y[part]

    model = _model(keras)
    with _deadline(120), pytest.raises(labelcheck.DataValidationError) as info:
        model.fit(guard(Workers(), model), epochs=1, verbose=0, shuffle=False)
    assert (info.value.batch, info.value.samples) == (7, (3,))
    assert "'y' holds class ids outside 0..4 (5;" in str(info.value)


def test_fit_on_guarded_arrays_names_the_off_by_one_label(keras):
    from labelcheck.keras import guard

    X, y = _data()
    y[7 * BATCH + 4] = 5  # one past Dense(5)
    model = _model(keras)
    with pytest.raises(labelcheck.DataValidationError) as info:
        model.fit(guard((X, y), model, batch_size=BATCH), epochs=1, verbose=0)
    assert (info.value.batch, info.value.samples) == (7, (4,))
    assert "class ids outside 0..4 (5; n_classes=5 from the model's last layer Dense(5))" in str(
        info.value
    )


def test_fit_on_a_clean_guarded_dataset_trains(keras):
    from labelcheck.keras import guard

    X, y = _data()
    data = _readings(keras, X, y)
    history = _model(keras).fit(guard(data, n_classes=5), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()


def test_check_loader_on_a_pydataset_and_on_arrays(keras):
    from labelcheck.keras import check_loader

    X, y = _data()
    y[100] = 8000
    data = _readings(keras, X, y)
    report = check_loader(data)
    assert report.rows == len(X) and report.by_code("LC205")[0].values == (8000,)
    with pytest.raises(labelcheck.DataValidationError) as info:
        check_loader(data, _model(keras)).raise_for_errors()
    assert info.value.report.by_code("LC204")[0].values == (8000,)
    assert check_loader(data, max_batches=3).rows == 3 * BATCH
    arrays = check_loader((X, y), _model(keras))
    assert arrays.by_code("LC204")[0].values == (8000,) and arrays.rows == len(X)


def test_check_loader_on_image_batches_reports_the_channel(keras):
    """A PyDataset of channels-last images, one channel divided by a zero-ish std."""
    from labelcheck.keras import check_loader

    rng = np.random.default_rng(4)
    images = rng.random((48, 6, 6, 3), dtype=np.float32)
    y = np.arange(48) % 3

    class Images(keras.utils.PyDataset):
        def __len__(self) -> int:
            return len(images) // BATCH

        def __getitem__(self, index: int):
            part = slice(index * BATCH, (index + 1) * BATCH)
            return (images[part] - 0.5) / np.float32([0.25, 0.25, 1e-4]), y[part]

    model = keras.Sequential(
        [keras.Input((6, 6, 3)), keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    model.compile(loss="sparse_categorical_crossentropy")
    report = check_loader(Images(), model)
    assert report.rows == len(images)
    (lc103,) = report.by_code("LC103")
    assert lc103.column == "x" and "channel 2 of 3" in lc103.message
    assert report.by_code("LC204")[0].rows == int((y >= 2).sum())


def test_module_examples(keras):
    import labelcheck.keras

    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(labelcheck.keras, optionflags=flags)
    assert result.attempted >= 2 and result.failed == 0


def test_float_labels_of_a_sparse_crossentropy_model_are_class_ids(keras):
    # Keras users often hold y as float32 (a DataFrame column with a NaN once); sparse
    # categorical crossentropy casts 5.0 to class 5, one past Dense(5)
    from labelcheck.keras import guard

    X, y = _data()
    y = y.astype(np.float32)
    y[7 * BATCH + 3] = 5.0
    model = _model(keras)  # Dense(5), sparse_categorical_crossentropy
    with pytest.raises(labelcheck.DataValidationError) as info:
        model.fit(guard((X, y), model, batch_size=BATCH), epochs=1, verbose=0, shuffle=False)
    assert (info.value.batch, info.value.samples) == (7, (3,))
    assert "'y' holds class ids outside 0..4 (5;" in str(info.value)
    y[7 * BATCH + 3] = 2.5
    with pytest.raises(labelcheck.DataValidationError, match=r"not whole numbers \(2\.5\)"):
        list(guard((X, y), model, batch_size=BATCH))
    # a regression model's float targets are values, not ids
    regressor = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(1)])
    regressor.compile(optimizer="adam", loss="mse")
    y[7 * BATCH + 3] = 5.0
    assert len(list(guard((X, y), regressor, batch_size=BATCH))) == -(-len(X) // BATCH)
