"""LC406 mask-out-of-range: mask values that are not class ids 0..K-1, on real mask files."""

import numpy as np
from lc_helpers import codes, one
from PIL import Image

import labelcheck


def _pairs(root, masks):
    """images/i.jpg and masks/i.png for each mask array given."""
    rng = np.random.default_rng(0)
    for i, mask in enumerate(masks):
        (root / "images").mkdir(parents=True, exist_ok=True)
        (root / "masks").mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(
            root / "images" / f"{i}.jpg"
        )
        Image.fromarray(np.asarray(mask, np.uint8)).save(root / "masks" / f"{i}.png")
    return root


def _binary(rng, high):
    return (rng.random((8, 8)) > 0.5).astype(np.uint8) * high


def test_a_0_255_binary_mask_and_values_past_n_classes(tmp_path):
    rng = np.random.default_rng(1)
    masks = [_binary(rng, 255) for _ in range(5)] + [np.zeros((8, 8))]
    masks[1][0, 0], masks[1][0, 1] = 0, 255  # both values for sure
    root = _pairs(tmp_path / "seg", masks)
    holding = sum(1 for m in masks if (np.asarray(m) == 255).any())  # brute force
    finding = one(labelcheck.scan(root), "LC406")
    assert finding.rows == holding and finding.values == (255,)
    assert "0/255 binary mask" in finding.message and "masks/1.png" in finding.message
    # With --n-classes, values past it; an ignore index is not one of them.
    many = [np.full((8, 8), v) for v in (0, 1, 2, 3, 255)]
    root = _pairs(tmp_path / "multi", many)
    finding = one(labelcheck.scan(root, n_classes=3), "LC406")
    assert finding.values == (3, 255) and finding.rows == 2
    finding = one(labelcheck.scan(root, n_classes=3, ignore_index=255), "LC406")
    assert finding.values == (3,) and finding.rows == 1


def test_near_miss_ids_0_and_1_or_ignored_255(tmp_path):
    rng = np.random.default_rng(2)
    masks = [_binary(rng, 1) for _ in range(4)]
    masks[0][0, 0], masks[0][0, 1] = 0, 1
    assert "LC406" not in codes(labelcheck.scan(_pairs(tmp_path / "a", masks)))
    with_void = [np.where(m == 1, 255, m) for m in masks[:2]] + masks[2:]
    with_void[0][3, 3] = 1
    report = labelcheck.scan(_pairs(tmp_path / "b", with_void), n_classes=2, ignore_index=255)
    assert "LC406" not in codes(report)
