"""The result of a scan, and its renderings (text, json; markdown and github in render)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from labelcheck._version import __version__
from labelcheck.errors import DataValidationError
from labelcheck.options import SEVERITY_ORDER, ScanOptions
from labelcheck.rules.base import Finding, TaskInfo
from labelcheck.stats.dataset import DatasetStats

JSON_VERSION = 1


@dataclass
class Report:
    """Findings of one scanned source, with the statistics they came from."""

    source: str
    stats: DatasetStats
    options: ScanOptions
    task: TaskInfo
    findings: list[Finding] = field(default_factory=list)
    #: The split this one was checked against (its column statistics, for the HTML
    #: report's overlays), when scanned with a reference.
    reference: Report | None = field(default=None, repr=False, compare=False)
    #: The source scanned (an io Source), when the pipeline opened it: ``--rows-out``
    #: reads the file of each named row from it (the report itself reads nothing).
    origin: Any = field(default=None, repr=False, compare=False)

    @property
    def rows(self) -> int:
        return self.stats.rows

    @property
    def label(self) -> str | None:
        return self.stats.plan.label

    @property
    def summary(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    @property
    def ok(self) -> bool:
        """True when there is no error-level finding."""
        return not self.failed("error")

    def failed(self, fail_on: str = "error") -> bool:
        """Whether any finding is at or above ``fail_on`` (``never`` never fails)."""
        level = SEVERITY_ORDER[fail_on]
        return any(SEVERITY_ORDER[f.severity] >= level for f in self.findings)

    def rows_table(self) -> Any:
        """Every row involved in LC301-LC303, then the rows other findings name (token rows,
        LC502-LC508: the first 1,000 of each), then the files image findings count (LC401-
        LC409: row null, ``file`` set), as an Arrow table (``--rows-out``)."""
        import pyarrow as pa

        from labelcheck.stats.rows import involved_rows

        reference = self.reference.source if self.reference is not None else None
        table = involved_rows(self.source, self.stats.row_summary, self.stats.leak, reference)
        named = [
            (f.code, r)
            for f in self.findings
            if f.code not in ("LC301", "LC302", "LC303")
            for r in f.row_numbers
        ]
        files = [(f.code, name) for f in self.findings for name in f.files]
        if named:
            more = pa.table(
                {
                    "source": pa.array([self.source] * len(named), pa.string()),
                    "code": pa.array([c for c, _ in named], pa.string()),
                    "row": pa.array([r for _, r in named], pa.int64()),
                    "group": pa.nulls(len(named), pa.int64()),
                }
            )
            # the reference columns of a leaked row are null for these
            table = pa.concat_tables([table, more], promote_options="default")
        if files:
            more = pa.table(
                {
                    "source": pa.array([self.source] * len(files), pa.string()),
                    "code": pa.array([c for c, _ in files], pa.string()),
                    "row": pa.nulls(len(files), pa.int64()),
                    "group": pa.nulls(len(files), pa.int64()),
                    "file": pa.array([name for _, name in files], pa.string()),
                }
            )
            table = pa.concat_tables([table, more], promote_options="default")
        return table

    def ignored_note(self) -> str:
        """The rows the label rules left out (``--ignore-index``), for every renderer."""
        n = self.stats.ignored_rows
        one = n == 1
        return (
            f"{n:,} label {'row carries' if one else 'rows carry'} --ignore-index "
            f"{self.options.ignore_index:g} and {'was' if one else 'were'} left out of the "
            "label rules"
        )

    def by_code(self, code: str) -> list[Finding]:
        return [f for f in self.findings if f.code == code]

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract of SPEC §6."""
        return {
            "version": JSON_VERSION,
            "tool": f"labelcheck {__version__}",
            "source": self.source,
            "rows": self.rows,
            "label": self.label,
            "label_reason": self.stats.plan.label_reason,
            "task": self.task.task if self.task.task != "none" else None,
            "target_type": self.task.target_type,
            "task_reason": self.task.reason,
            "n_classes": self.options.n_classes,
            "ignored_rows": self.stats.ignored_rows,
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary,
            "columns": {
                name: _json_safe(stats.summary()) for name, stats in self.stats.columns.items()
            },
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_html(self, *, reference: Report | None = None) -> str:
        """The report as one self-contained HTML page (plots inline; needs matplotlib).

        ``reference`` is the split this one was checked against (by default the
        one it was scanned with, ``scan(..., reference=)``): its class counts and
        feature histograms are drawn beside these.
        """
        from labelcheck.report.html import render_html

        return render_html([self], reference=reference)

    def _repr_html_(self) -> str | None:
        """Jupyter shows the report inline (the page's body, styles scoped to it).

        Without matplotlib (the ``html`` extra) None: the notebook shows the repr.
        """
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            return None
        from labelcheck.report.html import fragment

        return fragment(self)

    def raise_for_errors(self) -> Report:
        """Raise :class:`DataValidationError` if any finding is an error; else return self."""
        if not self.ok:
            raise DataValidationError(self)
        return self

    def error_message(self) -> str:
        """A readable message listing the error-level findings and their fixes."""
        errors = [f for f in self.findings if f.severity == "error"]
        lines = [
            f"labelcheck found {len(errors)} error{'s' if len(errors) != 1 else ''} in "
            f"{self.source} ({self.rows:,} rows) that would break training:"
        ]
        for f in errors:
            where = f" in column {f.column!r}" if f.column else ""
            fix = f" Fix: {f.fix_title}." if f.fix_title else ""
            lines.append(f"  {f.code} {f.name}{where}: {f.message}.{fix}")
        lines.append("Run `labelcheck explain CODE` for details, or labelcheck.fix() to repair.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<Report {self.source!r}: {self.rows:,} rows, {s['error']} errors, "
            f"{s['warning']} warnings, {s['info']} info>"
        )


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    import math

    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in data.items()
    }


__all__ = ["Report"]
