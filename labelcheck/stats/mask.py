"""Statistics of a segmentation-mask column: the mask is the label, one class id per pixel.

A mask column holds values in the image layout (``struct<bytes, path>``), each
file decoded once by the image statistic (:class:`ImageStats`: failures,
modes, formats, sizes), whose loaded image is read here for its values: exact
pixel and mask counts per value (palette PNGs by index, never converted to
RGB), how many masks are RGB with channels that differ (colour-coded), and how
many rows have an image but no mask or a mask but no image (pairing is io/'s;
an unpaired side is null). Mergeable like every statistic.

Masks held as arrays (io/frames.``mask_field``: a loader's (N, H, W) ``labels``, or
``check_arrays(images, masks)``) are the same column kind laid out as a fixed-size
list per mask with the mask's shape in the field's metadata: the same counts, taken
from the arrays (no file to decode), the masks named by their row, as (unit, row)
pairs turned into global row numbers when read; the pair's size is the image
tensor's, so a mismatch is every row's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from labelcheck.stats.image import KIND_KEY, NAMED_CAP, ImageStats
from labelcheck.stats.tensor import CHANNELS_KEY, SHAPE_KEY
from labelcheck.stats.tokens import AUTO_UNIT, RowContext

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
#: Array masks: rows named per value (the first in unit order), per finding.
ROWS_NAMED = 1000
#: Array masks: pixels (masks x H x W) counted at a time (bounds the int64 keys).
_CHUNK_PIXELS = 1 << 22


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
    #: Array masks: one mask's shape, (H, W) or (H, W, C); None for mask files.
    shape: tuple[int, ...] | None = None
    #: Array masks: rows per unit (global row numbers follow unit order) and the rows
    #: named, as (unit, row) pairs: per value, the colour-coded masks, the size mismatches.
    unit_rows: dict[int, int] = field(default_factory=dict)
    value_rows: dict[int, np.ndarray] = field(default_factory=dict)
    colour_rows: np.ndarray = field(default_factory=lambda: _no_rows())
    mismatch_rows: np.ndarray = field(default_factory=lambda: _no_rows())
    mismatch_sizes: tuple[str, str] | None = None  # (mask size, image size), "WxH"

    @classmethod
    def empty(cls, f: pa.Field) -> MaskStats:
        meta = f.metadata or {}
        pairs = meta.get(PAIRS_KEY)
        files = ImageStats.empty(f)
        files.masks = True  # thumbnails in a palette
        shape = tuple(json.loads(meta[SHAPE_KEY])) if SHAPE_KEY in meta else None
        return cls(files, pairs.decode() if pairs else None, shape=shape)

    @property
    def arrays(self) -> bool:
        """Whether the masks are arrays (no files: nothing a file step can rewrite)."""
        return self.shape is not None

    def update(self, array: pa.Array | pa.ChunkedArray, pre: Any = None) -> pa.Array:
        """Decode every mask once; return each row's mask hash (row identity)."""
        if self.shape is not None:
            return self._update_arrays(array, pre if isinstance(pre, RowContext) else None)
        return self.files.update(array, visit=self._visit)

    # ------------------------------------------------------------ array masks
    def _update_arrays(self, array: pa.Array | pa.ChunkedArray, ctx: RowContext | None) -> pa.Array:
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        assert self.shape is not None
        n = len(array)
        unit = AUTO_UNIT if ctx is None or ctx.unit is None else ctx.unit
        base = self.unit_rows.get(unit, 0)
        self.unit_rows[unit] = base + n
        if n == 0:
            return pa.array([], pa.binary())
        flat = array.flatten().to_numpy(zero_copy_only=False)
        masks = flat.reshape(n, *self.shape)
        height, width = self.shape[:2]
        files = self.files
        files.images += n
        files.decoded += n
        if files.sizes is not None:
            files.sizes[f"{width}x{height}"] = files.sizes.get(f"{width}x{height}", 0) + n
        mode = "L" if len(self.shape) == 2 else "RGB" if self.shape[-1] == 3 else "RGBA"
        files.modes[mode] = files.modes.get(mode, 0) + n
        self._pair_sizes(ctx, unit, base, n)
        if masks.ndim == 4:  # RGB(A): grey when R = G = B, else colour-coded
            rgb = masks[..., :3].astype(np.int64)
            grey = ((rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2])).all(axis=(1, 2))
            colour = np.flatnonzero(~grey)
            if colour.size:
                self.colour_masks += int(colour.size)
                self.colour_rows = _first(self.colour_rows, _pairs(unit, base + colour))
                picked = rgb[colour]
                packed = (picked[..., 0] << 16) | (picked[..., 1] << 8) | picked[..., 2]
                self.colours = _add(self.colours, *np.unique(packed, return_counts=True))
            masks = masks[grey][..., 0]
            rows = base + np.flatnonzero(grey)
        else:
            rows = base + np.arange(n)
        if len(masks):
            self._count_values(masks.reshape(len(masks), -1), unit, rows)
        per_mask = np.ascontiguousarray(flat.reshape(n, -1))
        return pa.array(
            [hashlib.blake2b(m.tobytes(), digest_size=16).digest() for m in per_mask], pa.binary()
        )

    def _count_values(self, masks: np.ndarray, unit: int, rows: np.ndarray) -> None:
        """Pixels and masks per value, each mask's value set, the rows per value."""
        step = max(1, _CHUNK_PIXELS // max(masks.shape[1], 1))
        for start in range(0, len(masks), step):
            part = masks[start : start + step].astype(np.int64)
            row, value, pixels = _row_values(part)
            self.pixels = _add(self.pixels, *_summed(value, pixels))
            found, holding = np.unique(value, return_counts=True)
            self.masks = _add(self.masks, found, holding)
            if self.value_sets is not None:
                cuts = np.flatnonzero(np.diff(row)) + 1
                for values in np.split(value, cuts):
                    key = ",".join(map(str, values.tolist()))
                    self.value_sets[key] = self.value_sets.get(key, 0) + 1
                if len(self.value_sets) > VALUES_CAP:
                    self.value_sets = None
            order = np.argsort(value, kind="stable")  # rows ascending within each value
            bounds = np.flatnonzero(np.diff(value[order])) + 1
            for group in np.split(order, bounds):
                v = int(value[group[0]])
                if v not in self.value_rows and len(self.value_rows) >= _EXAMPLE_VALUES:
                    continue
                named = _pairs(unit, rows[start + row[group[:ROWS_NAMED]]])
                self.value_rows[v] = _first(self.value_rows.get(v, _no_rows()), named)

    def _pair_sizes(self, ctx: RowContext | None, unit: int, base: int, n: int) -> None:
        """Every mask of the batch against its image's size (the image tensor's field)."""
        if ctx is None or self.pairs_with not in ctx.batch.schema.names:
            return
        meta = ctx.batch.schema.field(self.pairs_with).metadata or {}
        if SHAPE_KEY not in meta or KIND_KEY in meta or self.shape is None:
            return
        image = tuple(json.loads(meta[SHAPE_KEY]))
        image_hw = image[1:3] if meta.get(CHANNELS_KEY) == b"first" else image[:2]
        if tuple(image_hw) == tuple(self.shape[:2]):
            return
        self.size_mismatch_count += n
        self.mismatch_rows = _first(self.mismatch_rows, _pairs(unit, base + np.arange(n)))
        self.mismatch_sizes = (_size(self.shape[1::-1]), _size(image_hw[::-1]))

    def _row_names(self, pairs: np.ndarray) -> list[str]:
        offsets, start = {}, 0
        for unit in sorted(self.unit_rows):
            offsets[unit] = start
            start += self.unit_rows[unit]
        return [f"row {offsets.get(int(u), 0) + int(r)}" for u, r in pairs.tolist()]

    # ------------------------------------------------------------ reading
    def colour_files(self) -> list[str]:
        """The colour-coded masks named: files, or rows of array masks."""
        return self._row_names(self.colour_rows) if self.arrays else self.colour_paths

    def mismatches(self) -> list[tuple[str, str, str]]:
        """The masks of another size than their image: (mask, mask size, image size)."""
        if not self.arrays or self.mismatch_sizes is None:
            return self.size_mismatches
        mask, image = self.mismatch_sizes
        return [(row, mask, image) for row in self._row_names(self.mismatch_rows)]

    def observe(self, batch: pa.RecordBatch, name: str, columns: dict[str, Any]) -> None:
        """After this batch is decoded: count the rows where one side of an image/mask pair
        is missing, and the pairs whose sizes differ (``columns``: the batch's statistics)."""
        if self.arrays or self.pairs_with is None or self.pairs_with not in batch.schema.names:
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
            **self._merged_rows(other),
        )

    def _merged_rows(self, other: MaskStats) -> dict[str, Any]:
        """The array masks' row fields of ``self`` and ``other`` (its rows of no unit after
        this one's), the same whichever way the parts merge."""
        if not self.arrays:
            return {}
        shift = self.unit_rows.get(AUTO_UNIT, 0)

        def theirs(pairs: np.ndarray) -> np.ndarray:
            out = pairs.copy()
            out[out[:, 0] == AUTO_UNIT, 1] += shift
            return out

        units = dict(self.unit_rows)
        for u, c in other.unit_rows.items():
            units[u] = units.get(u, 0) + c
        values = {v: r for v, r in self.value_rows.items()}
        for v, r in other.value_rows.items():
            values[v] = _first(values.get(v, _no_rows()), theirs(r))
        kept = set(sorted(values)[:_EXAMPLE_VALUES])
        return {
            "shape": self.shape,
            "unit_rows": units,
            "value_rows": {v: r for v, r in values.items() if v in kept},
            "colour_rows": _first(self.colour_rows, theirs(other.colour_rows)),
            "mismatch_rows": _first(self.mismatch_rows, theirs(other.mismatch_rows)),
            "mismatch_sizes": self.mismatch_sizes or other.mismatch_sizes,
        }

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
        for key in ("pixels", "masks", "colours", "examples", "unit_rows"):
            if data[key] is not None:
                data[key] = [[k, v] for k, v in data[key].items()]
        data["value_rows"] = [[k, v.tolist()] for k, v in self.value_rows.items()]
        for key in ("colour_rows", "mismatch_rows"):
            data[key] = data[key].tolist()
        for key in ("shape", "mismatch_sizes"):
            data[key] = None if data[key] is None else list(data[key])
        return {**data, "files": self.files.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MaskStats:
        data = dict(data)
        data["files"] = ImageStats.from_dict(data["files"])
        data["size_mismatches"] = [tuple(item) for item in data["size_mismatches"]]
        for key in ("pixels", "masks", "colours", "examples", "unit_rows"):
            if data[key] is not None:
                data[key] = {int(k): v for k, v in data[key]}
        data["value_rows"] = {int(k): _as_rows(v) for k, v in data["value_rows"]}
        for key in ("colour_rows", "mismatch_rows"):
            data[key] = _as_rows(data[key])
        for key in ("shape", "mismatch_sizes"):
            data[key] = None if data[key] is None else tuple(data[key])
        return cls(**data)

    def files_with(self, values: Sequence[int]) -> list[str]:
        """The mask files holding any of ``values``: every one (up to ``NAMED_CAP``) when
        they are among the first ``_FULL_VALUES`` values seen, else a few per value. Array
        masks: the first rows (up to ``ROWS_NAMED`` per value), in row order."""
        if self.arrays:
            held = [self.value_rows[int(v)] for v in values if int(v) in self.value_rows]
            pairs = _first(_no_rows(), np.concatenate(held)) if held else _no_rows()
            return self._row_names(np.unique(pairs, axis=0) if len(pairs) else pairs)
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


def _size(size: Sequence[int]) -> str:
    return f"{size[0]}x{size[1]}"


def _no_rows() -> np.ndarray:
    return np.zeros((0, 2), np.int64)


def _as_rows(items: list[list[int]]) -> np.ndarray:
    return np.asarray(items, np.int64).reshape(-1, 2)


def _pairs(unit: int, rows: np.ndarray) -> np.ndarray:
    return np.column_stack([np.full(rows.size, unit, np.int64), rows.astype(np.int64)])


def _first(a: np.ndarray, b: np.ndarray, cap: int = ROWS_NAMED) -> np.ndarray:
    """The ``cap`` first (unit, row) pairs of both, in unit then row order."""
    both = np.concatenate([a, b]) if len(b) else a
    if len(both) <= 1 or not len(b):
        return both[:cap]
    return both[np.lexsort((both[:, 1], both[:, 0]))[:cap]]


def _row_values(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (mask, value) present in ``masks`` (int64, one mask a row) with its pixels,
    sorted by mask then value: one ``np.unique`` over mask * span + value keys."""
    n = len(masks)
    lo, hi = int(masks.min()), int(masks.max())
    span = hi - lo + 1
    if span > (1 << 62) // max(n, 1):  # values too far apart for one key: mask by mask
        parts = [np.unique(m, return_counts=True) for m in masks]
        row = np.concatenate([np.full(len(v), i, np.int64) for i, (v, _) in enumerate(parts)])
        return row, np.concatenate([v for v, _ in parts]), np.concatenate([c for _, c in parts])
    keys = np.arange(n, dtype=np.int64)[:, None] * span + (masks - lo)
    if n * span <= _CHUNK_PIXELS:  # few values (class ids): counted, not sorted
        table = np.bincount(keys.ravel(), minlength=n * span)
        found = np.flatnonzero(table)
        counts = table[found]
    else:
        found, counts = np.unique(keys, return_counts=True)
    return found // span, found % span + lo, counts


def _summed(values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``counts`` added up per distinct value."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return ordered[starts], np.add.reduceat(counts[order].astype(np.int64), starts)
