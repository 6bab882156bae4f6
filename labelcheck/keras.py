"""Keras 3: scan what ``model.fit`` is fed, and guard it batch by batch (SPEC §12).

Keras callbacks receive batch numbers, not data, and ``TerminateOnNaN`` stops
after the loss is already NaN, with no pointer to the sample. :func:`guard`
wraps what ``fit`` draws from (a ``keras.utils.PyDataset``, or ``(x, y)``
arrays cut into batches) in a ``PyDataset`` that checks each batch before
Keras sees it; :func:`check_loader` scans the batches with the same statistics
and rules as a file. Works on every Keras backend (tensors of the torch backend
are reduced with torch, others with numpy).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import keras
import numpy as np

from labelcheck.batches import BatchCheck, Bounds, guarded
from labelcheck.report import Report


def _numbered(data: Any, max_batches: int | None) -> Iterator[Any]:
    """The batches of a PyDataset (by index), or of any iterable (a tf.data.Dataset)."""
    if isinstance(data, keras.utils.PyDataset):
        count = data.num_batches
        if count is None and max_batches is None:
            from labelcheck.errors import InputError

            raise InputError(
                f"{type(data).__name__} has no length (an infinite PyDataset): pass max_batches="
            )
        stop = count if max_batches is None else min(count or max_batches, max_batches)
        return (data[i] for i in range(stop))
    return iter(data)


def check_loader(
    data: Any, model: Any = None, max_batches: int | None = None, **settings: Any
) -> Report:
    """Scan ``(x, y)`` arrays, a ``PyDataset`` or a ``tf.data.Dataset``; a Report.

    Arrays are scanned as :func:`labelcheck.scan` scans them; batches as
    :func:`labelcheck.torch.check_loader` does (tabular, image, token and segmentation mask
    batches). ``model`` gives ``n_classes`` and ``loss``; the other keywords are
    :func:`labelcheck.scan`'s.

    Examples
    --------
    >>> import numpy as np, keras, labelcheck.keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    >>> model.compile(loss="sparse_categorical_crossentropy")
    >>> X, y = np.random.default_rng(0).random((100, 3)), np.arange(100) % 5
    >>> report = labelcheck.keras.check_loader((X, y), model)
    >>> report.by_code("LC204")[0].values
    (4,)
    """
    from labelcheck.api import scan
    from labelcheck.batches import batches_source

    if isinstance(data, tuple | np.ndarray):
        settings.setdefault("label", "y")
        return scan(data, model=model, **settings)
    name = f"{type(data).__name__} batches"
    batches = _numbered(data, max_batches)
    src = batches_source(batches, name, max_batches)
    return scan(src, model=model, **settings)


class GuardedDataset(keras.utils.PyDataset):
    """A PyDataset whose batches are checked as ``fit`` draws them (:func:`guard`)."""

    def __init__(self, dataset: keras.utils.PyDataset, bounds: Bounds) -> None:
        super().__init__(
            workers=dataset.workers,
            use_multiprocessing=dataset.use_multiprocessing,
            max_queue_size=dataset.max_queue_size,
        )
        self.dataset = dataset
        self.bounds = bounds
        self.check = BatchCheck(bounds)

    def __len__(self) -> int:
        return len(self.dataset)

    @property
    def num_batches(self) -> int | None:
        return self.dataset.num_batches

    def __getitem__(self, index: int) -> Any:
        batch = self.dataset[index]
        self.check(batch, index)
        return batch

    def on_epoch_begin(self) -> None:
        self.dataset.on_epoch_begin()

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()


class ArrayBatches(keras.utils.PyDataset):
    """``(x, y[, sample_weight])`` arrays cut into batches, in order (as ``fit`` would
    without shuffling): the batch numbers are the positions of the rows."""

    def __init__(self, arrays: tuple[Any, ...], batch_size: int) -> None:
        super().__init__()
        self.arrays = arrays
        self.batch_size = batch_size

    def __len__(self) -> int:
        return -(-len(self.arrays[0]) // self.batch_size)

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return tuple(a[part] for a in self.arrays)


def guard(
    data: Any,
    model: Any = None,
    n_classes: int | None = None,
    *,
    batch_size: int = 32,
    ignore_index: int | None = None,
) -> Any:
    """What ``model.fit`` draws from, checked batch by batch.

    ``data``: a ``PyDataset`` (a :class:`GuardedDataset` is returned), ``(x, y)`` or
    ``(x, y, sample_weight)`` arrays (cut into ``batch_size`` batches, in order), or any
    iterable of batches (a generator of the checked batches). The first batch holding
    NaN/Inf in an input, a negative class id or one out of range of ``n_classes`` (given,
    or the model's outputs) raises :class:`~labelcheck.errors.BatchError` (a
    ``DataValidationError``) naming the batch's index in ``data`` (``fit`` shuffles a
    PyDataset's batches unless ``shuffle=False``: the index, not the draw, names the
    samples) and the sample indices within it.
    ``ignore_index``: a label value to let through (Keras' ``ignore_class``).

    Examples
    --------
    >>> import numpy as np, keras, labelcheck.keras
    >>> X, y = np.random.default_rng(0).random((100, 3)), np.arange(100) % 3
    >>> y[70] = 3
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    >>> model.compile(loss="sparse_categorical_crossentropy")
    >>> model.fit(labelcheck.keras.guard((X, y), model, batch_size=10), verbose=0)
    Traceback (most recent call last):
    ...
    labelcheck.errors.BatchError: batch 7 would break training: 'y' holds class ids outside 0..2 ...
    """
    bounds = Bounds.of(model, n_classes, ignore_index)
    if isinstance(data, keras.utils.PyDataset):
        return GuardedDataset(data, bounds)
    if isinstance(data, np.ndarray):
        data = (data,)
    if isinstance(data, tuple):
        return GuardedDataset(ArrayBatches(data, batch_size), bounds)
    return guarded(data, bounds)


__all__ = ["ArrayBatches", "GuardedDataset", "check_loader", "guard"]
