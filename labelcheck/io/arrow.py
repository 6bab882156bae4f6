"""Arrow <-> numpy by buffers, for the kernels of fixes and the converters of io.

pyarrow's Python-to-Arrow conversions (``pa.array``, ``pa.scalar``,
``fill_null(x, False)``, ``RecordBatch.from_pylist``) and ``Array.to_numpy``
import pandas on first use: +50 MiB RSS and ~0.3 s in a Parquet-to-Parquet fix
that never needs it. Arrays are built from, and read into, numpy buffers here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa


def float_array(values: np.ndarray, arrow_type: pa.DataType, nulls: np.ndarray | None) -> pa.Array:
    """A float Arrow array over ``values`` (contiguous, of ``arrow_type``'s width)."""
    validity = None
    if nulls is not None and nulls.any():
        validity = pa.py_buffer(np.packbits(~nulls, bitorder="little"))
    return pa.Array.from_buffers(arrow_type, len(values), [validity, pa.py_buffer(values)])


def int_array(values: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """A null-free int64 or uint64 Arrow array of ``values``."""
    data = np.ascontiguousarray(values, dtype=np.uint64 if arrow_type == pa.uint64() else np.int64)
    return pa.Array.from_buffers(arrow_type, len(data), [None, pa.py_buffer(data)])


def bool_array(values: np.ndarray) -> pa.Array:
    bits = pa.py_buffer(np.packbits(np.asarray(values, dtype=bool), bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, bits])


def string_array(values: Sequence[str]) -> pa.Array:
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data])


def float_numpy(array: pa.Array) -> np.ndarray:
    """float64 numpy of a float array's data buffer (null slots hold anything: mask them)."""
    data = array.buffers()[1]
    if data is None or not len(array):
        return np.empty(0, dtype=np.float64)
    values = np.frombuffer(data, dtype=f"f{array.type.bit_width // 8}")
    return values[array.offset : array.offset + len(array)].astype(np.float64, copy=False)


def bits(mask: pa.Array) -> np.ndarray:
    """numpy bools of a null-free boolean array."""
    data = mask.buffers()[1]
    if data is None or not len(mask):
        return np.zeros(0, dtype=bool)
    unpacked = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little")
    return unpacked[mask.offset : mask.offset + len(mask)].astype(bool)


def false_if_null(mask: pa.Array) -> pa.Array:
    """``fill_null(mask, False)``: Kleene ``null and False`` is False."""
    import pyarrow.compute as pc

    return pc.and_kleene(mask, pc.is_valid(mask)) if mask.null_count else mask


def empty_batch(schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.nulls(0, f.type) for f in schema], schema=schema)


def decoded(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array, dictionary-decoded."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.dictionary_decode() if pa.types.is_dictionary(array.type) else array
