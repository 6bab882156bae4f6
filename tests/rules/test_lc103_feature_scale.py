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


def test_image_files_get_one_info_on_what_loaders_yield_and_16_bit_a_warning(tmp_path):
    from lc_helpers import write_image
    from PIL import Image

    root = tmp_path / "data"
    for i in range(3):
        write_image(root / "cat" / f"{i}.png")
    found = labelcheck.scan(root).by_code("LC103")
    assert [(f.severity, f.column) for f in found] == [("info", "image")]
    assert "Rescaling(1/255)" in found[0].message and "R, G, B" in found[0].message
    deep = np.full((4, 4), 40_000, dtype=np.uint16)
    Image.fromarray(deep).save(root / "cat" / "deep.png")
    found = labelcheck.scan(root).by_code("LC103")
    assert [f.severity for f in found] == ["warning", "info"]
    assert "values up to 40000" in found[0].message and "1 image" in found[0].message
