"""Writers: outputs appear atomically (temporary file in the same folder, then rename)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from labelcheck.errors import InputError
from labelcheck.io.readers import FORMATS


def _not_writable(target: Path, folder: Path, exc: OSError) -> InputError:
    why = exc.strerror or type(exc).__name__
    return InputError(
        f"{target}: cannot write to the folder {folder} ({why}); choose a writable output path"
    )


def _temp_beside(target: Path) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _not_writable(target, target.parent, exc) from None
    os.close(fd)
    return Path(tmp)


def _publish(tmp: Path, target: Path) -> None:
    # mkstemp makes the file 0600; give it the mode a plain open() would (umask).
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        raise _not_writable(target, target.parent, exc) from None


@contextlib.contextmanager
def atomic_paths(*targets: str | os.PathLike[str]) -> Iterator[list[Path]]:
    """Temporary paths beside ``targets``, renamed over them together on success only.

    Outputs that belong together (fixed data and its plan) appear as one unit:
    every temporary file is written before any is renamed, and if a rename
    fails the outputs already renamed are removed again.
    """
    paths = [Path(t) for t in targets]
    temps: list[Path] = []
    done: list[Path] = []
    try:
        temps.extend(_temp_beside(t) for t in paths)
        yield temps
        for tmp, target in zip(temps, paths, strict=True):
            _publish(tmp, target)
            done.append(target)
    except BaseException:
        for tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        if done and len(done) < len(paths):  # half a unit: take it back
            for target in done:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target)
        raise


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary directory beside ``target``, renamed to ``target`` on success only
    (an existing ``target`` is replaced: the caller asked for ``--force``); on failure the
    temporary directory is removed and ``target`` is untouched."""
    import shutil

    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise _not_writable(target, target.parent, exc) from None
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it 0700
        if target.exists():
            old = tmp.with_name(tmp.name + ".old")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success only."""
    with atomic_paths(target) as (tmp,):
        yield tmp


def input_files(inputs: Iterable[str | os.PathLike[str] | None]) -> list[str]:
    """The files that inputs stand for: a file, the files in a directory, a glob's matches
    (URLs and in-memory objects stand for no local file)."""
    import glob

    out: list[str] = []
    for given in inputs:
        if not isinstance(given, str | os.PathLike) or "://" in os.fspath(given):
            continue
        if os.path.isdir(given):
            out += [os.path.join(d, f) for d, _, files in os.walk(given) for f in files]
        elif os.path.exists(given):
            out.append(os.fspath(given))
        else:
            out += glob.glob(os.fspath(given), recursive=True)
    return out


def guard_outputs(
    inputs: Iterable[str | os.PathLike[str] | None],
    outputs: Iterable[str | os.PathLike[str]],
    *,
    force: bool = True,
) -> None:
    """Refuse, before anything is read or written, an output that would lose data.

    An output may never be one of the command's inputs (data, plan, schema,
    reference, or a file of an input directory or glob; also through ``..`` or a
    symlink), whatever ``force`` says, nor another of the outputs; it
    may not be a directory; an existing one needs ``force``; its folder must
    take a new file (probed, since root ignores permission bits but not
    ``chattr +i`` or a read-only mount).
    """
    ins = {os.path.realpath(p) for p in input_files(inputs)}
    seen: dict[str, Path] = {}
    for out in map(Path, outputs):
        real = os.path.realpath(out)
        if real in ins:
            raise InputError(
                f"{out}: is an input of this command; write the output to another file"
            )
        if real in seen:  # the second write would replace the first (report and rows)
            raise InputError(
                f"{out}: names the same file as the output {seen[real]}; give each output "
                "its own file"
            )
        seen[real] = out
        if out.is_dir():
            raise InputError(f"{out}: is a directory; give an output file name")
        if out.exists() and not force:
            raise InputError(f"{out}: already exists; pass --force to overwrite it")
        folder = next(p for p in [out.parent, *out.parent.parents] if p.exists() or p == p.parent)
        try:
            fd, probe = tempfile.mkstemp(prefix=".labelcheck-probe.", dir=folder)
        except OSError as exc:
            raise _not_writable(out, folder, exc) from None
        os.close(fd)
        os.unlink(probe)


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def table_format(target: str | os.PathLike[str]) -> tuple[str, str | None]:
    """The format a table of any columns (``--rows-out``) is written in, by the suffix:
    any output format but ``.npz``, whose arrays hold numbers only."""
    formats = ".parquet, .csv, .feather/.arrow or .jsonl (.csv.gz and .jsonl.gz compress)"
    try:
        fmt, compression = output_format(target)
    except InputError:
        raise InputError(
            f"{target}: cannot tell the output format from the suffix; end the name in {formats}"
        ) from None
    if fmt == "npz":
        raise InputError(
            f"{target}: .npz holds numeric arrays, this table has text columns; end the "
            f"name in {formats}"
        )
    return fmt, compression


def write_table(target: str | os.PathLike[str], table: Any) -> None:
    """One Arrow table, atomically, in the format its suffix names (:func:`table_format`)."""
    table_format(target)
    write_batches(target, table.schema, table.to_batches())


# ------------------------------------------------------------- record batches
#: Output formats by file suffix: what the readers read, but .npy (X only, no labels)
#: (compression suffixes .gz/.bz2/.zst for CSV and JSON Lines).
WRITE_FORMATS = {suffix: fmt for suffix, fmt in FORMATS.items() if fmt != "npy"}
_COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd"}


def output_format(target: str | os.PathLike[str]) -> tuple[str, str | None]:
    """The format and stream compression an output path asks for, by its suffix."""
    name = os.fspath(target).lower()
    compression = next((c for s, c in _COMPRESSION.items() if name.endswith(s)), None)
    if compression:
        name = name[: name.rfind(".")]
    fmt = WRITE_FORMATS.get(os.path.splitext(name)[1])
    if fmt is None or (compression and fmt not in ("csv", "jsonl")):
        raise InputError(
            f"{target}: cannot tell the output format from the suffix; end the name in "
            ".parquet, .csv, .feather/.arrow, .jsonl or .npz (.csv.gz and .jsonl.gz compress)"
        )
    return fmt, compression


def write_batches(
    target: str | os.PathLike[str],
    schema: Any,
    batches: Iterable[Any],
    *,
    label: str | None = None,
    into: Path | None = None,
) -> None:
    """Stream Arrow record batches to ``target`` atomically, one batch in memory at a time.

    The format follows the suffix; ``.npz`` writes ``X`` (the non-label columns
    stacked) and ``y`` (``label``), spooled to disk so memory stays bounded.
    ``into``: a temporary path of :func:`atomic_paths` to fill instead (the
    caller renames it with the outputs it belongs with).
    """
    fmt, compression = output_format(target)
    with contextlib.nullcontext(into) if into is not None else atomic_path(target) as tmp:
        _write(tmp, target, fmt, compression, schema, batches, label)


def _write(
    tmp: Path,
    target: str | os.PathLike[str],
    fmt: str,
    compression: str | None,
    schema: Any,
    batches: Iterable[Any],
    label: str | None,
) -> None:
    import pyarrow as pa

    if fmt == "parquet":
        import pyarrow.parquet as pq

        # Dictionary-encoding floats (normalized features) only costs time and memory.
        dictionary = [f.name for f in schema if not pa.types.is_floating(f.type)]
        with pq.ParquetWriter(tmp, schema, use_dictionary=dictionary) as writer:
            for batch in batches:
                writer.write_batch(batch)
    elif fmt == "ipc":
        with pa.ipc.new_file(str(tmp), schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
    elif fmt == "csv":
        import pyarrow.csv as pcsv

        delimiter = "\t" if ".tsv" in os.fspath(target).lower() else ","
        with (
            pa.output_stream(str(tmp), compression=compression) as sink,
            pcsv.CSVWriter(
                sink, schema, write_options=pcsv.WriteOptions(delimiter=delimiter)
            ) as writer,
        ):
            for batch in batches:
                writer.write_batch(batch)
    elif fmt == "jsonl":
        with pa.output_stream(str(tmp), compression=compression) as sink:
            for batch in batches:
                if batch.num_rows:
                    # pandas' C JSON writer: no per-row Python (15 significant digits).
                    text = batch.to_pandas().to_json(
                        orient="records", lines=True, double_precision=15, force_ascii=False
                    )
                    sink.write((text.rstrip("\n") + "\n").encode("utf-8"))
    else:
        _write_npz(Path(tmp), schema, batches, label)


def _write_npz(tmp: Path, schema: Any, batches: Iterable[Any], label: str | None) -> None:
    import shutil
    import zipfile

    import numpy as np

    from labelcheck.errors import InputError

    features = [f for f in schema if f.name != label]
    with_y = label is not None and label in schema.names

    def dtype_of(field: Any) -> np.dtype:
        try:
            return np.dtype(field.type.to_pandas_dtype())
        except (NotImplementedError, TypeError):
            raise InputError(
                f"{tmp.name}: column {field.name!r} ({field.type}) cannot go into a numeric "
                ".npz array; write Parquet instead"
            ) from None

    x_dtype = np.result_type(*[dtype_of(f) for f in features]) if features else np.float64
    y_dtype = dtype_of(schema.field(label)) if with_y else None
    if (y_dtype is not None and y_dtype.kind == "O") or np.dtype(x_dtype).kind == "O":
        raise InputError(f"{tmp.name}: non-numeric columns cannot go into .npz; write Parquet")
    rows = 0
    with (
        tempfile.TemporaryFile(dir=tmp.parent) as xf,
        tempfile.TemporaryFile(dir=tmp.parent) as yf,
    ):
        for batch in batches:
            cols = [_numpy(batch.column(f.name)).astype(x_dtype) for f in features]
            X = np.column_stack(cols) if cols else np.empty((batch.num_rows, 0), x_dtype)
            xf.write(np.ascontiguousarray(X, dtype=x_dtype).tobytes())
            if with_y:
                yf.write(np.ascontiguousarray(_numpy(batch.column(label)), dtype=y_dtype).tobytes())
            rows += batch.num_rows
        arrays = [("X", xf, x_dtype, (rows, len(features)))]
        if with_y:
            arrays.append(("y", yf, y_dtype, (rows,)))
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name, fh, dtype, shape in arrays:
                fh.seek(0)
                header = {
                    "descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                    "fortran_order": False,
                    "shape": shape,
                }
                with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array_header_1_0(member, header)
                    shutil.copyfileobj(fh, member, 1 << 22)


def _numpy(array: Any) -> Any:
    import pyarrow as pa

    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if array.null_count and not pa.types.is_floating(array.type):
        array = array.cast(pa.float64())
    return array.to_numpy(zero_copy_only=False)
