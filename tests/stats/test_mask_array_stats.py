"""MaskStats over masks held as arrays (io/frames.mask_field): parts merge to the whole.

The masks are laid out by io/ as a loader or ``check_arrays`` lays them out, scanned in
units (some merged out of order, as parallel tasks are), and compared with the whole
scanned at once and with brute-force numpy counts over the same arrays.
"""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcheck.io.frames import mask_field, tensor_field, tensor_values
from labelcheck.stats.mask import MaskStats
from labelcheck.stats.tokens import RowContext

VALUES = [0, 1, 2, 7, 255]


def _batch(images: np.ndarray, masks: np.ndarray) -> pa.RecordBatch:
    schema = pa.schema(
        [
            tensor_field("test", "X", images.shape, images.dtype),
            mask_field("y", masks.shape, masks.dtype, pairs="X"),
        ]
    )
    return pa.RecordBatch.from_arrays([tensor_values(images), tensor_values(masks)], schema=schema)


def _scanned(batch: pa.RecordBatch, unit: int | None) -> MaskStats:
    stats = MaskStats.empty(batch.schema.field("y"))
    stats.update(batch.column("y"), RowContext(batch, unit))
    return stats


def _facts(stats: MaskStats) -> dict:
    return {
        "count": stats.count,
        "pixels": stats.pixels,
        "masks": stats.masks,
        "value_sets": stats.value_sets,
        "colours": stats.colours,
        "colour_masks": stats.colour_masks,
        "colour_files": stats.colour_files(),
        "named": {v: stats.files_with([v]) for v in VALUES},
        "mismatches": (stats.size_mismatch_count, stats.mismatches()),
        "sizes": stats.files.sizes,
    }


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 40),
    colour=st.booleans(),
    image_side=st.sampled_from([5, 6]),
    cuts=st.lists(st.integers(1, 39), max_size=4),
    numbered=st.booleans(),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_array_mask_statistics_merge_to_the_whole(
    n, colour, image_side, cuts, numbered, seed, data
):
    rng = np.random.default_rng(seed)
    ids = rng.choice(VALUES, size=(n, 5, 4), p=[0.5, 0.3, 0.1, 0.05, 0.05]).astype(np.uint8)
    masks = ids
    if colour:  # grey RGB masks (R = G = B) but for a few colour-coded ones
        masks = np.repeat(ids[..., None], 3, axis=3)
        coded = rng.random(n) < 0.3
        masks[coded, ..., 1] ^= 40  # G differs from R and B
    images = rng.random((n, image_side, 4, 3), dtype=np.float32)
    bounds = sorted({0, n, *(c for c in cuts if c < n)})
    parts = [_batch(images[a:b], masks[a:b]) for a, b in itertools.pairwise(bounds)]
    whole = _scanned(_batch(images, masks), None)
    scans = [_scanned(b, i if numbered else None) for i, b in enumerate(parts)]
    if numbered:  # parallel tasks: parts merge in any order, rows follow their unit's number
        scans = data.draw(st.permutations(scans))
    merged = scans[0]
    for s in scans[1:]:
        merged = merged.merge(s)
    assert _facts(merged) == _facts(whole)
    assert _facts(MaskStats.from_dict(whole.to_dict())) == _facts(whole)
    # brute force over the same arrays
    grey = ~((masks[..., 1] != masks[..., 0]).any(axis=(1, 2))) if colour else np.ones(n, bool)
    values, counts = np.unique(ids[grey], return_counts=True)
    assert whole.pixels == dict(zip(values.tolist(), counts.tolist(), strict=True))
    for v in VALUES:
        holding = np.flatnonzero(grey & (ids == v).any(axis=(1, 2)))
        assert whole.files_with([v]) == [f"row {i}" for i in holding]
        assert (whole.masks or {}).get(v, 0) == holding.size
    assert whole.colour_files() == [f"row {i}" for i in np.flatnonzero(~grey)]
    assert whole.colour_masks == int((~grey).sum())
    assert whole.masks_holding({255, 7}) == int(
        (grey & np.isin(ids, [7, 255]).any(axis=(1, 2))).sum()
    )
    # the images are 5x4 or 6x4 (H x W); the masks 5x4: every row, or none, mismatches
    assert whole.size_mismatch_count == (n if image_side != 5 else 0)
    if image_side != 5:
        assert whole.mismatches()[0] == ("row 0", "4x5", "4x6")
