"""LC111 feature-duplicate-name: several columns share one name; the others are scanned."""

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from lc_helpers import codes, one
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app

N = 40


def _repeated(rng) -> pa.Table:
    """Two columns named 'a' (one holds NaN), a good 'b', labels 0..1."""
    return pa.Table.from_arrays(
        [
            pa.array(np.r_[rng.random(N - 1), np.nan]),
            pa.array(rng.random(N) * 1000),
            pa.array(rng.random(N)),
            pa.array(np.arange(N) % 2),
        ],
        names=["a", "a", "b", "y"],
    )


def _write(tmp_path, table: pa.Table, fmt: str):
    path = tmp_path / f"data.{fmt}"
    if fmt == "parquet":
        pq.write_table(table, path)
    elif fmt == "feather":
        feather.write_feather(table, path)
    else:
        rows = zip(*(c.to_pylist() for c in table.columns), strict=True)
        header = ",".join(table.schema.names)
        path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet", "feather"])
def test_repeated_names_are_reported_and_the_rest_scanned(tmp_path, rng, fmt):
    path = _write(tmp_path, _repeated(rng), fmt)
    before = path.read_bytes()
    report = labelcheck.scan(path)
    finding = one(report, "LC111")
    assert (finding.column, finding.severity, finding.values) == ("a", "error", (2,))
    assert "2 columns are named 'a'" in finding.message
    assert list(report.stats.columns) == ["b", "y"]  # the unique columns were scanned
    assert report.stats.columns["b"].count == N
    result = CliRunner().invoke(app, ["scan", str(path)])
    assert result.exit_code == 1 and "LC111" in result.stdout, result.output
    assert path.read_bytes() == before


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_fix_and_apply_refuse_repeated_names(tmp_path, rng, fmt):
    path = _write(tmp_path, _repeated(rng), fmt)
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(app, ["fix", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "2 columns are named 'a'" in result.stderr and "rename" in result.stderr
    assert result.stderr.count("\n") == 1 and not out.exists()
    with pytest.raises(labelcheck.InputError, match="columns are named 'a'"):
        labelcheck.fix(_repeated(rng))


def test_a_repeated_label_or_feature_named_explicitly_is_ambiguous(tmp_path, rng):
    path = _write(tmp_path, _repeated(rng), "parquet")
    with pytest.raises(labelcheck.InputError, match="label column 'a' is ambiguous: 2 columns"):
        labelcheck.scan(path, label="a")
    with pytest.raises(labelcheck.InputError, match="feature column 'a' is ambiguous"):
        labelcheck.scan(path, features=["a", "b"])


def test_a_pandas_frame_with_repeated_names_is_one_line(rng):
    import pandas as pd

    df = pd.DataFrame(rng.random((5, 3)), columns=["a", "a", "y"])
    with pytest.raises(labelcheck.InputError, match=r"column names repeat \('a'\)"):
        labelcheck.scan(df)


def test_near_miss_names_that_differ_only_in_case_or_spaces(tmp_path, rng):
    table = pa.table({"a": rng.random(N), "A": rng.random(N), "a ": rng.random(N), "y": [0] * N})
    report = labelcheck.scan(table)
    assert "LC111" not in codes(report)
    assert set(report.stats.columns) == {"a", "A", "a ", "y"}
