"""LC407 mask-lossy: binary masks saved as JPEG come back with values in between."""

import numpy as np
from lc_helpers import codes, one
from PIL import Image

import labelcheck


def _segmentation(root, fmt: str, n: int = 6):
    rng = np.random.default_rng(3)
    for i in range(n):
        (root / "images").mkdir(parents=True, exist_ok=True)
        (root / "masks").mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(
            root / "images" / f"{i}.png"
        )
        mask = np.zeros((32, 32), np.uint8)
        mask[8 + i : 24, 4 : 20 + i] = 1  # blocks: edges JPEG smears
        Image.fromarray(mask * 255).save(root / "masks" / f"{i}.{fmt}", quality=75)
    return root


def test_jpeg_masks_are_lossy_with_exact_counts(tmp_path):
    root = _segmentation(tmp_path / "seg", "jpg")
    report = labelcheck.scan(root)
    finding = one(report, "LC407")
    # Brute force over the decoded files: the rare values between the dominant ones.
    decoded = [np.asarray(Image.open(p)) for p in sorted((root / "masks").iterdir())]
    values, counts = np.unique(np.concatenate([d.ravel() for d in decoded]), return_counts=True)
    total = counts.sum()
    dominant = [int(v) for v, c in zip(values, counts, strict=True) if c >= 0.01 * total]
    rare = [
        int(v)
        for v, c in zip(values, counts, strict=True)
        if c < 0.01 * total and dominant[0] < v < dominant[-1]
    ]
    assert list(finding.values) == rare[:10]
    assert finding.rows == sum(1 for d in decoded if np.isin(d, rare).any())
    assert "saved as JPEG" in finding.message


def test_near_miss_the_same_masks_as_png(tmp_path):
    assert "LC407" not in codes(labelcheck.scan(_segmentation(tmp_path / "seg", "png")))
