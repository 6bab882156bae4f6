"""LC207 label-non-contiguous: ids with gaps or not starting at 0."""

import numpy as np
from lc_helpers import SAMPLE_DATA, codes, one

import labelcheck


def test_matlab_style_1_to_10():
    report = labelcheck.scan(SAMPLE_DATA / "labels_1_to_10.feather")
    finding = one(report, "LC207")
    assert finding.column == "y"
    assert finding.values == tuple(range(1, 11))
    assert finding.rows == 100  # every row's label changes when reindexed
    assert finding.severity == "warning"
    assert finding.fix == "reindex-labels"
    assert "start at 1, not 0" in finding.message


def test_mask_rcnn_ids_with_gaps(write, rng):
    # matterport/Mask_RCNN#667: ids [1, 2, 3, 4, 6, 8].
    y = np.repeat([1, 2, 3, 4, 6, 8], 50)
    finding = one(labelcheck.scan(write({"x": rng.random(300), "y": y})), "LC207")
    assert finding.values == (1, 2, 3, 4, 6, 8)
    assert finding.rows == 300
    assert "2 missing ids in between" in finding.message


def test_gaps_from_zero_count_only_the_rows_that_move(write, rng):
    y = np.repeat([0, 1, 5, 9], [40, 30, 20, 10])
    finding = one(labelcheck.scan(write({"x": rng.random(100), "y": y})), "LC207")
    assert finding.values == (0, 1, 5, 9)
    assert finding.rows == 30  # 5 -> 2 and 9 -> 3
    assert "6 missing ids in 0..9 (e.g. 2)" in finding.message


def test_near_miss_contiguous_ids_outliers_negatives_and_hinge(write, rng):
    X = rng.random((300, 2))
    assert "LC207" not in codes(labelcheck.scan((X, np.tile([0, 1, 2], 100))))
    # The 8000 is LC205's: the rest, 0..4, is contiguous.
    classic = labelcheck.scan(SAMPLE_DATA / "classic.parquet")
    assert "LC207" not in codes(classic)
    assert "LC207" not in codes(labelcheck.scan((X, np.tile([-1, 0, 1], 100))))
    assert "LC207" not in codes(labelcheck.scan((X, np.tile([-1, 1, 1], 100)), loss="hinge"))


def test_huge_ids_are_counted_without_enumerating_the_gap(rng):
    y = np.repeat(np.array([0, 1, 2**62], dtype=np.int64), 50)
    finding = one(labelcheck.scan((rng.random((150, 2)), y)), "LC207")
    assert finding.values == (0, 1, 2**62)
    assert finding.rows == 50
    assert f"{2**62 - 2:,} missing ids" in finding.message
