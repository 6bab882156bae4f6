"""A fix plan: an ordered list of *fitted* steps, saved as readable, versioned JSON.

The plan is fitted once on training data (see :mod:`labelcheck.fixes.derive`)
and replayed, never refitted, on anything else: test data, inference data, the
next month's export. The steps themselves (``drop-rows``, ``clip``, ``impute``,
``drop-column``, ``normalize``, ``standardize``, ``reindex-labels``,
``scale-target``) are the kernels of :mod:`labelcheck.fixes.steps`; pandas,
polars and numpy inputs are converted to Arrow and back by
:mod:`labelcheck.io.frames`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from labelcheck._version import __version__
from labelcheck.errors import InputError
from labelcheck.fixes.steps import EXCLUDE, STEPS, WHEN, Applied, fmt_list, target_ids
from labelcheck.io.arrow import empty_batch
from labelcheck.io.images import file_columns
from labelcheck.rules.base import StepName

PLAN_VERSION = 1


@dataclass
class Step:
    """One fitted step: what it does to which column, with its fitted parameters."""

    step: StepName
    column: str
    params: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # the finding(s) it fixes, e.g. "LC205 label-sparse-outlier"
    rows: int | None = None  # rows it changed (dropped, imputed, clipped) when fitted
    #: What a fitted-data-only step matches rows by (drop-duplicates/-conflicts/-leaked):
    #: never saved, so a loaded plan keeps every row of new data.
    runtime: Any = field(default=None, compare=False, repr=False)

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
        if name not in STEPS:
            raise InputError(f"{where}: unknown step {name!r}; known steps: {', '.join(STEPS)}")
        column = data.pop("column", None)
        if not isinstance(column, str):
            raise InputError(f"{where}: step {name!r} needs a 'column' name")
        missing = [p for p in STEPS[name].params if p not in data]
        if missing:
            raise InputError(f"{where}: step {name!r} on {column!r} lacks {', '.join(missing)}")
        if name == "drop-rows" and data["when"] not in WHEN:
            raise InputError(
                f"{where}: drop-rows 'when' must be one of {', '.join(WHEN)}, got {data['when']!r}"
            )
        if name == "drop-rows" and data["when"] in ("below", "at-most") and "value" not in data:
            raise InputError(f"{where}: drop-rows when {data['when']!r} needs a 'value'")
        if name == "exclude-files" and data["exclude"] not in EXCLUDE:
            raise InputError(
                f"{where}: exclude-files 'exclude' must be one of {', '.join(EXCLUDE)}, "
                f"got {data['exclude']!r}"
            )
        ids, classes = data.get("ids"), data.get("classes")
        lists = isinstance(ids, list) and isinstance(classes, list)
        if name == "reindex-labels" and lists and len(ids) != len(classes):
            raise InputError(
                f"{where}: reindex-labels has {len(ids)} 'ids' for {len(classes)} "
                "'classes'; give one id per class"
            )
        reason = str(data.pop("reason", "") or "")
        rows = data.pop("rows", None)
        return cls(name, column, data, reason, rows)

    def describe(self) -> str:
        """One line a person reads: what, where, with which fitted values, why."""
        why = f"  [{self.reason}]" if self.reason else ""
        return STEPS[self.step].describe(self) + why


@dataclass
class Tally:
    """What one application of a plan did: rows in and out, rows dropped by step."""

    rows_in: int = 0
    rows_out: int = 0
    changed: dict[int, int] = field(default_factory=dict)  # step index -> rows it changed
    unknown_dropped: int = 0  # rows with unseen labels dropped (drop_unknown=True)
    label_absent: bool = False
    #: Files left out of a fixed folder, with why: (path, reason).
    excluded: list[tuple[str, str]] = field(default_factory=list)

    def add(self, index: int, n: int) -> None:
        self.changed[index] = self.changed.get(index, 0) + n

    def merge(self, other: Tally) -> None:
        self.rows_in += other.rows_in
        self.rows_out += other.rows_out
        for i, n in other.changed.items():
            self.add(i, n)
        self.unknown_dropped += other.unknown_dropped
        self.excluded += other.excluded
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
    #: The error-level findings (code, column) among ``unfixed``, as fitted (not saved):
    #: the data still breaks training, and ``labelcheck fix`` exits 1.
    errors_left: list[tuple[str, str | None]] = field(default_factory=list, compare=False)
    #: A folder of images: the per-channel mean and std of the fixed images on the 0..1
    #: scale (what ``torchvision.transforms.Normalize`` takes), and the files left out.
    normalize: dict[str, list[float]] | None = None
    excluded: list[dict[str, str]] = field(default_factory=list)
    #: The column a 2-D integer array (.npy/.npz, numpy X) was read as, token ids per row
    #: (``--tokens``, or ``input_ids`` with ``--pad-id``): new arrays are read the same way.
    tokens: str | None = None

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
            **({"normalize": self.normalize} if self.normalize is not None else {}),
            **({"excluded": list(self.excluded)} if self.excluded else {}),
            **({"tokens": self.tokens} if self.tokens is not None else {}),
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
        from labelcheck.schema import validate

        steps = data.get("steps")
        if not isinstance(steps, list):
            raise InputError(f"{where}: 'steps' must be a list of steps")
        parsed = [Step.from_dict(s, f"{where}: step {i + 1}") for i, s in enumerate(steps)]
        # Then every key's type, one line naming the step and the key ("steps[0].min:
        # expected a number, got 'a'"), as for schema files: the plan format is a $defs
        # entry of the same JSON Schema.
        validate(data, where, "plan")
        return cls(
            steps=parsed,
            label=data.get("label"),
            columns=list(data.get("columns") or []),
            task=data.get("task"),
            source=data.get("source"),
            rows_in=data.get("rows_in"),
            rows_out=data.get("rows_out"),
            unfixed=list(data.get("unfixed") or []),
            strategies=dict(data.get("strategies") or {}),
            normalize=data.get("normalize"),
            excluded=list(data.get("excluded") or []),
            tokens=data.get("tokens"),
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
        step = self.step("reindex-labels", self.label)
        assert step is not None
        targets = np.array(target_ids(step.params), dtype=np.int64)
        order = np.argsort(targets)
        pos = np.clip(np.searchsorted(targets[order], ids), 0, len(targets) - 1)
        bad = targets[order][pos] != ids
        if bad.any():
            shown = f"{targets.min()}..{targets.max()}" if "ids" not in step.params else targets
            raise InputError(
                f"class ids {fmt_list(np.unique(ids[bad]).tolist())} are outside "
                f"{shown if isinstance(shown, str) else fmt_list(shown.tolist())}, "
                f"the {len(classes)} classes of this plan"
            )
        return _classes_array(classes)[order][pos]

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
                f"{fmt_list(missing)} that the data does not have (it has "
                f"{fmt_list(list(names))}); apply the plan to data with the training columns"
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
        applied = Applied(drop_unknown=drop_unknown, where=where, rows_read=batch.num_rows)
        files = list(file_columns(batch.schema))  # a folder's files: name the ones left out
        for i, step in enumerate(self.steps):
            index = batch.schema.get_field_index(step.column)
            if index < 0:
                continue  # an absent label (inference data) or an already-dropped column
            rows, named = batch.num_rows, len(applied.excluded)
            before = _paths(batch, files) if files else []
            batch, changed = STEPS[step.step].apply(step, batch, index, applied)
            if files and batch.num_rows < rows and len(applied.excluded) == named:
                after = set(_paths(batch, files))
                applied.excluded += [(p, step.reason) for p in before if p not in after]
            if tally is not None:
                tally.add(i, changed)
        if tally is not None:
            tally.unknown_dropped += applied.unknown_dropped
            tally.excluded += applied.excluded
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
        return self.transform_batch(empty_batch(schema)).schema

    def transform(self, data: Any, *, drop_unknown: bool = False, tally: Tally | None = None):
        """Apply the plan to ``data``, returning the same kind of object.

        Takes a pyarrow Table or RecordBatch, a pandas or polars DataFrame, or
        numpy ``(X, y)`` (or ``X`` alone, for inference): X's columns are taken as
        the fitted feature columns in their order (``plan.columns`` minus the label).
        Never refits: new labels the mapping does not know raise
        :class:`~labelcheck.InputError` listing them, unless ``drop_unknown=True``.
        A pandas DataFrame comes back with the index labels of the rows kept
        (``meta.loc[fixed.index]`` lines up).
        """
        from labelcheck.io.frames import like, to_table

        kw: dict[str, Any] = {"drop_unknown": drop_unknown, "tally": tally}
        if (isinstance(data, tuple) and len(data) == 2) or isinstance(data, np.ndarray):
            X, y = data if isinstance(data, tuple) else (data, None)
            return self._arrays(X, y, **kw)
        table, kind = to_table(data)
        self.check_schema(kind.columns)  # names the data's columns, not io's helpers
        return like(self._table(table, **kw), kind)

    def _table(self, table: pa.Table, **kw: Any) -> pa.Table:
        batches = table.to_batches()
        if not batches:
            batches = [empty_batch(table.schema)]
        out = [self.transform_batch(b, **kw) for b in batches]
        return pa.Table.from_batches(out, schema=out[0].schema)

    def _arrays(self, X: Any, y: Any, **kw: Any):
        from labelcheck.io.frames import arrays_source, table_to_arrays

        label = self.label or "y"
        # X's columns are the fitted feature columns, in their order (a plan fitted on a
        # DataFrame has names, not x0..); a plan without recorded columns names them x0..
        features = [c for c in self.columns if c != label] or None
        src = arrays_source("(X, y)", X, y, label=label, names=features, tokens=self.tokens)
        table = pa.Table.from_batches(list(src.batches()), schema=src.schema)
        return table_to_arrays(self._table(table, **kw), label, with_y=y is not None)


def _classes_array(classes: list[Any]) -> np.ndarray:
    """The classes as numpy, exactly: ids beyond int64 as uint64 (numpy would pick float64)."""
    if classes and all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
        if min(classes) >= -(2**63) and max(classes) < 2**63:
            return np.array(classes, dtype=np.int64)
        if min(classes) >= 0 and max(classes) < 2**64:
            return np.array(classes, dtype=np.uint64)
        return np.array(classes, dtype=object)
    return np.asarray(classes)


def _paths(batch: pa.RecordBatch, names: Sequence[str]) -> list[str]:
    """The file paths of a batch's file columns (images and masks), row by row."""
    return [
        v["path"]
        for name in names
        for v in batch.column(name).to_pylist()
        if v is not None and v.get("path") is not None
    ]


def load_plan(path: str | os.PathLike[str]) -> FixPlan:
    """Load a plan saved by ``labelcheck fix`` or :meth:`FixPlan.save`."""
    return FixPlan.load(path)
