"""Which rows a fix drops by row identity (LC301 copies, LC302 groups, LC303 leaks).

Fitted from the scan's row groups: the feature hashes (and label keys) of the
rows to drop, matched again in the data being written with the same hashes
(:mod:`labelcheck.stats.rowhash`). These exist for the fitted data only: a
plan saved to JSON records the step and its count, not the rows, so ``apply``
on new data keeps every row (a repeated inference request is legitimate).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from labelcheck.stats.dataset import identity_columns
from labelcheck.stats.rowhash import U64, label_keys, row_columns, row_sums
from labelcheck.stats.rows import LeakSummary, RowGroups


@dataclass
class RowDrops:
    """Keys of the rows to drop; ``first``: keep the first row of each key (copies)."""

    kind: str
    columns: tuple[str, ...]
    label: str | None
    drop: set[tuple[int, ...]]  # (a, b) or (a, b, label key)
    with_label: bool
    keep_first: bool = False
    count: int = 0
    seen: set[tuple[int, ...]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _firsts: np.ndarray = field(default_factory=lambda: np.zeros(0, U64), repr=False)
    numbers: tuple[str, ...] = ()  # text columns hashed as numbers, as the scan hashed them

    def __post_init__(self) -> None:
        self._firsts = np.unique(np.array([k[0] for k in self.drop], dtype=U64))

    def reset(self) -> None:
        """Start a new pass over the data (the first copy is kept again)."""
        with self.lock:
            self.seen = set()

    def mask(self, batch: pa.RecordBatch) -> np.ndarray:
        """True for the rows of ``batch`` to drop (batches in file order)."""
        names = set(batch.schema.names)
        batch = identity_columns(batch, [n for n in self.columns if n in names])
        cols = row_columns(batch, self.columns, self.numbers)
        a, b = row_sums(cols, batch.num_rows)
        out = np.zeros(batch.num_rows, dtype=bool)
        cand = np.flatnonzero(np.isin(a, self._firsts))
        if cand.size == 0:
            return out
        lab = None
        if self.with_label and self.label in names:
            lab = label_keys(batch.column(self.label))
        with self.lock:
            for i in cand.tolist():
                key: tuple[int, ...] = (int(a[i]), int(b[i]))
                if self.with_label:
                    key += (int(lab[i]) if lab is not None else 0,)
                if key not in self.drop:
                    continue
                if self.keep_first and key not in self.seen:
                    self.seen.add(key)
                    continue
                out[i] = True
        return out


def duplicate_drops(groups: RowGroups, columns: tuple[str, ...], label: str | None) -> RowDrops:
    keys = set(zip(groups.a.tolist(), groups.b.tolist(), groups.lab.tolist(), strict=True))
    count = groups.n_rows - groups.n_groups
    return RowDrops("duplicates", columns, label, keys, True, keep_first=True, count=count)


def conflict_drops(
    groups: RowGroups, columns: tuple[str, ...], label: str | None, majority: bool
) -> RowDrops:
    """Every row of a conflicting group, or (``majority``) the rows not of its majority label.

    The majority is the most common label of the group; a tie goes to the label
    of the group's first row.
    """
    if not majority:
        keys = set(zip(groups.a.tolist(), groups.b.tolist(), strict=True))
        return RowDrops("conflicts", columns, label, keys, False, count=groups.n_rows)
    drop: set[tuple[int, ...]] = set()
    count = 0
    for g in range(groups.n_groups):
        pick = groups.group == g
        labs = groups.lab[pick]  # rows ascending: labs[0] is the first row's
        values, first, counts = np.unique(labs, return_index=True, return_counts=True)
        best = max(range(values.size), key=lambda j: (counts[j], -first[j]))
        a, b = int(groups.a[pick][0]), int(groups.b[pick][0])
        for j, value in enumerate(values.tolist()):
            if j != best:
                drop.add((a, b, int(value)))
                count += int(counts[j])
    return RowDrops("conflicts", columns, label, drop, True, count=count)


def leak_drops(leak: LeakSummary, columns: tuple[str, ...], label: str | None) -> RowDrops:
    keys = set(zip(leak.a.tolist(), leak.b.tolist(), strict=True))
    return RowDrops("leaked", columns, label, keys, False, count=int(leak.leaked.size))


def describe_keep(kind: str, params: dict[str, Any]) -> str:
    return {
        "duplicates": "copies of earlier rows (the first of each kept)",
        "conflicts": "rows of conflicting-label groups"
        + (" but each group's majority label" if params.get("keep") == "majority" else ""),
        "leaked": "rows also in the reference split",
    }[kind]
