"""LC110 feature-null-strings: numbers stored as text because of '?'-style markers."""

import pyarrow as pa
from lc_helpers import codes, one

import labelcheck


def test_uci_adult_question_marks_in_a_csv(write, rng):
    n = 400
    gain = [str(int(v)) for v in rng.integers(0, 20_000, n)]
    for i in range(0, n, 25):
        gain[i] = "?"
    gain[3], gain[7] = " N/A ", "null"
    path = write({"capital_gain": gain, "age": rng.integers(17, 90, n), "y": [0, 1] * 200}, "csv")
    report = labelcheck.scan(path)
    finding = one(report, "LC110")
    assert finding.column == "capital_gain"
    assert finding.rows == 18
    assert finding.fix == "cast"
    assert finding.values == ("?", " N/A ", "null")
    assert "18 of 400 values are markers ('?': 16, ' N/A ': 1, 'null': 1)" in finding.message
    assert "LC107" not in codes(report)  # one finding per column: the markers explain it


def test_near_miss_free_text_numbers_without_markers_and_only_markers(write, rng):
    # A real word among numbers is LC107's (it would become NaN, not a missing value).
    words = [str(i) for i in range(99)] + ["twelve"]
    report = labelcheck.scan(write({"p": words, "y": [0, 1] * 50}))
    assert "LC110" not in codes(report) and one(report, "LC107").column == "p"
    # Plain numbers stored as text: no marker, so not LC110.
    assert "LC110" not in codes(labelcheck.scan(write({"p": [str(i) for i in range(100)]})))
    # Only markers, no number: not a numeric column at all.
    only = labelcheck.scan(pa.table({"p": ["?", "-"] * 50, "x": rng.random(100)}))
    assert "LC110" not in codes(only)
