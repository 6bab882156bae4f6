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
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

import pyarrow as pa

from labelcheck.errors import InputError
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


def is_image_file(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES


def is_image_dir(location: str, layout: str = "auto") -> bool:
    """Whether a directory is read as images: ``--layout`` says so, or it holds images
    and no data file besides a ``metadata.csv``/``.jsonl``, or it is a class-folder
    layout whose folders hold no data file at all (LC001: no image)."""
    if layout != "auto":
        return True
    images = tables = 0
    for _, name in _walk_names(location):
        if is_image_file(name):
            images += 1
        elif name not in METADATA_FILES and name.lower().endswith(_TABLE_SUFFIXES):
            tables += 1
    if images:
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


def open_images(location: str, layout: str = "auto", *, name: str | None = None) -> Source:
    """A folder of images as a :class:`Source` (see the module docstring)."""
    root = Path(location)
    name = name or location
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


def _pair_key(path: Path, folder: Path, suffixes: Sequence[str]) -> str:
    relative = path.relative_to(folder).with_suffix("").as_posix()
    for suffix in sorted(suffixes, key=len, reverse=True):
        if suffix and relative.endswith(suffix):
            return relative[: -len(suffix)]
    return relative


def _segmentation_source(name: str, root: Path, images: Path, masks: Path) -> Source:
    """Images paired with masks by stem: one row per image (mask null when missing),
    then one row per mask without an image (image null)."""
    image_files = [p for p in _walk(images) if is_image_file(p.name)]
    mask_files = {
        _pair_key(p, masks, _MASK_SUFFIXES): p for p in _walk(masks) if is_image_file(p.name)
    }
    image_paths, mask_paths = [], []
    used = set()
    for path in image_files:
        key = _pair_key(path, images, _IMAGE_SUFFIXES)
        mask = mask_files.get(key)
        image_paths.append(_relative(path, root))
        mask_paths.append(None if mask is None else _relative(mask, root))
        used.add(key)
    for key, mask in mask_files.items():
        if key not in used:
            image_paths.append(None)
            mask_paths.append(_relative(mask, root))
    base = {"labelcheck.root": str(root.resolve())}
    schema = pa.schema(
        [
            pa.field("image", IMAGE_TYPE, metadata={"labelcheck.kind": "image", **base}),
            pa.field(
                "mask",
                IMAGE_TYPE,
                metadata={"labelcheck.kind": "mask", "labelcheck.pairs": "image", **base},
            ),
        ]
    )
    table = pa.table(
        {"image": _image_column(image_paths), "mask": _image_column(mask_paths)}, schema=schema
    )
    return _table_source(name, root, table)


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


def _schema(root: Path, classes: list[str] | None) -> pa.Schema:
    meta = {"labelcheck.kind": "image", "labelcheck.root": str(root.resolve())}
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
    schema = _schema(root, None)
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
