"""LC103 feature-scale: features far from unit scale, such as raw pixels."""

import numpy as np
from lc_helpers import SAMPLE_DATA, codes, one

import labelcheck


def test_raw_pixels_0_to_255(write, rng):
    pixels = rng.integers(0, 256, (400, 4)).astype(np.uint8)
    pixels[0] = [0, 255, 0, 255]
    data = {f"px{i}": pixels[:, i] for i in range(4)}
    data["label"] = rng.integers(0, 10, 400)
    report = labelcheck.scan(write(data))
    found = report.by_code("LC103")
    assert sorted(f.column for f in found) == ["px0", "px1", "px2", "px3"]
    px1 = next(f for f in found if f.column == "px1")
    assert px1.severity == "warning"
    assert px1.values == (0, 255)
    assert px1.rows is None  # the whole column needs scaling
    assert px1.fix == "normalize"
    assert "0 to 255" in px1.message


def test_the_pixels_sample(tmp_path):
    report = labelcheck.scan(SAMPLE_DATA / "pixels.parquet")
    assert len(report.by_code("LC103")) == 16


def test_near_miss_unit_scale_and_exactly_the_threshold(write, rng):
    x = rng.uniform(-10.0, 10.0, 300)
    x[0] = -10.0  # max |x| == 10 is not > 10
    data = {"x": x, "z": rng.standard_normal(300), "y": rng.integers(0, 2, 300)}
    assert "LC103" not in codes(labelcheck.scan(write(data)))


def test_threshold_is_configurable(write, rng):
    data = {"x": rng.uniform(0, 5, 300), "y": rng.integers(0, 2, 300)}
    report = labelcheck.scan(write(data), thresholds={"scale_max_abs": 2})
    assert one(report, "LC103").column == "x"
