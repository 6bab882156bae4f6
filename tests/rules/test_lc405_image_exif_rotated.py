"""LC405 image-exif-rotated: an EXIF orientation the loaders ignore."""

from lc_helpers import codes, one, write_image

import labelcheck


def _with_orientation(path, value):
    from PIL import Image

    image = Image.open(write_image(path, format="JPEG"))
    exif = image.getexif()
    exif[0x0112] = value
    image.save(path, exif=exif)


def test_a_photo_turned_by_its_exif_tag_is_named(tmp_path):
    root = tmp_path / "data"
    for i in range(3):
        write_image(root / "cat" / f"{i}.jpg", format="JPEG")
    _with_orientation(root / "cat" / "IMG_0042.jpg", 6)
    finding = one(labelcheck.scan(root), "LC405")
    assert finding.rows == 1
    assert finding.values == ("cat/IMG_0042.jpg",)
    assert "orientation 6" in finding.message


def test_near_miss_orientation_1_is_upright(tmp_path):
    root = tmp_path / "data"
    for i in range(3):
        write_image(root / "cat" / f"{i}.jpg", format="JPEG")
    _with_orientation(root / "cat" / "upright.jpg", 1)
    assert "LC405" not in codes(labelcheck.scan(root))
