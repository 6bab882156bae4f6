"""Named splits: a directory laid out as train/validation/test, or a ``datasets.DatasetDict``.

Hugging Face style ``data/train-00000-of-00002.parquet``, ``test-*.parquet``,
``validation``/``valid``/``val``/``dev``, or ``train/`` and ``test/``
subfolders: each split becomes its own :class:`Source`, so splits are never
mixed into one dataset. A directory of plain parts (``part-0.parquet``) is one
dataset, as before.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from labelcheck.errors import InputError

#: Spellings of split names -> the split.
SPLIT_NAMES = {
    "train": "train",
    "training": "train",
    "test": "test",
    "testing": "test",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
}
_ORDER = ("train", "validation", "test")
_TOKEN = re.compile(r"[-_.]")


def split_of(relative: str) -> str | None:
    """The split a file belongs to, from its folders or its name (``data/test-0.parquet``)."""
    for part in Path(relative).parts:
        token = _TOKEN.split(part.lower(), maxsplit=1)[0]
        if token in SPLIT_NAMES:
            return SPLIT_NAMES[token]
    return None


def group_splits(location: str, files: list[str]) -> dict[str, list[str]] | None:
    """The files of a directory by split (train first), or None when it is one dataset.

    A directory holding one split only, or no split name at all, is one dataset;
    named splits mixed with other files are an :class:`InputError`.
    """
    by_split: dict[str, list[str]] = {}
    other: list[str] = []
    for path in files:
        split = split_of(os.path.relpath(path, location))
        (by_split.setdefault(split, []) if split else other).append(path)
    if not by_split or (len(by_split) == 1 and not other):
        return None
    if other:
        shown = ", ".join(os.path.relpath(p, location) for p in other[:3])
        raise InputError(
            f"{location}: mixes named splits ({', '.join(ordered(list(by_split)))}) with "
            f"other files ({shown}); move them, or scan the files you mean"
        )
    return {split: by_split[split] for split in ordered(list(by_split))}


def ordered(splits: list[str]) -> list[str]:
    known = [s for s in _ORDER if s in splits]
    return known + sorted(s for s in splits if s not in known)
