"""LC204 label-out-of-range: ids >= n_classes (MATLAB-style 1..K, one label too many)."""

from lc_helpers import SAMPLE_DATA, codes, one

import labelcheck


def test_labels_1_to_10_with_10_classes_is_lc204_and_lc207(tmp_path):
    report = labelcheck.scan(SAMPLE_DATA / "labels_1_to_10.feather", n_classes=10)
    finding = one(report, "LC204")
    assert finding.column == "y"
    assert finding.rows == 10  # the ten rows of class 10
    assert finding.values == (10,)
    assert finding.severity == "error"
    assert finding.fix == "reindex-labels"
    assert "n_classes=10" in finding.message and "0..9" in finding.message
    assert "LC207" in codes(report)


def test_target_3_with_3_classes(write, rng):
    # pytorch/pytorch#5916: "device-side assert triggered".
    y = rng.integers(0, 4, 2000)
    report = labelcheck.scan(write({"x": rng.random(2000), "y": y}), n_classes=3)
    finding = one(report, "LC204")
    assert finding.values == (3,)
    assert finding.rows == int((y == 3).sum())


def test_string_classes_beyond_n_classes(write, rng):
    names = [f"class_{i:02d}" for i in range(12)] * 10
    report = labelcheck.scan(write({"x": rng.random(120), "label": names}), n_classes=11)
    finding = one(report, "LC204")
    assert finding.values == ("class_11",)
    assert finding.rows == 10
    assert "12 distinct classes but n_classes=11" in finding.message


def test_near_miss_ids_0_to_k_minus_1_and_no_n_classes(write, rng):
    path = write({"x": rng.random(300), "y": rng.integers(0, 10, 300)})
    assert "LC204" not in codes(labelcheck.scan(path, n_classes=10))
    assert "LC204" not in codes(labelcheck.scan(path))  # unknown K: nothing to compare
    names = write({"x": rng.random(40), "label": ["a", "b", "c", "d"] * 10}, name="names")
    assert "LC204" not in codes(labelcheck.scan(names, n_classes=4))
