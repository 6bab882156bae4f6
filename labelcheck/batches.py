"""Checks of the batches a model is fed, one at a time, as cheap as iterating (SPEC §12).

A file can be clean and its batches broken: a transform that divides by a zero
std, a collate that pads labels with 255, an augmentation that makes NaN.
:func:`check_batch` looks at each batch with a few whole-tensor reductions (one
sum per float input; a min and a max per id tensor, one more max for labels padded
with a negative ``ignore_index``; one any per attention-mask row) and only when one
of them is off finds the samples, so guarding a loader costs about nothing. Tensors
stay where they are: float tensors are summed with torch (on their device); integer
and boolean CPU tensors are read as numpy views (numpy dispatches a reduction of a
few thousand ids faster than torch), GPU ones reduced with torch. Used by
:mod:`labelcheck.torch` and :mod:`labelcheck.keras`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from labelcheck.errors import BatchError, InputError
from labelcheck.io.frames import batch_parts
from labelcheck.models import classes_of, read_model
from labelcheck.options import LABEL_CANDIDATES

#: Hugging Face's names for token ids, checked against the model's vocabulary.
TOKEN_PARTS = ("input_ids", "decoder_input_ids")
#: Parts holding class ids besides the label names: segmentation masks.
MASK_PARTS = ("mask", "masks", "segmentation")
#: Attention masks: a row that masks every token attends to nothing (softmax of -inf: NaN).
ATTENTION_PARTS = ("attention_mask", "decoder_attention_mask")
#: Samples listed in an error (the count says how many more there are).
SHOWN = 10


@dataclass(frozen=True)
class Bounds:
    """What a batch must respect: class ids in 0..n_classes-1 (``ignore_index`` aside),
    token ids below ``vocab_size``; ``origins`` say where each bound came from."""

    n_classes: int | None = None
    vocab_size: int | None = None
    ignore_index: int | None = -100  # PyTorch's CrossEntropyLoss default
    origins: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, model: Any = None, n_classes: int | None = None, ignore_index: int | None = -100):
        """An explicit ``n_classes`` wins over the model's outputs."""
        if n_classes is not None and (isinstance(n_classes, bool) or n_classes < 1):
            raise InputError(f"n_classes={n_classes!r}: give a positive number of classes")
        origins = {"n_classes": f"n_classes={n_classes}"} if n_classes is not None else {}
        vocab = None
        if model is not None:
            try:
                facts = read_model(model)
            except InputError:
                if n_classes is None:
                    raise
                facts = None
            if facts is not None:
                if n_classes is None and classes_of(facts) is not None:
                    n_classes = classes_of(facts)
                    origins["n_classes"] = f"n_classes={n_classes} from {facts.origins['outputs']}"
                vocab = facts.vocab_size
                if vocab is not None:
                    origins["vocab_size"] = f"vocab_size={vocab} from {facts.origins['vocab_size']}"
        return cls(n_classes, vocab, ignore_index, origins)


def guarded(loader: Any, bounds: Bounds) -> Iterator[Any]:
    """Every batch of ``loader``, each checked before it is handed on."""
    for number, batch in enumerate(loader):
        check_batch(batch, number, bounds)
        yield batch


def check_batch(batch: Any, number: int, bounds: Bounds) -> None:
    """Raise :class:`BatchError` if ``batch`` holds a value that breaks training."""
    problems: list[str] = []
    samples: set[int] = set()
    for name, value in _leaves(batch_parts(batch)):
        how = _how(name, type(value))
        if how is None:
            continue  # a string, a list of file names: nothing a loss reads
        role, torch = how
        if torch is not None and value.is_floating_point():
            found = _finite_torch(name, value, torch)
        else:
            if torch is not None:
                if value.is_cpu:  # a view, no copy: numpy's reductions dispatch faster
                    value, torch = value.numpy(), None
            elif not isinstance(value, np.ndarray):
                value = np.asarray(value)
            if torch is None and value.dtype.kind in "fc":
                found = _finite_numpy(name, value)
            elif role == "labels":
                found = _ids(name, value, torch, bounds.n_classes, bounds, "n_classes")
            elif role == "tokens":
                found = _ids(name, value, torch, bounds.vocab_size, bounds, "vocab_size")
            elif role == "attention":
                found = _attends(name, value, torch)
            else:
                found = None  # integer or boolean inputs: no NaN, no bound known
        if found is not None:
            problems.append(found[0])
            samples.update(found[1])
    if problems:
        raise BatchError(number, tuple(sorted(samples)), problems)


@lru_cache(maxsize=256)
def _how(name: str, kind: type) -> tuple[str, Any] | None:
    """(role, torch or None) of a part by its name and type, or None for a part no loss
    reads (cached: a loader repeats its names and types every batch)."""
    torch = _torch_of(kind)
    if torch is None and not hasattr(kind, "__array__"):
        return None
    return _role(name), torch


def _role(name: str) -> str:
    """What a part holds, by its name."""
    path = name.split(".")
    if any(p in LABEL_CANDIDATES or p in MASK_PARTS for p in path):
        return "labels"
    if path[-1] in TOKEN_PARTS:
        return "tokens"
    return "attention" if path[-1] in ATTENTION_PARTS else "inputs"


def _leaves(parts: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Nested inputs flattened (Keras' ``({"image": ..., "meta": ...}, y)``): ``x.image``
    is an input; ``x.label`` or ``y.0`` (a part of a label) a label."""
    for name, value in parts.items():
        if isinstance(value, dict | tuple | list):
            inner = value if isinstance(value, dict) else dict(enumerate(value))
            for key, leaf in _leaves({str(k): v for k, v in inner.items()}):
                yield f"{name}.{key}", leaf
        else:
            yield name, value


def _torch_of(kind: type) -> Any:
    """The torch module when ``kind`` is a torch tensor type (imported only then), else None."""
    if kind.__module__.split(".")[0] != "torch":
        return None
    import torch

    return torch if issubclass(kind, torch.Tensor) else None


def _rows(mask: Any, torch: Any) -> list[int]:
    """The samples (first axis) where ``mask`` holds anywhere."""
    if mask.ndim == 0:
        return [0] if bool(mask) else []
    flat = mask.reshape(mask.shape[0], -1).any(1)
    return (torch.nonzero(flat).flatten() if torch else np.nonzero(flat)[0]).tolist()


def _said(rows: list[int]) -> str:
    shown = ", ".join(map(str, rows[:SHOWN]))
    more = f" and {len(rows) - SHOWN} more" if len(rows) > SHOWN else ""
    return f"sample{'s' if len(rows) != 1 else ''} {shown}{more}"


def _finite_torch(name: str, value: Any, torch: Any) -> tuple[str, list[int]] | None:
    """NaN/Inf in a float tensor: one sum of the batch (NaN or Inf in, NaN or Inf out;
    torch sums float32 faster than numpy). ``s - s`` is 0 for a finite sum, real or
    complex, and NaN otherwise; only then are the values looked at."""
    total = value.sum().item()
    if total - total == 0:
        return None
    return _non_finite(name, value, ~torch.isfinite(value), torch)


def _finite_numpy(name: str, value: np.ndarray) -> tuple[str, list[int]] | None:
    with np.errstate(all="ignore"):  # an overflowing sum is a reason to look, not a warning
        if np.isfinite(value.sum()):
            return None
    return _non_finite(name, value, ~np.isfinite(value), None)


def _non_finite(name: str, value: Any, bad: Any, torch: Any) -> tuple[str, list[int]] | None:
    """The samples holding NaN/Inf, once a sum said there may be some."""
    rows = _rows(bad, torch)
    if not rows:
        return None  # big finite values whose sum overflowed
    nan = bool(value[bad].isnan().any()) if torch else bool(np.isnan(value[bad]).any())
    inf = bool(value[bad].isinf().any()) if torch else bool(np.isinf(value[bad]).any())
    what = "/".join(w for w, b in (("NaN", nan), ("Inf", inf)) if b)
    return f"{name!r} holds {what} in {_said(rows)}", rows


def _attends(name: str, value: Any, torch: Any) -> tuple[str, list[int]] | None:
    """Samples whose attention mask is all zero: one any-reduction per row."""
    if value.ndim != 2 or value.shape[1] == 0:
        return None
    attends = value.any(1)
    if bool(attends.all()):
        return None
    rows = _rows(~attends, torch)
    return f"{name!r} masks every token of {_said(rows)} (attention over nothing: NaN)", rows


def _largest_negative(value: np.ndarray) -> int:
    """The largest negative value of an integer array holding one: read as unsigned, the
    negative values are the top of the range, so one max finds it (no temporary array)."""
    bits = 8 * value.dtype.itemsize
    return int(value.view(f"u{value.dtype.itemsize}").max()) - (1 << bits)


def _ids(
    name: str, value: Any, torch: Any, k: int | None, bounds: Bounds, key: str
) -> tuple[str, list[int]] | None:
    """Class (or token) ids: negative ones, ids >= k, and for class ids a batch where
    every id is ``ignore_index`` (a mean over no target: 0/0); ``ignore_index`` is
    not a class id, so it is no finding (a token id -100 is: an embedding has no row
    for it). A min and a max decide; padded labels (-100) take one more max."""
    if (value.numel() if torch else value.size) == 0 or value.dtype == (
        torch.bool if torch else np.bool_
    ):
        return None
    if not torch and value.dtype.kind not in "iu":
        return None  # strings, objects: no ids to bound
    ignore = bounds.ignore_index if key == "n_classes" else None
    if torch:
        low, high = torch.aminmax(value)
        lo, hi = int(low), int(high)
    else:
        lo = int(value.min())
        if lo >= 0 and k is None:
            return None
        hi = int(value.max())
    if ignore is not None and lo == hi == ignore:
        every = list(range(len(value)))
        return f"every {name!r} is ignore_index={ignore} (a mean loss over no target)", every
    if lo >= 0 and (k is None or hi < k):
        return None
    if (
        not torch
        and ignore is not None
        and lo == ignore < 0
        and (k is None or hi < k)
        and _largest_negative(value) == ignore
    ):
        return None  # padded labels: the only negative id is ignore_index
    return _outside(name, value, torch, k, ignore, bounds, key)


def _outside(
    name: str, value: Any, torch: Any, k: int | None, ignore: int | None, bounds: Bounds, key: str
) -> tuple[str, list[int]] | None:
    """The samples holding ids below 0 or from ``k`` on (``ignore`` aside), once a min or
    max said there may be some."""
    mask = value < 0 if k is None else (value < 0) | (value >= k)
    if ignore is not None:
        mask &= value != ignore
    rows = _rows(mask, torch)
    if not rows:
        return None  # the only ids out of range were ignore_index
    bad = (torch.unique(value[mask]) if torch else np.unique(value[mask])).tolist()
    shown = ", ".join(map(str, bad[:SHOWN])) + (" ..." if len(bad) > SHOWN else "")
    ids = "token ids" if key == "vocab_size" else "class ids"
    if k is None:
        return f"{name!r} holds negative {ids} ({shown}) in {_said(rows)}", rows
    bound = bounds.origins.get(key, f"{key}={k}")
    return (
        f"{name!r} holds {ids} outside 0..{k - 1} ({shown}; {bound}) in {_said(rows)}",
        rows,
    )
