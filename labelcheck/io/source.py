"""A dataset as independent *units* of Arrow record batches, whatever it was read from.

A unit (a Parquet row group, a CSV file, a slice of an in-memory table) is a
callable ``unit(columns) -> Iterator[RecordBatch]`` that can run in any order,
in a thread or on a Dask worker. Two optional abilities, asked through
:func:`reads_column_subsets` and :meth:`Source.streamed`, let engines and fixes
plan their reads without knowing any format.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa

from labelcheck.errors import InputError

Unit = Callable[[Sequence[str] | None], Iterator[pa.RecordBatch]]

REEXPORT = "if it was truncated or corrupted in a copy, re-export it"


class SchemaChanged(Exception):
    """A streamed CSV or JSON Lines file revealed a wider type late; the scan restarts."""


@dataclass
class Source:
    """A dataset as independent units of Arrow record batches."""

    name: str
    format: str
    schema: pa.Schema
    units: list[Unit]
    num_rows: int | None = None
    paths: list[str] = field(default_factory=list)
    reopen: Callable[[], Source] | None = None  # a fresh source after SchemaChanged
    #: Columns pandas wrote for a DataFrame's index (``__index_level_0__``): row ids, not features.
    index_columns: tuple[str, ...] = ()
    #: The in-memory object this source reads (a dask DataFrame: the Dask engine maps its
    #: partitions itself).
    frame: Any = None

    def batches(self, columns: Sequence[str] | None = None) -> Iterator[pa.RecordBatch]:
        """Every record batch of every unit, in order."""
        for unit in self.units:
            yield from unit(columns)

    def streamed(self, rows: int) -> Source:
        """This source with units that decode at most about ``rows`` rows at a time.

        A scan decodes a whole Parquet row group at once (any size the writer
        chose); ``fix`` reads every unit two or three times and must keep memory
        bounded whatever the file, so it asks for slices. Units that cannot
        slice are returned as they are.
        """
        units = [u.sliced(rows) if hasattr(u, "sliced") else u for u in self.units]
        return replace(self, units=units)

    def widen(self) -> None:
        """Reopen in place after :class:`SchemaChanged` (a CSV column turned out wider)."""
        if self.reopen is None:
            raise InputError(f"{self.name}: the column types changed while reading; retry")
        fresh = self.reopen()
        self.schema, self.units, self.num_rows = fresh.schema, fresh.units, fresh.num_rows
        self.reopen = fresh.reopen


def reads_column_subsets(unit: Unit) -> bool:
    """Whether reading some of a unit's columns costs only those columns (Parquet).

    The local engine splits such a unit's columns over several tasks; a CSV
    would be parsed again for every group, so it is never split.
    """
    return bool(getattr(unit, "column_subsets", False))


def arrow_error(path: str, what: str, exc: Exception) -> InputError:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    twice = re.search(r"Column\(/([^)]*)\) was specified twice", detail)
    if twice:  # {"a": 1, "a": 2}: a repeated key, not a corrupt file
        return InputError(
            f"{path}: the key {twice.group(1)!r} appears twice in one JSON object; "
            "write each key once per line"
        )
    return InputError(f"{path}: not a valid {what} file ({detail}); {REEXPORT}")


def unify(name: str, a: pa.Schema, b: pa.Schema, path: str) -> pa.Schema:
    try:
        return pa.unify_schemas([a, b], promote_options="permissive")
    except (pa.ArrowException, TypeError) as exc:
        raise InputError(
            f"{path}: its columns do not match the other parts of {name} ({exc}); "
            "scan the parts separately or rewrite them with one schema"
        ) from None


def strip_metadata(schema: pa.Schema) -> pa.Schema:
    return schema.remove_metadata()


def pandas_index_columns(schema: pa.Schema) -> tuple[str, ...]:
    """Columns that ``DataFrame.to_parquet``/``to_feather`` stored for the index."""
    try:
        meta = schema.pandas_metadata or {}
    except ValueError:  # malformed pandas metadata: treat every column as data
        return ()
    return tuple(
        c for c in meta.get("index_columns", []) if isinstance(c, str) and c in schema.names
    )


def select(batch: pa.RecordBatch, columns: Sequence[str] | None) -> pa.RecordBatch:
    return batch if columns is None else batch.select(list(columns))
