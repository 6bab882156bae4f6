"""LC507 sequence-length-mismatch: a row's token columns of different lengths."""

from lc_helpers import codes, one, scan


def test_rows_whose_columns_differ_are_named_with_the_columns(write):
    ids = [[1, 2, 3]] * 10
    mask = [[1, 1, 1]] * 10
    labels = [[1, 2, 3]] * 10
    labels[2] = [1, 2]
    mask[6] = [1, 1, 1, 1]
    data = {"input_ids": ids, "attention_mask": mask, "labels": labels}
    finding = one(scan(write(data)), "LC507")
    assert finding.rows == 2 and finding.row_numbers == (2, 6)
    assert set(finding.values) == {"attention_mask", "labels"}


def test_near_miss_rows_differ_from_each_other_not_within(write):
    ids = [[1] * n for n in range(1, 11)]
    data = {"input_ids": ids, "attention_mask": [[1] * len(r) for r in ids], "labels": ids}
    assert "LC507" not in codes(scan(write(data)))
