"""`labelcheck fix DIR -o OUT_DIR` and `apply PLAN NEW_DIR -o OUT` on folders of images (SPEC §10).

Real files in tmp_path, the real CLI; expected files, pixels and statistics are
computed here independently (Pillow and numpy on the written files).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app

runner = CliRunner()


def _rgb(seed: int, size: tuple[int, int] = (32, 32)) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _class_folders(root: Path) -> dict[str, str]:
    """cat/ and dog/ with one file of each defect; returns the files to exclude -> code."""
    for i in range(6):
        (root / "cat").mkdir(parents=True, exist_ok=True)
        (root / "dog").mkdir(parents=True, exist_ok=True)
        _rgb(i).save(root / "cat" / f"{i}.png")
        _rgb(100 + i).save(root / "dog" / f"{i}.png")
    _rgb(50).save(root / "cat" / "whole.jpg", quality=90)
    data = (root / "cat" / "whole.jpg").read_bytes()
    (root / "cat" / "cut.jpg").write_bytes(data[: len(data) // 2])  # truncated: LC401
    (root / "dog" / "zero.jpg").write_bytes(b"")  # LC401
    rng = np.random.default_rng(9)
    Image.fromarray(rng.integers(0, 256, (32, 32), dtype=np.uint8)).save(root / "dog" / "gray.png")
    Image.new("RGB", (32, 32), (0, 0, 0)).save(root / "cat" / "black.png")  # LC404
    _rgb(60, (3, 3)).save(root / "dog" / "tiny.png")  # LC403
    exif = Image.Exif()
    exif[0x0112] = 6  # LC405: stored sideways, turn 90 degrees clockwise
    _rgb(70, (32, 24)).save(root / "dog" / "side.jpg", quality=95, exif=exif.tobytes())
    return {
        "cat/cut.jpg": "LC401",
        "dog/zero.jpg": "LC401",
        "cat/black.png": "LC404",
        "dog/tiny.png": "LC403",
    }


def _fix(*args: str):
    result = runner.invoke(app, ["fix", *args])
    return result


def test_fix_class_folders_writes_the_repaired_folder_and_leaves_the_input(tmp_path):
    data = tmp_path / "pets"
    excluded = _class_folders(data)
    before = _digests(data)
    out = tmp_path / "out" / "pets-fixed"
    result = _fix(str(data), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert _digests(data) == before  # the input, byte for byte
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp left

    # Same layout, minus the excluded files.
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written == set(before) - set(excluded)
    plan = json.loads((tmp_path / "out" / "pets-fixed.plan.json").read_text())
    reasons = {e["file"]: e["reason"] for e in plan["excluded"]}
    assert set(reasons) == set(excluded)
    for name, code in excluded.items():
        assert reasons[name].startswith(code), reasons[name]
    assert "truncated" in reasons["cat/cut.jpg"] and "0 bytes" in reasons["dog/zero.jpg"]

    # Unchanged files are hard links to the input; changed ones are new files.
    assert os.path.samefile(out / "cat" / "0.png", data / "cat" / "0.png")
    assert not os.path.samefile(out / "dog" / "gray.png", data / "dog" / "gray.png")
    # LC402: converted to the majority layout losslessly (PNG): L replicated in R, G, B.
    with Image.open(out / "dog" / "gray.png") as im, Image.open(data / "dog" / "gray.png") as g:
        assert im.mode == "RGB" and im.format == "PNG"
        grey = np.asarray(g)
        assert (np.asarray(im) == np.stack([grey] * 3, axis=-1)).all()
    # LC405: turned upright (32x24 stored, orientation 6 -> 24x32), tag dropped, JPEG.
    with Image.open(out / "dog" / "side.jpg") as im:
        assert im.size == (24, 32) and im.format == "JPEG"
        assert im.getexif().get(0x0112) in (None, 1)
    steps = [s["step"] for s in plan["steps"]]
    assert "exclude-files" in steps and "convert-images" in steps
    convert = next(s for s in plan["steps"] if s["step"] == "convert-images")
    assert convert["mode"] == "RGB" and convert["orient"] and convert["jpeg_quality"] == 95
    assert "quality 95" in result.output and "excluded cat/cut.jpg" in result.output

    # plan.normalize: exact per-channel mean and std of the written images on 0..1.
    pixels = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        with Image.open(path) as im:
            pixels.append(np.asarray(im.convert("RGB"), np.float64).reshape(-1, 3) / 255)
    every = np.concatenate(pixels)
    assert plan["normalize"]["mean"] == pytest.approx(every.mean(axis=0).tolist(), abs=1e-12)
    assert plan["normalize"]["std"] == pytest.approx(every.std(axis=0).tolist(), abs=1e-12)

    # Rescanning the fixed folder: no error-level finding.
    after = labelcheck.scan(str(out))
    assert not [f for f in after.findings if f.severity == "error"], after.findings
    assert {f.code for f in after.findings}.isdisjoint({"LC401", "LC402", "LC404", "LC405"})


def test_apply_replays_the_exclusions_by_rule_on_a_new_folder(tmp_path):
    train = tmp_path / "train"
    _class_folders(train)
    out = tmp_path / "fixed"
    assert _fix(str(train), "-o", str(out)).exit_code == 0
    new = tmp_path / "new"
    for i in range(3):
        (new / "cat").mkdir(parents=True, exist_ok=True)
        _rgb(200 + i).save(new / "cat" / f"n{i}.png")
    (new / "cat" / "broken.png").write_bytes(b"not an image at all")
    Image.new("L", (32, 32), 255).save(new / "cat" / "white.png")  # blank and grey
    Image.fromarray(np.full((32, 32), 7, np.uint8)).save(new / "cat" / "grey.png")
    before = _digests(new)
    result = runner.invoke(
        app, ["apply", str(tmp_path / "fixed.plan.json"), str(new), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert _digests(new) == before
    written = {p.relative_to(tmp_path / "o").as_posix() for p in (tmp_path / "o").rglob("*")}
    assert written == {"cat", "cat/n0.png", "cat/n1.png", "cat/n2.png"}
    assert "excluded cat/broken.png: LC401" in result.output


def _segmentation(root: Path, masks: list[np.ndarray], fmt: str = "PNG") -> None:
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir(parents=True)
    for i, mask in enumerate(masks):
        h, w = mask.shape[:2]
        _rgb(i, (w, h)).save(root / "images" / f"{i:03d}.jpg")
        suffix = ".jpg" if fmt == "JPEG" else ".png"
        Image.fromarray(mask).save(root / "masks" / f"{i:03d}{suffix}", fmt)


def _binary_masks(n: int, high: int = 255) -> list[np.ndarray]:
    out = []
    for i in range(n):
        mask = np.zeros((32, 32), np.uint8)
        mask[4 + i % 8 : 20 + i % 8, 6:26] = high  # a block: JPEG blurs its edges
        out.append(mask)
    return out


def test_fix_masks_saved_as_jpeg_snap_remap_and_exclude_unpaired(tmp_path):
    data = tmp_path / "seg"
    masks = _binary_masks(12)
    _segmentation(data, masks, "JPEG")
    with Image.open(data / "masks" / "000.jpg") as im:  # the artefacts are really there
        assert len(np.unique(np.asarray(im))) > 2
    Image.fromarray(masks[0]).save(data / "masks" / "orphan.png")  # LC409: no image
    _rgb(99, (40, 32)).save(data / "images" / "005.jpg")  # LC409: mask of another size
    before = _digests(data)
    out = tmp_path / "seg-fixed"
    result = _fix(str(data), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert _digests(data) == before
    plan = json.loads((tmp_path / "seg-fixed.plan.json").read_text())
    step = next(s for s in plan["steps"] if s["step"] == "map-mask")
    mapping = dict(zip(step["mask_values"], step["mask_ids"], strict=True))
    assert mapping[0] == 0 and mapping[255] == 1 and set(mapping.values()) == {0, 1}
    assert step["snap"] == [0, 255]
    assert "values 0->0, 255->1; every other value snapped to the nearest of 0, 255" in (
        result.output
    )
    excluded = {e["file"] for e in plan["excluded"]}
    assert excluded == {"masks/orphan.png", "images/005.jpg", "masks/005.jpg"}
    tests = [s["exclude"] for s in plan["steps"] if s["step"] == "exclude-files"]
    assert sorted(tests) == ["no-pair", "size-mismatch"]  # one step per test
    # Every mask is now a PNG of ids 0/1, each pixel the nearest of 0/255 in the input.
    fixed = sorted((out / "masks").iterdir())
    assert [p.name for p in fixed] == [f"{i:03d}.png" for i in range(12) if i != 5]
    for path in fixed:
        with Image.open(path) as im, Image.open(data / "masks" / f"{path.stem}.jpg") as raw:
            assert im.format == "PNG" and im.mode == "L"
            expected = (np.asarray(raw).astype(int) > 127).astype(np.uint8)
            assert (np.asarray(im) == expected).all()
    images = sorted(p.name for p in (out / "images").iterdir())
    assert images == [f"{i:03d}.jpg" for i in range(12) if i != 5]
    after = labelcheck.scan(str(out))
    assert not [f for f in after.findings if f.severity == "error"], after.findings


def test_apply_masks_unknown_value_is_an_error_naming_the_files_or_dropped(tmp_path):
    train = tmp_path / "train"
    _segmentation(train, _binary_masks(6))  # PNG 0/255: LC406 only, no snapping
    assert _fix(str(train), "-o", str(tmp_path / "fixed")).exit_code == 0
    plan = tmp_path / "fixed.plan.json"
    new = tmp_path / "new"
    masks = _binary_masks(4)
    masks[2][0, 0] = 128  # a value the mapping does not know
    _segmentation(new, masks)
    out = tmp_path / "new-fixed"
    result = runner.invoke(app, ["apply", str(plan), str(new), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "masks/002.png (128)" in result.output and "--drop-unknown" in result.output
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    result = runner.invoke(app, ["apply", str(plan), str(new), "-o", str(out), "--drop-unknown"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "masks").iterdir()) == ["000.png", "001.png", "003.png"]
    assert sorted(p.name for p in (out / "images").iterdir()) == ["000.jpg", "001.jpg", "003.jpg"]
    with Image.open(out / "masks" / "001.png") as im:
        assert (np.asarray(im) == masks[1] // 255).all()


def test_fix_colour_coded_masks_to_voc_ids(tmp_path):
    data = tmp_path / "voc"
    masks = []
    for i in range(4):
        rgb = np.zeros((16, 16, 3), np.uint8)
        rgb[2 + i : 10, 3:12] = (128, 0, 0)  # VOC id 1 (aeroplane)
        rgb[12:, :4] = (0, 128, 0)  # VOC id 2 (bicycle)
        masks.append(rgb)
    _segmentation(data, masks)
    out = tmp_path / "voc-fixed"
    assert _fix(str(data), "-o", str(out)).exit_code == 0
    for i, rgb in enumerate(masks):
        expected = np.zeros((16, 16), np.uint8)
        expected[(rgb == (128, 0, 0)).all(axis=-1)] = 1
        expected[(rgb == (0, 128, 0)).all(axis=-1)] = 2
        with Image.open(out / "masks" / f"{i:03d}.png") as im:
            assert im.mode == "L" and (np.asarray(im) == expected).all()
    after = labelcheck.scan(str(out))
    assert not [f for f in after.findings if f.severity == "error"], after.findings


def test_fix_colour_coded_masks_to_cityscapes_train_ids(tmp_path):
    """Cityscapes colour PNGs (car, road, sky, and a void 'dynamic' area) become train ids,
    void 255 (what its training scripts ignore), as cityscapesScripts' labels.py lists."""
    data = tmp_path / "city"
    colours = {(0, 0, 142): 13, (128, 64, 128): 0, (70, 130, 180): 10, (111, 74, 0): 255}
    masks = []
    for i in range(4):
        rgb = np.zeros((16, 16, 3), np.uint8)
        rgb[:] = (128, 64, 128)
        rgb[:4] = (70, 130, 180)
        rgb[8 + i % 2 : 12, 2:9] = (0, 0, 142)
        rgb[14:, 12:] = (111, 74, 0)
        masks.append(rgb)
    _segmentation(data, masks)
    out = tmp_path / "city-fixed"
    assert _fix(str(data), "-o", str(out)).exit_code == 0
    for i, rgb in enumerate(masks):
        expected = np.full((16, 16), 99, np.uint8)
        for colour, train_id in colours.items():
            expected[(rgb == colour).all(axis=-1)] = train_id
        with Image.open(out / "masks" / f"{i:03d}.png") as im:
            assert im.mode == "L" and (np.asarray(im) == expected).all()
    after = labelcheck.scan(str(out), n_classes=19, ignore_index=255)
    assert not [f for f in after.findings if f.severity == "error"], after.findings


def test_folder_outputs_are_refused_inside_the_input_or_when_they_exist(tmp_path):
    data = tmp_path / "pets"
    _class_folders(data)
    result = _fix(str(data), "-o", str(data / "fixed"))
    assert result.exit_code == 2 and "input folder" in result.output
    assert not (data / "fixed").exists()
    (tmp_path / "taken").mkdir()
    result = _fix(str(data), "-o", str(tmp_path / "taken"))
    assert result.exit_code == 2 and "--force" in result.output
    assert _fix(str(data), "-o", str(tmp_path / "taken"), "--force").exit_code == 0
    assert (tmp_path / "taken" / "cat" / "0.png").is_file()


def test_copies_when_hard_links_fail(tmp_path, monkeypatch):
    data = tmp_path / "pets"
    _class_folders(data)

    def no_links(src, dst):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    from labelcheck.fixes.apply import fix_file

    fix_file(str(data), tmp_path / "copy")
    copied = tmp_path / "copy" / "cat" / "0.png"
    assert not os.path.samefile(copied, data / "cat" / "0.png")
    assert copied.read_bytes() == (data / "cat" / "0.png").read_bytes()


def test_fix_a_hugging_face_metadata_folder_rewrites_metadata_with_the_kept_rows(tmp_path):
    data = tmp_path / "hf"
    data.mkdir()
    rows = []
    for i in range(5):
        _rgb(300 + i).save(data / f"{i}.png")
        rows.append(f"{i}.png,{'cat' if i % 2 else 'dog'},{i * 1.5}")
    (data / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    rows.append("bad.png,cat,9.0")
    (data / "metadata.csv").write_text("file_name,label,weight\n" + "\n".join(rows) + "\n")
    out = tmp_path / "hf-fixed"
    result = _fix(str(data), "-o", str(out))
    assert result.exit_code == 0, result.output
    import csv

    with open(out / "metadata.csv", newline="") as fh:
        kept = list(csv.DictReader(fh))
    expected = [r.split(",") for r in rows if not r.startswith("bad")]
    assert [(r["file_name"], r["label"], float(r["weight"])) for r in kept] == [
        (f, lab, float(w)) for f, lab, w in expected
    ]
    assert not (out / "bad.png").exists() and (out / "0.png").is_file()


def test_masks_option_pairs_another_folder_and_fix_writes_it_beside(tmp_path):
    images, gt = tmp_path / "photos", tmp_path / "gt"
    images.mkdir()
    gt.mkdir()
    for i, mask in enumerate(_binary_masks(5)):
        _rgb(400 + i).save(images / f"{i}.jpg")
        Image.fromarray(mask).save(gt / f"{i}_mask.png")
    report = labelcheck.scan(str(images), masks=str(gt))
    masks = report.stats.of_kind("mask")["mask"]
    assert masks.files.decoded == 5 and masks.unpaired_image_count == 0
    assert [f.code for f in report.findings if f.severity == "error"] == ["LC406"]
    out = tmp_path / "fixed"
    result = _fix(str(images), "--masks", str(gt), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "gt").iterdir()) == [f"{i}_mask.png" for i in range(5)]
    with Image.open(out / "gt" / "3_mask.png") as im:
        assert (np.asarray(im) == _binary_masks(5)[3] // 255).all()
    new = tmp_path / "new"
    new.mkdir()
    _rgb(500).save(new / "a.jpg")
    (tmp_path / "new-gt").mkdir()
    Image.fromarray(_binary_masks(1)[0]).save(tmp_path / "new-gt" / "a.png")
    plan = str(tmp_path / "fixed.plan.json")
    args = ["apply", plan, str(new), "--masks", str(tmp_path / "new-gt"), "-o", str(tmp_path / "o")]
    assert runner.invoke(app, args).exit_code == 0
    with Image.open(tmp_path / "o" / "new-gt" / "a.png") as im:
        assert (np.asarray(im) == _binary_masks(1)[0] // 255).all()
    after = labelcheck.scan(str(out), masks=str(out / "gt"))
    assert after.stats.of_kind("image")["image"].images == 5  # gt/ files are not images
    assert not [f for f in after.findings if f.severity == "error"], after.findings


def test_masks_folder_is_an_input_never_the_output(tmp_path):
    images, gt = tmp_path / "photos", tmp_path / "gt"
    images.mkdir()
    gt.mkdir()
    _rgb(1).save(images / "0.jpg")
    Image.fromarray(_binary_masks(1)[0]).save(gt / "0.png")
    before = _digests(gt)
    result = _fix(str(images), "--masks", str(gt), "-o", str(gt / "fixed"))
    assert result.exit_code == 2 and "input folder" in result.output, result.output
    assert _digests(gt) == before and not (gt / "fixed").exists()


@pytest.mark.parametrize("make", ["missing", "empty", "file"])
def test_masks_option_without_masks_is_one_line_exit_2(tmp_path, make):
    images = tmp_path / "photos"
    images.mkdir()
    _rgb(1).save(images / "0.jpg")
    masks = tmp_path / "gt"
    if make == "empty":
        masks.mkdir()
        (masks / "notes.txt").write_text("no masks here")
    elif make == "file":
        masks.write_text("x")
    result = runner.invoke(app, ["scan", str(images), "--masks", str(masks)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("labelcheck: error: --masks"), lines


def test_fix_leaves_out_copies_and_conflicting_pictures_by_their_pixels(tmp_path):
    """LC301/LC302 compare decoded pictures: the fix matches them by the same hashes."""
    data = tmp_path / "pets"
    for c, base in (("cat", 0), ("dog", 50)):
        (data / c).mkdir(parents=True)
        for i in range(6):
            _rgb(base + i).save(data / c / f"{i}.png")
    _rgb(0).save(data / "cat" / "copy.bmp")  # the same picture as cat/0.png, another format
    _rgb(1).save(data / "dog" / "other.png")  # cat/1.png's picture, labelled dog
    out = tmp_path / "fixed"
    result = _fix(str(data), "-o", str(out))
    assert result.exit_code == 0, result.output
    plan = json.loads((tmp_path / "fixed.plan.json").read_text())
    reasons = {e["file"]: e["reason"] for e in plan["excluded"]}
    assert reasons == {
        "cat/copy.bmp": "LC301 duplicate-rows",
        "cat/1.png": "LC302 conflicting-labels",
        "dog/other.png": "LC302 conflicting-labels",
    }
    assert (out / "cat" / "0.png").is_file() and not (out / "cat" / "copy.bmp").exists()
    after = labelcheck.scan(str(out))
    assert not {"LC301", "LC302"} & {f.code for f in after.findings}


def test_a_fix_leaving_no_image_writes_nothing_and_exits_1(tmp_path):
    data = tmp_path / "broken"
    for c in ("cat", "dog"):
        (data / c).mkdir(parents=True)
        for i in range(3):
            (data / c / f"{i}.jpg").write_bytes(b"")
    result = _fix(str(data), "-o", str(tmp_path / "fixed"))
    assert result.exit_code == 1, result.output
    assert "would drop all 6 images (LC401 image-unreadable)" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken"]  # no folder, plan or temp


def test_fix_a_table_of_image_bytes_drops_the_rows_whose_image_does_not_load(tmp_path):
    """The Hugging Face Image layout in Parquet: the same file step, on embedded bytes."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    def png(seed: int) -> bytes:
        buffer = io.BytesIO()
        _rgb(seed).save(buffer, "PNG")
        return buffer.getvalue()

    values = [{"bytes": png(i), "path": None} for i in range(6)]
    values[2] = {"bytes": png(2)[:60], "path": None}  # truncated
    table = pa.table(
        {
            "image": pa.array(values, pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
            "label": [0, 1, 0, 1, 0, 1],
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    assert "LC401" in {f.code for f in labelcheck.scan(str(tmp_path / "t.parquet")).findings}
    result = _fix(str(tmp_path / "t.parquet"), "-o", str(tmp_path / "t.fixed.parquet"))
    assert result.exit_code == 0, result.output
    fixed = pq.read_table(tmp_path / "t.fixed.parquet")
    assert fixed["label"].to_pylist() == [0, 1, 1, 0, 1]
    assert [v["bytes"] for v in fixed["image"].to_pylist()] == [
        v["bytes"] for i, v in enumerate(values) if i != 2
    ]
    after = labelcheck.scan(str(tmp_path / "t.fixed.parquet"))
    assert "LC401" not in {f.code for f in after.findings}
