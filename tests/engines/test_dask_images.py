"""The Dask engine on a folder of images: the same findings and image statistics as local."""

from __future__ import annotations

import numpy as np
from PIL import Image

import labelcheck
from labelcheck.io import images


def test_dask_engine_matches_local_on_an_image_folder(tmp_path, cluster, monkeypatch):
    monkeypatch.setattr(images, "UNIT_IMAGES", 7)  # several units: partial stats merged
    root = tmp_path / "pets"
    rng = np.random.default_rng(0)
    for c in ("cat", "dog"):
        for i in range(12):
            (root / c).mkdir(parents=True, exist_ok=True)
            pixels = rng.integers(0, 256, (10, 10, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / c / f"{i}.png")
    Image.new("L", (10, 10), 0).save(root / "cat" / "black.png")
    (root / "dog" / "0.png").write_bytes(b"")
    (root / "eel").mkdir()
    local = labelcheck.scan(root)
    remote = labelcheck.scan(root, engine="dask", scheduler=cluster.scheduler_address)

    def signature(report):
        return sorted((f.code, f.column, f.rows, f.message) for f in report.findings)

    assert signature(remote) == signature(local)
    assert {"LC401", "LC402", "LC404", "LC410"} <= {f.code for f in local.findings}
    a, b = remote.stats.columns["image"], local.stats.columns["image"]
    assert a.to_dict() == b.to_dict()
