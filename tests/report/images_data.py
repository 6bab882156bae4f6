"""Image folders with one file per image finding, for the HTML report tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def flagged_folder(root: Path, per_class: int = 30) -> Path:
    """Two class folders of random RGB JPEGs plus one blank PNG (LC404), one grayscale PNG
    (LC402), a 300x10 banner (LC403), an EXIF-rotated JPEG (LC405), a broken JPEG (LC401)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in ("cat", "dog"):
        (root / c).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / c / f"{i:03d}.jpg")
    Image.fromarray(np.zeros((48, 48, 3), np.uint8)).save(root / "cat" / "black.png")
    Image.fromarray(rng.integers(0, 256, (48, 48), dtype=np.uint8)).save(root / "dog" / "gray.png")
    banner = rng.integers(0, 256, (10, 300, 3), dtype=np.uint8)
    Image.fromarray(banner).save(root / "dog" / "banner.png")
    (root / "cat" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    rotated = Image.fromarray(rng.integers(0, 256, (48, 40, 3), dtype=np.uint8))
    exif = rotated.getexif()
    exif[0x0112] = 6
    rotated.save(root / "cat" / "rotated.jpg", exif=exif)
    return root


def mask_folder(root: Path, n: int = 5) -> Path:
    """images/ + masks/ pairs whose masks are 0/255 (LC406): a 16x16 square of 255."""
    from PIL import Image

    rng = np.random.default_rng(1)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "masks").mkdir(exist_ok=True)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(
            root / "images" / f"{i}.png"
        )
        mask = np.zeros((32, 32), np.uint8)
        mask[8:24, 8:24] = 255
        Image.fromarray(mask).save(root / "masks" / f"{i}.png")
    return root
