"""LC306 feature-shift: a feature preprocessed differently in one split."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def test_pixels_normalised_in_one_split_only(write, rng):
    px = rng.integers(0, 256, (1000, 3)).astype(np.float32)
    tr = write({"p0": px[:, 0], "p1": px[:, 1], "y": np.arange(1000) % 2}, name="train")
    te_px = rng.integers(0, 256, (300, 2)).astype(np.float32)
    te = write({"p0": te_px[:, 0] / 255, "p1": te_px[:, 1], "y": np.arange(300) % 2}, name="test")
    report = labelcheck.scan(te, reference=tr)
    finding = one(report, "LC306")
    assert finding.column == "p0"
    assert "spreads differ" in finding.message
    assert "means differ by" in finding.message


def test_a_unit_change_and_disjoint_ranges(write, rng):
    tr = write({"h": rng.normal(1.7, 0.1, 500), "y": np.arange(500) % 2}, name="train")
    te = write({"h": rng.normal(170, 10, 100), "y": np.arange(100) % 2}, name="test")
    finding = one(labelcheck.scan(te, reference=tr), "LC306")
    assert "ranges do not overlap" in finding.message


def test_near_miss_same_distribution_and_tiny_split(write, rng):
    tr = write({"x": rng.normal(0, 1, 2000), "y": np.arange(2000) % 2}, name="train")
    te = write({"x": rng.normal(0.1, 1.1, 500), "y": np.arange(500) % 2}, name="test")
    assert "LC306" not in codes(labelcheck.scan(te, reference=tr))
    # Three rows whose mean is 1.2 sd away: not significant with three rows.
    tiny = write({"x": np.array([1.0, 1.5, 1.1]), "y": [0, 1, 0]}, name="tiny")
    assert "LC306" not in codes(labelcheck.scan(tiny, reference=tr))


def test_an_image_array_scaled_in_one_split_only_is_named_per_channel():
    rng = np.random.default_rng(6)
    train = rng.integers(0, 256, (200, 8, 8, 3), dtype=np.uint8)
    test = rng.integers(0, 256, (50, 8, 8, 3), dtype=np.uint8).astype(np.float32) / 255
    reports = labelcheck.scan_splits({"train": train, "test": test})
    found = reports["test"].by_code("LC306")
    assert [f.message.split(" moved")[0] for f in found] == [f"image channel {c}" for c in range(3)]
    assert all(f.column == "X" for f in found)


def test_image_folders_whose_test_split_is_much_darker(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(7)
    for split, (lo, hi) in {"train": (100, 256), "test": (0, 40)}.items():
        for i in range(12):
            pixels = rng.integers(lo, hi, (8, 8), dtype=np.uint8)
            (tmp_path / split / "cat").mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(tmp_path / split / "cat" / f"{i}.png")
    found = labelcheck.scan_splits(tmp_path)["test"].by_code("LC306")
    assert len(found) == 1 and found[0].message.startswith("image channel L moved")
    assert "ranges do not overlap" in found[0].message


def test_near_miss_image_splits_from_one_distribution():
    rng = np.random.default_rng(8)
    X = rng.integers(0, 256, (300, 8, 8, 3), dtype=np.uint8)
    reports = labelcheck.scan_splits({"train": X[:200], "test": X[200:]})
    assert not reports["test"].by_code("LC306")
