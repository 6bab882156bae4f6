"""The command line as a user runs it: exit codes, text and JSON reports, rules, explain.

Most tests use typer's CliRunner (fast, in-process); the ones a new user runs
first also run as a real process (``python -m labelcheck``, the console script).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
CLASSIC = SAMPLES / "classic.parquet"
CLEAN = SAMPLES / "clean.parquet"
PIXELS = SAMPLES / "pixels.parquet"
REGRESSION = SAMPLES / "regression_nan_inf.csv"
STRINGS = SAMPLES / "string_labels.jsonl"
ONE_TO_TEN = SAMPLES / "labels_1_to_10.feather"

#: Every rule code of SPEC §4 (a public contract: never renumbered).
SPEC_CODES = [
    "LC001",
    *(f"LC1{i:02d}" for i in range(1, 12)),  # LC110 (issue 10), LC111 (issue 9)
    *(f"LC2{i:02d}" for i in range(1, 16)),  # LC215 (issue 9): label-unusable-type
    *(f"LC3{i:02d}" for i in range(1, 7)),  # issue 10: rows and splits
    *(f"LC4{i:02d}" for i in range(1, 11)),  # issue 17: images and masks
    *(f"LC5{i:02d}" for i in range(1, 9)),  # issue 18: token sequences
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m labelcheck ARGS`` in a real process, from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "labelcheck", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def _flat(text: str) -> str:
    """Table text with borders and line breaks removed, so wrapped cells read as one line."""
    return " ".join(re.sub(r"[│┃┏┓┗┛┡┩└┘━─╇╈┳┻╋┼|]", " ", text).split())


# ------------------------------------------------------------------- scan
def test_classic_sample_text_real_process():
    proc = run("scan", "sample_data/classic.parquet", "--label", "y")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    text = _flat(proc.stdout)
    assert "LC205" in text and "label-sparse-outlier" in text
    assert "1 row with class id 8000" in text
    assert "21 rows" in text
    assert "task: classification" in text
    assert "1 error, 1 warning, 0 info" in text


def test_classic_sample_console_script():
    exe = shutil.which("labelcheck", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("the labelcheck console script is not installed next to this python")
    proc = subprocess.run(
        [exe, "scan", str(CLASSIC), "--label", "y"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1, proc.stderr
    assert "LC205" in proc.stdout and "8000" in proc.stdout


def test_classic_sample_json():
    result = invoke("scan", str(CLASSIC), "--label", "y", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert [f["code"] for f in errors] == ["LC205"]
    (lc205,) = errors
    assert lc205["values"] == [8000]
    assert lc205["rows"] == 1
    assert lc205["column"] == "y"
    assert lc205["fix"] == "drop-rows"
    assert "8000" in lc205["message"]
    assert data["summary"]["error"] == 1


def test_clean_sample_json_real_process():
    proc = run("scan", "sample_data/clean.parquet", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # what `python -c 'import json,sys; json.load(sys.stdin)'` does
    assert not [f for f in data["findings"] if f["severity"] in ("error", "warning")]
    assert data["summary"]["error"] == data["summary"]["warning"] == 0
    assert data["label"] == "target"
    assert data["task"] == "classification"


def test_clean_sample_text_says_no_problems():
    result = invoke("scan", str(CLEAN))
    assert result.exit_code == 0
    assert "No problems found" in result.stdout


def test_json_report_keys_match_spec():
    data = json.loads(invoke("scan", str(CLASSIC), "--format", "json").stdout)
    for key in (
        "version",
        "tool",
        "source",
        "rows",
        "label",
        "task",
        "n_classes",
        "findings",
        "summary",
        "columns",
    ):
        assert key in data, key
    assert data["version"] == 1
    assert data["tool"] == f"labelcheck {labelcheck.__version__}"
    assert data["source"].endswith("classic.parquet")
    assert data["rows"] == 21
    assert data["label"] == "y"
    assert data["n_classes"] is None
    assert set(data["summary"]) == {"error", "warning", "info"}
    for finding in data["findings"]:
        assert set(finding) >= {
            "code",
            "name",
            "severity",
            "column",
            "message",
            "rows",
            "values",
            "fix",
        }
        assert re.fullmatch(r"LC\d{3}", finding["code"])
        assert finding["severity"] in ("error", "warning", "info")
        assert isinstance(finding["values"], list)
    assert set(data["columns"]) == {"x0", "x1", "x2", "x3", "x4", "y"}
    for stats in data["columns"].values():
        assert set(stats) >= {"count", "nulls", "nan", "inf", "min", "max", "mean", "std"}
        assert stats["count"] == 21
        assert 0 <= stats["min"] <= stats["mean"] <= stats["max"]
    assert data["columns"]["y"]["max"] == 8000


def test_json_is_strict_json_with_nan_and_inf():
    """JSON has no NaN/Infinity: statistics and values of non-finite data must still parse."""
    out = invoke("scan", str(REGRESSION), "--format", "json").stdout
    data = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
    assert {f["code"] for f in data["findings"]} >= {"LC101", "LC102"}
    assert data["columns"]["x2"]["inf"] == 2


def test_n_classes_in_json():
    data = json.loads(
        invoke("scan", str(ONE_TO_TEN), "--n-classes", "10", "--format", "json").stdout
    )
    assert data["n_classes"] == 10
    assert {"LC204", "LC207"} <= {f["code"] for f in data["findings"]}


def test_several_paths_give_a_json_array():
    result = invoke("scan", str(CLASSIC), str(CLEAN), str(STRINGS), "--format", "json")
    assert result.exit_code == 1  # classic has an error
    data = json.loads(result.stdout)
    assert isinstance(data, list) and len(data) == 3
    assert [Path(d["source"]).name for d in data] == [
        "classic.parquet",
        "clean.parquet",
        "string_labels.jsonl",
    ]
    assert data[1]["summary"]["error"] == 0


def test_several_paths_text():
    result = invoke("scan", str(CLEAN), str(PIXELS))
    assert result.exit_code == 1
    assert "clean.parquet" in result.stdout and "pixels.parquet" in result.stdout


def test_directory_argument(tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    table = pq.read_table(CLASSIC)
    pq.write_table(table.slice(0, 10), parts / "a.parquet")
    pq.write_table(table.slice(10), parts / "b.parquet")
    data = json.loads(invoke("scan", str(parts), "--format", "json").stdout)
    assert data["rows"] == 21
    assert [f["values"] for f in data["findings"] if f["code"] == "LC205"] == [[8000]]


@pytest.mark.parametrize(
    ("path", "fail_on", "code"),
    [
        (CLASSIC, "error", 1),
        (CLASSIC, "never", 0),
        (ONE_TO_TEN, "error", 0),  # only a warning (LC207)
        (ONE_TO_TEN, "warning", 1),
        (STRINGS, "warning", 0),  # only info (LC213)
        (STRINGS, "info", 1),
        (CLEAN, "info", 0),
    ],
)
def test_fail_on(path, fail_on, code):
    result = invoke("scan", str(path), "--fail-on", fail_on)
    assert result.exit_code == code, result.stdout


def _codes(*args: str) -> set[str]:
    data = json.loads(invoke("scan", *args, "--format", "json").stdout)
    return {f["code"] for f in data["findings"]}


def test_select_and_ignore_with_codes_and_prefixes():
    everything = _codes(str(PIXELS))
    assert everything == {"LC103", "LC206"}
    assert _codes(str(PIXELS), "--select", "LC2") == {"LC206"}
    assert _codes(str(PIXELS), "--select", "LC1") == {"LC103"}
    assert _codes(str(PIXELS), "--select", "LC103,LC206") == everything
    assert _codes(str(PIXELS), "--select", "LC103", "--select", "LC206") == everything
    assert _codes(str(PIXELS), "--ignore", "LC1") == {"LC206"}
    assert _codes(str(PIXELS), "--ignore", "LC206") == {"LC103"}
    assert _codes(str(PIXELS), "--select", "LC2", "--ignore", "LC206") == set()
    assert _codes(str(PIXELS), "--select", "lc2") == {"LC206"}  # case does not matter


def test_ignoring_the_error_changes_the_exit_code():
    assert invoke("scan", str(CLASSIC), "--ignore", "LC205").exit_code == 0


def test_output_file(tmp_path):
    out = tmp_path / "report.json"
    result = invoke("scan", str(CLASSIC), "--format", "json", "-o", str(out))
    assert result.exit_code == 1
    assert result.stdout == ""
    data = json.loads(out.read_text())
    assert data["findings"][0]["code"] == "LC205"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temp file left
    text_out = tmp_path / "report.txt"
    assert invoke("scan", str(CLASSIC), "--output", str(text_out)).exit_code == 1
    assert "LC205" in text_out.read_text()


def test_loss_and_precision_options():
    assert "LC206" not in _codes(str(PIXELS), "--loss", "hinge")
    lc209 = _codes(str(PIXELS), "--loss", "binary_crossentropy")
    assert "LC209" in lc209
    big = pa.table({"x": np.r_[np.zeros(99), 1e5], "y": np.arange(100) % 2})
    data = labelcheck.scan(big, precision="fp16")
    assert [f.severity for f in data.by_code("LC106")] == ["error"]


def test_task_option_overrides_detection():
    data = json.loads(
        invoke("scan", str(ONE_TO_TEN), "--task", "regression", "--format", "json").stdout
    )
    assert data["task"] == "regression"


def test_ignore_index_option(tmp_path):
    path = tmp_path / "masks.parquet"
    y = np.r_[np.arange(300) % 3, [255] * 4]
    pq.write_table(pa.table({"x": np.linspace(0, 1, len(y)), "y": y}), path)
    assert "LC205" in _codes(str(path))
    result = invoke("scan", str(path), "--ignore-index", "255", "--format", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0
    assert "LC205" not in {f["code"] for f in data["findings"]}
    assert data["ignored_rows"] == 4


def test_no_label_column_says_so(tmp_path):
    path = tmp_path / "features.parquet"
    pq.write_table(pa.table({"a": [0.1, 0.2, 0.3], "b": [1.0, 2.0, 3.0]}), path)
    result = invoke("scan", str(path))
    assert result.exit_code == 0
    assert "no label column" in result.stdout and "--label" in result.stdout


# ----------------------------------------------------------- rules, explain
def test_rules_lists_every_code():
    result = invoke("rules")
    assert result.exit_code == 0
    for code in SPEC_CODES:
        assert code in result.stdout, code
    assert "label-sparse-outlier" in result.stdout


def test_rules_json():
    data = json.loads(invoke("rules", "--format", "json").stdout)
    assert [r["code"] for r in data] == SPEC_CODES
    lc205 = next(r for r in data if r["code"] == "LC205")
    assert lc205["severity"] == "error" and lc205["fix"] == "drop-rows"


def test_explain_real_process():
    proc = run("explain", "LC206")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("LC206 label-zero-symmetric")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix"):
        assert section in out, section
    assert "-1" in out and "0..K-1" in out


@pytest.mark.parametrize("code", SPEC_CODES)
def test_explain_every_code(code):
    result = invoke("explain", code.lower())
    assert result.exit_code == 0
    assert result.stdout.startswith(code)
    assert "## Why is this bad?" in result.stdout and "## Fix" in result.stdout


def test_explain_unknown_code():
    proc = run("explain", "LC999")
    assert proc.returncode == 2
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith("labelcheck: error: ") and "LC999" in line
    result = invoke("explain", "LC999")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1


def test_help_for_every_command():
    for command in ("scan", "rules", "explain"):
        result = invoke(command, "--help")
        assert result.exit_code == 0, command
        assert "Usage" in result.stdout


def test_version_of_tool_in_help_and_module_entry():
    proc = run("--help")
    assert proc.returncode == 0
    for command in ("scan", "rules", "explain"):
        assert command in proc.stdout


# ----------------------------------------------------------- check_arrays
CHECK_ARRAYS = (
    "import numpy as np, labelcheck; X=np.random.rand(21,5); "
    "y=np.r_[np.random.randint(0,5,20), 8000]; labelcheck.check_arrays(X, y)"
)


def test_check_arrays_real_process():
    proc = subprocess.run(
        [sys.executable, "-c", CHECK_ARRAYS], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1
    assert "labelcheck.errors.DataValidationError" in proc.stderr
    assert "8000" in proc.stderr and "LC205" in proc.stderr


def test_check_arrays_in_process():
    rng = np.random.default_rng(3)
    X = rng.random((21, 5))
    y = np.r_[rng.integers(0, 5, 20), 8000]
    with pytest.raises(labelcheck.DataValidationError, match="8000") as info:
        labelcheck.check_arrays(X, y)
    message = str(info.value)
    assert "LC205" in message and "1 row" in message and "Fix:" in message
    assert info.value.report.by_code("LC205")[0].values == (8000,)
    # the near miss: the same arrays without the outlier pass and return the report
    report = labelcheck.check_arrays(X[:20], y[:20])
    assert report.ok


# ------------------------------------------------------------- start-up
STARTUP_PROBE = """
import sys
import labelcheck.cli
heavy = ("pandas", "pandera", "dask", "polars", "PIL", "torch", "keras", "tensorflow",
         # the other column kinds' modules load with their first column, not for a table
         "labelcheck.stats.image", "labelcheck.stats.tokens", "labelcheck.stats.mask",
         "labelcheck.stats.tensor", "labelcheck.io.images", "labelcheck.models",
         # nor what a small scan does not use: a thread pool (one task), the row spill's
         # temporary directory, rich's emoji table (reports print no emoji codes)
         "concurrent.futures", "tempfile", "rich._emoji_codes")
# nor the image, mask and token series of rules (LC4xx, LC5xx)
series = ("labelcheck.rules.lc4", "labelcheck.rules.lc5")
after_import = [m for m in heavy if m in sys.modules]
from typer.testing import CliRunner
result = CliRunner().invoke(labelcheck.cli.app, ["scan", sys.argv[1], "--label", "y"])
after_scan = [m for m in heavy if m in sys.modules]
after_scan += sorted(m for m in sys.modules if m.startswith(series))
print(result.exit_code, ",".join(after_import), ",".join(after_scan), sep="|")
"""


@pytest.mark.parametrize("sample", ["classic.parquet", "classic.npz", "regression_nan_inf.csv"])
def test_cli_does_not_import_heavy_libraries(sample):
    """pandas, pandera, dask, polars, Pillow, torch and keras cost start-up time the CLI
    does not need; nor do the image, mask, tensor and token kinds' modules and rules for a
    table."""
    label = "target" if sample.endswith(".csv") else "y"
    probe = STARTUP_PROBE.replace('"--label", "y"', f'"--label", "{label}"')
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(SAMPLES / sample)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    code, after_import, after_scan = proc.stdout.strip().split("|")
    assert code == "1"
    assert after_import == "", f"import labelcheck.cli imported {after_import}"
    assert after_scan == "", f"a scan imported {after_scan}"


def test_import_labelcheck_is_light():
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import labelcheck"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}
    assert "labelcheck" in imported
    assert not imported & {"pandas", "pandera", "dask", "polars", "pyarrow", "torch", "keras"}


def test_version_says_whether_the_compiled_kernels_are_in_use():
    """`labelcheck --version` of the installed entry point names the route a scan takes."""
    exe = shutil.which("labelcheck")
    assert exe is not None
    on = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert on.returncode == 0
    assert on.stdout.startswith(f"labelcheck {labelcheck.__version__} (compiled kernels: ")
    env = {**os.environ, "LABELCHECK_NATIVE": "0"}
    off = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60, env=env)
    assert off.returncode == 0
    assert "compiled kernels: off: numpy route, LABELCHECK_NATIVE=0" in off.stdout
    if os.environ.get("LABELCHECK_CI"):  # CI installs with a compiler: the kernels are built
        assert "compiled kernels: on)" in on.stdout, on.stdout
