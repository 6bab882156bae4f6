"""A fix plan: an ordered list of *fitted* steps, saved as readable, versioned JSON.

The plan is fitted once on training data (see :mod:`labelcheck.fixes.derive`)
and replayed, never refitted, on anything else: test data, inference data, the
next month's export. Every step is vectorised over Arrow record batches
(``pyarrow.compute`` and numpy, no per-row Python); pandas, polars and numpy
inputs are converted to Arrow and back.

Steps, in the order :func:`~labelcheck.fixes.derive.derive_plan` emits them:

========================  ====================================================
``drop-rows``             rows whose ``column`` is missing (null/NaN), infinite,
                          or one of ``values``
``clip``                  values (±Inf included) clipped to ``[min, max]``
``impute``                null/NaN replaced by ``value`` (the fitted median)
``drop-column``           the column removed
``normalize``             fitted ``[min, max]`` mapped linearly to ``[-1, 1]``
``standardize``           ``(x - mean) / std``
``reindex-labels``        ``classes[i]`` becomes ``i`` (sorted by value)
``scale-target``          ``(y - mean) / std``; :meth:`FixPlan.inverse_target`
========================  ====================================================

Numeric transforms keep a float column's type and give float64 for integer,
bool and decimal columns; class ids come out as int64.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from labelcheck._version import __version__
from labelcheck.errors import InputError
from labelcheck.rules.base import StepName

PLAN_VERSION = 1

#: Parameters each step must carry (checked when a plan is loaded).
_PARAMS: dict[str, tuple[str, ...]] = {
    "drop-rows": ("when",),
    "impute": ("value",),
    "clip": ("min", "max"),
    "normalize": ("min", "max"),
    "standardize": ("mean", "std"),
    "drop-column": (),
    "reindex-labels": ("classes",),
    "scale-target": ("mean", "std"),
}
_WHEN = ("missing", "inf", "in")
#: Values shown in one-line descriptions and error messages, at most.
_SHOW = 8


@dataclass
class Step:
    """One fitted step: what it does to which column, with its fitted parameters."""

    step: StepName
    column: str
    params: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # the finding(s) it fixes, e.g. "LC205 label-sparse-outlier"
    rows: int | None = None  # rows it changed (dropped, imputed, clipped) when fitted

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "column": self.column,
            **self.params,
            "reason": self.reason,
            "rows": self.rows,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str) -> Step:
        if not isinstance(data, dict):
            raise InputError(f"{where}: a step must be a JSON object, got {data!r}")
        data = dict(data)
        name = data.pop("step", None)
        if name not in _PARAMS:
            raise InputError(f"{where}: unknown step {name!r}; known steps: {', '.join(_PARAMS)}")
        column = data.pop("column", None)
        if not isinstance(column, str):
            raise InputError(f"{where}: step {name!r} needs a 'column' name")
        missing = [p for p in _PARAMS[name] if p not in data]
        if missing:
            raise InputError(f"{where}: step {name!r} on {column!r} lacks {', '.join(missing)}")
        if name == "drop-rows" and data["when"] not in _WHEN:
            raise InputError(
                f"{where}: drop-rows 'when' must be one of {', '.join(_WHEN)}, got {data['when']!r}"
            )
        reason = str(data.pop("reason", "") or "")
        rows = data.pop("rows", None)
        return cls(name, column, data, reason, rows)

    # ------------------------------------------------------------- text
    def describe(self) -> str:
        """One line a person reads: what, where, with which fitted values, why."""
        p, col = self.params, self.column
        why = f"  [{self.reason}]" if self.reason else ""
        n = "" if self.rows is None else f"{self.rows:,} row{'s' if self.rows != 1 else ''} "
        if self.step == "drop-rows":
            what = {
                "missing": "is null/NaN",
                "inf": "is +Inf/-Inf",
                "in": f"is one of {_fmt_list(p.get('values', []))}",
            }[p["when"]]
            return f"drop-rows    {n or 'rows '}where {col!r} {what}{why}"
        if self.step == "impute":
            method = p.get("method", "value")
            return f"impute       {col!r}: null/NaN -> {_fmt(p['value'])} ({method}){why}"
        if self.step == "clip":
            return f"clip         {col!r} to [{_fmt(p['min'])}, {_fmt(p['max'])}]{why}"
        if self.step == "normalize":
            return f"normalize    {col!r}: [{_fmt(p['min'])}, {_fmt(p['max'])}] -> [-1, 1]{why}"
        if self.step == "standardize":
            return f"standardize  {col!r}: (x - {_fmt(p['mean'])}) / {_fmt(p['std'])}{why}"
        if self.step == "drop-column":
            return f"drop-column  {col!r}{why}"
        if self.step == "reindex-labels":
            classes = p["classes"]
            pairs = ", ".join(f"{_fmt(c)} -> {i}" for i, c in enumerate(classes[:_SHOW]))
            more = f", ... ({len(classes) - _SHOW} more)" if len(classes) > _SHOW else ""
            ident = (
                " (already 0..K-1: recorded to refuse unseen labels)" if _identity(classes) else ""
            )
            return f"reindex      {col!r}: {pairs}{more}{ident}{why}"
        return (
            f"scale-target {col!r}: (y - {_fmt(p['mean'])}) / {_fmt(p['std'])}; "
            f"plan.inverse_target() undoes it{why}"
        )


@dataclass
class Tally:
    """What one application of a plan did: rows in and out, rows dropped by step."""

    rows_in: int = 0
    rows_out: int = 0
    changed: dict[int, int] = field(default_factory=dict)  # step index -> rows it changed
    unknown_dropped: int = 0  # rows with unseen labels dropped (drop_unknown=True)
    label_absent: bool = False

    def add(self, index: int, n: int) -> None:
        self.changed[index] = self.changed.get(index, 0) + n

    def merge(self, other: Tally) -> None:
        self.rows_in += other.rows_in
        self.rows_out += other.rows_out
        for i, n in other.changed.items():
            self.add(i, n)
        self.unknown_dropped += other.unknown_dropped
        self.label_absent = self.label_absent or other.label_absent


@dataclass
class FixPlan:
    """An ordered list of fitted :class:`Step` s, replayable on new data.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from labelcheck.fixes.plan import FixPlan, Step
    >>> plan = FixPlan(
    ...     [Step("drop-rows", "y", {"when": "in", "values": [8000]}),
    ...      Step("reindex-labels", "y", {"classes": [-1, 0, 1]})],
    ...     label="y", columns=["x", "y"])
    >>> out = plan.transform(pa.table({"x": [0.5, 0.1, 0.2], "y": [-1, 8000, 1]}))
    >>> out["y"].to_pylist(), plan.decode_labels([2, 0]).tolist()
    ([0, 2], [1, -1])
    """

    steps: list[Step]
    label: str | None = None
    columns: list[str] = field(default_factory=list)  # the input columns it was fitted on
    task: str | None = None
    source: str | None = None
    rows_in: int | None = None
    rows_out: int | None = None
    unfixed: list[str] = field(default_factory=list)  # findings no step can fix
    strategies: dict[str, str] = field(default_factory=dict)

    # ---------------------------------------------------------- persistence
    def to_dict(self) -> dict[str, Any]:
        return {
            "labelcheck_plan": PLAN_VERSION,
            "tool": f"labelcheck {__version__}",
            "source": self.source,
            "label": self.label,
            "task": self.task,
            "columns": list(self.columns),
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "strategies": dict(self.strategies),
            "steps": [s.to_dict() for s in self.steps],
            "unfixed": list(self.unfixed),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Any, where: str = "plan") -> FixPlan:
        if not isinstance(data, dict) or "labelcheck_plan" not in data:
            raise InputError(
                f'{where}: not a labelcheck plan (no "labelcheck_plan" key); '
                "pass the .plan.json that `labelcheck fix` wrote"
            )
        version = data["labelcheck_plan"]
        if version != PLAN_VERSION:
            raise InputError(
                f"{where}: plan format version {version!r}, this labelcheck reads version "
                f"{PLAN_VERSION}; refit it with `labelcheck fix` or upgrade labelcheck"
            )
        steps = data.get("steps")
        if not isinstance(steps, list):
            raise InputError(f"{where}: 'steps' must be a list of steps")
        return cls(
            steps=[Step.from_dict(s, f"{where}: step {i + 1}") for i, s in enumerate(steps)],
            label=data.get("label"),
            columns=list(data.get("columns") or []),
            task=data.get("task"),
            source=data.get("source"),
            rows_in=data.get("rows_in"),
            rows_out=data.get("rows_out"),
            unfixed=list(data.get("unfixed") or []),
            strategies=dict(data.get("strategies") or {}),
        )

    @classmethod
    def from_json(cls, text: str, where: str = "plan") -> FixPlan:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc}); pass a .plan.json file") from None
        return cls.from_dict(data, where)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the plan as JSON, atomically (temporary file, then rename)."""
        from labelcheck.io.writers import atomic_write_text

        atomic_write_text(path, self.to_json() + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FixPlan:
        where = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except FileNotFoundError:
            raise InputError(f"{where}: no such plan file; check the path") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{where}: cannot read the plan ({exc})") from None
        return cls.from_json(text, where)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FixPlan) and self.to_dict() == other.to_dict()

    # ---------------------------------------------------------------- text
    def describe(self) -> str:
        """One line per step."""
        return "\n".join(s.describe() for s in self.steps)

    def __repr__(self) -> str:
        return f"<FixPlan {len(self.steps)} steps, label={self.label!r}, from {self.source!r}>"

    # ------------------------------------------------------------ queries
    def step(self, kind: StepName, column: str | None = None) -> Step | None:
        return next((s for s in self.steps if s.step == kind and column in (None, s.column)), None)

    @property
    def classes(self) -> list[Any] | None:
        """The original label of each class id (``classes[i]`` is id ``i``), if reindexed."""
        s = self.step("reindex-labels", self.label)
        return list(s.params["classes"]) if s else None

    def decode_labels(self, ids: Any) -> np.ndarray:
        """Map predicted class ids back to the original labels (ints, floats or strings).

        Raises :class:`~labelcheck.InputError` for ids outside ``0..K-1``.
        """
        classes = self.classes
        if classes is None:
            raise InputError(
                "this plan has no label mapping (no reindex-labels step): class ids are the "
                "original labels already"
            )
        ids = np.asarray(ids)
        if ids.dtype.kind == "f":
            if not np.all(np.isfinite(ids)) or not np.all(ids == np.round(ids)):
                raise InputError("decode_labels takes integer class ids; pass argmax(outputs)")
            ids = ids.astype(np.int64)
        elif ids.dtype.kind not in "iub":
            raise InputError(f"decode_labels takes integer class ids, got dtype {ids.dtype}")
        bad = (ids < 0) | (ids >= len(classes))
        if bad.any():
            raise InputError(
                f"class ids {_fmt_list(np.unique(ids[bad]).tolist())} are outside 0.."
                f"{len(classes) - 1}, the {len(classes)} classes of this plan"
            )
        return np.asarray(classes)[ids]

    def inverse_target(self, y: Any) -> np.ndarray:
        """Undo ``scale-target`` on predictions (identity when the target was not scaled)."""
        y = np.asarray(y, dtype=np.float64)
        s = self.step("scale-target", self.label)
        if s is None:
            return y
        return y * float(s.params["std"]) + float(s.params["mean"])

    # -------------------------------------------------------- application
    def required_columns(self) -> list[str]:
        """Input columns a transform needs: the fitted ones, minus dropped columns."""
        dropped = {s.column for s in self.steps if s.step == "drop-column"}
        needed = [c for c in self.columns if c not in dropped]
        for s in self.steps:
            if s.step != "drop-column" and s.column not in needed:
                needed.append(s.column)
        return needed

    def check_schema(self, names: Sequence[str], where: str = "data") -> bool:
        """Raise InputError for missing columns; return whether the label is present.

        A missing label column is allowed (inference data): label steps are skipped.
        """
        have = set(names)
        missing = [c for c in self.required_columns() if c not in have and c != self.label]
        if missing:
            raise InputError(
                f"{where}: the plan needs column{'s' if len(missing) > 1 else ''} "
                f"{_fmt_list(missing)} that the data does not have (it has "
                f"{_fmt_list(list(names))}); apply the plan to data with the training columns"
            )
        return self.label is None or self.label in have

    def transform_batch(
        self,
        batch: pa.RecordBatch,
        *,
        drop_unknown: bool = False,
        tally: Tally | None = None,
        where: str = "data",
    ) -> pa.RecordBatch:
        """Apply every step to one record batch (the core: everything else calls it)."""
        has_label = self.check_schema(batch.schema.names, where)
        if tally is not None:
            tally.rows_in += batch.num_rows
            tally.label_absent = not has_label
        for i, step in enumerate(self.steps):
            if step.column not in batch.schema.names:
                continue  # an absent label (inference data) or an already-dropped column
            batch, changed = _apply(
                step, batch, drop_unknown=drop_unknown, tally=tally, where=where
            )
            if tally is not None:
                tally.add(i, changed)
        if tally is not None:
            tally.rows_out += batch.num_rows
        return batch

    def transform_batches(
        self, batches: Iterable[pa.RecordBatch], **kwargs: Any
    ) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield self.transform_batch(batch, **kwargs)

    def output_schema(self, schema: pa.Schema) -> pa.Schema:
        """The schema transformed data will have, from the input schema alone."""
        return self.transform_batch(_empty(schema)).schema

    def transform(self, data: Any, *, drop_unknown: bool = False, tally: Tally | None = None):
        """Apply the plan to ``data``, returning the same kind of object.

        Takes a pyarrow Table or RecordBatch, a pandas or polars DataFrame, or
        numpy ``(X, y)`` (or ``X`` alone, for inference). Never refits: new
        labels the mapping does not know raise :class:`~labelcheck.InputError`
        listing them, unless ``drop_unknown=True``.
        """
        kw: dict[str, Any] = {"drop_unknown": drop_unknown, "tally": tally}
        if isinstance(data, pa.RecordBatch):
            return self.transform_batch(data, **kw)
        if isinstance(data, pa.Table):
            return self._table(data, **kw)
        module = type(data).__module__.split(".")[0]
        if module == "pandas":
            table = _from_pandas(data)
            return self._table(table, **kw).to_pandas()
        if module == "polars":
            import polars as pl

            return pl.from_arrow(self._table(data.to_arrow(), **kw))
        if (isinstance(data, tuple) and len(data) == 2) or isinstance(data, np.ndarray):
            X, y = data if isinstance(data, tuple) else (data, None)
            return self._arrays(X, y, **kw)
        raise InputError(
            f"cannot transform an object of type {type(data).__name__}; pass a pyarrow "
            "Table, a pandas/polars DataFrame or numpy (X, y)"
        )

    def _table(self, table: pa.Table, **kw: Any) -> pa.Table:
        batches = table.to_batches()
        if not batches:
            batches = [_empty(table.schema)]
        out = [self.transform_batch(b, **kw) for b in batches]
        return pa.Table.from_batches(out, schema=out[0].schema)

    def _arrays(self, X: Any, y: Any, **kw: Any):
        from labelcheck.io.readers import arrays_source

        label = self.label or "y"
        src = arrays_source("(X, y)", X, y, label=label)
        table = pa.Table.from_batches(list(src.batches()), schema=src.schema)
        return table_to_arrays(self._table(table, **kw), label, with_y=y is not None)


# ====================================================================== steps
def _apply(
    step: Step, batch: pa.RecordBatch, *, drop_unknown: bool, tally: Tally | None, where: str
) -> tuple[pa.RecordBatch, int]:
    """One step on one batch; returns the batch and how many rows the step changed."""
    col, p = step.column, step.params
    index = batch.schema.get_field_index(col)
    array = _decoded(batch.column(index))
    changed = 0
    if step.step == "drop-rows":
        drop = _drop_mask(array, p)
        changed = int(pc.sum(drop).as_py() or 0)
        return (batch.filter(pc.invert(drop)) if changed else batch), changed
    if step.step == "drop-column":
        return batch.remove_column(index), 0
    if step.step == "reindex-labels":
        new, keep = _reindex(array, p, drop_unknown=drop_unknown, where=where, column=col)
        if keep is not None:
            n = len(keep) - int(pc.sum(keep).as_py() or 0)
            if tally is not None:
                tally.unknown_dropped += n
            batch = batch.filter(keep)
            new = new.filter(keep)
        return batch.set_column(index, pa.field(col, new.type), new), 0
    values, nulls, out_type = _as_float(array, col, step.step, where)
    if step.step == "impute":
        holes = np.isnan(values)
        changed = int(holes.sum())
        values = np.where(holes, float(p["value"]), values)
        nulls = None
    elif step.step == "clip":
        lo, hi = float(p["min"]), float(p["max"])
        changed = int(np.count_nonzero((values < lo) | (values > hi)))
        values = np.clip(values, lo, hi)
    elif step.step == "normalize":
        lo, hi = float(p["min"]), float(p["max"])
        values = (values - lo) * (2.0 / (hi - lo)) - 1.0 if hi > lo else values * 0.0
    else:  # standardize, scale-target
        mean, std = float(p["mean"]), float(p["std"])
        values = (values - mean) / std if std > 0 else values * 0.0
    np_type = np.float32 if out_type == pa.float32() else np.float64
    new = _float_array(np.ascontiguousarray(values, dtype=np_type), out_type, nulls)
    return batch.set_column(index, pa.field(col, out_type), new), changed


# pyarrow's Python-to-Arrow conversions (pa.array, pa.scalar, fill_null(x, False),
# RecordBatch.from_pylist) import pandas on first use: +50 MiB RSS in a Parquet-to-Parquet
# fix that never needs it. Arrays are built from numpy buffers instead.
def _float_array(values: np.ndarray, arrow_type: pa.DataType, nulls: np.ndarray | None):
    """Arrow from numpy buffers, without the pandas import of ``pa.array``."""
    validity = None
    if nulls is not None and nulls.any():
        validity = pa.py_buffer(np.packbits(~nulls, bitorder="little"))
    return pa.Array.from_buffers(arrow_type, len(values), [validity, pa.py_buffer(values)])


def _bool_array(values: np.ndarray) -> pa.Array:
    bits = pa.py_buffer(np.packbits(np.asarray(values, dtype=bool), bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, bits])


def _string_array(values: Sequence[str]) -> pa.Array:
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data])


def _float_numpy(array: pa.Array) -> np.ndarray:
    """float64 numpy of a float array's data buffer (null slots hold anything: mask them)."""
    data = array.buffers()[1]
    if data is None or not len(array):
        return np.empty(0, dtype=np.float64)
    values = np.frombuffer(data, dtype=f"f{array.type.bit_width // 8}")
    return values[array.offset : array.offset + len(array)].astype(np.float64, copy=False)


def _bits(mask: pa.Array) -> np.ndarray:
    """numpy bools of a null-free boolean array (``to_numpy`` would import pandas)."""
    data = mask.buffers()[1]
    if data is None or not len(mask):
        return np.zeros(0, dtype=bool)
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little")
    return bits[mask.offset : mask.offset + len(mask)].astype(bool)


def _false_if_null(mask: pa.Array) -> pa.Array:
    """``fill_null(mask, False)``: Kleene ``null and False`` is False."""
    return pc.and_kleene(mask, pc.is_valid(mask)) if mask.null_count else mask


def _empty(schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.nulls(0, f.type) for f in schema], schema=schema)


def _decoded(array: pa.Array) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.dictionary_decode() if pa.types.is_dictionary(array.type) else array


def _drop_mask(array: pa.Array, p: dict[str, Any]) -> pa.Array:
    when = p["when"]
    if when == "missing":
        nan_ok = pa.types.is_floating(array.type)
        return pc.is_null(array, nan_is_null=nan_ok)
    if when == "inf":
        if not pa.types.is_floating(array.type):
            return _bool_array(np.zeros(len(array), dtype=bool))
        return _false_if_null(pc.is_inf(array))
    arr, value_set = _common(array, p.get("values", []))
    return _false_if_null(pc.is_in(arr, value_set=value_set))


def _common(array: pa.Array, values: Sequence[Any]) -> tuple[pa.Array, pa.Array]:
    """The array and a set of plan values in one comparable type (8000 vs an int8 column)."""
    if (
        pa.types.is_integer(array.type)
        or pa.types.is_floating(array.type)
        or pa.types.is_decimal(array.type)
    ):
        numeric = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        return array.cast(pa.float64()), _float_array(
            np.array(numeric, dtype=np.float64), pa.float64(), None
        )
    if pa.types.is_boolean(array.type):
        return array, _bool_array(np.array([v for v in values if isinstance(v, bool)], bool))
    return array.cast(pa.string()), _string_array([str(v) for v in values])


def _reindex(
    array: pa.Array, p: dict[str, Any], *, drop_unknown: bool, where: str, column: str
) -> tuple[pa.Array, pa.Array | None]:
    classes = p["classes"]
    arr, value_set = _common(array, classes)
    ids = pc.index_in(arr, value_set=value_set)
    unknown = pc.is_null(ids)
    marker = p.get("ignore_index")
    if marker is not None and pa.types.is_floating(arr.type):
        marker_f = _float_array(np.array([marker], np.float64), pa.float64(), None)[0]
        marker_i = pa.Array.from_buffers(
            pa.int32(), 1, [None, pa.py_buffer(np.array([marker], np.int32))]
        )[0]
        is_marker = _false_if_null(pc.equal(arr, marker_f))
        ids = pc.if_else(is_marker, marker_i, ids)
        unknown = pc.and_(unknown, pc.invert(is_marker))
    n_unknown = int(pc.sum(unknown).as_py() or 0)
    ids = ids.cast(pa.int64())
    if not n_unknown:
        return ids, None
    if drop_unknown:
        return ids, pc.invert(unknown)
    seen = array.filter(unknown)
    uniq = pc.unique(seen.drop_null()).to_pylist()
    shown = sorted(uniq, key=lambda v: (str(type(v)), v))[:_SHOW]
    if seen.null_count:
        shown = ["null", *shown]
    raise InputError(
        f"{where}: {n_unknown:,} row{'s' if n_unknown > 1 else ''} in column {column!r} "
        f"with labels the plan does not know: {_fmt_list(shown)}"
        f"{' ...' if len(uniq) > _SHOW else ''} (its {len(classes)} classes: "
        f"{_fmt_list(classes)}); pass --drop-unknown (drop_unknown=True) to drop those rows, "
        "or refit the plan on data that has them"
    )


def _as_float(
    array: pa.Array, column: str, step: str, where: str
) -> tuple[np.ndarray, np.ndarray | None, pa.DataType]:
    """Values as float64 numpy (nulls -> NaN), the null mask, and the output type."""
    t = array.type
    if pa.types.is_floating(t):
        out_type = t if not pa.types.is_float16(t) else pa.float32()
    elif pa.types.is_integer(t) or pa.types.is_boolean(t) or pa.types.is_decimal(t):
        out_type = pa.float64()
    else:
        raise InputError(
            f"{where}: column {column!r} is {t}, but the plan's {step} step needs numbers; "
            "apply the plan to data with the same column types it was fitted on"
        )
    nulls = _bits(array.is_null()) if array.null_count else None
    if not pa.types.is_floating(t) or array.null_count:
        array = array.cast(pa.float64())
    values = _float_numpy(array)
    if nulls is not None:
        values = np.where(nulls, np.nan, values)
    return values, nulls, out_type


# ================================================================ conversions
def _from_pandas(df: Any) -> pa.Table:
    try:
        # Without pandas' metadata: it would restore the old dtypes (str labels) on the way back.
        return pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise InputError(
            f"DataFrame: a column cannot be converted to Arrow ({exc}); cast mixed-type "
            "object columns to str or a number"
        ) from None


def table_to_arrays(table: pa.Table, label: str, *, with_y: bool = True):
    """``(X, y)`` numpy arrays from a (fixed) table: features stacked as float columns."""
    features = [n for n in table.column_names if n != label]
    cols = [_column_numpy(table.column(n)) for n in features]
    X = np.column_stack(cols) if cols else np.empty((table.num_rows, 0))
    if not with_y or label not in table.column_names:
        return X if not with_y else (X, None)
    return X, _column_numpy(table.column(label))


def _column_numpy(column: pa.ChunkedArray) -> np.ndarray:
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    column = _decoded(column)
    if column.null_count and (pa.types.is_integer(column.type) or pa.types.is_boolean(column.type)):
        column = column.cast(pa.float64())
    return column.to_numpy(zero_copy_only=False)


# ===================================================================== format
def _identity(classes: Sequence[Any]) -> bool:
    return all(
        isinstance(c, int | float) and not isinstance(c, bool) and c == i
        for i, c in enumerate(classes)
    )


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    return repr(value) if isinstance(value, str) else str(value)


def _fmt_list(values: Sequence[Any]) -> str:
    shown = ", ".join(_fmt(v) if v != "null" else "null" for v in list(values)[:_SHOW])
    return shown + (f", ... ({len(values) - _SHOW} more)" if len(values) > _SHOW else "")


def load_plan(path: str | os.PathLike[str]) -> FixPlan:
    """Load a plan saved by ``labelcheck fix`` or :meth:`FixPlan.save`."""
    return FixPlan.load(path)
