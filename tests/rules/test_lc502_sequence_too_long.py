"""LC502 sequence-too-long: rows with more real tokens than --max-length."""

from lc_helpers import codes, one, scan


def test_rows_longer_than_max_length_are_named(write):
    ids = [[1] * 8] * 10 + [[2] * 13, [3] * 9]
    finding = one(scan(write({"input_ids": ids}), max_length=8), "LC502")
    assert finding.rows == 2 and finding.row_numbers == (10, 11)
    assert "--max-length 8" in finding.message and "up to 13 real tokens" in finding.message


def test_near_miss_padding_is_not_length(write):
    # 12 positions, 8 real tokens (left padding): fits in 8 positions.
    ids = [[0] * 4 + [5] * 8] * 10
    mask = [[0] * 4 + [1] * 8] * 10
    data = {"input_ids": ids, "attention_mask": mask}
    assert "LC502" not in codes(scan(write(data), max_length=8))
    assert "LC502" not in codes(scan(write({"input_ids": ids}, name="p"), max_length=8, pad_id=0))
    assert "LC502" not in codes(scan(write({"input_ids": ids}, name="q")))  # no bound
