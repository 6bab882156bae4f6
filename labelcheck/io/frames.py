"""In-memory data: numpy, pandas, polars, pyarrow and dask objects <-> Arrow.

Both ways: :func:`open_object` makes a :class:`Source` of any of them (the
scan), :func:`to_table` / :func:`like` turn one into an Arrow table and a fixed
table back into the same kind of object (``plan.transform``). Training batches
(tensors, ``(x, y)`` tuples, dicts) too: :func:`loader_source` over a loader. No other package
knows these libraries; each is imported only when such an object arrives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Any

import numpy as np
import pyarrow as pa

from labelcheck.errors import InputError
from labelcheck.io.arrow import decoded
from labelcheck.io.source import Source, Unit, pandas_index_columns, select, strip_metadata

#: Rows per record batch produced from sources that are not already batched.
BATCH_ROWS = 1 << 20


def library_of(obj: Any) -> str:
    """The top-level module of an object's type: ``pandas``, ``polars``, ``dask`` ..."""
    return type(obj).__module__.split(".")[0]


def open_object(obj: Any, *, name: str | None = None, tokens: str | None = None) -> Source:
    """A source over a pandas/polars/pyarrow object or a numpy ``(X, y)`` pair.

    ``tokens``: a 2-D integer ``X`` holds token ids (one sequence a row), read as
    one list column of that name instead of one feature per position.
    """
    module = library_of(obj)
    if isinstance(obj, tuple) and len(obj) == 2:
        return arrays_source(name or "(X, y)", obj[0], obj[1], tokens=tokens)
    if isinstance(obj, np.ndarray):
        return arrays_source(name or "array", obj, None, tokens=tokens)
    if isinstance(obj, pa.Table):
        return table_source(name or "pyarrow.Table", obj)
    if isinstance(obj, pa.RecordBatch):
        return table_source(name or "pyarrow.RecordBatch", pa.Table.from_batches([obj]))
    if module == "pyarrow":
        import pyarrow.dataset as ds

        if isinstance(obj, ds.Dataset):
            return dataset_source(name or "pyarrow.dataset", obj)
    if module == "pandas":
        import pandas as pd

        if isinstance(obj, pd.DataFrame):
            table = pandas_to_arrow(obj, name or "DataFrame")
            return table_source(name or "pandas.DataFrame", table)
    if module == "polars":
        import polars as pl

        if isinstance(obj, pl.LazyFrame):
            obj = obj.collect()
        if isinstance(obj, pl.DataFrame):
            return table_source(name or "polars.DataFrame", obj.to_arrow())
    if module == "dask":
        return dask_source(obj, name)
    if module == "datasets" and hasattr(obj, "data") and hasattr(obj.data, "table"):
        # A Hugging Face Dataset: its Arrow table, zero-copy (memory-mapped when on disk).
        table = obj.data.table
        if getattr(obj, "_indices", None) is not None:  # a filtered/shuffled view
            table = obj.with_format("arrow")[:]
        return table_source(name or "datasets.Dataset", pa.table(table))
    if module == "datasets":
        raise InputError(
            f"a {type(obj).__name__} holds splits; scan it with labelcheck.scan_splits(obj)"
        )
    raise InputError(
        f"cannot scan an object of type {type(obj).__name__}; pass a path, a pandas/polars "
        "DataFrame, a pyarrow Table or a numpy (X, y) tuple"
    )


def table_source(name: str, table: pa.Table, *, fmt: str = "memory") -> Source:
    batches = table.to_batches(max_chunksize=BATCH_ROWS)
    units: list[Unit] = [partial(_one_batch, b) for b in batches]
    index = pandas_index_columns(table.schema)
    return Source(
        name, fmt, strip_metadata(table.schema), units, table.num_rows, index_columns=index
    )


def _one_batch(batch: pa.RecordBatch, columns: Sequence[str] | None):
    yield select(batch, columns)


def dataset_source(name: str, dataset: Any) -> Source:
    units: list[Unit] = [partial(_fragment_batches, f) for f in dataset.get_fragments()]
    return Source(name, "dataset", dataset.schema, units, None)


def _fragment_batches(fragment: Any, columns: Sequence[str] | None):
    yield from fragment.to_batches(columns=list(columns) if columns is not None else None)


def arrays_source(
    name: str,
    X: Any,
    y: Any = None,
    *,
    fmt: str = "numpy",
    label: str = "y",
    names: Sequence[str] | None = None,
    tokens: str | None = None,
) -> Source:
    """A source over numpy ``X`` (n, d) and optional ``y`` (n,) or (n, k).

    ``names``: the names of X's columns, in order (default ``x0 .. x{d-1}``).
    With ``tokens`` a 2-D integer ``X`` (n, T) is n token sequences: one
    ``fixed_size_list`` column of that name (a 2-D float ``X`` stays features).
    """
    X = np.asarray(X) if not isinstance(X, np.ndarray) else X
    X = _numeric_features(name, X)
    if tokens is not None and X.ndim == 2 and X.dtype.kind in "iu":
        return _token_source(name, X, y, fmt, label, tokens)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim in (3, 4):
        return tensor_source(name, X, y, fmt=fmt, label=label)
    if X.ndim != 2:
        raise InputError(
            f"{name}: expected a 2-D feature array X of shape (rows, features), or images "
            f"(N, H, W), (N, H, W, C), (N, C, H, W), got shape {X.shape}; reshape it with "
            "X.reshape(len(X), -1)"
        )
    if names is None:
        names = [f"x{i}" for i in range(X.shape[1])]
    elif len(names) != X.shape[1]:
        raise InputError(
            f"{name}: X has {X.shape[1]} columns, {len(names)} are expected "
            f"({', '.join(map(repr, names[:8]))}{' ...' if len(names) > 8 else ''}); "
            "pass X with those columns, in that order"
        )
    if y is not None:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim > 2:
            raise InputError(
                f"{name}: y of shape {y.shape} for rows of features X {X.shape}: segmentation "
                "masks (N, H, W) are read beside images X of shape (N, H, W, C) or (N, C, H, W)"
            )
        if len(y) != len(X):
            raise InputError(
                f"{name}: X has {len(X)} rows but y has {len(y)}; they must have one label per row"
            )
    fields = [pa.field(n, _arrow_type(X.dtype)) for n in names]
    if y is not None:
        fields.append(pa.field(label, _arrow_type(y.dtype, ndim=y.ndim)))
    schema = pa.schema(fields)
    units: list[Unit] = [
        partial(_array_slice, X, y, schema, start, min(start + BATCH_ROWS, len(X)))
        for start in range(0, max(len(X), 1), BATCH_ROWS)
    ]
    return Source(name, fmt, schema, units, len(X))


#: Channel counts of an image tensor (grey, RGB, RGBA).
CHANNELS = (1, 3, 4)
#: Images per unit of a tensor source.
TENSOR_ROWS = 4096


def tensor_source(
    name: str, X: np.ndarray, y: Any = None, *, fmt: str = "numpy", label: str = "y"
) -> Source:
    """Images as a numpy array, (N, H, W), (N, H, W, C) or (N, C, H, W) with C in 1, 3, 4
    (channels last when both fit): one row per image, an image *tensor* column ``X``
    (each row a fixed-size list of the image's values; the shape and channel axis in
    the field's metadata), so the feature rules report channels, never pixels."""
    fields = [tensor_field(name, "X", X.shape, X.dtype)]
    if y is not None:
        y = np.asarray(y)
        if len(y) != len(X):
            raise InputError(
                f"{name}: X has {len(X)} images but y has {len(y)}; they must have one label each"
            )
        if y.ndim in (3, 4):  # segmentation masks: the label is a class id per pixel
            y = mask_array(name, label, y)
            fields.append(mask_field(label, y.shape, y.dtype, pairs="X"))
        elif y.ndim != 1:
            raise InputError(
                f"{name}: y of shape {y.shape} for images: give one class id per image, shape "
                "(N,), or a segmentation mask per image, shape (N, H, W)"
            )
        else:
            fields.append(pa.field(label, _arrow_type(y.dtype)))
    schema = pa.schema(fields)
    units: list[Unit] = [
        partial(_tensor_slice, X, y, schema, start, min(start + TENSOR_ROWS, len(X)))
        for start in range(0, max(len(X), 1), TENSOR_ROWS)
    ]
    return Source(name, fmt, schema, units, len(X))


def tensor_field(where: str, column: str, shape: Sequence[int], dtype: np.dtype) -> pa.Field:
    """The field of an image tensor column for images of ``shape`` (N, H, W), (N, H, W, C)
    or (N, C, H, W), C in :data:`CHANNELS` (channels last when both fit): a fixed-size
    list per image, the image's shape and channel axis in the field's metadata (the
    ``tensor`` column kind). ``where`` starts the error message of any other shape."""
    shape = tuple(int(n) for n in shape)
    if len(shape) == 4 and shape[-1] not in CHANNELS and shape[1] not in CHANNELS:
        raise InputError(
            f"{where}: {column} of shape {shape} is neither (N, H, W, C) nor (N, C, H, W) with "
            f"C in 1, 3 or 4 channels; reshape it to (N, features) with "
            f"{column}.reshape(len({column}), -1)"
        )
    first = len(shape) == 4 and shape[-1] not in CHANNELS
    meta = {
        "labelcheck.shape": json.dumps(list(shape[1:])),
        "labelcheck.channels": "first" if first else "last",
    }
    return pa.field(column, pa.list_(_arrow_type(dtype), int(np.prod(shape[1:]))), metadata=meta)


def mask_array(where: str, column: str, masks: np.ndarray) -> np.ndarray:
    """Segmentation masks as class ids (N, H, W), or colour-coded masks (N, H, W, C) with
    C in 3, 4, channels last: a single channel (N, 1, H, W) / (N, H, W, 1) is dropped, a
    (N, C, H, W) batch moved to channels last, floats holding whole numbers (a
    ``.float()`` mask) read as integers. Masks of other values or shapes: an
    :class:`InputError` starting with ``where``."""
    shape = tuple(int(n) for n in masks.shape)
    if masks.ndim == 4 and shape[-1] == 1:
        masks = masks[..., 0]
    elif masks.ndim == 4 and shape[1] == 1:
        masks = masks[:, 0]
    elif masks.ndim == 4 and shape[-1] not in (3, 4) and shape[1] in (3, 4):
        masks = np.moveaxis(masks, 1, -1)
    elif masks.ndim == 4 and shape[-1] not in (3, 4):
        raise InputError(
            f"{where}: {column} of shape {shape} is neither masks of class ids (N, H, W) nor "
            "colour masks (N, H, W, 3); give one class id per pixel"
        )
    if masks.dtype.kind == "b":
        return masks.astype(np.uint8)
    if masks.dtype.kind == "f":
        whole = np.isfinite(masks) & (masks == np.round(masks))
        if not whole.all():
            example = masks[~whole].flat[0]
            raise InputError(
                f"{where}: {column} holds mask values that are not class ids (e.g. "
                f"{example:g}): a segmentation mask holds one whole class id per pixel; "
                "ToTensor() scales a mask to 0..1, build it with torch.as_tensor(np.array(mask))"
            )
        return masks.astype(np.int64)
    if masks.dtype.kind not in "iu":
        raise InputError(
            f"{where}: {column} of dtype {masks.dtype} is not a mask of class ids (integers)"
        )
    return masks


def mask_field(column: str, shape: Sequence[int], dtype: np.dtype, pairs: str | None) -> pa.Field:
    """The field of a mask column for masks of ``shape`` (N, H, W) or (N, H, W, C) (see
    :func:`mask_array`): a fixed-size list per mask, laid out as :func:`tensor_values`,
    the ``mask`` column kind with one mask's shape (and ``pairs``, the column of the
    images they label) in the field's metadata."""
    shape = tuple(int(n) for n in shape)
    meta = {"labelcheck.kind": "mask", "labelcheck.shape": json.dumps(list(shape[1:]))}
    if pairs is not None:
        meta["labelcheck.pairs"] = pairs
    return pa.field(column, pa.list_(_arrow_type(dtype), int(np.prod(shape[1:]))), metadata=meta)


def tensor_values(images: np.ndarray) -> pa.FixedSizeListArray:
    """Images (N, ...) as the values of a :func:`tensor_field` column: one list per image."""
    chunk = np.ascontiguousarray(images).reshape(len(images), -1)
    return pa.FixedSizeListArray.from_arrays(pa.array(chunk.reshape(-1)), chunk.shape[1])


def _tensor_slice(X, y, schema: pa.Schema, start: int, stop: int, columns):
    cols = [tensor_values(X[start:stop])]
    if y is not None:
        part = np.asarray(y[start:stop])
        masks = part.ndim > 1  # laid out as the images are
        cols.append(tensor_values(part) if masks else _numpy_to_arrow(part, schema.field(1).type))
    batch = pa.RecordBatch.from_arrays(cols, schema=schema)
    yield batch if columns is None else batch.select(list(columns))


def _token_source(name: str, X: np.ndarray, y: Any, fmt: str, label: str, column: str) -> Source:
    n, width = X.shape
    columns = {
        column: pa.FixedSizeListArray.from_arrays(
            pa.array(np.ascontiguousarray(X).reshape(-1)), width
        )
    }
    if y is not None:
        y = np.asarray(y)
        if len(y) != n:
            raise InputError(
                f"{name}: X has {n} rows but y has {len(y)}; they must have one label per row"
            )
        if y.ndim == 2 and y.dtype.kind in "iu":  # per-token labels beside the ids
            columns["labels"] = pa.FixedSizeListArray.from_arrays(
                pa.array(np.ascontiguousarray(y).reshape(-1)), y.shape[1]
            )
        else:
            columns[label] = pa.array(y.ravel() if y.ndim == 2 else y)
    return table_source(name, pa.table(columns), fmt=fmt)


def _numeric_features(name: str, X: np.ndarray) -> np.ndarray:
    """X as numbers: an object array of numbers is converted; complex or text is refused."""
    if X.dtype.kind == "c":
        raise InputError(
            f"{name}: X holds complex numbers ({X.dtype}); a model takes real features: pass "
            "np.abs(X) or stack X.real and X.imag as separate columns"
        )
    if X.dtype.kind == "O":
        try:
            return X.astype(np.float64)
        except (TypeError, ValueError):
            example = next((v for v in X.ravel() if not isinstance(v, int | float)), None)
            raise InputError(
                f"{name}: X is an object array holding non-numbers (e.g. {example!r}); "
                "convert X to a numeric dtype (X.astype(float)) first"
            ) from None
    return X


def _arrow_type(dtype: np.dtype, ndim: int = 1) -> pa.DataType:
    if dtype.kind in "OSU":
        base = pa.string()
    else:
        try:
            base = pa.from_numpy_dtype(dtype)
        except (pa.ArrowNotImplementedError, TypeError):
            base = pa.string()
    return pa.list_(base) if ndim == 2 else base


def _array_slice(X, y, schema: pa.Schema, start: int, stop: int, columns):
    cols = []
    chunk = np.asarray(X[start:stop])
    for i in range(chunk.shape[1]):
        cols.append(_numpy_to_arrow(chunk[:, i], schema.field(i).type))
    if y is not None:
        part = np.asarray(y[start:stop])
        if part.ndim == 2:
            cols.append(list_rows(part))
        elif part.dtype.kind in "iufb":
            cols.append(_numpy_to_arrow(part, schema.field(len(cols)).type))
        else:
            cols.append(
                pa.array(
                    part.tolist() if part.dtype.kind == "O" else part,
                    type=schema.field(len(cols)).type,
                    from_pandas=True,
                )
            )
    batch = pa.RecordBatch.from_arrays(cols, schema=schema)
    yield select(batch, columns)


def list_rows(values: np.ndarray) -> pa.ListArray:
    """A 2-D array (N, T) as N lists of T values; T may be 0 (a batch of empty texts)."""
    offsets = np.arange(len(values) + 1, dtype=np.int32) * np.int32(values.shape[1])
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values.reshape(-1)))


def _numpy_to_arrow(values: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """A numeric or bool numpy column as Arrow; NaN stays NaN (it is not null).

    Built from buffers rather than with ``pa.array``, whose first call makes
    pyarrow import pandas (~0.3 s the CLI does not need).
    """
    if values.dtype.kind not in "iufb" or pa.types.is_dictionary(arrow_type):
        return pa.array(values, type=arrow_type)
    if values.dtype.kind == "b":
        data = np.packbits(np.ascontiguousarray(values), bitorder="little")
    else:  # native byte order: a '>f8' .npy file is big-endian
        data = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("="))
    return pa.Array.from_buffers(arrow_type, len(values), [None, pa.py_buffer(data)])


# ------------------------------------------------------------------- pandas
def pandas_to_arrow(df: Any, name: str = "DataFrame") -> pa.Table:
    """A pandas DataFrame as Arrow, without pandas' metadata (it would restore old dtypes)."""
    repeated = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
    if repeated:
        listed = ", ".join(map(repr, repeated))
        raise InputError(
            f"{name}: column names repeat ({listed}); "
            "rename them so each name is unique (df.columns = [...])"
        )
    try:
        return pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise InputError(
            f"{name}: a column cannot be converted to Arrow ({exc}); cast mixed-type "
            "object columns to str or a number"
        ) from None


def pandas_partition_to_arrow(frame: Any, schema: pa.Schema | None, name: str) -> pa.Table:
    """A pandas partition as Arrow; NaN in numpy float columns stays NaN, as in the file.

    (``Table.from_pandas`` would turn it into null: a Parquet file scanned
    through ``dd.read_parquet`` must give the findings of the file itself.)
    """
    try:
        arrays, fields = [], []
        for i, column in enumerate(frame.columns):
            series = frame.iloc[:, i]
            target = schema.field(i).type if schema is not None else None
            if isinstance(series.dtype, np.dtype) and series.dtype.kind == "f":
                array = pa.array(series.to_numpy(), type=target)
            else:
                array = pa.Array.from_pandas(series, type=target)
            arrays.append(array)
            fields.append(pa.field(str(column), array.type))
        return pa.Table.from_arrays(arrays, schema=schema or pa.schema(fields))
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise InputError(
            f"{name}: a partition cannot be converted to Arrow ({exc}); cast mixed-type "
            "object columns to str or a number"
        ) from None


# --------------------------------------------------------------------- dask
def is_dask_frame(obj: Any) -> bool:
    if library_of(obj) != "dask":
        return False
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame)


def dask_source(ddf: Any, name: str | None = None) -> Source:
    """A dask DataFrame: its schema, and the frame itself for the Dask engine to map
    its partitions on the cluster (``Source.frame``); no unit reads it here."""
    if not is_dask_frame(ddf):
        raise InputError(f"cannot scan an object of type {type(ddf).__name__}")
    name = name or getattr(ddf, "_labelcheck_name", None) or "dask.DataFrame"
    if ddf.npartitions == 0:
        raise InputError(f"{name}: the DataFrame has no partitions; nothing to scan")
    # The schema of the first partition: the meta of object columns says nothing.
    first = ddf.get_partition(0).compute()
    schema = pandas_partition_to_arrow(first, None, name).schema.remove_metadata()
    return Source(name, "dask", schema, [], None, frame=ddf)


def partition_batches(frame: Any, schema: pa.Schema, name: str, columns: Sequence[str] | None):
    """Record batches of one pandas partition of a dask DataFrame, in ``schema``'s types."""
    names = list(columns) if columns is not None else schema.names
    part = pandas_partition_to_arrow(
        frame[names], pa.schema([schema.field(c) for c in names]), name
    )
    yield from part.to_batches()


# ------------------------------------------------------ fixed data, both ways
@dataclass(frozen=True)
class Kind:
    """What :func:`like` needs to give a transformed table back as the input's kind."""

    name: str  # batch, table, pandas, polars, polars-lazy
    columns: tuple[str, ...] = ()  # the input's own columns (without ``position``)
    #: pandas: the input's index, and the column of row positions that travels with
    #: the rows through the plan, so the rows kept keep their index labels.
    index: Any = None
    position: str | None = None


def to_table(data: Any) -> tuple[pa.Table, Kind]:
    """Arrow for ``plan.transform``: the table and the kind to convert the result back to."""
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]), Kind("batch", tuple(data.schema.names))
    if isinstance(data, pa.Table):
        return data, Kind("table", tuple(data.column_names))
    module = library_of(data)
    if module == "pandas":
        table = pandas_to_arrow(data)
        names = tuple(table.column_names)
        position = "__labelcheck_row__"
        while position in names:
            position += "_"
        positions = np.arange(len(data), dtype=np.int64)
        table = table.append_column(
            position,
            pa.Array.from_buffers(pa.int64(), len(positions), [None, pa.py_buffer(positions)]),
        )
        return table, Kind("pandas", names, data.index, position)
    if module == "polars":
        import polars as pl

        if isinstance(data, pl.LazyFrame):
            table = data.collect().to_arrow()
            return table, Kind("polars-lazy", tuple(table.column_names))
        return data.to_arrow(), Kind("polars", tuple(data.columns))
    raise InputError(
        f"cannot transform an object of type {type(data).__name__}; pass a pyarrow "
        "Table, a pandas/polars DataFrame (or LazyFrame) or numpy (X, y)"
    )


def like(table: pa.Table, kind: Kind) -> Any:
    """``table`` as the kind of object :func:`to_table` was given."""
    if kind.name == "batch":
        return table.combine_chunks().to_batches()[0] if table.num_rows else table.to_batches()[0]
    if kind.name == "pandas":
        positions = None
        if kind.position is not None and kind.position in table.column_names:
            positions = table.column(kind.position).to_numpy()
            table = table.drop_columns([kind.position])
        out = table.to_pandas()
        if positions is not None:
            out.index = kind.index.take(positions)  # names, dtype and levels kept
        return out
    if kind.name in ("polars", "polars-lazy"):
        import polars as pl

        out = pl.from_arrow(table)
        return out.lazy() if kind.name == "polars-lazy" else out
    return table


def table_to_arrays(table: pa.Table, label: str, *, with_y: bool = True):
    """``(X, y)`` numpy arrays from a (fixed) table: features stacked as float columns."""
    features = [n for n in table.column_names if n != label]
    cols = [_column_numpy(table.column(n)) for n in features]
    X = np.column_stack(cols) if cols else np.empty((table.num_rows, 0))
    if not with_y or label not in table.column_names:
        return X if not with_y else (X, None)
    return X, _column_numpy(table.column(label))


def _column_numpy(column: pa.ChunkedArray) -> np.ndarray:
    column = decoded(column)
    if column.null_count and (pa.types.is_integer(column.type) or pa.types.is_boolean(column.type)):
        column = column.cast(pa.float64())
    return column.to_numpy(zero_copy_only=False)


# ------------------------------------------------------- training batches
#: Rows of a loader's batches gathered into one record batch: the statistics' passes are
#: per record batch, and a loader's 32-row batches one by one would cost a pass each.
LOADER_ROWS = 1 << 16
#: ... or this many bytes (image batches are wide).
LOADER_BYTES = 1 << 27

#: The parts of a tuple batch, by position: ``(x, y)``, Keras' ``(x, y, sample_weight)``.
TUPLE_PARTS = ("x", "y", "sample_weight")


def to_numpy(value: Any) -> np.ndarray:
    """A tensor (PyTorch, Keras on the torch backend) or array-like as numpy, on the CPU."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, on any device
        value = value.detach().cpu()
        if str(value.dtype) in ("torch.bfloat16", "torch.float16"):  # numpy has no bfloat16
            value = value.float()
        return value.numpy()
    array = np.asarray(value)
    return array.astype(np.float32) if array.dtype == np.float16 else array


@dataclass(frozen=True)
class PartNames:
    """What the named parts of a training batch are, beyond ``x``: ``labels`` may be 2-D
    labels (one-hot rows, token labels), ``tokens`` token sequences (``input_ids``,
    ``attention_mask``), ``masks`` segmentation masks (as are 3-D and 4-D ``labels``)."""

    labels: Sequence[str] = ("y",)
    tokens: Sequence[str] = ()
    masks: Sequence[str] = ()

    def is_mask(self, name: str) -> bool:
        """Whether a part of 3 or 4 dimensions named ``name`` holds segmentation masks."""
        return name in self.masks or name in self.labels


def batch_parts(batch: Any) -> dict[str, Any]:
    """A training batch's named parts: ``(x, y)`` tuples by position, dicts by key, a lone
    tensor as ``x`` (the values are left as they are: tensors stay tensors)."""
    if type(batch) is tuple and len(batch) == 2:  # (x, y), first: a guard asks every batch
        return {TUPLE_PARTS[0]: batch[0], TUPLE_PARTS[1]: batch[1]}
    if isinstance(batch, Mapping):
        return {str(k): v for k, v in batch.items()}
    if isinstance(batch, tuple | list):
        names = [*TUPLE_PARTS, *(f"item{i}" for i in range(len(TUPLE_PARTS), len(batch)))]
        return dict(zip(names, batch, strict=False))
    return {"x": batch}


def batch_columns(batch: Any, number: int, names: PartNames = PartNames()) -> dict[str, np.ndarray]:
    """One training batch as named numpy columns: 1-D values, 2-D list columns, images.

    ``x`` of shape (N, d) is tabular: columns x0..x{d-1}, as :func:`arrays_source`
    names them; a 2-D float value of a dict is ``key0..``; a 2-D part named in
    ``names.labels`` (one-hot rows, token labels) or ``names.tokens`` (``input_ids``,
    ``attention_mask``: a token batch) stays one list column. A part of shape
    (N, C, H, W), (N, H, W, C) or (N, H, W) is an image batch, kept whole (an image
    tensor column, see :func:`tensor_field`); a 3-D or 4-D part named in ``names.masks``
    or ``names.labels`` is a batch of segmentation masks (:func:`mask_array`; a mask
    column, see :func:`mask_field`). Unnamed 2-D integer sequences are refused with an
    :class:`InputError`.
    """
    columns: dict[str, np.ndarray] = {}
    parts = batch_parts(batch)
    # token sequences stay sequences at length 1 (a padding collate's batch of one-token
    # texts), and so do the labels beside them; (N, 1) labels beside longer ones are one
    # class id a sample (sequence classification)
    ids = [n for n in parts if n in names.tokens and n not in names.labels]
    one = any(getattr(parts[n], "ndim", 0) == 2 and parts[n].shape[1] == 1 for n in ids)
    sequences = {*names.tokens, *names.labels} if one else set(ids)
    for name, value in parts.items():
        array = to_numpy(value)
        if name == TUPLE_PARTS[0] and array.ndim == 1:
            array = array[:, None]  # one feature is x0, as arrays_source names a 1-D X
        elif array.ndim == 2 and array.shape[1] == 1 and name not in (TUPLE_PARTS[0], *sequences):
            array = array[:, 0]  # (N, 1) labels are one label a sample
        if array.ndim == 1:
            columns[name] = array
        elif array.ndim in (3, 4) and names.is_mask(name):
            columns[name] = mask_array(f"batch {number}", repr(name), array)
        elif array.ndim == 2 and (name in names.labels or name in names.tokens):
            columns[name] = array  # one-hot rows, token ids or labels: a list column
        elif array.ndim == 2 and (name == "x" or array.dtype.kind == "f"):
            columns.update({f"{name}{i}": array[:, i] for i in range(array.shape[1])})
        elif array.ndim == 2:
            raise InputError(
                f"batch {number}: {name!r} of shape {tuple(array.shape)} holds integer "
                f"sequences: name token batches' parts {', '.join(names.tokens or ('input_ids',))} "
                "to scan them; guard() checks these batches"
            )
        elif array.ndim in (3, 4):
            tensor_field(f"batch {number}", name, array.shape, array.dtype)  # a layout?
            columns[name] = array
        else:
            raise InputError(
                f"batch {number}: {name!r} has shape {tuple(array.shape)}: check_loader scans "
                "tabular batches (rows, features), image batches (N, C, H, W) and token "
                "batches; guard() checks any batch"
            )
    lengths = {name: len(a) for name, a in columns.items()}
    if len(set(lengths.values())) > 1:
        raise InputError(
            f"batch {number}: its parts have different lengths "
            f"({', '.join(f'{n}: {k}' for n, k in lengths.items())}); one value per sample"
        )
    return columns


def _batch_record(
    columns: dict[str, np.ndarray], schema: pa.Schema | None, number: int, names: PartNames
) -> pa.RecordBatch:
    arrays, fields = [], []
    masks = [n for n, v in columns.items() if v.ndim >= 3 and names.is_mask(n)]
    images = [n for n, v in columns.items() if v.ndim >= 3 and n not in masks]
    for name, values in columns.items():
        if name in masks:  # the images they label: the batch's first image part
            arrays.append(tensor_values(values))
            fields.append(mask_field(name, values.shape, values.dtype, (images or [None])[0]))
            continue
        if values.ndim >= 3:  # images: the layout numpy arrays of images have
            arrays.append(tensor_values(values))
            fields.append(tensor_field(f"batch {number}", name, values.shape, values.dtype))
            continue
        if values.ndim == 2:
            arrays.append(list_rows(values))
        else:
            arrays.append(_numpy_to_arrow(values, _arrow_type(values.dtype)))
        fields.append(pa.field(name, arrays[-1].type))
    if schema is None:
        return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))
    if list(columns) != schema.names:
        raise InputError(
            f"batch {number}: its columns ({', '.join(columns)}) differ from the first "
            f"batch's ({', '.join(schema.names)}); every batch must have the same parts"
        )
    changed = [f.name for f, g in zip(fields, schema, strict=True) if f.metadata != g.metadata]
    if changed:
        raise InputError(
            f"batch {number}: {changed[0]!r} has images of shape "
            f"{columns[changed[0]].shape[1:]}, not the first batch's; every image (and "
            "mask) must have the same shape"
        )
    try:
        pairs = zip(arrays, schema, strict=True)
        arrays = [a.cast(f.type) if a.type != f.type else a for a, f in pairs]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputError(
            f"batch {number}: its values do not fit the first batch's types ({exc})"
        ) from None
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def loader_source(
    loader: Any,
    *,
    name: str,
    max_batches: int | None = None,
    names: PartNames = PartNames(),
) -> Source:
    """A source over what an iterable of training batches yields (a DataLoader, a
    PyDataset's batches): one unit, read once, in order. ``max_batches`` stops early;
    ``names``: what the batches' named parts are (see :func:`batch_columns`)."""
    if max_batches is not None and max_batches < 1:
        raise InputError(f"max_batches={max_batches!r}: give a positive number of batches")
    batches = iter(loader)
    first = next(batches, None)
    if first is None:
        raise InputError(f"{name}: the loader yielded no batch")
    head = _batch_record(batch_columns(first, 0, names), None, 0, names)
    rest = islice(batches, max_batches - 1 if max_batches is not None else None)
    unit: Unit = partial(_loader_batches, head, rest, names)
    return Source(name, "batches", head.schema, [unit], None)


def _loader_batches(
    head: pa.RecordBatch,
    rest: Iterator[Any],
    names: PartNames,
    columns: Sequence[str] | None,
):
    pending, rows, size = [head], head.num_rows, head.nbytes
    for number, batch in enumerate(rest, start=1):
        parts = batch_columns(batch, number, names)
        pending.append(_batch_record(parts, head.schema, number, names))
        rows += pending[-1].num_rows
        size += pending[-1].nbytes
        if rows >= LOADER_ROWS or size >= LOADER_BYTES:  # image batches: bounded memory
            yield from _gathered(pending, head.schema, columns)
            pending, rows, size = [], 0, 0
    if pending:
        yield from _gathered(pending, head.schema, columns)


def _gathered(pending: list[pa.RecordBatch], schema: pa.Schema, columns):
    for batch in pa.Table.from_batches(pending, schema=schema).combine_chunks().to_batches():
        yield select(batch, columns)
