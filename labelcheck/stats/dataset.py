"""Statistics of a whole dataset: one statistic per scanned column, by the column's *kind*.

Also decides, from the schema alone, which column is the label and which are
features (SPEC §6), and of which kind each column is, so engines know what to
read before reading anything. A kind is a name and the statistic that
summarises such a column (:data:`KINDS`): numeric/text features and the label
get :class:`ColumnStats`, images :class:`~labelcheck.stats.image.ImageStats`,
token sequences :class:`~labelcheck.stats.tokens.TokenStats`.
A new modality (masks) is a new kind: its detection in
:func:`column_kind` and its statistic in :data:`KINDS`, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pyarrow as pa

from labelcheck.errors import InputError
from labelcheck.options import LABEL_CANDIDATES, ScanOptions
from labelcheck.stats.column import DISTINCT_CAP, ColumnStats
from labelcheck.stats.fused import batch_pass
from labelcheck.stats.rows import LeakSummary, RowStats, RowSummary

if TYPE_CHECKING:  # the kinds' modules load when a column of theirs is met (start-up)
    from labelcheck.stats.tokens import TokenPlan

#: What a column is to the pipeline. Features and the label are tabular values;
#: an image column holds one picture per row (Hugging Face ``Image`` layout); a
#: tokens column one list of token ids (or an attention mask, or token labels) per row.
ColumnKind = Literal["feature", "label", "image", "mask", "tensor", "tokens"]


class ColumnStatistic(Protocol):
    """What every kind's statistic offers the pipeline (engines, reports, rules)."""

    kind: str

    def update(self, array: pa.Array | pa.ChunkedArray, pre: Any = None) -> pa.Array | None:
        """Fold one array in; return what stands for the column in the row hashes
        (None: the values themselves). ``pre``: for tabular kinds what the compiled
        batch pass found; for the others a :class:`RowContext` (the batch: the row's
        sibling columns, and its unit)."""

    def merge(self, other: Any) -> Any: ...

    def summary(self) -> dict[str, Any]: ...

    def to_dict(self) -> dict[str, Any]: ...


#: Each kind's empty statistic, from the column's field and the plan.
KINDS: dict[str, Callable[[pa.Field, ColumnPlan], Any]] = {}


#: Each kind's statistic class, by the name it serialises under (``to_dict``).
@cache
def _stat_classes() -> dict[str, Any]:
    """Each kind's statistic class, by the name it serialises under (``to_dict``);
    imported when first needed: a scan of plain numbers never loads the others."""
    from labelcheck.stats.image import ImageStats
    from labelcheck.stats.mask import MaskStats
    from labelcheck.stats.tensor import TensorStats
    from labelcheck.stats.tokens import TokenStats

    return {
        "column": ColumnStats,
        "image": ImageStats,
        "mask": MaskStats,
        "tensor": TensorStats,
        "tokens": TokenStats,
    }


def column_kind(f: pa.Field, tokens: Sequence[str] = ()) -> ColumnKind | None:
    """The kind of a column from its schema field (None: a tabular value).

    ``tokens``: columns declared as token columns (``--tokens``, ``--token-labels``);
    otherwise a list of numbers (or of lists) under a Hugging Face name
    (``input_ids``, ``attention_mask``, ``labels`` ...) is a tokens column. An image
    array (its shape in the field's metadata) is a tensor, never tokens.
    """
    if not f.metadata and not pa.types.is_nested(f.type) and f.name not in tokens:
        return None  # a plain value: no kind's module need load
    from labelcheck.stats.image import KIND_KEY, is_image_field
    from labelcheck.stats.tensor import SHAPE_KEY
    from labelcheck.stats.tokens import TOKEN_NAMES, is_token_type

    if (f.metadata or {}).get(KIND_KEY) == b"mask":
        return "mask"
    if is_image_field(f):
        return "image"
    if f.metadata and SHAPE_KEY in f.metadata:
        return "tensor"
    if f.name in tokens or (f.name in TOKEN_NAMES and is_token_type(f.type)):
        return "tokens"
    return None


def token_plan(kinds: dict[str, str], options: ScanOptions) -> TokenPlan | None:
    """The roles and bounds of the token columns (None: there are none)."""
    names = [n for n, k in kinds.items() if k == "tokens"]
    if not names:
        return None
    from labelcheck.stats.tokens import IGNORE_INDEX, TOKEN_NAMES, TokenPlan

    declared_classes = set(options.token_labels or ())
    roles = []
    for name in names:
        role = TOKEN_NAMES.get(name, "ids")
        # Token labels are class ids when declared so, or when --n-classes is given
        # (token classification); otherwise a causal LM's token ids (checked as ids).
        if name in declared_classes or (role == "labels" and options.n_classes is not None):
            role = "classes"
        roles.append((name, role))
    ignore = options.ignore_index
    return TokenPlan(
        tuple(roles),
        vocab_size=options.vocab_size,
        tokenizer_vocab=options.tokenizer_vocab,
        max_length=options.max_length,
        pad_id=options.pad_id,
        ignore_index=IGNORE_INDEX if ignore is None else int(ignore),
        n_classes=options.n_classes,
    )


@dataclass(frozen=True)
class ColumnPlan:
    """Which columns a scan reads, and why the label is what it is."""

    label: str | None
    features: tuple[str, ...]
    label_reason: str
    # Distinct label values tracked before giving up (at least thresholds.max_classes,
    # so raising max_classes lets more classes be counted).
    distinct_cap: int = DISTINCT_CAP
    #: Names that more than one column carries, with how many: not scanned (LC111).
    repeated: tuple[tuple[str, int], ...] = ()
    #: Features hashed for row identity (LC301, LC302; LC303 too unless ``leak_features``);
    #: None: row checks off.
    row_features: tuple[str, ...] | None = None
    #: Rows of row hashes held in memory before spilling to disk.
    spill_rows: int = 50_000_000
    #: Features the rows are matched by against a reference (LC303): the ones it has
    #: too. None: ``row_features``. Duplicates and conflicts stay on ``row_features``.
    leak_features: tuple[str, ...] | None = None
    #: Row features that are text in some split and numbers in another: hashed as the
    #: numbers LC110's fix casts the text to, so equal values get equal keys.
    row_numbers: tuple[str, ...] = ()
    #: Features left out of row identity against a reference, with why (their types
    #: there and here cannot be reconciled): LC303 names them.
    row_unmatched: tuple[tuple[str, str], ...] = ()
    #: Columns of another kind than a tabular feature (``("image", "image")``); they are
    #: in ``features`` too (row identity, references and fixes see every column).
    kinds: tuple[tuple[str, str], ...] = ()
    #: The token columns' roles and bounds (None: no token column).
    tokens: TokenPlan | None = None

    @property
    def columns(self) -> list[str]:
        return [*self.features, *([self.label] if self.label else [])]

    def kind(self, name: str) -> str:
        """The kind of a planned column: ``label``, ``feature``, or its declared kind."""
        if name == self.label:
            return "label"
        return dict(self.kinds).get(name, "feature")

    def of_kind(self, kind: str) -> tuple[str, ...]:
        return tuple(n for n in self.columns if self.kind(n) == kind)

    def size_text(self, rows: int) -> str:
        """'1,000 rows, 5 features', or '120 images' (and their other columns) for images."""
        pictures = [n for n in self.features if self.kind(n) in ("image", "tensor")]
        # Masks are the labels of a segmentation set (the report's label line says so).
        masks = [n for n in self.features if self.kind(n) == "mask"]
        tabular = len(self.features) - len(pictures) - len(masks)
        if not pictures:
            return f"{rows:,} rows, {tabular} feature{'s' if tabular != 1 else ''}"
        more = f", {tabular} other feature{'s' if tabular != 1 else ''}" if tabular else ""
        return f"{rows:,} image{'s' if rows != 1 else ''}{more}"


def plan_columns(
    schema: pa.Schema,
    options: ScanOptions,
    source_name: str,
    index_columns: Sequence[str] = (),
) -> ColumnPlan:
    """Pick the label and feature columns from the schema and the options.

    ``index_columns`` (a pandas index saved with the data) are row ids: not
    features unless named in ``--features``.
    """
    names = list(schema.names)
    repeated = repeated_names(names)
    declared = (*(options.tokens or ()), *(options.token_labels or ()))
    for name in declared:
        if name not in names:
            raise InputError(
                f"{source_name}: token column {name!r} not found; columns are: {_list(names)}"
            )
        from labelcheck.stats.tokens import is_token_type

        if not is_token_type(schema.field(name).type):
            raise InputError(
                f"{source_name}: --tokens column {name!r} is {schema.field(name).type}, "
                "not a list of token ids"
            )
    kinds = {f.name: k for f in schema if (k := column_kind(f, declared)) is not None}
    label = options.label
    reason = (
        f"from {options.origins['label']}"
        if "label" in options.origins
        else "given with --label / label="
    )
    if label is not None and label not in names:
        close = [n for n in names if n.lower() == label.lower()]
        hint = f"did you mean {close[0]!r}?" if close else f"columns are: {_list(names)}"
        raise InputError(
            f"{source_name}: label column {label!r} not found ({len(names)} columns); {hint}"
        )
    if label is None:
        label = next((n for n in LABEL_CANDIDATES if n in names and n not in kinds), None)
        if label is None:
            lowered = {n.lower(): n for n in names if n not in kinds}
            label = next((lowered[c] for c in LABEL_CANDIDATES if c in lowered), None)
        reason = (
            f"column named {label!r}"
            if label
            else "no label column (none given, none named label/labels/target/y/class): "
            "features only; pass --label COL"
        )
    masks = [n for n, k in kinds.items() if k == "mask"]
    if label in masks:  # check_arrays(images, masks): label="y" names the masks
        label = None
    if label is None and masks:
        reason = f"the masks in {masks[0]!r} are the labels (a class id per pixel)"
    if options.features is not None:
        missing = [f for f in options.features if f not in names]
        if missing:
            raise InputError(
                f"{source_name}: feature column {missing[0]!r} not found; columns are: "
                f"{_list(names)}"
            )
        features = tuple(f for f in options.features if f != label)
    else:
        features = tuple(
            dict.fromkeys(
                n for n in names if n != label and n not in index_columns and n not in repeated
            )
        )
    # A repeated name is ambiguous (which 'a' is meant?): the unique columns are
    # scanned and LC111 names the repeated ones; naming one explicitly is an error.
    for name in [label, *features]:
        if name in repeated:
            what = "label" if name == label else "feature"
            raise InputError(
                f"{source_name}: the {what} column {name!r} is ambiguous: "
                f"{repeated[name]} columns have that name; rename them so each name is unique"
            )
    if options.exclude:  # schema `exclude: [id]`: never scanned
        features = tuple(f for f in features if f not in options.exclude)
    cap = max(DISTINCT_CAP, options.thresholds.max_classes)
    rows = features if options.row_checks and (features or label) else None
    return ColumnPlan(
        label,
        features,
        reason,
        cap,
        tuple(repeated.items()),
        row_features=rows,
        spill_rows=options.spill_rows,
        kinds=tuple((n, k) for n, k in kinds.items() if n in features),
        tokens=token_plan({n: k for n, k in kinds.items() if n in features}, options),
    )


def repeated_names(names: Sequence[str]) -> dict[str, int]:
    """Column names carried by more than one column, with their counts (CSV ``a,a,b``)."""
    from collections import Counter

    return {name: n for name, n in Counter(names).items() if n > 1}


def _list(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


@dataclass
class DatasetStats:
    """Mergeable statistics of the scanned columns of a dataset."""

    plan: ColumnPlan
    rows: int = 0
    columns: dict[str, ColumnStats] = field(default_factory=dict)
    ignored_rows: int = 0  # label rows carrying --ignore-index
    #: Row hashes (LC301-LC303), None when row checks are off.
    row_stats: RowStats | None = None
    #: Filled by :meth:`finish`: duplicate and conflict groups, and leakage into a reference.
    row_summary: RowSummary | None = None
    leak: LeakSummary | None = None

    @classmethod
    def empty(
        cls, schema: pa.Schema, plan: ColumnPlan, columns: Sequence[str] | None = None
    ) -> DatasetStats:
        """Empty statistics of the planned columns (or of ``columns``, a task's share)."""
        return cls(
            plan=plan,
            columns={
                name: KINDS[plan.kind(name)](schema.field(name), plan)
                for name in (plan.columns if columns is None else columns)
            },
            row_stats=None
            if plan.row_features is None
            else RowStats.over(
                plan.row_features,
                plan.label,
                plan.spill_rows,
                shared=plan.leak_features,
                numbers=plan.row_numbers,
            ),
        )

    def update(
        self, batch: pa.RecordBatch, ignore_index: float | None = None, unit: int | None = None
    ) -> None:
        """Fold one record batch (holding at least the planned columns) in.

        ``unit``: the index of the unit the batch belongs to (row numbers are
        global in unit order, whatever order units are scanned in); None: the
        batch follows the rows seen so far.
        """
        self.rows += batch.num_rows
        # Columns of other kinds first: what they return (an image's picture hash)
        # stands for them in the row hashes.
        tabular = [n for n in self.columns if self.plan.kind(n) in ("feature", "label")]
        others = [n for n in self.columns if n not in tabular]
        original = batch
        if others:
            from labelcheck.stats.tokens import RowContext
        for name in others:
            stats = self.columns[name]
            keys = stats.update(batch.column(name), RowContext(original, unit))
            if keys is not None:
                index = batch.schema.get_field_index(name)
                batch = batch.set_column(index, pa.field(name, keys.type), keys)
        for name in others:  # a statistic that also reads its rows' other columns (pairing)
            observe = getattr(self.columns[name], "observe", None)
            if observe is not None:
                observe(original, name, self.columns)
        hashed = None if self.row_stats is None else self.row_stats.hashed(batch)
        fused = batch_pass(batch, [c for c in tabular if c != self.plan.label], hashed)
        if self.row_stats is not None:
            self.row_stats.update(batch, unit, sums=None if fused is None else fused.sums)
        for name in tabular:
            stats = self.columns[name]
            array = batch.column(name)
            if name == self.plan.label and ignore_index is not None:
                array = self._drop_ignored(array, ignore_index)
            stats.update(array, None if fused is None else fused.passes.get(name))

    def _drop_ignored(self, array: pa.Array, ignore_index: float) -> pa.Array:
        import pyarrow.compute as pc  # lazy: only --ignore-index needs it

        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        if not (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)):
            return array
        try:
            marker = pa.scalar(ignore_index).cast(array.type)
        except (pa.ArrowInvalid, OverflowError):
            return array  # not representable (-100 in uint8, 0.5 in int64): no row carries it
        marked = pc.fill_null(pc.equal(array, marker), False)
        hits = int(pc.sum(marked).as_py() or 0)
        if hits:
            self.ignored_rows += hits
            array = array.filter(pc.invert(marked))
        return array

    def merge(self, other: DatasetStats) -> DatasetStats:
        if set(self.columns) != set(other.columns):
            raise ValueError("cannot merge statistics of different column sets")
        rows = self.row_stats
        if rows is not None and other.row_stats is not None:
            rows = rows.merge(other.row_stats)
        return DatasetStats(
            plan=self.plan,
            rows=self.rows + other.rows,
            columns={k: v.merge(other.columns[k]) for k, v in self.columns.items()},
            ignored_rows=self.ignored_rows + other.ignored_rows,
            row_stats=rows,
        )

    def absorb(self, other: DatasetStats) -> None:
        """Fold ``other`` into these statistics in place, as :meth:`merge` would.

        Merging many parts one by one with :meth:`merge` copies the row bookkeeping
        of all units so far each time (quadratic in the units); folding into one
        accumulator does not. Neither ``other`` nor the arrays these statistics
        share with their inputs are changed.
        """
        if set(self.columns) != set(other.columns):
            raise ValueError("cannot merge statistics of different column sets")
        self.rows += other.rows
        self.ignored_rows += other.ignored_rows
        for name, stats in self.columns.items():
            self.columns[name] = stats.merge(other.columns[name])
        if self.row_stats is not None and other.row_stats is not None:
            self.row_stats.absorb(other.row_stats, own=False)

    def finish(self, reference: DatasetStats | None = None) -> None:
        """Turn the row hashes into duplicate/conflict groups (and leakage into ``reference``).

        Called once, after every unit is merged; frees the hashes' spill files.
        Again without a reference: nothing to do (the groups are kept).
        """
        if self.row_stats is None or (reference is None and self.row_summary is not None):
            return
        self.row_summary = self.row_stats.summary()
        if reference is not None and reference.row_stats is not None:
            self.leak = self.row_stats.leakage(reference.row_stats)

    def row_groups_found(self) -> bool:
        """Whether the row checks found any group (copies, conflicts, rows in the reference).

        Dropping rows can only shrink these groups, never make new ones, so a refit
        over fewer rows need not hash them again when there were none.
        """
        summary, leak = self.row_summary, self.leak
        groups = summary is not None and (
            summary.duplicates.n_groups > 0 or summary.conflicts.n_groups > 0
        )
        return groups or (leak is not None and leak.leaked.size > 0)

    @property
    def label(self) -> ColumnStats | None:
        return self.columns.get(self.plan.label) if self.plan.label else None

    def features(self) -> dict[str, ColumnStats]:
        """The tabular features' statistics (columns of other kinds: :meth:`of_kind`)."""
        return {
            name: self.columns[name]
            for name in self.plan.features
            if self.plan.kind(name) == "feature"
        }

    def of_kind(self, kind: str) -> dict[str, Any]:
        """The statistics of the columns of one kind (``"image"``: :class:`ImageStats`)."""
        return {name: self.columns[name] for name in self.plan.of_kind(kind)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": {
                "label": self.plan.label,
                "features": list(self.plan.features),
                "label_reason": self.plan.label_reason,
                "distinct_cap": self.plan.distinct_cap,
                "repeated": [list(pair) for pair in self.plan.repeated],
                "row_features": None
                if self.plan.row_features is None
                else list(self.plan.row_features),
                "spill_rows": self.plan.spill_rows,
                "leak_features": None
                if self.plan.leak_features is None
                else list(self.plan.leak_features),
                "row_numbers": list(self.plan.row_numbers),
                "row_unmatched": [list(pair) for pair in self.plan.row_unmatched],
                "kinds": [list(pair) for pair in self.plan.kinds],
                "tokens": None if self.plan.tokens is None else self.plan.tokens.to_dict(),
            },  # row hashes are not serialised: they serve one scan
            "rows": self.rows,
            "ignored_rows": self.ignored_rows,
            "columns": {k: _tagged(v) for k, v in self.columns.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatasetStats:
        p = data["plan"]
        return cls(
            plan=ColumnPlan(
                p["label"],
                tuple(p["features"]),
                p["label_reason"],
                p.get("distinct_cap", DISTINCT_CAP),
                tuple((name, n) for name, n in p.get("repeated", ())),
                None if p.get("row_features") is None else tuple(p["row_features"]),
                p.get("spill_rows", 50_000_000),
                None if p.get("leak_features") is None else tuple(p["leak_features"]),
                tuple(p.get("row_numbers", ())),
                tuple((name, why) for name, why in p.get("row_unmatched", ())),
                tuple((name, kind) for name, kind in p.get("kinds", ())),
                None if p.get("tokens") is None else _token_plan_of(p["tokens"]),
            ),
            rows=data["rows"],
            ignored_rows=data["ignored_rows"],
            columns={k: _untagged(v) for k, v in data["columns"].items()},
        )


def identity_columns(batch: pa.RecordBatch, names: Sequence[str]) -> pa.RecordBatch:
    """``batch`` with its columns ``names`` of a non-tabular kind (images, masks, tensors)
    replaced by what stands for them in the row hashes, as :meth:`DatasetStats.update`
    does (an image's picture hash): rows hashed again match the scan's hashes."""
    plan = ColumnPlan(label=None, features=(), label_reason="")
    for name in names:
        index = batch.schema.get_field_index(name)
        f = batch.schema.field(index) if index >= 0 else None
        kind = column_kind(f) if f is not None else None
        if f is None or kind is None:
            continue
        keys = KINDS[kind](f, plan).update(batch.column(index))
        if keys is not None:
            batch = batch.set_column(index, pa.field(name, keys.type), keys)
    return batch


def _tagged(stats: Any) -> dict[str, Any]:
    data = stats.to_dict()
    if type(stats) is ColumnStats:
        return data
    tag = next(t for t, c in _stat_classes().items() if type(stats) is c)
    return data if tag == "column" else {"statistic": tag, **data}


def _untagged(data: dict[str, Any]) -> Any:
    data = dict(data)
    return _stat_classes()[data.pop("statistic", "column")].from_dict(data)


KINDS.update(
    {
        "feature": lambda f, plan: ColumnStats.empty(f.type, distinct_cap=plan.distinct_cap),
        "label": lambda f, plan: ColumnStats.empty(
            f.type, label=True, distinct_cap=plan.distinct_cap
        ),
        "image": lambda f, plan: _stat_classes()["image"].empty(f),
        "mask": lambda f, plan: _stat_classes()["mask"].empty(f),
        "tensor": lambda f, plan: _stat_classes()["tensor"].empty(f),
        "tokens": lambda f, plan: _stat_classes()["tokens"].empty(
            f, plan.tokens or _token_plan_of()
        ),
    }
)


def _token_plan_of(data: dict[str, Any] | None = None) -> TokenPlan:
    from labelcheck.stats.tokens import TokenPlan

    return TokenPlan() if data is None else TokenPlan.from_dict(data)
