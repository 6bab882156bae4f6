"""Readers, writers and converters: the only code that knows formats and dataframe libraries."""

from labelcheck.io.readers import open_source, open_splits, split_files
from labelcheck.io.source import SchemaChanged, Source, Unit, reads_column_subsets

__all__ = [
    "SchemaChanged",
    "Source",
    "Unit",
    "open_source",
    "open_splits",
    "reads_column_subsets",
    "split_files",
]
