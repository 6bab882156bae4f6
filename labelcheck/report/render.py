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
    """A rich console: colours on a terminal, plain 120-column text otherwise."""
    from rich.console import Console

    target = file if file is not None else sys.stdout
    if hasattr(target, "isatty") and target.isatty():
        return Console(file=target, highlight=False)
    return Console(file=target, width=120, no_color=True, highlight=False, soft_wrap=False)


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

        con = Console(file=buf, force_terminal=True, width=Console().width, highlight=False)
    else:
        con = console(buf)
    for i, report in enumerate(reports):
        if i:
            con.print()
        render_text(report, con)
    return buf.getvalue()


_RENDERERS = {"text": _text}
