"""The terminal rendering: findings grouped by column, severity coloured, fix for each."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from labelcheck.report import Report

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
#: Column findings of one code shown in full; the rest fold into one row (JSON keeps all).
SHOWN_PER_CODE = 4


def render_text(report: Report, console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    header = Text()
    header.append(report.source, style="bold")
    header.append(f": {report.stats.plan.size_text(report.rows)}")
    console.print(header)
    plan = report.stats.plan
    # Column names, values and messages are data: Text, never rich markup
    # (a column named "a[/]" must print, not raise MarkupError).
    if plan.label:
        console.print(
            Text(
                f"  label {plan.label!r} ({plan.label_reason}); task: {report.task.task} "
                f"({report.task.reason})"
            ),
            highlight=False,
        )
    else:
        console.print(Text(f"  {plan.label_reason}"), highlight=False)
    if report.options.origins:  # settings read from a model (labelcheck.models) are stated
        from labelcheck.models import stated

        from_model = stated(report.options)
    else:
        from_model = []
    if from_model:
        console.print(Text(f"  {'; '.join(from_model)}"), highlight=False)
    if report.stats.ignored_rows:
        console.print(f"  {report.ignored_note()}", highlight=False)
    if not report.findings:
        console.print("  [green]No problems found.[/green]")
        return
    table = Table(show_header=True, header_style="bold", expand=False, pad_edge=False)
    table.add_column("column")
    table.add_column("code")
    table.add_column("severity")
    table.add_column("problem", overflow="fold")
    table.add_column("fix", overflow="fold")
    order = {name: i for i, name in enumerate(report.stats.columns)}
    findings = sorted(
        report.findings, key=lambda f: -1 if f.column is None else order.get(f.column, 0)
    )
    # 16 pixel columns with the same LC103 would bury the one LC206 that matters.
    by_code: dict[str, list] = {}
    for f in findings:
        by_code.setdefault(f.code, []).append(f)
    last = object()
    for f in findings:
        same = by_code[f.code]
        index = same.index(f)
        if len(same) > SHOWN_PER_CODE + 1 and index >= SHOWN_PER_CODE:
            if index == SHOWN_PER_CODE:
                rest = same[SHOWN_PER_CODE:]
                names = ", ".join(str(r.column) for r in rest[:20])
                names += f", ... ({len(rest) - 20} more)" if len(rest) > 20 else ""
                table.add_row(
                    Text(f"+{len(rest)} more"),
                    f"{f.code} {f.name}",
                    Text(f.severity, style=_STYLE[f.severity]),
                    Text(f"the same in {names} (--format json lists each)"),
                    Text(f.fix_title or "-"),
                )
                last = object()
            continue
        column = "" if f.column == last else (f.column or "(dataset)")
        last = f.column
        table.add_row(
            Text(column),
            f"{f.code} {f.name}",
            Text(f.severity, style=_STYLE[f.severity]),
            Text(f.message),
            Text(f.fix_title or "-"),
        )
    console.print(table)
    s = report.summary
    console.print(
        f"[bold red]{_plural(s['error'], 'error')}[/], "
        f"[yellow]{_plural(s['warning'], 'warning')}[/], "
        f"[cyan]{s['info']} info[/]. `labelcheck explain CODE` says why and how to fix."
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
