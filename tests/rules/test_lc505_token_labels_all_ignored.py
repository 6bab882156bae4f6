"""LC505 token-labels-all-ignored: rows whose labels are all the ignore index."""

from lc_helpers import codes, one, scan


def test_all_ignored_rows_are_named(write):
    ids = [[1, 2, 3]] * 12
    labels = [[-100, 2, 3]] * 12
    labels[4] = labels[9] = [-100, -100, -100]
    report = scan(write({"input_ids": ids, "labels": labels}))
    finding = one(report, "LC505")
    assert finding.rows == 2 and finding.row_numbers == (4, 9)
    assert report.stats.plan.label is None  # a list `labels` is never the class label
    # Another ignore index: then -100 is a label like any other.
    custom = scan(write({"input_ids": ids, "labels": labels}, name="b"), ignore_index=-1)
    assert "LC505" not in codes(custom)


def test_near_miss_one_trained_token(write):
    labels = [[-100, -100, 5]] * 12
    data = {"input_ids": [[1, 2, 3]] * 12, "labels": labels}
    assert "LC505" not in codes(scan(write(data)))
