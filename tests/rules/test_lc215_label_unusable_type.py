"""LC215 label-unusable-type: timestamps, structs, bytes as the label."""

import datetime

import pyarrow as pa
import pytest
from lc_helpers import codes, one
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app

N = 60
UNUSABLE = {
    "timestamp": pa.array([datetime.datetime(2024, 1, 1 + i % 28, 9, 30) for i in range(N)]),
    "date": pa.array([datetime.date(2024, 1, 1 + i % 28) for i in range(N)]),
    "struct": pa.array([{"a": i % 3} for i in range(N)]),
    "bytes": pa.array([bytes([i % 3]) for i in range(N)]),
    "list-of-strings": pa.array([["a", "b"]] * N),
}


@pytest.mark.parametrize("kind", sorted(UNUSABLE))
def test_unusable_label_is_an_error(write, rng, kind):
    path = write(pa.table({"x": rng.random(N), "y": UNUSABLE[kind]}))
    report = labelcheck.scan(path)
    finding = one(report, "LC215")
    assert finding.column == "y" and finding.severity == "error" and finding.rows == N
    assert str(report.stats.columns["y"].dtype) in finding.message
    assert "--label" in finding.message
    assert not report.ok


def test_a_timestamp_label_fails_the_cli(write, rng):
    path = write(pa.table({"x": rng.random(N), "when": UNUSABLE["timestamp"]}))
    result = CliRunner().invoke(app, ["scan", str(path), "--label", "when"])
    assert result.exit_code == 1, result.output
    assert "LC215" in result.stdout and "timestamp" in result.stdout


def test_near_miss_usable_labels(write, rng):
    usable = {
        "ints": pa.array(rng.integers(0, 3, N)),
        "floats": pa.array(rng.random(N)),
        "bools": pa.array(rng.random(N) > 0.5),
        "strings": pa.array(["cat", "dog", "bird"] * (N // 3)),
        "categories": pa.array(["lo", "hi"] * (N // 2)).dictionary_encode(),
        "one-hot": pa.array([[1.0, 0.0], [0.0, 1.0]] * (N // 2)),
        "decimals": pa.array([1, 2, 3] * (N // 3), pa.decimal128(5, 0)),
    }
    for name, labels in usable.items():
        report = labelcheck.scan(write(pa.table({"x": rng.random(N), "y": labels}), name=name))
        assert "LC215" not in codes(report), name
    # A timestamp *feature* is LC107's (not numeric), not a label problem.
    table = pa.table({"t": UNUSABLE["timestamp"], "y": rng.integers(0, 3, N)})
    assert "LC215" not in codes(labelcheck.scan(write(table, name="feature")))
    # An all-null label of no type is LC201's alone.
    nulls = labelcheck.scan(pa.table({"x": rng.random(N), "y": pa.nulls(N)}))
    assert "LC215" not in codes(nulls) and "LC201" in codes(nulls)
