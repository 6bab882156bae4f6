"""sample_data/README.md says what labelcheck reports for each file: keep it true."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelcheck.cli import app

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"

# file, extra args, exit code, codes reported (the README line names each)
EXPECTED = [
    ("classic.parquet", [], 1, {"LC205", "LC210"}),
    ("classic.npz", [], 1, {"LC205", "LC210"}),
    ("pixels.parquet", [], 1, {"LC206", "LC103"}),
    ("pixels.parquet", ["--loss", "hinge"], 1, {"LC209", "LC103"}),
    ("clean.parquet", [], 0, set()),
    ("regression_nan_inf.csv", [], 1, {"LC101", "LC102"}),
    ("string_labels.jsonl", [], 0, {"LC213"}),
    ("labels_1_to_10.feather", [], 0, {"LC207"}),
    ("labels_1_to_10.feather", ["--n-classes", "10"], 1, {"LC204", "LC207"}),
]


def _readme_lines() -> dict[str, str]:
    text = (SAMPLES / "README.md").read_text()
    return dict(re.findall(r"^- `([^`]+)` — (.*)$", text, re.M))


def test_every_sample_file_has_a_readme_line():
    files = {p.name for p in SAMPLES.iterdir() if p.name != "README.md"}
    assert set(_readme_lines()) == files


@pytest.mark.parametrize(("name", "args", "code", "codes"), EXPECTED)
def test_sample_file_reports_what_the_readme_says(name, args, code, codes):
    result = CliRunner().invoke(app, ["scan", str(SAMPLES / name), *args, "--format", "json"])
    assert result.exit_code == code, result.output
    report = json.loads(result.stdout)
    assert {f["code"] for f in report["findings"]} == codes
    line = _readme_lines()[name]
    for c in codes:
        assert c in line, (name, c)
    if not args:
        assert f"exit {code}" in line
