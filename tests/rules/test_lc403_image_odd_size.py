"""LC403 image-odd-size: thumbnails and strips far from the bulk's size."""

from lc_helpers import codes, one, write_image

import labelcheck


def test_a_thumbnail_and_a_strip_are_named(tmp_path):
    from PIL import Image

    root = tmp_path / "data"
    for i in range(6):
        write_image(root / "cat" / f"{i}.png", size=64)
    Image.new("RGB", (8, 8), (1, 2, 3)).save(root / "cat" / "icon.png")  # 64 < 4096/16
    Image.new("RGB", (330, 30), (1, 2, 3)).save(root / "cat" / "strip.png")  # 11:1
    finding = one(labelcheck.scan(root), "LC403")
    assert finding.rows == 2
    assert set(finding.values) == {"cat/icon.png", "cat/strip.png"}
    assert "icon.png (8x8)" in finding.message


def test_near_miss_just_inside_the_thresholds(tmp_path):
    from PIL import Image

    root = tmp_path / "data"
    for i in range(6):
        write_image(root / "cat" / f"{i}.png", size=64)
    Image.new("RGB", (16, 16), (1, 2, 3)).save(root / "cat" / "small.png")  # 256 = 4096/16
    Image.new("RGB", (300, 30), (1, 2, 3)).save(root / "cat" / "wide.png")  # exactly 10:1
    assert "LC403" not in codes(labelcheck.scan(root))
    # A stricter threshold (configurable, like every rule's) catches the small one.
    report = labelcheck.scan(root, thresholds={"image_min_area": 0.1})
    assert one(report, "LC403").values == ("cat/small.png",)
