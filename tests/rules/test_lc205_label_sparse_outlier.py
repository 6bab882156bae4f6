"""LC205 label-sparse-outlier: one 8000 among 0..100; robust to long tails and imbalance."""

import numpy as np
import pyarrow as pa
from lc_helpers import SAMPLE_DATA, codes, one

import labelcheck


def test_one_8000_among_labels_0_to_100(write, rng):
    y = np.r_[rng.integers(0, 101, 999), 8000]
    rng.shuffle(y)
    report = labelcheck.scan(write({"x0": rng.random(1000), "y": y}))
    finding = one(report, "LC205")
    assert finding.column == "y"
    assert finding.rows == 1
    assert finding.values == (8000,)
    assert finding.severity == "error"
    assert finding.fix == "drop-rows"
    assert "0..100" in finding.message


def test_the_classic_21_row_file_parquet_and_npz():
    for path in (SAMPLE_DATA / "classic.parquet", SAMPLE_DATA / "classic.npz"):
        report = labelcheck.scan(path, label="y")
        finding = one(report, "LC205")
        assert (finding.rows, finding.values) == (1, (8000,))
        assert "0..4" in finding.message
        assert report.rows == 21


def test_one_8000_among_0_to_4_in_a_21_row_csv(write, rng):
    y = np.r_[rng.integers(0, 5, 20), 8000]
    data = {f"x{i}": rng.random(21) for i in range(5)} | {"y": y}
    finding = one(labelcheck.scan(write(data, fmt="csv")), "LC205")
    assert (finding.rows, finding.values) == (1, (8000,))


def test_255_among_0_to_3_names_ignore_index(write, rng):
    mask = rng.integers(0, 4, 5000).astype(np.uint8)
    mask[[9, 99, 999]] = 255
    path = write({"x": rng.random(5000), "label": mask})
    finding = one(labelcheck.scan(path), "LC205")
    assert (finding.rows, finding.values) == (3, (255,))
    assert "--ignore-index 255" in finding.message

    report = labelcheck.scan(path, ignore_index=255)
    assert "LC205" not in codes(report)
    assert report.stats.ignored_rows == 3
    assert report.to_dict()["ignored_rows"] == 3
    assert report.stats.label.count == 4997


def test_near_miss_a_contiguous_long_tail_0_to_999(write):
    counts = np.maximum(1, (10_000 * 0.99 ** np.arange(1000)).astype(int))  # geometric
    y = np.repeat(np.arange(1000), counts)
    report = labelcheck.scan(write({"x": np.linspace(0, 1, len(y)), "y": y}))
    assert report.task.task == "classification"
    assert "LC205" not in codes(report)
    assert "LC207" not in codes(report)


def test_near_miss_binary_label_that_is_99_5_percent_zeros(write, rng):
    y = np.zeros(20_000, dtype=np.int64)
    y[rng.choice(20_000, 100, replace=False)] = 1
    report = labelcheck.scan(write({"x": rng.random(20_000), "y": y}))
    assert "LC205" not in codes(report)
    assert "LC211" in codes(report)  # 199:1 is worth knowing, not an error


def test_near_miss_a_binary_mask_coded_0_and_255(write, rng):
    # PaddleSeg#1110: 255 is the foreground class here, not a stray id: LC207 (reindex).
    mask = np.where(rng.random(10_000) < 0.03, 255, 0).astype(np.uint8)
    report = labelcheck.scan(write({"x": rng.random(10_000), "label": pa.array(mask)}))
    assert "LC205" not in codes(report)
    lc207 = one(report, "LC207")
    assert lc207.values == (0, 255)
    assert "ignore_index" in lc207.message


def test_near_miss_regression_targets_are_not_class_ids(rng):
    y = np.r_[rng.normal(0, 1, 999), 8000.5]
    report = labelcheck.scan((rng.random((1000, 2)), y))
    assert report.task.task == "regression"
    assert "LC205" not in codes(report)
