"""Engines decide *where* statistics are computed; the statistics code is shared."""
