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
- lists (token sequences): the keys of the flattened values, each mixed with
  its position in the row, summed per row and mixed with the row's length —
  vectorised over the values and offsets, like the byte hash of text;
- anything else (timestamps, decimals) is cast to a number or to text first.

numpy's uint64 arithmetic wraps silently, which is what the mixes want.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def name_salt(name: str, which: int) -> np.uint64:
    """A per-column salt from the column's name (so column order does not matter)."""
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
        try:
            return _int_keys(array.cast(pa.int64()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
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


def row_sums(
    columns: Sequence[tuple[str, pa.Array | pa.ChunkedArray]], length: int
) -> tuple[np.ndarray, np.ndarray]:
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
    for name, array in columns:
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        salt_a, salt_b = name_salt(name, 0), name_salt(name, 1)
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


def hash_spec(name: str, array: pa.Array | pa.ChunkedArray) -> native.Spec:
    """The compiled kernel's view of one column's share of the row hashes (the same keys,
    salts and mixes as :func:`row_sums`' numpy route, bit for bit)."""
    from labelcheck.stats import native

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    salt_a, salt_b = int(name_salt(name, 0)), int(name_salt(name, 1))
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
    values = _np(array)
    if values.size and values.min() > -_EXACT and values.max() < _EXACT:
        # Every value exact in float64 (the usual case: one conversion, no mask):
        # no NaN and no -0.0 among converted integers, so the bits are the keys.
        keys = values.astype(np.float64).view(U64)
        return _with_nulls(array, keys, keys)
    as_float = values.astype(np.float64)
    keys = _float_keys(as_float)
    big = np.abs(as_float) >= _EXACT
    if not big.any():
        return _with_nulls(array, keys, keys)
    kb = keys.copy()
    bits = values[big].astype(np.int64).view(U64) if values.dtype.kind == "i" else values[big]
    for which, out in ((0, keys), (1, kb)):
        out[big] = _MIX[1 - which](bits.astype(U64) ^ _BIG_INT_TAG[which])
    return _with_nulls(array, keys, kb)


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
