"""Integers beyond 2**53 are handled exactly, never through float64 (hardening item 7)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app

BIG = [2**63 - 1, 2**63 - 2, 2**62, 5]  # neighbours that float64 would merge


def _write(tmp_path, name, table):
    path = tmp_path / name
    pq.write_table(table, path)
    return path


def test_fix_of_an_id_feature_near_2_63(tmp_path):
    ids = np.array(BIG * 25, dtype=np.int64)
    src = _write(tmp_path, "ids.parquet", pa.table({"id": ids, "y": np.arange(100) % 3}))
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(app, ["fix", str(src), "-o", str(out), "--no-config"])
    assert result.exit_code == 0, result.output
    assert np.isfinite(pq.read_table(out).column("id").to_numpy()).all()


def test_uint64_label_classes_are_reindexed_exactly(tmp_path):
    y = np.array([2**64 - 1, 2**64 - 2, 1, 2] * 25, dtype=np.uint64)
    table = pa.table({"x": np.arange(100) / 100, "y": y})
    fixed, plan = labelcheck.fix(table)
    assert plan.classes == [1, 2, 2**64 - 2, 2**64 - 1]  # two ids float64 cannot tell apart
    assert fixed.column("y").to_pylist() == [3, 2, 0, 1] * 25
    assert plan.decode_labels([3, 2]).tolist() == [2**64 - 1, 2**64 - 2]


def test_int64_labels_near_2_63_keep_their_identity(tmp_path):
    y = np.array(BIG * 25, dtype=np.int64)
    fixed, plan = labelcheck.fix(pa.table({"x": np.arange(100) / 100, "y": y}))
    assert plan.classes == sorted(BIG)
    assert sorted(set(fixed.column("y").to_pylist())) == [0, 1, 2, 3]


def test_infer_does_not_record_an_absurd_n_classes_and_its_schema_is_clean(tmp_path):
    y = np.array([2**63 - 1, 0, 1, 2] * 25, dtype=np.int64)
    src = _write(tmp_path, "y.parquet", pa.table({"x": np.arange(100) / 100, "y": y}))
    inferred = CliRunner().invoke(app, ["infer", str(src)])
    assert inferred.exit_code == 0, inferred.output
    schema = yaml.safe_load(inferred.stdout)
    assert "n_classes" not in schema and schema["classes"] == [0, 1, 2, 2**63 - 1]
    # Even a schema with n_classes 2**63 (written by hand) gives no 0-row LC204.
    schema["n_classes"] = 2**63
    report = labelcheck.scan(src, schema=schema)
    assert not report.by_code("LC204")
    assert all(f.rows != 0 for f in report.findings)
