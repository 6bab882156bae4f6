"""Readers and writers: the only code that knows about file formats."""

from labelcheck.io.readers import Source, open_source

__all__ = ["Source", "open_source"]
