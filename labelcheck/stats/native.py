"""The compiled kernels (``kernels.c``), loaded with ctypes when a scan meets a long batch.

``pip install`` compiles ``kernels.c`` into ``kernels.so`` beside this file
(``hatch_build.py``); without a C compiler the package installs without it
and every caller keeps its numpy route, which computes the same row hashes
bit for bit and the same statistics (counts and bounds exactly, moments within
the documented tolerance). ``LABELCHECK_NATIVE=0`` turns the kernels off.

ctypes, not a CPython extension: the library has no Python ABI to match and
ctypes releases the GIL during a call, so the local engine's threads run the
kernels in parallel. Nothing here is imported for a small input (start-up).
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

#: KEYS: keys and an independent second hash (text); KEYS2: numbers keyed per hash.
F32, F64, KEYS, KEYS2 = 0, 1, 2, 3
#: kernels.c's LC_ABI: a library of another version is not used (a stale build).
ABI = 4

_HERE = Path(__file__).resolve().parent
LIBRARY = _HERE / "kernels.so"
#: Written by hatch_build.py instead of LIBRARY: why the kernels were not built.
WHY_OFF = _HERE / "kernels-off.txt"


class Column(ctypes.Structure):
    """One column of a batch for ``lc_batch``: mirrors ``lc_column`` in kernels.c."""

    _fields_ = [
        ("values", ctypes.c_void_p),
        ("keys_b", ctypes.c_void_p),
        ("valid", ctypes.c_void_p),
        ("valid_offset", ctypes.c_int64),
        ("salt_a", ctypes.c_uint64),
        ("salt_b", ctypes.c_uint64),
        ("kind", ctypes.c_int32),
        ("hash", ctypes.c_int32),
        ("stats", ctypes.c_int32),
        ("overflow", ctypes.c_int32),
        ("width", ctypes.c_int64),
        ("row_lo", ctypes.c_void_p),
        ("row_hi", ctypes.c_void_p),
        ("shift", ctypes.c_double),
        ("s1", ctypes.c_double),
        ("s2", ctypes.c_double),
        ("lo", ctypes.c_double),
        ("hi", ctypes.c_double),
        ("nan", ctypes.c_int64),
        ("posinf", ctypes.c_int64),
        ("neginf", ctypes.c_int64),
    ]


@dataclass
class Spec:
    """A column for :func:`batch`; numpy arrays, kept alive by this object during the call."""

    values: np.ndarray  # float32/float64 values, or uint64 keys (kinds KEYS, KEYS2)
    kind: int
    keys_b: np.ndarray | None = None
    valid: np.ndarray | None = None  # the Arrow validity bitmap's bytes
    valid_offset: int = 0
    salt_a: int = 0
    salt_b: int = 0
    hash: bool = False
    # statistics: set ``width`` (and ``shift``) to have them
    width: int = 0
    shift: float = 0.0
    row_lo: np.ndarray | None = None
    row_hi: np.ndarray | None = None
    # out
    s1: float = 0.0
    s2: float = 0.0
    lo: float = 0.0
    hi: float = 0.0
    nan: int = 0
    posinf: int = 0
    neginf: int = 0
    overflow: bool = False


#: Row-sum arrays given back (:func:`recycle`) once added into another unit's: the next
#: batches reuse them instead of faulting in fresh pages (measured: page faults were
#: half of what row hashing cost a scan). A few per length; emptied by :func:`release`.
_FREE: dict[int, list[np.ndarray]] = {}
_FREE_PER_LENGTH = 4


def _sums(n: int) -> np.ndarray:
    """An uninitialised uint64 array of ``n`` values (``lc_batch`` writes it), recycled
    when one is free."""
    try:
        return _FREE[n].pop()
    except (KeyError, IndexError):
        return np.empty(n, dtype=np.uint64)


def recycle(*arrays: np.ndarray) -> None:
    """Give back row-sum arrays of :func:`batch` that nothing refers to any more."""
    for array in arrays:
        free = _FREE.setdefault(array.size, [])
        if array.dtype == np.uint64 and array.flags.owndata and len(free) < _FREE_PER_LENGTH:
            free.append(array)


def release() -> None:
    """Drop the free arrays (the end of a scan)."""
    _FREE.clear()


def why_off() -> str:
    """Why :func:`enabled` is False, for ``labelcheck --version``."""
    if os.environ.get("LABELCHECK_NATIVE", "1").strip() in _OFF:
        return "LABELCHECK_NATIVE=0"
    if not LIBRARY.is_file():
        try:  # hatch_build.py records why it built none
            recorded = WHY_OFF.read_text(encoding="utf-8").strip()
        except OSError:
            recorded = ""
        return "not built: " + (
            recorded or f"no {LIBRARY.name} beside labelcheck (`python hatch_build.py` builds it)"
        )
    stale = f"{LIBRARY.name} is a stale build (reinstall, or `python hatch_build.py`)"
    try:
        lib = ctypes.CDLL(str(LIBRARY))
        lib.lc_abi.restype = lib.lc_column_size.restype = ctypes.c_int64
        if lib.lc_abi() != ABI or lib.lc_column_size() != ctypes.sizeof(Column):
            return stale
    except AttributeError:
        return stale
    except OSError:
        return f"{LIBRARY.name} does not load on this machine"
    return "unknown"


_OFF = ("0", "false", "no", "off")


def enabled() -> bool:
    """Whether the kernels are built and not turned off (``LABELCHECK_NATIVE=0``)."""
    return _library() is not None


@cache
def _library() -> ctypes.CDLL | None:
    if os.environ.get("LABELCHECK_NATIVE", "1").strip() in _OFF:
        return None
    if not LIBRARY.is_file():
        return None
    try:
        lib = ctypes.CDLL(str(LIBRARY))
        lib.lc_abi.restype = lib.lc_column_size.restype = ctypes.c_int64
        if lib.lc_abi() != ABI or lib.lc_column_size() != ctypes.sizeof(Column):
            return None  # built from another kernels.c: never call it with these structs
    except (OSError, AttributeError):  # built for another machine, or before lc_abi
        return None
    lib.lc_batch.argtypes = [
        ctypes.POINTER(Column),
        ctypes.c_int32,
        ctypes.c_int64,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.lc_batch.restype = None
    lib.lc_repeats.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_int32,
        ctypes.c_int32,
        ctypes.c_int64,
        ctypes.c_int64,
        ctypes.c_void_p,
        ctypes.c_int64,
        ctypes.c_void_p,
    ]
    lib.lc_repeats.restype = ctypes.c_int64
    if hasattr(lib, "lc_image_u8"):  # absent from a build of an older kernels.c
        lib.lc_image_u8.argtypes = [ctypes.c_char_p, ctypes.c_int64, ctypes.c_int32,
                                    ctypes.c_void_p, ctypes.c_void_p]  # fmt: skip
        lib.lc_image_u8.restype = None
    if hasattr(lib, "lc_list_sums"):  # absent from a build of an older kernels.c
        p = ctypes.c_void_p
        lib.lc_list_sums.argtypes = [p, p, p, ctypes.c_int64, ctypes.c_uint64, p, p]
        lib.lc_list_sums.restype = None
        i64 = ctypes.c_int64
        lib.lc_list_counts.argtypes = [p, p, p, i64, i64, i64, i64, i64, i64, p, p, p]
        lib.lc_list_counts.restype = None
    if hasattr(lib, "lc_ids_check"):  # absent from a build of an older kernels.c
        p, i32, i64 = ctypes.c_void_p, ctypes.c_int32, ctypes.c_int64
        lib.lc_ids_check.argtypes = [p, i64, i32, i64, i64]
        lib.lc_ids_check.restype = i64
        lib.lc_empty_rows.argtypes = [p, i64, i64]
        lib.lc_empty_rows.restype = i64
        lib.lc_all_finite.argtypes = [p, i64, i32]
        lib.lc_all_finite.restype = i32
    return lib


def address(array: np.ndarray) -> int:
    """Where the values of a C-contiguous numpy array start. Through the buffer protocol
    when the array is writable and not empty (``ctypes.c_char.from_buffer``: a quarter of
    what ``array.ctypes.data`` costs, which the guard pays per batch part), else
    ``array.ctypes.data``."""
    if array.flags.writeable and array.size:
        return ctypes.addressof(ctypes.c_char.from_buffer(array))
    return array.ctypes.data


def batch_kernels() -> tuple[Any, Any, Any] | None:
    """``(ids_check, empty_rows, all_finite)``: the kernels of the guard's checks of one
    batch part (labelcheck/batches.py), or None when the kernels are off or older.

    ``ids_check(address, n, layout, k, skip)`` reads ``n`` integers at ``address`` (``layout``:
    bytes per value in bits 0-3, signed in bit 4, "skip ``skip``" in bit 5) and gives how
    many lie outside ``[0, k)`` and are not ``skip``, or -1 when every one is ``skip``;
    ``empty_rows(address, rows, row_bytes)`` counts the rows whose bytes are all zero;
    ``all_finite(address, n, width)`` says whether ``n`` floats of ``width`` bytes (4 or
    8) are all finite.
    """
    lib = _library()
    if lib is None or not hasattr(lib, "lc_ids_check"):
        return None
    return lib.lc_ids_check, lib.lc_empty_rows, lib.lc_all_finite


def image_kernel() -> Any:
    """``lc_image_u8(pixels, n, bands, hist_address, key_address)`` (kernels.c): an 8-bit
    image's histograms and 128-bit key in one pass, the GIL released; None without it.
    The numpy twin is ``stats.image.image_counts``."""
    lib = _library()
    return None if lib is None or not hasattr(lib, "lc_image_u8") else lib.lc_image_u8


def has_lists() -> bool:
    """Whether the list-row kernels (``lc_list_sums``, ``lc_list_counts``) are there."""
    lib = _library()
    return lib is not None and hasattr(lib, "lc_list_sums")


def list_sums(
    values: np.ndarray, starts: np.ndarray, lengths: np.ndarray, tag: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per list row (int64 values): the two position-salted sums of ``rowhash._list_keys``
    before its length and final mix, in one read of the values, the GIL released."""
    lib = _library()
    assert lib is not None
    n = lengths.size
    sum_a, sum_b = np.empty(n, np.uint64), np.empty(n, np.uint64)
    lib.lc_list_sums(
        _ptr(values), _ptr(starts), _ptr(lengths), n, int(tag), _ptr(sum_a), _ptr(sum_b)
    )
    return sum_a, sum_b


def list_counts(
    values: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
    ne: int, lo: int, hi: int, skip: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Per list row (int64 values): values other than ``ne``, values outside ``[lo, hi)``
    other than ``skip`` (if not None), and the largest value (int64 min when empty);
    one read of the values, the GIL released."""
    lib = _library()
    assert lib is not None
    n = lengths.size
    out = [np.empty(n, np.int64) for _ in range(3)]
    lib.lc_list_counts(
        _ptr(values),
        _ptr(starts),
        _ptr(lengths),
        n,
        ne,
        lo,
        hi,
        skip or 0,
        skip is not None,
        *map(_ptr, out),
    )
    return out[0], out[1], out[2]


def _ptr(array: np.ndarray | None) -> int | None:
    if array is None:
        return None
    assert array.flags.c_contiguous
    return array.ctypes.data


def batch(specs: list[Spec], n: int, sums: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """Run ``lc_batch`` over ``n`` rows: fills each spec's statistics; the row sums if ``sums``.

    Returns the two row hash sums (zeros when no spec hashes), or None without
    sums. Callers check :func:`enabled` first.
    """
    lib = _library()
    assert lib is not None
    cols = (Column * len(specs))()
    for c, s in zip(cols, specs, strict=True):
        c.values = _ptr(s.values)
        c.keys_b = _ptr(s.keys_b)
        c.valid = _ptr(s.valid)
        c.valid_offset = s.valid_offset
        c.salt_a, c.salt_b = int(s.salt_a), int(s.salt_b)
        c.kind = s.kind
        c.hash = int(s.hash)
        c.stats = int(s.width > 0)
        c.width = s.width or 1
        c.row_lo, c.row_hi = _ptr(s.row_lo), _ptr(s.row_hi)
        c.shift = s.shift
    sum_a, sum_b = (_sums(n), _sums(n)) if sums else (None, None)
    lib.lc_batch(cols, len(specs), n, _ptr(sum_a), _ptr(sum_b))
    for c, s in zip(cols, specs, strict=True):
        s.s1, s.s2, s.lo, s.hi = c.s1, c.s2, c.lo, c.hi
        s.nan, s.posinf, s.neginf = c.nan, c.posinf, c.neginf
        s.overflow = bool(c.overflow)
    return (sum_a, sum_b) if sums else None


#: Hashes scattered at a time by ``lc_repeats`` (16 MiB): first touches of fresh memory
#: cost ~2 ms per MiB on the VMs measured, re-reading hashes already in memory far less.
_SCRATCH = 1 << 21


def repeats(parts: list[np.ndarray]) -> np.ndarray | None:
    """The values occurring more than once in ``parts`` (uint64 hashes, taken together),
    ascending; None when memory runs out. The parts are not concatenated.

    Two threads (ctypes releases the GIL), each taking half of the buckets: the
    end of a scan has both cores to itself.
    """
    lib = _library()
    assert lib is not None
    parts = [np.ascontiguousarray(p, dtype=np.uint64) for p in parts]
    n = sum(p.size for p in parts)
    pointers = np.array([p.ctypes.data for p in parts], dtype=np.uintp)
    sizes = np.array([p.size for p in parts], dtype=np.int64)
    # Buckets of ~20,000 values: each bucket's table stays in the L2 cache, and few
    # enough buckets that the scatter's write streams stay in the TLB (measured).
    bits = int(min(16, max(1, (n // 32768).bit_length())))
    halves = [(0, 1 << (bits - 1)), (1 << (bits - 1), 1 << bits)]

    def half(bounds: tuple[int, int]) -> np.ndarray | None:
        out = np.empty(n // 2 + 1, dtype=np.uint64)  # untouched pages cost no memory
        scratch = np.empty(min(n, _SCRATCH) + 1, dtype=np.uint64)
        count = lib.lc_repeats(
            _ptr(pointers), _ptr(sizes), len(parts), bits, *bounds,
            _ptr(scratch), scratch.size - 1, _ptr(out),
        )  # fmt: skip
        return None if count < 0 else out[:count].copy()

    if n < 1 << 20:
        found = [half((0, 1 << bits))]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            found = list(pool.map(half, halves))
    if any(f is None for f in found):
        return None
    return np.concatenate(found)  # type: ignore[arg-type]
