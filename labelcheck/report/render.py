"""Render reports in the formats of SPEC §6 (one function per format)."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from labelcheck.report import Report


def console(file=None) -> Console:
    """A rich console: colours on a terminal, plain 120-column text otherwise. No emoji
    codes: a column named ``:x:`` prints as itself (and rich's emoji table, 2 ms of
    start-up, is never imported)."""
    from rich.console import Console

    target = file if file is not None else sys.stdout
    if hasattr(target, "isatty") and target.isatty():
        return Console(file=target, highlight=False, emoji=False)
    return Console(
        file=target, width=120, no_color=True, highlight=False, soft_wrap=False, emoji=False
    )


def render(reports: Sequence[Report], fmt: str) -> str:
    """All reports in one format, as text."""
    if fmt == "json":
        data = [r.to_dict() for r in reports]
        return json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False) + "\n"
    renderer = _RENDERERS.get(fmt)
    if renderer is None:
        from labelcheck.errors import InputError

        raise InputError(f"unknown --format {fmt!r}; choose one of: json, {', '.join(_RENDERERS)}")
    return renderer(reports)


def _text(reports: Sequence[Report]) -> str:
    from labelcheck.report.text import render_text

    buf = io.StringIO()
    # A terminal gets colours: render into a recording console sized like it.
    if sys.stdout.isatty():
        from rich.console import Console

        width = Console().width
        con = Console(file=buf, force_terminal=True, width=width, highlight=False, emoji=False)
    else:
        con = console(buf)
    for i, report in enumerate(reports):
        if i:
            con.print()
        render_text(report, con)
    return buf.getvalue()


# ------------------------------------------------------------- GitHub Actions
#: Workflow-command level per severity (info findings become notices).
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _gh_data(text: str) -> str:
    """Escape a workflow command's message (as @actions/core's escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    """Escape a workflow command's property value (as @actions/core's escapeProperty)."""
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _workspace_relative(path: str) -> str:
    """Inside GitHub Actions, annotations attach to paths relative to the checkout."""
    import os

    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace and os.path.isabs(path):
        rel = os.path.relpath(path, workspace)
        if not rel.startswith(".."):
            return rel
    return path


def _github(reports: Sequence[Report]) -> str:
    """One ``::error file=PATH,title=CODE name::message`` line per finding.

    GitHub shows each as an annotation on the file in the run's summary and
    the pull request. A clean report prints nothing.
    """
    lines = []
    for report in reports:
        for f in report.findings:
            where = f"column {f.column!r}: " if f.column else ""
            fix = f" Fix: {f.fix_title}." if f.fix_title else ""
            file = _gh_property(_workspace_relative(report.source))
            props = f"file={file},title={_gh_property(f'{f.code} {f.name}')}"
            message = f"{where}{f.message}.{fix} (labelcheck explain {f.code})"
            lines.append(f"::{_GITHUB_LEVEL[f.severity]} {props}::{_gh_data(message)}")
    return "".join(line + "\n" for line in lines)


# -------------------------------------------------------------------- Markdown
def _md_cell(text: object) -> str:
    """Table-cell text: pipes escaped, newlines as <br>."""
    s = "" if text is None else str(text)
    return s.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


def _md_code(text: str) -> str:
    """Inline code that survives backticks in column names."""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _markdown(reports: Sequence[Report]) -> str:
    """A pull-request comment: a heading and a findings table per source."""
    out: list[str] = []
    for report in reports:
        s = report.summary
        status = (
            "failed" if not report.ok else ("passed with findings" if report.findings else "passed")
        )
        out.append(
            f"### labelcheck: {_md_code(report.source)} {status}: {s['error']} error"
            f"{'s' if s['error'] != 1 else ''}, {s['warning']} warning"
            f"{'s' if s['warning'] != 1 else ''}, {s['info']} info"
        )
        out.append("")
        plan = report.stats.plan
        task = f"task: {report.task.task} ({_md_cell(report.task.reason)})"
        label = (
            f"label {_md_code(plan.label)}, {task}" if plan.label else _md_cell(plan.label_reason)
        )
        out.append(f"{plan.size_text(report.rows)}; {label}.")
        out.append("")
        if not report.findings:
            out.append("No problems found.")
            out.append("")
            continue
        out.append("| severity | rule | column | problem | fix |")
        out.append("|---|---|---|---|---|")
        for f in sorted(report.findings, key=lambda f: -_SEVERITY_RANK[f.severity]):
            sev = f"**{f.severity}**" if f.severity == "error" else f.severity
            column = _md_code(_md_cell(f.column)) if f.column else "(dataset)"
            out.append(
                f"| {sev} | {f.code} {f.name} | {column} | {_md_cell(f.message)} "
                f"| {_md_cell(f.fix_title or '-')} |"
            )
        out.append("")
    out.append("<sub>`labelcheck explain CODE` says why each rule matters and how to fix it.</sub>")
    return "\n".join(out) + "\n"


_SEVERITY_RANK = {"error": 2, "warning": 1, "info": 0}


def _html(reports: Sequence[Report]) -> str:
    from labelcheck.report.html import render_html  # lazy: imports matplotlib

    return render_html(reports)


_RENDERERS = {"text": _text, "github": _github, "markdown": _markdown, "html": _html}
