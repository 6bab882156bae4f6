"""`--schema` on `fix` and `apply`: schema settings are defaults there too; apply gates on drift."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from labelcheck.cli import app


def _data(path: Path, labels: list[int], scale: float = 1.0) -> Path:
    rng = np.random.default_rng(len(labels))
    pq.write_table(pa.table({"x": rng.random(len(labels)) * scale, "cls": labels}), path)
    return path


def test_fix_takes_the_label_from_the_schema_and_apply_refuses_drifted_data(tmp_path):
    schema = tmp_path / "s.yaml"
    schema.write_text(
        "version: 1\nlabel: cls\ntask: classification\nclasses: [0, 1, 2]\n"
        "columns: {x: {min: 0, max: 1}}\n",
        encoding="utf-8",
    )
    train = _data(tmp_path / "train.parquet", [i % 3 for i in range(60)])
    runner = CliRunner()
    fixed = runner.invoke(
        app,
        ["fix", str(train), "-o", str(tmp_path / "out.parquet"), "--schema", str(schema)],
    )
    assert fixed.exit_code == 0, fixed.output
    assert "'cls'" in fixed.output  # the label came from the schema (no column named label)
    plan = tmp_path / "out.plan.json"
    assert plan.exists()

    good = _data(tmp_path / "good.parquet", [i % 3 for i in range(30)])
    ok = runner.invoke(
        app,
        ["apply", str(plan), str(good), "-o", str(tmp_path / "g.parquet"), "--schema", str(schema)],
    )
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "g.parquet").exists()

    drifted = _data(tmp_path / "drifted.parquet", [i % 3 for i in range(30)], scale=1000.0)
    out = tmp_path / "d.parquet"
    refused = runner.invoke(
        app, ["apply", str(plan), str(drifted), "-o", str(out), "--schema", str(schema)]
    )
    assert refused.exit_code == 1, refused.output
    assert "LC109" in refused.output
    assert f"drifted from {schema}" in refused.output
    assert not out.exists()  # nothing written
