"""`labelcheck fix ROOT -o OUT` on split folders of images (`ROOT/train/<class>`,
`ROOT/test/<class>`, or `ROOT/train/images` + `masks`): every split fixed into the same
layout, train fitted on its own, every other split against train (SPEC §10).

Real files in tmp_path, the real CLI; the expected files and pixels are computed here
with Pillow and numpy on the written files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app

runner = CliRunner()


def _rgb(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _split_folders(root: Path) -> None:
    """train/: 5 RGB cats and dogs and a grayscale cat (LC402). test/: 3 of each, a JPEG
    cut short (LC401) and a copy of a training picture under another name (LC303)."""
    for split, n, seed in (("train", 5, 0), ("test", 3, 500)):
        for c, name in enumerate(("cat", "dog")):
            (root / split / name).mkdir(parents=True)
            for i in range(n):
                _rgb(seed + 100 * c + i).save(root / split / name / f"{i}.png")
    gray = np.random.default_rng(7).integers(0, 256, (16, 16), dtype=np.uint8)
    Image.fromarray(gray).save(root / "train" / "cat" / "gray.png")
    _rgb(9).save(root / "test" / "dog" / "whole.jpg", quality=90)
    data = (root / "test" / "dog" / "whole.jpg").read_bytes()
    (root / "test" / "dog" / "cut.jpg").write_bytes(data[: len(data) // 2])
    (root / "test" / "dog" / "whole.jpg").unlink()
    shutil.copyfile(root / "train" / "cat" / "1.png", root / "test" / "cat" / "seen.png")


def test_fix_split_folders_writes_each_split_in_the_same_layout(tmp_path):
    root, out = tmp_path / "pets", tmp_path / "fixed"
    _split_folders(root)
    before = _digests(root)

    result = runner.invoke(app, ["fix", str(root), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _digests(root) == before  # the input is never written

    # Every file but the truncated JPEG and the leaked copy, at the same paths.
    left_out = {"test/dog/cut.jpg", "test/cat/seen.png"}
    assert sorted(_digests(out)) == sorted(set(before) - left_out)
    for name in set(before) - left_out - {"train/cat/gray.png"}:
        assert (out / name).read_bytes() == (root / name).read_bytes(), name
    converted = Image.open(out / "train" / "cat" / "gray.png")
    original = Image.open(root / "train" / "cat" / "gray.png")
    assert converted.mode == "RGB"
    assert np.array_equal(np.asarray(converted), np.asarray(original.convert("RGB")))

    # One plan per split, beside the folder (inside, it would make it a table directory).
    plans = {
        s: json.loads((tmp_path / f"fixed.{s}.plan.json").read_text()) for s in ("train", "test")
    }
    assert plans["train"].get("excluded", []) == []
    reasons = {e["file"]: e["reason"].split(":")[0] for e in plans["test"]["excluded"]}
    assert reasons == {
        "dog/cut.jpg": "LC401 image-unreadable",
        "cat/seen.png": "LC303 split-leakage",
    }
    assert (plans["train"]["rows_in"], plans["train"]["rows_out"]) == (11, 11)
    assert (plans["test"]["rows_in"], plans["test"]["rows_out"]) == (8, 6)
    assert "drop-leaked" in {s["step"] for s in plans["test"]["steps"]}
    assert "fixed.test.plan.json" in result.output and "fixed.train.plan.json" in result.output

    # The rescan: the same splits, no error left.
    reports = labelcheck.scan_splits(out)
    assert list(reports) == ["train", "test"]
    assert {s: r.rows for s, r in reports.items()} == {"train": 11, "test": 6}
    for report in reports.values():
        assert not [f for f in report.findings if f.severity == "error"], report.findings


def test_fix_split_folders_of_masks_maps_every_split_with_trains_mapping(tmp_path):
    root, out = tmp_path / "seg", tmp_path / "seg-fixed"
    yy, xx = np.mgrid[:16, :16]
    expected = {}
    for s, split in enumerate(("train", "val")):
        for sub in ("images", "masks"):
            (root / split / sub).mkdir(parents=True)
        for i in range(3):
            _rgb(10 * s + i).save(root / split / "images" / f"{i}.png")
            mask = (((yy - 8) ** 2 + (xx - 5 - i) ** 2) <= 9 + s).astype(np.uint8)
            Image.fromarray(mask * 255).save(root / split / "masks" / f"{i}.png")
            expected[f"{split}/masks/{i}.png"] = mask
    before = _digests(root)

    result = runner.invoke(app, ["fix", str(root), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _digests(root) == before
    assert sorted(_digests(out)) == sorted(before)
    for name, mask in expected.items():
        assert np.array_equal(np.asarray(Image.open(out / name)), mask), name
    for split in ("train", "validation"):
        (step,) = json.loads((tmp_path / f"seg-fixed.{split}.plan.json").read_text())["steps"]
        assert (step["step"], step["mask_values"], step["mask_ids"]) == (
            "map-mask",
            [0, 255],
            [0, 1],
        )
    reports = labelcheck.scan_splits(out)
    assert [f.code for r in reports.values() for f in r.findings if f.severity == "error"] == []


def test_fix_split_folders_refuses_an_output_inside_and_writes_nothing_on_failure(tmp_path):
    root = tmp_path / "pets"
    _split_folders(root)
    inside = runner.invoke(app, ["fix", str(root), "-o", str(root / "train" / "fixed")])
    assert inside.exit_code == 2 and "is inside the split directory" in inside.output
    # Every test image unreadable: an empty split is not a fix, and nothing appears.
    for p in (root / "test").rglob("*.png"):
        p.write_bytes(b"")
    empty = runner.invoke(app, ["fix", str(root), "-o", str(tmp_path / "out")])
    assert empty.exit_code == 1, empty.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pets"]


def test_a_conversion_trains_plan_lacks_is_listed_as_not_fixed_in_the_split(tmp_path):
    """Train all RGB, a grayscale test image: train's transform has no conversion, so the
    test split keeps train's transform and names the finding, never silently."""
    root = tmp_path / "pets"
    for split in ("train", "test"):
        for c, name in enumerate(("cat", "dog")):
            (root / split / name).mkdir(parents=True)
            for i in range(5):
                _rgb(1000 * (split == "test") + 100 * c + i).save(root / split / name / f"{i}.png")
    gray = np.random.default_rng(3).integers(0, 256, (16, 16), dtype=np.uint8)
    Image.fromarray(gray).save(root / "test" / "dog" / "gray.png")

    result = runner.invoke(app, ["fix", str(root), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    test_plan = json.loads((tmp_path / "out.test.plan.json").read_text())
    assert "convert-images" not in {s["step"] for s in test_plan["steps"]}
    (note,) = [n for n in test_plan["unfixed"] if n.startswith("LC402")]
    assert "the reference's plan has no conversion of 'image'" in note
    assert Image.open(tmp_path / "out" / "test" / "dog" / "gray.png").mode == "L"


def test_fix_a_folder_against_a_reference_folder_leaves_out_its_unreadable_files(tmp_path):
    """`fix TEST --reference TRAIN` on folders: the split's own exclusions, never the bad
    file copied into the output silently."""
    root = tmp_path / "pets"
    _split_folders(root)
    out = tmp_path / "test-fixed"
    args = ["fix", str(root / "test"), "--reference", str(root / "train"), "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    written = set(_digests(out))
    assert written == {"cat/0.png", "cat/1.png", "cat/2.png", "dog/0.png", "dog/1.png", "dog/2.png"}
    plan = json.loads((tmp_path / "test-fixed.plan.json").read_text())
    assert {e["file"] for e in plan["excluded"]} == {"dog/cut.jpg", "cat/seen.png"}
