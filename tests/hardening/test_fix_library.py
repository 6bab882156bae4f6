"""fix never writes an empty training set; polars LazyFrames in and out (items 15, 17)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app
from labelcheck.errors import NothingLeftError


@pytest.fixture
def all_nan(tmp_path):
    path = tmp_path / "allnan.parquet"
    table = pa.table({"x": [np.nan] * 5 + [1.0], "x2": [1.0] * 5 + [np.nan], "y": [0, 1] * 3})
    pq.write_table(table, path)
    return path


def test_fix_that_drops_every_row_writes_nothing_and_exits_1(all_nan, tmp_path):
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(app, ["fix", str(all_nan), "-o", str(out), "--no-config"])
    assert result.exit_code == 1
    assert "would drop all 6 rows (LC101 feature-nan)" in result.stderr
    assert "--allow-empty" in result.stderr and result.stderr.count("\n") == 1
    assert not out.exists() and not (tmp_path / "out.plan.json").exists()


def test_allow_empty_writes_the_empty_file_with_its_plan(all_nan, tmp_path):
    out = tmp_path / "out.parquet"
    args = ["fix", str(all_nan), "-o", str(out), "--no-config", "--allow-empty"]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert pq.read_metadata(out).num_rows == 0 and (tmp_path / "out.plan.json").exists()


def test_all_null_labels_in_the_library():
    table = pa.table({"x": [1.0, 2.0, 3.0], "y": pa.array([None, None, None], pa.int64())})
    with pytest.raises(NothingLeftError, match="LC201"):
        labelcheck.fix(table, label="y")
    fixed, plan = labelcheck.fix(table, label="y", allow_empty=True)
    assert fixed.num_rows == 0 and plan.rows_out == 0


def test_polars_lazyframe_in_lazyframe_out():
    import polars as pl  # in the test extra

    lazy = pl.LazyFrame({"px": [0.0, 255.0, 128.0, 64.0], "label": [-1, 0, 1, 0]})
    fixed, plan = labelcheck.fix(lazy)
    assert isinstance(fixed, pl.LazyFrame)
    assert fixed.collect()["label"].to_list() == [0, 1, 2, 1]
    again = plan.transform(lazy)
    assert isinstance(again, pl.LazyFrame)
    assert again.collect().equals(fixed.collect())
