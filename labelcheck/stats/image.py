"""Statistics of an image column: every image decoded once, summarised, merged exactly.

An image column holds values in the Hugging Face ``Image`` layout,
``struct<bytes: binary, path: string>``: encoded bytes, or a path read here
(relative to the column's ``root``, from the field's metadata), so a folder's
table never holds the files' bytes. :class:`ImageStats` is mergeable like
:class:`~labelcheck.stats.column.ColumnStats` (``a.merge(b)``): counts are exact,
per-channel sums of values and squares are Python integers (so means and
standard deviations are exact for 8- and 16-bit data), 256-bin histograms add
up, and the lists of named files are kept up to a cap (their counts stay exact).

A file is *readable* when Pillow loads it fully (``Image.open(...).load()``), as
the user's ``DataLoader`` will; an image over Pillow's pixel limit
(``Image.MAX_IMAGE_PIXELS``, a decompression bomb) is a failure and is never
decoded. Each row's decoded pixels (with size and mode) are hashed, and that
hash stands for the column in the row hashes, so LC301-LC303 compare pictures,
not file names. Pillow is imported by the functions that decode.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import os
import threading
import warnings
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa

from labelcheck.errors import InputError, quiet_pillow

#: Files named per list (failures, blank, rotated, ...); the counts are exact past it.
NAMED_CAP = 10_000
#: Distinct image sizes counted before giving up on the size distribution.
SIZES_CAP = 4096
#: Images kept at each end of the area and aspect-ratio orders (LC403 names them).
ODD_K = 64
#: Paths kept per mode (LC402 names every image not in the majority mode, which is only
#: known at the end): a few modes, so at most a few times ``NAMED_CAP`` paths.
MODE_EXAMPLES = NAMED_CAP
#: Folders counted (class folders: LC410); past it, None.
FOLDERS_CAP = 100_000
#: Thumbnails kept per reason (blank, rotated, a mode, very elongated, a mask): the HTML
#: report shows those of flagged files. Each is at most THUMB_SIDE pixels a side.
THUMBS = 6
THUMB_SIDE = 64
#: Thumbnails per mode (LC402 shows a few of each layout): the majority mode's first
#: files are thumbnailed in every unit of a scan, so few.
_MODE_THUMBS = 2
#: Aspect ratio past which an image is thumbnailed as "wide" (LC403's default limit).
_WIDE = 10.0
#: Images in a batch from which the compiled histogram is used (a small scan never
#: loads the kernels).
NATIVE_MIN_IMAGES = 64
_OFFSETS = np.arange(4, dtype=np.intp) * 256
#: Field metadata keys io/ sets on an image column.
KIND_KEY = b"labelcheck.kind"
ROOT_KEY = b"labelcheck.root"
FOLDERS_KEY = b"labelcheck.folders"
#: EXIF tag of the orientation.
_ORIENTATION = 0x0112
# Opening a format other than JPEG/PNG/BMP/WebP installs a warnings filter for the
# pixel-limit warning; the filter is process-global, so those opens are serialised.
_OPEN_LOCK = threading.Lock()
_NEEDS = "install the images extra: pip install 'labelcheck[images]'"
_VALUES = np.arange(256, dtype=np.int64)
_SQUARES = _VALUES * _VALUES


def is_image_field(f: pa.Field) -> bool:
    """Whether a column holds images: marked by io/, or a Hugging Face ``Image`` struct."""
    meta = f.metadata or {}
    if meta.get(KIND_KEY) == b"image":
        return True
    t = f.type
    if pa.types.is_struct(t):
        names = {t.field(i).name for i in range(t.num_fields)}
        return names == {"bytes", "path"}
    return False


def pillow() -> Any:
    """The ``PIL.Image`` module, or a one-line :class:`InputError` naming the extra."""
    try:
        from PIL import Image
    except ImportError:
        raise InputError(f"scanning images needs Pillow; {_NEEDS}") from None
    quiet_pillow()  # its warnings about a file's metadata never reach stderr
    return Image


@dataclass
class Channel:
    """One band of decoded pixels over every image that has it."""

    count: int = 0  # pixels
    min: float | None = None
    max: float | None = None
    sum: int | float = 0  # exact integers for integer data
    sumsq: int | float = 0
    #: Pixels per 8-bit value (16-bit data: value >> 8), an int64 array of 256 bins.
    hist: np.ndarray = field(default_factory=lambda: np.zeros(256, np.int64))

    @property
    def mean(self) -> float:
        return self.sum / self.count if self.count else math.nan

    @property
    def std(self) -> float:
        if not self.count:
            return math.nan
        if isinstance(self.sum, int) and isinstance(self.sumsq, int):
            # Exact: n * sumsq - sum**2 in integers, one rounding at the end.
            return math.sqrt(max(self.count * self.sumsq - self.sum * self.sum, 0)) / self.count
        return math.sqrt(max(self.sumsq / self.count - self.mean**2, 0.0))

    def merge(self, other: Channel) -> Channel:
        out = Channel(self.count, self.min, self.max, self.sum, self.sumsq, self.hist.copy())
        out.absorb(other)
        return out

    def absorb(self, other: Channel) -> None:
        """Fold ``other`` in, in place (one image at a time: no copies)."""
        self.count += other.count
        lo = [v for v in (self.min, other.min) if v is not None]
        hi = [v for v in (self.max, other.max) if v is not None]
        self.min = min(lo) if lo else None
        self.max = max(hi) if hi else None
        self.sum += other.sum
        self.sumsq += other.sumsq
        self.hist += other.hist

    def to_dict(self) -> dict[str, Any]:
        return {**vars(self), "hist": self.hist.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Channel:
        return cls(**{**data, "hist": np.asarray(data["hist"], np.int64)})


@dataclass
class ImageStats:
    """Mergeable statistics of one image column. See the module docstring."""

    dtype: str
    root: str | None = None
    kind: str = "image"
    images: int = 0  # non-null values
    nulls: int = 0
    decoded: int = 0
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    formats: dict[str, int] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    mode_examples: dict[str, list[str]] = field(default_factory=dict)
    sizes: dict[str, int] | None = field(default_factory=dict)  # "WxH" -> images
    smallest: list[tuple[int, str, int, int]] = field(default_factory=list)  # (area, path, w, h)
    #: The most elongated images, as (-aspect ratio, path, w, h) ascending.
    widest: list[tuple[float, str, int, int]] = field(default_factory=list)
    #: Every decoded image's (path, w, h) while there are at most ``NAMED_CAP``; None past
    #: it (LC403 then names only the ``smallest`` and ``widest``): the median is only known
    #: at the end, so which images are odd is decided then.
    shapes: list[tuple[str, int, int]] | None = field(default_factory=list)
    rotated: int = 0  # EXIF orientation other than 1
    rotated_paths: list[tuple[str, int]] = field(default_factory=list)
    blank: int = 0  # constant images
    blank_paths: list[tuple[str, list[float]]] = field(default_factory=list)
    channels: dict[str, Channel] = field(default_factory=dict)  # by band name (R, G, B, L ...)
    folders: dict[str, list[int]] | None = None  # folder -> [decoded, failed]
    #: Segmentation masks: thumbnails map class ids to a palette.
    masks: bool = False
    #: reason -> [(path, data URI)], at most ``THUMBS`` each: small inlined thumbnails of
    #: candidates for findings ("blank", "rotated", "mode:L", "wide", "mask"), taken while
    #: each file is decoded (the report never reads a file).
    thumbs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    # ------------------------------------------------------------------ build
    @classmethod
    def empty(cls, f: pa.Field) -> ImageStats:
        meta = f.metadata or {}
        root = meta.get(ROOT_KEY)
        folders = meta.get(FOLDERS_KEY)
        return cls(
            dtype=str(f.type),
            root=root.decode() if root else None,
            folders=None if folders is None else {k: [0, 0] for k in json.loads(folders)},
        )

    def update(
        self, array: pa.Array | pa.ChunkedArray, pre: Any = None, visit: Any = None
    ) -> pa.Array:
        """Decode and fold in every image of ``array``; return the rows' picture hashes.

        ``visit(name, image)``: called with each loaded Pillow image (the mask
        statistic reads its values there: each file is still decoded once).

        The returned binary array (16 bytes a row) stands for this column in the
        row hashes: equal decoded pixels, size and mode give equal values; an
        image that does not decode gets a value of its own (its path), so failures
        are never "the same picture".
        """
        if isinstance(array, pa.ChunkedArray):
            parts, sizes = [], []
            for chunk in array.chunks:
                parts.append(self.update(chunk, visit=visit))
                sizes.extend(self.row_sizes)
            self.row_sizes = sizes
            return pa.concat_arrays(parts) if parts else _binary([])
        image = pillow()
        keys: list[bytes | None] = []
        # Each row's (width, height), None when it has no decoded image: for the statistics
        # of other columns of the same batch (a mask's size against its image's). Not merged.
        self.row_sizes: list[tuple[int, int] | None] = []
        # 8-bit images' counts by band layout (bands x 256), folded in once per batch; the
        # compiled histogram (GIL released) for a long batch, np.bincount otherwise.
        self._counts: dict[tuple[str, ...], tuple[np.ndarray, int]] = {}
        kernel = None
        if len(array) >= NATIVE_MIN_IMAGES:
            from labelcheck.stats import native

            kernel = native.image_kernel()
        count = partial(self._pixels, kernel)
        key = np.zeros(2, np.uint64)  # the kernel's output, read after each call
        self._key = (key, key.ctypes.data)
        for row, value in enumerate(array.to_pylist()):
            if value is None:
                self.nulls += 1
                keys.append(None)
                self.row_sizes.append(None)
                continue
            data, path = _parts(value)
            name = path or f"row {row}"
            keys.append(self._one(image, data, path, name, visit, count))
        for bands, (counts, _) in self._counts.items():
            self._absorb(_byte_channels(bands, counts.reshape(len(bands), 256)))
        self._counts = {}
        return _binary(keys)

    def _pixels(self, kernel: Any, bands: tuple[str, ...], raw: bytes) -> bytes:
        """Count an 8-bit image's bytes into the batch's histograms; return their 16-byte key
        (the compiled pass when ``kernel``, else its numpy twin: the same bits)."""
        counts, address = self._batch_counts(bands)
        if kernel is None:
            return image_counts(raw, len(bands), counts)
        key, key_address = self._key
        kernel(raw, len(raw), len(bands), address, key_address)
        return key.tobytes()

    def _batch_counts(self, bands: tuple[str, ...]) -> tuple[np.ndarray, int]:
        """The batch's counts of one band layout (bands x 256 int64) and their address."""
        found = self._counts.get(bands)
        if found is None:
            counts = np.zeros(len(bands) * 256, np.int64)
            found = self._counts[bands] = (counts, counts.ctypes.data)
        return found

    def _absorb(self, channels: dict[str, Channel]) -> None:
        for band, channel in channels.items():
            mine = self.channels.get(band)
            if mine is None:
                self.channels[band] = channel
            else:
                mine.absorb(channel)

    def _one(
        self,
        image: Any,
        data: bytes | None,
        path: str | None,
        name: str,
        visit: Any = None,
        count: Any = None,
    ) -> bytes:
        self.images += 1
        # Class folders are the first component of the path relative to the root.
        folder = name.split("/", 1)[0] if path and "/" in name else ""
        try:
            info = _decode(
                image,
                data,
                self._resolve(path),
                None if visit is None else partial(visit, name),
                self._wants,
                self.masks,
                count,
            )
        except _Unreadable as exc:
            self.failed += 1
            if len(self.failures) < NAMED_CAP:
                self.failures.append((name, str(exc)))
            self._count_folder(folder, 1)
            self.row_sizes.append(None)
            return b"unreadable\0" + name.encode()
        self.row_sizes.append(info.size)
        self.decoded += 1
        self._count_folder(folder, 0)
        _bump(self.formats, info.format)
        _bump(self.modes, info.mode)
        examples = self.mode_examples.setdefault(info.mode, [])
        if len(examples) < MODE_EXAMPLES:
            examples.append(name)
        w, h = info.size
        if self.sizes is not None:
            _bump(self.sizes, f"{w}x{h}")
            if len(self.sizes) > SIZES_CAP:
                self.sizes = None
        _keep(self.smallest, (w * h, name, w, h), ODD_K)
        if self.shapes is not None:
            self.shapes.append((name, w, h))
            if len(self.shapes) > NAMED_CAP:
                self.shapes = None
        aspect = max(w, h) / max(min(w, h), 1)
        _keep(self.widest, (-aspect, name, w, h), ODD_K)
        if info.orientation not in (None, 1):
            self.rotated += 1
            if len(self.rotated_paths) < NAMED_CAP:
                self.rotated_paths.append((name, info.orientation))
        if info.constant is not None:
            self.blank += 1
            if len(self.blank_paths) < NAMED_CAP:
                self.blank_paths.append((name, info.constant))
        if info.hist is not None:
            self._batch_counts(info.bands)[0] += np.asarray(info.hist, np.int64)
        if info.thumb is not None:
            for reason in self._reasons(info.mode, info.constant, info.orientation, w, h):
                kept = self.thumbs.setdefault(reason, [])
                kept.append((name, info.thumb))
        self._absorb(info.channels)
        return info.key

    def _reasons(
        self, mode: str, constant: Any, orientation: int | None, w: int, h: int
    ) -> list[str]:
        """Why a decoded image deserves a thumbnail: the reasons whose quota is not full."""
        if self.masks:
            wanted = ["mask"]
        else:
            wanted = [f"mode:{mode}"]
            if constant is not None:
                wanted.append("blank")
            if orientation not in (None, 1):
                wanted.append("rotated")
            if max(w, h) > _WIDE * max(min(w, h), 1):
                wanted.append("wide")
        return [r for r in wanted if len(self.thumbs.get(r, ())) < _cap(r)]

    def _wants(self, mode: str, constant: Any, orientation: int | None, size: Any) -> bool:
        w, h = size
        if self.masks or constant is not None or orientation not in (None, 1):
            return bool(self._reasons(mode, constant, orientation, w, h))
        if max(w, h) > _WIDE * max(min(w, h), 1):
            return bool(self._reasons(mode, constant, orientation, w, h))
        # The common case, per image: only the mode's few thumbnails may be missing.
        return len(self.thumbs.get("mode:" + mode, ())) < _MODE_THUMBS

    def _resolve(self, path: str | None) -> str | None:
        if path is None or self.root is None or os.path.isabs(path):
            return path
        return self.root + os.sep + path  # os.path.join's result, without its checks

    def _count_folder(self, folder: str, which: int) -> None:
        if self.folders is None:
            return
        self.folders.setdefault(folder, [0, 0])[which] += 1
        if len(self.folders) > FOLDERS_CAP:
            self.folders = None

    # ------------------------------------------------------------------ merge
    def merge(self, other: ImageStats) -> ImageStats:
        """Statistics of both parts together. Pure: neither input changes."""
        sizes = None
        if self.sizes is not None and other.sizes is not None:
            sizes = _merged_counts(self.sizes, other.sizes)
            sizes = sizes if len(sizes) <= SIZES_CAP else None
        folders = None
        if self.folders is not None and other.folders is not None:
            folders = {k: list(v) for k, v in self.folders.items()}
            for k, (d, f) in other.folders.items():
                mine = folders.setdefault(k, [0, 0])
                mine[0] += d
                mine[1] += f
            folders = folders if len(folders) <= FOLDERS_CAP else None
        shapes = None
        if self.shapes is not None and other.shapes is not None:
            shapes = self.shapes + other.shapes
            shapes = shapes if len(shapes) <= NAMED_CAP else None
        examples = {k: list(v) for k, v in self.mode_examples.items()}
        for k, v in other.mode_examples.items():
            examples[k] = (examples.get(k, []) + v)[:MODE_EXAMPLES]
        thumbs = {k: list(v) for k, v in self.thumbs.items()}
        for k, v in other.thumbs.items():
            thumbs[k] = (thumbs.get(k, []) + v)[: _cap(k)]
        channels = dict(self.channels)
        for band, ch in other.channels.items():
            channels[band] = ch if band not in channels else channels[band].merge(ch)
        return ImageStats(
            dtype=self.dtype,
            root=self.root,
            images=self.images + other.images,
            nulls=self.nulls + other.nulls,
            decoded=self.decoded + other.decoded,
            failed=self.failed + other.failed,
            failures=(self.failures + other.failures)[:NAMED_CAP],
            formats=_merged_counts(self.formats, other.formats),
            modes=_merged_counts(self.modes, other.modes),
            mode_examples=examples,
            sizes=sizes,
            smallest=sorted(self.smallest + other.smallest)[:ODD_K],
            widest=sorted(self.widest + other.widest)[:ODD_K],
            shapes=shapes,
            rotated=self.rotated + other.rotated,
            rotated_paths=(self.rotated_paths + other.rotated_paths)[:NAMED_CAP],
            blank=self.blank + other.blank,
            blank_paths=(self.blank_paths + other.blank_paths)[:NAMED_CAP],
            channels=channels,
            folders=folders,
            masks=self.masks,
            thumbs=thumbs,
        )

    # ------------------------------------------------------------ derived
    @property
    def count(self) -> int:
        return self.images + self.nulls

    @property
    def missing(self) -> int:
        return self.nulls

    def median_area(self) -> float | None:
        """The median image's area (width x height), exact from the size counts."""
        if not self.sizes:
            return None
        areas = sorted(
            (int(w) * int(h), n) for key, n in self.sizes.items() for w, h in [key.split("x")]
        )
        total = sum(n for _, n in areas)
        seen = 0
        for area, n in areas:
            seen += n
            if 2 * seen >= total:
                return float(area)
        return None  # pragma: no cover - total > 0 whenever sizes is non-empty

    def summary(self) -> dict[str, Any]:
        """The per-column figures of the JSON report: every named file (up to ``NAMED_CAP``)."""
        return {
            "type": "image",
            "count": self.count,
            "nulls": self.nulls,
            "decoded": self.decoded,
            "failed": self.failed,
            "unreadable": [{"path": p, "reason": r} for p, r in self.failures],
            "blank": [p for p, _ in self.blank_paths],
            "exif_rotated": [{"path": p, "orientation": o} for p, o in self.rotated_paths],
            "formats": dict(sorted(self.formats.items())),
            "modes": dict(sorted(self.modes.items())),
            "channels": {
                band: {
                    "min": _plain(ch.min),
                    "max": _plain(ch.max),
                    "mean": ch.mean,
                    "std": ch.std,
                }
                for band, ch in self.channels.items()
            },
        }

    # ------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain data (for Dask transport); inverse of :meth:`from_dict`."""
        data = {f: getattr(self, f) for f in self.__dataclass_fields__}
        data["channels"] = {k: v.to_dict() for k, v in self.channels.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImageStats:
        data = dict(data)
        data["channels"] = {k: Channel.from_dict(v) for k, v in data["channels"].items()}
        for key in ("failures", "smallest", "widest", "rotated_paths", "blank_paths"):
            data[key] = [tuple(item) for item in data[key]]
        if data.get("shapes") is not None:
            data["shapes"] = [tuple(item) for item in data["shapes"]]
        data["thumbs"] = {k: [tuple(t) for t in v] for k, v in data.get("thumbs", {}).items()}
        return cls(**data)


# ---------------------------------------------------------------- decoding
class _Unreadable(Exception):
    """A file Pillow cannot load; the message is the reason shown to the user."""


@dataclass
class _Decoded:
    format: str
    mode: str
    size: tuple[int, int]
    orientation: int | None
    channels: dict[str, Channel]
    constant: list[float] | None  # the value of each band when the image is constant
    key: bytes
    #: An 8-bit image's Pillow histogram (256 bins per band), folded in per batch.
    hist: list[int] | None = None
    bands: tuple[str, ...] = ()
    thumb: str | None = None  # a data URI, when the statistic asked for one


def _parts(value: Any) -> tuple[bytes | None, str | None]:
    if isinstance(value, dict):
        return value.get("bytes"), value.get("path")
    if isinstance(value, bytes):
        return value, None
    return None, str(value)


def _decode(
    image: Any,
    data: bytes | None,
    path: str | None,
    visit: Any = None,
    wants: Any = None,
    palette: bool = False,
    count: Any = None,
) -> _Decoded:
    """Open, check the pixel limit, load fully, and summarise one image."""
    import io

    if data is None:
        if path is None:
            raise _Unreadable("no bytes and no path")
        try:
            fp: Any = open(path, "rb")  # noqa: SIM115 - closed below, whatever happens
        except OSError:
            raise _Unreadable("file not found") from None
    else:
        if not data:
            raise _Unreadable("empty image bytes, 0 bytes")
        fp = io.BytesIO(data)
    with fp:
        prefix = fp.read(16)
        if not prefix:
            raise _Unreadable("empty file, 0 bytes")
        fp.seek(0)
        im = _open_common(image, fp, prefix) or _open_checked(image, fp)
        with im:
            return _summarise(im, visit, wants, palette, count)


def _open_common(image: Any, fp: Any, prefix: bytes) -> Any:
    """JPEG, PNG, BMP and WebP opened by their plugin, the pixel limit checked here.

    ``Image.open`` checks the limit itself and, between the limit and twice it, only
    *warns*; turning that warning into an error needs a warnings filter, which is
    process-wide (and ``catch_warnings`` is not thread-safe). These four plugins never
    check the limit while opening, so comparing the header's size with
    ``Image.MAX_IMAGE_PIXELS`` here, before anything is decoded, needs no filter and no
    lock. None for another format, or when the plugin refuses the file (then
    ``_open_checked`` gives Pillow's own verdict).
    """
    plugin = _plugin(prefix)
    if plugin is None:
        return None
    try:
        im = plugin(fp)
    except Exception:
        fp.seek(0)
        return None
    limit = image.MAX_IMAGE_PIXELS
    pixels = max(1, im.size[0]) * max(1, im.size[1])
    if limit is not None and pixels > limit:
        im.close()
        raise _Unreadable(
            f"decompression bomb: {pixels:,} pixels, over Pillow's limit of {limit:,} "
            "(Image.MAX_IMAGE_PIXELS); not decoded"
        )
    return im


def _plugin(prefix: bytes) -> Any:
    """The plugin class of a JPEG, PNG, BMP or WebP header; None for another."""
    if prefix[:3] == b"\xff\xd8\xff":
        from PIL.JpegImagePlugin import JpegImageFile

        return JpegImageFile
    if prefix[:8] == b"\x89PNG\r\n\x1a\n":
        from PIL.PngImagePlugin import PngImageFile

        return PngImageFile
    if prefix[:2] == b"BM":
        from PIL.BmpImagePlugin import BmpImageFile

        return BmpImageFile
    if prefix[:4] == b"RIFF" and prefix[8:12] == b"WEBP":
        try:
            from PIL.WebPImagePlugin import WebPImageFile
        except ImportError:  # Pillow built without WebP: Image.open says so
            return None
        return WebPImageFile
    return None


def _open_checked(image: Any, fp: Any) -> Any:
    """``Image.open`` with its pixel-limit warning as an error (other formats: GIF, TIFF ...,
    whose plugins check the limit while opening). The filter is process-wide, so these
    opens are serialised; decoding still runs in parallel."""
    try:
        with _OPEN_LOCK, warnings.catch_warnings():
            # The pixel-limit warning becomes an error: such a file is never decoded.
            warnings.simplefilter("error", image.DecompressionBombWarning)
            return image.open(fp)
    except (image.DecompressionBombError, image.DecompressionBombWarning) as exc:
        raise _Unreadable(
            f"decompression bomb: {_first_line(exc)} (Pillow's Image.MAX_IMAGE_PIXELS); not decoded"
        ) from None
    except image.UnidentifiedImageError:
        raise _Unreadable("not an image Pillow can identify") from None
    except Exception as exc:  # Pillow raises many types on malformed headers
        raise _Unreadable(f"cannot open: {_first_line(exc)}") from None


#: Modes whose raw bytes are one byte per band per pixel (the constant-image test reads them).
_BYTE_MODES = frozenset({"L", "P", "RGB", "RGBA", "LA", "CMYK", "YCbCr", "LAB", "HSV", "PA"})
_DEEP_MODES = frozenset({"I;16", "I;16B", "I;16L", "I", "F", "I;16N"})


def _summarise(
    im: Any, visit: Any, wants: Any = None, palette: bool = False, count: Any = None
) -> _Decoded:
    """Load ``im`` and summarise it; ``wants(mode, constant, orientation, size)`` says
    whether to keep a thumbnail (``palette``: a mask's); ``count(bands, raw) -> key`` takes
    an 8-bit image's bytes (their histograms and a 16-byte key of them)."""
    try:
        im.load()
    except Exception as exc:  # OSError("image file is truncated ..."), SyntaxError ...
        raise _Unreadable(f"does not load: {_first_line(exc)}") from None
    fmt = im.format or "unknown"
    info = im.info
    orientation = None
    # Only an EXIF or XMP block can hold an orientation: most files have neither.
    if "exif" in info or "XML:com.adobe.xmp" in info or fmt not in ("JPEG", "PNG", "BMP", "WEBP"):
        try:
            orientation = im.getexif().get(_ORIENTATION)
        except Exception:  # a malformed EXIF block: the pixels are fine, the tag unknown
            orientation = None
    mode, size = im.mode, im.size
    raw = im.tobytes()
    hist: list[int] | None = None
    inner: bytes | None = None
    bands = im.getbands()
    w, h = size
    channels: dict[str, Channel] = {}
    if mode in _DEEP_MODES:
        channels, constant = _deep_channels(im)
    elif count is not None and mode in _BYTE_MODES and len(raw) == w * h * len(bands) and raw:
        # One byte per band per pixel: counted, and keyed, in one pass. Constant when
        # every pixel repeats the first (bytes compare in C, stopping at a difference).
        inner = count(bands, raw)
        first = raw[: len(bands)]
        constant = list(first) if raw == first * (w * h) else None
    else:  # packed bits ("1") and other layouts: Pillow's own 256 bins per band
        hist = im.histogram()
        constant = _constant(hist, len(bands))
    if visit is not None:
        visit(im)
    thumb = None
    if wants is not None and wants(mode, constant, orientation, size):
        thumb = thumbnail(im, palette=palette)
    digest = hashlib.blake2b(f"{mode}:{size[0]}x{size[1]}:".encode(), digest_size=16)
    digest.update(raw if inner is None else inner)
    return _Decoded(
        fmt,
        mode,
        size,
        None if orientation is None else int(orientation),
        channels,
        constant,
        digest.digest(),
        hist,
        bands,
        thumb,
    )


def thumbnail(im: Any, *, palette: bool = False) -> str:
    """A data URI of ``im`` at most ``THUMB_SIDE`` pixels a side: JPEG for pictures; PNG
    for masks, class ids drawn in the VOC colour map (nearest-neighbour: ids never blend)."""
    import base64
    import io

    image = pillow()
    w, h = im.size
    scale = min(1.0, THUMB_SIDE / max(w, h, 1))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if im.mode in _DEEP_MODES:  # 16-bit and float: stretched to 0..255 to be seen
        values = np.asarray(im, dtype=np.float64)
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        values = (values - lo) * (255.0 / (hi - lo)) if hi > lo else values * 0
        im = image.fromarray(np.nan_to_num(values).astype(np.uint8), "L")
    out = io.BytesIO()
    if palette and im.mode in ("L", "P", "I;16"):
        ids = image.frombytes("L", im.size, im.tobytes()) if im.mode == "P" else im.convert("L")
        small = ids.resize(size, image.Resampling.NEAREST).convert("P")
        small.putpalette([c >> shift & 0xFF for c in voc_colours() for shift in (16, 8, 0)])
        small.save(out, format="PNG", optimize=True)
        return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    if palette:
        small = im.convert("RGB").resize(size, image.Resampling.NEAREST)
        small.save(out, format="PNG", optimize=True)
        return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    small = im.convert("L" if im.mode in ("L", "1", "I;16") else "RGB")
    small = small.resize(size, image.Resampling.BILINEAR, reducing_gap=2.0)
    small.save(out, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def _cap(reason: str) -> int:
    return _MODE_THUMBS if reason.startswith("mode:") else THUMBS


def voc_colours(n: int = 256) -> list[int]:
    """The Pascal VOC colour map (0xRRGGBB of ids 0..n-1), as its devkit builds it: the
    thumbnails of masks are drawn in it, and LC408 maps colour-coded masks back by it."""
    out = []
    for i in range(n):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        out.append((r << 16) | (g << 8) | b)
    return out


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SALTS = (np.uint64(0x243F6A8885A308D3), np.uint64(0x13198A2E03707344))


def image_counts(raw: bytes, bands: int, counts: np.ndarray) -> bytes:
    """The numpy twin of kernels.c's ``lc_image_u8``: add the bytes' per-band histograms
    into ``counts`` (bands x 256) and return their 16-byte key, the same bits."""
    values = np.frombuffer(raw, np.uint8).reshape(-1, bands).astype(np.intp)
    counts += np.bincount((values + _OFFSETS[:bands]).ravel(), minlength=bands * 256)
    words = np.frombuffer(raw + bytes(-len(raw) % 8), np.uint64)
    at = np.arange(words.size, dtype=np.uint64) * _GOLDEN
    return np.array([_splitmix(words ^ (at + s)).sum(dtype=np.uint64) for s in _SALTS]).tobytes()


def _splitmix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _constant(hist: list[int], bands: int) -> list[float] | None:
    """Each band's value when the histogram has one value per band, else None."""
    values = []
    for row in np.asarray(hist, np.int64).reshape(bands, 256):
        present = np.flatnonzero(row)
        if present.size != 1:
            return None
        values.append(int(present[0]))
    return values


def _deep_channels(im: Any) -> tuple[dict[str, Channel], list[float] | None]:
    """The one band of a 16-bit, 32-bit integer or float image, and its constant value."""
    values = np.asarray(im)
    exact = values.dtype.kind in "iu"
    v = values.astype(np.int64 if exact else np.float64).ravel()
    name = im.getbands()[0]
    if exact:
        total, squares = int(v.sum()), int(np.dot(v, v))
        shifted = np.clip(v >> 8, 0, 255)
    else:
        total, squares = float(v.sum()), float(np.dot(v, v))
        shifted = np.clip(v, 0, 255).astype(np.int64)
    hist = np.bincount(shifted, minlength=256)[:256].astype(np.int64)
    lo, hi = v.min().item(), v.max().item()
    return {name: Channel(v.size, lo, hi, total, squares, hist)}, ([lo] if lo == hi else None)


def _byte_channels(bands: tuple[str, ...], counts: np.ndarray) -> dict[str, Channel]:
    """Per-band statistics of 8-bit images from their summed counts (bands x 256): counts,
    exact integer sums and squares (bins times values), min and max (the first and last
    non-empty bins)."""
    sums, squares = counts @ _VALUES, counts @ _SQUARES
    out = {}
    for i, band in enumerate(bands):
        present = np.flatnonzero(counts[i])
        lo, hi = (int(present[0]), int(present[-1])) if present.size else (None, None)
        out[band] = Channel(int(counts[i].sum()), lo, hi, int(sums[i]), int(squares[i]), counts[i])
    return out


def _binary(values: list[bytes | None]) -> pa.Array:
    """A binary Arrow array built from buffers: ``pa.array`` on a list imports pandas."""
    valid = np.array([v is not None for v in values], dtype=bool)
    parts = [b"" if v is None else v for v in values]
    offsets = np.zeros(len(parts) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in parts], out=offsets[1:])
    bitmap = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    buffers = [bitmap, pa.py_buffer(offsets), pa.py_buffer(b"".join(parts))]
    return pa.Array.from_buffers(pa.binary(), len(parts), buffers)


def _keep(items: list[Any], item: Any, k: int) -> None:
    """Insert ``item`` into the ascending list ``items`` kept to its ``k`` smallest."""
    if len(items) >= k and item >= items[-1]:
        return
    bisect.insort(items, item)
    del items[k:]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _bump(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def _merged_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
