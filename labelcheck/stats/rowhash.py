"""Vectorised, deterministic 64-bit hashes of Arrow column values (row identity).

Each value of a column gets a canonical 64-bit *key* and the key is mixed with
a salt taken from the column's name. A row's hash is the **sum** (mod 2**64)
of its columns' mixed keys, so the partial sums of column groups hashed in
different tasks add up exactly, in any order (the local engine splits a
Parquet row group's columns between threads; Dask partitions merge the same
way). Two hashes are kept per row (the sums of the mixed keys and of their
squares; text gets a second, independent byte hash), so two rows only look
equal if both 64-bit sums collide at once; rows differing in a single column
never collide, the mix being a bijection.

Keys (the same on every machine and process: no Python ``hash``):

- numbers and bools: the bits of the value as float64, with ``-0.0`` -> ``0.0``
  and every NaN -> one NaN, so NaN equals NaN and ``1`` (int) equals ``1.0``;
  integers beyond 2**53 (not exact in float64) are keyed by their int64 bits,
  remapped per hash so they cannot collide with a float key in both hashes;
- null: a signalling-NaN bit pattern that canonicalisation never produces, so
  null differs from every value (NaN included);
- text and binary: a hash of the bytes, computed once per distinct value
  (Arrow's dictionary encoding) with numpy, per byte position;
- dates, times, timestamps and durations: their count of nanoseconds (the key of
  that integer), whatever unit the column stores, so ``2024-01-01`` stored in
  microseconds equals it stored in nanoseconds; instants beyond int64
  nanoseconds (after 2262) get a key of their (seconds, nanoseconds);
- a text column hashed :class:`AsNumber` (the splits disagree: text here,
  numbers there): the numbers LC110's fix casts it to (markers -> null), the
  values that are neither keep their text keys;
- lists (token sequences): the keys of the flattened values, each mixed with
  its position in the row, summed per row and mixed with the row's length —
  vectorised over the values and offsets, like the byte hash of text;
- anything else (decimals) is cast to a number or to text first.

numpy's uint64 arithmetic wraps silently, which is what the mixes want.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from labelcheck.stats import native

U64 = np.uint64
#: Canonical NaN (float64 quiet NaN) and the null marker (a signalling NaN).
NAN_KEY = U64(0x7FF8_0000_0000_0000)
NULL_KEY = U64(0x7FF0_0000_0000_0001)
_EXACT = float(2**53)
_SEEDS = (U64(0x9E37_79B9_7F4A_7C15), U64(0xD6E8_FEB8_6659_FD93))
_BIG_INT_TAG = (U64(0x5851_F42D_4C95_7F2D), U64(0x1405_7B7E_F767_814F))
_FAR_TIME_TAG = (U64(0x2545_F491_4F6C_DD1D), U64(0x9FB2_1C65_1E98_DF25))
#: Nanoseconds per stored unit of the temporal types.
_NS_PER = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


@dataclass(frozen=True)
class AsNumber:
    """A text column hashed as the numbers LC110's fix casts it to (markers -> null).

    Row identity across splits that disagree on the column's type (text in one,
    numbers in the other): its keys then match the numbers' keys value for value.
    """

    array: pa.Array | pa.ChunkedArray


Column = pa.Array | pa.ChunkedArray | AsNumber


def row_columns(
    batch: pa.RecordBatch | pa.Table, names: Sequence[str], numbers: Collection[str] = ()
) -> list[tuple[str, Column]]:
    """The columns ``names`` of ``batch`` (those it has) as :func:`row_sums` hashes them:
    the text ones among ``numbers`` :class:`AsNumber`."""
    present = set(batch.schema.names)
    out: list[tuple[str, Column]] = []
    for name in names:
        if name not in present:
            continue
        array = batch.column(name)
        out.append((name, AsNumber(array) if name in numbers and is_text(array.type) else array))
    return out


def is_text(t: pa.DataType) -> bool:
    """A text type (dictionary-encoded text included)."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def value_family(t: pa.DataType) -> str:
    """What a column's values are, whatever their encoding: "number", "text", "instant"
    (dates and timestamps), "time", "duration", "bytes", "null", else the type itself."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_null(t):
        return "null"
    if _numeric(t) and not pa.types.is_temporal(t):
        return "number"
    if is_text(t):
        return "text"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "instant"
    if pa.types.is_time(t):
        return "time"
    if pa.types.is_duration(t):
        return "duration"
    if _is_bytes(t):
        return "bytes"
    if pa.types.is_fixed_size_list(t):  # an image array (the tensor kind): pixels any dtype
        return f"tensor of {value_family(t.value_type)}"
    return str(t)


def reconcile(types: Sequence[pa.DataType]) -> str | None:
    """How a column with these types (one per split) is hashed so that equal values get
    equal keys in every split: "as-is" (the keys agree already: int and float, any time
    unit, all-null columns), "number" (text as :class:`AsNumber`), None: they cannot be
    reconciled (a timestamp never equals a number)."""
    families = {value_family(t) for t in types} - {"null"}
    if len(families) <= 1:
        return "as-is"
    return "number" if families == {"number", "text"} else None


def number_keys(array: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row keys of text ``array`` as numbers (see :class:`AsNumber`): a number's key is
    that of the float; a value neither a number nor a marker keeps its text keys (then
    the two keys differ, as for integers beyond 2**53, and both hashes use both)."""
    from labelcheck.stats.cast import cast_number

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    cast = cast_number(array)
    ka, kb = value_keys(cast.values)
    if not cast.unparsed.any():
        return ka, kb
    ta, tb = value_keys(array)
    ka, kb = ka.copy(), kb.copy()
    ka[cast.unparsed] = ta[cast.unparsed]
    kb[cast.unparsed] = tb[cast.unparsed]
    return ka, kb


def _splitmix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser (a bijection on uint64), in place."""
    x ^= x >> U64(30)
    x *= U64(0xBF58_476D_1CE4_E5B9)
    x ^= x >> U64(27)
    x *= U64(0x94D0_49BB_1331_11EB)
    x ^= x >> U64(31)
    return x


def _murmur(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's fmix64 (another bijection, other constants), in place."""
    _murmur_into(x, np.empty_like(x))
    return x


_MIX = (_splitmix, _murmur)


@lru_cache(maxsize=1 << 14)
def name_salt(name: str, which: int) -> np.uint64:
    """A per-column salt from the column's name (so column order does not matter).
    Cached: asked for each column of every batch, and a row group may be one row."""
    data = np.frombuffer(name.encode("utf-8"), dtype=np.uint8)
    h = _bytes_hash(data, np.array([0, data.size], dtype=np.int64), which + 2)
    return U64(h[0])


def _np(array: pa.Array) -> np.ndarray:
    """A numpy view of a fixed-width numeric or bool Arrow array (null slots: any value).

    Not ``Array.to_numpy`` nor ``fill_null(0)``: both import pandas (start-up
    cost). Callers overwrite the null slots with the null key.
    """
    t = array.type
    if pa.types.is_boolean(t):
        array = array.cast(pa.uint8())
        t = array.type
    if pa.types.is_floating(t):
        kind = "f"
    elif pa.types.is_signed_integer(t):
        kind = "i"
    else:
        kind = "u"
    data = np.frombuffer(array.buffers()[1], dtype=f"{kind}{t.bit_width // 8}")
    return data[array.offset : array.offset + len(array)]


def value_keys(array: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row keys of ``array`` for the two hashes (the same array when exact)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    t = array.type
    if pa.types.is_dictionary(t):
        if len(array.dictionary) == 0:
            none = np.full(len(array), NULL_KEY, dtype=U64)
            return none, none
        ka, kb = value_keys(array.dictionary)
        idx = np.clip(_np(array.indices).astype(np.int64), 0, len(array.dictionary) - 1)
        ka, kb = ka[idx], kb[idx]
        return _with_nulls(array, ka, kb)
    if pa.types.is_boolean(t) or pa.types.is_decimal(t) or pa.types.is_floating(t):
        keys = _float_keys(_np(array.cast(pa.float64())))
        return _with_nulls(array, keys, keys)
    if pa.types.is_integer(t):
        return _int_keys(array)
    if pa.types.is_temporal(t):
        return _temporal_keys(array)
    if _is_bytes(t):
        return _text_keys(array)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return _list_keys(array)
    # Other types (structs, maps): hashed by their text form (rare, slower).
    text = pa.array([None if v is None else repr(v) for v in array.to_pylist()], pa.string())
    return _text_keys(text)


#: Rows per block of the mixing loop: its temporaries stay in the CPU cache.
_MIX_BLOCK = 1 << 17
_M1, _M2 = U64(0xBF58_476D_1CE4_E5B9), U64(0x94D0_49BB_1331_11EB)
_M3, _M4 = U64(0xFF51_AFD7_ED55_8CCD), U64(0xC4CE_B9FE_1A85_EC53)


def row_sums(columns: Sequence[tuple[str, Column]], length: int) -> tuple[np.ndarray, np.ndarray]:
    """The two partial row hashes of these named columns (sums of mixed, salted keys).

    Per column: ``m = mix(key ^ salt(name))``, a bijection; the first hash adds
    ``m``, the second adds ``m * m`` (integers beyond 2**53: the square of their
    second key's mix; text: a second, independent byte hash through MurmurHash3's
    finaliser; which one by the column's type, never by the batch's values, so a
    row hashes alike in any batch). Two rows differing in one column never
    collide (the mix is a bijection); differing in several, a linear and a
    quadratic sum must both collide at once. Computed in cache-sized blocks,
    in place.
    """
    if length >= NATIVE_MIN_ROWS:
        from labelcheck.stats import native  # lazy: small inputs never load the kernels

        if native.enabled():
            specs = [hash_spec(name, array) for name, array in columns]
            sums = native.batch(specs, length, sums=True)
            assert sums is not None
            return sums
    sum_a, sum_b = np.zeros(length, dtype=U64), np.zeros(length, dtype=U64)
    x = np.empty(min(length, _MIX_BLOCK), dtype=U64)
    y = np.empty_like(x)
    f = np.empty(x.size, dtype=np.float64)
    for name, column in columns:
        salt_a, salt_b = name_salt(name, 0), name_salt(name, 1)
        if isinstance(column, AsNumber):
            floats, keys, numeric = None, number_keys(column.array), True
        else:
            array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
            floats = _plain_floats(array)
            keys = None if floats is not None else value_keys(array)
            numeric = _numeric(array.type)
        valid = None
        if floats is not None and array.null_count:
            valid = _np(array.is_valid()).astype(bool)
        for start in range(0, length, _MIX_BLOCK):
            stop = min(start + _MIX_BLOCK, length)
            n = stop - start
            xb, yb = x[:n], y[:n]
            if floats is not None:
                fb = f[:n]
                with np.errstate(invalid="ignore"):  # a signalling NaN warns; it is a NaN
                    np.add(floats[start:stop], 0.0, out=fb)  # float64, and -0.0 -> 0.0
                bits = fb.view(U64)
                nan = np.isnan(fb)
                if nan.any():
                    bits[nan] = NAN_KEY
                if valid is not None:
                    bits[~valid[start:stop]] = NULL_KEY
                np.bitwise_xor(bits, salt_a, out=xb)
            else:
                assert keys is not None
                np.bitwise_xor(keys[0][start:stop], salt_a, out=xb)
            _mix_into(xb, yb)
            np.add(sum_a[start:stop], xb, out=sum_a[start:stop])
            if keys is not None and not numeric:  # text: an independent hash
                np.bitwise_xor(keys[1][start:stop], salt_b, out=xb)
                _murmur_into(xb, yb)
            else:  # numbers: the square of the mixed value (a quadratic, not linear, sum)
                if keys is not None and keys[1] is not keys[0]:  # integers beyond 2**53
                    np.bitwise_xor(keys[1][start:stop], salt_a, out=xb)
                    _mix_into(xb, yb)
                np.multiply(xb, xb, out=xb)
            np.add(sum_b[start:stop], xb, out=sum_b[start:stop])
    return sum_a, sum_b


#: Rows from which a batch goes through the compiled kernels (stats/native.py, loaded
#: then: ~7 ms). Shorter batches, so small files (a pre-commit run), keep numpy.
NATIVE_MIN_ROWS = 1 << 13


def hash_spec(name: str, column: Column) -> native.Spec:
    """The compiled kernel's view of one column's share of the row hashes (the same keys,
    salts and mixes as :func:`row_sums`' numpy route, bit for bit)."""
    from labelcheck.stats import native

    salt_a, salt_b = int(name_salt(name, 0)), int(name_salt(name, 1))
    if isinstance(column, AsNumber):
        ka, kb = number_keys(column.array)
        return native.Spec(
            np.ascontiguousarray(ka, dtype=U64),
            native.KEYS2 if kb is not ka else native.KEYS,
            keys_b=None if kb is ka else np.ascontiguousarray(kb, dtype=U64),
            salt_a=salt_a,
            salt_b=salt_b,
            hash=True,
        )
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    floats = _plain_floats(array)
    if floats is not None:
        spec = native.Spec(
            np.ascontiguousarray(floats),
            native.F32 if floats.dtype == np.float32 else native.F64,
            salt_a=salt_a,
            salt_b=salt_b,
            hash=True,
        )
        if array.null_count:
            spec.valid = np.frombuffer(array.buffers()[0], dtype=np.uint8)
            spec.valid_offset = array.offset
        return spec
    ka, kb = value_keys(array)
    numeric = _numeric(array.type)
    return native.Spec(
        np.ascontiguousarray(ka, dtype=U64),
        native.KEYS2 if numeric and kb is not ka else native.KEYS,
        keys_b=None if numeric and kb is ka else np.ascontiguousarray(kb, dtype=U64),
        salt_a=salt_a,
        salt_b=salt_b,
        hash=True,
    )


def _numeric(t: pa.DataType) -> bool:
    """Whether a column of this type hashes as numbers (second hash: a square), not as text
    (an independent byte hash). By type, never by the batch's values: a row's hashes must
    not depend on the other rows of its batch (an all-null or beyond-2**53 batch)."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    return (
        pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_boolean(t)
        or pa.types.is_decimal(t)
        or pa.types.is_temporal(t)
    )


def _plain_floats(array: pa.Array) -> np.ndarray | None:
    """A zero-copy float view of a float column (the common case), else None."""
    if pa.types.is_floating(array.type) and not pa.types.is_float16(array.type):
        return _np(array)
    return None


def _mix_into(x: np.ndarray, tmp: np.ndarray) -> None:
    """A bijective multiply-xorshift mix of ``x`` in place (``tmp``: scratch, same size).

    splitmix64's finaliser without its first xorshift: the salted key is
    multiplied first, so every input bit reaches the high bits before the shifts.
    """
    np.multiply(x, _M1, out=x)
    np.right_shift(x, U64(29), out=tmp)
    np.bitwise_xor(x, tmp, out=x)
    np.multiply(x, _M2, out=x)
    np.right_shift(x, U64(32), out=tmp)
    np.bitwise_xor(x, tmp, out=x)


def _murmur_into(x: np.ndarray, tmp: np.ndarray) -> None:
    """MurmurHash3's fmix64 of ``x`` in place."""
    np.right_shift(x, U64(33), out=tmp)
    np.bitwise_xor(x, tmp, out=x)
    np.multiply(x, _M3, out=x)
    np.right_shift(x, U64(33), out=tmp)
    np.bitwise_xor(x, tmp, out=x)
    np.multiply(x, _M4, out=x)
    np.right_shift(x, U64(33), out=tmp)
    np.bitwise_xor(x, tmp, out=x)


def label_keys(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """One exact-where-possible key per label value (numbers: their canonical bits)."""
    return value_keys(array)[0]


def text_label_keys(array: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """:func:`label_keys` of a text array, and its distinct values with their keys (each
    distinct value hashed once: the same keys)."""
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = array if pa.types.is_dictionary(array.type) else pc.dictionary_encode(array)
    values = encoded.dictionary
    if values.null_count:
        values = values.drop_null()
        encoded = pc.dictionary_encode(encoded.dictionary_decode())
        values = encoded.dictionary
    value_keys_ = label_keys(values)
    if len(values) == 0:
        return np.full(len(array), NULL_KEY, dtype=U64), values, value_keys_
    idx = np.clip(_np(encoded.indices).astype(np.int64), 0, len(values) - 1)
    keys = value_keys_[idx]
    return _with_nulls(encoded, keys, keys)[0], values, value_keys_


# ------------------------------------------------------------------ kinds
def _is_bytes(t: pa.DataType) -> bool:
    return (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_string_view(t)
        or pa.types.is_binary_view(t)
    )


def _float_keys(values: np.ndarray) -> np.ndarray:
    x = values.astype(np.float64, copy=True)
    with np.errstate(invalid="ignore"):  # a signalling NaN warns; it is keyed as NaN
        x += 0.0  # -0.0 + 0.0 == +0.0
    keys = x.view(U64)
    keys[np.isnan(x)] = NAN_KEY
    return keys


def _int_keys(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    ka, kb = _int_value_keys(_np(array))
    return _with_nulls(array, ka, kb)


def _int_value_keys(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keys of integers (no nulls): the same array when every value is exact in float64."""
    if values.size and values.min() > -_EXACT and values.max() < _EXACT:
        # Every value exact in float64 (the usual case: one conversion, no mask):
        # no NaN and no -0.0 among converted integers, so the bits are the keys.
        keys = values.astype(np.float64).view(U64)
        return keys, keys
    as_float = values.astype(np.float64)
    keys = _float_keys(as_float)
    big = np.abs(as_float) >= _EXACT
    if not big.any():
        return keys, keys
    kb = keys.copy()
    bits = values[big].astype(np.int64).view(U64) if values.dtype.kind == "i" else values[big]
    for which, out in ((0, keys), (1, kb)):
        out[big] = _MIX[1 - which](bits.astype(U64) ^ _BIG_INT_TAG[which])
    return keys, kb


def _temporal_keys(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Keys of dates, times, timestamps and durations: by their count of nanoseconds."""
    t = array.type
    if pa.types.is_date32(t):
        per_ns, stored = 86_400 * 10**9, pa.int32()
    elif pa.types.is_date64(t):
        per_ns, stored = 10**6, pa.int64()
    else:
        per_ns, stored = _NS_PER[t.unit], pa.int32() if t.bit_width == 32 else pa.int64()
    values = _np(array.view(stored)).astype(np.int64)
    if per_ns == 1:
        return _with_nulls(array, *_int_value_keys(values))
    limit = np.iinfo(np.int64).max // per_ns
    near = np.abs(values) <= limit  # nanoseconds fit int64 (1677-2262 for instants)
    if near.all():
        return _with_nulls(array, *_int_value_keys(values * per_ns))
    ns = np.where(near, values, 0) * per_ns
    ka, kb = _int_value_keys(ns)
    ka, kb = ka.copy(), kb.copy()
    # Far instants: a key of (whole seconds, nanoseconds), the same from any unit.
    far = values[~near]
    if per_ns >= 10**9:
        secs, rest = far * (per_ns // 10**9), np.zeros_like(far)
    else:
        per_s = 10**9 // per_ns
        secs, rest = far // per_s, (far % per_s) * per_ns
    for which, out in ((0, ka), (1, kb)):
        x = _MIX[which](secs.view(U64) ^ _FAR_TIME_TAG[which])
        out[~near] = _MIX[1 - which](x ^ rest.view(U64))
    return _with_nulls(array, ka, kb)


def _text_keys(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    import pyarrow.compute as pc  # lazy: numeric-only scans never need it

    t = array.type
    if pa.types.is_string_view(t) or pa.types.is_binary_view(t):
        array = array.cast(pa.large_string() if pa.types.is_string_view(t) else pa.large_binary())
    encoded = pc.dictionary_encode(array)
    uniq = encoded.dictionary
    if not pa.types.is_large_binary(uniq.type):  # one offsets layout: int64
        uniq = uniq.cast(pa.large_binary())
    offsets = np.frombuffer(uniq.buffers()[1], dtype=np.int64)[
        uniq.offset : uniq.offset + len(uniq) + 1
    ]
    buf = uniq.buffers()[2]
    data = np.frombuffer(buf, dtype=np.uint8) if buf is not None else np.zeros(0, np.uint8)
    ka = _bytes_hash(data, offsets, 0)
    kb = _bytes_hash(data, offsets, 1)
    idx = np.clip(_np(encoded.indices).astype(np.int64), 0, max(len(uniq) - 1, 0))
    if uniq.null_count:  # a dictionary never holds null, but be safe
        ka, kb = ka.copy(), kb.copy()
    ka, kb = (ka[idx], kb[idx]) if len(uniq) else (np.zeros(len(idx), U64),) * 2
    return _with_nulls(array, ka, kb.copy())


#: Bytes hashed per numpy pass (bounds the temporary arrays to a few MB).
_BYTES_CHUNK = 1 << 18


def _bytes_hash(data: np.ndarray, offsets: np.ndarray, which: int) -> np.ndarray:
    """A 64-bit hash of each byte string ``data[offsets[i]:offsets[i+1]]``.

    The sum over byte positions of a bijective mix of (byte, position), then a
    final mix with the length: vectorised over the bytes of many strings at once.
    """
    n = offsets.size - 1
    if n > 1 and int(offsets[-1] - offsets[0]) > _BYTES_CHUNK:
        # Strings in slices of about _BYTES_CHUNK bytes (a longer string is one slice).
        cuts = np.searchsorted(offsets, np.arange(offsets[0], offsets[-1], _BYTES_CHUNK))
        cuts = np.unique(np.clip(np.r_[cuts, n], 1, n))
        out, start = [], 0
        for stop in cuts.tolist():
            out.append(_bytes_hash(data, offsets[start : stop + 1], which))
            start = stop
        return np.concatenate(out)
    starts, ends = offsets[:-1], offsets[1:]
    lengths = (ends - starts).astype(np.int64)
    out = np.zeros(n, dtype=U64)
    total = int(lengths.sum())
    mix = _MIX[which % 2]
    seed = _SEEDS[which % 2] + U64(which // 2)
    if total:
        first = int(starts[0]) if n else 0
        body = data[first : first + total].astype(U64)
        row_start = np.repeat(starts - first, lengths)
        pos = np.arange(total, dtype=np.int64) - row_start
        body |= pos.astype(U64) << U64(8)
        body += seed
        mix(body)
        nonempty = lengths > 0
        sums = np.add.reduceat(body, (starts - first)[nonempty])
        out[nonempty] = sums
    out ^= lengths.astype(U64) * U64(0xA076_1D64_78BD_642F) + seed
    return mix(out)


_LIST_TAG = (U64(0x2545_F491_4F6C_DD1D), U64(0x9FB2_1C65_1E98_DF25))


def _list_keys(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Keys of list values: a sum over positions of mix(value key, position), then the length.

    Offsets and the flattened values, no loop per row; nested lists recurse
    through :func:`value_keys` on the child values.
    """
    n = len(array)
    t = array.type
    if pa.types.is_fixed_size_list(t):
        size = t.list_size
        offsets = np.arange(n + 1, dtype=np.int64) * size + array.offset * size
    else:
        offsets = _np(array.offsets).astype(np.int64)  # not np.asarray: it imports pandas
    first, last = int(offsets[0]), int(offsets[-1])
    child = array.values.slice(first, last - first)
    starts = offsets[:-1] - first
    lengths = np.diff(offsets)
    if array.null_count:  # a null row's values do not count (and a null differs from [])
        lengths = np.where(_np(array.is_valid()).astype(bool), lengths, 0)
    if pa.types.is_integer(child.type) and not child.null_count and n >= NATIVE_MIN_ROWS:
        from labelcheck.stats import native  # lazy: small inputs never load the kernels

        if native.has_lists():  # one read of the values, no per-value temporaries
            values = (
                _np(child).astype(np.int64, copy=False) if len(child) else np.zeros(1, np.int64)
            )
            ends = np.ascontiguousarray(starts, dtype=np.int64)
            sum_a, sum_b = native.list_sums(values, ends, lengths.astype(np.int64), _LIST_TAG[0])
            out = []
            for which, sums in ((0, sum_a), (1, sum_b)):
                sums ^= lengths.astype(U64) * U64(0xA076_1D64_78BD_642F) + _LIST_TAG[which]
                out.append(_MIX[which](sums))
            return _with_nulls(array, out[0], out[1])
    if pa.types.is_integer(child.type) and not child.null_count:
        # Token ids: their int64 bits are the keys (one conversion, no float keys), and
        # the second hash is the quadratic sum of the same mixed values (as for numbers).
        ca = _np(child).astype(np.int64).view(U64) if len(child) else np.zeros(0, U64)
        cb = ca
    else:
        ca, cb = value_keys(child) if len(child) else (np.zeros(0, U64),) * 2
    spread = np.diff(offsets)
    pos = np.arange(len(child), dtype=np.int64)
    pos -= np.repeat(starts, spread)
    salt = pos.view(U64) * U64(0x9E37_79B9_7F4A_7C15)
    full = lengths > 0
    hidden = np.repeat(lengths == 0, spread) if array.null_count and len(child) else None

    def summed(body: np.ndarray) -> np.ndarray:
        if hidden is not None:  # values under null rows: out of the sums
            body[hidden] = 0
        sums = np.zeros(n, dtype=U64)
        if full.any():
            sums[full] = np.add.reduceat(body, starts[full])
        return sums

    body = ca ^ (salt + _LIST_TAG[0])
    _splitmix(body)
    sum_a = summed(body)
    if cb is ca:
        np.multiply(body, body, out=body)
    else:
        body = cb ^ (salt + _LIST_TAG[1])
        _murmur(body)
    sum_b = summed(body)
    out = []
    for which, sums in ((0, sum_a), (1, sum_b)):
        sums ^= lengths.astype(U64) * U64(0xA076_1D64_78BD_642F) + _LIST_TAG[which]
        out.append(_MIX[which](sums))
    return _with_nulls(array, out[0], out[1])


def _with_nulls(array: pa.Array, ka: np.ndarray, kb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if array.null_count:
        valid = _np(array.is_valid()).astype(bool)
        if kb is ka:
            ka = ka.copy()
            ka[~valid] = NULL_KEY
            return ka, ka
        ka, kb = ka.copy(), kb.copy()
        ka[~valid] = NULL_KEY
        kb[~valid] = NULL_KEY
    return ka, kb
