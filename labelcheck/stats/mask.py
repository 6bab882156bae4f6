"""Statistics of a segmentation-mask column: the mask is the label, one class id per pixel.

A mask column holds values in the image layout (``struct<bytes, path>``), each
file decoded once by the image statistic (:class:`ImageStats`: failures,
modes, formats, sizes), whose loaded image is read here for its values: exact
pixel and mask counts per value (palette PNGs by index, never converted to
RGB), how many masks are RGB with channels that differ (colour-coded), and how
many rows have an image but no mask or a mask but no image (pairing is io/'s;
an unpaired side is null). Mergeable like every statistic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from labelcheck.stats.image import NAMED_CAP, ImageStats

#: Distinct mask values (or RGB colours) counted before giving up.
VALUES_CAP = 65_536
#: Values with example files, and files per value: every file (up to ``NAMED_CAP``) for the
#: first ``_FULL_VALUES`` values seen, a few for the later ones (JPEG masks hold hundreds of
#: values; this bounds the paths kept to about ``_FULL_VALUES * NAMED_CAP``). The cap follows
#: the order values were first seen, which merging keeps: parts merge to the whole while a
#: column holds at most ``_FULL_VALUES`` values; past it, which few files are named may
#: differ between engines (the counts never do).
_EXAMPLE_VALUES = 1024
_FULL_VALUES = 16
_EXAMPLES = 3
#: Field metadata: the image column a mask column pairs with.
PAIRS_KEY = b"labelcheck.pairs"


@dataclass
class MaskStats:
    """Mergeable statistics of one mask column. See the module docstring."""

    files: ImageStats
    pairs_with: str | None = None  # the image column of the same rows
    kind: str = "mask"
    pixels: dict[int, int] | None = field(default_factory=dict)  # value -> pixels
    masks: dict[int, int] | None = field(default_factory=dict)  # value -> masks holding it
    colour_masks: int = 0  # RGB masks whose channels differ somewhere
    colour_paths: list[str] = field(default_factory=list)
    colours: dict[int, int] | None = field(default_factory=dict)  # 0xRRGGBB -> pixels
    #: Masks by the set of values they hold ("0,1,255" -> masks): exact counts of the
    #: masks holding any of some values (LC406), however the values combine.
    value_sets: dict[str, int] | None = field(default_factory=dict)
    #: A few mask files per value (values counted while there are few): findings name them.
    examples: dict[int, list[str]] = field(default_factory=dict)
    #: Rows with an image and no mask, and masks with no image (io/ pairs them).
    unpaired_images: list[str] = field(default_factory=list)
    unpaired_image_count: int = 0
    unpaired_masks: list[str] = field(default_factory=list)
    unpaired_mask_count: int = 0
    #: Pairs whose mask's size differs from its image's: (mask, mask size, image size).
    size_mismatches: list[tuple[str, str, str]] = field(default_factory=list)
    size_mismatch_count: int = 0

    @classmethod
    def empty(cls, f: pa.Field) -> MaskStats:
        pairs = (f.metadata or {}).get(PAIRS_KEY)
        files = ImageStats.empty(f)
        files.masks = True  # thumbnails in a palette
        return cls(files, pairs.decode() if pairs else None)

    def update(self, array: pa.Array | pa.ChunkedArray, pre: Any = None) -> pa.Array:
        """Decode every mask once; return each row's mask hash (row identity)."""
        return self.files.update(array, visit=self._visit)

    def observe(self, batch: pa.RecordBatch, name: str, columns: dict[str, Any]) -> None:
        """After this batch is decoded: count the rows where one side of an image/mask pair
        is missing, and the pairs whose sizes differ (``columns``: the batch's statistics)."""
        if self.pairs_with is None or self.pairs_with not in batch.schema.names:
            return
        images, masks = batch.column(self.pairs_with), batch.column(name)
        image_stats = columns.get(self.pairs_with)
        image_sizes = getattr(image_stats, "row_sizes", None)
        mask_sizes = getattr(self.files, "row_sizes", None)
        if image_sizes is not None and mask_sizes is not None:
            rows = zip(image_sizes, mask_sizes, masks.to_pylist(), strict=True)
            for image_size, mask_size, mask in rows:
                if image_size and mask_size and image_size != mask_size:
                    self.size_mismatch_count += 1
                    if len(self.size_mismatches) < NAMED_CAP:
                        self.size_mismatches.append(
                            (str(mask["path"]), _size(mask_size), _size(image_size))
                        )
        for image, mask in zip(images.to_pylist(), masks.to_pylist(), strict=True):
            if image is not None and mask is None:
                self.unpaired_image_count += 1
                if len(self.unpaired_images) < NAMED_CAP:
                    self.unpaired_images.append(str(image.get("path")))
            elif image is None and mask is not None:
                self.unpaired_mask_count += 1
                if len(self.unpaired_masks) < NAMED_CAP:
                    self.unpaired_masks.append(str(mask.get("path")))

    def _visit(self, name: str, im: Any) -> None:
        values = np.asarray(im)
        if values.ndim == 3:  # RGB(A): grey when R = G = B, else colour-coded
            rgb = values[..., :3].astype(np.int64)
            if (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all():
                values = values[..., 0]
            else:
                self.colour_masks += 1
                if len(self.colour_paths) < NAMED_CAP:
                    self.colour_paths.append(name)
                packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
                found, counts = np.unique(packed, return_counts=True)
                self.colours = _add(self.colours, found, counts)
                return
        found, counts = np.unique(values, return_counts=True)
        index = {k: i for i, k in enumerate(self.examples)}
        for v in found.tolist():
            i = index.get(int(v))
            if i is None and len(self.examples) < _EXAMPLE_VALUES:
                i = index[int(v)] = len(self.examples)
                self.examples[int(v)] = []
            if i is not None and len(self.examples[int(v)]) < _per_value(i):
                self.examples[int(v)].append(name)
        self.pixels = _add(self.pixels, found, counts)
        self.masks = _add(self.masks, found, np.ones_like(counts))
        if self.value_sets is not None:
            key = ",".join(str(int(v)) for v in found.tolist())
            self.value_sets[key] = self.value_sets.get(key, 0) + 1
            if len(self.value_sets) > VALUES_CAP:
                self.value_sets = None

    def masks_holding(self, values: set[int]) -> int | None:
        """How many masks hold any of ``values`` (exact), or None past the caps."""
        if self.value_sets is None:
            return None
        return sum(
            n
            for key, n in self.value_sets.items()
            if key and values.intersection(int(v) for v in key.split(","))
        )

    def merge(self, other: MaskStats) -> MaskStats:
        sets = None
        if self.value_sets is not None and other.value_sets is not None:
            sets = dict(self.value_sets)
            for k, v in other.value_sets.items():
                sets[k] = sets.get(k, 0) + v
            sets = sets if len(sets) <= VALUES_CAP else None
        return MaskStats(
            self.files.merge(other.files),
            self.pairs_with,
            value_sets=sets,
            examples=_merged_examples(self.examples, other.examples),
            pixels=_merged(self.pixels, other.pixels),
            masks=_merged(self.masks, other.masks),
            colour_masks=self.colour_masks + other.colour_masks,
            colour_paths=(self.colour_paths + other.colour_paths)[:NAMED_CAP],
            colours=_merged(self.colours, other.colours),
            unpaired_images=(self.unpaired_images + other.unpaired_images)[:NAMED_CAP],
            unpaired_image_count=self.unpaired_image_count + other.unpaired_image_count,
            unpaired_masks=(self.unpaired_masks + other.unpaired_masks)[:NAMED_CAP],
            unpaired_mask_count=self.unpaired_mask_count + other.unpaired_mask_count,
            size_mismatches=(self.size_mismatches + other.size_mismatches)[:NAMED_CAP],
            size_mismatch_count=self.size_mismatch_count + other.size_mismatch_count,
        )

    @property
    def count(self) -> int:
        return self.files.count

    def summary(self) -> dict[str, Any]:
        out = self.files.summary()
        out["type"] = "mask"
        out["values"] = None if self.pixels is None else dict(sorted(self.pixels.items()))
        out["unpaired_images"] = self.unpaired_images
        out["unpaired_masks"] = self.unpaired_masks
        return out

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "files"}
        for key in ("pixels", "masks", "colours", "examples"):
            if data[key] is not None:
                data[key] = [[k, v] for k, v in data[key].items()]
        return {**data, "files": self.files.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MaskStats:
        data = dict(data)
        data["files"] = ImageStats.from_dict(data["files"])
        data["size_mismatches"] = [tuple(item) for item in data["size_mismatches"]]
        for key in ("pixels", "masks", "colours", "examples"):
            if data[key] is not None:
                data[key] = {int(k): v for k, v in data[key]}
        return cls(**data)

    def files_with(self, values: Sequence[int]) -> list[str]:
        """The mask files holding any of ``values``: every one (up to ``NAMED_CAP``) when
        they are among the first ``_FULL_VALUES`` values seen, else a few per value."""
        found = [path for v in values for path in self.examples.get(int(v), [])]
        return list(dict.fromkeys(found))


def _add(
    into: dict[int, int] | None, keys: np.ndarray, counts: np.ndarray
) -> dict[int, int] | None:
    if into is None:
        return None
    for k, n in zip(keys.tolist(), counts.tolist(), strict=True):
        into[int(k)] = into.get(int(k), 0) + int(n)
    return into if len(into) <= VALUES_CAP else None


def _merged(a: dict[int, int] | None, b: dict[int, int] | None) -> dict[int, int] | None:
    if a is None or b is None:
        return None
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out if len(out) <= VALUES_CAP else None


def _merged_examples(a: dict[int, list[str]], b: dict[int, list[str]]) -> dict[int, list[str]]:
    out = {k: list(v) for k, v in a.items()}
    index = {k: i for i, k in enumerate(out)}
    for k, v in b.items():
        if k in out:
            out[k] = (out[k] + v)[: _per_value(index[k])]
        elif len(out) < _EXAMPLE_VALUES:
            index[k] = len(out)
            out[k] = list(v)[: _per_value(index[k])]
    return out


def _per_value(index: int) -> int:
    """Files kept for the ``index``-th value seen: every one for the first, a few after."""
    return NAMED_CAP if index < _FULL_VALUES else _EXAMPLES


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"
