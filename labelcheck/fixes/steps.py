"""The step kernels: one function per plan step, with its parameters and its description.

Each step is vectorised over one Arrow record batch (``pyarrow.compute`` and
numpy, no per-row Python). Numeric transforms keep a float column's type and
give float64 for integer, bool and decimal columns; class ids come out as
int64. Adding a step is adding a :class:`StepKind` to :data:`STEPS` (and its
name to :data:`~labelcheck.rules.base.StepName`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from labelcheck.errors import InputError
from labelcheck.io.arrow import (
    bits,
    bool_array,
    decoded,
    false_if_null,
    float_array,
    float_numpy,
    int_array,
)
from labelcheck.io.arrow import string_array as _strings
from labelcheck.stats.tokens import ROW_CHECKS, failing_rows, map_token_values, truncated
from labelcheck.text import fmt, fmt_values, plural

if TYPE_CHECKING:
    from labelcheck.fixes.plan import Step

#: Values shown in one-line descriptions and error messages, at most.
SHOW = 8
#: Significant digits of fitted parameters in descriptions (the JSON keeps them exact).
DIGITS = 6


@dataclass
class Applied:
    """What applying one step to one batch needs besides the step: the caller's choices."""

    drop_unknown: bool = False
    where: str = "data"
    unknown_dropped: int = 0  # rows with unseen labels dropped (drop_unknown=True)
    rows_read: int | None = None  # the batch's rows before any step (a message's scale)
    #: Files left out of a fixed folder, with why: (path, reason).
    excluded: list[tuple[str, str]] = field(default_factory=list)


#: ``apply(step, batch, column_index, applied) -> (batch, rows changed)``
Kernel = Callable[["Step", pa.RecordBatch, int, Applied], tuple[pa.RecordBatch, int]]


@dataclass(frozen=True)
class StepKind:
    """A step: the parameters it must carry, how it reads, what it does to a batch."""

    params: tuple[str, ...]
    describe: Callable[[Step], str]
    apply: Kernel
    counts_rows: bool = False  # whether ``rows`` counts rows it changed (drop, impute, clip)
    #: Drops rows of the fitted data by their identity (hashes): nothing on new data.
    by_identity: bool = False


def fmt_list(values: Sequence[Any]) -> str:
    return fmt_values(values, SHOW, DIGITS)


def _n(step: Step, default: str = "") -> str:
    if step.rows is None:
        return default
    return f"{step.rows:,} row{'s' if step.rows != 1 else ''} "


def _files(step: Step, what: str = "file") -> str:
    if step.rows is None:
        return f"{what}s "
    return f"{step.rows:,} {what}{'s' if step.rows != 1 else ''} "


def _num(value: Any) -> str:
    return fmt(value, DIGITS)


# ================================================================= drop-rows
WHEN = ("missing", "inf", "in", "below", "at-most", *ROW_CHECKS)


def _describe_drop(step: Step) -> str:
    p = step.params
    what = {
        "missing": "is null/NaN",
        "inf": "is +Inf/-Inf",
        "in": f"is one of {fmt_list(p.get('values', []))}",
        "below": f"is below {_num(p.get('value'))}",
        "at-most": f"is at most {_num(p.get('value'))}",
        "empty": "is an empty token list",
        "all-zero": "is all 0 (an empty attention mask)",
        "all-ignored": f"is all {_num(p.get('ignore_index'))} (no token trained on)",
        "longer": f"has more than {_num(p.get('value'))} real tokens",
        "out-of-range": f"holds a value outside [0, {_num(p.get('value'))})",
        "lengths-differ": f"differs in length from {fmt_list(p.get('columns', []))}",
    }[p["when"]]
    return f"drop-rows    {_n(step, 'rows ')}where {step.column!r} {what}"


def _drop_rows(step: Step, batch: pa.RecordBatch, index: int, a: Applied):
    import pyarrow.compute as pc

    p = step.params
    if p["when"] in ROW_CHECKS:  # token rows: the check may read the row's other columns
        names = batch.schema.names
        siblings = {c: batch.column(c) for c in p.get("columns", []) if c in names}
        hit = failing_rows(
            p["when"],
            batch.column(index),
            siblings,
            bound=p.get("value"),
            ignore=p.get("ignore_index"),
            pad=p.get("pad_id"),
        )
        drop = bool_array(hit)
    else:
        drop = _drop_mask(decoded(batch.column(index)), p)
    changed = int(pc.sum(drop).as_py() or 0)
    return (batch.filter(pc.invert(drop)) if changed else batch), changed


def _drop_mask(array: pa.Array, p: dict[str, Any]) -> pa.Array:
    import pyarrow.compute as pc

    when = p["when"]
    if when == "missing":
        return pc.is_null(array, nan_is_null=pa.types.is_floating(array.type))
    if when == "inf":
        if not pa.types.is_floating(array.type):
            return bool_array(np.zeros(len(array), dtype=bool))
        return false_if_null(pc.is_inf(array))
    if when in ("below", "at-most"):
        if not (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)):
            return bool_array(np.zeros(len(array), dtype=bool))
        bound = float_array(np.array([p["value"]], np.float64), pa.float64(), None)[0]
        compare = pc.less if when == "below" else pc.less_equal
        return false_if_null(compare(array.cast(pa.float64(), safe=False), bound))
    arr, value_set = _common(array, p.get("values", []))
    return false_if_null(pc.is_in(arr, value_set=value_set))


def _common(array: pa.Array, values: Sequence[Any]) -> tuple[pa.Array, pa.Array]:
    """The array and a set of plan values in one comparable type (8000 vs an int8 column).

    Integer columns compare as 64-bit integers, exactly: ids near 2**63 or 2**64 - 1
    do not fit float64 (which would also merge neighbouring ids).
    """
    if pa.types.is_integer(array.type):
        unsigned = pa.types.is_unsigned_integer(array.type)
        target = pa.uint64() if unsigned else pa.int64()
        lo, hi = (0, 2**64 - 1) if unsigned else (-(2**63), 2**63 - 1)
        ints = [
            int(v)
            for v in values
            if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer()
        ]
        keep = np.array(
            [v for v in ints if lo <= v <= hi], dtype=np.uint64 if unsigned else np.int64
        )
        return array.cast(target), int_array(keep, target)
    if pa.types.is_floating(array.type) or pa.types.is_decimal(array.type):
        numeric = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        return array.cast(pa.float64()), float_array(
            np.array(numeric, dtype=np.float64), pa.float64(), None
        )
    if pa.types.is_boolean(array.type):
        return array, bool_array(np.array([v for v in values if isinstance(v, bool)], bool))
    return array.cast(pa.string()), _strings([str(v) for v in values])


# =============================================================== drop-column
def _describe_drop_column(step: Step) -> str:
    return f"drop-column  {step.column!r}"


def _drop_column(step: Step, batch: pa.RecordBatch, index: int, a: Applied):
    return batch.remove_column(index), 0


# ============================================================ reindex-labels
def identity(classes: Sequence[Any]) -> bool:
    """Whether the classes already are 0..K-1."""
    return all(
        isinstance(c, int | float) and not isinstance(c, bool) and c == i
        for i, c in enumerate(classes)
    )


def target_ids(params: dict[str, Any]) -> list[int]:
    """The id each class becomes: ``ids`` if the plan says (a hinge loss's -1, 1), else 0..K-1."""
    return list(params.get("ids") or range(len(params["classes"])))


def _describe_reindex(step: Step) -> str:
    classes, ids = step.params["classes"], target_ids(step.params)
    pairs = ", ".join(f"{_num(c)} -> {i}" for c, i in zip(classes[:SHOW], ids, strict=False))
    more = f", ... ({len(classes) - SHOW} more)" if len(classes) > SHOW else ""
    same = identity(classes) and "ids" not in step.params
    ident = " (already 0..K-1: recorded to refuse unseen labels)" if same else ""
    return f"reindex      {step.column!r}: {pairs}{more}{ident}"


def _reindex_labels(step: Step, batch: pa.RecordBatch, index: int, a: Applied):
    import pyarrow.compute as pc

    col, p = step.column, step.params
    array = decoded(batch.column(index))
    classes = p["classes"]
    arr, value_set = _common(array, classes)
    ids = pc.index_in(arr, value_set=value_set)
    unknown = pc.is_null(ids)
    marker = p.get("ignore_index")
    if marker is not None and pa.types.is_floating(arr.type):
        marker_f = float_array(np.array([marker], np.float64), pa.float64(), None)[0]
        marker_i = pa.Array.from_buffers(
            pa.int32(), 1, [None, pa.py_buffer(np.array([marker], np.int32))]
        )[0]
        is_marker = false_if_null(pc.equal(arr, marker_f))
        ids = pc.if_else(is_marker, marker_i, ids)
        unknown = pc.and_(unknown, pc.invert(is_marker))
    n_unknown = int(pc.sum(unknown).as_py() or 0)
    new = ids.cast(pa.int64())
    if "ids" in p:  # positions -> the plan's target ids (-1, 1 for a hinge loss)
        new = pc.take(int_array(np.array(p["ids"]), pa.int64()), new)
    if n_unknown:
        if not a.drop_unknown:
            raise _unknown_labels(array, unknown, n_unknown, classes, col, a)
        keep = pc.invert(unknown)
        a.unknown_dropped += n_unknown
        batch, new = batch.filter(keep), new.filter(keep)
    return batch.set_column(index, pa.field(col, new.type), new), 0


def _unknown_labels(
    array: pa.Array, unknown: pa.Array, n: int, classes: list[Any], column: str, a: Applied
) -> InputError:
    import pyarrow.compute as pc

    seen = array.filter(unknown)
    uniq = pc.unique(seen.drop_null()).to_pylist()
    shown = fmt_list(sorted(uniq, key=lambda v: (str(type(v)), v))[:SHOW])
    if seen.null_count:
        shown = f"null, {shown}" if shown else "null"
    # Earlier steps may have dropped rows of the batch: say so, or "149 rows" in a
    # 150-row file whose every label is unknown reads as a miscount.
    read, left = a.rows_read, len(array)
    before = (
        f" (of the {left:,} rows left after earlier steps dropped {read - left:,} of the "
        f"{read:,} read)"
        if read is not None and read > left
        else ""
    )
    return InputError(
        f"{a.where}: {plural(n, 'row')} in column {column!r}{before} "
        f"with labels the plan does not know: {shown}"
        f"{' ...' if len(uniq) > SHOW else ''} (its {len(classes)} classes: "
        f"{fmt_list(classes)}); pass --drop-unknown (drop_unknown=True) to drop those rows, "
        "or refit the plan on data that has them"
    )


# ========================================================== numeric transforms
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
    nulls = bits(array.is_null()) if array.null_count else None
    if not pa.types.is_floating(t) or array.null_count:
        # Unsafe: an integer feature beyond 2**53 becomes the nearest float64 (a scaled
        # feature is a float anyway); labels never come here (they compare exactly).
        array = array.cast(pa.float64(), safe=False)
    values = float_numpy(array)
    if nulls is not None:
        values = np.where(nulls, np.nan, values)
    return values, nulls, out_type


def _numeric(
    fn: Callable[[np.ndarray, dict[str, Any]], tuple[np.ndarray, int, bool]],
) -> Kernel:
    """A kernel from ``fn(values, params) -> (values, rows changed, nulls filled)``."""

    def kernel(step: Step, batch: pa.RecordBatch, index: int, a: Applied):
        col = step.column
        values, nulls, out_type = _as_float(decoded(batch.column(index)), col, step.step, a.where)
        with np.errstate(over="ignore", invalid="ignore"):
            out, changed, filled = fn(values, step.params)
            out = np.ascontiguousarray(
                out, dtype=np.float32 if out_type == pa.float32() else np.float64
            )
        # A fix never creates NaN or Inf: a value the fitted parameters cannot map into the
        # output type (new data far outside the training range) is an error, not a NaN.
        created = (np.isfinite(values) | (filled & np.isnan(values))) & ~np.isfinite(out)
        if created.any():
            raise InputError(
                f"{a.where}: the plan's {step.step} step would turn {int(created.sum()):,} "
                f"value(s) of column {col!r} (e.g. {fmt(values[created][0])}) into NaN or "
                f"Inf in {out_type}; they lie far outside the range the plan was fitted on "
                "(refit the plan on data that includes them, or clip them first)"
            )
        new = float_array(out, out_type, None if filled else nulls)
        return batch.set_column(index, pa.field(col, out_type), new), changed

    return kernel


def _impute(values: np.ndarray, p: dict[str, Any]) -> tuple[np.ndarray, int, bool]:
    holes = np.isnan(values)
    return np.where(holes, float(p["value"]), values), int(holes.sum()), True


def _clip(values: np.ndarray, p: dict[str, Any]) -> tuple[np.ndarray, int, bool]:
    lo, hi = float(p["min"]), float(p["max"])
    changed = int(np.count_nonzero((values < lo) | (values > hi)))
    return np.clip(values, lo, hi), changed, False


# normalize divides by the range rather than multiplying by its inverse: 2 / (hi - lo) is
# Inf for a subnormal range (a column of 0 and 2.2e-309), (x - lo) / (hi - lo) never is,
# and it maps lo and hi to exactly -1 and 1 (a second fix finds them in place). Values
# whose difference overflows (near +-1.8e308) are halved first: halving is exact there,
# so x - mean and hi - lo cannot overflow; standardize always halves (its std is never
# subnormal: derive_plan normalizes a column whose squares underflow instead).
def _normalize(values: np.ndarray, p: dict[str, Any]) -> tuple[np.ndarray, int, bool]:
    lo, hi = float(p["min"]), float(p["max"])
    if not hi > lo:
        return values * 0.0, 0, False
    span = hi - lo
    if not np.isfinite(span):
        return (values * 0.5 - lo * 0.5) / (hi * 0.5 - lo * 0.5) * 2.0 - 1.0, 0, False
    out = (values - lo) / span * 2.0 - 1.0
    far = np.isfinite(values) & ~np.isfinite(out)  # new data far out: x - lo overflowed
    if far.any():
        out[far] = (values[far] * 0.5 - lo * 0.5) / (span * 0.5) * 2.0 - 1.0
    return out, 0, False


def _standardize(values: np.ndarray, p: dict[str, Any]) -> tuple[np.ndarray, int, bool]:
    mean, std = float(p["mean"]), float(p["std"])
    if not std > 0:
        return values * 0.0, 0, False
    return (values * 0.5 - mean * 0.5) / std * 2.0, 0, False


def _describe_impute(step: Step) -> str:
    value, method = _num(step.params["value"]), step.params.get("method", "value")
    return f"impute       {step.column!r}: null/NaN -> {value} ({method})"


def _describe_clip(step: Step) -> str:
    p = step.params
    return f"clip         {step.column!r} to [{_num(p['min'])}, {_num(p['max'])}]"


def _describe_normalize(step: Step) -> str:
    p = step.params
    return f"normalize    {step.column!r}: [{_num(p['min'])}, {_num(p['max'])}] -> [-1, 1]"


def _describe_standardize(step: Step) -> str:
    p = step.params
    return f"standardize  {step.column!r}: (x - {_num(p['mean'])}) / {_num(p['std'])}"


def _describe_scale_target(step: Step) -> str:
    p = step.params
    return (
        f"scale-target {step.column!r}: (y - {_num(p['mean'])}) / {_num(p['std'])}; "
        "plan.inverse_target() undoes it"
    )


# ============================================== drop-duplicates/-conflicts/-leaked
def _drop_groups(step: Step, batch: pa.RecordBatch, index: int, a: Applied):
    """Fitted data only: a plan loaded from JSON (new data) keeps every row."""
    if step.runtime is None or batch.num_rows == 0:
        return batch, 0
    drop = step.runtime.mask(batch)
    changed = int(drop.sum())
    return (batch.filter(bool_array(~drop)) if changed else batch), changed


def _describe_groups(what: str) -> Callable[[Step], str]:
    def describe(step: Step) -> str:
        keep = (
            " (each group's majority label kept)" if step.params.get("keep") == "majority" else ""
        )
        where = "fitted data only, apply keeps every row"
        return f"{step.step:<12} {_n(step, 'rows ')}{what}{keep}; {where}"

    return describe


# ================================================================ cast-number
def _cast_number(step: Step, batch: pa.RecordBatch, index: int, a: Applied):
    """Markers -> null, every other value -> float64; a value that is neither is an error."""
    from labelcheck.stats.cast import cast_number

    cast = cast_number(batch.column(index), step.params["markers"])
    if cast.unparsed.any():
        array = decoded(batch.column(index))
        bad = array[int(np.flatnonzero(cast.unparsed)[0])].as_py()
        raise InputError(
            f"{a.where}: column {step.column!r} holds a value that is neither a number nor a "
            f"missing-value marker ({bad!r}); repair it or add it to the markers"
        )
    return batch.set_column(index, step.column, cast.values), int(cast.marked.sum())


def _describe_cast(step: Step) -> str:
    return (
        f"cast-number  {step.column!r}: {fmt_list(step.params['markers'])} -> null, "
        "the rest -> float64"
    )


# ============================================================ folders of images
# File steps: the column holds files (an image or mask column of a folder); a step judges
# or rewrites each row's file through io/images, and io/images.write_folder writes them.
EXCLUDE = ("unreadable", "constant", "small", "elongated", "no-pair", "size-mismatch")


def _file_values(batch: pa.RecordBatch, name: str) -> tuple[list[Any], str | None]:
    from labelcheck.io.images import file_columns

    return batch.column(name).to_pylist(), file_columns(batch.schema).get(name)


def _why_excluded(p: dict[str, Any], value: Any, root: str | None, other: Any, oroot: Any):
    """Why the image ``value`` is left out under the test ``p`` (None: kept)."""
    from labelcheck.io.images import inspect_value

    test = p["exclude"]
    if test == "no-pair":
        return f"no {p.get('pair')}" if other is None else None
    facts = inspect_value(root, value)
    if test == "unreadable":
        return facts.reason
    if not facts.ok:
        return None
    w, h = facts.size
    if test == "constant":
        return "constant image" if facts.constant else None
    if test == "small":
        return f"{w}x{h}, area below {_num(p['value'])}" if w * h < p["value"] else None
    if test == "elongated":
        return (
            f"{w}x{h}, aspect beyond {_num(p['value'])}"
            if max(w, h) > p["value"] * min(w, h)
            else None
        )
    if other is None:  # size-mismatch
        return None
    theirs = inspect_value(oroot, other)
    if theirs.ok and theirs.size != facts.size:
        return f"{w}x{h}, its {p.get('pair')} {theirs.size[0]}x{theirs.size[1]}"
    return None


def _exclude_files(step: Step, batch: pa.RecordBatch, index: int, a: Applied):
    p = step.params
    values, root = _file_values(batch, step.column)
    pair = p.get("pair")
    others, oroot = (
        _file_values(batch, pair) if pair in batch.schema.names else ([None] * len(values), None)
    )
    keep = []
    for value, other in zip(values, others, strict=True):
        why = None if value is None else _why_excluded(p, value, root, other, oroot)
        keep.append(why is None)
        if why is not None:
            path = value.get("path") or "(embedded image bytes)"  # a table
            named = [path, *([other["path"]] if other and other.get("path") else [])]
            a.excluded += [(f, f"{step.reason}: {why}" if step.reason else why) for f in named]
    dropped = len(keep) - sum(keep)
    return (batch.filter(pa.array(keep, pa.bool_())) if dropped else batch), dropped


def _describe_exclude(step: Step) -> str:
    p = step.params
    what = {
        "unreadable": "do not load fully (Pillow)",
        "constant": "are constant images",
        "small": f"have an area below {_num(p.get('value'))} pixels",
        "elongated": f"have a longer side over {_num(p.get('value'))} times the shorter",
        "no-pair": f"have no {p.get('pair')}",
        "size-mismatch": f"differ in size from their {p.get('pair')}",
    }[p["exclude"]]
    return f"exclude-files {_files(step)}in {step.column!r} that {what}"


def _with_files(batch: pa.RecordBatch, index: int, values: list[Any]) -> pa.RecordBatch:
    """``batch`` with the file column at ``index`` replaced by ``values`` (bytes, path)."""
    f = batch.schema.field(index)
    array = pa.array(values, f.type)
    return batch.set_column(index, f, array)


def _convert_images(step: Step, batch: pa.RecordBatch, index: int, a: Applied):
    from labelcheck.io.images import reencoded, resolve

    values, root = _file_values(batch, step.column)
    changed = 0
    for value in values:
        if value is None or value.get("path") is None or value.get("bytes") is not None:
            continue
        data = reencoded(resolve(root, value["path"]), step.params["mode"], step.params["orient"])
        if data is not None:
            value["bytes"] = data
            changed += 1
    return (_with_files(batch, index, values) if changed else batch), changed


def _describe_convert(step: Step) -> str:
    p = step.params
    what = [
        f"to {p['mode']}" if p.get("mode") else "",
        "upright (EXIF orientation)" if p.get("orient") else "",
    ]
    how = " and ".join(filter(None, what))
    return (
        f"convert-images {_files(step)}in {step.column!r} {how}, "
        f"re-encoded: PNG losslessly, JPEG at quality {p.get('jpeg_quality', 95)}"
    )


def _map_mask(step: Step, batch: pa.RecordBatch, index: int, a: Applied):
    from labelcheck.io.images import png_bytes, read_mask, resolve

    p = step.params
    lut = dict(zip(p["mask_values"], p["mask_ids"], strict=True))
    snap = sorted(p.get("snap") or [])
    colours = dict(zip(p.get("colours") or [], p.get("colour_ids") or [], strict=True))
    values, root = _file_values(batch, step.column)
    keep, unknown = [], {}
    for value in values:
        keep.append(True)
        if value is None or value.get("path") is None:
            continue
        try:
            mask = read_mask(resolve(root, value["path"]))
        except ValueError:
            continue  # does not load: LC401's business, the file is kept as it is
        if mask.ndim == 3:
            packed = (mask[..., 0].astype(np.int64) << 16) | (mask[..., 1].astype(np.int64) << 8)
            source, table = packed | mask[..., 2], colours
        else:
            source, table = mask, lut if lut else None
        found, inverse = np.unique(source, return_inverse=True)
        if table is None:  # a grey mask where the plan maps colours only: ids already
            ids = found
        else:
            ids, missing = [], []
            for v in found.tolist():
                if v in table:
                    ids.append(table[v])
                elif snap and table is lut:
                    ids.append(lut[min(snap, key=lambda t, v=v: (abs(t - v), t))])
                else:
                    missing.append(v)
            if missing:
                if a.drop_unknown:
                    keep[-1] = False
                    a.unknown_dropped += 1
                    a.excluded.append(
                        (
                            value["path"],
                            f"mask values {fmt_list(missing)} not in the plan's mapping",
                        )
                    )
                else:
                    unknown[value["path"]] = missing
                continue
        value["bytes"] = png_bytes(np.asarray(ids)[inverse].reshape(source.shape))
        value["path"] = os.path.splitext(value["path"])[0] + ".png"
    if unknown:
        shown = list(unknown.items())[:SHOW]
        raise InputError(
            f"{a.where}: {len(unknown):,} mask{'s' if len(unknown) != 1 else ''} hold values the "
            f"plan's mapping does not know: "
            + "; ".join(f"{path} ({fmt_list(v)})" for path, v in shown)
            + "; pass --drop-unknown to leave those images out"
        )
    batch = _with_files(batch, index, values)
    dropped = len(keep) - sum(keep)
    return (batch.filter(pa.array(keep, pa.bool_())) if dropped else batch), len(values) - dropped


def _describe_map_mask(step: Step) -> str:
    p = step.params
    lut = dict(zip(p["mask_values"], p["mask_ids"], strict=True))
    shown = p.get("snap") or [v for v, i in lut.items() if v != i]  # the classes when snapped
    pairs = [f"{v}->{lut[v]}" for v in shown if v in lut]
    parts = []
    if pairs:
        parts.append(f"values {', '.join(pairs[:SHOW])}{' ...' if len(pairs) > SHOW else ''}")
    if p.get("snap"):
        parts.append(f"every other value snapped to the nearest of {fmt_list(p['snap'])}")
    if p.get("colours"):
        parts.append(f"{len(p['colours'])} colours to ids")
    what = "; ".join(parts) or "values kept"
    return f"map-mask     {_files(step, 'mask')}in {step.column!r}: {what}; written as PNG"


#: Every step, in the order :func:`~labelcheck.fixes.derive.derive_plan` emits them.
# ====================================================== reindex-token-labels
def _describe_reindex_tokens(step: Step) -> str:
    classes = step.params["classes"]
    pairs = ", ".join(f"{_num(c)} -> {i}" for i, c in enumerate(classes[:SHOW]))
    more = f", ... ({len(classes) - SHOW} more)" if len(classes) > SHOW else ""
    return f"reindex      token labels {step.column!r}: {pairs}{more}"


def _reindex_tokens(step: Step, batch: pa.RecordBatch, index: int, a: Applied):
    p = step.params
    array = batch.column(index)
    mapped = map_token_values(array, p["classes"], p.get("ignore_index"))
    return batch.set_column(index, batch.schema.field(index).with_type(mapped.type), mapped), 0


# =========================================================== truncate-tokens
def _describe_truncate(step: Step) -> str:
    p = step.params
    others = f" (and {fmt_list(p['columns'])} with it)" if p.get("columns") else ""
    return (
        f"truncate     {_n(step, 'rows ')}of {step.column!r} at {_num(p['value'])} tokens{others}"
    )


def _truncate_tokens(step: Step, batch: pa.RecordBatch, index: int, a: Applied):
    p = step.params
    names = batch.schema.names
    mask = {p["mask"]: batch.column(p["mask"])} if p.get("mask") in names else {}
    rows = failing_rows("longer", batch.column(index), mask, bound=p["value"], pad=p.get("pad_id"))
    changed = int(rows.sum())
    # every batch, cut or not: a fixed-size column becomes a list column in all of them
    for name in dict.fromkeys([step.column, *p.get("columns", [])]):
        if name in names:
            i = names.index(name)
            cut = truncated(batch.column(i), rows, int(p["value"]))
            batch = batch.set_column(i, batch.schema.field(i).with_type(cut.type), cut)
    return batch, changed


STEPS: dict[str, StepKind] = {
    "exclude-files": StepKind(("exclude",), _describe_exclude, _exclude_files, counts_rows=True),
    "convert-images": StepKind(
        ("mode", "orient"), _describe_convert, _convert_images, counts_rows=True
    ),
    "map-mask": StepKind(
        ("mask_values", "mask_ids"), _describe_map_mask, _map_mask, counts_rows=True
    ),
    "drop-duplicates": StepKind(
        ("columns",),
        _describe_groups("copying an earlier row (the first of each kept)"),
        _drop_groups,
        counts_rows=True,
        by_identity=True,
    ),
    "drop-conflicts": StepKind(
        ("columns", "keep"),
        _describe_groups("in groups with conflicting labels"),
        _drop_groups,
        counts_rows=True,
        by_identity=True,
    ),
    "drop-leaked": StepKind(
        ("columns",),
        _describe_groups("also in the reference split"),
        _drop_groups,
        counts_rows=True,
        by_identity=True,
    ),
    "cast-number": StepKind(("markers",), _describe_cast, _cast_number, counts_rows=True),
    "drop-rows": StepKind(("when",), _describe_drop, _drop_rows, counts_rows=True),
    "clip": StepKind(("min", "max"), _describe_clip, _numeric(_clip), counts_rows=True),
    "impute": StepKind(("value",), _describe_impute, _numeric(_impute), counts_rows=True),
    "drop-column": StepKind((), _describe_drop_column, _drop_column),
    "normalize": StepKind(("min", "max"), _describe_normalize, _numeric(_normalize)),
    "standardize": StepKind(("mean", "std"), _describe_standardize, _numeric(_standardize)),
    "reindex-labels": StepKind(("classes",), _describe_reindex, _reindex_labels),
    "reindex-token-labels": StepKind(("classes",), _describe_reindex_tokens, _reindex_tokens),
    "truncate-tokens": StepKind(("value",), _describe_truncate, _truncate_tokens, counts_rows=True),
    "scale-target": StepKind(("mean", "std"), _describe_scale_target, _numeric(_standardize)),
}
