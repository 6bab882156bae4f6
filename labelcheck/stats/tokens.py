"""Token-sequence columns (SPEC §11): the ``tokens`` kind and its statistic.

A token column holds one list of integer ids per row (Arrow ``list``,
``large_list`` or ``fixed_size_list``: what ``datasets`` writes after
``.map(tokenizer)``). Everything is computed from Arrow's flattened values and
offsets with numpy — per-row sums and counts by ``np.add.reduceat`` over the
row starts, never a Python loop per row:

- the flattened values' statistics (a label-style :class:`ColumnStats`: min,
  max, moments, extremes, distinct ids up to a cap), which LC501 reads;
- the distribution of real lengths (attention mask 1, else not the pad id);
- per-row flags with exact counts and the first :data:`ROWS_CAP` row numbers:
  empty rows, all-masked rows, all-ignored label rows, ids out of range, rows
  longer than ``max_length``, nested lists, and (on the group's anchor
  column, which sees its siblings in the batch) lengths differing between the
  row's token columns.

Rows are numbered per unit (as :mod:`labelcheck.stats.rows` does) and turned
into global row numbers, in unit order, only when read: units may be scanned
and merged in any order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from labelcheck.stats.column import ColumnStats
from labelcheck.stats.rowhash import _np

#: What a token column is to the checks: ids (against the vocabulary), the attention
#: mask, labels (token ids or ``ignore_index``: a causal LM's), classes (per-token
#: class ids, against ``n_classes``), or other (``token_type_ids``: lengths only).
Role = Literal["ids", "mask", "labels", "classes", "other"]

#: The Hugging Face column names recognised as token columns, with their roles.
TOKEN_NAMES: dict[str, Role] = {
    "input_ids": "ids",
    "decoder_input_ids": "ids",
    "attention_mask": "mask",
    "token_type_ids": "other",
    "labels": "labels",
    "label_ids": "labels",
}
#: Row numbers kept per flag (the counts stay exact).
ROWS_CAP = 1000
#: Distinct out-of-range ids kept for the message.
BAD_IDS_CAP = 100
#: The default ``ignore_index`` of token labels (PyTorch's CrossEntropyLoss).
IGNORE_INDEX = -100
#: Units numbered from here were folded in without a unit (``update(..., unit=None)``).
AUTO_UNIT = 1 << 40
#: Values from which a batch's row checks go through the compiled kernel (loading it
#: costs ~7 ms: small files keep numpy, which computes the same counts).
NATIVE_MIN_VALUES = 1 << 16

FLAGS = ("empty", "masked", "ignored", "out_of_range", "long", "nested", "mismatch")


def is_token_type(t: pa.DataType) -> bool:
    """A list type whose values are numbers or lists (a nested list is still tokens: LC508)."""
    if not (pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)):
        return False
    v = t.value_type
    return (
        pa.types.is_integer(v)
        or pa.types.is_floating(v)
        or pa.types.is_boolean(v)
        or pa.types.is_null(v)
        or pa.types.is_list(v)
        or pa.types.is_large_list(v)
        or pa.types.is_fixed_size_list(v)
    )


def is_nested(t: pa.DataType) -> bool:
    v = t.value_type
    return pa.types.is_list(v) or pa.types.is_large_list(v) or pa.types.is_fixed_size_list(v)


@dataclass(frozen=True)
class TokenPlan:
    """The token columns of a scan, their roles, and the bounds they are checked against."""

    roles: tuple[tuple[str, str], ...] = ()
    vocab_size: int | None = None
    tokenizer_vocab: int | None = None
    max_length: int | None = None
    pad_id: int | None = None
    ignore_index: int = IGNORE_INDEX
    n_classes: int | None = None

    def role(self, name: str) -> str:
        return dict(self.roles).get(name, "other")

    @property
    def mask(self) -> str | None:
        return next((n for n, r in self.roles if r == "mask"), None)

    @property
    def anchor(self) -> str | None:
        """The column that compares the row's lengths (the first ids column, else the first)."""
        first = self.roles[0][0] if self.roles else None
        return next((n for n, r in self.roles if r == "ids"), first)

    @property
    def vocab(self) -> int | None:
        """The tightest declared bound on ids (embedding size or tokenizer range)."""
        bounds = [b for b in (self.vocab_size, self.tokenizer_vocab) if b is not None]
        return min(bounds) if bounds else None

    def bound(self, role: str) -> int | None:
        if role in ("ids", "labels"):
            return self.vocab
        if role == "classes":
            return self.n_classes
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "roles": [list(p) for p in self.roles],
            "vocab_size": self.vocab_size,
            "tokenizer_vocab": self.tokenizer_vocab,
            "max_length": self.max_length,
            "pad_id": self.pad_id,
            "ignore_index": self.ignore_index,
            "n_classes": self.n_classes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenPlan:
        d = dict(data)
        d["roles"] = tuple((n, r) for n, r in d.get("roles", ()))
        return cls(**d)


@dataclass(frozen=True)
class RowContext:
    """What a kind's statistic may read besides its column: the batch and its unit."""

    batch: pa.RecordBatch
    unit: int | None = None


@dataclass
class RowFlag:
    """Rows flagged by one check: an exact count and the first rows as (unit, row) pairs."""

    count: int = 0
    rows: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))

    def add(self, unit: int, local: np.ndarray) -> None:
        if local.size == 0:
            return
        self.count += int(local.size)
        new = np.column_stack([np.full(local.size, unit, np.int64), local.astype(np.int64)])
        self.rows = _smallest(np.concatenate([self.rows, new]))

    def merged(self, other: RowFlag, shift_auto: int) -> RowFlag:
        theirs = other.rows.copy()
        theirs[theirs[:, 0] == AUTO_UNIT, 1] += shift_auto
        return RowFlag(self.count + other.count, _smallest(np.concatenate([self.rows, theirs])))


def _largest(triples: np.ndarray) -> np.ndarray:
    """The ROWS_CAP (id, unit, row) triples of largest id (ties: earliest rows)."""
    if len(triples) <= 1:
        return triples
    order = np.lexsort((triples[:, 2], triples[:, 1], -triples[:, 0]))[:ROWS_CAP]
    return triples[order]


def _shifted(triples: np.ndarray, shift: int) -> np.ndarray:
    out = triples.copy()
    out[out[:, 1] == AUTO_UNIT, 2] += shift
    return out


def _smallest(pairs: np.ndarray) -> np.ndarray:
    if len(pairs) <= 1:
        return pairs
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))[:ROWS_CAP]
    return pairs[order]


@dataclass
class Lists:
    """One batch of a list column as numpy: values, row starts and lengths, valid rows."""

    values: np.ndarray  # int64
    starts: np.ndarray  # int64, into values
    lengths: np.ndarray  # int64, raw (nulls: 0)

    def per_row_sum(self, x: np.ndarray) -> np.ndarray:
        """The sum of ``x`` (one entry per value) over each row (0 for empty rows)."""
        out = np.zeros(self.lengths.size, dtype=np.int64)
        full = self.lengths > 0
        if full.any():  # summed as int64 without an int64 copy of x
            out[full] = np.add.reduceat(x, self.starts[full], dtype=np.int64)
        return out

    def count(
        self, ne: int, bound: int | None = None, skip: int | None = None, top: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Per row: the values other than ``ne``; with a ``bound``, the values outside
        ``[0, bound)`` other than ``skip``; with ``top``, the largest value (int64 min for
        an empty row). One read of the values by the compiled kernel on long batches."""
        v = self.values
        if v.size >= NATIVE_MIN_VALUES and (bound is None or 0 <= bound < 1 << 62):
            from labelcheck.stats import native  # lazy: small inputs never load it

            if native.has_lists():
                hi = (1 << 63) - 1 if bound is None else int(bound)
                got = native.list_counts(v, self.starts, self.lengths, ne, 0, hi, skip)
                other, bad, big = got
                return other, (None if bound is None else bad), (big if top else None)
        other = self.per_row_sum(v != ne)
        bad = None
        if bound is not None:
            hit = (v < 0) | (v >= bound)
            if skip is not None:
                hit &= v != skip
            bad = self.per_row_sum(hit) if hit.any() else np.zeros(self.lengths.size, np.int64)
        big = None
        if top:
            big = np.full(self.lengths.size, np.iinfo(np.int64).min, np.int64)
            full = self.lengths > 0
            if full.any():
                big[full] = np.maximum.reduceat(v, self.starts[full])
        return other, bad, big


def as_lists(array: pa.Array) -> Lists:
    """Values and offsets of a one-level list array (sliced or not), without a row loop."""
    n = len(array)
    t = array.type
    if pa.types.is_fixed_size_list(t):
        size = t.list_size
        first = array.offset * size
        offsets = np.arange(n + 1, dtype=np.int64) * size + first
    else:
        offsets = _np(array.offsets).astype(np.int64)  # not np.asarray: it imports pandas
    first, last = int(offsets[0]), int(offsets[-1])
    child = array.values.slice(first, last - first)
    values = _int_values(child)
    lengths = np.diff(offsets)
    if array.null_count:
        valid = _np(array.is_valid()).astype(bool)
        if lengths[~valid].any():  # a null slot may still span values: drop them
            values = values[np.repeat(valid, lengths)]
        lengths = np.where(valid, lengths, 0)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        first = 0
    return Lists(values, (offsets[:-1] - first).astype(np.int64), lengths.astype(np.int64))


def _int_values(child: pa.Array) -> np.ndarray:
    t = child.type
    if pa.types.is_null(t) or len(child) == 0:  # an empty child's buffer may be any size
        return np.zeros(len(child), np.int64)
    if child.null_count:
        import pyarrow.compute as pc  # lazy: only lists holding nulls

        child = pc.fill_null(child, 0)
    if pa.types.is_floating(t):
        v = _np(child)
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(v), v, -1).astype(np.int64)
    return _np(child).astype(np.int64, copy=False)


@dataclass
class TokenStats:
    """The ``tokens`` kind's statistic: one token column, mergeable."""

    name: str
    role: str
    plan: TokenPlan
    kind: str = "tokens"
    rows: int = 0
    nulls: int = 0
    #: The flattened values (label-style: distinct ids up to a cap); labels without
    #: their ignore_index entries.
    values: ColumnStats = field(default_factory=lambda: ColumnStats.empty(pa.int64(), label=True))
    #: Real lengths: ``lengths[k]`` rows hold k real tokens.
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    flags: dict[str, RowFlag] = field(default_factory=lambda: {f: RowFlag() for f in FLAGS})
    #: Out-of-range ids with their counts (up to BAD_IDS_CAP distinct).
    bad_ids: dict[int, int] = field(default_factory=dict)
    #: The rows holding the largest ids, as (largest id of the row, unit, row), largest
    #: first, at most ROWS_CAP: LC501 names the rows of far ids without a vocabulary.
    top_rows: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.int64))
    #: Sibling columns whose lengths differed from this one's (anchor only).
    mismatched: tuple[str, ...] = ()
    #: Rows seen per unit (global row numbers follow unit order).
    unit_rows: dict[int, int] = field(default_factory=dict)
    #: Marks this statistic's empty rows in the row hashes (see _with_unique_blanks).
    _salt: int = field(default_factory=lambda: int.from_bytes(os.urandom(7), "little"), repr=False)

    @classmethod
    def empty(cls, f: pa.Field, plan: TokenPlan) -> TokenStats:
        return cls(f.name, plan.role(f.name), plan)

    # ------------------------------------------------------------ folding in
    def update(self, array: pa.Array | pa.ChunkedArray, pre: Any = None) -> None:
        """Fold one array of this column in (``pre``: a :class:`RowContext`, the siblings)."""
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        ctx = pre if isinstance(pre, RowContext) else None
        unit = AUTO_UNIT if ctx is None or ctx.unit is None else ctx.unit
        base = self.unit_rows.get(unit, 0)
        n = len(array)
        self.unit_rows[unit] = base + n
        self.rows += n
        self.nulls += array.null_count
        if n == 0:
            return None
        if is_nested(array.type):  # a batch of batches: nothing else is meaningful
            valid = np.ones(n, bool) if not array.null_count else _np(array.is_valid()).astype(bool)
            self.flags["nested"].add(unit, base + np.flatnonzero(valid))
            return None
        lists = as_lists(array)
        v, lengths = lists.values, lists.lengths
        self._flag(unit, base, "empty", lengths == 0)
        plan, role = self.plan, self.role
        labels = role in ("labels", "classes")
        bound = plan.bound(role)
        # One read of the values for the row checks: values other than the mask's 0,
        # the labels' ignore_index or the pad id, ids out of range, each row's largest.
        if role == "mask":
            ne = 0
        elif labels:
            ne = plan.ignore_index
        else:
            ne = 0 if plan.pad_id is None else plan.pad_id
        top = role in ("ids", "labels") and v.size > 0
        other, bad, largest = lists.count(ne, bound, plan.ignore_index if labels else None, top=top)
        if largest is not None:
            self._keep_top_rows(largest, lengths, unit, base)
        kept = v
        if labels:
            if int(other.sum()) < v.size:  # some values are ignore_index
                kept = v[v != plan.ignore_index]
            self._flag(unit, base, "ignored", (lengths > 0) & (other == 0))
        if role == "mask":
            self._flag(unit, base, "masked", (lengths > 0) & (other == 0))
        if bad is not None and bad.any():
            self._flag(unit, base, "out_of_range", bad > 0)
            hit = (v < 0) | (v >= bound)
            if labels:
                hit &= v != plan.ignore_index
            ids, counts = np.unique(v[hit], return_counts=True)
            for i, c in zip(ids.tolist(), counts.tolist(), strict=True):
                if i in self.bad_ids or len(self.bad_ids) < BAD_IDS_CAP:
                    self.bad_ids[i] = self.bad_ids.get(i, 0) + c
        unpadded = None  # per row: the values other than the pad id
        if plan.pad_id is not None:
            unpadded = other if ne == plan.pad_id and role in ("ids", "other") else None
            if unpadded is None:
                unpadded = lists.count(plan.pad_id)[0]
        if role != "mask":
            real = self._real_lengths(lists, ctx, unpadded)
            # Once per row: on the anchor (the ids), whose siblings share its rows.
            if plan.max_length is not None and plan.anchor == self.name:
                self._flag(unit, base, "long", real > plan.max_length)
            self._add_lengths(real)
        else:
            self._add_lengths(other)
        if ctx is not None and plan.anchor == self.name:
            self._compare(ctx.batch, lengths, unit, base)
        if kept.size:
            self.values.update(_ints(kept))
        # (integer ids only: their stand-in must hash as the raw column does)
        if plan.anchor == self.name and pa.types.is_integer(array.type.value_type):
            blank = lengths == 0
            if unpadded is not None:
                blank |= unpadded == 0
            if blank.any():
                return _with_unique_blanks(lists, blank, unit, base, self._salt)
        return None

    def _keep_top_rows(
        self, largest: np.ndarray, lengths: np.ndarray, unit: int, base: int
    ) -> None:
        full = np.flatnonzero(lengths > 0)
        top = largest[full]
        if top.size > ROWS_CAP:
            pick = np.argpartition(-top, ROWS_CAP - 1)[:ROWS_CAP]
            full, top = full[pick], top[pick]
        new = np.column_stack([top, np.full(top.size, unit, np.int64), base + full])
        self.top_rows = _largest(np.concatenate([self.top_rows, new]))

    def rows_at_least(self, value: int) -> tuple[int, list[int], bool]:
        """Rows whose largest id is at least ``value``: how many are known, their first
        global row numbers, and whether the list is complete (not cut at ROWS_CAP)."""
        hit = self.top_rows[self.top_rows[:, 0] >= value]
        offsets = self._offsets()
        rows = sorted(offsets.get(int(u), 0) + int(r) for _, u, r in hit.tolist())
        complete = len(self.top_rows) < ROWS_CAP or len(hit) < len(self.top_rows)
        return len(rows), rows, complete

    def _offsets(self) -> dict[int, int]:
        offsets, start = {}, 0
        for unit in sorted(self.unit_rows):
            offsets[unit] = start
            start += self.unit_rows[unit]
        return offsets

    def _flag(self, unit: int, base: int, name: str, hit: np.ndarray) -> None:
        self.flags[name].add(unit, base + np.flatnonzero(hit))

    def _real_lengths(
        self, lists: Lists, ctx: RowContext | None, unpadded: np.ndarray | None
    ) -> np.ndarray:
        """Per row: the mask's 1s where the row's mask has its length, else the tokens that
        are not the pad id (with ``--pad-id``), else every token. Row by row, never by
        batch, so the statistic does not depend on how rows are batched."""
        real = lists.lengths if unpadded is None else unpadded
        mask = self.plan.mask
        if ctx is not None and mask is not None and mask in ctx.batch.schema.names:
            m = ctx.batch.column(mask)
            if not is_nested(m.type):
                ml = as_lists(m.combine_chunks() if isinstance(m, pa.ChunkedArray) else m)
                same = ml.lengths == lists.lengths
                real = np.where(same, ml.count(0)[0], real)
        return real

    def _add_lengths(self, real: np.ndarray) -> None:
        counts = np.bincount(real.astype(np.int64, copy=False))
        self.lengths = _add_counts(self.lengths, counts)

    def _compare(self, batch: pa.RecordBatch, lengths: np.ndarray, unit: int, base: int) -> None:
        """Flag rows whose token columns (this one and its siblings) differ in length."""
        differ = np.zeros(lengths.size, bool)
        names = []
        for other, _ in self.plan.roles:
            if other == self.name or other not in batch.schema.names:
                continue
            col = batch.column(other)
            col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
            if is_nested(col.type):
                continue
            hit = as_lists(col).lengths != lengths
            if hit.any():
                differ |= hit
                names.append(other)
        if names:
            self.mismatched = tuple(dict.fromkeys([*self.mismatched, *names]))
            self._flag(unit, base, "mismatch", differ)

    # -------------------------------------------------------------- merging
    def merge(self, other: TokenStats) -> TokenStats:
        shift = self.unit_rows.get(AUTO_UNIT, 0)
        units = dict(self.unit_rows)
        for u, c in other.unit_rows.items():
            units[u] = units.get(u, 0) + c
        bad = dict(self.bad_ids)
        for i, c in other.bad_ids.items():
            if i in bad or len(bad) < BAD_IDS_CAP:
                bad[i] = bad.get(i, 0) + c
        return TokenStats(
            self.name,
            self.role,
            self.plan,
            rows=self.rows + other.rows,
            nulls=self.nulls + other.nulls,
            values=self.values.merge(other.values),
            lengths=_add_counts(self.lengths, other.lengths),
            flags={f: self.flags[f].merged(other.flags[f], shift) for f in FLAGS},
            bad_ids=bad,
            top_rows=_largest(np.concatenate([self.top_rows, _shifted(other.top_rows, shift)])),
            mismatched=tuple(dict.fromkeys([*self.mismatched, *other.mismatched])),
            unit_rows=units,
        )

    # -------------------------------------------------------------- reading
    def flagged(self, flag: str) -> tuple[int, list[int]]:
        """A flag's exact row count and its first global row numbers (unit order)."""
        f = self.flags[flag]
        offsets = self._offsets()
        rows = sorted(offsets.get(int(u), 0) + int(r) for u, r in f.rows.tolist())
        return f.count, rows

    @property
    def max_length(self) -> int:
        return int(self.lengths.size - 1) if self.lengths.size else 0

    def summary(self) -> dict[str, Any]:
        total = int(self.lengths.sum())
        mean = float((np.arange(self.lengths.size) * self.lengths).sum() / total) if total else None
        return {
            "role": self.role,
            "rows": self.rows,
            "min": self.values.min if self.values.n else None,
            "max": self.values.max if self.values.n else None,
            "distinct": None if self.values.distinct is None else len(self.values.distinct),
            "mean_length": mean,
            "max_length": self.max_length,
            **{f: self.flags[f].count for f in FLAGS},
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "plan": self.plan.to_dict(),
            "rows": self.rows,
            "nulls": self.nulls,
            "values": self.values.to_dict(),
            "lengths": self.lengths.tolist(),
            "flags": {f: [v.count, v.rows.tolist()] for f, v in self.flags.items()},
            "bad_ids": [[i, c] for i, c in self.bad_ids.items()],
            "top_rows": self.top_rows.tolist(),
            "mismatched": list(self.mismatched),
            "unit_rows": [[u, c] for u, c in self.unit_rows.items()],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenStats:
        return cls(
            data["name"],
            data["role"],
            TokenPlan.from_dict(data["plan"]),
            rows=data["rows"],
            nulls=data["nulls"],
            values=ColumnStats.from_dict(data["values"]),
            lengths=np.asarray(data["lengths"], np.int64),
            flags={
                f: RowFlag(c, np.asarray(rows, np.int64).reshape(-1, 2))
                for f, (c, rows) in data["flags"].items()
            },
            bad_ids={int(i): int(c) for i, c in data["bad_ids"]},
            top_rows=np.asarray(data.get("top_rows", []), np.int64).reshape(-1, 3),
            mismatched=tuple(data["mismatched"]),
            unit_rows={int(u): int(c) for u, c in data["unit_rows"]},
        )


def _with_unique_blanks(
    lists: Lists, blank: np.ndarray, unit: int, base: int, salt: int
) -> pa.Array:
    """What stands for the column in the row hashes: the lists themselves (they hash as
    the raw column does, so fixes match rows by the same hashes), but each empty or
    all-padding row replaced by a list no other row holds, so that identical empty rows
    are neither copies (LC301) nor leaks (LC303) of each other."""
    lengths = np.where(blank, 3, lists.lengths)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    out = np.empty(int(offsets[-1]), np.int64)
    keep = np.repeat(~blank, lists.lengths)
    dest = np.repeat(offsets[:-1] - lists.starts, lists.lengths) + np.arange(lists.values.size)
    out[dest[keep]] = lists.values[keep]
    rows = np.flatnonzero(blank)
    out[offsets[rows]] = -(1 << 62) - salt  # below any token id
    out[offsets[rows] + 1] = unit
    out[offsets[rows] + 2] = base + rows
    return pa.LargeListArray.from_arrays(_ints(offsets), _ints(out))


def _add_counts(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.size < b.size:
        a, b = b, a
    out = a.copy()
    out[: b.size] += b
    return out


#: The row checks a fix can drop rows by (``DropRows.when`` of token columns).
ROW_CHECKS = ("empty", "all-zero", "all-ignored", "longer", "out-of-range", "lengths-differ")


def failing_rows(
    check: str,
    array: pa.Array | pa.ChunkedArray,
    siblings: dict[str, pa.Array | pa.ChunkedArray],
    *,
    bound: float | None = None,
    ignore: int | None = None,
    pad: int | None = None,
) -> np.ndarray:
    """True for the rows of a token column failing ``check`` — what the statistics flag,
    by the same functions, so a fix drops exactly the rows a scan names.

    ``siblings``: the row's other token columns (``longer``: the attention mask, whose
    1s count the real tokens; ``lengths-differ``: the columns compared).
    """
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if is_nested(array.type):
        return np.zeros(len(array), bool)
    lists = as_lists(array)
    v, lengths = lists.values, lists.lengths
    if check == "empty":
        return lengths == 0
    if check == "all-zero":
        return (lengths > 0) & (lists.per_row_sum(v != 0) == 0)
    if check == "all-ignored":
        return (lengths > 0) & (lists.per_row_sum(v != ignore) == 0)
    if check == "out-of-range":
        bad = (v < 0) | (v >= (bound if bound is not None else np.inf))
        if ignore is not None:
            bad &= v != ignore
        return lists.per_row_sum(bad) > 0
    others = []
    for col in siblings.values():
        col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        if not is_nested(col.type):
            others.append(as_lists(col))
    if check == "lengths-differ":
        differ = np.zeros(len(array), bool)
        for other in others:
            differ |= other.lengths != lengths
        return differ
    if check == "longer":
        real = lengths if pad is None else lists.per_row_sum(v != pad)
        for mask in others[:1]:
            real = np.where(mask.lengths == lengths, mask.per_row_sum(mask.values != 0), real)
        return real > (bound if bound is not None else np.inf)
    raise ValueError(f"unknown token row check {check!r}")


def map_token_values(
    array: pa.Array | pa.ChunkedArray, classes: list[int], ignore: int | None
) -> pa.Array:
    """The list column with each value ``classes[i]`` replaced by ``i`` (``ignore`` and
    values not among ``classes`` kept), rows and nulls as they were."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if is_nested(array.type) or len(array) == 0:
        return array
    lists = as_lists(array)
    v = lists.values
    known = np.asarray(sorted(classes), dtype=np.int64)
    pos = np.clip(np.searchsorted(known, v), 0, max(known.size - 1, 0))
    hit = (known[pos] == v) if known.size else np.zeros(v.size, bool)
    if ignore is not None:
        hit &= v != ignore
    out = np.where(hit, pos, v)
    value_type = array.type.value_type
    values = _ints(out).cast(value_type, safe=False)
    if pa.types.is_fixed_size_list(array.type) and not array.null_count:
        return pa.FixedSizeListArray.from_arrays(values, array.type.list_size)
    offsets = np.concatenate([[0], np.cumsum(lists.lengths)])
    mask = array.is_null() if array.null_count else None
    if pa.types.is_large_list(array.type):
        return pa.LargeListArray.from_arrays(_ints(offsets), values, mask=mask)
    return pa.ListArray.from_arrays(_ints(offsets, np.int32), values, mask=mask)


def truncated(array: pa.Array | pa.ChunkedArray, rows: np.ndarray, length: int) -> pa.Array:
    """The list column with the ``rows`` (a boolean mask) cut to their first ``length``
    values; other rows, nulls and the value type as they were. A fixed-size list becomes a
    list whether or not a row is cut (its rows no longer share one size, and every batch of
    a fixed output has the type the plan's output schema, from an empty batch, says)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if is_nested(array.type):
        return array
    if pa.types.is_fixed_size_list(array.type):
        array = array.cast(pa.list_(array.type.value_field))
    if len(array) == 0 or not rows.any():
        return array
    lists = as_lists(array)
    new = np.where(rows, np.minimum(lists.lengths, length), lists.lengths)
    position = np.arange(lists.values.size) - np.repeat(lists.starts, lists.lengths)
    keep = position < np.repeat(new, lists.lengths)
    value_type = array.type.value_type
    values = _ints(lists.values[keep]).cast(value_type, safe=False)
    offsets = np.concatenate([[0], np.cumsum(new)])
    mask = array.is_null() if array.null_count else None
    if pa.types.is_large_list(array.type):
        return pa.LargeListArray.from_arrays(_ints(offsets), values, mask=mask)
    return pa.ListArray.from_arrays(_ints(offsets, np.int32), values, mask=mask)


def _ints(values: np.ndarray, dtype: type = np.int64) -> pa.Array:
    """A null-free int64 (or int32) Arrow array over numpy values, by buffer: ``pa.array``
    of a numpy array imports pandas (start-up cost a small scan must not pay)."""
    data = np.ascontiguousarray(values, dtype=dtype)
    kind = pa.int32() if dtype == np.int32 else pa.int64()
    return pa.Array.from_buffers(kind, len(data), [None, pa.py_buffer(data)])
