"""`--format github` (GitHub Actions workflow commands) and `--format markdown` (PR comments)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app
from labelcheck.report.render import _gh_data, _gh_property, render

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
COMMAND = re.compile(r"^::(error|warning|notice) file=([^,:]+),title=([^,:]+)::(.+)$")


def test_github_one_command_per_finding_with_file_and_code():
    result = CliRunner().invoke(
        app, ["scan", str(SAMPLES / "classic.parquet"), "--format", "github"]
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    report = labelcheck.scan(SAMPLES / "classic.parquet")
    assert len(lines) == len(report.findings)
    for line, finding in zip(lines, report.findings, strict=True):
        match = COMMAND.match(line)
        assert match, line
        level, file, title, message = match.groups()
        assert level == {"error": "error", "warning": "warning", "info": "notice"}[finding.severity]
        assert file == _gh_property(str(SAMPLES / "classic.parquet"))
        assert title == f"{finding.code} {finding.name}"
        assert f"labelcheck explain {finding.code}" in message
    assert lines[0].startswith(f"::error file={SAMPLES / 'classic.parquet'},title=LC205 ")
    assert "8000" in lines[0]


def test_github_info_findings_are_notices(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text("".join(f'{{"x": {i / 10}, "label": "{"ab"[i % 2]}"}}\n' for i in range(20)))
    out = render([labelcheck.scan(path)], "github")
    assert out.startswith(f"::notice file={path},title=LC213 label-string::")


def test_github_escaping_follows_the_actions_toolkit():
    assert _gh_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert _gh_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_escapes_awkward_file_names_and_column_names(tmp_path):
    path = tmp_path / "odd, name: 100%.parquet"
    X = np.random.default_rng(0).random((21, 2))
    y = np.r_[np.arange(20) % 5, 8000]
    pq.write_table(pa.table({"a,b:c\nd": X[:, 0], "y": y}), path)
    out = render([labelcheck.scan(path)], "github")
    lines = out.splitlines()
    assert lines, out
    for line in lines:
        assert COMMAND.match(line), line  # still one well-formed command per line
    assert "odd%2C name%3A 100%25.parquet" in out
    assert "\n" not in out.rstrip("\n").replace("\n::", "")


def test_github_clean_file_prints_nothing_and_exits_0():
    result = CliRunner().invoke(app, ["scan", str(SAMPLES / "clean.parquet"), "--format", "github"])
    assert result.exit_code == 0
    assert result.stdout == ""


def test_markdown_table_for_a_pull_request_comment():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "labelcheck",
            "scan",
            str(SAMPLES / "classic.parquet"),
            str(SAMPLES / "clean.parquet"),
            "--format",
            "markdown",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr
    md = result.stdout
    assert md.startswith(f"### labelcheck: `{SAMPLES / 'classic.parquet'}` failed: 1 error, ")
    assert "| severity | rule | column | problem | fix |\n|---|---|---|---|---|\n" in md
    row = next(line for line in md.splitlines() if "LC205" in line)
    assert row.startswith(
        "| **error** | LC205 label-sparse-outlier | `y` | 1 row with class id 8000"
    )
    assert row.count(" | ") == 4 and row.endswith(" |")
    assert f"### labelcheck: `{SAMPLES / 'clean.parquet'}` passed: 0 errors" in md
    assert "No problems found." in md


def test_markdown_escapes_pipes_and_newlines_in_cells(tmp_path):
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"a|b": [np.nan] + [0.5] * 9, "y": [0, 1] * 5}), path)
    md = render([labelcheck.scan(path)], "markdown")
    row = next(line for line in md.splitlines() if "LC101" in line)
    assert "`a\\|b`" in row
    # Exactly five cells: the escaped pipe does not open a new one.
    assert len(re.split(r"(?<!\\)\|", row)) == 7


def test_github_paths_are_relative_to_the_actions_workspace(monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(SAMPLES.parent))
    out = render([labelcheck.scan(SAMPLES / "classic.parquet")], "github")
    assert out.startswith("::error file=sample_data/classic.parquet,title=LC205 ")


def test_text_folds_many_columns_with_the_same_finding_json_keeps_each(tmp_path):
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from labelcheck.cli import app

    rng = np.random.default_rng(0)
    data = {f"px{i}": rng.integers(0, 256, 50).astype(np.uint8) for i in range(30)}
    data["label"] = np.tile([-1, 0, 1, 1, 0], 10)
    path = tmp_path / "pixels.parquet"
    pq.write_table(pa.table(data), path)
    runner = CliRunner()
    text = runner.invoke(app, ["scan", str(path), "--no-config"]).stdout
    assert "+26 more" in text  # px0..px3 in full, then one row
    assert "px23" in text and "... (6 more)" in text and "px24" not in text
    assert "LC206" in text  # the error is not buried
    assert text.count("values range from") == 4
    report = runner.invoke(app, ["scan", str(path), "--no-config", "--format", "json"]).stdout
    assert report.count('"LC103"') == 30
