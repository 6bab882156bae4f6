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
