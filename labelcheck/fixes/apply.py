"""Fitting a plan on a source, and streaming it to a file (``labelcheck fix`` / ``apply``).

Fitting (:func:`fit_plan`) is a few passes over the source, each holding a
few record batches:

1. the scan (statistics, findings);
2. if rows are dropped: the statistics again over the rows that remain, so
   ranges, means and classes are fitted on what the model will see (and a
   finding masked by the dropped rows surfaces; at most ``_ROUNDS`` rounds);
3. if medians are imputed: the radix-select passes of
   :mod:`labelcheck.fixes.median` over those columns only.

Writing (:func:`write_fixed`) reads the source unit by unit, transforms each
record batch and writes it at once, in the format the output suffix names,
to a temporary file renamed over the output at the end: peak memory is a few
batches, and a failure (an unseen label in batch 900) leaves no output.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from labelcheck.engines.base import Progress
from labelcheck.errors import InputError
from labelcheck.fixes.derive import derive_plan, drop_steps, impute_columns, plan_against
from labelcheck.fixes.median import exact_medians, exact_moments
from labelcheck.fixes.plan import FixPlan, Step, Tally
from labelcheck.fixes.steps import STEPS
from labelcheck.io import SchemaChanged, Source, open_source
from labelcheck.options import ScanOptions, Strategies
from labelcheck.report import Report
from labelcheck.rules.base import FILE_STEPS
from labelcheck.stats.dataset import repeated_names
from labelcheck.text import plural

#: Opens a progress callback (or None) for one pass over a source, labelled.
ProgressBars = Callable[[Source, str], AbstractContextManager[Progress | None]]


@contextmanager
def _no_bars(source: Source, label: str) -> Iterator[None]:
    yield None


_ROUNDS = 3
#: Rows read, transformed and written at a time (and the rows of an output row group).
SLICE_ROWS = 65_536
#: Units read at once while fitting. One: fix is about files larger than memory; a scan
#: uses every core instead.
FIT_WORKERS = 1


def streamed(source: Source) -> Source:
    """``source`` read in slices of at most ``SLICE_ROWS`` rows (see :meth:`Source.streamed`)."""
    return source.streamed(SLICE_ROWS)


def _filtered(source: Source, plan: FixPlan) -> Source:
    """``source`` seen through the row filters of ``plan`` (a plan of drop-rows steps)."""
    needed = list(
        dict.fromkeys(c for s in plan.steps for c in [s.column, *s.params.get("columns", [])])
    )
    if plan.label and plan.label in source.schema.names:
        needed.append(plan.label)  # drops by row identity hash the label too
    units = [
        partial(_filtered_unit, unit, plan, needed, i == 0) for i, unit in enumerate(source.units)
    ]

    def reopen() -> Source:  # after SchemaChanged: the widened source, filtered again
        source.widen()
        return _filtered(source, plan)

    # Casts change a column's type: the view's schema is the filtered one.
    schema = plan.output_schema(source.schema)
    return replace(source, units=units, schema=schema, num_rows=None, reopen=reopen)


def _filtered_unit(
    unit, plan: FixPlan, needed: list[str], first: bool, columns: Sequence[str] | None
):
    if first:  # a new pass over the data: the first copy of each row is kept again
        _reset_runtime(plan)
    read = None if columns is None else list(dict.fromkeys([*columns, *needed]))
    for whole in unit(read):
        for start in range(0, whole.num_rows, SLICE_ROWS):  # the filter copies: keep it small
            batch = plan.transform_batch(whole.slice(start, SLICE_ROWS))
            yield batch if columns is None else batch.select(list(columns))
            del batch
        del whole  # before the next unit is read


def fit_plan(
    source: Source,
    options: ScanOptions,
    strategies: Strategies | None = None,
    report: Report | None = None,
    progress: Progress | None = None,
    *,
    fitted: FixPlan | None = None,
    impute: Sequence[str] = (),
) -> tuple[FixPlan, Report, Source]:
    """Fit a plan on ``source``; returns it, the first scan's report and the source.

    The source returned may differ from the one given (a CSV whose types
    widened while streaming is reopened): read it, not the original.

    With ``options.reference`` (or a ``fitted`` plan of the reference), ``source``
    is a split checked against the reference: the value parameters (label mapping,
    scaling, imputed values) are ``fitted``'s, by default fitted on the reference
    as ``fix REFERENCE`` fits them; ``source`` only drops rows
    (:func:`~labelcheck.fixes.derive.plan_against`). ``impute``: columns to fit a
    median for although this data has no missing value there (a split fixed
    against this data has).
    """
    from labelcheck.engines.local import compute_stats
    from labelcheck.pipeline import analyse
    from labelcheck.stats.dataset import plan_columns

    strategies = strategies or Strategies()
    # The first scan of a folder decodes on every core, as a scan does (a worker holds a
    # few decoded images); a table is read one unit at a time (larger than memory).
    workers = None if is_folder(source) else FIT_WORKERS
    source = streamed(source)
    if options.reference is not None:
        from labelcheck.pipeline import open_reference, scan_against

        if report is None:  # LC303-LC306, and the class-id rules judged against it
            report = scan_against([(source, options)], open_reference(options.reference))[0]
        if fitted is None:  # the reference's own plan, with the medians this split needs
            alone = replace(options, reference=None)
            need = impute_columns(report, strategies)
            ref = open_reference(options.reference)
            fitted = fit_plan(ref, alone, strategies, impute=need)[0]
    if report is None:
        columns = plan_columns(source.schema, options, source.name, source.index_columns)
        stats = compute_stats(source, columns, options, workers=workers, progress=progress)
        report = analyse(source.name, stats, options)
        if stats.row_stats is not None:
            stats.row_stats.close()
    options = report.options
    columns = report.stats.plan
    if not report.stats.row_groups_found():  # nothing for the refit rounds to re-hash
        options = replace(options, row_checks=False)
        columns = replace(columns, row_features=None)
    current, drops = report, []
    for _ in range(_ROUNDS):
        new = [
            s
            for s in drop_steps(current, strategies)
            if not any(d.column == s.column and d.params == s.params for d in drops)
        ]
        if not new:
            break
        drops += new
        view = _filtered(source, _drop_plan(drops, report))
        # One worker: a filter keeping the first copy of a row needs the units in order.
        stats = compute_stats(view, columns, options, workers=FIT_WORKERS)
        current = analyse(source.name, stats, options)
        if stats.row_stats is not None:
            stats.row_stats.close()
    if fitted is not None:
        plan = plan_against(report, fitted, strategies, drops=drops)
    else:
        medians: dict[str, float] = {}
        cols = current.stats.columns
        extra = [c for c in impute if c in cols and cols[c].kind == "numeric" and cols[c].n]
        imputed = list(dict.fromkeys([*impute_columns(current, strategies), *extra]))
        if imputed:
            view = _filtered(source, _drop_plan(drops, report))
            counts = {c: cols[c].n for c in imputed}
            medians = exact_medians(view.batches, counts)
        plan = derive_plan(current, strategies, medians=medians, drops=drops, impute=extra)
        refit = _clipped_and_standardized(plan, strategies)
        if refit:  # their exact moments as clipped (and imputed), not estimated: fit again
            steps = [s for s in plan.steps if s.column in refit and s.step in ("clip", "impute")]
            view = _filtered(source, _drop_plan([*drops, *steps], report))
            moments = exact_moments(view.batches, refit)
            plan = derive_plan(
                current, strategies, medians=medians, drops=drops, impute=extra, moments=moments
            )
    # Errors of the data as given; not those of what the fix leaves (LC001 when every
    # row goes and --allow-empty says so).
    given = {(f.code, f.column) for f in report.findings if f.severity == "error"}
    plan.errors_left = [e for e in plan.errors_left if e in given]
    plan.source = report.source
    if options.array_tokens in report.stats.plan.columns:
        plan.tokens = options.array_tokens  # new arrays are token ids too
    plan.rows_in = report.rows
    plan.rows_out = current.rows  # expected; the write counts what really went out
    return plan, report, source


def _clipped_and_standardized(plan: FixPlan, strategies: Strategies) -> list[str]:
    """The columns ``plan`` clips and scales, with ``--scale standard``."""
    if strategies.scale != "standard":
        return []
    scaled = {s.column for s in plan.steps if s.step in ("standardize", "normalize")}
    return [s.column for s in plan.steps if s.step == "clip" and s.column in scaled]


def _reset_runtime(plan: FixPlan) -> None:
    for step in plan.steps:
        if step.runtime is not None:
            step.runtime.reset()


def fitted_only(plan: FixPlan) -> None:
    """Forget which rows of the fitted data the row-identity steps drop (after writing it):
    the plan then keeps every row of new data, as a plan loaded from JSON does."""
    for step in plan.steps:
        step.runtime = None


def _drop_plan(drops: list[Step], report: Report) -> FixPlan:
    return FixPlan(list(drops), label=report.label, columns=[])


# -------------------------------------------------------------------- files
@dataclass
class FixResult:
    """What ``fix_file`` / ``apply_file`` did."""

    plan: FixPlan
    tally: Tally
    output: Path
    plan_path: Path | None = None
    report: Report | None = None


def default_plan_path(output: str | os.PathLike[str]) -> Path:
    """``train.fixed.parquet`` -> ``train.fixed.plan.json`` (SPEC §5)."""
    out = Path(output)
    name = out.name
    for suffix in (".gz", ".bz2", ".zst"):
        name = name.removesuffix(suffix)
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return out.with_name(f"{stem}.plan.json")


def write_fixed(
    source: Source,
    plan: FixPlan,
    output: str | os.PathLike[str],
    *,
    drop_unknown: bool = False,
    progress: Progress | None = None,
    into: Path | None = None,
    fresh: bool = True,
) -> Tally:
    """Transform ``source`` batch by batch into ``output`` (atomically); return the tally.

    ``into``: a temporary path to fill instead (see :func:`~labelcheck.io.writers.atomic_paths`).
    ``fresh=False``: ``source`` continues the data of the previous call (the next part
    of a split), so a copy of a row written before is still a copy.
    """
    from labelcheck.io.writers import write_batches

    plan.check_schema(source.schema.names, source.name)
    if fresh:
        _reset_runtime(plan)
    source = streamed(source)
    schema = plan.output_schema(source.schema)
    tally = Tally()

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in source.batches():
            # Zero-copy slices bound the transform's temporaries whatever the unit size.
            for start in range(0, max(batch.num_rows, 1), SLICE_ROWS):
                out = plan.transform_batch(
                    batch.slice(start, SLICE_ROWS),
                    drop_unknown=drop_unknown,
                    tally=tally,
                    where=source.name,
                )
                yield out if out.schema.equals(schema) else out.cast(schema)
                del out  # written: free it before the next slice is made
                if progress is not None:
                    progress(tally.rows_in, 0, 0)
            # Drop this unit before the reader decodes the next (else two sit in memory).
            del batch

    write_batches(output, schema, batches(), label=plan.label, into=into)
    return tally


def refuse_empty(plan: FixPlan, name: str, rows: str = "rows", drop: str = "drop-rows") -> None:
    """An empty training set is not a fix: say which steps take every row (``rows``: what
    the rows are; ``drop``: the steps named first, "files": a folder's exclusions)."""
    from labelcheck.errors import NothingLeftError

    if plan.rows_in and plan.rows_out == 0:
        why = ", ".join(
            dict.fromkeys(s.reason for s in plan.steps if s.step.endswith(drop) and s.reason)
        ) or ", ".join(  # else the drops by row identity (copies, conflicts, leaks)
            dict.fromkeys(s.reason for s in plan.steps if s.step.startswith("drop-") and s.reason)
        )
        raise NothingLeftError(
            f"{name}: the fix would drop all {plan.rows_in:,} {rows} ({why}); nothing written. "
            "Repair the data at its source, choose other strategies (--nan median, --inf "
            "clip), or pass --allow-empty to write the empty file"
        )


def record_counts(plan: FixPlan, tally: Tally) -> None:
    """Put the rows each step changed, as applied, into the plan (and the totals)."""
    for i, step in enumerate(plan.steps):
        if STEPS[step.step].counts_rows:
            step.rows = tally.changed.get(i, 0)
    plan.rows_in = tally.rows_in
    plan.rows_out = tally.rows_out


# ---------------------------------------------------------- folders of images
#: The steps a folder's fix applies: its file steps and the row filters.
FOLDER_STEPS = (*FILE_STEPS, "drop-rows", "drop-duplicates", "drop-conflicts", "drop-leaked")


def is_folder(src: Source) -> bool:
    """Whether ``src`` is a folder of files (images, masks): fixed into a folder."""
    return src.format == "images"


def guard_folder(
    src: Source,
    output: Path,
    others: Sequence[str | os.PathLike[str] | None],
    files: Sequence[Path],
    force: bool,
) -> None:
    """Refuse an output folder that is (or is inside, or holds) the input folder, a file, or
    one that exists without ``force``; ``files``: the other outputs (the plan)."""
    from labelcheck.io.images import is_table_name
    from labelcheck.io.writers import guard_outputs

    if is_table_name(output.name):
        raise InputError(
            f"{output}: {src.name} is a folder of images, fixed into a folder in the same "
            "layout; give a folder name, not a data file"
        )
    out = os.path.realpath(output)
    for root in map(os.path.realpath, src.paths):
        if out == root or out.startswith(root + os.sep) or root.startswith(out + os.sep):
            raise InputError(
                f"{output}: is the input folder {root}, inside it or around it; "
                "write the fixed folder elsewhere"
            )
    if output.exists() and not output.is_dir():
        raise InputError(f"{output}: is a file; give the name of a folder to write")
    if output.exists() and not force:
        raise InputError(f"{output}: already exists; pass --force to replace it")
    guard_outputs([*src.paths, *others], files, force=force)


def write_folder_fixed(
    src: Source,
    plan: FixPlan,
    into: Path,
    *,
    drop_unknown: bool = False,
    progress: Progress | None = None,
) -> Tally:
    """Transform ``src`` batch by batch and write its files under ``into`` (a fresh folder)."""
    from labelcheck.io.images import write_folder

    plan.check_schema(src.schema.names, src.name)
    # Only the steps that leave rows out or rewrite files: the folder keeps its labels as
    # they are (class folders, the metadata file's values); the classes recorded stand.
    kept = [i for i, s in enumerate(plan.steps) if s.step in FOLDER_STEPS]
    files = replace(plan, steps=[plan.steps[i] for i in kept])
    _reset_runtime(plan)  # a new pass: the first copy of each row is kept again
    tally = Tally()

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in src.batches():
            yield files.transform_batch(
                batch, drop_unknown=drop_unknown, tally=tally, where=src.name
            )
            if progress is not None:
                progress(tally.rows_in, 0, 0)

    write_folder(batches(), src.schema, into)
    tally.changed = {kept[i]: n for i, n in tally.changed.items()}
    return tally


def image_normalize(
    folder: Path, layout: str, options: ScanOptions
) -> dict[str, list[float]] | None:
    """The per-channel mean and std on the 0..1 scale of the images in ``folder`` (exact
    sums of its image statistic), in the band order of their majority mode; None for a
    folder without an 8- or 16-bit image."""
    from labelcheck.engines.local import compute_stats
    from labelcheck.io.images import mode_bands, open_images
    from labelcheck.stats.dataset import plan_columns

    view = open_images(str(folder), layout)
    options = replace(options, row_checks=False)
    columns = plan_columns(view.schema, options, view.name, view.index_columns)
    stats = compute_stats(view, columns, options)  # every core, as a scan
    images = next(iter(stats.of_kind("image").values()), None)
    if images is None or not images.modes:
        return None
    mode = max(images.modes.items(), key=lambda kv: (kv[1], kv[0]))[0]
    scale = 65535 if mode.startswith("I;16") else 255 if mode not in ("I", "F") else None
    bands = mode_bands(mode)
    if scale is None or bands is None or any(b not in images.channels for b in bands):
        return None
    channels = [images.channels[b] for b in bands]
    return {"mean": [c.mean / scale for c in channels], "std": [c.std / scale for c in channels]}


def fix_folder(
    src: Source,
    output: Path,
    plan_out: Path,
    options: ScanOptions,
    strategies: Strategies | None,
    *,
    force: bool,
    progress: ProgressBars,
    inputs: Sequence[str | os.PathLike[str]],
    allow_empty: bool = False,
) -> FixResult:
    """``labelcheck fix DIR -o OUT_DIR``: the repaired folder in the same layout, atomically
    (a temporary folder beside OUT_DIR renamed at the end), and its plan, which lists every
    file left out with its reason and the ``normalize`` mean and std of the fixed images."""
    from labelcheck.io.writers import atomic_dir, atomic_paths

    guard_folder(src, output, [options.reference, *inputs], [plan_out], force)
    with progress(src, "scanning") as callback:
        plan, report, src = fit_plan(src, options, strategies, progress=callback)
    with atomic_paths(plan_out) as (tmp_plan,), atomic_dir(output) as tmp_dir:
        with progress(src, "writing") as callback:
            tally = write_folder_fixed(src, plan, tmp_dir, progress=callback)
        record_counts(plan, tally)
        if not allow_empty:  # an empty folder is not a fix: nothing is renamed into place
            refuse_empty(plan, report.source, "images", "files")
        fitted_only(plan)
        plan.excluded = [{"file": f, "reason": why} for f, why in tally.excluded]
        plan.normalize = image_normalize(tmp_dir, options.layout, options)
        tmp_plan.write_text(plan.to_json() + "\n", encoding="utf-8")
    return FixResult(plan, tally, output, plan_out, report)


def unique_columns(src: Source) -> None:
    """Refuse data whose column names repeat: the output would carry the ambiguity (LC111)."""
    repeated = repeated_names(src.schema.names)
    if repeated:
        name, n = next(iter(repeated.items()))
        raise InputError(
            f"{src.name}: {n} columns are named {name!r} (repeated: "
            f"{', '.join(map(repr, repeated))}); rename them so each name is unique, then fix"
        )


def fix_file(
    path: str,
    output: str | os.PathLike[str],
    *,
    plan_path: str | os.PathLike[str] | None = None,
    options: ScanOptions | None = None,
    strategies: Strategies | None = None,
    force: bool = False,
    progress: ProgressBars | None = None,
    inputs: Sequence[str | os.PathLike[str]] = (),
    allow_empty: bool = False,
    report_path: str | os.PathLike[str] | None = None,
    reference_plan: FixPlan | str | os.PathLike[str] | None = None,
) -> FixResult:
    """Scan ``path``, fit a plan, write the fixed data to ``output`` and the plan beside it.

    ``reference_plan``: the training split's plan (or its JSON file): its value
    parameters are used as they are, and ``path`` only drops rows (as with
    ``options.reference``, which still checks leaks and unseen classes).

    Raises :class:`~labelcheck.errors.NothingLeftError`, writing nothing, when every row
    would be dropped (unless ``allow_empty``).

    ``progress(source, label)`` opens a progress callback for each pass (the CLI's bars).
    ``inputs``: the command's other input files (a schema), never to be overwritten.
    ``report_path``: also scan the fixed data and write an HTML report of the
    data before and after the fix there (needs matplotlib).
    """
    from labelcheck.io.writers import atomic_paths, guard_outputs, output_format

    output = Path(output)
    plan_out = Path(plan_path) if plan_path is not None else default_plan_path(output)
    if os.path.abspath(plan_out) == os.path.abspath(output):
        raise InputError(f"{output}: the plan and the data cannot be the same file")
    html_out = Path(report_path) if report_path is not None else None
    if html_out is not None and os.path.abspath(html_out) in map(
        os.path.abspath, (output, plan_out)
    ):
        raise InputError(f"{html_out}: the report cannot be the data or the plan file")
    from labelcheck.pipeline import open_with

    options = options or ScanOptions()
    src = open_with(path, options)
    if is_folder(src):
        if html_out is not None:
            raise InputError(f"{html_out}: --report is for tables; scan the fixed folder instead")
        if reference_plan is not None:
            raise InputError(
                f"{path}: --reference-plan is for tables; a folder of images is fixed on its own"
            )
        bars = progress or _no_bars
        return fix_folder(
            src,
            output,
            plan_out,
            options,
            strategies,
            force=force,
            progress=bars,
            inputs=inputs,
            allow_empty=allow_empty,
        )
    output_format(output)
    unique_columns(src)
    outputs = [output, plan_out, *([html_out] if html_out is not None else [])]
    plan_file = None if isinstance(reference_plan, FixPlan) else reference_plan
    ins = [path, *src.paths, options.reference, plan_file, *inputs]
    guard_outputs(ins, outputs, force=force)
    fitted = reference_plan if isinstance(reference_plan, FixPlan) else None
    if plan_file is not None:
        try:
            fitted = FixPlan.load(plan_file)
        except InputError as exc:
            raise InputError(f"--reference-plan: {exc}") from None
    bars = progress or _no_bars
    with bars(src, "scanning") as callback:
        plan, report, src = fit_plan(src, options, strategies, progress=callback, fitted=fitted)
    if not allow_empty:
        refuse_empty(plan, report.source)
    # The data and its plan are one unit: both written to temporary files, then renamed.
    with atomic_paths(output, plan_out) as (tmp_data, tmp_plan):
        with bars(src, "writing") as callback:
            tally = write_fixed(src, plan, output, progress=callback, into=tmp_data)
        record_counts(plan, tally)
        fitted_only(plan)
        tmp_plan.write_text(plan.to_json() + "\n", encoding="utf-8")
    if html_out is not None:
        write_fix_report(html_out, report, output, plan)
    return FixResult(plan, tally, output, plan_out, report)


def fix_splits(
    path: str,
    output: str | os.PathLike[str],
    *,
    options: ScanOptions | None = None,
    strategies: Strategies | None = None,
    force: bool = False,
    progress: ProgressBars | None = None,
    inputs: Sequence[str | os.PathLike[str]] = (),
    allow_empty: bool = False,
    plan_path: str | os.PathLike[str] | None = None,
    report_path: str | os.PathLike[str] | None = None,
    reference_plan: str | os.PathLike[str] | None = None,
) -> list[FixResult] | None:
    """Fix a directory of named splits into the directory ``output``, in the same layout.

    Train is fixed on its own; every other split against train (as ``fix SPLIT
    --reference TRAIN``: train's label mapping, scaling and imputed values, the
    split's own row drops). Each file is written under ``output`` at its path
    relative to ``path``, and each split's plan to ``output/SPLIT.plan.json``; all
    of them appear together or not at all. Split folders of images are written as
    folders, each split's plan beside ``output`` (:func:`_fix_split_folders`). None when
    ``path`` holds no named splits.
    """
    from labelcheck.io import open_splits, split_files
    from labelcheck.io.writers import atomic_paths, guard_outputs, output_format

    options = options or ScanOptions()
    files = split_files(path)  # None for a folder of images: its splits are open_splits'
    folders = None
    if files is None and options.masks is None:
        folders = open_splits(path, layout=options.layout)
    if folders is not None:  # split folders of images
        files = {split: [] for split in folders}
    if files is None:
        return None
    out_dir, root = Path(output), os.path.realpath(path)
    if os.path.realpath(out_dir) == root or os.path.realpath(out_dir).startswith(root + os.sep):
        raise InputError(
            f"{output}: is inside the split directory {path}; give an output directory "
            "outside it (its files would become parts of the splits)"
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(
            f"{output}: {path} holds named splits, so the output is a directory (one fixed "
            "file per input file, one plan per split); give a directory name"
        )
    flags = (("--plan", plan_path), ("--report", report_path), ("--reference-plan", reference_plan))
    for flag, given in flags:
        if given is not None:
            raise InputError(
                f"{flag} {given}: {path} holds named splits, whose plans go to "
                f"{output}/SPLIT.plan.json; drop {flag}, or fix one split file"
            )
    if "train" not in files:
        raise InputError(
            f"{path}: no train split to fit the fixes on ({', '.join(files)}); fix each "
            "split on its own with `labelcheck fix SPLIT -o OUT`"
        )
    if options.reference is not None:
        raise InputError(
            f"--reference: {path} holds named splits, each fixed against its train split; "
            "drop --reference, or fix one split file against it"
        )
    if folders is not None:
        return _fix_split_folders(
            folders, out_dir, options, strategies, force=force, progress=progress,
            inputs=inputs, allow_empty=allow_empty,
        )  # fmt: skip
    outs = {s: [out_dir / os.path.relpath(f, path) for f in fs] for s, fs in files.items()}
    plans = {s: out_dir / f"{s}.plan.json" for s in files}
    for target in [o for os_ in outs.values() for o in os_]:
        output_format(target)
    every = [o for s in files for o in [*outs[s], plans[s]]]
    guard_outputs([path, options.reference, *inputs], every, force=force)
    bars = progress or _no_bars
    sources = open_splits(path, encoding=options.encoding) or {}
    for src in sources.values():
        unique_columns(src)
    results = fit_splits(sources, options, strategies, bars)
    if not allow_empty:
        for _, plan, report, _ in results:
            refuse_empty(plan, report.source)
    done: list[FixResult] = []
    with atomic_paths(*every) as temps:
        into = dict(zip(every, temps, strict=True))
        for split, plan, report, _ in results:
            tally = Tally()
            for i, (part, target) in enumerate(zip(files[split], outs[split], strict=True)):
                part_src = open_source(part, encoding=options.encoding)
                with bars(part_src, f"writing {split}") as callback:
                    tally.merge(
                        write_fixed(
                            part_src,
                            plan,
                            target,
                            progress=callback,
                            into=into[target],
                            fresh=i == 0,
                        )
                    )
            record_counts(plan, tally)
            into[plans[split]].write_text(plan.to_json() + "\n", encoding="utf-8")
            shown = outs[split][0] if len(outs[split]) == 1 else outs[split][0].parent
            done.append(FixResult(plan, tally, shown, plans[split], report))
    for result in done:
        fitted_only(result.plan)
    return done


def fit_splits(
    sources: dict[str, Source],
    options: ScanOptions,
    strategies: Strategies | None,
    bars: ProgressBars,
) -> list[tuple[str, FixPlan, Report, Source]]:
    """Plans for named splits, train first: train fitted on its own, every other split
    against it (train's value parameters, the split's own row drops), as ``fix SPLIT
    --reference TRAIN`` fits. Each with its report and the source it was fitted on."""
    fitted: list[tuple[str, FixPlan, Report, Source]] = []
    train_plan: FixPlan | None = None
    for split, src in sources.items():
        split_options = (
            options if split == "train" else replace(options, reference=sources["train"])
        )
        with bars(src, f"scanning {split}") as callback:
            plan, report, src = fit_plan(
                src, split_options, strategies, progress=callback, fitted=train_plan
            )
        if split == "train":
            train_plan = plan
        fitted.append((split, plan, report, src))
    return fitted


def _fix_split_folders(
    sources: dict[str, Source],
    out_dir: Path,
    options: ScanOptions,
    strategies: Strategies | None,
    *,
    force: bool,
    progress: ProgressBars | None,
    inputs: Sequence[str | os.PathLike[str]],
    allow_empty: bool,
) -> list[FixResult]:
    """Split folders of images (``root/train/<class>``, ``root/test/...``) into ``out_dir``
    in the same layout, each split's plan beside it as ``OUT_DIR.SPLIT.plan.json`` (inside,
    a plan would make the folder a table directory), all at once (a temporary folder and
    temporary plans, renamed at the end). Train is fitted on its own; every other split
    against train, as ``fix_splits`` does for tables: train's class mapping, conversions and
    mask mapping, the split's own exclusions and leaked copies of train's pictures."""
    from labelcheck.io.writers import atomic_dir, atomic_paths

    plans = {split: out_dir.with_name(f"{out_dir.name}.{split}.plan.json") for split in sources}
    for src in sources.values():
        guard_folder(src, out_dir, [*inputs], list(plans.values()), force)
    bars = progress or _no_bars
    fitted = fit_splits(sources, options, strategies, bars)
    done: list[FixResult] = []
    with atomic_paths(*plans.values()) as temps, atomic_dir(out_dir) as tmp:
        into = dict(zip(sources, temps, strict=True))
        for split, plan, report, src in fitted:
            folder = Path(src.paths[0]).name  # the input's own name for it ("val", "Test")
            with bars(src, f"writing {split}") as callback:
                tally = write_folder_fixed(src, plan, tmp / folder, progress=callback)
            record_counts(plan, tally)
            if not allow_empty:  # an empty split is not a fix: nothing is renamed into place
                refuse_empty(plan, report.source, "images", "files")
            plan.excluded = [{"file": f, "reason": why} for f, why in tally.excluded]
            plan.normalize = image_normalize(tmp / folder, options.layout, options)
            into[split].write_text(plan.to_json() + "\n", encoding="utf-8")
            done.append(FixResult(plan, tally, out_dir / folder, plans[split], report))
    for result in done:
        fitted_only(result.plan)
    return done


def write_fix_report(
    path: str | os.PathLike[str], before: Report, fixed: str | os.PathLike[str], plan: FixPlan
) -> Report:
    """Scan the fixed data and write the before/after HTML report to ``path``; return the scan.

    The second scan reads the written file, so the report shows what a
    rescan shows (SPEC §5: no error-level finding), not a prediction.
    """
    from labelcheck.io.writers import atomic_write_text
    from labelcheck.pipeline import scan_source
    from labelcheck.report.html import render_html

    after = scan_source(open_source(str(fixed)), before.options)
    atomic_write_text(path, render_html([after], before=before, plan_text=plan.describe()))
    return after


def apply_file(
    plan: FixPlan | str | os.PathLike[str],
    path: str,
    output: str | os.PathLike[str],
    *,
    force: bool = False,
    drop_unknown: bool = False,
    progress: ProgressBars | None = None,
    inputs: Sequence[str | os.PathLike[str]] = (),
    encoding: str = "utf-8",
    layout: str = "auto",
    masks: str | None = None,
) -> FixResult:
    """Replay a saved plan (never refitted) on ``path``, streaming into ``output``.

    ``inputs``: the command's other input files (a schema), never to be overwritten;
    ``encoding``: of a CSV ``path``; ``layout`` and ``masks``: of a folder of images, which is
    written as a folder (the plan's exclusions, conversions and mask mapping).
    """
    from labelcheck.io.writers import atomic_dir, guard_outputs, output_format

    plan_file = None if isinstance(plan, FixPlan) else plan
    if not isinstance(plan, FixPlan):
        plan = FixPlan.load(plan)  # first: it says how to read a token array
    output = Path(output)
    src = open_source(path, encoding=encoding, layout=layout, masks=masks, tokens=plan.tokens)
    if is_folder(src):
        guard_folder(src, output, [plan_file, *inputs], [], force)
        with (progress or _no_bars)(src, "applying") as callback, atomic_dir(output) as tmp:
            tally = write_folder_fixed(src, plan, tmp, drop_unknown=drop_unknown, progress=callback)
        return FixResult(plan, tally, output)
    output_format(output)
    unique_columns(src)
    guard_outputs([path, *src.paths, plan_file, *inputs], [output], force=force)
    with (progress or _no_bars)(src, "applying") as callback:
        tally = _write_with_restart(src, plan, output, drop_unknown, callback)
    return FixResult(plan, tally, output)


def _write_with_restart(
    src: Source, plan: FixPlan, output: Path, drop_unknown: bool, progress: Progress | None
) -> Tally:
    """A CSV whose column types widen mid-stream is reopened with the wider types."""
    for _ in range(64):
        try:
            return write_fixed(src, plan, output, drop_unknown=drop_unknown, progress=progress)
        except SchemaChanged:
            src.widen()
    raise InputError(f"{src.name}: the CSV column types kept changing; write it as Parquet")


def fix_object(
    data: Any,
    report: Report | None,
    options: ScanOptions,
    strategies: Strategies,
    allow_empty: bool = False,
) -> tuple[Any, FixPlan]:
    """The library's ``fix`` on an in-memory object or a path (returns a Table for paths)."""
    src = open_source(data, encoding=options.encoding, tokens=options.array_tokens)
    unique_columns(src)
    plan, first, src = fit_plan(src, options, strategies, report)
    if not allow_empty:
        refuse_empty(plan, first.source)
    tally = Tally()
    _reset_runtime(plan)
    if isinstance(data, str | os.PathLike) or type(data).__module__.startswith("pyarrow.dataset"):
        schema = plan.output_schema(src.schema)
        batches = [plan.transform_batch(b, tally=tally, where=src.name) for b in src.batches()]
        fixed: Any = pa.Table.from_batches(batches, schema=schema)
    else:
        fixed = plan.transform(data, tally=tally)
    record_counts(plan, tally)
    fitted_only(plan)
    return fixed, plan


def describe_applied(plan: FixPlan, tally: Tally) -> list[str]:
    """The plan's lines with the rows each step changed in *this* application."""
    from copy import copy

    lines = []
    for i, step in enumerate(plan.steps):
        if tally.label_absent and step.column == plan.label:
            continue
        shown = copy(step)
        if STEPS[step.step].counts_rows:
            shown.rows = tally.changed.get(i, 0)
        lines.append(shown.describe())
    if tally.unknown_dropped:
        lines.append(
            f"dropped {plural(tally.unknown_dropped, 'row')} with labels the plan does not know"
        )
    if tally.label_absent:
        lines.append(f"label column {plan.label!r} absent (inference data): label steps skipped")
    return lines
