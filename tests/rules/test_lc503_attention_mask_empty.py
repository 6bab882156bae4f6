"""LC503 attention-mask-empty: rows whose attention mask is all 0."""

from lc_helpers import codes, one, scan


def test_all_zero_masks_are_named_and_empty_rows_are_not(write):
    ids = [[1, 2, 3]] * 10 + [[4, 5], []]
    mask = [[1, 1, 1]] * 10 + [[0, 0], []]
    mask[3] = [0, 0, 0]
    report = scan(write({"input_ids": ids, "attention_mask": mask}, fmt="jsonl"))
    finding = one(report, "LC503")
    assert finding.column == "attention_mask"
    assert finding.rows == 2 and finding.row_numbers == (3, 10)  # row 11 is LC504's
    assert "LC504" in codes(report)


def test_near_miss_one_real_token_is_enough(write):
    ids = [[1, 2, 3]] * 10
    mask = [[0, 0, 1]] * 10
    assert "LC503" not in codes(scan(write({"input_ids": ids, "attention_mask": mask})))
