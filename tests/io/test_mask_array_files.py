"""A .npz of images and segmentation masks through the CLI: the masks are a mask column.

``X`` (N, H, W, C) images and ``y`` (N, H, W) class ids, as ``np.savez`` writes them:
``labelcheck scan`` reads ``y`` as the masks (the labels, a class id per pixel), LC406
names the masks by row, and ``fix`` leaves them to the arrays (no file to rewrite).
"""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from labelcheck.cli import app


def _npz(tmp_path, n=60, seed=8):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 10, 10, 3), dtype=np.float32)
    y = rng.integers(0, 4, (n, 10, 10)).astype(np.uint8)
    y[[5, 41], 9, :] = 255  # an unlabelled border, with no ignore index
    np.savez(tmp_path / "seg.npz", X=X, y=y)
    return y


def test_scan_an_npz_of_images_and_masks(tmp_path):
    y = _npz(tmp_path)
    path = str(tmp_path / "seg.npz")
    result = CliRunner().invoke(app, ["scan", path, "--n-classes", "4", "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["label_reason"] == "the masks in 'y' are the labels (a class id per pixel)"
    (lc406,) = report["findings"]
    held = np.flatnonzero((y >= 4).any(axis=(1, 2)))
    assert (lc406["code"], lc406["rows"]) == ("LC406", held.size)
    assert lc406["files"] == [f"row {i}" for i in held]
    values, counts = np.unique(y, return_counts=True)
    assert report["columns"]["y"]["values"] == {
        str(v): c for v, c in zip(values.tolist(), counts.tolist(), strict=True)
    }
    ignored = CliRunner().invoke(app, ["scan", path, "--n-classes", "4", "--ignore-index", "255"])
    assert ignored.exit_code == 0, ignored.output


def test_fix_leaves_array_masks_unfixed_and_says_so(tmp_path):
    _npz(tmp_path)
    out = tmp_path / "fixed.parquet"
    result = CliRunner().invoke(
        app, ["fix", str(tmp_path / "seg.npz"), "-o", str(out), "--n-classes", "4"]
    )
    assert result.exit_code == 1, result.output
    plan = json.loads((tmp_path / "fixed.plan.json").read_text())
    assert plan["steps"] == []
    (unfixed,) = plan["unfixed"]
    assert unfixed.startswith("LC406") and "in the mask array data itself" in unfixed
