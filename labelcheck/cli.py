"""The command line: a thin typer layer over the library.

Every command calls the library and translates its exceptions in one place
(:func:`_user_errors`): an :class:`InputError` is one line on stderr and exit
2, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from labelcheck.errors import InputError

app = typer.Typer(
    name="labelcheck",
    help="Find the training data that makes a loss go NaN, diverge or crash, and fix it.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    github = "github"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


class TaskOpt(StrEnum):
    auto = "auto"
    classification = "classification"
    regression = "regression"


class PrecisionOpt(StrEnum):
    fp32 = "fp32"
    bf16 = "bf16"
    fp16 = "fp16"


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


LabelOpt = Annotated[str | None, typer.Option("--label", "-l", help="The label column.")]
FeaturesOpt = Annotated[
    list[str] | None,
    typer.Option("--features", help="Feature columns (comma-separated); default: all others."),
]
TaskOption = Annotated[TaskOpt, typer.Option("--task", help="What the label is for.")]
NClassesOpt = Annotated[
    int | None, typer.Option("--n-classes", help="Outputs of the model (enables LC204).")
]
LossOpt = Annotated[
    str | None, typer.Option("--loss", help="The loss you train with (enables LC209).")
]
PrecisionOption = Annotated[
    PrecisionOpt, typer.Option("--precision", help="Training precision (LC106).")
]
IgnoreIndexOpt = Annotated[
    float | None,
    typer.Option("--ignore-index", help="Label value meaning 'ignore this target' (e.g. -100)."),
]
SelectOpt = Annotated[
    list[str] | None, typer.Option("--select", help="Only these rule codes or prefixes.")
]
IgnoreOpt = Annotated[
    list[str] | None, typer.Option("--ignore", help="Skip these rule codes or prefixes.")
]


@app.command()
def scan(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, globs or URLs.")],
    label: LabelOpt = None,
    features: FeaturesOpt = None,
    task: TaskOption = TaskOpt.auto,
    n_classes: NClassesOpt = None,
    loss: LossOpt = None,
    precision: PrecisionOption = PrecisionOpt.fp32,
    ignore_index: IgnoreIndexOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 at or above this severity.")
    ] = FailOn.error,
    output_format: Annotated[Format, typer.Option("--format", help="Output format.")] = (
        Format.text
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="local or dask.")] = "local",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://host:port).")
    ] = None,
) -> None:
    """Scan datasets and report what would break training (exit 1 on findings)."""
    with _user_errors():
        from labelcheck.api import make_options, scan_source
        from labelcheck.io.readers import open_source

        options = make_options(
            label,
            features=_split(features),
            n_classes=n_classes,
            task=task.value,  # type: ignore[arg-type]
            loss=loss,
            precision=precision.value,  # type: ignore[arg-type]
            ignore_index=ignore_index,
            select=_split(select),
            ignore=_split(ignore),
        )
        reports = []
        for path in paths:
            if engine == "local":
                reports.append(scan_source(open_source(path), options))
            else:
                from labelcheck.api import scan as scan_fn

                reports.append(scan_fn(path, options=options, engine=engine, scheduler=scheduler))
        _emit(reports, output_format, output)
        if any(r.failed(fail_on.value) for r in reports):
            raise typer.Exit(1)


def _emit(reports: list, output_format: Format, output: Path | None) -> None:
    from labelcheck.report.render import render

    text = render(reports, output_format.value)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from labelcheck.io.writers import atomic_write_text

    atomic_write_text(output, text)


@app.command("rules")
def rules_cmd(
    output_format: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.text,
) -> None:
    """List every rule: code, name, default severity, default fix."""
    from labelcheck.rules import RULES

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


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A rule code, e.g. LC205.")]) -> None:
    """Explain a rule: what it detects, why it breaks training, an example, the fix."""
    with _user_errors():
        from labelcheck.rules import get_rule

        r = get_rule(code)
        fix = f"; default fix: {r.fix}" if r.fix else ""
        typer.echo(f"{r.code} {r.name} (default severity: {r.severity}{fix})\n")
        typer.echo(r.doc.split("\n", 1)[1].strip() if "\n" in r.doc else r.doc)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="labelcheck")


if __name__ == "__main__":  # pragma: no cover
    main()
