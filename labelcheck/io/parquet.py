"""Parquet: a file (or directory of parts) as row-group units.

Everything labelcheck knows about reading Parquet lives here: row groups as
units, column subsets, slicing a row group into bounded batches, parts whose
columns differ (a missing column reads as nulls), and each file's footer read
once however many row groups it describes (:class:`ParquetPart`).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from labelcheck.io.source import (
    Source,
    Unit,
    arrow_error,
    pandas_index_columns,
    strip_metadata,
    unify,
)

#: Read buffer per column while streaming a row group in slices (pre-buffering off).
STREAM_BUFFER = 1 << 16


def open_parquet(name: str, paths: list[str]) -> Source:
    units: list[Unit] = []
    schema: pa.Schema | None = None
    rows = 0
    groups: list[tuple[ParquetPart, int, list[str]]] = []
    for path in paths:
        part = ParquetPart.open(path)
        meta = part.metadata()
        try:
            file_schema = meta.schema.to_arrow_schema()
        except (pa.ArrowException, OSError) as exc:
            raise arrow_error(path, "Parquet", exc) from None
        if schema is None:
            schema = file_schema
        elif not file_schema.equals(schema):
            schema = unify(name, schema, file_schema, path)
        rows += meta.num_rows
        groups.extend((part, i, file_schema.names) for i in range(meta.num_row_groups))
    assert schema is not None
    index = pandas_index_columns(schema)
    schema = strip_metadata(marked_images(schema, groups[0][0].path if groups else name))
    units.extend(RowGroup(part, i, names, schema) for part, i, names in groups)
    return Source(name, "parquet", schema, units, rows, index_columns=index)


class ParquetPart:
    """One Parquet file and its footer, parsed once and shared by all its row groups.

    A footer describes every row group: parsing it costs in proportion to the
    file's row groups, so a unit that parsed it again for each read made a scan
    quadratic in them. Readers are opened per read from the kept footer (no
    parse; an open file per unit in flight, not per file of a directory).

    Pickled (a unit sent to a Dask worker) as its path and stamp only: the
    footer can be megabytes and every task would carry it. A worker parses a
    file's footer once and shares it among its tasks (:func:`_worker_footer`).
    """

    __slots__ = ("_meta", "path", "stamp")

    def __init__(self, path: str, stamp: tuple[int, ...], meta: Any = None) -> None:
        self.path = path
        # (size, mtime_ns, inode) when opened: a worker parses a rewritten file again.
        self.stamp = stamp
        self._meta = meta

    @classmethod
    def open(cls, path: str) -> ParquetPart:
        try:
            st = os.stat(path)
            return cls(path, (st.st_size, st.st_mtime_ns, st.st_ino), _parse_footer(path))
        except (pa.ArrowException, OSError) as exc:
            raise arrow_error(path, "Parquet", exc) from None

    def metadata(self) -> Any:
        """The file's ``pyarrow.parquet.FileMetaData``."""
        if self._meta is None:
            self._meta = _worker_footer(self.path, self.stamp)
        return self._meta

    def reader(self, **options: Any) -> Any:
        """A ``pyarrow.parquet.ParquetFile`` on the kept footer (opening it parses nothing)."""
        import pyarrow.parquet as pq

        return pq.ParquetFile(self.path, metadata=self.metadata(), **options)

    def __reduce__(self) -> tuple[Any, tuple[str, tuple[int, ...]]]:
        return (ParquetPart, (self.path, self.stamp))

    def __repr__(self) -> str:
        return f"ParquetPart({self.path!r})"


def _parse_footer(path: str) -> Any:
    import pyarrow.parquet as pq

    return pq.read_metadata(path)


#: Footers a process (a Dask worker) keeps for the units it is sent, most recent last.
_FOOTERS: OrderedDict[tuple[str, tuple[int, ...]], Any] = OrderedDict()
_FOOTERS_KEPT = 16
_FOOTERS_LOCK = threading.Lock()


def _worker_footer(path: str, stamp: tuple[int, ...]) -> Any:
    """The footer of ``path`` as stamped, parsed once per process however many of its
    row groups arrive (one Dask task each); a few files' footers are kept."""
    key = (path, stamp)
    with _FOOTERS_LOCK:
        if key in _FOOTERS:
            _FOOTERS.move_to_end(key)
            return _FOOTERS[key]
    try:
        meta = _parse_footer(path)
    except (pa.ArrowException, OSError) as exc:
        raise arrow_error(path, "Parquet", exc) from None
    with _FOOTERS_LOCK:
        meta = _FOOTERS.setdefault(key, meta)  # another thread may have parsed it too
        while len(_FOOTERS) > _FOOTERS_KEPT:
            _FOOTERS.popitem(last=False)
    return meta


@dataclass(frozen=True)
class RowGroup:
    """One row group of one file, read whole (``slice_rows`` None) or in slices."""

    part: ParquetPart
    index: int
    names: list[str]  # the columns this part has
    schema: pa.Schema  # the dataset's (unified) schema
    slice_rows: int | None = None

    #: Reading some columns of a row group decodes only those column chunks.
    column_subsets = True

    @property
    def path(self) -> str:
        return self.part.path

    def sliced(self, rows: int) -> RowGroup:
        return RowGroup(self.part, self.index, self.names, self.schema, rows)

    def __call__(self, columns: Sequence[str] | None) -> Iterator[pa.RecordBatch]:
        wanted = list(columns) if columns is not None else self.schema.names
        present = [c for c in wanted if c in self.names]
        try:
            if self.slice_rows is None or not present:
                table = self.part.reader().read_row_group(self.index, columns=present)
                batches: Iterator[pa.RecordBatch] = iter(table.to_batches())
            else:
                reader = self.part.reader(pre_buffer=False, buffer_size=STREAM_BUFFER)
                batches = reader.iter_batches(
                    batch_size=self.slice_rows,
                    row_groups=[self.index],
                    columns=present,
                    use_threads=False,
                )
            for batch in batches:
                yield conform(batch, self.schema, wanted)
        except (pa.ArrowException, OSError) as exc:
            raise arrow_error(self.path, "Parquet", exc) from None


def conform(batch: pa.RecordBatch, schema: pa.Schema, wanted: list[str]) -> pa.RecordBatch:
    """``wanted`` columns in order; a column this part lacks is all null (parts may differ)."""
    if batch.schema.names == wanted:
        return batch
    arrays = [
        batch.column(name)
        if name in batch.schema.names
        else pa.nulls(batch.num_rows, schema.field(name).type)
        for name in wanted
    ]
    return pa.RecordBatch.from_arrays(arrays, names=wanted)


def marked_images(schema: pa.Schema, holder: str) -> pa.Schema:
    """``schema`` with its image columns marked (:func:`labelcheck.io.images.mark_image_columns`);
    a schema with no struct or binary column holds none, and the image module (Pillow's
    side of io) is then never loaded: start-up matters on every pre-commit run."""
    if not any(
        pa.types.is_struct(f.type) or pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)
        for f in schema
    ):
        return schema
    from labelcheck.io.images import mark_image_columns

    return mark_image_columns(schema, holder)
