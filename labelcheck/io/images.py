"""Folders of images laid out as a table: one row per image, the image as a column value.

Every image source becomes the same :class:`Source`: an ``image`` column in the
Hugging Face ``Image`` layout (``struct<bytes: binary, path: string>``), whose
``path`` is relative to the folder (kept in the field's metadata) and whose
``bytes`` stay null, so the table never holds the files: the image statistic
(:mod:`labelcheck.stats.image`) reads and decodes each file once, in the
engine's workers. Layouts (detected, or ``--layout``):

- ``imagefolder``: ``root/<class>/<image>`` (torchvision ``ImageFolder``, Keras
  ``image_dataset_from_directory``); the ``label`` column is the class folder's
  name, classes sorted by name as torchvision assigns their ids. Files directly
  in ``root`` are not in any class and are skipped, as torchvision does (a
  folder with images in its root and none in subfolders is flat).
- Hugging Face ``imagefolder`` with a ``metadata.csv`` / ``metadata.jsonl``
  holding ``file_name``: one row per metadata row, its other columns kept.
- ``flat``: every image under the folder, no label.

Only files with an image extension are images (the union of torchvision's
``IMG_EXTENSIONS`` and Keras' allowed formats): ``Thumbs.db``, ``.DS_Store`` and
``metadata.csv`` are not. Hidden files and folders are skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from labelcheck.errors import InputError, quiet_pillow
from labelcheck.io.arrow import bool_array, string_array
from labelcheck.io.source import Source
from labelcheck.io.splits import SPLIT_NAMES, ordered

#: torchvision's IMG_EXTENSIONS and Keras' ALLOWLIST_FORMATS together.
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp", ".gif"}
)
METADATA_FILES = ("metadata.csv", "metadata.jsonl")
#: Images per unit: units are what the engines spread over workers.
UNIT_IMAGES = 256
IMAGE_TYPE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
#: Data files that may sit beside the images without making the folder a table.
_TABLE_SUFFIXES = (".parquet", ".pq", ".parq", ".csv", ".tsv", ".arrow", ".feather", ".ipc")
_TABLE_SUFFIXES += (".jsonl", ".ndjson", ".json", ".npy", ".npz")


def is_table_name(name: str) -> bool:
    """Whether ``name`` ends like a data file (``.parquet``, ``.csv`` ...), not a folder."""
    return name.lower().endswith(_TABLE_SUFFIXES)


def is_image_file(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES


def is_image_dir(location: str, layout: str = "auto") -> bool:
    """Whether a directory is read as images: ``--layout`` says so (unless it holds data
    files and no image: Parquet parts are no image folder, whatever the flag says), or it
    holds images and no data file besides a ``metadata.csv``/``.jsonl``, or it is a
    class-folder layout whose folders hold no data file at all (LC001: no image)."""
    images = tables = 0
    for _, name in _walk_names(location):
        if is_image_file(name):
            if layout != "auto":
                return True  # declared, and there are images: no need to walk further
            images += 1
        elif name not in METADATA_FILES and name.lower().endswith(_TABLE_SUFFIXES):
            tables += 1
    if images:
        return tables == 0
    if layout != "auto":
        return tables == 0
    return tables == 0 and bool(_subfolders(Path(location)))


def image_splits(location: str, layout: str = "auto") -> dict[str, Source] | None:
    """Split folders of images (``root/train/<class>/...``, ``root/test/...``), train
    first; None when the folder is not split so (or holds tables)."""
    root = Path(location)
    folders = _subfolders(root)
    if len(folders) < 2 or any(f.name.lower() not in SPLIT_NAMES for f in folders):
        return None
    if not is_image_dir(location, layout):
        return None
    by_split = {SPLIT_NAMES[f.name.lower()]: f for f in folders}
    return {
        split: open_images(str(by_split[split]), layout, name=f"{location}[{split}]")
        for split in ordered(list(by_split))
    }


def open_images(
    location: str, layout: str = "auto", *, name: str | None = None, masks: str | None = None
) -> Source:
    """A folder of images as a :class:`Source` (see the module docstring); ``masks``: a
    folder of masks (``--masks``) paired with every image under ``location`` by stem."""
    root = Path(location)
    name = name or location
    if masks is not None:
        return _segmentation_source(name, root, root, _mask_folder(masks))
    pair = _mask_folders(root) if layout in ("auto", "masks") else None
    if pair is not None:
        return _segmentation_source(name, root, *pair)
    if layout == "masks":
        raise InputError(
            f"--layout masks: {location} has no images/ and masks/ folders (nor labels/, "
            "annotations/, SegmentationClass/; JPEGImages/ + SegmentationClass/, "
            "img_dir/ + ann_dir/); put the images and their masks in two such folders"
        )
    metadata = [root / m for m in METADATA_FILES if (root / m).is_file()]
    if metadata and layout == "auto":
        return _metadata_source(name, root, metadata[0])
    classes = _subfolders(root)
    if layout == "flat" or (layout == "auto" and not classes) or _images_at_top(root, layout):
        files = _image_paths(root, root)
        columns = {"image": _image_column(files)}
        return _table_source(name, root, pa.table(columns, schema=_schema(root, None)))
    files, labels = [], []
    for folder in classes:  # sorted by name: torchvision's class ids
        found = _image_paths(folder, root)
        files.extend(found)
        labels.extend([folder.name] * len(found))
    names = [f.name for f in classes]
    table = pa.table(
        {"image": _image_column(files), "label": string_array(labels)},
        schema=_schema(root, names),
    )
    return _table_source(name, root, table)


#: Segmentation layouts: (images folder, masks folder) names, compared lower-cased.
_IMAGE_FOLDERS = ("images", "imgs", "img", "jpegimages", "img_dir")
_MASK_FOLDERS = ("masks", "mask", "labels", "annotations", "segmentationclass", "ann_dir", "gt")
#: Mask name = image stem + one of these (or the stem itself).
_MASK_SUFFIXES = ("", "_mask", "_masks", "_segmentation", "_seg", "_label", "_gtFine_labelIds")
_IMAGE_SUFFIXES = ("", "_leftImg8bit")


def _mask_folders(root: Path) -> tuple[Path, Path] | None:
    """The (images, masks) folders of a segmentation layout, both holding images."""
    folders = {p.name.lower(): p for p in _subfolders(root)}
    images = next((folders[n] for n in _IMAGE_FOLDERS if n in folders), None)
    masks = next((folders[n] for n in _MASK_FOLDERS if n in folders), None)
    if images is None or masks is None:
        return None
    if not any(is_image_file(p.name) for p in _walk(masks)):
        return None  # labels/ of text files (YOLO boxes) is no mask folder
    return images, masks


def _mask_folder(location: str) -> Path:
    """The ``--masks`` folder, or a one-line error: it must exist and hold mask images."""
    folder = Path(location)
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "no such folder"
        raise InputError(f"--masks {location}: {what}; give the folder holding the masks")
    if not any(is_image_file(p.name) for p in _walk(folder)):
        raise InputError(
            f"--masks {location}: holds no mask image ({', '.join(sorted(IMAGE_SUFFIXES))})"
        )
    return folder


def _pair_key(path: Path, folder: Path, suffixes: Sequence[str]) -> str:
    relative = path.relative_to(folder).with_suffix("").as_posix()
    for suffix in sorted(suffixes, key=len, reverse=True):
        if suffix and relative.endswith(suffix):
            return relative[: -len(suffix)]
    return relative


def _segmentation_source(name: str, root: Path, images: Path, masks: Path) -> Source:
    """Images paired with masks by stem: one row per image (mask null when missing),
    then one row per mask without an image (image null)."""
    # --masks: the masks may lie outside root (their paths are relative to their folder's
    # parent); images under root that sit inside the masks folder are masks, not images.
    inside = masks.resolve().is_relative_to(root.resolve())
    mask_root = root if inside else masks.parent
    held = masks.resolve()
    image_files = [
        p for p in _walk(images) if is_image_file(p.name) and not p.resolve().is_relative_to(held)
    ]
    mask_files = {
        _pair_key(p, masks, _MASK_SUFFIXES): p for p in _walk(masks) if is_image_file(p.name)
    }
    image_paths, mask_paths = [], []
    used = set()
    for path in image_files:
        key = _pair_key(path, images, _IMAGE_SUFFIXES)
        mask = mask_files.get(key)
        image_paths.append(_relative(path, root))
        mask_paths.append(None if mask is None else _relative(mask, mask_root))
        used.add(key)
    for key, mask in mask_files.items():
        if key not in used:
            image_paths.append(None)
            mask_paths.append(_relative(mask, mask_root))
    base = {"labelcheck.root": str(root.resolve())}
    mask_base = {"labelcheck.root": str(mask_root.resolve())}
    schema = pa.schema(
        [
            pa.field("image", IMAGE_TYPE, metadata={"labelcheck.kind": "image", **base}),
            pa.field(
                "mask",
                IMAGE_TYPE,
                metadata={"labelcheck.kind": "mask", "labelcheck.pairs": "image", **mask_base},
            ),
        ]
    )
    table = pa.table(
        {"image": _image_column(image_paths), "mask": _image_column(mask_paths)}, schema=schema
    )
    source = _table_source(name, root, table)
    if not inside:  # the masks are inputs too (never an output's place)
        source.paths.append(str(masks))
    return source


def _images_at_top(root: Path, layout: str) -> bool:
    """Auto-detection: images directly in the folder and none in a subfolder make it flat.

    Images in subfolders make it class folders, whose loaders skip files lying in
    the root (torchvision lists folders only); ``--layout flat`` reads them all.
    """
    if layout != "auto":
        return False
    entries = _entries(root)
    if not any(p.is_file() and is_image_file(p.name) for p in entries):
        return False
    return not any(
        is_image_file(f.name) for folder in entries if folder.is_dir() for f in _walk(folder)
    )


def _schema(root: Path, classes: list[str] | None, metadata: str | None = None) -> pa.Schema:
    meta = {"labelcheck.kind": "image", "labelcheck.root": str(root.resolve())}
    if metadata is not None:  # the Hugging Face metadata file to write again (fix)
        meta["labelcheck.metadata"] = metadata
    if classes is not None:
        meta["labelcheck.folders"] = json.dumps(classes)
    fields = [pa.field("image", IMAGE_TYPE, metadata=meta)]
    if classes is not None:
        fields.append(pa.field("label", pa.string()))
    return pa.schema(fields)


def _image_column(paths: Sequence[str | None]) -> pa.Array:
    """The image layout with the bytes left null; a None path is a null value.

    Built from buffers (io/arrow): ``pa.array`` on a list would import pandas."""
    missing = [p is None for p in paths]
    return pa.StructArray.from_arrays(
        [pa.nulls(len(paths), pa.binary()), string_array(["" if p is None else p for p in paths])],
        fields=list(IMAGE_TYPE),
        mask=bool_array(missing) if any(missing) else None,
    )


def _metadata_source(name: str, root: Path, metadata: Path) -> Source:
    """Hugging Face imagefolder: ``metadata.csv``/``.jsonl`` with ``file_name`` per row."""
    table = _read_metadata(metadata)
    if "file_name" not in table.column_names:
        raise InputError(
            f"{metadata}: has no 'file_name' column (columns: "
            f"{', '.join(table.column_names[:8])}); name the image files in a "
            "file_name column, as Hugging Face's imagefolder expects"
        )
    files = [str(f) if f is not None else "" for f in table.column("file_name").to_pylist()]
    rest = [c for c in table.column_names if c != "file_name"]
    schema = _schema(root, None, metadata.name)
    for column in rest:
        schema = schema.append(table.schema.field(column))
    columns = [_image_column(files), *[table.column(c) for c in rest]]
    return _table_source(name, root, pa.Table.from_arrays(columns, schema=schema))


def _read_metadata(path: Path) -> pa.Table:
    try:
        if path.suffix == ".csv":
            import pyarrow.csv as pcsv

            return pcsv.read_csv(path)
        import pyarrow.json as pjson

        return pjson.read_json(path)
    except (pa.ArrowInvalid, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a valid metadata file ({first})") from None


def _table_source(name: str, root: Path, table: pa.Table) -> Source:
    n = table.num_rows
    units = [
        partial(_slice, table, start, min(UNIT_IMAGES, n - start))
        for start in range(0, n, UNIT_IMAGES)
    ]
    return Source(name, "images", table.schema, units, n, paths=[str(root)])


def _slice(
    table: pa.Table, start: int, length: int, columns: Sequence[str] | None
) -> Iterator[pa.RecordBatch]:
    part = table.slice(start, length)
    if columns is not None:
        part = part.select(list(columns))
    yield from part.to_batches()


def _entries(folder: Path) -> list[Path]:
    try:
        found = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise InputError(f"{folder}: cannot list the folder ({exc.strerror})") from None
    return [p for p in found if not p.name.startswith(".")]


def _subfolders(folder: Path) -> list[Path]:
    return [p for p in _entries(folder) if p.is_dir()]


def _walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder``, sorted, hidden entries skipped (as loaders walk them)."""
    return (Path(path) for path, _ in _walk_names(str(folder)))


def _walk_names(folder: str) -> Iterator[tuple[str, str]]:
    """``_walk`` as (path, name) strings: ``os.scandir`` gives each entry's type with the
    listing, so a folder of 20,000 images costs neither a stat nor a Path per file."""
    try:
        with os.scandir(folder) as it:
            found = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as exc:
        raise InputError(f"{folder}: cannot list the folder ({exc.strerror})") from None
    for entry in found:
        if entry.is_dir():
            yield from _walk_names(entry.path)
        elif entry.is_file():
            yield entry.path, entry.name


def _image_paths(folder: Path, root: Path) -> list[str]:
    """The images under ``folder``, as paths relative to ``root`` (posix separators)."""
    prefix = str(root) + os.sep
    out = []
    for path, name in _walk_names(str(folder)):
        if is_image_file(name):
            if path.startswith(prefix):  # scandir joins names onto the folder given
                out.append(path[len(prefix) :].replace(os.sep, "/"))
            else:  # pragma: no cover
                out.append(Path(os.path.relpath(path, root)).as_posix())
    return out


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def mark_image_columns(schema: pa.Schema, holder: str) -> pa.Schema:
    """``schema`` with its image columns marked for the image statistic.

    A ``struct<bytes, path>`` column (how the Hugging Face ``Image`` feature is
    stored) or a column the file's Hugging Face metadata declares an ``Image``
    (a binary column of encoded images) is an image column; its relative paths
    resolve against the folder of ``holder``, the file that holds the table.
    Call it before the schema's own metadata is dropped.
    """
    declared = _hf_images(schema)
    root = str(Path(holder).resolve().parent).encode()
    fields = []
    for f in schema:
        t = f.type
        struct = pa.types.is_struct(t) and {t.field(i).name for i in range(t.num_fields)} == {
            "bytes",
            "path",
        }
        binary = f.name in declared and (pa.types.is_binary(t) or pa.types.is_large_binary(t))
        if struct or binary:
            meta = {**(f.metadata or {}), b"labelcheck.kind": b"image", b"labelcheck.root": root}
            f = f.with_metadata(meta)
        fields.append(f)
    return pa.schema(fields, metadata=schema.metadata)


def _hf_images(schema: pa.Schema) -> set[str]:
    """Columns the Hugging Face ``datasets`` metadata of a file declares as ``Image``."""
    raw = (schema.metadata or {}).get(b"huggingface")
    if not raw:
        return set()
    try:
        features = json.loads(raw)["info"]["features"]
    except (ValueError, KeyError, TypeError):
        return set()
    if not isinstance(features, dict):
        return set()
    return {n for n, v in features.items() if isinstance(v, dict) and v.get("_type") == "Image"}


# ------------------------------------------------------------------ fixing folders
# The file side of `labelcheck fix DIR -o OUT`: what the step kernels (fixes/steps.py)
# ask of a file, and the writer of the repaired folder. Pillow is imported inside.

#: io/'s field metadata: which columns hold files, and the folder their paths are under.
KIND_KEY = b"labelcheck.kind"
ROOT_KEY = b"labelcheck.root"
METADATA_KEY = b"labelcheck.metadata"
#: Re-encoded JPEGs (layout conversion, EXIF orientation) are saved at this quality.
JPEG_QUALITY = 95
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class FileFacts:
    """What the fix steps judge a file by (decoded as the user's loader will: fully)."""

    reason: str | None  # why the file does not load; None when it does
    mode: str = ""
    size: tuple[int, int] = (0, 0)
    orientation: int | None = None
    constant: bool = False

    @property
    def ok(self) -> bool:
        return self.reason is None


def file_columns(schema: pa.Schema) -> dict[str, str | None]:
    """The columns holding image files (images and masks), with the folder of their paths
    (not masks held as arrays, io/frames.mask_field: their shape is in the metadata)."""
    out = {}
    for f in schema:
        meta = f.metadata or {}
        if meta.get(KIND_KEY) in (b"image", b"mask") and b"labelcheck.shape" not in meta:
            root = meta.get(ROOT_KEY)
            out[f.name] = root.decode() if root else None
    return out


def resolve(root: str | None, path: str) -> str:
    return path if root is None or os.path.isabs(path) else os.path.join(root, path)


def _open_loaded(path: str | None, data: bytes | None = None) -> Any:
    """A fully loaded Pillow image, or ValueError with the reason it does not load."""
    import io
    import warnings

    from PIL import Image

    quiet_pillow()  # its warnings about a file's metadata never reach stderr
    if data is None and (path is None or not os.path.isfile(path)):
        raise ValueError("file not found")
    if data is None and os.path.getsize(path) == 0:  # type: ignore[arg-type]
        raise ValueError("empty file, 0 bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data) if data is not None else path)
            im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError("decompression bomb (Pillow's Image.MAX_IMAGE_PIXELS)") from None
    except Image.UnidentifiedImageError:
        raise ValueError("not an image Pillow can identify") from None
    except Exception as exc:  # OSError("image file is truncated"), SyntaxError ...
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"does not load: {first}") from None
    return im


def inspect_file(path: str) -> FileFacts:
    """The facts of one image file (cached by path, size and modification time: several
    steps judge the same file, and a file repaired since is judged again)."""
    try:
        st = os.stat(path)
    except OSError:
        return FileFacts("file not found")
    return _inspect(path, st.st_size, st.st_mtime_ns)


def inspect_value(root: str | None, value: dict[str, Any]) -> FileFacts:
    """The facts of an image value (``{"bytes", "path"}``): its bytes, else its file."""
    data = value.get("bytes")
    if data is None:
        path = value.get("path")
        return inspect_file(resolve(root, path)) if path is not None else FileFacts("no file")
    if not data:
        return FileFacts("empty image bytes, 0 bytes")
    return _facts(None, data)


@lru_cache(maxsize=4096)
def _inspect(path: str, size: int, mtime: int) -> FileFacts:
    return _facts(path, None)


def _facts(path: str | None, data: bytes | None) -> FileFacts:
    try:
        im = _open_loaded(path, data)
    except ValueError as exc:
        return FileFacts(str(exc))
    with im:
        try:
            orientation = im.getexif().get(_EXIF_ORIENTATION)
        except Exception:  # a malformed EXIF block: the pixels are fine
            orientation = None
        extrema = im.getextrema()
        bands = extrema if isinstance(extrema[0], tuple) else (extrema,)
        constant = all(lo == hi for lo, hi in bands)
        return FileFacts(
            None, im.mode, im.size, None if orientation is None else int(orientation), constant
        )


def mode_bands(mode: str) -> tuple[str, ...] | None:
    """The band names of a Pillow mode (``RGB`` -> R, G, B), None for an unknown mode."""
    from PIL import ImageMode

    try:
        return tuple(ImageMode.getmode(mode).bands)
    except KeyError:
        return None


def reencoded(path: str, mode: str | None, orient: bool) -> bytes | None:
    """The file converted to ``mode`` and/or turned upright by its EXIF orientation, encoded
    in its own format (PNG losslessly, JPEG at ``JPEG_QUALITY``); None when nothing changes."""
    import io

    from PIL import ImageOps

    facts = inspect_file(path)
    turn = orient and facts.orientation not in (None, 1)
    convert = mode is not None and facts.mode != mode
    if not facts.ok or not (turn or convert):
        return None
    im = _open_loaded(path)
    fmt = im.format or "PNG"
    with im:
        out = ImageOps.exif_transpose(im) if turn else im
        if convert:
            out = out.convert(mode)
        exif = out.getexif()
        exif.pop(_EXIF_ORIENTATION, None)  # applied: a viewer must not turn it again
        buffer = io.BytesIO()
        if fmt == "JPEG":
            out.save(buffer, "JPEG", quality=JPEG_QUALITY, exif=exif.tobytes())
        else:
            out.save(buffer, fmt)
        return buffer.getvalue()


def read_mask(path: str) -> Any:
    """A mask's values as a numpy array: (H, W) ids (palette PNGs by index), or (H, W, 3)
    for an RGB mask whose channels differ (colour-coded). ValueError when it does not load."""
    import numpy as np

    im = _open_loaded(path)
    with im:
        values = np.asarray(im)
    if values.ndim == 3:
        rgb = values[..., :3]
        if (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all():
            return rgb[..., 0]
        return rgb
    return values


def png_bytes(ids: Any) -> bytes:
    """A mask of class ids as a single-channel PNG (8-bit, 16-bit past 255)."""
    import io

    import numpy as np
    from PIL import Image

    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() > 65535):
        raise ValueError(f"mask ids {ids.min()}..{ids.max()} do not fit a PNG")
    array = ids.astype(np.uint8 if not ids.size or ids.max() < 256 else np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def write_folder(batches: Iterable[pa.RecordBatch], schema: pa.Schema, out: Path) -> int:
    """Write the files of ``batches`` under ``out`` at their relative paths; return the count.

    A value with bytes (a re-encoded image, a fixed mask) is written; one without is the
    unchanged input file, hard-linked (copied when linking fails, e.g. across devices).
    A Hugging Face ``metadata.csv``/``.jsonl`` is written again with the rows kept.
    """
    import shutil

    roots = file_columns(schema)
    metadata = (schema.field(0).metadata or {}).get(METADATA_KEY) if len(schema) else None
    rows: list[pa.RecordBatch] = []
    written = 0
    for batch in batches:
        for name, root in roots.items():
            for value in batch.column(name).to_pylist():
                if value is None or value.get("path") is None:
                    continue
                target = out / value["path"]
                target.parent.mkdir(parents=True, exist_ok=True)
                if value.get("bytes") is not None:
                    target.write_bytes(value["bytes"])
                else:
                    source = resolve(root, value["path"])
                    try:
                        os.link(source, target)
                    except OSError:
                        shutil.copy2(source, target)
                written += 1
        if metadata is not None:
            rows.append(batch)
    if metadata is not None:
        _write_metadata(out / metadata.decode(), schema, rows, next(iter(roots)))
    return written


def _write_metadata(
    target: Path, schema: pa.Schema, batches: list[pa.RecordBatch], image: str
) -> None:
    table = pa.Table.from_batches(batches, schema=schema) if batches else schema.empty_table()
    files = [v["path"] if v else None for v in table.column(image).to_pylist()]
    rest = [c for c in table.column_names if c != image]
    out = pa.table({"file_name": pa.array(files, pa.string()), **{c: table[c] for c in rest}})
    if target.suffix == ".csv":
        import pyarrow.csv as pcsv

        pcsv.write_csv(out, target)
    else:
        with open(target, "w", encoding="utf-8") as fh:
            for row in out.to_pylist():
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def row_files(src: Source, rows: Sequence[int]) -> dict[int, str | None] | None:
    """The file of each of ``rows`` (0-based, file order) in the first image column of
    ``src`` (its path as the column holds it; None for a null or bytes-only value), read
    again from the source; None when the source has no image column."""
    columns = file_columns(src.schema)
    if not columns:
        return None
    column = next(iter(columns))
    wanted = sorted(set(rows))
    out: dict[int, str | None] = dict.fromkeys(wanted)
    if not wanted:
        return out
    at, i = 0, 0
    for batch in src.batches([column]):
        end = at + batch.num_rows
        while i < len(wanted) and wanted[i] < end:
            value = batch.column(0)[wanted[i] - at].as_py()
            path = value.get("path") if isinstance(value, dict) else value
            out[wanted[i]] = path if isinstance(path, str) and path else None
            i += 1
        at = end
        if i == len(wanted):
            break
    return out
