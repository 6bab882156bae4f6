"""LC506 token-label-out-of-range: per-token class labels outside [0, n_classes)."""

from lc_helpers import codes, one, scan


def test_labels_outside_the_classes_are_named(write):
    ids = [[1, 2, 3]] * 12
    tags = [[0, 1, 2]] * 12
    tags[3] = [0, 12, -100]
    tags[5] = [-1, 1, 2]
    data = {"input_ids": ids, "tags": tags}
    finding = one(scan(write(data), token_labels=["tags"], n_classes=9), "LC506")
    assert finding.rows == 2 and finding.values == (-1, 12)
    assert finding.row_numbers == (3, 5)
    # `labels` with --n-classes is token classification too
    data = {"input_ids": ids, "labels": tags}
    assert "LC506" in codes(scan(write(data, name="b"), n_classes=9))


def test_near_miss_every_label_in_range_or_ignored(write):
    data = {"input_ids": [[1, 2, 3]] * 12, "labels": [[0, 8, -100]] * 12}
    assert "LC506" not in codes(scan(write(data), n_classes=9))
