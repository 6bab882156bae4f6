"""The progress bar: only on a terminal, never with JSON, driven by the engine's callback."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from labelcheck.cli import app
from labelcheck.io.readers import open_source
from labelcheck.progress import progress_bar, wanted


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("setting", "fmt", "tty", "expected"),
    [
        (None, "text", True, True),
        (None, "json", True, False),
        (True, "json", True, False),  # never in JSON output
        (None, "markdown", True, False),
        (True, "markdown", True, True),
        (True, "text", False, False),  # never when stderr is not a terminal
        (None, "text", False, False),
        (False, "text", True, False),
    ],
)
def test_when_the_bar_is_shown(setting, fmt, tty, expected):
    stream = Tty() if tty else io.StringIO()
    assert wanted(setting, fmt, stream=stream) is expected


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "d.parquet"
    table = pa.table({"x": np.arange(1000.0), "label": np.arange(1000) % 3})
    pq.write_table(table, path, row_group_size=100)
    return str(path)


def test_small_inputs_get_no_bar_unless_forced(small_file):
    src = open_source(small_file)
    with progress_bar(src, enabled=False, force=True) as callback:
        assert callback is None
    with progress_bar(src, enabled=True) as callback:
        assert callback is None  # auto: under LARGE_BYTES, the scan ends first
    with progress_bar(src, enabled=True, force=True) as callback:
        assert callable(callback)
        callback(500, 5, 10)
        callback(1000, 10, 10)


@pytest.mark.parametrize("flag", ["--progress", "--no-progress"])
def test_cli_progress_flags_do_not_change_the_report(small_file, flag):
    runner = CliRunner()
    plain = runner.invoke(app, ["scan", small_file, "--format", "json", "--no-config"])
    flagged = runner.invoke(app, ["scan", small_file, "--format", "json", "--no-config", flag])
    assert flagged.exit_code == plain.exit_code
    assert flagged.stdout == plain.stdout


def test_fix_and_apply_report_progress_for_each_pass(small_file, tmp_path):
    from contextlib import contextmanager

    from labelcheck.fixes.apply import apply_file, fix_file

    calls: dict[str, list[int]] = {}

    @contextmanager
    def bars(source, label):
        seen = calls.setdefault(label, [])
        yield lambda rows, done, total: seen.append(rows)

    out = tmp_path / "fixed.parquet"
    result = fix_file(small_file, out, progress=bars)
    apply_file(result.plan_path, small_file, tmp_path / "applied.parquet", progress=bars)
    assert set(calls) == {"scanning", "writing", "applying"}
    rows = pq.read_metadata(small_file).num_rows
    for label, seen in calls.items():
        assert seen, label
        assert seen == sorted(seen), label  # rows only grow
        assert seen[-1] == rows, label
