"""Statistics of an image *tensor* column: per channel, never per pixel.

A numpy array of shape (N, H, W), (N, H, W, C) or (N, C, H, W) is laid out by
io/ as one row per image, the image's values a fixed-size list, with the shape
and channel axis in the field's metadata. :class:`TensorStats` keeps one
:class:`~labelcheck.stats.column.ColumnStats` per channel (so the feature rules
LC101-LC106 report a channel, not each of H x W pixel positions) and counts the
images holding NaN or Inf (``rows`` count images). Mergeable like every statistic.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from labelcheck.stats.column import ColumnStats

SHAPE_KEY = b"labelcheck.shape"
#: The axis of the channels in one image's shape: "last" (H, W, C) or "first" (C, H, W).
CHANNELS_KEY = b"labelcheck.channels"


@dataclass
class TensorStats:
    """Per-channel statistics of an image tensor column."""

    dtype: str
    shape: tuple[int, ...]  # one image: (H, W), (H, W, C) or (C, H, W)
    channels_first: bool = False
    kind: str = "tensor"
    images: int = 0
    nan_rows: int = 0  # images with a NaN in any channel
    inf_rows: int = 0
    channels: list[ColumnStats] = field(default_factory=list)

    @classmethod
    def empty(cls, f: pa.Field) -> TensorStats:
        meta = f.metadata or {}
        shape = tuple(json.loads(meta[SHAPE_KEY]))
        first = meta.get(CHANNELS_KEY) == b"first"
        n = 1 if len(shape) == 2 else shape[0] if first else shape[-1]
        value = f.type.value_type
        return cls(str(f.type), shape, first, channels=[ColumnStats.empty(value) for _ in range(n)])

    def update(self, array: pa.Array | pa.ChunkedArray, pre: Any = None) -> pa.Array:
        """Fold in a batch of images; return each image's hash of its values (row identity)."""
        if isinstance(array, pa.ChunkedArray):
            parts = [self.update(chunk) for chunk in array.chunks]
            return pa.concat_arrays(parts) if parts else pa.array([], pa.binary())
        n = len(array)
        flat = array.flatten().to_numpy(zero_copy_only=False)
        images = flat.reshape(n, *self.shape)
        if len(self.shape) == 2:
            images = images[..., None]
        elif self.channels_first:
            images = np.moveaxis(images, 1, -1)
        self.images += n
        if images.dtype.kind == "f":
            per_image = images.reshape(n, -1)
            self.nan_rows += int(np.isnan(per_image).any(axis=1).sum())
            self.inf_rows += int(np.isinf(per_image).any(axis=1).sum())
        for c, stats in enumerate(self.channels):
            stats.update(pa.array(np.ascontiguousarray(images[..., c]).ravel()))
        rows = np.ascontiguousarray(flat.reshape(n, -1))
        return pa.array(
            [hashlib.blake2b(row.tobytes(), digest_size=16).digest() for row in rows], pa.binary()
        )

    def merge(self, other: TensorStats) -> TensorStats:
        return TensorStats(
            self.dtype,
            self.shape,
            self.channels_first,
            images=self.images + other.images,
            nan_rows=self.nan_rows + other.nan_rows,
            inf_rows=self.inf_rows + other.inf_rows,
            channels=[a.merge(b) for a, b in zip(self.channels, other.channels, strict=True)],
        )

    @property
    def count(self) -> int:
        return self.images

    def summary(self) -> dict[str, Any]:
        return {
            "type": self.dtype,
            "shape": list(self.shape),
            "count": self.images,
            "channels": [c.summary() for c in self.channels],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "dtype": self.dtype,
            "shape": list(self.shape),
            "channels_first": self.channels_first,
            "images": self.images,
            "nan_rows": self.nan_rows,
            "inf_rows": self.inf_rows,
            "channels": [c.to_dict() for c in self.channels],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TensorStats:
        data = dict(data)
        data["shape"] = tuple(data["shape"])
        data["channels"] = [ColumnStats.from_dict(c) for c in data["channels"]]
        return cls(**data)
