"""Row statistics: duplicate rows, conflicting labels and the row keys for leakage.

:class:`RowStats` is the per-dataset accumulator beside the per-column
:class:`~labelcheck.stats.column.ColumnStats`. For every row it keeps two
independent 64-bit hashes of the features (:mod:`labelcheck.stats.rowhash`)
and a 64-bit key of the label: 16 bytes per row, 24 with a label column.
Hashes are sums over columns, so the statistics of column groups of one unit
(scanned by different threads) and of different units (threads, files, Dask
partitions) merge exactly; rows are numbered per unit and turned into global
row numbers (unit order) only at the end, so units may finish in any order.

Past ``spill_rows`` rows in memory, finished units are written to hash
partitions (by the top bits of the first hash) in a temporary directory, and
the end result is computed one partition at a time: memory stays flat.

A split checked against a reference that lacks some of its columns keeps a
second accumulator (``RowStats.shared``, 16-24 more bytes per row) hashed on
the columns both have, for leakage; its duplicates and conflicts stay on all
its columns.

Exactness: rows are "equal" when both feature hashes and the label key are
equal. Numbers and bools are keyed exactly (their canonical float64 bits), so
only text can collide, and only if two independent 64-bit hashes collide at
once (about 2**-128 per pair). Text labels are confirmed: every distinct label
key remembers its value (:class:`LabelTexts`, up to a budget of text), so two
labels with one key are caught and a conflict's labels print as themselves.
"""

from __future__ import annotations

import os
import shutil
import sys
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from labelcheck.stats.rowhash import (
    NATIVE_MIN_ROWS,
    NULL_KEY,
    U64,
    Column,
    is_text,
    label_keys,
    row_columns,
    row_sums,
    text_label_keys,
)

#: Rows kept in memory before finished units spill to disk (24 bytes each: ~1.2 GB).
SPILL_ROWS = 50_000_000
#: Hash partitions on disk (by the top bits of the first feature hash).
SPILL_PARTS = 64
#: Bytes of distinct text labels remembered for confirmation and examples, their keys
#: included (about 50,000 labels of 16 characters; past it, labels first seen later
#: print as not kept and the labels are not confirmed): memory stays bounded.
LABEL_TEXT_BYTES = 2 << 20
#: Bytes per remembered label besides its text: its key and where its text is.
_PER_LABEL = 16
#: Printed for a text label whose value was not kept (past ``LABEL_TEXT_BYTES``).
LABEL_NOT_KEPT = "<a text label not kept>"
#: Groups and row numbers listed in a summary.
EXAMPLES = 5

#: Units numbered from here were appended by ``update(batch)`` without a unit.
_AUTO = 1 << 40
_Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
_RECORD = np.dtype([("unit", "<i8"), ("row", "<i8"), ("a", "<u8"), ("b", "<u8"), ("lab", "<u8")])


@dataclass
class _UnitPart:
    """Partial hashes of one unit's rows (the columns ``covered`` so far)."""

    a: np.ndarray
    b: np.ndarray
    lab: np.ndarray | None
    covered: int

    def add(self, other: _UnitPart, *, in_place: bool = False, consume: bool = False) -> _UnitPart:
        """Both column groups' hashes; ``in_place`` adds into this part's arrays;
        ``consume``: ``other`` is used no more (its arrays are recycled)."""
        if self.a.size != other.a.size:
            raise ValueError("column groups of one unit disagree on its number of rows")
        if self.lab is not None and other.lab is not None:
            raise ValueError("the label of a unit was hashed twice")
        lab = self.lab if other.lab is None else other.lab
        covered = self.covered + other.covered
        if in_place:
            np.add(self.a, other.a, out=self.a)
            np.add(self.b, other.b, out=self.b)
            native = sys.modules.get("labelcheck.stats.native")  # loaded: long batches
            if consume and native is not None:
                native.recycle(other.a, other.b)
            return _UnitPart(self.a, self.b, lab, covered)
        return _UnitPart(self.a + other.a, self.b + other.b, lab, covered)


@dataclass
class RowGroups:
    """Rows in groups (duplicates or conflicts): every involved row, its group, its label key."""

    rows: np.ndarray  # int64 global row numbers, grouped, ascending within a group
    group: np.ndarray  # int64 group id (0.. by first row)
    lab: np.ndarray  # uint64 label key of each row
    a: np.ndarray  # uint64 feature hashes of each row (what a fix matches rows by)
    b: np.ndarray

    @classmethod
    def empty(cls) -> RowGroups:
        z = np.zeros(0, U64)
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), z, z, z)

    @property
    def n_groups(self) -> int:
        return int(self.group.max()) + 1 if self.group.size else 0

    @property
    def n_rows(self) -> int:
        return int(self.rows.size)

    def examples(self, groups: int = EXAMPLES, rows: int = EXAMPLES) -> list[list[int]]:
        """Row numbers of the first few groups (first few rows each)."""
        out: list[list[int]] = []
        for g in range(min(groups, self.n_groups)):
            out.append(self.rows[self.group == g][:rows].tolist())
        return out

    def copies(self) -> np.ndarray:
        """Every row but the first of each group (what "drop the copies" drops)."""
        first = np.ones(self.rows.size, dtype=bool)
        first[1:] = self.group[1:] != self.group[:-1]
        return self.rows[~first]


@dataclass
class RowSummary:
    """What the row rules need: computed once from :class:`RowStats` at the end."""

    rows: int
    columns: tuple[str, ...]
    label: str | None
    duplicates: RowGroups
    conflicts: RowGroups
    labels_confirmed: bool
    #: The text labels by key; None: the labels are numbers (read back from their keys).
    label_texts: LabelTexts | None
    #: Distinct feature rows (an upper bound for how many rows could be unique).
    distinct_features: int

    def label_of(self, key: int) -> Any:
        """The label value with this key (numbers from their bits, text remembered)."""
        key = int(key)
        if key == int(NULL_KEY):
            return None
        if self.label_texts is not None:
            found = self.label_texts.get(key)
            return LABEL_NOT_KEPT if found is None else found[0]
        return float(np.array([key], dtype=U64).view(np.float64)[0])


@dataclass
class LabelTexts:
    """Distinct text labels by key: numpy keys (sorted) pointing into the kept values
    (Arrow chunks, each label's text once: no Python object per label), so millions
    of classes cost their text, not a dict.

    A batch's labels already known are compared with the kept ones (two values
    with one key: ``confirmed`` False); the new ones are appended and the keys
    re-sorted in amortised compactions. Past ``LABEL_TEXT_BYTES`` new labels are
    not kept (``full``; not confirmed).
    """

    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, U64))  # sorted, unique
    at: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # where each is kept
    chunks: list[pa.Array] = field(default_factory=list)
    kept: int = 0  # values in ``chunks``
    pending: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (keys, at)
    pending_rows: int = 0
    nbytes: int = 0
    confirmed: bool = True
    full: bool = False

    def add(self, values: pa.Array, keys: np.ndarray | None = None) -> None:
        """Remember the distinct non-null ``values`` of a batch (``keys``: their label keys)."""
        if len(values) == 0 or self.full:
            return
        values = _label_text(values)
        keys = label_keys(values) if keys is None else keys
        known = self._find(keys)
        if known is not None:
            hit = known >= 0
            if hit.any():
                self._confirm(values.filter(_mask(hit)), known[hit])
                keys, values = keys[~hit], values.filter(_mask(~hit))
        if len(values) == 0:
            return
        if self.full:
            return
        cost = values.nbytes + _PER_LABEL * len(values)
        if self.nbytes + cost > LABEL_TEXT_BYTES:  # too much text to keep: what fits
            self.full, self.confirmed = True, False
            fits = (LABEL_TEXT_BYTES - self.nbytes) * len(values) // cost
            if fits <= 0:
                return
            keys, values = keys[:fits], values.slice(0, fits)
            cost = values.nbytes + _PER_LABEL * len(values)
        self.pending.append((keys, np.arange(self.kept, self.kept + len(values))))
        self.chunks.append(values)
        self.kept += len(values)
        self.pending_rows += len(values)
        self.nbytes += cost
        if self.pending_rows > max(self.keys.size, 1 << 12):
            self.compact()

    def absorb(self, other: LabelTexts) -> None:
        other.compact()
        self.confirmed = self.confirmed and other.confirmed
        self.full = self.full or other.full
        if other.keys.size:  # its labels with their keys: not hashed again
            self.add(other._take(other.at), other.keys)

    def copy(self) -> LabelTexts:
        self.compact()
        return LabelTexts(
            self.keys, self.at, list(self.chunks), self.kept, [], 0, self.nbytes,
            self.confirmed, self.full,
        )  # fmt: skip

    def get(self, key: int) -> tuple[Any] | None:
        """``(value,)`` of the label with this key, None if not kept."""
        self.compact()
        i = int(np.searchsorted(self.keys, U64(key)))
        if i >= self.keys.size or int(self.keys[i]) != key:
            return None
        return (self._value(int(self.at[i])).as_py(),)

    def compact(self) -> None:
        """Merge the pending keys in (sorted); a key met twice keeps its first value.

        Pending keys are new (``add`` filters the kept ones) but may repeat among
        themselves: they are sorted and deduplicated alone, then inserted, so the
        peak is the kept arrays and their successors, not a sort of everything.
        """
        if not self.pending:
            return
        keys = np.concatenate([k for k, _ in self.pending])
        at = np.concatenate([a for _, a in self.pending])
        order = np.argsort(keys, kind="stable")
        keys, at = keys[order], at[order]
        dup = np.flatnonzero(keys[1:] == keys[:-1])  # new in two batches of one window
        if dup.size:
            for i in dup.tolist():
                if self._value(int(at[i])) != self._value(int(at[i + 1])):
                    self.confirmed = False
            keep = np.ones(keys.size, dtype=bool)
            keep[dup + 1] = False
            keys, at = keys[keep], at[keep]
        where = np.searchsorted(self.keys, keys)
        self.keys = np.insert(self.keys, where, keys)
        self.at = np.insert(self.at, where, at)
        self.pending, self.pending_rows = [], 0

    def _find(self, keys: np.ndarray) -> np.ndarray | None:
        """Where each of ``keys`` is kept among the compacted keys (-1: not there)."""
        if self.keys.size == 0:
            return None
        order = np.argsort(keys)  # sorted needles: a cache-friendly search
        i = np.empty(keys.size, dtype=np.int64)
        i[order] = np.searchsorted(self.keys, keys[order])
        np.minimum(i, self.keys.size - 1, out=i)
        return np.where(self.keys[i] == keys, self.at[i], -1)

    def _confirm(self, values: pa.Array, at: np.ndarray) -> None:
        """Known keys: their values must be the kept ones."""
        import pyarrow.compute as pc

        if not self.confirmed:
            return
        kept = self._take(at)
        if not pc.all(pc.equal(values, kept)).as_py():
            self.confirmed = False

    def _take(self, at: np.ndarray) -> pa.Array:
        import pyarrow.compute as pc

        if len(self.chunks) > 1:  # one array, once: later batches are checked against it
            self.chunks = [pa.concat_arrays(self.chunks)]
        return pc.take(self.chunks[0], _indices(at))

    def _value(self, at: int) -> pa.Scalar:
        if len(self.chunks) > 1:
            self.chunks = [pa.concat_arrays(self.chunks)]
        return self.chunks[0][at]


def _mask(mask: np.ndarray) -> pa.Array:
    """numpy bools as Arrow (not ``pa.array``: on numpy input it imports pandas)."""
    bits = np.packbits(mask, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), mask.size, [None, pa.py_buffer(bits)])


def _indices(at: np.ndarray) -> pa.Array:
    """numpy int64 indices as Arrow (zero-copy; see :func:`_mask`)."""
    at = np.ascontiguousarray(at, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), at.size, [None, pa.py_buffer(at)])


def _label_text(values: pa.Array) -> pa.Array:
    """One layout for every batch's text labels (large offsets: concatenation never overflows)."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    t = values.type
    if pa.types.is_binary(t) or pa.types.is_binary_view(t):
        return values.cast(pa.large_binary())
    if pa.types.is_large_binary(t) or pa.types.is_large_string(t):
        return values
    return values.cast(pa.large_string())


@dataclass
class LeakSummary:
    """Rows of a split whose features (and label) also occur in a reference."""

    rows: int
    columns: tuple[str, ...]
    leaked: np.ndarray  # int64 row numbers of the split
    same_label: int
    a: np.ndarray  # uint64 feature hashes of the leaked rows (what a fix matches them by)
    b: np.ndarray
    #: int64, one per leaked row: the first reference row with its features (its
    #: label too when one has it), so a leak can be looked up in the reference.
    reference_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass
class RowStats:
    """Mergeable row hashes of one dataset. See the module docstring.

    ``shared``: the same rows hashed on a subset of the features (the columns a
    reference split has too), for leakage (:meth:`leakage`); duplicates and
    conflicts (:meth:`summary`) stay on every feature. Hashes are sums over
    columns, so the subset's sums are computed once and the full hashes add the
    other columns' to them: one read of the data gives both.
    """

    features: tuple[str, ...]
    label: str | None
    spill_rows: int = SPILL_ROWS
    parts: dict[int, _UnitPart] = field(default_factory=dict)
    #: The text labels by key (None until a text label is seen).
    label_texts: LabelTexts | None = None
    #: False once a label is neither a number nor text (keyed by its text form: unconfirmed).
    labels_confirmed: bool = True
    spill: _Spill | None = None
    more: dict[int, list[_UnitPart]] = field(default_factory=dict)  # later batches of a unit
    #: Finished units in memory (all columns hashed: spillable) and their rows, kept as
    #: units finish, so that the spill check after each fold is not a walk of every unit.
    _done: dict[int, None] = field(default_factory=dict, init=False, repr=False)
    _held: int = field(default=0, init=False, repr=False)
    shared: RowStats | None = None
    #: Text features hashed as numbers (:class:`~labelcheck.stats.rowhash.AsNumber`).
    numbers: tuple[str, ...] = ()

    @classmethod
    def over(
        cls,
        features: tuple[str, ...],
        label: str | None,
        spill_rows: int = SPILL_ROWS,
        shared: tuple[str, ...] | None = None,
        numbers: tuple[str, ...] = (),
    ) -> RowStats:
        """Row hashes on ``features``, and (``shared``, a subset) on the columns a
        reference has too, when those are fewer; ``numbers``: text features hashed as
        numbers (in both)."""
        out = cls(features, label, spill_rows, numbers=tuple(numbers))
        if shared is not None and set(shared) != set(features):
            if not set(shared) <= set(features):
                raise ValueError("the shared columns must be some of the hashed features")
            inner = tuple(n for n in numbers if n in shared)
            out.shared = cls(tuple(shared), label, spill_rows, numbers=inner)
        return out

    @property
    def width(self) -> int:
        """Columns hashed per row (a unit is finished when all are covered)."""
        return len(self.features) + (1 if self.label else 0)

    # ------------------------------------------------------------------ build
    def hashed(self, batch: pa.RecordBatch | pa.Table) -> list[tuple[str, Column]]:
        """The feature columns of ``batch`` whose row sums :meth:`update` takes as ``sums``,
        as it hashes them: every hashed one, or with ``shared``, the shared ones (the
        others are added here)."""
        if self.shared is not None:
            return self.shared.hashed(batch)
        return row_columns(batch, self.features, self.numbers)

    def update(
        self,
        batch: pa.RecordBatch | pa.Table,
        unit: int | None = None,
        sums: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """Fold in one batch of ``unit`` (batches of a unit in order, any subset of columns).

        ``unit=None``: the batch follows every row seen so far (all columns at once),
        and merging such statistics puts the other's rows after these. ``sums``: the
        row sums of :meth:`hashed`'s columns, already computed (the compiled batch pass).
        """
        if unit is None:
            unit = self._next_auto()
        names = set(batch.schema.names)
        cols = row_columns(batch, self.features, self.numbers)
        has_label = self.label is not None and self.label in names
        if not cols and not has_label:
            return
        n = batch.num_rows
        lab = self._label(batch.column(self.label)) if has_label else None
        if self.shared is None:
            a, b = sums if sums is not None else row_sums(cols, n)
        else:  # the shared columns' sums, then the others' added to a copy of them
            inner = set(self.shared.features)
            mine = [c for c in cols if c[0] in inner]
            sa, sb = sums if sums is not None else row_sums(mine, n)
            if mine or has_label:
                self.shared._add(unit, _UnitPart(sa, sb, lab, len(mine) + has_label))
            rest = [c for c in cols if c[0] not in inner]
            if rest:  # fresh arrays: the two accumulators never share one (added in place)
                a, b = row_sums(rest, n)
                np.add(a, sa, out=a)
                np.add(b, sb, out=b)
            else:
                a, b = sa.copy(), sb.copy()
        self._add(unit, _UnitPart(a, b, lab, len(cols) + (1 if has_label else 0)))

    def _add(self, unit: int, part: _UnitPart) -> None:
        old = self.parts.get(unit)
        if old is None:
            self.parts[unit] = part
            self._note(unit)
        elif old.covered == part.covered:  # the next batch of the same columns: joined later
            self.more.setdefault(unit, []).append(part)
        else:
            raise ValueError("batches of one unit must cover the same columns")

    def _flush(self) -> None:
        """Join the batches of each unit (once, not batch by batch: no quadratic copying)."""
        for unit, rest in self.more.items():
            if unit in self._done:
                self._held += sum(c.a.size for c in rest)
            chunks = [self.parts[unit], *rest]
            labs = [c.lab for c in chunks]
            self.parts[unit] = _UnitPart(
                np.concatenate([c.a for c in chunks]),
                np.concatenate([c.b for c in chunks]),
                None if labs[0] is None else np.concatenate(labs),  # type: ignore[arg-type]
                chunks[0].covered,
            )
        self.more = {}

    def _next_auto(self) -> int:
        return max(self.parts, default=_AUTO - 1) + 1 if self.auto else _AUTO

    @property
    def auto(self) -> bool:
        return any(u >= _AUTO for u in self.parts)

    def _label(self, array: pa.Array) -> np.ndarray:
        t = array.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if is_text(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
            # Keyed per distinct value once: the rows' keys and the values to remember.
            keys, values, value_keys = text_label_keys(array)
            if self.label_texts is None:
                self.label_texts = LabelTexts()
            self.label_texts.add(values, value_keys)
            return keys
        keys = label_keys(array)
        if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)):
            self.labels_confirmed = False  # list or other labels: keyed by a hash of their text
        return keys

    # ------------------------------------------------------------------ merge
    def merge(self, other: RowStats) -> RowStats:
        """Both together (pure: neither input changes, arrays are shared, not copied)."""
        out = self._view()
        out.absorb(other, own=False)
        return out

    def _view(self) -> RowStats:
        """A new accumulator holding this one's parts (the arrays shared, not copied)."""
        self._flush()
        out = RowStats(
            self.features, self.label, self.spill_rows, dict(self.parts), numbers=self.numbers
        )
        out.label_texts = None if self.label_texts is None else self.label_texts.copy()
        out.labels_confirmed = self.labels_confirmed
        out.spill = self.spill
        out._done, out._held = dict(self._done), self._held
        out.shared = None if self.shared is None else self.shared._view()
        return out

    def absorb(self, other: RowStats, *, own: bool = True, consume: bool = False) -> None:
        """Fold ``other`` into this accumulator in place (the engines' fold).

        ``own``: this accumulator's arrays are its own (not shared with another
        RowStats), so column groups are added into them without a copy.
        ``consume``: ``other`` is used no more, so its arrays, once added, are reused.
        """
        if (self.features, self.label) != (other.features, other.label):
            raise ValueError("cannot merge row statistics of different columns")
        shared = [None if r.shared is None else r.shared.features for r in (self, other)]
        if shared[0] != shared[1]:
            raise ValueError("cannot merge row statistics of different shared columns")
        self._flush()
        other._flush()
        shift = 0
        if other.auto and self.auto:  # batches appended without a unit: other's come after
            shift = max(self.parts) + 1 - _AUTO
        self._absorb(other, own, consume, shift)

    def _absorb(self, other: RowStats, own: bool, consume: bool, shift: int) -> None:
        """:meth:`absorb` with the unit shift decided (the shared hashes take the outer's)."""
        if self.shared is not None and other.shared is not None:
            self.shared._flush()
            other.shared._flush()
            self.shared._absorb(other.shared, own, consume, shift)
        parts = other.parts
        if shift:
            parts = {u + shift if u >= _AUTO else u: p for u, p in parts.items()}
        for unit, part in parts.items():
            mine = self.parts.get(unit)
            if mine is None:
                self.parts[unit] = part
            else:
                self.parts[unit] = mine.add(part, in_place=own, consume=own and consume)
            self._note(unit)
        if other.label_texts is not None:
            if self.label_texts is None:
                self.label_texts = LabelTexts()
            self.label_texts.absorb(other.label_texts)
            if consume:  # used no more: its labels, now kept here, need not stay alive there
                other.label_texts = None
        self.labels_confirmed = self.labels_confirmed and other.labels_confirmed
        if other.spill is not None:
            if self.spill is None:
                self.spill = other.spill
            elif self.spill is not other.spill:
                self.spill.absorb(other.spill)
        self._maybe_spill()

    def _note(self, unit: int) -> None:
        """Count ``unit``'s rows as spillable once all its columns are hashed."""
        part = self.parts[unit]
        if part.covered == self.width and unit not in self._done:
            self._done[unit] = None
            self._held += part.a.size

    def _maybe_spill(self) -> None:
        """Past ``spill_rows`` rows of finished units in memory, write them all out:
        constant work per fold, and each unit is written once, with the others due."""
        if self._held <= self.spill_rows:
            return
        if self.spill is None:
            self.spill = _Spill()
        self.spill.write([(unit, self.parts.pop(unit)) for unit in self._done])
        self._done, self._held = {}, 0

    # ---------------------------------------------------------------- results
    def unit_rows(self) -> dict[int, int]:
        self._flush()
        counts = {u: int(p.a.size) for u, p in self.parts.items()}
        if self.spill is not None:
            counts.update(self.spill.unit_rows)
        return counts

    def _offsets(self) -> dict[int, int]:
        counts = self.unit_rows()
        offsets, start = {}, 0
        for unit in sorted(counts):
            offsets[unit] = start
            start += counts[unit]
        return offsets

    def _check_finished(self) -> None:
        for unit, part in self.parts.items():
            if part.covered != self.width:
                raise ValueError(f"unit {unit}: {part.covered} of {self.width} columns hashed")

    def partitions(self, nparts: int) -> Iterator[_Arrays]:
        """``(rows, a, b, lab)`` per hash partition (by the top bits of ``a``), global rows."""
        self._flush()
        self._check_finished()
        offsets = self._offsets()
        mem = self._memory_arrays(offsets)
        if nparts == 1 and self.spill is None:
            yield mem
            return
        shift = U64(64 - int(np.log2(nparts)))
        order = np.argsort((mem[1] >> shift).astype(np.int64), kind="stable")
        bounds = np.searchsorted((mem[1] >> shift)[order].astype(np.int64), np.arange(nparts + 1))
        for p in range(nparts):
            pick = order[bounds[p] : bounds[p + 1]]
            parts = [tuple(x[pick] for x in mem)]
            if self.spill is not None:
                rec = self.spill.read(p, nparts)
                if rec.size:
                    units = np.fromiter(offsets, np.int64, len(offsets))  # ascending
                    starts = np.fromiter(offsets.values(), np.int64, len(offsets))
                    rows = starts[np.searchsorted(units, rec["unit"])] + rec["row"]
                    parts.append((rows, rec["a"], rec["b"], rec["lab"]))
            yield tuple(np.concatenate([q[i] for q in parts]) for i in range(4))  # type: ignore[misc]

    def _memory_arrays(self, offsets: dict[int, int]) -> tuple[np.ndarray, ...]:
        units = sorted(self.parts)
        if not units:
            return (np.zeros(0, np.int64), np.zeros(0, U64), np.zeros(0, U64), np.zeros(0, U64))
        sizes = [self.parts[u].a.size for u in units]
        if [offsets[u] for u in units] == np.cumsum([0, *sizes[:-1]]).tolist():
            rows = np.arange(sum(sizes), dtype=np.int64)  # nothing spilled: one range
        else:
            rows = np.concatenate(
                [
                    np.arange(n, dtype=np.int64) + offsets[u]
                    for u, n in zip(units, sizes, strict=True)
                ]
            )
        if len(units) == 1:
            part = self.parts[units[0]]
        else:
            labs = [self.parts[u].lab for u in units]
            part = _UnitPart(
                np.concatenate([self.parts[u].a for u in units]),
                np.concatenate([self.parts[u].b for u in units]),
                None if self.label is None else np.concatenate(labs),  # type: ignore[arg-type]
                self.width,
            )
            if self.spill is None:  # one block from now on: the copies are not kept twice
                self.parts = {units[0]: part}
                self._done, self._held = {units[0]: None}, part.a.size
        lab = part.lab if part.lab is not None else np.zeros(part.a.size, U64)
        return rows, part.a, part.b, lab

    def summary(self) -> RowSummary:
        """Duplicate rows and conflicting-label groups, exact and in global row order."""
        dups, confs, distinct, total = [], [], 0, 0
        has_label = self.label is not None
        native = sys.modules.get("labelcheck.stats.native")
        if native is not None:  # the scan is over: its free arrays are not needed
            native.release()
        if self.spill is None:  # all in memory: gather only the candidates' b, label, row
            self._flush()
            self._check_finished()
            d, c, distinct, total = self._groups_in_memory(has_label)
            dups, confs = [d], [c]
        else:
            for rows, a, b, lab in self.partitions(SPILL_PARTS):
                total += rows.size
                d, c, n = _groups([a], _take(rows, b, lab), has_label)
                dups.append(d)
                confs.append(c)
                distinct += n
        texts = self.label_texts
        if texts is not None:
            texts.compact()
        return RowSummary(
            rows=total,
            columns=self.features,
            label=self.label,
            duplicates=_renumber(dups),
            conflicts=_renumber(confs),
            labels_confirmed=self.labels_confirmed and (texts is None or texts.confirmed),
            label_texts=texts,
            distinct_features=distinct,
        )

    def _groups_in_memory(self, has_label: bool) -> tuple[RowGroups, RowGroups, int, int]:
        """``_groups`` over the in-memory units without concatenating their hashes and
        labels (copies of 24 bytes a row): only the candidates' are gathered.
        Nothing spilled, so a row's global number is its index in unit order."""
        parts = [self.parts[u] for u in sorted(self.parts)]
        if not parts:
            return RowGroups.empty(), RowGroups.empty(), 0, 0
        starts = np.cumsum([0, *(p.a.size for p in parts)])

        def gather(index: np.ndarray) -> tuple[np.ndarray, ...]:
            which = np.searchsorted(starts, index, side="right") - 1
            b, lab = np.empty(index.size, U64), np.zeros(index.size, U64)
            for k in np.unique(which).tolist():
                pick = which == k
                local = index[pick] - starts[k]
                b[pick] = parts[k].b[local]
                if parts[k].lab is not None:
                    lab[pick] = parts[k].lab[local]
            return index.astype(np.int64), b, lab

        d, c, n = _groups([p.a for p in parts], gather, has_label)
        return d, c, n, int(starts[-1])

    def leakage(self, reference: RowStats) -> LeakSummary:
        """Rows of this dataset whose features occur in ``reference``, on the columns both
        hash: this dataset's ``shared`` hashes if it has them, and the reference's
        own (or its ``shared``) over the same columns."""
        mine = self.shared if self.shared is not None else self
        theirs = reference
        if set(theirs.features) != set(mine.features) and reference.shared is not None:
            theirs = reference.shared
        if set(mine.features) != set(theirs.features):
            raise ValueError("leakage needs row hashes over the same feature columns")
        return mine._leakage(theirs)

    def _leakage(self, reference: RowStats) -> LeakSummary:
        nparts = 1 if self.spill is None and reference.spill is None else SPILL_PARTS
        leaked, ha, hb, matched, same, total = [], [], [], [], 0, 0
        for mine, ref in zip(self.partitions(nparts), reference.partitions(nparts), strict=True):
            rows, a, b, lab = mine
            total += rows.size
            hit, hit_label, match = _member(a, b, lab, *ref)
            leaked.append(rows[hit])
            ha.append(a[hit])
            hb.append(b[hit])
            matched.append(match[hit])
            same += int(hit_label.sum())
        if not leaked:
            z, none = np.zeros(0, U64), np.zeros(0, np.int64)
            return LeakSummary(total, self.features, none, 0, z, z, none)
        r, fa, fb = np.concatenate(leaked), np.concatenate(ha), np.concatenate(hb)
        order = np.argsort(r, kind="stable")
        match = np.concatenate(matched)[order]
        return LeakSummary(total, self.features, r[order], same, fa[order], fb[order], match)

    def close(self) -> None:
        if self.spill is not None:
            self.spill.close()
            self.spill = None
        if self.shared is not None:
            self.shared.close()


# ---------------------------------------------------------------- kernels
def _take(rows: np.ndarray, b: np.ndarray, lab: np.ndarray):
    """``gather`` for arrays already in memory: (rows, b, lab) at some indices."""
    return lambda index: (rows[index], b[index], lab[index])


def _repeated(parts: list[np.ndarray]) -> np.ndarray:
    """The values that occur more than once in ``parts`` taken together (sorted).

    The compiled kernel spreads the hashes into cache-sized buckets by their
    top bits and finds each bucket's repeats in a small table (~0.1 s for 10M
    rows), reading the parts where they lie. Without it, a sort of their
    concatenation (~0.8 s for 10M rows on one core): the two halves by the
    top bit sort on two threads (numpy's sort releases the GIL) and no repeat
    crosses halves.
    """
    n = sum(p.size for p in parts)
    if n >= NATIVE_MIN_ROWS:
        from labelcheck.stats import native  # lazy: small inputs never load the kernels

        if native.enabled():
            found = native.repeats(parts)
            if found is not None:
                return found
    a = parts[0] if len(parts) == 1 else np.concatenate(parts)
    if a.size < 1 << 20:
        halves = [np.sort(a)]
    else:
        from concurrent.futures import ThreadPoolExecutor

        high = a >= U64(1 << 63)
        halves = [a[~high], a[high]]  # copies, sorted in place (no third copy)
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(np.ndarray.sort, halves))
    out = []
    for sa in halves:
        repeat = sa[1:] == sa[:-1]
        if repeat.any():
            out.append(np.unique(sa[1:][repeat]))
    return np.concatenate(out) if out else np.zeros(0, U64)


def _groups(parts: list[np.ndarray], gather, has_label: bool) -> tuple[RowGroups, RowGroups, int]:
    """Duplicate and conflict groups among these rows; and the distinct feature rows.

    ``parts``: the first hash of the rows, in row order, in pieces. Finding the
    repeated values of the first hash gives the candidates; only those are
    gathered (``gather(index) -> (rows, b, lab)``) and sorted on the full key
    (both hashes, label, row number).
    """
    total = sum(p.size for p in parts)
    if total == 0:
        return RowGroups.empty(), RowGroups.empty(), 0
    values = _repeated(parts)
    if not values.size:
        return RowGroups.empty(), RowGroups.empty(), total
    kind = "sort" if values.size > 64 else None
    local = [np.flatnonzero(np.isin(p, values, kind=kind)) for p in parts]
    starts = np.cumsum([0, *(p.size for p in parts[:-1])])
    cand = np.concatenate([i + s for i, s in zip(local, starts, strict=True)])
    cr, cb, cl = gather(cand)
    ca = np.concatenate([p[i] for p, i in zip(parts, local, strict=True)])
    order = np.lexsort((cr, cl, cb, ca))
    ca, cb, cl, cr = ca[order], cb[order], cl[order], cr[order]
    new_feat = np.ones(cand.size, dtype=bool)
    new_feat[1:] = (ca[1:] != ca[:-1]) | (cb[1:] != cb[:-1])
    new_full = new_feat.copy()
    new_full[1:] |= cl[1:] != cl[:-1]
    # Distinct feature rows: the non-candidates plus the feature groups among candidates.
    distinct = int(total - cand.size + new_feat.sum())
    dups = _select_groups(new_full, cr, cl, ca, cb, lambda size, _gid: size >= 2)
    conflicts = RowGroups.empty()
    if has_label:
        feat_id = np.cumsum(new_feat) - 1
        # Feature groups holding more than one distinct label key.
        labels_per = np.bincount(feat_id, weights=new_full.astype(np.float64))
        conflicts = _select_groups(
            new_feat, cr, cl, ca, cb, lambda _size, gid: labels_per[gid] >= 2
        )
    return dups, conflicts, distinct


def _select_groups(
    starts: np.ndarray, rows: np.ndarray, lab: np.ndarray, a: np.ndarray, b: np.ndarray, keep
) -> RowGroups:
    gid = np.cumsum(starts) - 1
    sizes = np.bincount(gid)
    ids = np.arange(sizes.size)
    kept = keep(sizes, ids)
    mask = kept[gid]
    if not mask.any():
        return RowGroups.empty()
    return RowGroups(rows[mask], gid[mask], lab[mask], a[mask], b[mask])


def _renumber(parts: list[RowGroups]) -> RowGroups:
    """Concatenate groups of several partitions; number groups by their first row."""
    parts = [p for p in parts if p.rows.size]
    if not parts:
        return RowGroups.empty()
    rows, group, lab, ha, hb = [], [], [], [], []
    base = 0
    for p in parts:
        rows.append(p.rows)
        group.append(p.group + base)
        base += int(p.group.max()) + 1
        lab.append(p.lab)
        ha.append(p.a)
        hb.append(p.b)
    r, g, lb = np.concatenate(rows), np.concatenate(group), np.concatenate(lab)
    fa, fb = np.concatenate(ha), np.concatenate(hb)
    _, compact = np.unique(g, return_inverse=True)
    first = np.full(compact.max() + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, compact, r)
    rank = np.empty_like(first)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    new = rank[compact]
    order = np.lexsort((r, new))
    return RowGroups(r[order], new[order], lb[order], fa[order], fb[order])


def _member(
    a: np.ndarray,
    b: np.ndarray,
    lab: np.ndarray,
    rr: np.ndarray,
    ra: np.ndarray,
    rb: np.ndarray,
    rl: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which rows (a, b) occur among the reference's (ra, rb) (rows ``rr``); which with
    the same label too; and, for those found, the first reference row with their
    features and label, else with their features (-1 where none)."""
    hit = np.zeros(a.size, dtype=bool)
    hit_label = np.zeros(a.size, dtype=bool)
    match = np.full(a.size, -1, dtype=np.int64)
    if a.size == 0 or ra.size == 0:
        return hit, hit_label, match
    order = np.lexsort((rr, rl, rb, ra))
    ra, rb, rl, rr = ra[order], rb[order], rl[order], rr[order]
    lo = np.searchsorted(ra, a, "left")
    hi = np.searchsorted(ra, a, "right")
    for i in np.flatnonzero(hi > lo):  # usually few: the rows whose first hash matches
        j, k = int(lo[i]), int(hi[i])
        same_b = rb[j:k] == b[i]
        if same_b.any():
            hit[i] = True
            same_label = same_b & (rl[j:k] == lab[i])
            hit_label[i] = bool(same_label.any())
            match[i] = int(rr[j:k][same_label if hit_label[i] else same_b].min())
    return hit, hit_label, match


# ----------------------------------------------------------------- spill
class _Spill:
    """Hash partitions of finished units' rows in a temporary directory."""

    def __init__(self) -> None:
        import tempfile  # only past the spill bound: not on a small scan's start-up

        self.dir = tempfile.mkdtemp(prefix="labelcheck-rows-")
        self.unit_rows: dict[int, int] = {}
        self.others: list[_Spill] = []
        # Removed when closed, else when collected (a scan that failed half-way).
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.dir, True)

    def write(self, parts: list[tuple[int, _UnitPart]]) -> None:
        """Append these finished units' rows: one record array for all of them, so a
        spill opens each partition file at most once however many units it holds."""
        if not parts:
            return
        n = sum(part.a.size for _, part in parts)
        rec = np.empty(n, dtype=_RECORD)
        start = 0
        for unit, part in parts:
            end = start + part.a.size
            chunk = rec[start:end]
            chunk["unit"], chunk["row"] = unit, np.arange(part.a.size)
            chunk["a"], chunk["b"] = part.a, part.b
            chunk["lab"] = part.lab if part.lab is not None else 0
            self.unit_rows[unit] = part.a.size
            start = end
        top = (rec["a"] >> U64(64 - int(np.log2(SPILL_PARTS)))).astype(np.int64)
        order = np.argsort(top, kind="stable")
        bounds = np.searchsorted(top[order], np.arange(SPILL_PARTS + 1))
        for p in range(SPILL_PARTS):
            chunk = rec[order[bounds[p] : bounds[p + 1]]]
            if chunk.size:
                with open(os.path.join(self.dir, f"{p}.bin"), "ab") as fh:
                    chunk.tofile(fh)

    def __reduce__(self) -> tuple[Any, tuple[dict[int, int], list[np.ndarray]]]:
        """Pickled (row statistics sent back from a Dask worker) with its records: its
        directory is the sender's (another machine's, or removed when the sender's
        copy is collected), so the receiver writes them to a directory of its own."""
        records = [self.read(p, SPILL_PARTS) for p in range(SPILL_PARTS)]
        return (_Spill._restore, (dict(self.unit_rows), records))

    @staticmethod
    def _restore(unit_rows: dict[int, int], records: list[np.ndarray]) -> _Spill:
        spill = _Spill()
        for p, rec in enumerate(records):
            if rec.size:
                with open(os.path.join(spill.dir, f"{p}.bin"), "ab") as fh:
                    rec.tofile(fh)
        spill.unit_rows = unit_rows
        return spill

    def absorb(self, other: _Spill) -> None:
        """Hold ``other``'s records too. Its own others come along: :meth:`read` looks
        one level down, and a tree of merges (the Dask engine) nests spills deeper."""
        self.unit_rows.update(other.unit_rows)
        held = {id(s) for s in (self, *self.others)}
        self.others.extend(s for s in (other, *other.others) if id(s) not in held)

    def read(self, p: int, nparts: int) -> np.ndarray:
        assert nparts == SPILL_PARTS
        out = []
        for spill in (self, *self.others):
            path = os.path.join(spill.dir, f"{p}.bin")
            if os.path.exists(path):
                out.append(np.fromfile(path, dtype=_RECORD))
        return np.concatenate(out) if out else np.zeros(0, _RECORD)

    def close(self) -> None:
        for spill in (self, *self.others):
            shutil.rmtree(spill.dir, ignore_errors=True)


def involved_rows(
    source: str,
    summary: RowSummary | None,
    leak: LeakSummary | None,
    reference: str | None = None,
) -> pa.Table:
    """Every row of duplicate groups (LC301), conflict groups (LC302) and leaks (LC303).

    Columns: ``source``, ``code``, ``row`` (0-based, file order), ``group`` (per code,
    numbered by first row; null for leaked rows), and for a leaked row (null for the
    others) ``reference`` (the split ``reference`` it was found in) and
    ``reference_row`` (the first row there with its features, and its label if one
    has it: 0-based, in the reference's file order).
    """
    codes, rows, groups, matches = [], [], [], []
    if summary is not None:
        for code, found in (("LC301", summary.duplicates), ("LC302", summary.conflicts)):
            codes.append(np.full(found.rows.size, code, dtype=object))
            rows.append(pa.array(found.rows, pa.int64()))
            groups.append(pa.array(found.group, pa.int64()))
            matches.append(pa.nulls(found.rows.size, pa.int64()))
    if leak is not None and leak.leaked.size:
        codes.append(np.full(leak.leaked.size, "LC303", dtype=object))
        rows.append(pa.array(leak.leaked, pa.int64()))
        groups.append(pa.nulls(leak.leaked.size, pa.int64()))
        matches.append(pa.array(leak.reference_rows, pa.int64()))
    n = sum(len(r) for r in rows)
    code_list = [c for chunk in codes for c in chunk.tolist()]
    leaked = code_list.count("LC303")

    def joined(arrays: list[pa.Array]) -> pa.Array:
        return pa.concat_arrays(arrays) if arrays else pa.array([], pa.int64())

    return pa.table(
        {
            "source": pa.array([source] * n, pa.string()),
            "code": pa.array(code_list, pa.string()),
            "row": joined(rows),
            "group": joined(groups),
            "reference": pa.array([None] * (n - leaked) + [reference] * leaked, pa.string()),
            "reference_row": joined(matches),
        }
    )
