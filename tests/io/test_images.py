"""Folders of images read as tables (SPEC §10 Inputs), through the library and the real CLI.

Every expectation is computed from the files the test wrote (brute force over
their decoded pixels for picture identity), never from labelcheck's own output.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app
from labelcheck.io import open_source


def _image(path: Path, seed: int, size: int = 8, mode: str = "RGB", fmt: str | None = None):
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    Image.fromarray(pixels).convert(mode).save(path, format=fmt)
    return path


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _classes(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    root = tmp_path / "pets"
    counts = {"dog": 4, "cat": 3, "Zebra": 2}  # torchvision sorts by name: Zebra, cat, dog
    seed = itertools.count()
    for name, n in counts.items():
        for i in range(n):
            _image(root / name / f"{i}.png", next(seed))
    _image(root / "stray.png", 99)  # not in a class folder: torchvision skips it
    (root / "cat" / "Thumbs.db").write_bytes(b"\0" * 8)
    (root / "dog" / ".DS_Store").write_bytes(b"\0" * 8)
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("no images here")
    return root, counts


def test_class_folders_are_one_row_per_image_labelled_by_folder(tmp_path):
    root, counts = _classes(tmp_path)
    src = open_source(root)
    assert src.format == "images"
    table = pa.Table.from_batches(list(src.batches()))
    assert table.num_rows == sum(counts.values())
    labels = table.column("label").to_pylist()
    assert {c: labels.count(c) for c in set(labels)} == counts
    assert labels == sorted(labels)  # classes in torchvision's order: sorted by name
    paths = [v["path"] for v in table.column("image").to_pylist()]
    assert all(v["bytes"] is None for v in table.column("image").to_pylist())
    assert paths[0] == "Zebra/0.png" and "stray.png" not in paths
    report = labelcheck.scan(root)
    assert report.stats.plan.label == "label"
    assert report.stats.label.distinct == counts
    image = report.stats.columns["image"]
    assert (image.decoded, image.failed) == (9, 0)
    assert set(image.folders) == {"Zebra", "cat", "dog", "notes"}
    # LC410 names the class folder without images; no string-label noise for folders.
    assert [f.values for f in report.by_code("LC410")] == [("notes",)]
    assert not report.by_code("LC213")


def test_cli_scans_a_class_folder_in_json(tmp_path):
    root, counts = _classes(tmp_path)
    (root / "notes" / "readme.txt").unlink()
    (root / "notes").rmdir()  # no empty class folder: exit 0
    proc = subprocess.run(
        [sys.executable, "-m", "labelcheck", "scan", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    data = json.loads(proc.stdout)
    assert data["rows"] == sum(counts.values())
    assert data["columns"]["image"]["decoded"] == 9


def test_a_flat_folder_has_no_label_and_layout_overrides_detection(tmp_path):
    flat = tmp_path / "flat"
    for i in range(5):
        _image(flat / f"{i}.jpg", i, fmt="JPEG")
    report = labelcheck.scan(flat)
    assert report.stats.plan.label is None and report.rows == 5
    root, counts = _classes(tmp_path)
    as_flat = labelcheck.scan(root, layout="flat")  # every image, the stray one too
    assert as_flat.stats.plan.label is None and as_flat.rows == sum(counts.values()) + 1
    code, out = _cli("scan", str(root), "--layout", "flat", "--format", "json")
    assert code == 0 and json.loads(out)["rows"] == 10


def test_layout_on_a_table_or_masks_is_one_line_exit_2(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": [1.0, 2.0]}), path)
    code, out = _cli("scan", str(path), "--layout", "imagefolder")
    assert code == 2 and "--layout" in out and len(out.strip().splitlines()) == 1
    root, _ = _classes(tmp_path)
    code, out = _cli("scan", str(root), "--layout", "masks")
    assert code == 2 and "masks" in out and "Traceback" not in out
    code, out = _cli("scan", str(root), "--layout", "sideways")
    assert code == 2


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_hugging_face_metadata_names_the_files_and_adds_columns(tmp_path, kind):
    root = tmp_path / "hf"
    rows = [("a.png", 0, "x"), ("sub/b.png", 1, "y"), ("c.png", 1, "z"), ("gone.png", 0, "w")]
    for i, (name, _, _) in enumerate(rows[:3]):
        _image(root / name, i)
    if kind == "csv":
        text = "file_name,label,caption\n" + "".join(f"{n},{y},{c}\n" for n, y, c in rows)
        (root / "metadata.csv").write_text(text)
    else:
        lines = [json.dumps({"file_name": n, "label": y, "caption": c}) for n, y, c in rows]
        (root / "metadata.jsonl").write_text("\n".join(lines) + "\n")
    report = labelcheck.scan(root)
    assert report.rows == 4
    assert report.stats.plan.label == "label"
    assert "caption" in report.stats.plan.features
    lc401 = report.by_code("LC401")
    assert [f.values for f in lc401] == [("gone.png",)]
    assert dict(report.stats.columns["image"].failures)["gone.png"] == "file not found"


def test_metadata_without_file_name_is_one_line_exit_2(tmp_path):
    root = tmp_path / "hf"
    _image(root / "a.png", 0)
    (root / "metadata.csv").write_text("name,label\na.png,0\n")
    code, out = _cli("scan", str(root))
    assert code == 2 and "file_name" in out and len(out.strip().splitlines()) == 1


def _decoded(path: Path) -> tuple:
    with Image.open(path) as im:
        return im.mode, im.size, np.asarray(im).tobytes()


def test_same_picture_under_other_names_and_encodings_is_lc301_and_lc302(tmp_path):
    root = tmp_path / "data"
    _image(root / "cat" / "a.png", 1)
    _image(root / "cat" / "a_copy.bmp", 1)  # same pixels, another lossless encoding
    _image(root / "cat" / "b.png", 2)
    _image(root / "dog" / "b_again.png", 2)  # the same picture in another class
    _image(root / "dog" / "c.png", 3)
    _image(root / "dog" / "c.tif", 3, fmt="TIFF")
    _image(root / "dog" / "d.png", 4)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    # Brute force: groups of files whose decoded pixels (with mode and size) are equal.
    groups: dict[tuple, list[Path]] = {}
    for p in files:
        groups.setdefault(_decoded(p), []).append(p)
    same = [g for g in groups.values() if len(g) > 1]
    conflicting = [g for g in same if len({p.parent.name for p in g}) > 1]
    agreeing = [g for g in same if len({p.parent.name for p in g}) == 1]
    report = labelcheck.scan(root)
    lc302 = report.by_code("LC302")
    assert len(lc302) == 1 and lc302[0].rows == sum(len(g) for g in conflicting)
    lc301 = report.by_code("LC301")
    # LC301 compares the whole row (the label too): copies within one class.
    assert len(lc301) == 1 and lc301[0].rows == sum(len(g) - 1 for g in agreeing)


def test_split_folders_give_one_report_per_split_checked_against_train(tmp_path):
    root = tmp_path / "ds"
    for i in range(4):
        _image(root / "train" / "cat" / f"{i}.png", i)
        _image(root / "train" / "dog" / f"{i}.png", 10 + i)
    _image(root / "test" / "cat" / "0.png", 100)
    _image(root / "test" / "dog" / "leak.png", 11)  # train/dog/1.png, renamed
    _image(root / "test" / "eel" / "0.png", 200)  # a class train never saw
    reports = labelcheck.scan_splits(root)
    assert list(reports) == ["train", "test"]
    test = reports["test"]
    assert test.rows == 3
    assert [f.rows for f in test.by_code("LC303")] == [1]
    assert [f.values for f in test.by_code("LC304")] == [("eel",)]
    code, out = _cli("scan", str(root), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert [r["rows"] for r in data] == [8, 3]
    with pytest.raises(labelcheck.InputError, match="named splits"):
        labelcheck.scan(root)


def _png(seed: int, mode: str = "RGB") -> bytes:
    import io

    buf = io.BytesIO()
    pixels = np.random.default_rng(seed).integers(0, 256, (6, 6, 3), dtype=np.uint8)
    Image.fromarray(pixels).convert(mode).save(buf, format="PNG")
    return buf.getvalue()


def test_parquet_with_an_image_struct_column_bytes_or_relative_paths(tmp_path):
    import pyarrow.parquet as pq

    folder = tmp_path / "shards"
    _image(folder / "imgs" / "on_disk.png", 7)
    values = [
        {"bytes": _png(1), "path": "a.png"},
        {"bytes": _png(1), "path": "a_again.png"},  # the same picture: LC301 (same label)
        {"bytes": _png(2, "L"), "path": "gray.png"},  # LC402: an error in a table
        {"bytes": None, "path": "imgs/on_disk.png"},  # relative to the Parquet file
        {"bytes": b"", "path": "empty.png"},
    ]
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    table = pa.table({"image": pa.array(values, image_type), "label": [0, 0, 1, 1, 0]})
    pq.write_table(table, folder / "train.parquet")
    report = labelcheck.scan(folder / "train.parquet")
    stats = report.stats.columns["image"]
    assert (stats.decoded, stats.failed) == (4, 1)
    assert [f.values for f in report.by_code("LC401")] == [("empty.png",)]
    assert report.by_code("LC402")[0].severity == "error"
    assert [f.rows for f in report.by_code("LC301")] == [1]


def test_a_binary_column_declared_an_image_by_hugging_face_metadata(tmp_path):
    import pyarrow.parquet as pq

    meta = {b"huggingface": json.dumps({"info": {"features": {"img": {"_type": "Image"}}}})}
    table = pa.table({"img": pa.array([_png(1), _png(2), b"junk"], pa.binary()), "y": [0, 1, 0]})
    pq.write_table(table.replace_schema_metadata(meta), tmp_path / "d.parquet")
    report = labelcheck.scan(tmp_path / "d.parquet")
    assert report.stats.columns["img"].decoded == 2
    assert [f.rows for f in report.by_code("LC401")] == [1]
    # Without the declaration a binary column is no image (bytes could be anything).
    pq.write_table(table, tmp_path / "plain.parquet")
    assert "img" not in labelcheck.scan(tmp_path / "plain.parquet").stats.of_kind("image")


def test_a_datasets_dataset_dict_with_image_features(tmp_path):
    datasets = pytest.importorskip("datasets")
    for i in range(3):
        _image(tmp_path / f"{i}.png", i)
    _image(tmp_path / "gray.png", 9, mode="L")
    features = datasets.Features(
        {"image": datasets.Image(), "label": datasets.ClassLabel(names=["a", "b"])}
    )
    train = datasets.Dataset.from_dict(
        {"image": [str(tmp_path / f"{i}.png") for i in range(3)], "label": [0, 1, 0]},
        features=features,
    )
    test = datasets.Dataset.from_dict(
        {"image": [str(tmp_path / "0.png"), str(tmp_path / "gray.png")], "label": [0, 1]},
        features=features,
    )
    reports = labelcheck.scan_splits(datasets.DatasetDict({"train": train, "test": test}))
    assert reports["train"].stats.columns["image"].decoded == 3
    assert [f.rows for f in reports["test"].by_code("LC303")] == [1]  # 0.png is in train
    assert "LC402" in {f.code for f in reports["test"].findings}


def test_fix_on_an_image_folder_into_a_data_file_is_one_line_exit_2(tmp_path):
    """A folder is fixed into a folder (tests/fixes/test_fix_images.py), never a table."""
    root, _ = _classes(tmp_path)
    before = sorted((p, p.read_bytes()) for p in root.rglob("*") if p.is_file())
    code, out = _cli("fix", str(root), "-o", str(tmp_path / "fixed.parquet"))
    assert code == 2 and "give a folder name" in out and len(out.strip().splitlines()) == 1
    assert not (tmp_path / "fixed.parquet").exists()
    assert sorted((p, p.read_bytes()) for p in root.rglob("*") if p.is_file()) == before


def test_text_report_counts_images(tmp_path):
    root, counts = _classes(tmp_path)
    code, out = _cli("scan", str(root))
    assert code == 1  # the empty class folder 'notes': LC410
    assert f"{sum(counts.values())} images" in out.splitlines()[0]
    code, out = _cli("scan", str(root), "--format", "markdown")
    assert code == 1 and f"{sum(counts.values())} images; label" in out


def test_segmentation_layouts_pair_by_stem_and_yolo_labels_are_not_masks(tmp_path):
    seg = tmp_path / "seg"
    (seg / "masks").mkdir(parents=True)
    for i in range(3):
        _image(seg / "images" / f"{i}.jpg", i, fmt="JPEG")
        Image.fromarray(np.full((8, 8), i, np.uint8)).save(seg / "masks" / f"{i}_mask.png")
    src = open_source(seg)
    table = pa.Table.from_batches(list(src.batches()))
    assert table.column_names == ["image", "mask"]
    pairs = [(r["image"]["path"], r["mask"]["path"]) for r in table.to_pylist()]
    assert pairs == [(f"images/{i}.jpg", f"masks/{i}_mask.png") for i in range(3)]
    report = labelcheck.scan(seg)
    assert report.stats.plan.label is None and "masks" in report.stats.plan.label_reason
    assert report.stats.columns["mask"].pixels == {0: 64, 1: 64, 2: 64}
    # YOLO: labels/ holds text boxes, so images/ and labels/ are two class folders... of
    # which labels/ has no image: LC410 says so, and --layout masks refuses the folder.
    yolo = tmp_path / "yolo"
    _image(yolo / "images" / "0.jpg", 0, fmt="JPEG")
    (yolo / "labels").mkdir()
    (yolo / "labels" / "0.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    assert "mask" not in labelcheck.scan(yolo).stats.columns
    code, out = _cli("scan", str(yolo), "--layout", "masks")
    assert code == 2 and "masks/" in out


def test_every_format_decodes_and_a_palette_mask_is_read_by_index(tmp_path):
    root = tmp_path / "formats"
    root.mkdir()
    pixels = np.random.default_rng(5).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    formats = {"JPEG": "jpg", "PNG": "png", "BMP": "bmp", "GIF": "gif", "TIFF": "tif"}
    for fmt, suffix in {**formats, "WEBP": "webp"}.items():
        Image.fromarray(pixels).save(root / f"{suffix}.{suffix}", format=fmt)
    stats = labelcheck.scan(root).stats.columns["image"]
    assert stats.failed == 0 and set(stats.formats) == {"JPEG", "PNG", "BMP", "GIF", "TIFF", "WEBP"}
    seg = tmp_path / "seg"
    (seg / "images").mkdir(parents=True)
    (seg / "masks").mkdir()
    Image.fromarray(pixels).save(seg / "images" / "0.png")
    ids = np.arange(64, dtype=np.uint8).reshape(8, 8) % 3
    palette = Image.fromarray(ids, mode="P")
    palette.putpalette([0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * (256 * 3 - 9))  # VOC colours
    palette.save(seg / "masks" / "0.png")
    mask = labelcheck.scan(seg).stats.columns["mask"]
    # By index, never converted to RGB: the ids 0..2, not colours.
    assert mask.pixels == {v: int((ids == v).sum()) for v in range(3)}
    assert mask.colour_masks == 0
