"""Parquet: a file (or directory of parts) as row-group units.

Everything labelcheck knows about reading Parquet lives here: row groups as
units, column subsets, slicing a row group into bounded batches, and parts
whose columns differ (a missing column reads as nulls).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa

from labelcheck.io.images import mark_image_columns
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
    import pyarrow.parquet as pq

    units: list[Unit] = []
    schema: pa.Schema | None = None
    rows = 0
    groups: list[tuple[str, int, list[str]]] = []
    for path in paths:
        try:
            meta = pq.read_metadata(path)
            file_schema = meta.schema.to_arrow_schema()
        except (pa.ArrowException, OSError) as exc:
            raise arrow_error(path, "Parquet", exc) from None
        if schema is None:
            schema = file_schema
        elif not file_schema.equals(schema):
            schema = unify(name, schema, file_schema, path)
        rows += meta.num_rows
        groups.extend((path, i, file_schema.names) for i in range(meta.num_row_groups))
    assert schema is not None
    index = pandas_index_columns(schema)
    schema = strip_metadata(mark_image_columns(schema, groups[0][0] if groups else name))
    units.extend(RowGroup(path, i, names, schema) for path, i, names in groups)
    return Source(name, "parquet", schema, units, rows, index_columns=index)


@dataclass(frozen=True)
class RowGroup:
    """One row group of one file, read whole (``slice_rows`` None) or in slices."""

    path: str
    index: int
    names: list[str]  # the columns this part has
    schema: pa.Schema  # the dataset's (unified) schema
    slice_rows: int | None = None

    #: Reading some columns of a row group decodes only those column chunks.
    column_subsets = True

    def sliced(self, rows: int) -> RowGroup:
        return RowGroup(self.path, self.index, self.names, self.schema, rows)

    def __call__(self, columns: Sequence[str] | None) -> Iterator[pa.RecordBatch]:
        import pyarrow.parquet as pq

        wanted = list(columns) if columns is not None else self.schema.names
        present = [c for c in wanted if c in self.names]
        try:
            if self.slice_rows is None or not present:
                table = pq.ParquetFile(self.path).read_row_group(self.index, columns=present)
                batches: Iterator[pa.RecordBatch] = iter(table.to_batches())
            else:
                reader = pq.ParquetFile(self.path, pre_buffer=False, buffer_size=STREAM_BUFFER)
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
