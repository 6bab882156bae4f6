"""`labelcheck fix` and `labelcheck apply` through the real CLI, on real files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from labelcheck.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def scan_json(path: Path, *extra: str) -> dict:
    result = run("scan", path, "--format", "json", "--no-config", *extra)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def samples_with_errors() -> list[Path]:
    out = []
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix in (".parquet", ".csv", ".feather", ".jsonl", ".npz"):
            out.append(path)
    return out


@pytest.mark.parametrize("sample", samples_with_errors(), ids=lambda p: p.name)
def test_fix_then_rescan_has_no_error(sample, tmp_path):
    before = scan_json(sample)
    out = tmp_path / f"fixed{''.join(sample.suffixes)}"
    result = run("fix", sample, "-o", out, "--no-config")
    assert result.exit_code == 0, result.output
    assert out.exists() and (tmp_path / "fixed.plan.json").exists()
    after = scan_json(out)
    assert after["summary"]["error"] == 0, after["findings"]
    if before["summary"]["error"]:
        # Each error the scan found is named in what `fix` printed.
        for f in before["findings"]:
            if f["severity"] == "error":
                assert f["code"] in result.stdout


def test_at_least_three_samples_have_errors():
    # The parametrized test above must cover real failures, not only clean files.
    assert sum(scan_json(p)["summary"]["error"] > 0 for p in samples_with_errors()) >= 3


@pytest.mark.parametrize("name", ["classic.parquet", "pixels.parquet", "regression_nan_inf.csv"])
def test_real_cli_subprocess_fix_then_scan_exit_0(name, tmp_path):
    sample = SAMPLES / name
    out = tmp_path / f"out{sample.suffix}"
    exe = [sys.executable, "-m", "labelcheck"]
    bad = subprocess.run([*exe, "scan", str(sample), "--no-config"], capture_output=True, text=True)
    assert bad.returncode == 1
    fixed = subprocess.run(
        [*exe, "fix", str(sample), "-o", str(out), "--no-config"], capture_output=True, text=True
    )
    assert fixed.returncode == 0, fixed.stderr
    assert "dropped" in fixed.stdout and str(out) in fixed.stdout
    rescan = subprocess.run([*exe, "scan", str(out), "--no-config"], capture_output=True, text=True)
    assert rescan.returncode == 0, rescan.stdout


def test_fix_prints_what_changed(tmp_path):
    result = run("fix", SAMPLES / "pixels.parquet", "-o", tmp_path / "p.parquet", "--no-config")
    assert result.exit_code == 0
    assert "300 rows -> " in result.stdout and "(0 dropped)" in result.stdout
    assert "normalize    'px0': [0, 254] -> [-1, 1]" in result.stdout
    assert "reindex      'label': -1 -> 0, 0 -> 1, 1 -> 2" in result.stdout
    result = run("fix", SAMPLES / "classic.parquet", "-o", tmp_path / "c.parquet", "--no-config")
    assert "21 rows -> " in result.stdout and "20 rows (1 dropped)" in result.stdout
    assert "1 row where 'y' is one of 8000  [LC205 label-sparse-outlier]" in result.stdout


# ------------------------------------------------------------- split/apply
def split(sample: Path, tmp_path: Path) -> tuple[Path, Path, pa.Table, pa.Table]:
    table = pq.read_table(sample)
    half = table.num_rows // 2
    first, second = table.slice(0, half), table.slice(half)
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    pq.write_table(first, a)
    pq.write_table(second, b)
    return a, b, first, second


def test_apply_replays_the_same_mapping_and_ranges(tmp_path):
    a, b, first, second = split(SAMPLES / "pixels.parquet", tmp_path)
    assert run("fix", a, "-o", tmp_path / "a.fixed.parquet", "--no-config").exit_code == 0
    plan_path = tmp_path / "a.fixed.plan.json"
    plan = json.loads(plan_path.read_text())
    result = run("apply", plan_path, b, "-o", tmp_path / "b.fixed.parquet")
    assert result.exit_code == 0, result.output
    out = pq.read_table(tmp_path / "b.fixed.parquet")
    refit_would_differ = False
    for step in plan["steps"]:
        if step["step"] != "normalize":
            continue
        col = step["column"]
        lo, hi = pc_min_max(first[col])
        assert (step["min"], step["max"]) == (lo, hi)  # fitted on the first half
        raw = second[col].to_numpy().astype(float)
        np.testing.assert_allclose(out[col].to_numpy(), 2 * (raw - lo) / (hi - lo) - 1)
        refit_would_differ |= pc_min_max(second[col]) != (lo, hi)
    assert refit_would_differ  # else this test could not tell a refit from a replay
    classes = next(s["classes"] for s in plan["steps"] if s["step"] == "reindex-labels")
    assert classes == [-1, 0, 1]
    assert out["label"].to_pylist() == [classes.index(v) for v in second["label"].to_pylist()]


def pc_min_max(column) -> tuple[float, float]:
    values = column.to_numpy()
    return float(values.min()), float(values.max())


def test_apply_unseen_label_exits_2_naming_it(tmp_path):
    a, _, _, second = split(SAMPLES / "pixels.parquet", tmp_path)
    assert run("fix", a, "-o", tmp_path / "a.fixed.parquet", "--no-config").exit_code == 0
    labels = second["label"].to_numpy().copy()
    labels[[3, 10]] = 7
    unseen = tmp_path / "unseen.parquet"
    pq.write_table(
        second.set_column(second.schema.get_field_index("label"), "label", pa.array(labels)), unseen
    )
    out = tmp_path / "u.parquet"
    result = run("apply", tmp_path / "a.fixed.plan.json", unseen, "-o", out)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "2 rows in column 'label' with labels the plan does not know: 7" in result.stderr
    assert "--drop-unknown" in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".u.parquet*"))  # no partial output
    result = run("apply", tmp_path / "a.fixed.plan.json", unseen, "-o", out, "--drop-unknown")
    assert result.exit_code == 0, result.output
    assert pq.read_metadata(out).num_rows == second.num_rows - 2
    assert "dropped 2 rows with labels the plan does not know" in result.stdout


@pytest.fixture
def pixels_plan(tmp_path):
    """The plan of a fix of the pixels sample (tmp_path/p.plan.json)."""
    result = run("fix", SAMPLES / "pixels.parquet", "-o", tmp_path / "p.parquet", "--no-config")
    assert result.exit_code == 0, result.output
    return tmp_path / "p.plan.json"


def test_apply_missing_column_exits_2(tmp_path, pixels_plan):
    table = pq.read_table(SAMPLES / "pixels.parquet").drop_columns(["px3"])
    pq.write_table(table, tmp_path / "less.parquet")
    result = run("apply", pixels_plan, tmp_path / "less.parquet", "-o", tmp_path / "o.parquet")
    assert result.exit_code == 2
    assert "the plan needs column 'px3' that the data does not have" in result.stderr


def test_apply_to_inference_data_without_label(tmp_path, pixels_plan):
    table = pq.read_table(SAMPLES / "pixels.parquet").drop_columns(["label"])
    pq.write_table(table, tmp_path / "infer.parquet")
    result = run("apply", pixels_plan, tmp_path / "infer.parquet", "-o", tmp_path / "o.parquet")
    assert result.exit_code == 0, result.output
    assert "label steps skipped" in result.stdout
    assert pq.read_table(tmp_path / "o.parquet").column_names == table.column_names


# ------------------------------------------------------------ nothing lost
def test_input_unchanged_and_no_overwrite_without_force(tmp_path):
    sample = tmp_path / "classic.parquet"
    shutil.copy(SAMPLES / "classic.parquet", sample)
    digest = sha(sample)
    out = tmp_path / "out.parquet"
    assert run("fix", sample, "-o", out, "--no-config").exit_code == 0
    assert sha(sample) == digest
    first = sha(out)
    again = run("fix", sample, "-o", out, "--no-config", "--outliers", "reindex")
    assert again.exit_code == 2
    assert "out.parquet: already exists; pass --force to overwrite it" in again.stderr
    assert sha(out) == first
    forced = run("fix", sample, "-o", out, "--no-config", "--outliers", "reindex", "--force")
    assert forced.exit_code == 0 and sha(out) != first
    assert pq.read_metadata(out).num_rows == 21
    assert sha(sample) == digest


def test_refuses_to_write_over_the_input_even_with_force(tmp_path):
    sample = tmp_path / "c.parquet"
    shutil.copy(SAMPLES / "classic.parquet", sample)
    digest = sha(sample)
    result = run("fix", sample, "-o", sample, "--force", "--no-config")
    assert result.exit_code == 2 and "is an input" in result.stderr
    assert sha(sample) == digest


def test_plan_option_and_default(tmp_path):
    out = tmp_path / "train.fixed.parquet"
    assert run("fix", SAMPLES / "classic.parquet", "-o", out, "--no-config").exit_code == 0
    assert (tmp_path / "train.fixed.plan.json").exists()
    custom = tmp_path / "plans" / "mine.json"
    result = run(
        "fix",
        SAMPLES / "classic.parquet",
        "-o",
        tmp_path / "b.parquet",
        "--plan",
        custom,
        "--no-config",
    )
    assert result.exit_code == 0 and json.loads(custom.read_text())["labelcheck_plan"] == 1


def test_bad_output_suffix_and_bad_plan_exit_2(tmp_path):
    result = run("fix", SAMPLES / "classic.parquet", "-o", tmp_path / "out.xlsx", "--no-config")
    assert result.exit_code == 2 and "cannot tell the output format" in result.stderr
    (tmp_path / "p.json").write_text("[1, 2]")
    result = run(
        "apply", tmp_path / "p.json", SAMPLES / "classic.parquet", "-o", tmp_path / "o.parquet"
    )
    assert result.exit_code == 2 and "not a labelcheck plan" in result.stderr


# ----------------------------------------------------------- formats
@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".feather", ".jsonl", ".npz", ".csv.gz"])
def test_each_output_format_reads_back_fixed(suffix, tmp_path):
    out = tmp_path / f"out{suffix}"
    result = run("fix", SAMPLES / "pixels.parquet", "-o", out, "--no-config")
    assert result.exit_code == 0, result.output
    after = scan_json(out, "--label", "label" if suffix != ".npz" else "y")
    assert after["rows"] == 300 and after["summary"]["error"] == 0
    assert after["summary"]["warning"] == 0  # normalized: no LC103 any more


def test_formats_follow_the_input(tmp_path):
    table = pq.read_table(SAMPLES / "classic.parquet")
    pcsv.write_csv(table, tmp_path / "c.csv")
    feather.write_feather(table, tmp_path / "c.feather")
    for name in ("c.csv", "c.feather"):
        out = tmp_path / f"fixed_{name}"
        plan = tmp_path / f"{name}.plan.json"  # the default, fixed_c.plan.json, would clash
        assert run("fix", tmp_path / name, "-o", out, "--plan", plan, "--no-config").exit_code == 0
        assert scan_json(out)["rows"] == 20
    assert os.path.getsize(tmp_path / "fixed_c.csv") > 0
    assert pa.ipc.open_file(tmp_path / "fixed_c.feather").read_all().num_rows == 20
