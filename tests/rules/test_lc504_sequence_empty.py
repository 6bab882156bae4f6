"""LC504 sequence-empty: zero-length (or null) token rows."""

from lc_helpers import codes, one, scan


def test_empty_and_null_rows_are_named(write):
    ids = [[1, 2]] * 6 + [[], None, [3]]
    finding = one(scan(write({"input_ids": ids})), "LC504")
    assert finding.rows == 2 and finding.row_numbers == (6, 7)


def test_near_miss_one_token_rows(write):
    assert "LC504" not in codes(scan(write({"input_ids": [[7]] * 12})))
