"""`labelcheck infer` and `labelcheck scan --schema`, run as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from labelcheck.cli import app
from labelcheck.io.readers import FORMATS
from labelcheck.schema import load_schema, validate

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"


def _invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def _infer(path: Path, tmp_path: Path, *extra: str) -> Path:
    result = _invoke("infer", path, *extra)
    assert result.exit_code == 0, result.output
    out = tmp_path / "s.yaml"
    out.write_text(result.stdout, encoding="utf-8")
    return out


def test_infer_then_scan_the_same_file_exits_0(tmp_path):
    schema = _infer(SAMPLES / "clean.parquet", tmp_path)
    data = yaml.safe_load(schema.read_text(encoding="utf-8"))
    validate(data, "inferred")  # the JSON Schema accepts it
    assert data["version"] == 1
    assert data["label"] == "target"
    assert data["task"] == "classification"
    assert data["classes"] == [0, 1, 2]
    assert data["n_classes"] == 3
    assert data["features"] == ["f0", "f1", "f2", "f3"]
    table = pq.read_table(SAMPLES / "clean.parquet")
    for name in data["features"]:
        assert data["columns"][name] == {
            "min": min(table[name].to_pylist()),
            "max": max(table[name].to_pylist()),
        }
    scanned = _invoke("scan", SAMPLES / "clean.parquet", "--schema", schema)
    assert scanned.exit_code == 0, scanned.output
    assert f"label 'target' (from schema {schema})" in scanned.output


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.iterdir() if p.suffix in FORMATS))
def test_every_sample_passes_the_schema_inferred_from_it(tmp_path, name):
    """Inferring records the data as it is: the schema rules add nothing to a plain scan
    but the class ids LC205 already flags, which the schema leaves out (issue 16)."""
    import json

    schema = _infer(SAMPLES / name, tmp_path)
    load_schema(schema)
    plain = _invoke("scan", SAMPLES / name, "--format", "json")
    with_schema = _invoke("scan", SAMPLES / name, "--schema", schema, "--format", "json")
    assert with_schema.exit_code in (0, 1), with_schema.output
    assert "LC109" not in with_schema.stdout
    outliers = {
        v for f in json.loads(plain.stdout)["findings"] if f["code"] == "LC205" for v in f["values"]
    }
    for f in json.loads(with_schema.stdout)["findings"]:
        if f["code"] in ("LC204", "LC214"):
            assert outliers and set(f["values"]) <= outliers, f["message"]
    assert with_schema.exit_code == plain.exit_code


def test_drift_is_caught_by_lc109_and_lc214(tmp_path):
    schema = _infer(SAMPLES / "clean.parquet", tmp_path)
    table = pq.read_table(SAMPLES / "clean.parquet")
    f0 = np.array(table["f0"].to_pylist())
    f0[5] = 50.0  # outside the recorded range
    target = np.array(table["target"].to_pylist())
    target[:4] = 3  # a class the schema does not know
    drifted = tmp_path / "drifted.parquet"
    pq.write_table(
        table.set_column(0, "f0", pa.array(f0)).set_column(4, "target", pa.array(target)), drifted
    )
    result = _invoke("scan", drifted, "--schema", schema, "--format", "github")
    assert result.exit_code == 1, result.output
    assert "title=LC109 feature-range-violation::column 'f0': 1 row above" in result.stdout
    assert "title=LC214 label-unknown-class::column 'target': 4 rows with 1 class" in result.stdout


def test_flags_override_the_schema(tmp_path):
    schema = tmp_path / "s.yaml"
    schema.write_text("version: 1\nlabel: y\nn_classes: 2\n", encoding="utf-8")
    path = SAMPLES / "classic.parquet"
    strict = _invoke("scan", path, "--schema", schema, "--format", "json")
    assert '"n_classes": 2' in strict.stdout and "LC204" in strict.stdout
    loose = _invoke("scan", path, "--schema", schema, "--n-classes", "8001", "--format", "json")
    assert '"n_classes": 8001' in loose.stdout and "LC204" not in loose.stdout


def test_misspelt_key_exits_2_naming_the_key(tmp_path):
    schema = tmp_path / "s.yaml"
    schema.write_text("version: 1\nn_clases: 3\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "labelcheck",
            "scan",
            str(SAMPLES / "clean.parquet"),
            "--schema",
            str(schema),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"labelcheck: error: {schema}: unknown key 'n_clases' (did you mean 'n_classes'?)\n"
    )


def test_missing_schema_file_exits_2(tmp_path):
    result = _invoke("scan", SAMPLES / "clean.parquet", "--schema", tmp_path / "none.yaml")
    assert result.exit_code == 2
    assert "none.yaml: schema file not found; check the path" in result.output


def test_infer_label_option_and_output_file(tmp_path):
    out = tmp_path / "schema.yaml"
    result = _invoke("infer", SAMPLES / "classic.parquet", "--label", "x0", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    data = load_schema(out).data
    assert data["label"] == "x0"
    assert data["task"] == "regression"  # fractional values
    assert "classes" not in data
    assert data["features"] == ["x1", "x2", "x3", "x4", "y"]


def test_infer_string_labels_records_names(tmp_path):
    data = load_schema(_infer(SAMPLES / "string_labels.jsonl", tmp_path)).data
    assert data["classes"] == ["bird", "cat", "dog"]
    assert data["n_classes"] == 3


def test_infer_on_a_bad_path_exits_2():
    result = _invoke("infer", "does-not-exist.parquet")
    assert result.exit_code == 2
    assert "does-not-exist.parquet: no such file or directory" in result.output
