"""LC404 image-blank: all-black, all-white and placeholder images."""

import numpy as np
from lc_helpers import codes, one, write_image

import labelcheck


def test_black_and_white_frames_are_named(tmp_path):
    root = tmp_path / "data"
    for i in range(4):
        write_image(root / "cat" / f"{i}.png")
    write_image(root / "cat" / "black.png", np.zeros((16, 16, 3)))
    write_image(root / "cat" / "white.png", np.full((16, 16), 255), mode="L")
    write_image(root / "cat" / "grey.png", np.full((16, 16, 3), [128, 128, 128]))
    finding = one(labelcheck.scan(root), "LC404")
    assert finding.rows == 3
    assert set(finding.values) == {"cat/black.png", "cat/white.png", "cat/grey.png"}
    assert "cat/black.png (value 0, 0, 0)" in finding.message


def test_near_miss_one_pixel_differs_or_a_flat_colour_with_one_channel_varying(tmp_path):
    root = tmp_path / "data"
    almost = np.zeros((16, 16, 3))
    almost[3, 4, 1] = 1
    write_image(root / "cat" / "almost.png", almost)
    ramp = np.zeros((16, 16, 3))
    ramp[..., 2] = np.arange(16)
    write_image(root / "cat" / "ramp.png", ramp)
    assert "LC404" not in codes(labelcheck.scan(root))
