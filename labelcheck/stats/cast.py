"""LC110's cast of text to numbers: missing-value markers -> null, every number -> float64.

One definition for the ``cast-number`` fix step and for row identity (a column
that is text in one split and numbers in another is hashed as the numbers
this cast makes, so the key of a value does not depend on its encoding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from labelcheck.stats.column import _NUMBER_RE, NULL_MARKERS


@dataclass
class NumberCast:
    """The cast of one text array (same length)."""

    values: pa.Array  # float64: null where the text is null, a marker or not a number
    marked: np.ndarray  # bool: a missing-value marker
    unparsed: np.ndarray  # bool: valid text that is neither a marker nor a number


def cast_number(
    array: pa.Array | pa.ChunkedArray, markers: Sequence[str] = NULL_MARKERS
) -> NumberCast:
    """Cast text ``array`` as LC110's fix does (``markers`` compared stripped, lower-cased).

    A number is what LC110 counts as one (``_NUMBER_RE``, surrounding spaces
    ignored); Arrow's float parser reads it. Numbers and bools pass as float64.
    """
    import pyarrow.compute as pc  # lazy: only text columns get here

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    n = len(array)
    t = array.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        none = np.zeros(n, dtype=bool)
        return NumberCast(array.cast(pa.float64()), none, none)
    if not (pa.types.is_large_string(t) or pa.types.is_string(t)):
        array = array.cast(pa.large_string())  # string views
    trimmed = pc.utf8_trim_whitespace(array)
    norm = pc.utf8_lower(trimmed)
    wanted = _strings([str(m).strip().lower() for m in markers]).cast(norm.type)
    # Nulls -> False with Kleene logic (fill_null and pa.scalar import pandas).
    marked = _false_if_null(pc.is_in(norm, value_set=wanted))
    number = _false_if_null(pc.match_substring_regex(trimmed, _NUMBER_RE, ignore_case=True))
    number = pc.and_(number, pc.invert(marked))  # "nan" is a marker: null, as the fix makes it
    values = pc.if_else(number, trimmed, pa.nulls(len(trimmed), trimmed.type)).cast(pa.float64())
    valid = _bools(pc.is_valid(array))
    is_marked, is_number = _bools(marked), _bools(number)
    return NumberCast(values, is_marked, valid & ~is_marked & ~is_number)


def _false_if_null(mask: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    return pc.and_kleene(mask, pc.is_valid(mask)) if mask.null_count else mask


def _strings(values: list[str]) -> pa.Array:
    """Arrow text from Python strings (not ``pa.array``: it imports pandas)."""
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data])


def _bools(mask: pa.Array) -> np.ndarray:
    """A null-free Arrow bool mask as numpy (not ``to_numpy``: it imports pandas)."""
    as_bytes = mask.cast(pa.uint8())
    data = np.frombuffer(as_bytes.buffers()[1], dtype=np.uint8)
    return data[as_bytes.offset : as_bytes.offset + len(as_bytes)].astype(bool)
