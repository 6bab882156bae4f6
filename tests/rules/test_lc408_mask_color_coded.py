"""LC408 mask-color-coded: RGB colour masks where the loss needs class ids."""

import numpy as np
from lc_helpers import codes, one
from PIL import Image

import labelcheck


def _write(root, masks):
    rng = np.random.default_rng(4)
    for i, mask in enumerate(masks):
        for folder in ("JPEGImages", "SegmentationClass"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)).save(
            root / "JPEGImages" / f"{i}.jpg"
        )
        Image.fromarray(mask.astype(np.uint8)).save(root / "SegmentationClass" / f"{i}.png")
    return root


def test_voc_style_colour_masks_are_named(tmp_path):
    colours = np.array([[0, 0, 0], [128, 0, 0], [0, 128, 0]])  # VOC's first colours
    masks = [colours[np.random.default_rng(i).integers(0, 3, (6, 6))] for i in range(4)]
    finding = one(labelcheck.scan(_write(tmp_path / "voc", masks)), "LC408")
    assert finding.rows == 4
    assert "(3 colours)" in finding.message
    assert finding.values[0] == "SegmentationClass/0.png"


def test_near_miss_grey_rgb_masks_are_ids(tmp_path):
    ids = [np.random.default_rng(i).integers(0, 3, (6, 6)) for i in range(4)]
    grey = [np.stack([m, m, m], axis=-1) for m in ids]  # R = G = B: ids in RGB files
    report = labelcheck.scan(_write(tmp_path / "grey", grey))
    assert "LC408" not in codes(report)
    assert set(report.stats.columns["mask"].pixels) == {0, 1, 2}
