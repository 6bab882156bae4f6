"""Image findings name their files: every one in JSON, each row's file in --rows-out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from PIL import Image
from typer.testing import CliRunner

from labelcheck.cli import app


def _image(path: Path, seed: int, size: int = 8) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)


def test_json_lists_every_unreadable_file_beyond_the_text(tmp_path):
    root = tmp_path / "pets"
    for i in range(6):
        _image(root / "cat" / f"ok{i}.png", i)
    broken = []
    for i in range(15):
        p = root / ("dog" if i % 2 else "cat") / f"bad{i:02d}.jpg"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"" if i % 3 else b"not a jpeg at all")
        broken.append(p.relative_to(root).as_posix())
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["scan", str(root), "--format", "json", "-o", str(out)])
    assert result.exit_code == 1, result.output
    (lc401,) = [f for f in json.loads(out.read_text())["findings"] if f["code"] == "LC401"]
    assert lc401["rows"] == 15
    assert sorted(lc401["files"]) == sorted(broken)
    # the text stays short: fewer files named than counted
    text = CliRunner().invoke(app, ["scan", str(root)]).output
    assert sum(name in text for name in broken) < 15


def test_rows_out_names_the_files_of_a_duplicate_picture(tmp_path):
    root = tmp_path / "pets"
    _image(root / "cat" / "a.png", 1)
    _image(root / "cat" / "a_copy.png", 1)  # the same picture twice in one class
    _image(root / "cat" / "b.png", 2)
    _image(root / "dog" / "c.png", 3)
    rows = tmp_path / "rows.parquet"
    result = CliRunner().invoke(app, ["scan", str(root), "--rows-out", str(rows)])
    assert result.exit_code in (0, 1), result.output
    table = pq.read_table(rows).to_pylist()
    dup = [r for r in table if r["code"] == "LC301"]
    assert sorted(r["file"] for r in dup) == ["cat/a.png", "cat/a_copy.png"]


def test_rows_out_lists_every_file_an_image_finding_counts(tmp_path):
    root = tmp_path / "pets"
    for i in range(4):
        _image(root / "cat" / f"ok{i}.png", i)
    broken = []
    for i in range(12):
        p = root / "cat" / f"bad{i:02d}.png"
        p.write_bytes(b"")
        broken.append(p.relative_to(root).as_posix())
    rows = tmp_path / "rows.csv"
    result = CliRunner().invoke(app, ["scan", str(root), "--rows-out", str(rows)])
    assert result.exit_code == 1, result.output
    import pyarrow.csv as pc

    table = pc.read_csv(rows).to_pylist()
    assert sorted(r["file"] for r in table if r["code"] == "LC401") == sorted(broken)


def _scan_json(root: Path, out: Path) -> list[dict]:
    result = CliRunner().invoke(app, ["scan", str(root), "--format", "json", "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    return json.loads(out.read_text())["findings"]


def test_lc402_lists_every_image_not_in_the_majority_layout(tmp_path):
    root = tmp_path / "pets"
    for i in range(30):
        _image(root / "cat" / f"rgb{i:02d}.png", i)
    grey = []
    for i in range(12):
        p = root / "cat" / f"grey{i:02d}.png"
        Image.fromarray(np.full((8, 8), 10 * i + 5, dtype=np.uint8), "L").save(p)
        grey.append(p.relative_to(root).as_posix())
    (lc402,) = [f for f in _scan_json(root, tmp_path / "r.json") if f["code"] == "LC402"]
    assert lc402["rows"] == 12
    assert sorted(lc402["files"]) == sorted(grey)


def test_lc403_lists_every_tiny_image(tmp_path, monkeypatch):
    # Fewer kept candidates than tiny images: the list must not depend on them.
    monkeypatch.setattr("labelcheck.stats.image.ODD_K", 3)
    root = tmp_path / "pets"
    for i in range(40):
        _image(root / "cat" / f"big{i:02d}.png", i, size=64)
    tiny = []
    for i in range(8):
        p = root / "cat" / f"tiny{i}.png"
        _image(p, 100 + i, size=4)
        tiny.append(p.relative_to(root).as_posix())
    (lc403,) = [f for f in _scan_json(root, tmp_path / "r.json") if f["code"] == "LC403"]
    assert lc403["rows"] == 8
    assert sorted(lc403["files"]) == sorted(tiny)


def test_lc406_lists_every_mask_holding_255(tmp_path):
    root = tmp_path / "seg"
    white = []
    for i in range(40):
        _image(root / "images" / f"{i:02d}.png", i)
        values = np.zeros((8, 8), dtype=np.uint8)
        values[: 1 + i % 4, :2] = 1
        if i % 40 < 15:
            values[7, 7] = 255  # an ignore-style value among class ids 0 and 1
        p = root / "masks" / f"{i:02d}.png"
        p.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(values, "L").save(p)
        if i < 15:
            white.append(p.relative_to(root).as_posix())
    found = _scan_json(root, tmp_path / "r.json")
    (lc406,) = [f for f in found if f["code"] == "LC406"]
    assert lc406["rows"] == 15
    assert lc406["values"] == [255]
    assert sorted(lc406["files"]) == sorted(white)


def test_lc403_past_the_cap_names_the_candidates_and_counts_the_rest(tmp_path, monkeypatch):
    # More images than NAMED_CAP: sizes are not kept per image, the kept candidates are named.
    monkeypatch.setattr("labelcheck.stats.image.NAMED_CAP", 20)
    monkeypatch.setattr("labelcheck.stats.image.ODD_K", 3)
    root = tmp_path / "pets"
    for i in range(40):
        _image(root / "cat" / f"big{i:02d}.png", i, size=64)
    tiny = [f"cat/tiny{i}.png" for i in range(8)]
    for i, name in enumerate(tiny):
        _image(root / name, 100 + i, size=4)
    (lc403,) = [f for f in _scan_json(root, tmp_path / "r.json") if f["code"] == "LC403"]
    assert lc403["rows"] == 8
    assert 3 <= len(lc403["files"]) < 8
    assert set(lc403["files"]) <= set(tiny)
    assert f"and {8 - 3:,} more" in lc403["message"]
