"""PyTorch: scan what a ``DataLoader`` yields, and guard it while training (SPEC §12).

What a loader yields after every transform (``ToTensor``, ``Normalize``, a
custom ``__getitem__``, a collate function) is what the model trains on; a
clean file can still make broken batches. :func:`check_loader` scans the
batches with the same statistics and rules as a file; :func:`guard` checks
each batch as training draws it and stops at the first one that would break
training, naming the batch and its samples, before the loss turns NaN or a
CUDA assert hides the cause. torch itself is imported only to reduce tensors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from labelcheck.batches import Bounds, guarded
from labelcheck.report import Report


def check_loader(
    loader: Any, model: Any = None, max_batches: int | None = None, **settings: Any
) -> Report:
    """Scan the batches an iterable yields (``(x, y)`` tuples, dicts of tensors); a Report.

    ``x`` of shape (rows, features) is scanned as tabular data (columns x0, x1, ...;
    the label is ``y``, or a dict's ``label``/``labels``); image batches (N, C, H, W),
    (N, H, W, C) or (N, H, W) as numpy image arrays are, per channel; dicts of token
    tensors (``input_ids``, ``attention_mask``, ``labels``: (N, T)) as token columns
    (LC501-LC508); segmentation masks (a ``y``/``label``/``labels`` or ``mask``/``masks``/
    ``segmentation`` part of shape (N, H, W), or RGB (N, H, W, 3)) as the mask column a
    folder of masks gives (LC406-LC409: values out of range, colour-coded masks, lossy
    values, masks of another size than the batch's images), naming the samples by row
    (0-based over the batches drawn). ``model`` gives ``n_classes`` (a segmentation net's
    last Conv2d's out channels), the vocabulary size and the maximum length as for
    :func:`labelcheck.scan`; ``max_batches`` stops early; the other keywords are
    :func:`labelcheck.scan`'s (``ignore_index=255`` for a VOC mask's border).

    Examples
    --------
    >>> import torch, labelcheck.torch
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> X, y = torch.randn(100, 3), torch.arange(100) % 5
    >>> model = torch.nn.Linear(3, 4)  # 4 outputs: class 4 is out of range
    >>> report = labelcheck.torch.check_loader(DataLoader(TensorDataset(X, y), 10), model)
    >>> print(report.by_code("LC204")[0].message.split(";")[0])
    20 rows with class id >= n_classes=4 (from the model's last layer Linear(3, 4)) (4)

    Segmentation masks, against a net whose last Conv2d has 3 out channels:

    >>> masks = torch.randint(0, 3, (40, 8, 8))
    >>> masks[5, 0, :] = 255  # a VOC border, with no ignore_index
    >>> data = TensorDataset(torch.rand(40, 3, 8, 8), masks)
    >>> report = labelcheck.torch.check_loader(DataLoader(data, 10), torch.nn.Conv2d(3, 3, 1))
    >>> print(report.by_code("LC406")[0].message.split(":")[0])
    mask values 255 in 1 mask (row 5)
    """
    from labelcheck.api import scan
    from labelcheck.batches import batches_source

    name = f"{type(loader).__name__} batches"
    src = batches_source(loader, name, max_batches)
    return scan(src, model=model, **settings)


class Guarded:
    """A loader whose batches are checked as they are drawn (:func:`guard`); it iterates,
    has the loader's length, and passes other attributes (``dataset``, ``batch_size``)
    through, so a training loop or Lightning takes it in place of the loader."""

    def __init__(self, loader: Any, bounds: Bounds) -> None:
        self.loader = loader
        self.bounds = bounds

    def __iter__(self) -> Iterator[Any]:
        return guarded(self.loader, self.bounds)

    def __len__(self) -> int:
        return len(self.loader)

    def __getattr__(self, name: str) -> Any:
        if name in ("loader", "bounds"):  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.loader, name)


def guard(
    loader: Any, model: Any = None, n_classes: int | None = None, *, ignore_index: int = -100
) -> Guarded:
    """``loader``, checked batch by batch: :class:`~labelcheck.errors.BatchError` (a
    ``DataValidationError``) at the first batch holding NaN/Inf in an input, a class id
    out of range of ``n_classes`` (given, or the model's outputs), a negative class id
    (``ignore_index`` is never a class id: -100 pads labels, 255 a VOC mask's border), a
    negative token id or one beyond the model's vocabulary, or labels that are all
    ``ignore_index``. The error names the batch number (0-based, per pass) and
    the sample indices within the batch. Each batch costs one to three whole-tensor
    reductions per tensor.

    Examples
    --------
    >>> import torch, labelcheck.torch
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> X, y = torch.randn(100, 3), torch.arange(100) % 3
    >>> X[42, 1] = float("nan")
    >>> for x, target in labelcheck.torch.guard(DataLoader(TensorDataset(X, y), 10)):
    ...     pass
    Traceback (most recent call last):
    ...
    labelcheck.errors.BatchError: batch 4 would break training: 'x' holds NaN in sample 2. ...
    """
    return Guarded(loader, Bounds.of(model, n_classes, ignore_index))


__all__ = ["Guarded", "check_loader", "guard"]
