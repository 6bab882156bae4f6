"""LC409 mask-mismatch: masks with no image, images with no mask where masks are expected."""

import numpy as np
from lc_helpers import cli_codes, codes, one, scan_cli
from PIL import Image

import labelcheck


def _write(root, images, masks):
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir(parents=True)
    for stem in images:
        Image.new("RGB", (4, 4), (1, 2, 3)).save(root / "images" / f"{stem}.jpg")
    for name in masks:
        Image.fromarray(np.eye(4, dtype=np.uint8)).save(root / "masks" / name)
    return root


def test_an_orphan_mask_and_a_missing_one_among_many(tmp_path):
    stems = [f"{i:03d}" for i in range(12)]
    masks = [f"{s}_mask.png" for s in stems[:-1]] + ["999_mask.png"]  # 011 has none
    root = _write(tmp_path / "seg", stems, masks)
    found = labelcheck.scan(root).by_code("LC409")
    assert [(f.rows, f.values) for f in found] == [
        (1, ("masks/999_mask.png",)),
        (1, ("images/011.jpg",)),
    ]
    exit_code, data = scan_cli(root)
    assert exit_code == 1 and cli_codes(data).count("LC409") == 2


def test_near_miss_every_pair_complete_or_masks_not_expected(tmp_path):
    stems = [f"{i:03d}" for i in range(6)]
    complete = _write(tmp_path / "a", stems, [f"{s}.png" for s in stems])
    assert "LC409" not in codes(labelcheck.scan(complete))
    partly = _write(tmp_path / "b", stems, [f"{s}.png" for s in stems[:2]])  # 2 of 6 labelled
    report = labelcheck.scan(partly)
    assert "LC409" not in codes(report)
    assert report.stats.columns["mask"].unpaired_image_count == 4


def test_a_mask_of_another_size_than_its_image(tmp_path):
    root = _write(tmp_path / "seg", ["a", "b", "c"], ["a.png", "b.png", "c.png"])  # all 4x4
    Image.fromarray(np.eye(6, dtype=np.uint8)).save(root / "masks" / "b.png")
    finding = one(labelcheck.scan(root), "LC409")
    assert finding.rows == 1 and finding.values == ("masks/b.png",)
    assert "masks/b.png (6x6, image 4x4)" in finding.message
