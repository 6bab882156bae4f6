"""LC107 feature-non-numeric: strings, timestamps and numbers stored as text."""

import datetime as dt

import pyarrow as pa
from lc_helpers import codes, one

import labelcheck


def test_prices_stored_as_strings_in_jsonl(write, rng):
    prices = ["12.5", "13.0", "twelve", "1e3", " 7 ", "-0.25"] * 50
    path = write({"price": prices, "y": rng.integers(0, 2, 300).tolist()}, fmt="jsonl")
    finding = one(labelcheck.scan(path), "LC107")
    assert finding.column == "price"
    assert finding.fix == "cast"
    assert finding.rows == 300
    assert finding.values == ("12.5", "13.0", "twelve")
    assert "250 of 300 values parse as numbers" in finding.message
    assert "the other 50 become NaN" in finding.message


def test_free_text_and_timestamps_are_reported_without_a_cast(write):
    table = pa.table(
        {
            "city": ["Paris", "Lyon", "12", "Nice"] * 5,
            "when": pa.array([dt.datetime(2024, 1, d + 1) for d in range(20)]),
            "empty": pa.nulls(20, pa.string()),
            "y": [0, 1] * 10,
        }
    )
    report = labelcheck.scan(write(table))
    found = {f.column: f for f in report.by_code("LC107")}
    assert set(found) == {"city", "when", "empty"}
    assert found["city"].fix == "drop-column"  # 5 of 20 parse: no cast advised
    assert "not numeric" in found["city"].message
    assert "timestamp" in found["when"].message
    assert found["empty"].rows == 20 and "only nulls" in found["empty"].message


def test_near_miss_numeric_and_bool_features_and_a_string_label(write, rng):
    data = {
        "x": rng.random(50),
        "flag": rng.random(50) > 0.5,
        "label": ["cat", "dog"] * 25,
    }
    assert "LC107" not in codes(labelcheck.scan(write(data)))
