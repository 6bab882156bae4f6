"""LC001 empty-dataset: zero rows, whatever the format."""

import pyarrow as pa
from lc_helpers import codes, one

import labelcheck


def test_fires_on_a_parquet_file_with_columns_but_no_rows(write):
    empty = pa.table({"x0": pa.array([], pa.float64()), "y": pa.array([], pa.int64())})
    report = labelcheck.scan(write(empty))
    finding = one(report, "LC001")
    assert finding.severity == "error"
    assert finding.column is None
    assert finding.rows == 0
    assert finding.values == ()
    assert report.rows == 0
    assert not report.ok


def test_fires_on_a_csv_with_only_a_header(tmp_path):
    path = tmp_path / "header_only.csv"
    path.write_text("x0,x1,y\n")
    report = labelcheck.scan(path)
    assert one(report, "LC001").rows == 0


def test_near_miss_a_single_row_is_not_empty(write):
    report = labelcheck.scan(write({"x0": [0.5], "y": [1]}))
    assert report.rows == 1
    assert "LC001" not in codes(report)
