"""Per-column statistics computed in one pass and merged exactly.

A :class:`ColumnStats` summarises one column of one batch; ``a.merge(b)`` gives
the statistics of the two batches together, so the same code serves batches,
threads, files and Dask partitions. Everything is exact:

- counts of rows, nulls, NaN, +Inf and -Inf;
- min, max, mean and the sum of squared deviations ``m2`` of the finite values,
  merged with Chan et al.'s pairwise update (stable, unlike sum of squares);
- the ``k`` largest and smallest finite values (with repetition), which is all
  the outlier rules need: the "bulk" statistics without those values follow
  exactly by removing them from (n, mean, m2). No quantile sketch is needed;
- for label columns: the number of fractional and negative values and the
  distinct values with their counts, up to a cap (past it, ``distinct`` is None);
  past the cap, which integers in ``[0, PRESENT_LIMIT)`` occur, as a bitmap
  (``present``, merged by OR), while every value is such an integer: enough to
  tell 50,000 dense class ids from a regression target (task detection);
- for list labels (one-hot / probability targets): rows with a negative entry
  and rows not summing to 1;
- for string feature columns: how many values parse as numbers (LC107) and
  how many are missing-value markers such as "?" or "N/A" (LC110).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from labelcheck.stats.histogram import SAMPLE as HIST_SAMPLE
from labelcheck.stats.histogram import SymlogHistogram

Kind = Literal["numeric", "bool", "string", "list", "other"]

#: How many extreme values are kept at each end.
EXTREMES_K = 16
#: Default cap on distinct values tracked for a label column.
DISTINCT_CAP = 10_000
#: Integer labels below this are tracked by presence past the cap: a bitmap of at
#: most 2 MiB (16.7 million ids, more than the largest face-identity datasets).
PRESENT_LIMIT = 1 << 24
#: A string that parses as a number (LC107 says "numbers stored as strings").
_NUMBER_RE = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$|^\s*[-+]?(inf|nan|infinity)\s*$"
#: Missing-value markers in text columns (LC110), compared stripped and lower-cased.
NULL_MARKERS = ("?", "n/a", "na", "#n/a", "null", "none", "nil", "-", "--", "", "nan")
#: Distinct raw spellings of markers kept per column ("N/A", "n/a ", ...).
_MARKER_FORMS = 20


def kind_of(arrow_type: pa.DataType) -> Kind:
    """Classify an Arrow type into the few kinds the rules care about."""
    if pa.types.is_dictionary(arrow_type):
        return kind_of(arrow_type.value_type) if not _is_text(arrow_type.value_type) else "string"
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if (
        pa.types.is_integer(arrow_type)
        or pa.types.is_floating(arrow_type)
        or pa.types.is_decimal(arrow_type)
    ):
        return "numeric"
    if _is_text(arrow_type):
        return "string"
    if (
        pa.types.is_list(arrow_type)
        or pa.types.is_large_list(arrow_type)
        or (pa.types.is_fixed_size_list(arrow_type))
    ):
        return "list" if kind_of(arrow_type.value_type) in ("numeric", "bool") else "other"
    return "other"


def _to_numpy(array: pa.Array) -> np.ndarray:
    """A zero-copy numpy view of a null-free integer or float array.

    Not ``Array.to_numpy``: its first call makes pyarrow import pandas, which
    would cost every CLI run ~0.3 s of start-up for nothing.
    """
    t = array.type
    if array.null_count == 0 and (pa.types.is_integer(t) or pa.types.is_floating(t)):
        kind = "f" if pa.types.is_floating(t) else "i" if pa.types.is_signed_integer(t) else "u"
        width = t.bit_width // 8
        data = np.frombuffer(array.buffers()[1], dtype=f"{kind}{width}")
        return data[array.offset : array.offset + len(array)]
    return array.to_numpy(zero_copy_only=False)


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def to_python(value: Any) -> Any:
    """A plain Python scalar: ints for integral floats, so JSON shows 8000 not 8000.0."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


@dataclass
class ColumnStats:
    """Mergeable one-pass statistics of one column. See the module docstring."""

    kind: Kind
    dtype: str
    count: int = 0
    nulls: int = 0
    nan: int = 0
    posinf: int = 0
    neginf: int = 0
    n: int = 0  # finite values
    mean: float = 0.0
    m2: float = 0.0
    min: float | None = None
    max: float | None = None
    top: list[float] = field(default_factory=list)  # k largest finite values, descending
    bottom: list[float] = field(default_factory=list)  # k smallest finite values, ascending
    track_labels: bool = False
    non_integer: int = 0  # label columns only: finite values with a fractional part
    negative: int = 0  # label columns only
    distinct: dict[Any, int] | None = None  # label columns only, None once past the cap
    distinct_cap: int = DISTINCT_CAP
    # Past the cap: bit v set iff the integer v occurs (little-endian bits, no trailing
    # zero byte, so equal sets are equal bytes); None while ``distinct`` holds the
    # values, or once a value is not an integer in [0, PRESENT_LIMIT).
    present: bytes | None = None
    numeric_strings: int = 0  # string columns: values that parse as numbers
    examples: list[Any] = field(default_factory=list)  # a few raw values of non-numeric columns
    null_markers: dict[str, int] = field(default_factory=dict)  # raw marker text -> count
    marker_numeric: int = 0  # markers that also parse as numbers ("nan")
    list_rows: int = 0  # list labels: non-null rows
    list_negative_rows: int = 0
    list_bad_sum_rows: int = 0
    list_invalid_rows: int = 0  # rows with either problem (LC209 counts each row once)
    list_nan_rows: int = 0  # rows with a NaN or null entry (LC201 counts rows, not entries)
    hist: SymlogHistogram | None = None  # numeric and bool columns: the report's plots

    # ------------------------------------------------------------------ build
    @classmethod
    def empty(
        cls, arrow_type: pa.DataType, *, label: bool = False, distinct_cap: int = DISTINCT_CAP
    ) -> ColumnStats:
        stats = cls(
            kind=kind_of(arrow_type),
            dtype=str(arrow_type),
            track_labels=label,
            distinct_cap=distinct_cap,
        )
        if label:
            stats.distinct = {}
        if stats.kind in ("numeric", "bool"):
            stats.hist = SymlogHistogram()
        return stats

    @classmethod
    def of(cls, array: pa.Array | pa.ChunkedArray, *, label: bool = False) -> ColumnStats:
        """Statistics of one Arrow array (a column of one record batch)."""
        stats = cls.empty(array.type, label=label)
        stats.update(array)
        return stats

    def update(self, array: pa.Array | pa.ChunkedArray, pre: FloatPass | None = None) -> None:
        """Fold one array into these statistics (equivalent to merging ``of(array)``).

        ``pre``: what the compiled batch pass already found in this (float, null-free,
        long) array, so its values are not read again for those statistics.
        """
        if isinstance(array, pa.ChunkedArray):
            if pre is not None and array.num_chunks == 1:
                array = array.chunk(0)
            else:
                for chunk in array.chunks:
                    self.update(chunk)
                return
        if pre is not None and self.kind == "numeric" and not array.null_count:
            self.count += len(array)
            self._update_values(_to_numpy(array), pre)
            return
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        self.count += len(array)
        self.nulls += array.null_count
        if self.kind in ("numeric", "bool"):
            self._update_numeric(array)
        elif self.kind == "string":
            self._update_string(array)
        elif self.kind == "list":
            self._update_list(array)
        elif len(self.examples) < 3:
            self.examples.extend(
                str(v) for v in array.drop_null().slice(0, 3 - len(self.examples)).to_pylist()
            )

    def _update_numeric(self, array: pa.Array) -> None:
        if pa.types.is_decimal(array.type) or pa.types.is_boolean(array.type):
            array = array.cast(pa.float64())
        if array.null_count:
            array = array.drop_null()
        self._update_values(_to_numpy(array))

    def _update_values(self, values: np.ndarray, pre: FloatPass | None = None) -> None:
        if values.size == 0:
            return
        if values.dtype == np.float16:
            values = values.astype(np.float32)  # exact, and numpy's float16 loops are slow
        if pre is not None or _fusable(values):
            fused = _fused_pass(values) if pre is None else pre.to_pass(values)
            if fused is not None:
                self.nan += fused.nan
                self.posinf += fused.posinf
                self.neginf += fused.neginf
                if fused.n:
                    self._fold_finite(values, fused)
                return
        bounds = _Bounds.of(values)
        # Cheap check first: NaN propagates through min/max and an Inf is an
        # extreme, so finite bounds prove every value finite without a mask pass.
        if values.dtype.kind == "f" and not bounds.finite:
            finite = np.isfinite(values)
            bad = values[~finite]  # few, usually: classify only those
            nan = int(np.isnan(bad).sum())
            pos = int((bad > 0).sum())
            self.nan += nan
            self.posinf += pos
            self.neginf += bad.size - nan - pos
            values = values[finite]
            if values.size == 0:
                return
            bounds = _Bounds.of(values)
        self._fold_finite(values, bounds)

    def _fold_finite(self, values: np.ndarray, bounds: _Bounds | _Pass) -> None:
        """Fold values in; with a :class:`_Pass`, ``values`` may hold the NaN/Inf it counted."""
        moments: tuple[float, float] | None = None
        dirty = False  # values still hold the NaN/Inf that the pass counted
        if isinstance(bounds, _Pass):
            moments = bounds.mean, bounds.m2
            n = bounds.n
            dirty = n < values.size
            if dirty and self.track_labels:  # rare: the label checks want finite values
                values = values[np.isfinite(values)]
                dirty = False
                bounds = _Bounds.of(values)
            else:
                bounds = bounds.bounds
        else:
            n = int(values.size)
        lo, hi = float(bounds.lo), float(bounds.hi)
        other = ColumnStats(kind=self.kind, dtype=self.dtype, n=n, min=lo, max=hi)
        if self.hist is not None:
            self._add_to_hist(values, n, dirty)
        if self.track_labels:
            integral = values == np.floor(values) if values.dtype.kind == "f" else None
            other.non_integer = 0 if integral is None else int(n - integral.sum())
            other.negative = int((values < 0).sum()) if lo < 0 else 0
            other.distinct = _value_counts(values, bounds.lo, hi, integral, self.distinct_cap)
            other.distinct_cap = self.distinct_cap
            if other.distinct is None and other.non_integer == 0:
                other.present = _bits_of_values(values, lo, hi)
        few = other.distinct is not None and len(other.distinct) <= _FEW_DISTINCT
        if moments is None and few:
            # Few distinct labels: the moments follow from the counts, no pass needed.
            moments = _moments_of_counts(other.distinct, n)  # type: ignore[arg-type]
        other.mean, other.m2 = moments or _moments(values)
        k = min(EXTREMES_K, n)
        if few:
            # ... and so do the extremes.
            other.top = _expand(sorted(other.distinct.items(), reverse=True), k)  # type: ignore[union-attr]
            other.bottom = _expand(sorted(other.distinct.items()), k)  # type: ignore[union-attr]
        else:
            top, bottom = _extremes(values, bounds, k, skip_nonfinite=dirty)
            other.top = [float(v) for v in top]
            other.bottom = [float(v) for v in bottom]
        self._merge_finite(other)

    def _add_to_hist(self, values: np.ndarray, n: int, dirty: bool) -> None:
        """Histogram the finite values; ``dirty``: ``values`` still holds NaN/Inf (n finite)."""
        assert self.hist is not None
        if not dirty:
            self.hist.add(values)
            return
        # The histogram bins a strided sample anyway: drop the non-finite from that
        # sample only, rather than copying the finite values of the whole chunk.
        sample = values[:: -(-values.size // HIST_SAMPLE)]
        sample = sample[np.isfinite(sample)]
        if sample.size:
            self.hist.add(sample, total=n)
        else:  # the sample met only NaN/Inf: bin the finite values themselves
            self.hist.add(values[np.isfinite(values)])

    def _update_string(self, array: pa.Array) -> None:
        import pyarrow.compute as pc  # lazy: numeric-only scans never need it

        valid = array.drop_null()
        if self.track_labels:
            if self.distinct is not None:
                counts = pc.value_counts(valid)
                add = dict(
                    zip(
                        counts.field("values").to_pylist(),
                        counts.field("counts").to_pylist(),
                        strict=True,
                    )
                )
                self.distinct = _merge_counts(self.distinct, add, self.distinct_cap)
        else:
            numeric = pc.match_substring_regex(valid, _NUMBER_RE, ignore_case=True)
            self.numeric_strings += int(pc.sum(numeric).as_py() or 0)
            self._count_markers(valid, numeric)
        if len(self.examples) < 3:
            self.examples.extend(valid.slice(0, 3 - len(self.examples)).to_pylist())

    def _count_markers(self, valid: pa.Array, numeric: pa.Array) -> None:
        import pyarrow.compute as pc

        norm = pc.utf8_lower(pc.utf8_trim_whitespace(valid))
        marked = pc.is_in(norm, value_set=pa.array(NULL_MARKERS, norm.type))
        if not pc.any(marked).as_py():
            return
        self.marker_numeric += int(pc.sum(pc.and_(marked, numeric)).as_py() or 0)
        counts = pc.value_counts(valid.filter(marked))
        add = dict(
            zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)
        )
        self.null_markers = _merge_markers(self.null_markers, add)

    @property
    def marker_count(self) -> int:
        return sum(self.null_markers.values())

    def _update_list(self, array: pa.Array) -> None:
        import pyarrow.compute as pc  # lazy: numeric-only scans never need it

        valid = array.drop_null()
        self.list_rows += len(valid)
        if len(valid) == 0:
            return
        flat = _to_numpy(pc.list_flatten(valid).cast(pa.float64()).fill_null(math.nan))
        lengths = _to_numpy(pc.list_value_length(valid).fill_null(0)).astype(np.int64)
        row_of = np.repeat(np.arange(len(valid)), lengths)
        neg_rows = np.zeros(len(valid), dtype=bool)
        neg_rows[row_of[~(flat >= 0)]] = True  # NaN counts as bad too
        sums = np.bincount(row_of, weights=np.nan_to_num(flat, nan=np.inf), minlength=len(valid))
        bad_sum = ~(np.abs(sums - 1.0) <= 1e-3)
        self.list_negative_rows += int(neg_rows.sum())
        self.list_bad_sum_rows += int(bad_sum.sum())
        self.list_invalid_rows += int((neg_rows | bad_sum).sum())
        self.list_nan_rows += int(np.unique(row_of[np.isnan(flat)]).size)
        self._update_values(flat)

    # ------------------------------------------------------------------ merge
    def merge(self, other: ColumnStats) -> ColumnStats:
        """Statistics of both parts together. Pure: neither input changes."""
        if self.kind != other.kind:
            raise ValueError(
                f"cannot merge statistics of a {self.kind} column ({self.dtype}) with a "
                f"{other.kind} column ({other.dtype}); the parts have different schemas"
            )
        out = ColumnStats(
            kind=self.kind,
            dtype=self.dtype,
            count=self.count + other.count,
            nulls=self.nulls + other.nulls,
            nan=self.nan + other.nan,
            posinf=self.posinf + other.posinf,
            neginf=self.neginf + other.neginf,
            n=self.n,
            mean=self.mean,
            m2=self.m2,
            min=self.min,
            max=self.max,
            top=list(self.top),
            bottom=list(self.bottom),
            track_labels=self.track_labels or other.track_labels,
            non_integer=self.non_integer,
            negative=self.negative,
            distinct=None if self.distinct is None else dict(self.distinct),
            distinct_cap=self.distinct_cap,
            present=self.present,
            numeric_strings=self.numeric_strings + other.numeric_strings,
            examples=(self.examples + other.examples)[:3],
            null_markers=_merge_markers(self.null_markers, other.null_markers),
            marker_numeric=self.marker_numeric + other.marker_numeric,
            list_rows=self.list_rows + other.list_rows,
            list_negative_rows=self.list_negative_rows + other.list_negative_rows,
            list_bad_sum_rows=self.list_bad_sum_rows + other.list_bad_sum_rows,
            list_invalid_rows=self.list_invalid_rows + other.list_invalid_rows,
            list_nan_rows=self.list_nan_rows + other.list_nan_rows,
            hist=_merge_hist(self.hist, other.hist),
        )
        if self.kind == "string" and self.track_labels:
            out.distinct = (
                None
                if self.distinct is None or other.distinct is None
                else _merge_counts(self.distinct, other.distinct, self.distinct_cap)
            )
        out._merge_finite(other)
        return out

    def _merge_finite(self, other: ColumnStats) -> None:
        """Fold the finite-value part of ``other`` into ``self`` (Chan et al.)."""
        if other.n == 0:
            if self.kind != "string" and self.track_labels and other.distinct is None:
                self._merge_distinct(other)
            return
        if self.n == 0:
            self.mean, self.m2 = other.mean, other.m2
            self.min, self.max = other.min, other.max
        else:
            n = self.n + other.n
            delta = other.mean - self.mean
            share = other.n / n  # the weights first: ``delta * other.n`` may overflow
            if math.isfinite(delta):
                self.mean += delta * share
            else:  # means of opposite signs near the float64 limit: an average cannot overflow
                self.mean = self.mean * (1.0 - share) + other.mean * share
            # Infinite only when m2 itself is beyond float64 (Python floats: no warning).
            self.m2 += other.m2 + delta * (self.n * share) * delta
            self.min = min(self.min, other.min)  # type: ignore[type-var]
            self.max = max(self.max, other.max)  # type: ignore[type-var]
        self.n += other.n
        self.top = sorted(self.top + other.top, reverse=True)[:EXTREMES_K]
        self.bottom = sorted(self.bottom + other.bottom)[:EXTREMES_K]
        if self.kind != "string" and self.track_labels:
            self.non_integer += other.non_integer
            self.negative += other.negative
            self._merge_distinct(other)

    def _merge_distinct(self, other: ColumnStats) -> None:
        """Distinct counts while under the cap; past it, the union of the presence bitmaps."""
        merged = (
            None
            if self.distinct is None or other.distinct is None
            else _merge_counts(self.distinct, other.distinct, self.distinct_cap)
        )
        self.present = None if merged is not None else _or_bits(self._bits(), other._bits())
        self.distinct = merged

    def _bits(self) -> bytes | None:
        """The presence bitmap of these values, from the counts while they are kept."""
        return self.present if self.distinct is None else _bits_of_keys(self.distinct)

    # ------------------------------------------------------------ derived
    @property
    def variance(self) -> float:
        return self.m2 / self.n if self.n else math.nan

    @property
    def std(self) -> float:
        return math.sqrt(self.variance) if self.n else math.nan

    @property
    def missing(self) -> int:
        """Nulls plus NaN: every row with no usable value."""
        return self.nulls + self.nan

    @property
    def inf(self) -> int:
        return self.posinf + self.neginf

    @property
    def max_abs(self) -> float | None:
        if self.n == 0:
            return None
        return max(abs(self.min), abs(self.max))  # type: ignore[arg-type]

    @property
    def integer_valued(self) -> bool:
        return self.kind in ("numeric", "bool") and self.non_integer == 0

    @property
    def distinct_count(self) -> int | None:
        """How many distinct values: exact under the cap, or from the bitmap past it."""
        if self.distinct is not None:
            return len(self.distinct)
        if self.present is not None:
            return int(np.bitwise_count(np.frombuffer(self.present, dtype=np.uint8)).sum())
        return None

    def sorted_distinct(self) -> list[tuple[Any, int]] | None:
        """Distinct values and their counts, sorted by value; None when not tracked."""
        if self.distinct is None:
            return None
        try:
            return sorted(self.distinct.items())
        except TypeError:  # mixed types: sort by their text
            return sorted(self.distinct.items(), key=lambda kv: str(kv[0]))

    def summary(self) -> dict[str, Any]:
        """The per-column figures of the JSON report (SPEC §6)."""
        out: dict[str, Any] = {
            "type": self.dtype,
            "count": self.count,
            "nulls": self.nulls,
            "nan": self.nan,
            "inf": self.inf,
        }
        if self.kind in ("numeric", "bool", "list"):
            out.update(
                min=to_python(self.min),
                max=to_python(self.max),
                mean=None if self.n == 0 else self.mean,
                std=None if self.n == 0 else self.std,
            )
        if self.distinct_count is not None:
            out["distinct"] = self.distinct_count
        return out

    # ------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain data (for Dask transport and the fix plan); inverse of :meth:`from_dict`."""
        data = {f: getattr(self, f) for f in self.__dataclass_fields__}
        if self.distinct is not None:
            data["distinct"] = [[k, v] for k, v in self.distinct.items()]
        if self.hist is not None:
            data["hist"] = self.hist.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnStats:
        data = dict(data)
        if data.get("distinct") is not None:
            data["distinct"] = {k: v for k, v in data["distinct"]}
        if data.get("hist") is not None:
            data["hist"] = SymlogHistogram.from_dict(data["hist"])
        return cls(**data)


#: Chunks longer than this get the blocked kernels below.
_BLOCK = 1 << 16
#: Bytes per block of the blocked pass: the block and its shifted copy stay in a core's
#: L2 cache (128K float32 values measured ~8% faster than 64K: fewer numpy calls).
_PASS_BYTES = 1 << 19
#: Values sampled to shift the data before the one-pass moments.
_SAMPLE = 4096
#: Longest row for the per-row minima and maxima that locate the extremes. numpy
#: reduces rows of 4096 values at the speed of a flat pass; rows of 1024 cost twice that.
_ROW = 4096
#: Fewest rows of row extremes: the extremes read about ``EXTREMES_K`` of them.
_MIN_ROWS = 64
#: Up to this many distinct label values, the extremes come from the counts.
_FEW_DISTINCT = 1024
#: Row length for BLAS dot products (OpenBLAS threads a ddot above 10,000).
_DOT_ROW = 8192
_ONES = np.ones((_BLOCK // _DOT_ROW, _DOT_ROW))  # read-only
#: Documented accuracy of the blocked pass (:func:`_fused_pass`) over float32 data against
#: numpy on the same values cast to float64: the mean within this many standard deviations...
F32_MEAN_TOL = 1e-5
#: ... and the sum of squared deviations (so the variance) within this relative error.
F32_M2_RTOL = 1e-4


def _row_width(n: int) -> int:
    """Row length for the row extremes of ``n`` values: at most ``_ROW``, ``_MIN_ROWS`` rows."""
    width = _ROW
    while width > 256 and n // width < _MIN_ROWS:
        width //= 2
    return width


@dataclass
class _Bounds:
    """Min and max of an array, and (for long ones) of each row of ``width`` values.

    The row extremes cost about what a plain min/max pass costs and let
    :func:`_extremes` find the k largest values in a few rows instead of
    partitioning the whole chunk.
    """

    lo: Any
    hi: Any
    row_lo: np.ndarray | None = None
    row_hi: np.ndarray | None = None
    width: int = _ROW

    @classmethod
    def of(cls, values: np.ndarray) -> _Bounds:
        if values.size <= _BLOCK:
            return cls(values.min(), values.max())
        width = _row_width(values.size)
        body = values.size - values.size % width
        rows = values[:body].reshape(-1, width)
        row_lo, row_hi = rows.min(axis=1), rows.max(axis=1)
        lo, hi = row_lo.min(), row_hi.max()
        if body < values.size:
            # numpy's minimum, not Python's min: a NaN in the tail must reach lo/hi
            # (``finite`` then masks it); min(lo, nan) is lo
            tail = values[body:]
            lo, hi = np.minimum(lo, tail.min()), np.maximum(hi, tail.max())
        return cls(lo, hi, row_lo, row_hi, width)

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.lo) and np.isfinite(self.hi))


def _fusable(values: np.ndarray) -> bool:
    """Whether :func:`_fused_pass` applies: a long float32 or float64 chunk."""
    return values.dtype in (np.float32, np.float64) and values.size > _BLOCK


def row_width(n: int) -> int:
    """Values per row of the row bounds of a chunk of ``n`` values (see :class:`_Bounds`)."""
    return _row_width(n)


def sample_shift(values: np.ndarray) -> float:
    """The shift of the one-pass moments: the mean of a strided sample of the finite values."""
    n = values.size
    sample = values[:: max(1, n // _SAMPLE)]
    with np.errstate(over="ignore", invalid="ignore"):
        c = sample.mean(dtype=np.float64)
        if not np.isfinite(c):
            sample = sample[np.isfinite(sample)]
            c = sample.mean(dtype=np.float64) if sample.size else 0.0
    return float(c) if np.isfinite(c) else 0.0


@dataclass
class FloatPass:
    """The one-pass statistics of a float chunk, computed elsewhere (the compiled batch pass).

    Over the finite values: counts of NaN/+Inf/-Inf, bounds ``lo``/``hi``, per-row
    bounds (rows of ``width`` values over the first ``n - n % width``; a row with
    no finite value holds (+Inf, -Inf)) and the sums of ``x - shift`` and of its
    square. ``overflow``: a square overflowed float64 (the float64 kernels redo it).
    """

    nan: int
    posinf: int
    neginf: int
    lo: float
    hi: float
    row_lo: np.ndarray
    row_hi: np.ndarray
    width: int
    shift: float
    s1: float
    s2: float
    overflow: bool = False

    def to_pass(self, values: np.ndarray) -> _Pass | None:
        if self.overflow:
            return None
        t = values.dtype.type
        n = values.size - self.nan - self.posinf - self.neginf
        out = _Pass(
            _Bounds(t(self.lo), t(self.hi), self.row_lo, self.row_hi, self.width),
            n=n,
            mean=0.0,
            m2=0.0,
            nan=self.nan,
            posinf=self.posinf,
            neginf=self.neginf,
        )
        if n:
            shift = self.s1 / n
            out.mean, out.m2 = self.shift + shift, max(self.s2 - self.s1 * shift, 0.0)
        return out


@dataclass
class _Pass:
    """What :func:`_fused_pass` found in one chunk."""

    bounds: _Bounds  # of the finite values; rows without one hold +Inf/-Inf
    n: int  # finite values
    mean: float
    m2: float
    nan: int = 0
    posinf: int = 0
    neginf: int = 0


def _fused_pass(values: np.ndarray) -> _Pass | None:
    """Counts, bounds, row bounds and moments of a long float chunk, in one blocked pass.

    The chunk is read once from memory: each block of ``_PASS_BYTES`` (it stays
    in the core's L2 cache) gets its row minima and maxima,
    then is shifted by ``c`` (the mean of a strided sample) into a buffer of the
    values' type, whose sum and sum of squares (:func:`_block_sums`) give
    ``s1`` and ``s2``; block sums are accumulated in float64. Then
    ``mean = c + s1/n`` and ``m2 = s2 - s1**2/n``: about half the time of
    separate bounds and moments passes. float32 blocks are summed in float32
    (their accuracy against float64: ``F32_MEAN_TOL``, ``F32_M2_RTOL``).

    A NaN or an Inf makes the block's sums non-finite, which is how a block is
    found to hold one: only such blocks are masked (non-finite values counted,
    then left out of the row bounds and the sums). A row with no finite value
    gets bounds (+Inf, -Inf), so it is never a candidate in :func:`_extremes`,
    which skips non-finite candidates.

    This is the numpy route: short chunks, and machines where the compiled
    kernels (``kernels.c``, :mod:`labelcheck.stats.fused`) were not built, take
    it; the compiled pass computes the same from the same values (and hashes the
    rows in the same read). None when finite values' squares overflow (float32
    values beyond ~1.8e19 from the mean): the caller falls back to the float64
    kernels.
    """
    n = values.size
    width = _row_width(n)
    body = n - n % width
    row_lo = np.empty(body // width, dtype=values.dtype)
    row_hi = np.empty(body // width, dtype=values.dtype)
    sample = values[:: n // _SAMPLE]
    with np.errstate(over="ignore", invalid="ignore"):
        c = sample.mean(dtype=np.float64)
        if not np.isfinite(c):
            sample = sample[np.isfinite(sample)]
            c = sample.mean(dtype=np.float64) if sample.size else 0.0
    c = values.dtype.type(c)
    block = _PASS_BYTES // values.itemsize  # a multiple of any row width
    buf = np.empty(block, dtype=values.dtype)
    out = _Pass(_Bounds(0.0, 0.0), n=n, mean=0.0, m2=0.0)
    s1 = s2 = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, body, block):
            part = values[start : min(start + block, body)]
            rows = part.reshape(-1, width)
            i, j = start // width, start // width + rows.shape[0]
            # fmin/fmax skip NaN (as fast as minimum/maximum): a block with NaN but
            # no Inf keeps these row bounds and only masks its sums.
            np.fmin.reduce(rows, axis=1, out=row_lo[i:j])
            np.fmax.reduce(rows, axis=1, out=row_hi[i:j])
            d = buf[: part.size]
            np.subtract(part, c, out=d)
            b1, b2 = _block_sums(d)
            if not math.isfinite(b2):  # a NaN or an Inf in the block (or an overflow)
                b1, b2 = _mask_block(part, d, width, row_lo[i:j], row_hi[i:j], out)
                if not math.isfinite(b2):
                    return None
            s1 += b1
            s2 += b2
        lo, hi = (row_lo.min(), row_hi.max()) if body else (np.inf, -np.inf)
        if body < n:
            tail = values[body:]
            fin = np.isfinite(tail)
            if not fin.all():
                _count_nonfinite(tail[~fin], out)
                tail = tail[fin]
            if tail.size:
                lo, hi = min(lo, tail.min()), max(hi, tail.max())
                dt = tail.astype(np.float64) - float(c)
                s1 += float(dt.sum())
                s2 += float(np.dot(dt, dt))  # fewer than _ROW values: one BLAS thread
                if not math.isfinite(s2):
                    return None
    out.n -= out.nan + out.posinf + out.neginf
    out.bounds = _Bounds(lo, hi, row_lo, row_hi, width)
    if out.n:
        shift = s1 / out.n
        out.mean, out.m2 = float(c) + shift, max(s2 - s1 * shift, 0.0)
    return out


def _block_sums(d: np.ndarray) -> tuple[float, float]:
    """Sum and sum of squares of one block (float32 or float64), single-threaded BLAS.

    float32: numpy's pairwise sum and ``sdot`` (OpenBLAS keeps it on one thread
    whatever the length). float64: rows of ``_DOT_ROW`` values, because
    OpenBLAS threads a ``ddot`` above 10,000 and its threads, woken for long
    vectors, spin against the scan's own workers (10x slower here).
    """
    if d.dtype == np.float32:
        return float(np.add.reduce(d)), float(np.dot(d, d))
    if d.size == _ONES.size:
        rows = d.reshape(-1, _DOT_ROW)
        return float(np.vecdot(rows, _ONES).sum()), float(np.vecdot(rows, rows).sum())
    return float(np.add.reduce(d)), float(np.add.reduce(d * d))


def _mask_block(
    part: np.ndarray,
    d: np.ndarray,
    width: int,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    out: _Pass,
) -> tuple[float, float]:
    """A block holding NaN/Inf (``d`` is ``part`` shifted): count them, redo its sums without.

    The row bounds came from fmin/fmax, which skip NaN: only an Inf (rare)
    needs them redone. A row with no finite value gets (+Inf, -Inf).
    """
    if np.isinf(row_lo).any() or np.isinf(row_hi).any():
        bad = ~np.isfinite(part)
        _count_nonfinite(part[bad], out)
        clean = np.where(bad, np.nan, part).reshape(-1, width)
        np.fmin.reduce(clean, axis=1, out=row_lo)
        np.fmax.reduce(clean, axis=1, out=row_hi)
    else:
        bad = np.isnan(part)
        out.nan += int(np.count_nonzero(bad))
    empty = np.isnan(row_lo)
    if empty.any():
        row_lo[empty], row_hi[empty] = np.inf, -np.inf
    d[bad] = 0.0
    return _block_sums(d)


def _count_nonfinite(bad: np.ndarray, out: _Pass) -> None:
    nan = int(np.isnan(bad).sum())
    pos = int((bad > 0).sum())
    out.nan += nan
    out.posinf += pos
    out.neginf += bad.size - nan - pos


def _moments_of_counts(counts: dict[Any, int], n: int) -> tuple[float, float]:
    """Mean and m2 of values given as value -> count (exact two-pass formula, float64)."""
    keys = np.fromiter((float(k) for k in counts), dtype=np.float64, count=len(counts))
    weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(np.dot(keys, weights)) / n
        dev = keys - mean
        m2 = float(np.dot(weights, dev * dev))
    if math.isfinite(m2):
        return mean, m2
    return _moments_near_limit(keys, weights)


#: An exact power of two: float64 values times it, and n of their squares, sum finite.
_DOWN = 2.0**-600


def _moments_near_limit(values: np.ndarray, weights: np.ndarray | None) -> tuple[float, float]:
    """Mean and m2 of finite values whose sums or squares overflow float64 (past ~1e154).

    Computed on the values scaled down by ``_DOWN`` (exact, a power of two;
    only values below ~1e-127 lose digits, which cannot move moments this
    large), then scaled back: the mean is always finite (it lies between the
    min and the max); m2 is infinite only when it is itself beyond float64.
    """
    x = np.multiply(values, _DOWN, dtype=np.float64)
    w = np.ones_like(x) if weights is None else weights
    n = float(w.sum())
    # Shifted by a value of the data, clamped to the range: equal values get their
    # own value as the mean exactly (an ulp off near 1e308 would scale back to Inf).
    c = float(x[0])
    mean = min(max(c + float(np.dot(w, x - c)) / n, float(x.min())), float(x.max()))
    dev = x - mean
    s1 = float(np.dot(w, dev))  # corrected two-pass: the mean's rounding leaves m2
    m2 = max(float(np.dot(w, dev * dev)) - s1 * s1 / n, 0.0)
    return mean / _DOWN, m2 / _DOWN / _DOWN  # Python floats: past float64, inf, silently


def _moments(values: np.ndarray) -> tuple[float, float]:
    """Mean and sum of squared deviations, in float64, of finite ``values``.

    Small arrays: the exact two-pass formula. Large ones: one pass over
    cache-sized float64 blocks of ``values - c``, where ``c`` is the mean of a
    strided sample: ``m2 = sum(d**2) - sum(d)**2 / n`` then cancels at most
    ``log10(n / sample)`` digits (the sample mean lies within
    ``sqrt(n / sample)`` standard deviations of the mean), and no float64 copy
    of the whole chunk is made. Chunks are then merged with Chan's update.
    Values whose squares overflow float64 (past ~1e154) are redone scaled down
    (:func:`_moments_near_limit`): the mean stays finite, m2 is infinite only
    when it is itself beyond float64, silently (LC106 reports such values).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return _moments_unchecked(values)


def _moments_unchecked(values: np.ndarray, *, blocked: bool = True) -> tuple[float, float]:
    n = values.size
    if n <= _BLOCK or not blocked:
        mean = float(values.sum(dtype=np.float64)) / n
        centred = values.astype(np.float64) - mean
        m2 = float(np.add.reduce(np.square(centred, out=centred)))
        return (mean, m2) if math.isfinite(m2) else _moments_near_limit(values, None)
    c = float(values[:: n // _SAMPLE].mean(dtype=np.float64))
    buf = np.empty(_BLOCK, dtype=np.float64)
    s1 = s2 = 0.0
    for start in range(0, n, _BLOCK):
        part = values[start : start + _BLOCK]
        block = buf[: part.size]
        np.subtract(part, c, out=block, dtype=np.float64)  # not float32 (NEP 50)
        if block.size == _BLOCK:
            # Row-wise dot products: BLAS speed, but rows short enough that
            # OpenBLAS stays single-threaded (its threads, woken for long
            # vectors, spin against the scan's own workers: 10x slower here).
            rows = block.reshape(-1, _DOT_ROW)
            s1 += float(np.vecdot(rows, _ONES).sum())
            s2 += float(np.vecdot(rows, rows).sum())
        else:
            s1 += float(np.add.reduce(block))
            s2 += float(np.add.reduce(np.square(block, out=block)))
    if not math.isfinite(s2):  # values near the float64 limit: the plain two-pass formula
        return _moments_unchecked(values, blocked=False)
    d = s1 / n
    return c + d, max(s2 - s1 * d, 0.0)


def _extremes(
    values: np.ndarray, bounds: _Bounds, k: int, *, skip_nonfinite: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest (descending) and smallest (ascending) of finite ``values``, exact.

    A full ``np.partition`` costs several passes. Instead, with ``t`` the k-th
    largest row maximum, at least k values are >= t (those rows' maxima), so
    the top k are among the values >= t, all in rows whose maximum is >= t (or
    in the tail): a compare over about k rows, then a sort of the few values
    that pass. When ``t`` is the maximum itself, k rows hold it, so the top k
    are all the maximum (ties) and nothing more is read. With
    ``skip_nonfinite``, ``values`` may hold NaN/Inf that ``bounds`` (from
    :func:`_fused_pass`) left out: the candidates are filtered.
    """
    if skip_nonfinite and (bounds.row_hi is None or bounds.row_hi.size < k):
        values, skip_nonfinite = values[np.isfinite(values)], False
    n = values.size
    if n <= 2 * k:
        ordered = np.sort(values)
        return ordered[::-1][:k], ordered[:k]
    if bounds.row_hi is None or bounds.row_lo is None or bounds.row_hi.size < k:
        top = np.sort(np.partition(values, n - k)[n - k :])[::-1]
        return top, np.sort(np.partition(values, k - 1)[:k])
    m = bounds.row_hi.size
    body = m * bounds.width
    rows = values[:body].reshape(-1, bounds.width)
    tail = values[body:]
    t_hi = np.partition(bounds.row_hi, m - k)[m - k]
    if t_hi == bounds.hi:
        top = np.full(k, bounds.hi)
    else:
        cand = rows[np.flatnonzero(bounds.row_hi >= t_hi)].ravel()
        cand = np.concatenate([cand[cand >= t_hi], tail[tail >= t_hi]])
        if skip_nonfinite:
            cand = cand[np.isfinite(cand)]
        top = np.sort(cand)[::-1][:k]
    t_lo = np.partition(bounds.row_lo, k - 1)[k - 1]
    if t_lo == bounds.lo:
        bottom = np.full(k, bounds.lo)
    else:
        cand = rows[np.flatnonzero(bounds.row_lo <= t_lo)].ravel()
        cand = np.concatenate([cand[cand <= t_lo], tail[tail <= t_lo]])
        if skip_nonfinite:
            cand = cand[np.isfinite(cand)]
        bottom = np.sort(cand)[:k]
    return top, bottom


def _expand(items: list[tuple[Any, int]], k: int) -> list[float]:
    """The first ``k`` values of ``items`` (value, count) repeated by count."""
    out: list[float] = []
    for value, count in items:
        out.extend([float(value)] * min(count, k - len(out)))
        if len(out) >= k:
            break
    return out


def _value_counts(
    values: np.ndarray, lo: Any, hi: float, integral: np.ndarray | None, cap: int
) -> dict[Any, int] | None:
    """Distinct finite values with counts (None past ``cap``); bincount for small ints.

    ``lo`` is the exact minimum, of the values' own type.
    """
    if (values.dtype.kind in "iu" or (integral is not None and bool(integral.all()))) and (
        hi - float(lo) < 1 << 20
    ):
        # Shift by the exact minimum in a type that cannot overflow: int8 -128..127
        # minus -128 wraps in int8, and float(lo) rounds int64 ids beyond 2**53.
        base = lo
        if values.dtype == np.int64 and 0 <= base < 1024:
            base, shifted = np.int64(0), values  # class ids: count them in place, no copy
        elif values.dtype.kind == "i":
            shifted = values.astype(np.int64, copy=False) - np.int64(base)
        else:  # unsigned (values >= base, so no wrap) or integral floats
            shifted = values - base
        counts = np.bincount(shifted.astype(np.int64, copy=False))
        offsets = np.flatnonzero(counts)
        if offsets.size > cap:
            return None
        start = int(base) if values.dtype.kind in "iu" else float(base)
        keys = [start + off for off in offsets.tolist()]
        return {to_python(k): int(c) for k, c in zip(keys, counts[offsets].tolist(), strict=True)}
    uniq, counts = np.unique(values, return_counts=True)
    if uniq.size > cap:
        return None
    return {to_python(v): int(c) for v, c in zip(uniq.tolist(), counts.tolist(), strict=True)}


def _bits_of_values(values: np.ndarray, lo: Any, hi: Any) -> bytes | None:
    """The presence bitmap of integer-valued ``values`` (None outside [0, PRESENT_LIMIT))."""
    if lo < 0 or hi >= PRESENT_LIMIT:
        return None
    seen = np.zeros(int(hi) + 1, dtype=bool)
    seen[values.astype(np.int64, copy=False)] = True
    return np.packbits(seen, bitorder="little").tobytes()


def _bits_of_keys(counts: dict[Any, int]) -> bytes | None:
    """The presence bitmap of the values counted in ``counts`` (None if not all eligible)."""
    keys = list(counts)
    if not all(type(k) is int and 0 <= k < PRESENT_LIMIT for k in keys):
        return None
    if not keys:
        return b""
    ids = np.fromiter(keys, dtype=np.int64, count=len(keys))
    return _bits_of_values(ids, 0, int(ids.max()))


def _or_bits(a: bytes | None, b: bytes | None) -> bytes | None:
    """Union of two presence bitmaps; unknown (None) if either is."""
    if a is None or b is None:
        return None
    if len(a) < len(b):
        a, b = b, a
    out = np.frombuffer(a, dtype=np.uint8).copy()
    out[: len(b)] |= np.frombuffer(b, dtype=np.uint8)
    return out.tobytes()


def _merge_hist(a: SymlogHistogram | None, b: SymlogHistogram | None) -> SymlogHistogram | None:
    """Histograms of both parts; a part without one (built by hand) contributes nothing."""
    if a is None or b is None:
        return None if a is None and b is None else (a or b).merge(SymlogHistogram())
    return a.merge(b)


def _merge_markers(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    """Marker spellings with counts; past ``_MARKER_FORMS`` spellings, the rest pool under
    their normalised form (counts stay exact)."""
    out = dict(a)
    for key, value in b.items():
        if key not in out and len(out) >= _MARKER_FORMS:
            key = key.strip().lower()
        out[key] = out.get(key, 0) + value
    return out


def _merge_counts(a: dict[Any, int], b: dict[Any, int], cap: int) -> dict[Any, int] | None:
    """Union of two value->count maps, or None once more than ``cap`` values."""
    out = dict(a)
    for key, value in b.items():
        out[key] = out.get(key, 0) + value
    return None if len(out) > cap else out
