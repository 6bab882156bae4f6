"""Readers: every supported input becomes a :class:`Source` of Arrow record batches.

A source is split into independent *units* (a Parquet row group, a CSV file, a
slice of an in-memory table) that can be read in any order, in threads or on
Dask workers; each unit yields record batches of bounded size, so no file is
ever loaded whole. All knowledge of file formats lives here; everything after
this module sees only Arrow.
"""

from __future__ import annotations

import glob as globlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from labelcheck.errors import InputError
from labelcheck.io.parquet import marked_images, open_parquet
from labelcheck.io.source import (
    REEXPORT,
    SchemaChanged,
    Source,
    Unit,
    arrow_error,
    pandas_index_columns,
    select,
    strip_metadata,
    unify,
)
from labelcheck.io.splits import group_splits, ordered

FORMATS: dict[str, str] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".parq": "parquet",
    ".csv": "csv",
    ".tsv": "csv",
    ".arrow": "ipc",
    ".feather": "ipc",
    ".ipc": "ipc",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".npy": "npy",
    ".npz": "npz",
}
_FORMAT_LIST = "Parquet, CSV, Arrow IPC/Feather, JSON Lines, .npy/.npz"


# --------------------------------------------------------------------- entry
def open_source(
    source: Any,
    *,
    name: str | None = None,
    encoding: str = "utf-8",
    layout: str = "auto",
    tokens: str | None = None,
    masks: str | None = None,
) -> Source:
    """Open a path, URL, glob, directory or in-memory object as a :class:`Source`.

    ``encoding`` is the text encoding of CSV files (other formats ignore it);
    ``layout`` how a directory of images is laid out (:mod:`labelcheck.io.images`);
    ``masks`` a folder of segmentation masks paired with its images by file stem.
    Raises :class:`~labelcheck.InputError` with a one-line message for anything
    that cannot be read.
    """
    if isinstance(source, Source):
        return source
    if isinstance(source, str | os.PathLike):
        return open_path(
            os.fspath(source), encoding=encoding, layout=layout, tokens=tokens, masks=masks
        )
    from labelcheck.io.frames import open_object  # in-memory objects: loaded when met

    return open_object(source, name=name, tokens=tokens)


def open_path(
    location: str,
    *,
    encoding: str = "utf-8",
    layout: str = "auto",
    tokens: str | None = None,
    masks: str | None = None,
) -> Source:
    if masks is not None:  # images paired with another folder's masks: a folder of images
        from labelcheck.io.images import open_images

        return open_images(location, layout, masks=masks)
    if "://" in location and not location.startswith("file://"):
        return _open_url(location)
    location = location.removeprefix("file://")
    if any(ch in location for ch in "*?[") and not os.path.exists(location):
        matched = [p for p in globlib.glob(location, recursive=True) if os.path.isfile(p)]
        paths = sorted(p for p in matched if not labelcheck_output(p))
        if not paths:
            only_own = " but labelcheck's own plans and reports" if matched else ""
            raise InputError(f"{location}: the pattern matches no file{only_own}; check the glob")
        # A glob is a list of files the user picked by name, often unrelated ones
        # (`samples/*.parquet`): files with different columns are different datasets,
        # and merging them would report every missing column as null (LC101). A
        # directory stays one dataset whose parts may gain columns (schema evolution).
        return _open_files(location, paths, encoding=encoding, same_columns=True)
    path = Path(location)
    if path.is_dir() and _image_dir(location, layout):
        from labelcheck.io.images import image_splits, open_images

        if image_splits(location, layout) is not None:
            raise InputError(
                f"{location}: holds named splits (train/test/...); scan them with "
                "`labelcheck scan DIR` (one report per split) or labelcheck.scan_splits(DIR)"
            )
        return open_images(location, layout)
    if layout != "auto":
        raise _not_images(location, layout)
    if path.is_dir():
        paths = data_files(location)
        if group_splits(location, paths) is not None:
            raise InputError(
                f"{location}: holds named splits (train/test/...); scan them with "
                "`labelcheck scan DIR` (one report per split) or labelcheck.scan_splits(DIR)"
            )
        return _open_files(location, paths, encoding=encoding)
    if not path.exists():
        raise InputError(f"{location}: no such file or directory; check the path")
    if labelcheck_output(location):
        raise InputError(
            f"{location}: is a plan or report written by labelcheck, not data; "
            "scan the data file it was made from"
        )
    return _open_files(location, [location], encoding=encoding, tokens=tokens)


#: The start of a JSON report (`scan --format json`) or plan (`fix`), pretty-printed:
#: an object (or an array of them) whose first line is a lone brace, which no JSON
#: Lines data file can have.
_OWN_JSON = re.compile(
    rb'\A\s*(\[\s*)?\{\s*\n\s*"(version|labelcheck_plan)"\s*:\s*\d+\s*,\s*"tool"\s*:\s*"labelcheck'
)


def labelcheck_output(path: str) -> bool:
    """Whether ``path`` is a plan or JSON report labelcheck wrote (never data).

    Plans are named ``*.plan.json``; reports in other formats (.md, .txt, .html)
    have no data extension and are skipped anyway.
    """
    lower = path.lower()
    if lower.endswith(".plan.json"):
        return True
    if not lower.endswith(".json"):
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(256)
    except OSError:
        return False
    return _OWN_JSON.match(head) is not None


def open_splits(
    source: Any, *, encoding: str = "utf-8", layout: str = "auto"
) -> dict[str, Source] | None:
    """The named splits of ``source`` (train first), or None when it is one dataset.

    ``source``: a directory laid out in splits (:mod:`labelcheck.io.splits`) or a
    ``datasets.DatasetDict``; a split becomes its own :class:`Source`, never mixed.
    """
    if isinstance(source, dict):  # a DatasetDict (io.frames loads for objects only)
        from labelcheck.io.frames import library_of, open_object

        if library_of(source) != "datasets":
            return None
        return {
            split: open_object(source[split], name=f"DatasetDict[{split}]")
            for split in ordered(list(source))
        }
    if isinstance(source, str | os.PathLike):
        location = os.fspath(source)
        if "://" not in location and os.path.isdir(location) and _image_dir(location, layout):
            from labelcheck.io.images import image_splits

            return image_splits(location, layout)
        if layout != "auto":  # a declared image layout on what holds no image
            raise _not_images(location, layout)
    groups = split_files(source)
    if groups is None:
        return None
    location = os.fspath(source)
    return {
        split: _open_files(f"{location}[{split}]", paths, encoding=encoding)
        for split, paths in groups.items()
    }


def split_files(source: Any) -> dict[str, list[str]] | None:
    """The data files of each named split of a directory (train first, files sorted),
    or None when ``source`` is not a directory of named splits."""
    if not isinstance(source, str | os.PathLike):
        return None
    location = os.fspath(source)
    if "://" in location or not os.path.isdir(location) or _image_dir(location, "auto"):
        return None  # a folder of images: its splits are open_splits' (io.images)
    return group_splits(location, data_files(location))


#: What ``datasets``' ``save_to_disk`` writes beside its Arrow files: not rows.
_SAVE_TO_DISK_FILES = frozenset({"dataset_dict.json", "dataset_info.json", "state.json"})


def data_files(location: str) -> list[str]:
    """The data files of a directory, at any depth, sorted.

    Skips hidden and underscore entries at any depth (_SUCCESS, _metadata,
    _delta_log/*.json, .ipynb_checkpoints/ are not data parts), the plans
    and reports labelcheck itself writes (`fix -o dir/fixed.parquet`), and the
    bookkeeping JSON Hugging Face ``save_to_disk`` writes beside its Arrow files.
    """
    path = Path(location)
    paths = sorted(
        str(p)
        for p in path.rglob("*")
        if p.is_file()
        and _format_of(str(p), strict=False)
        and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
        and not labelcheck_output(str(p))
    )
    if any(p.endswith(".arrow") for p in paths):
        paths = [p for p in paths if os.path.basename(p) not in _SAVE_TO_DISK_FILES]
    if not paths:
        raise InputError(
            f"{location}: the directory holds no data file ({_FORMAT_LIST}); "
            "point at a file or a directory of Parquet parts"
        )
    return paths


def _open_files(
    name: str,
    paths: list[str],
    *,
    encoding: str = "utf-8",
    same_columns: bool = False,
    tokens: str | None = None,
) -> Source:
    formats = {_format_of(p) for p in paths}
    if len(formats) > 1:
        raise InputError(
            f"{name}: mixes formats ({', '.join(sorted(formats))}); scan one format at a time"
        )
    fmt = formats.pop()
    for p in paths:
        if os.path.getsize(p) == 0:
            raise InputError(f"{p}: the file is empty (0 bytes); re-export it or remove it")
    if same_columns and len(paths) > 1:
        _check_same_columns(name, fmt, paths, encoding)
    source = _opener(fmt, encoding, tokens)(name, paths)
    source.paths = paths
    return source


def _opener(
    fmt: str, encoding: str, tokens: str | None = None
) -> Callable[[str, list[str]], Source]:
    return {
        "parquet": open_parquet,
        "csv": partial(_open_csv, encoding=encoding),
        "ipc": _open_ipc,
        "jsonl": _open_jsonl,
        "npy": partial(_open_npy, tokens=tokens),
        "npz": partial(_open_npz, tokens=tokens),
    }[fmt]


def _check_same_columns(name: str, fmt: str, paths: list[str], encoding: str) -> None:
    """Refuse to merge files whose column names differ (see :func:`open_path`)."""
    if fmt in ("npy", "npz"):
        return  # one file at a time anyway: their openers say so
    first: list[str] | None = None
    for path in paths:
        names = _opener(fmt, encoding)(path, [path]).schema.names
        if first is None:
            first = names
            continue
        if set(names) != set(first):
            only_first = [n for n in first if n not in names]
            only_this = [n for n in names if n not in first]
            what = "; ".join(
                part
                for part in (
                    f"only in {paths[0]}: {_names(only_first)}" if only_first else "",
                    f"only in {path}: {_names(only_this)}" if only_this else "",
                )
                if part
            )
            raise InputError(
                f"{name}: the files have different columns ({what}); files of different "
                "schemas are different datasets: pass them as separate paths"
            )


def _names(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _format_of(path: str, *, strict: bool = True) -> str | None:
    lower = path.lower()
    for suffix in (".gz", ".bz2", ".zst"):
        lower = lower.removesuffix(suffix)
    fmt = FORMATS.get(os.path.splitext(lower)[1])
    if fmt is None and strict:
        raise InputError(
            f"{path}: not a data file labelcheck reads (by its extension); "
            f"use one of {_FORMAT_LIST}"
        )
    return fmt


# ---------------------------------------------------------------------- CSV
_CSV_ERROR = re.compile(r"column #(\d+): CSV conversion error to (\w+)")


def _open_csv(
    name: str,
    paths: list[str],
    column_types: dict[str, pa.DataType] | None = None,
    *,
    encoding: str = "utf-8",
):
    import pyarrow.csv as pcsv

    column_types = dict(column_types or {})
    schema: pa.Schema | None = None
    for path in paths:
        try:
            reader = pcsv.open_csv(
                path,
                read_options=_csv_read(encoding),
                parse_options=_csv_parse(path),
                convert_options=pcsv.ConvertOptions(column_types=column_types),
            )
        except (pa.ArrowException, OSError, UnicodeError) as exc:
            raise _csv_error(path, exc, encoding) from None
        file_schema = reader.schema
        reader.close()
        try:
            # Text is never binary in a CSV: pyarrow falls back to binary for a
            # column of invalid UTF-8, which is an encoding problem, not data.
            # (A header of invalid UTF-8 fails as the names are decoded.)
            undecodable = bool(file_schema.names) and any(
                pa.types.is_binary(f.type) for f in file_schema
            )
        except UnicodeError:
            undecodable = True
        if undecodable:
            raise _undecodable(path, encoding)
        # Integers inferred from the first block may meet a fraction later: read
        # every integer column as float64 from the start (exact up to 2**53).
        for f in file_schema:
            if pa.types.is_integer(f.type) and f.name not in column_types:
                column_types[f.name] = pa.float64()
        file_schema = _retype(file_schema, column_types)
        if schema is not None:
            for f in file_schema:
                if f.name in schema.names and schema.field(f.name).type != f.type:
                    column_types[f.name] = pa.string()  # numbers in one part, text in another
            schema = unify(
                name, _retype(schema, column_types), _retype(file_schema, column_types), path
            )
        else:
            schema = file_schema
    assert schema is not None
    schema = _retype(schema, column_types)

    def reopen() -> Source:
        src = _open_csv(name, paths, types, encoding=encoding)
        src.paths = paths
        return src

    types = column_types
    units: list[Unit] = [partial(_csv_batches, path, types, schema, encoding) for path in paths]
    return Source(name, "csv", schema, units, None, reopen=reopen)


def _retype(schema: pa.Schema, types: dict[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(f.name, types.get(f.name, f.type)) for f in schema])


def _csv_read(encoding: str):
    import pyarrow.csv as pcsv

    return pcsv.ReadOptions(encoding=encoding)


def _csv_parse(path: str):
    import pyarrow.csv as pcsv

    delimiter = "\t" if path.lower().removesuffix(".gz").endswith(".tsv") else ","
    return pcsv.ParseOptions(delimiter=delimiter)


def _csv_batches(
    path: str,
    types: dict[str, pa.DataType],
    schema: pa.Schema,
    encoding: str,
    columns: Sequence[str] | None,
):
    import pyarrow.csv as pcsv

    # Every file is read with the unified schema (widened types win): a part that
    # lacks a column gives nulls of its type, not a failure.
    wanted = list(columns) if columns is not None else schema.names
    convert = pcsv.ConvertOptions(
        column_types={**{f.name: f.type for f in schema}, **types},
        include_columns=wanted,
        include_missing_columns=True,
    )
    try:
        yield from pcsv.open_csv(
            path,
            read_options=_csv_read(encoding),
            parse_options=_csv_parse(path),
            convert_options=convert,
        )
    except pa.ArrowInvalid as exc:
        match = _CSV_ERROR.search(str(exc))
        if "UTF8" in str(exc):  # "conversion error to string: invalid UTF8 data"
            raise _undecodable(path, encoding) from None
        if match and int(match.group(1)) < len(wanted):
            # A later block holds text in a column inferred as numeric: widen, restart.
            # (Column numbers count the output columns, which follow ``wanted``.)
            types[wanted[int(match.group(1))]] = pa.string()
            raise SchemaChanged from None
        raise _csv_error(path, exc, encoding) from None
    except (pa.ArrowException, OSError, UnicodeError) as exc:
        raise _csv_error(path, exc, encoding) from None


def _csv_error(path: str, exc: Exception, encoding: str = "utf-8") -> InputError:
    detail = str(exc).strip().splitlines()[0]
    if "Expected" in detail and "columns" in detail:
        return InputError(
            f"{path}: ragged CSV ({detail}); every row needs the same number of fields "
            "as the header"
        )
    if isinstance(exc, UnicodeError) or "UTF8" in detail or "UTF-8" in detail:
        return _undecodable(path, encoding)
    return InputError(f"{path}: cannot read CSV ({detail}); check the file is comma-separated")


def _undecodable(path: str, encoding: str) -> InputError:
    """The one-line error for text that is not in ``encoding``, with the byte offset."""
    where = _first_undecodable(path, encoding)
    at = f" at byte offset {where[0]:,} ({where[1]})" if where else ""
    hint = (
        "if it was saved in Latin-1 or Windows-1252 (Excel), pass --encoding latin-1"
        if encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        else "pass the encoding it was saved in with --encoding (e.g. utf-8, cp1252)"
    )
    return InputError(f"{path}: not {encoding} text{at}; {hint}")


def _first_undecodable(path: str, encoding: str) -> tuple[int, str] | None:
    """Offset (in the decompressed text) and hex of the first byte ``encoding`` rejects.

    Only on the error path: one streaming pass, in bounded memory.
    """
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    done = 0
    try:
        with pa.input_stream(path) as stream:  # decompresses .gz/.bz2/.zst by suffix
            while chunk := stream.read(1 << 20):
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    offset = done - pending + exc.start
                    return offset, f"0x{exc.object[exc.start]:02x}"
                except UnicodeError as exc:  # "UTF-16 stream does not start with BOM"
                    return done - pending, str(exc)
                done += len(chunk)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(b"", final=True)
            except UnicodeError:
                return done - pending, "an incomplete character at the end"
    except (OSError, pa.ArrowException):
        return None
    return None


# ---------------------------------------------------------- Arrow IPC/Feather
def _open_ipc(name: str, paths: list[str]) -> Source:
    units: list[Unit] = []
    schema: pa.Schema | None = None
    rows: int | None = 0
    for path in paths:
        try:
            reader = pa.ipc.open_file(pa.memory_map(path))
            file_schema, n_batches = reader.schema, reader.num_record_batches
            if rows is not None:
                rows += sum(reader.get_batch(i).num_rows for i in range(n_batches))
            units.extend(partial(_ipc_batch, path, i) for i in range(n_batches))
        except pa.ArrowInvalid:
            try:  # the streaming IPC format has no footer
                with pa.ipc.open_stream(pa.memory_map(path)) as stream:
                    file_schema = stream.schema
                units.append(partial(_ipc_stream, path))
                rows = None  # a stream has no footer that counts its rows
            except (pa.ArrowException, OSError) as exc:
                raise arrow_error(path, "Arrow IPC/Feather", exc) from None
        except OSError as exc:
            raise arrow_error(path, "Arrow IPC/Feather", exc) from None
        schema = file_schema if schema is None else unify(name, schema, file_schema, path)
    assert schema is not None
    index = pandas_index_columns(schema)
    schema = strip_metadata(marked_images(schema, paths[0]))
    return Source(name, "ipc", schema, units, rows, index_columns=index)


def _ipc_batch(path: str, index: int, columns: Sequence[str] | None):
    try:
        batch = pa.ipc.open_file(pa.memory_map(path)).get_batch(index)
    except (pa.ArrowException, OSError) as exc:
        raise arrow_error(path, "Arrow IPC/Feather", exc) from None
    yield select(batch, columns)


def _ipc_stream(path: str, columns: Sequence[str] | None):
    try:
        with pa.ipc.open_stream(pa.memory_map(path)) as stream:
            for batch in stream:
                yield select(batch, columns)
    except (pa.ArrowException, OSError) as exc:
        raise arrow_error(path, "Arrow IPC stream", exc) from None


# --------------------------------------------------------------- JSON Lines
_JSON_CHANGED = re.compile(r"Column\(/([^/)]+)\) changed from (\w+) to (\w+)")
_JSON_TYPES = {"number": pa.float64(), "string": pa.string(), "boolean": pa.bool_()}
_JSON_ROWS = 1 << 16  # rows per batch when a file is read with Python's json module


def _open_jsonl(
    name: str,
    paths: list[str],
    types: dict[str, pa.DataType] | None = None,
    mixed: set[str] | None = None,
) -> Source:
    """JSON Lines with types inferred from the first block, then widened as the scan goes.

    Like CSV: numbers are read as float64 (an integer column may hold 1.5 later),
    a column null in the first block takes the type that turns up, and a column
    mixing numbers and strings (which pyarrow cannot read) is read, for that file,
    with Python's json module as strings, so it is reported (LC107), not fatal.
    """
    types = dict(types or {})
    mixed = set(mixed or ())
    schema: pa.Schema | None = None
    for path in paths:
        file_schema = _jsonl_schema(path, types, mixed)
        schema = file_schema if schema is None else unify(name, schema, file_schema, path)
    assert schema is not None

    def reopen() -> Source:
        src = _open_jsonl(name, paths, types, mixed)
        src.paths = paths
        return src

    units: list[Unit] = [partial(_jsonl_batches, path, schema, types, mixed) for path in paths]
    return Source(name, "jsonl", schema, units, None, reopen=reopen)


def _jsonl_schema(path: str, types: dict[str, pa.DataType], mixed: set[str]) -> pa.Schema:
    import pyarrow.json as pjson

    for _ in range(64):
        if mixed:
            return _jsonl_python_schema(path, types, mixed)
        explicit = pa.schema(list(types.items())) if types else None
        try:
            reader = pjson.open_json(
                path,
                parse_options=pjson.ParseOptions(
                    explicit_schema=explicit, unexpected_field_behavior="infer"
                ),
            )
        except (pa.ArrowException, OSError) as exc:
            if not _jsonl_widen(exc, types, mixed):
                raise arrow_error(path, "JSON Lines", exc) from None
            continue
        schema = reader.schema
        reader.close()
        fields = []
        for f in schema:
            t = types.get(f.name, f.type)
            if pa.types.is_integer(t):
                t = types[f.name] = pa.float64()
            fields.append(pa.field(f.name, t))
        return pa.schema(fields)
    raise InputError(f"{path}: the JSON column types keep changing; {REEXPORT}")


def _jsonl_widen(exc: Exception, types: dict[str, pa.DataType], mixed: set[str]) -> bool:
    """Learn from "Column(/x) changed from null to number": True if a retry can succeed."""
    match = _JSON_CHANGED.search(str(exc))
    if not match:
        return False
    column, before, after = match.groups()
    if column in mixed:
        return False
    if before == "null" and after in _JSON_TYPES and column not in types:
        types[column] = _JSON_TYPES[after]
    else:  # numbers and strings (or objects) in one column
        types[column] = pa.string()
        mixed.add(column)
    return True


def _jsonl_batches(
    path: str,
    schema: pa.Schema,
    types: dict[str, pa.DataType],
    mixed: set[str],
    columns: Sequence[str] | None,
):
    import pyarrow.json as pjson

    if mixed:
        yield from _jsonl_python_batches(path, schema, types, mixed, columns)
        return
    try:
        reader = pjson.open_json(path, parse_options=pjson.ParseOptions(explicit_schema=schema))
        for batch in reader:
            yield select(batch, columns)
    except (pa.ArrowException, OSError) as exc:
        if _jsonl_widen(exc, types, mixed):
            raise SchemaChanged from None
        raise arrow_error(path, "JSON Lines", exc) from None


def _jsonl_rows(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    import json

    opener: Any = open
    if path.lower().endswith(".gz"):
        import gzip

        opener = gzip.open
    with opener(path, "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise InputError(
                    f"{path}: line {number} is not valid JSON ({exc}); {REEXPORT}"
                ) from None
            if not isinstance(row, dict):
                raise InputError(f"{path}: line {number} is not a JSON object; one object a line")
            yield number, row


def _jsonl_python_schema(path: str, types: dict[str, pa.DataType], mixed: set[str]) -> pa.Schema:
    """The schema of a file pyarrow cannot type, from its first rows."""
    names: dict[str, None] = {}
    seen: dict[str, set[type]] = {}
    for number, row in _jsonl_rows(path):
        for key, value in row.items():
            names.setdefault(key)
            if value is not None:
                seen.setdefault(key, set()).add(bool if isinstance(value, bool) else type(value))
        if number >= _JSON_ROWS:
            break
    for key in names:
        kinds = seen.get(key, set())
        if key in types:
            continue
        if kinds and kinds <= {int, float}:
            types[key] = pa.float64()
        elif kinds == {bool}:
            types[key] = pa.bool_()
        else:
            types[key] = pa.string()
            if kinds - {str}:
                mixed.add(key)
    return pa.schema([(k, types[k]) for k in {**names, **dict.fromkeys(types)}])


def _jsonl_python_batches(
    path: str,
    schema: pa.Schema,
    types: dict[str, pa.DataType],
    mixed: set[str],
    columns: Sequence[str] | None,
):
    import json

    wanted = list(columns) if columns is not None else schema.names

    def batch(rows: list[dict[str, Any]]) -> pa.RecordBatch:
        arrays = []
        for name in wanted:
            values = [row.get(name) for row in rows]
            if name in mixed:
                values = [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
            try:
                arrays.append(pa.array(values, type=schema.field(name).type))
            except (pa.ArrowException, TypeError, ValueError):
                types[name] = pa.string()  # a late value of another type: read as text
                mixed.add(name)
                raise SchemaChanged from None
        return pa.RecordBatch.from_arrays(arrays, names=wanted)

    rows: list[dict[str, Any]] = []
    for _, row in _jsonl_rows(path):
        rows.append(row)
        if len(rows) == _JSON_ROWS:
            yield batch(rows)
            rows = []
    if rows:
        yield batch(rows)


# -------------------------------------------------------------------- numpy
def _open_npy(name: str, paths: list[str], tokens: str | None = None) -> Source:
    if len(paths) != 1:
        raise InputError(f"{name}: scan .npy files one at a time (or save X and y in one .npz)")
    path = paths[0]
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"{path}: not a valid .npy file ({exc}); {REEXPORT}") from None
    from labelcheck.io.frames import arrays_source

    return arrays_source(name, array, None, fmt="npy", tokens=tokens)


_NPZ_X = ("X", "x", "features", "data", "inputs")
_NPZ_Y = ("y", "Y", "labels", "label", "target", "targets")


def _open_npz(name: str, paths: list[str], tokens: str | None = None) -> Source:
    if len(paths) != 1:
        raise InputError(f"{name}: scan .npz files one at a time")
    path = paths[0]
    try:
        archive = np.load(path, allow_pickle=False)
        keys = list(archive.keys())
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"{path}: not a valid .npz file ({exc}); {REEXPORT}") from None
    x_key = next((k for k in _NPZ_X if k in keys), None)
    y_key = next((k for k in _NPZ_Y if k in keys), None)
    if x_key is None:
        if len(keys) == 1:
            x_key = keys[0]
        else:
            raise InputError(
                f"{path}: holds arrays {keys}; save the features as 'X' and the labels as 'y'"
            )
    y = archive[y_key] if y_key else None
    from labelcheck.io.frames import arrays_source

    return arrays_source(name, archive[x_key], y, fmt="npz", tokens=tokens)


# -------------------------------------------------------------------- URLs
def _open_url(url: str) -> Source:
    """Remote Parquet, streamed by fragment: pyarrow's filesystems (s3, gs, hdfs), else fsspec."""
    import pyarrow.dataset as ds

    if _format_of(url, strict=False) not in ("parquet", None):
        raise InputError(f"{url}: remote inputs must be Parquet; download other formats first")
    try:
        dataset = ds.dataset(url, format="parquet")
    except (pa.ArrowException, OSError, ValueError):
        dataset = _fsspec_dataset(url)
    try:
        from labelcheck.io.frames import dataset_source

        source = dataset_source(url, dataset)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{url}: cannot list the Parquet parts ({exc}); check the URL") from None
    if not source.units:
        raise InputError(f"{url}: no Parquet file there; check the URL")
    source.format = "parquet"
    source.index_columns = pandas_index_columns(source.schema)
    source.schema = strip_metadata(source.schema)
    return source


def _fsspec_dataset(url: str) -> Any:
    import pyarrow.dataset as ds

    protocol = url.split("://", 1)[0]
    try:
        import fsspec
        from pyarrow.fs import FSSpecHandler, PyFileSystem

        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise InputError(
            f"{url}: no filesystem for {protocol}:// ({exc}); pip install "
            f"'labelcheck[remote]' and the {protocol} package (s3fs, gcsfs, ...)"
        ) from None
    except (ValueError, OSError) as exc:
        raise InputError(f"{url}: cannot open ({exc}); check the URL and credentials") from None
    try:
        return ds.dataset(path, format="parquet", filesystem=PyFileSystem(FSSpecHandler(fs)))
    except (pa.ArrowException, OSError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{url}: cannot open ({detail}); check the URL and credentials") from None


def _not_images(location: str, layout: str) -> InputError:
    what = "a folder of data files, not of images" if os.path.isdir(location) else "not a folder"
    return InputError(
        f"--layout {layout}: {location} is {what}; --layout applies to image folders "
        "(leave it out for tables)"
    )


def _image_dir(location: str, layout: str) -> bool:
    """Whether a directory is a folder of images (io.images, loaded only for directories)."""
    from labelcheck.io.images import is_image_dir

    return is_image_dir(location, layout)
