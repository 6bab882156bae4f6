"""LC508 sequence-nested: lists of lists where token lists are expected (never a crash)."""

from lc_helpers import codes, scan, scan_cli


def test_a_batch_of_batches_is_reported_not_a_crash(write):
    ids = [[[1, 2], [3]], [[4, 5, 6]], [[7]]]
    path = write({"input_ids": ids, "attention_mask": [[[1, 1], [1]], [[1, 1, 1]], [[1]]]})
    found = scan(path).by_code("LC508")  # one finding per nested column
    assert {f.column for f in found} == {"input_ids", "attention_mask"}
    assert all(f.rows == 3 and f.row_numbers == (0, 1, 2) for f in found)
    code, report = scan_cli(path)  # the CLI too: a finding, exit 1, no traceback
    assert code == 1 and report["findings"]


def test_near_miss_flat_lists(write):
    assert "LC508" not in codes(scan(write({"input_ids": [[1, 2], [3]] * 6})))
