"""The command line: a thin typer layer over the library.

Every command calls the library and translates its exceptions in one place
(:func:`_user_errors`): an :class:`InputError` is one line on stderr and exit
2, never a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from labelcheck.engines import ENGINES
from labelcheck.errors import InputError, NothingLeftError
from labelcheck.options import FIX_SETTINGS, SCAN_SETTINGS, Setting


class _OneLineErrors(TyperGroup):
    """Usage errors (a bad option value, a missing argument) as ONE line on stderr, exit 2.

    typer's default is a usage banner plus a boxed message over several lines;
    SPEC §6 wants every error as one line a script or CI log can quote.
    """

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except typer.Abort:
            typer.echo("labelcheck: aborted", err=True)
            sys.exit(1)
        except typer.TyperException as exc:
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare `labelcheck`: show help
                exc.show()  # type: ignore[attr-defined]
                sys.exit(2)
            message = " ".join(exc.format_message().split()).rstrip(".")
            hint = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
            typer.echo(f"labelcheck: error: {message}{hint}", err=True)
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


class _Command(TyperCommand):
    """Usage lines as Unix tools write them: ``scan [OPTIONS] PATH...``.

    typer marks a required argument with braces (``{paths}...``), which reads as a
    template left unfilled.
    """

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = (param.metavar or param.name or "").upper()
                name += "..." if param.nargs != 1 else ""
                pieces.append(name if param.required else f"[{name}]")
        return pieces


app = typer.Typer(
    name="labelcheck",
    help="Find the training data that makes a loss go NaN, diverge or crash, and fix it.",
    cls=_OneLineErrors,
    # Plain help: rich markup would eat "[default: auto]" and "[tool.labelcheck]".
    rich_markup_mode=None,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from labelcheck import __version__
        from labelcheck.stats import native

        kernels = "on" if native.enabled() else f"off: numpy route, {native.why_off()}"
        typer.echo(f"labelcheck {__version__} (compiled kernels: {kernels})")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Print the version and whether the compiled kernels are in use, then exit.",
    ),
) -> None:
    """Find the training data that makes a loss go NaN, diverge or crash, and fix it."""


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    github = "github"
    html = "html"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


def _fail(message: str) -> NoReturn:
    typer.echo(f"labelcheck: error: {message}", err=True)
    raise typer.Exit(2)


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """Turn every error into one line on stderr and exit 2 (SPEC §6, §9)."""
    try:
        yield
    except InputError as exc:
        _fail(str(exc))
    except NothingLeftError as exc:  # the data, not the command, is the problem: exit 1
        typer.echo(f"labelcheck: {exc}", err=True)
        raise typer.Exit(1) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except BrokenPipeError:  # `labelcheck scan ... | head`
        sys.stderr.close()
        raise typer.Exit(0) from None
    except Exception as exc:
        if os.environ.get("LABELCHECK_DEBUG"):
            raise
        _fail(
            f"internal error ({type(exc).__name__}: {exc}); rerun with LABELCHECK_DEBUG=1 for "
            "the traceback and report it"
        )


def _console():
    from labelcheck.report.render import console

    return console()


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def _choice(name: str, choices: tuple[str, ...]) -> type[StrEnum]:
    """A closed set of values as typer shows and checks them ([auto|classification|...])."""
    return StrEnum(name, {c: c for c in choices})  # type: ignore[return-value]


def _typer_option(spec: Setting) -> Any:
    """The typer parameter of an option of the tables in labelcheck.options."""
    flags = [spec.flag, *([spec.short] if spec.short else [])]
    if spec.kind is bool:  # --row-checks/--no-row-checks
        flags = [f"{spec.flag}/--no-{spec.flag[2:]}"]
        return Annotated[bool | None, typer.Option(*flags, help=spec.help)]
    if spec.choices:
        kind: Any = _choice(spec.name, spec.choices)
    elif spec.kind is object:  # a path on the command line
        kind = str
    else:
        kind = list[str] if spec.kind is list else spec.kind
    return Annotated[
        kind if spec.default is not None else kind | None, typer.Option(*flags, help=spec.help)
    ]


def _with_settings(*tables: tuple[Setting, ...]) -> Callable[[Callable], Callable]:
    """Add the options of ``tables`` to a command; it receives them in ``**settings``.

    The options are declared once (labelcheck.options): the flags, their help and
    choices here, the library keywords and the schema keys all come from there.
    They are listed after the command's own arguments and required options.
    """
    specs = [spec for table in tables for spec in table]
    keyword = inspect.Parameter.KEYWORD_ONLY

    def wrap(fn: Callable) -> Callable:
        sig = inspect.signature(fn, eval_str=True)
        own = [p.replace(kind=keyword) for p in sig.parameters.values() if p.kind != p.VAR_KEYWORD]
        cut = max((i + 1 for i, p in enumerate(own) if p.default is p.empty), default=0)
        added = [
            inspect.Parameter(s.name, keyword, default=s.default, annotation=_typer_option(s))
            for s in specs
        ]
        params = [*own[:cut], *added, *own[cut:]]

        @functools.wraps(fn)
        def command(**kwargs: Any) -> Any:
            return fn(**kwargs)

        command.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        return command

    return wrap


SchemaOpt = Annotated[
    Path | None,
    typer.Option(
        "--schema",
        help="Schema YAML (label, classes, column ranges, rules; see `labelcheck infer`); "
        "its settings are defaults that flags override. "
        "Default: the file's schema in labelcheck.yaml / [tool.labelcheck].",
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Repo configuration (labelcheck.yaml or pyproject.toml); default: found by "
        "walking up from the working directory.",
    ),
]
NoConfigOpt = Annotated[
    bool, typer.Option("--no-config", help="Ignore any labelcheck.yaml / [tool.labelcheck].")
]


ProgressOpt = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Progress bar on stderr (default: for large inputs, text format, on a terminal).",
    ),
]


@app.command(cls=_Command)
@_with_settings(SCAN_SETTINGS)
def scan(
    paths: Annotated[
        list[str], typer.Argument(metavar="PATH", help="Files, directories, globs or URLs.")
    ],
    schema: SchemaOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 at or above this severity.")
    ] = FailOn.error,
    output_format: Annotated[Format, typer.Option("--format", help="Output format.")] = (
        Format.text
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    engine: Annotated[
        _choice("engine", ENGINES), typer.Option("--engine", help="Where statistics are computed.")
    ] = "local",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://host:port).")
    ] = None,
    progress: ProgressOpt = None,
    rows_out: Annotated[
        Path | None,
        typer.Option(
            "--rows-out",
            help="Write the rows findings name (LC301-LC303: every one, with its group and, "
            "for a leaked row, the reference row it matches; token rules: the first 1,000) to "
            "this file, in the format its suffix names (.parquet, .csv, .jsonl, .feather).",
        ),
    ] = None,
    **settings: Any,
) -> None:
    """Scan datasets and report what would break training (exit 1 on an error finding;
    see --fail-on).

    A directory of named splits (train/validation/test files or folders) gives one
    report per split, each checked against train; --reference TRAIN checks every
    PATH (every split of such a directory too) against TRAIN (read once).
    """
    with _user_errors():
        from labelcheck.pipeline import scan_paths
        from labelcheck.progress import progress_bar, wanted

        if output_format == Format.html:
            _prepare_html()
        repo = _repo_config(config, no_config)
        reference = settings.get("reference")
        outputs = [o for o in (output, rows_out) if o is not None]
        if rows_out is not None:
            from labelcheck.io.writers import table_format

            table_format(rows_out)  # before the scan, not after it
        if outputs:
            _guard(outputs, [*paths, reference, schema, config])
        show = wanted(progress, output_format.value) and engine == "local"
        reports = scan_paths(
            paths,
            lambda path: _scan_options(path, repo, schema, settings),
            engine=engine,
            scheduler=scheduler,
            bars=lambda src: progress_bar(src, enabled=show, force=progress is True),
        )
        _emit(reports, output_format, output)
        if rows_out is not None:
            _write_rows(rows_out, reports)
        if any(r.failed(fail_on.value) for r in reports):
            raise typer.Exit(1)


def _guard(outputs: list[Path], inputs: list[Any]) -> None:
    """A report, schema or rows file written by a command never replaces one of its inputs."""
    from labelcheck.io.writers import guard_outputs

    guard_outputs(inputs, outputs, force=True)


def _write_rows(target: Path, reports: list[Any]) -> None:
    """Every row of the row findings: source, code, row number, group, the reference row
    a leaked row matches, and for an image dataset each row's file (atomic; the format by
    the suffix)."""
    import pyarrow as pa

    from labelcheck.io.images import row_files
    from labelcheck.io.writers import write_table

    tables = []
    for r in reports:
        table = r.rows_table()
        rows = [n for n in table["row"].to_pylist() if n is not None]
        files = row_files(r.origin, rows) if r.origin is not None else None
        if files is not None:  # an image dataset: name each row's file
            named = (
                table["file"].to_pylist()
                if "file" in table.column_names
                else [None] * table.num_rows
            )
            column = [
                name if n is None else files[n]
                for n, name in zip(table["row"].to_pylist(), named, strict=True)
            ]
            if "file" in table.column_names:
                table = table.drop_columns(["file"])
            table = table.append_column("file", pa.array(column, pa.string()))
        tables.append(table)
    write_table(target, pa.concat_tables(tables, promote_options="default"))


def _scan_options(path: str, repo: Any, schema: Path | None, settings: dict[str, Any]) -> Any:
    """ScanOptions for one PATH from the detection flags shared by scan, fix and infer."""
    from labelcheck.pipeline import make_options

    given = {
        spec.name: _split(settings[spec.name]) if spec.kind is list else settings[spec.name]
        for spec in SCAN_SETTINGS
        if spec.name in settings
    }
    return make_options(
        **given,
        schema=_schema_for(path, schema, repo),
        defaults=repo.defaults if repo else None,
    )


def _repo_config(config: Path | None, no_config: bool):
    """The repo configuration: --config, else found by walking up from the cwd."""
    if no_config:
        return None
    from labelcheck.config import find_config, load_config

    return load_config(config) if config is not None else find_config()


def _schema_for(path: str, schema: Path | None, repo) -> Path | None:
    """--schema wins; else the schema the repo configuration maps this file to."""
    if schema is not None:
        return schema
    return repo.schema_for(path) if repo is not None else None


_INFER_SETTINGS = tuple(
    s for s in SCAN_SETTINGS if s.name in ("label", "task", "ignore_index", "encoding")
)
#: How to read the new data apply replays a plan on.
_READ_SETTINGS = tuple(s for s in SCAN_SETTINGS if s.name in ("encoding", "layout", "masks"))


@app.command(cls=_Command)
@_with_settings(_INFER_SETTINGS)
def infer(
    path: Annotated[str, typer.Argument(metavar="PATH", help="A data file, directory or glob.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the schema to this file.")
    ] = None,
    **settings: Any,
) -> None:
    """Write a schema for this data (label, classes, feature ranges) as YAML on stdout."""
    with _user_errors():
        from labelcheck.io import open_source
        from labelcheck.pipeline import make_options, scan_source
        from labelcheck.schema import dump_schema, infer_schema

        options = make_options(**settings)
        src = open_source(path, encoding=options.encoding, tokens=options.array_tokens)
        if output is not None:
            _guard([output], [path, *src.paths])
        report = scan_source(src, options)
        notes: list[str] = []
        schema_data = infer_schema(report, notes)
        text = dump_schema(
            schema_data,
            header=f"labelcheck schema inferred from {report.source} ({report.rows:,} rows)\n"
            "Review it: the recorded classes and ranges are what later files are checked "
            "against (LC109, LC214)." + "".join(f"\nNote: {note}." for note in notes),
        )
        for note in notes:  # also where a user writing the schema to a file sees it
            typer.echo(f"labelcheck: note: {note}", err=True)
        if output is None:
            sys.stdout.write(text)
        else:
            from labelcheck.io.writers import atomic_write_text

            atomic_write_text(output, text)


def _prepare_html() -> None:
    """Import the plotting library in the background while the data is scanned."""
    from labelcheck.report.html import prepare

    prepare()


def _emit(reports: list, output_format: Format, output: Path | None) -> None:
    from labelcheck.report.render import render

    text = render(reports, output_format.value)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from labelcheck.io.writers import atomic_write_text

    atomic_write_text(output, text)


@app.command("rules", cls=_Command)
def rules_cmd(
    output_format: Annotated[
        Format,
        typer.Option("--format", help="text, json, or markdown (the README's rule table)."),
    ] = Format.text,
) -> None:
    """List every rule: code, name, default severity, default fix."""
    from labelcheck.rules import RULES

    if output_format == Format.markdown:
        from labelcheck.rules import markdown_table

        typer.echo(markdown_table(), nl=False)
        return

    if output_format == Format.json:
        import json

        typer.echo(
            json.dumps(
                [
                    {
                        "code": r.code,
                        "name": r.name,
                        "severity": r.severity,
                        "fix": r.fix,
                        "summary": r.summary,
                    }
                    for r in RULES.values()
                ],
                indent=2,
            )
        )
        return
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", pad_edge=False)
    for col in ("code", "name", "severity", "fix", "detects"):
        table.add_column(col, overflow="fold")
    for r in RULES.values():
        table.add_row(r.code, r.name, r.severity, r.fix or "-", r.summary)
    _console().print(table)


@app.command(cls=_Command)
def explain(
    code: Annotated[
        str,
        typer.Argument(metavar="RULE", help="A rule code or name: LC205, label-sparse-outlier."),
    ],
) -> None:
    """Explain a rule: what it detects, why it breaks training, an example, the fix."""
    with _user_errors():
        from labelcheck.rules import get_rule

        r = get_rule(code)
        fix = f"; default fix: {r.fix}" if r.fix else ""
        typer.echo(f"{r.code} {r.name} (default severity: {r.severity}{fix})\n")
        typer.echo(r.doc.split("\n", 1)[1].strip() if "\n" in r.doc else r.doc)


FixOutputOpt = Annotated[
    Path, typer.Option("--output", "-o", help="Where to write the fixed data (format by suffix).")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite existing outputs.")]


@app.command(cls=_Command)
@_with_settings(SCAN_SETTINGS, FIX_SETTINGS)
def fix(
    path: Annotated[
        str, typer.Argument(metavar="PATH", help="The training data file (or directory, glob).")
    ],
    output: FixOutputOpt,
    plan: Annotated[
        Path | None,
        typer.Option("--plan", help="Where to save the plan; default: OUT with .plan.json."),
    ] = None,
    force: ForceOpt = False,
    allow_empty: Annotated[
        bool,
        typer.Option("--allow-empty", help="Write the output even when every row is dropped."),
    ] = False,
    schema: SchemaOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    progress: ProgressOpt = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", help="Also write an HTML report of the data before and after the fix."
        ),
    ] = None,
    reference_plan: Annotated[
        Path | None,
        typer.Option(
            "--reference-plan",
            help="The training split's saved plan (fix TRAIN's .plan.json): its label mapping, "
            "scaling and imputed values are used as they are, never refitted; PATH only "
            "drops rows.",
        ),
    ] = None,
    **settings: Any,
) -> None:
    """Repair the data (streaming) and save the fitted plan to replay with `apply`.

    Exit 1, writing nothing, when every row would be dropped (see --allow-empty);
    exit 1 too, after writing, when an error-level finding is not fixed automatically.
    """
    with _user_errors():
        from labelcheck.fixes.apply import fix_file, fix_splits
        from labelcheck.pipeline import make_strategies

        if report is not None:
            _prepare_html()
        repo = _repo_config(config, no_config)
        options = _scan_options(path, repo, schema, settings)
        strategies = make_strategies(**{s.name: settings[s.name] for s in FIX_SETTINGS})
        common: dict[str, Any] = {
            "options": options,
            "strategies": strategies,
            "force": force,
            "progress": _bars(progress),
            "inputs": [p for p in (_schema_for(path, schema, repo), config) if p is not None],
            "allow_empty": allow_empty,
        }
        flags = {"plan_path": plan, "report_path": report, "reference_plan": reference_plan}
        results = fix_splits(path, output, **flags, **common)
        if results is None:  # not a directory of named splits
            results = [fix_file(path, output, **flags, **common)]
        for result in results:
            p, t = result.plan, result.tally
            name = p.source if len(results) > 1 else path
            what = "images" if t.excluded or p.normalize is not None else "rows"
            typer.echo(
                f"{name}: {t.rows_in:,} {what} -> {result.output}: {t.rows_out:,} {what} "
                f"({t.rows_in - t.rows_out:,} dropped); plan: {result.plan_path}"
            )
            lines = [f"  {line}" for line in p.describe().splitlines()] or ["  nothing to fix"]
            typer.echo("\n".join(lines + _folder_lines(p.excluded, p.normalize)))
            if p.unfixed:
                typer.echo("not fixed automatically:")
                typer.echo("\n".join(f"  {note}" for note in p.unfixed))
        if report is not None:
            typer.echo(f"report (before and after): {report}")
        if any(r.plan.errors_left for r in results):  # written, but an error remains
            raise typer.Exit(1)


@app.command(cls=_Command)
@_with_settings(_READ_SETTINGS)
def apply(
    plan: Annotated[Path, typer.Argument(metavar="PLAN", help="A plan saved by `labelcheck fix`.")],
    path: Annotated[
        str, typer.Argument(metavar="PATH", help="New data: test, validation or inference.")
    ],
    output: FixOutputOpt,
    force: ForceOpt = False,
    drop_unknown: Annotated[
        bool,
        typer.Option("--drop-unknown", help="Drop rows whose label the plan does not know."),
    ] = False,
    schema: SchemaOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    progress: ProgressOpt = None,
    **settings: Any,
) -> None:
    """Replay a saved plan on new data, without refitting (exit 2 on unseen labels).

    With a schema (--schema, or the file's schema in the repo configuration) the
    new data is first checked for drift against it (LC109, LC214): on an error
    the findings go to stderr, nothing is written, and the exit code is 1.
    """
    with _user_errors():
        from labelcheck.fixes.apply import apply_file, describe_applied
        from labelcheck.options import check_encoding

        encoding = settings.get("encoding") or "utf-8"
        check_encoding(encoding)
        schema = _schema_for(path, schema, _repo_config(config, no_config))
        _drift_gate(path, schema, encoding)
        result = apply_file(
            str(plan),
            path,
            output,
            force=force,
            drop_unknown=drop_unknown,
            progress=_bars(progress),
            inputs=[p for p in (schema, config) if p is not None],
            encoding=encoding,
            layout=settings.get("layout") or "auto",
            masks=settings.get("masks"),
        )
        t = result.tally
        typer.echo(
            f"{path}: {t.rows_in:,} rows -> {result.output}: {t.rows_out:,} rows "
            f"({t.rows_in - t.rows_out:,} dropped), plan {plan} "
            f"(fitted on {result.plan.source})"
        )
        typer.echo("\n".join(f"  {line}" for line in describe_applied(result.plan, t)))
        excluded = [{"file": f, "reason": why} for f, why in t.excluded]
        if excluded:
            typer.echo("\n".join(_folder_lines(excluded, None)))


def _folder_lines(excluded: list[dict[str, str]], normalize: Any) -> list[str]:
    """A fixed folder's files left out (a few; the plan lists all) and its Normalize values."""
    shown = 10
    lines = [f"  excluded {e['file']}: {e['reason']}" for e in excluded[:shown]]
    if len(excluded) > shown:
        lines.append(f"  ... and {len(excluded) - shown:,} more excluded files (in the plan)")
    if normalize is not None:
        mean = ", ".join(f"{v:.4f}" for v in normalize["mean"])
        std = ", ".join(f"{v:.4f}" for v in normalize["std"])
        lines.append(f"  normalize: mean=[{mean}], std=[{std}] (0..1 scale, as plan.normalize)")
    return lines


def _bars(setting: bool | None):
    """Progress bars on stderr for each pass of fix/apply (only on a terminal)."""
    from labelcheck.progress import progress_bar, wanted

    show = wanted(setting, "text")
    return lambda src, label: progress_bar(src, enabled=show, force=setting is True, label=label)


def _drift_gate(path: str, schema: Path | None, encoding: str) -> None:
    """Refuse to apply a plan to data that drifted from its schema (LC109, LC214)."""
    if schema is None:
        return
    from labelcheck.io import open_source
    from labelcheck.pipeline import make_options, scan_source
    from labelcheck.report.render import render

    options = make_options(schema=schema, select=["LC109", "LC214"], encoding=encoding)
    report = scan_source(open_source(path, encoding=encoding), options)
    if not report.ok:
        sys.stderr.write(render([report], "text"))
        typer.echo(
            f"labelcheck: {path} drifted from {schema} (see above); not applying the plan. "
            "Fix the data, or update the schema if the change is intended.",
            err=True,
        )
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="labelcheck")


if __name__ == "__main__":  # pragma: no cover
    main()
