"""One compiled pass over a long batch: column statistics and row hashes, each value read once.

For every long, null-free float32/float64 column the kernel gives what
:class:`~labelcheck.stats.column.ColumnStats` needs from a full read of the
values (NaN/Inf counts, bounds, row bounds, shifted sums: a
:class:`~labelcheck.stats.column.FloatPass`), and for every hashed column its
share of the two row hashes (:func:`~labelcheck.stats.rowhash.row_sums`'
definition, bit for bit), block by block, so a column's block is read from
memory once for both. What remains per column (the k extremes from the row
bounds, the histogram's strided sample, label counts) touches few values.

Short batches, and machines where the kernels were not built, get None: the
callers' numpy routes compute the same statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from labelcheck.stats.column import FloatPass, row_width, sample_shift
from labelcheck.stats.rowhash import NATIVE_MIN_ROWS, Column, hash_spec

if TYPE_CHECKING:
    from labelcheck.stats import native


@dataclass
class BatchPass:
    passes: dict[str, FloatPass]  # the float columns whose statistics were computed
    sums: tuple[np.ndarray, np.ndarray] | None  # the row hash sums of the hashed columns


def batch_pass(
    batch: pa.RecordBatch | pa.Table,
    stats: list[str],
    hashed: list[tuple[str, Column]] | None,
) -> BatchPass | None:
    """The compiled pass over ``batch``: statistics of the eligible columns among ``stats``
    and the row hash sums of the ``hashed`` columns, as :func:`~labelcheck.stats.rowhash.row_sums`
    takes them (None: no row hashes).

    None when the batch is short or the kernels are not built.
    """
    n = batch.num_rows
    if n < NATIVE_MIN_ROWS:
        return None
    from labelcheck.stats import native  # lazy: small inputs never load the kernels

    if not native.enabled():
        return None
    # Keyed by column name: the hashed columns' specs. A column summarised from a read
    # of its own goes to ``own``, a list, so no internal key shares the names' space
    # (a column named "stats:x" is not x's summary).
    specs: dict[str, native.Spec] = {}
    for name, column in hashed or ():
        specs[name] = hash_spec(name, column)
    own: list[native.Spec] = []
    chosen: dict[str, native.Spec] = {}
    for name in stats:
        values = _float_values(batch.column(name))
        if values is None:
            continue
        spec = specs.get(name)
        if spec is not None and spec.kind in (native.F32, native.F64) and spec.valid is None:
            values = spec.values  # the same values, hashed and summarised in one read
        else:
            spec = native.Spec(values, _kind(values))
            own.append(spec)
        width = row_width(n)
        spec.width, spec.shift = width, sample_shift(values)
        spec.row_lo = np.empty(n // width, dtype=values.dtype)
        spec.row_hi = np.empty(n // width, dtype=values.dtype)
        chosen[name] = spec
    if not specs and not own:
        return None
    sums = native.batch([*specs.values(), *own], n, sums=hashed is not None)
    passes = {}
    for name, s in chosen.items():
        assert s.row_lo is not None and s.row_hi is not None
        passes[name] = FloatPass(
            nan=s.nan,
            posinf=s.posinf,
            neginf=s.neginf,
            lo=s.lo,
            hi=s.hi,
            row_lo=s.row_lo,
            row_hi=s.row_hi,
            width=s.width,
            shift=s.shift,
            s1=s.s1,
            s2=s.s2,
            overflow=s.overflow,
        )
    return BatchPass(passes, sums)


def _kind(values: np.ndarray) -> int:
    from labelcheck.stats import native

    return native.F32 if values.dtype == np.float32 else native.F64


def _float_values(array: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """A zero-copy view of a single-chunk, null-free float32/float64 column, else None."""
    if isinstance(array, pa.ChunkedArray):
        if array.num_chunks != 1:
            return None
        array = array.chunk(0)
    t = array.type
    if array.null_count or not (pa.types.is_float32(t) or pa.types.is_float64(t)):
        return None
    dtype = np.float32 if pa.types.is_float32(t) else np.float64
    values = np.frombuffer(array.buffers()[1], dtype=dtype)
    return values[array.offset : array.offset + len(array)]
