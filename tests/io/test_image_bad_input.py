"""Bad image input (issue 17 item 8): one line and exit 2, or a finding; nothing written
into the input, no Python warning on stderr. Real files in tmp_path, the real CLI."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "labelcheck", *args], capture_output=True, text=True, check=False
    )


def _tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden ones too) with its sha256."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _png(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)


def _one_line_exit_2(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("labelcheck: error:"), proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_metadata_without_file_name_writes_nothing(tmp_path, kind):
    root = tmp_path / "hf"
    _png(root / "a.png", 0)
    _png(root / "b.png", 1)
    if kind == "csv":
        (root / "metadata.csv").write_text("name,label\na.png,0\nb.png,1\n")
    else:
        rows = [{"name": "a.png", "label": 0}, {"name": "b.png", "label": 1}]
        (root / "metadata.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    before = _tree(root)
    report, fixed = tmp_path / "report.json", tmp_path / "fixed"
    _one_line_exit_2(_run("scan", str(root), "--format", "json", "-o", str(report)), "file_name")
    _one_line_exit_2(_run("fix", str(root), "-o", str(fixed)), "file_name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hf"]  # no report, plan, folder
    assert _tree(root) == before


def test_class_folders_holding_no_image_are_lc001(tmp_path):
    root = tmp_path / "pets"
    (root / "cat").mkdir(parents=True)
    (root / "dog").mkdir()
    (root / "cat" / "Thumbs.db").write_bytes(b"\0" * 32)
    (root / "dog" / ".DS_Store").write_bytes(b"\0" * 32)
    images = [p for p in root.rglob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg"}]
    assert images == []
    proc = _run("scan", str(root), "--format", "json")
    assert proc.returncode == 1 and proc.stderr == "", proc.stderr
    data = json.loads(proc.stdout)
    assert data["rows"] == 0
    lc001 = [f for f in data["findings"] if f["code"] == "LC001"]
    assert len(lc001) == 1 and lc001[0]["severity"] == "error"


def test_a_path_holding_no_data_file_is_one_line_exit_2(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_line_exit_2(_run("scan", str(empty)), "no data file")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "README.txt").write_text("nothing to train on\n")
    (notes / ".DS_Store").write_bytes(b"\0" * 8)
    _one_line_exit_2(_run("scan", str(notes)), "no data file")
    _one_line_exit_2(_run("fix", str(notes), "-o", str(tmp_path / "out")), "no data file")
    assert not (tmp_path / "out").exists()


def test_layout_imagefolder_on_parquet_parts_is_one_line_exit_2(tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    for i in range(2):
        pq.write_table(pa.table({"x": [1.0, 2.0], "y": [0, 1]}), parts / f"part-{i}.parquet")
    _one_line_exit_2(_run("scan", str(parts), "--layout", "imagefolder"), "--layout", "parts")
    # Split folders of Parquet parts too: the flag is refused, not silently ignored.
    splits = tmp_path / "splits"
    for split in ("train", "test"):
        (splits / split).mkdir(parents=True)
        pq.write_table(pa.table({"x": [1.0, 2.0], "y": [0, 1]}), splits / split / "p.parquet")
    _one_line_exit_2(_run("scan", str(splits), "--layout", "imagefolder"), "--layout")
    # Without the flag both are tables (the two splits are equal: LC303, exit 1).
    assert json.loads(_run("scan", str(parts), "--format", "json").stdout)["rows"] == 4
    proc = _run("scan", str(splits), "--format", "json")
    assert [r["rows"] for r in json.loads(proc.stdout)] == [2, 2]


def _jpeg_with_broken_exif(path: Path) -> None:
    """A fine JPEG whose EXIF directory holds orientation 6 and a tag whose data lies past
    the block: Pillow warns "Tag data larger than file" when reading the EXIF."""
    ifd = b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">H", 2)
    ifd += struct.pack(">HHLL", 0x0112, 3, 1, 6 << 16)  # orientation 6
    ifd += struct.pack(">HHLL", 0x010E, 2, 500, 26)  # 500 bytes at offset 26: not there
    ifd += struct.pack(">L", 0)
    buffer = io.BytesIO()
    pixels = np.random.default_rng(7).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(buffer, "JPEG", exif=b"Exif\x00\x00" + ifd)
    path.write_bytes(buffer.getvalue())


def test_pillow_warnings_about_a_file_never_reach_stderr(tmp_path):
    root = tmp_path / "pets"
    for i in range(3):
        _png(root / "cat" / f"{i}.png", i)
        _png(root / "dog" / f"{i}.png", 10 + i)
    _jpeg_with_broken_exif(root / "dog" / "broken_exif.jpg")
    # The premise: Pillow itself warns on this file.
    warns = pytest.warns(UserWarning, match="larger than file")
    with warns, Image.open(root / "dog" / "broken_exif.jpg") as im:
        im.load()
        assert im.getexif().get(0x0112) == 6
    before = _tree(root)
    proc = _run("scan", str(root), "--format", "json")
    assert proc.stderr == "" and proc.returncode == 0, proc.stderr
    lc405 = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "LC405"]
    assert "dog/broken_exif.jpg" in lc405[0]["message"]  # the orientation is still read
    proc = _run("fix", str(root), "-o", str(tmp_path / "fixed"))
    assert proc.stderr == "" and proc.returncode == 0, proc.stderr
    assert (tmp_path / "fixed" / "dog" / "broken_exif.jpg").is_file()
    # The library in a fresh process (Python's default filters, no pytest): silent too.
    code = f"import labelcheck; labelcheck.scan({str(root)!r}); labelcheck.scan({str(root)!r})"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert _tree(root) == before
