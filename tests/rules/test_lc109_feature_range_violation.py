"""LC109 feature-range-violation: values outside the min/max a schema declares."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def _schema(**columns):
    return {"version": 1, "label": "y", "columns": columns}


def test_pixels_past_255_counted_exactly(write, rng):
    px = rng.integers(0, 256, 5000).astype(float)
    px[[3, 99, 1234]] = [300.0, 65535.0, 300.0]
    data = {"px": px, "y": rng.integers(0, 3, 5000)}
    report = labelcheck.scan(write(data), schema=_schema(px={"min": 0, "max": 255}))
    finding = one(report, "LC109")
    assert finding.column == "px"
    assert finding.severity == "error"
    assert finding.rows == 3
    assert finding.values == (65535, 300)
    assert finding.message.startswith("3 rows above the schema's max 255 (65535, 300);")
    assert "allows [0, 255]" in finding.message


def test_below_and_above_in_one_finding(write, rng):
    x = rng.uniform(0, 1, 1000)
    x[0], x[1] = -999.0, 7.0
    report = labelcheck.scan(
        write({"x": x, "y": rng.integers(0, 2, 1000)}), schema=_schema(x={"min": 0, "max": 1})
    )
    finding = one(report, "LC109")
    assert finding.rows == 2
    assert set(finding.values) == {-999, 7}
    assert "1 row below the schema's min 0 (-999)" in finding.message
    assert "1 row above the schema's max 1 (7)" in finding.message


def test_more_violations_than_kept_extremes_say_at_least(write, rng):
    # A unit change: every value is now 1000x larger; the stats keep 16 extremes.
    x = rng.uniform(0, 1000, 10_000)
    report = labelcheck.scan(
        write({"x": x, "y": rng.integers(0, 2, 10_000)}), schema=_schema(x={"max": 1})
    )
    finding = one(report, "LC109")
    assert finding.rows is None  # not exact
    assert finding.message.startswith("at least 16 rows above the schema's max 1")
    assert "allows [-inf, 1]" in finding.message


def test_flag_cli_exit_code_and_explain(tmp_path, write, rng):
    from typer.testing import CliRunner

    from labelcheck.cli import app

    x = np.r_[rng.uniform(0, 1, 50), 5.0]
    path = write({"x": x, "y": np.arange(51) % 3})
    schema = tmp_path / "s.yaml"
    schema.write_text("version: 1\ncolumns:\n  x: {min: 0, max: 1}\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["scan", str(path), "--schema", str(schema), "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    assert '"code": "LC109"' in result.output
    explained = CliRunner().invoke(app, ["explain", "LC109"])
    assert explained.exit_code == 0
    assert "## Why is this bad?" in explained.output


def test_near_miss_values_on_the_bounds_and_no_schema(write, rng):
    px = rng.integers(0, 256, 2000).astype(float)
    px[0], px[1] = 0.0, 255.0  # exactly on the bounds: allowed
    data = {"px": px, "other": rng.normal(0, 1e6, 2000), "y": rng.integers(0, 3, 2000)}
    path = write(data)
    assert "LC109" not in codes(labelcheck.scan(path, schema=_schema(px={"min": 0, "max": 255})))
    # Without a declared range, any value is fine for this rule.
    assert "LC109" not in codes(labelcheck.scan(path))
    # NaN/Inf are LC101/LC102's business, not a range violation.
    x = np.r_[rng.uniform(0, 1, 100), np.nan, np.inf]
    report = labelcheck.scan(
        write({"x": x, "y": np.arange(102) % 2}, name="nonfinite"),
        schema=_schema(x={"min": 0, "max": 1}),
    )
    assert "LC109" not in codes(report)
    assert {"LC101", "LC102"} <= codes(report)
