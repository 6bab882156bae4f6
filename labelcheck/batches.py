"""Checks of the batches a model is fed, one at a time, as cheap as iterating (SPEC §12).

A file can be clean and its batches broken: a transform that divides by a zero
std, a collate that pads labels with 255, an augmentation that makes NaN.
:class:`BatchCheck` looks at each part of a batch with one call of a compiled kernel
(stats/kernels.c) on its memory: floats all finite; class ids within
0..n_classes-1 (``ignore_index`` aside, and not every one ignored); token ids within
the vocabulary; no attention-mask row all zero. Only when a kernel says a part may be
off do the numpy/torch checks look again and find the samples, so guarding a loader
costs about nothing. Tensors stay where they are (a contiguous CPU tensor or numpy
array is read in place, no copy); what the kernels cannot read (a GPU tensor, a
strided view, float16, no compiled kernels) takes those numpy/torch checks directly:
a sum per float part (torch's, on its device), a min and a max per id part. Used by
:mod:`labelcheck.torch` and :mod:`labelcheck.keras`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from labelcheck.errors import BatchError, InputError
from labelcheck.io import Source
from labelcheck.io.frames import PartNames, batch_parts, loader_source
from labelcheck.models import classes_of, read_model
from labelcheck.options import LABEL_CANDIDATES
from labelcheck.stats.native import address, batch_kernels

#: Hugging Face's names for token ids, checked against the model's vocabulary.
TOKEN_PARTS = ("input_ids", "decoder_input_ids")
#: Parts holding class ids besides the label names: segmentation masks.
MASK_PARTS = ("mask", "masks", "segmentation")
#: Attention masks: a row that masks every token attends to nothing (softmax of -inf: NaN).
ATTENTION_PARTS = ("attention_mask", "decoder_attention_mask")
#: Losses whose targets are class ids whatever their dtype (options.LOSS_ALIASES' names).
ID_LOSSES = frozenset({"sparse_categorical_crossentropy"})
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
    #: Float labels are class ids too: the model's loss takes ids (Keras'
    #: sparse_categorical_crossentropy casts a float32 y of 5.0 to class 5). Otherwise a
    #: float label is a target (regression, soft labels) and only NaN/Inf stop it.
    float_ids: bool = False

    @classmethod
    def of(cls, model: Any = None, n_classes: int | None = None, ignore_index: int | None = -100):
        """An explicit ``n_classes`` wins over the model's outputs."""
        if n_classes is not None and (isinstance(n_classes, bool) or n_classes < 1):
            raise InputError(f"n_classes={n_classes!r}: give a positive number of classes")
        origins = {"n_classes": f"n_classes={n_classes}"} if n_classes is not None else {}
        vocab, float_ids = None, False
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
                float_ids = facts.loss in ID_LOSSES
        return cls(n_classes, vocab, ignore_index, origins, float_ids)


def batches_source(batches: Any, name: str, max_batches: int | None) -> Source:
    """What ``check_loader`` scans (torch's and Keras'): the batches, their parts read by
    name as the guard reads them (labels, token parts, segmentation masks)."""
    from labelcheck.stats.tokens import TOKEN_NAMES

    names = PartNames(LABEL_CANDIDATES, tuple(TOKEN_NAMES), MASK_PARTS)
    return loader_source(batches, name=name, max_batches=max_batches, names=names)


def guarded(loader: Any, bounds: Bounds) -> Iterator[Any]:
    """Every batch of ``loader``, each checked before it is handed on."""
    check = BatchCheck(bounds)
    for number, batch in enumerate(loader):
        check(batch, number)
        yield batch


def check_batch(batch: Any, number: int, bounds: Bounds) -> None:
    """Raise :class:`BatchError` if ``batch`` holds a value that breaks training (one
    batch; a guard keeps one :class:`BatchCheck` for all of its batches)."""
    BatchCheck(bounds)(batch, number)


#: An id bound when there is none: every non-negative int64 is below it.
_NO_BOUND = (1 << 63) - 1
#: Containers of parts (Keras' ``({"image": ..., "meta": ...}, y)``); a tuple of types
#: is the quickest isinstance.
_NESTED = (dict, tuple, list)
#: Parts remembered per check (names x types x dtypes; a loader repeats a handful).
_PLANS = 1024


class BatchCheck:
    """Checks batches against ``bounds``, one at a time. What each part is (its role, how
    the compiled kernels read it) is worked out once per name, type and dtype, as a
    loader repeats them every batch; a clean part then costs one kernel call on its
    memory (no copy, no temporary), which keeps a guard cheap next to the loader."""

    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self.plans: dict[tuple[str, type, Any], tuple[str, Any, Any] | None] = {}

    def __getstate__(self) -> dict[str, Any]:  # the plans hold ctypes functions
        return {"bounds": self.bounds}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["bounds"])

    def __call__(self, batch: Any, number: int) -> None:
        """Raise :class:`BatchError` if ``batch`` holds a value that breaks training."""
        found: list[tuple[str, list[int]]] = []
        for name, value in batch_parts(batch).items():
            if isinstance(value, _NESTED):
                for leaf_name, leaf in _leaves({name: value}):
                    if (problem := self._part(leaf_name, leaf)) is not None:
                        found.append(problem)
            elif (problem := self._part(name, value)) is not None:
                found.append(problem)
        if found:
            samples = sorted({s for _, rows in found for s in rows})
            raise BatchError(number, tuple(samples), [what for what, _ in found])

    def _part(self, name: str, value: Any) -> tuple[str, list[int]] | None:
        """What is wrong with one part (and the samples), or None."""
        key = (name, type(value), getattr(value, "dtype", None))
        try:
            plan = self.plans[key]
        except KeyError:
            if len(self.plans) >= _PLANS:
                self.plans.clear()
            plan = self.plans[key] = _plan(*key, self.bounds)
        if plan is None:
            return None  # a string, a list of file names, integer inputs: nothing to check
        role, torch, clean = plan
        if clean is not None:  # the kernels read contiguous CPU memory, nothing else
            if torch is None:
                if value.flags.c_contiguous and clean(value, address(value), value.size):
                    return None
            elif (
                value.is_cpu
                and value.is_contiguous()
                and clean(value, value.data_ptr(), value.numel())
            ):
                return None
        return _look(name, value, role, torch, self.bounds)


def _plan(name: str, kind: type, dtype: Any, bounds: Bounds) -> tuple[str, Any, Any] | None:
    """How to check a part: (role, torch or None, the kernels' test that it is clean or
    None), or None when there is nothing to check."""
    how = _how(name, kind)
    if how is None:
        return None
    role, torch = how
    # the kernels read torch tensors and numpy arrays (not what merely converts to one)
    readable = torch is not None or issubclass(kind, np.ndarray)
    layout = _layout(dtype, torch) if readable else None
    skip = layout is not None and layout[0] != "f" and (role == "inputs" or layout[0] == "b")
    if skip and role != "attention":
        return None  # no NaN in integers; no bound on integer inputs; booleans no ids
    kernels = batch_kernels()
    floats = layout is not None and layout[0] == "f"
    if layout is None or kernels is None or (floats and role == "attention"):
        return role, torch, None  # a float mask (an .float() one; -0.0 has a nonzero byte)
    if floats and role == "labels" and bounds.float_ids:
        return role, torch, None  # float class ids: whole and in range, checked exactly
    return role, torch, _kernel_test(role, layout, kernels, bounds)


def _kernel_test(
    role: str, layout: tuple[str, int, bool], kernels: Any, bounds: Bounds
) -> Callable[[Any, int, int], Any]:
    """``clean(value, address, n)``: true when one kernel call on the ``n`` values at
    ``address`` shows the part holds nothing that breaks training, false when it may
    (:func:`_look` then decides, and finds the samples)."""
    ids_check, empty_rows, all_finite = kernels
    kind, width, signed = layout
    if kind == "f":
        return lambda v, at, n: all_finite(at, n, width)
    if role == "attention":

        def attends(v: Any, at: int, n: int) -> bool:
            if v.ndim != 2 or n == 0:
                return True  # not rows of tokens: nothing to judge
            return empty_rows(at, v.shape[0], n // v.shape[0] * width) == 0

        return attends
    k, skip = (
        (bounds.n_classes, bounds.ignore_index) if role == "labels" else (bounds.vocab_size, None)
    )
    code = width | signed << 4 | (skip is not None) << 5
    top, skip = _NO_BOUND if k is None else k, skip or 0
    return lambda v, at, n: ids_check(at, n, code, top, skip) == 0


def _layout(dtype: Any, torch: Any) -> tuple[str, int, bool] | None:
    """(kind: f/i/b, bytes per value, signed) of a dtype the kernels read, or None."""
    if torch is not None:
        return _torch_layouts(torch).get(dtype)
    if not isinstance(dtype, np.dtype) or not dtype.isnative:
        return None
    if dtype.kind == "f" and dtype.itemsize in (4, 8):
        return "f", dtype.itemsize, True
    if dtype.kind == "i" or (dtype.kind == "u" and dtype.itemsize < 8):
        return "i", dtype.itemsize, dtype.kind == "i"
    return ("b", 1, False) if dtype.kind == "b" else None


@lru_cache(maxsize=1)
def _torch_layouts(torch: Any) -> dict[Any, tuple[str, int, bool]]:
    return {
        torch.float32: ("f", 4, True),
        torch.float64: ("f", 8, True),
        torch.int64: ("i", 8, True),
        torch.int32: ("i", 4, True),
        torch.int16: ("i", 2, True),
        torch.int8: ("i", 1, True),
        torch.uint8: ("i", 1, False),
        torch.bool: ("b", 1, False),
    }


def _look(name: str, value: Any, role: str, torch: Any, bounds: Bounds):
    """The exact checks of one part: (what is wrong, the samples), or None."""
    if torch is not None and value.is_floating_point():
        found = _finite_torch(name, value, torch)
        if role == "labels" and bounds.float_ids and found is None:
            return _float_ids(name, value.detach().cpu().numpy(), bounds)
        return _both(found, _attends(name, value, torch)) if role == "attention" else found
    if torch is not None:
        if value.is_cpu:  # a view, no copy: numpy's reductions dispatch faster
            value, torch = value.numpy(), None
    elif not isinstance(value, np.ndarray):
        value = np.asarray(value)
    if torch is None and value.dtype.kind in "fc":
        found = _finite_numpy(name, value)
        if role == "labels" and bounds.float_ids and found is None and value.dtype.kind == "f":
            return _float_ids(name, value, bounds)
        return _both(found, _attends(name, value, None)) if role == "attention" else found
    if role == "labels":
        return _ids(name, value, torch, bounds.n_classes, bounds, "n_classes")
    if role == "tokens":
        return _ids(name, value, torch, bounds.vocab_size, bounds, "vocab_size")
    if role == "attention":
        return _attends(name, value, torch)
    return None  # integer or boolean inputs: no NaN, no bound known


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


def _float_ids(name: str, value: np.ndarray, bounds: Bounds) -> tuple[str, list[int]] | None:
    """Finite float labels read as class ids (``bounds.float_ids``): whole numbers, then
    the integer checks (range, ``ignore_index``, every one ignored)."""
    whole = value == np.floor(value)
    if not whole.all():
        rows = _rows(~whole, None)
        bad = np.unique(value[~whole]).tolist()
        shown = ", ".join(f"{v:g}" for v in bad[:SHOWN]) + (" ..." if len(bad) > SHOWN else "")
        return (
            f"{name!r} holds class ids that are not whole numbers ({shown}) in {_said(rows)}",
            rows,
        )
    if value.size and (value.min() < -(2.0**63) or value.max() >= 2.0**63):
        rows = _rows((value < -(2.0**63)) | (value >= 2.0**63), None)
        return f"{name!r} holds class ids beyond any integer in {_said(rows)}", rows
    return _ids(name, value.astype(np.int64), None, bounds.n_classes, bounds, "n_classes")


def _both(
    a: tuple[str, list[int]] | None, b: tuple[str, list[int]] | None
) -> tuple[str, list[int]] | None:
    """Two findings on one part (a float attention mask: NaN, and rows attending nothing)."""
    if a is None or b is None:
        return a or b
    return f"{a[0]}; {b[0]}", sorted({*a[1], *b[1]})


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
