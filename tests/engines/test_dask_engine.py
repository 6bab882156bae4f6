"""The Dask engine on a real local cluster (worker processes) gives the local engine's findings."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app
from labelcheck.errors import InputError

dd = pytest.importorskip("dask.dataframe")

PARTS, ROWS = 4, 3_000


def _part(i: int) -> pa.Table:
    rng = np.random.default_rng(i)
    pixels = rng.integers(0, 256, ROWS).astype(np.float32)
    x = rng.standard_normal(ROWS)
    if i == 1:
        x[[3, 10]] = [np.nan, np.inf]
    if i == 2:
        pixels[7] = 1e9  # a sparse feature outlier
    label = rng.integers(0, 5, ROWS)
    if i == 3:
        label[[0, 1]] = 9000  # sparse outlier class ids
    return pa.table({"px": pixels, "x": x, "const": np.ones(ROWS), "label": label})


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("parts")
    for i in range(PARTS):
        pq.write_table(_part(i), root / f"part-{i}.parquet", row_group_size=1_000)
    return root


def _signature(report) -> list:
    return sorted((f.code, f.column, f.severity, f.message) for f in report.findings)


def _assert_same(dask_report, local_report) -> None:
    assert _signature(dask_report) == _signature(local_report)
    a, b = dask_report.stats, local_report.stats
    assert a.rows == b.rows == PARTS * ROWS
    for name, x in a.columns.items():
        y = b.columns[name]
        for field in ("count", "nulls", "nan", "posinf", "neginf", "n", "min", "max"):
            assert getattr(x, field) == getattr(y, field), (name, field)
        assert (x.top, x.bottom, x.distinct) == (y.top, y.bottom, y.distinct), name
        assert x.mean == pytest.approx(y.mean, rel=1e-12, abs=1e-12)
        assert x.m2 == pytest.approx(y.m2, rel=1e-9, abs=1e-9)


def test_dask_engine_matches_local_on_a_directory(dataset, cluster):
    local = labelcheck.scan(dataset)
    remote = labelcheck.scan(dataset, engine="dask", scheduler=cluster.scheduler_address)
    _assert_same(remote, local)
    assert {"LC101", "LC102", "LC105", "LC108", "LC205"} <= {f.code for f in local.findings}


def test_dask_engine_matches_local_on_a_glob_and_a_dask_dataframe(dataset, cluster):
    local = labelcheck.scan(dataset)
    glob = str(dataset / "part-*.parquet")
    _assert_same(labelcheck.scan(glob, engine="dask", scheduler=cluster.scheduler_address), local)
    ddf = dd.read_parquet(str(dataset))
    frame = labelcheck.scan(ddf, engine="dask", scheduler=cluster.scheduler_address)
    _assert_same(frame, local)
    assert frame.source == "dask.DataFrame"


def test_cli_engine_dask_with_scheduler(dataset, cluster):
    result = CliRunner().invoke(
        app,
        [
            "scan",
            str(dataset),
            "--engine",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
            "--format",
            "json",
            "--no-config",
        ],
    )
    assert result.exit_code == 1, result.output  # LC205 is an error
    assert '"LC205"' in result.output


def test_unreachable_scheduler_is_a_one_line_input_error(dataset):
    with pytest.raises(InputError, match="cannot connect to the Dask scheduler"):
        labelcheck.scan(dataset, engine="dask", scheduler="tcp://127.0.0.1:9")


def test_local_engine_refuses_a_dask_dataframe_with_a_hint(dataset):
    with pytest.raises(InputError, match="engine='dask'"):
        labelcheck.scan(dd.read_parquet(str(dataset)))
