"""LC402 image-mixed-channels: a grayscale image among RGB ones."""

import numpy as np
from lc_helpers import cli_codes, codes, one, scan_cli, write_image

import labelcheck


def test_a_grayscale_image_among_rgb_is_named(tmp_path):
    root = tmp_path / "data"
    for i in range(5):
        write_image(root / "cat" / f"{i}.png")
        write_image(root / "dog" / f"{i}.png")
    write_image(root / "dog" / "gray.png", mode="L")
    write_image(root / "cat" / "alpha.png", mode="RGBA")
    finding = one(labelcheck.scan(root), "LC402")
    assert finding.rows == 2
    assert set(finding.values) == {"L", "RGBA"}
    assert "dog/gray.png" in finding.message and "cat/alpha.png" in finding.message
    # Class folders: the usual loaders convert to RGB, so a warning that says so.
    assert finding.severity == "warning"
    assert "convert" in finding.message
    _, data = scan_cli(root)
    assert cli_codes(data).count("LC402") == 1


def test_in_a_flat_folder_read_as_a_table_it_is_an_error(tmp_path):
    root = tmp_path / "flat"
    for i in range(4):
        write_image(root / f"{i}.png", np.full((8, 8, 3), i * 40))
    write_image(root / "g.png", np.full((8, 8), 7), mode="L")
    report = labelcheck.scan(root, layout="flat")
    assert one(report, "LC402").severity == "error"


def test_near_miss_all_rgb_whatever_the_format(tmp_path):
    root = tmp_path / "data"
    for i in range(3):
        write_image(root / "cat" / f"{i}.png")
        write_image(root / "dog" / f"{i}.jpg", format="JPEG")
        write_image(root / "dog" / f"{i}.bmp")
    assert "LC402" not in codes(labelcheck.scan(root))
