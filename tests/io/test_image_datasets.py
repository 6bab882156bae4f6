"""Hugging Face ``datasets`` images (issue 17 item 1), built locally, no hub: a
``DatasetDict`` whose image column is cast to ``Image()``, and a Parquet file written
by ``Dataset.to_parquet`` with the images' bytes inside. Expectations come from the
pictures themselves (decoded with Pillow here), never from labelcheck's output."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image

import labelcheck

datasets = pytest.importorskip("datasets")


def _picture(seed: int, mode: str = "RGB") -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    return Image.fromarray(pixels).convert(mode)


def _key(im: Image.Image) -> tuple:
    return im.mode, im.size, im.tobytes()


def _file_key(path: Path) -> tuple:
    with Image.open(path) as im:
        im.load()
        return _key(im)


def test_dataset_dict_cast_to_image_scans_per_split(tmp_path):
    files = {}
    for name, seed, mode in [("a", 1, "RGB"), ("b", 2, "RGB"), ("c", 3, "RGB"), ("d", 4, "RGB")]:
        files[name] = tmp_path / f"{name}.png"
        _picture(seed, mode).save(files[name])
    files["gray"] = tmp_path / "gray.png"
    _picture(5, "L").save(files["gray"])
    files["a_copy"] = tmp_path / "a_copy.bmp"  # train's 'a', renamed and re-encoded
    _picture(1).save(files["a_copy"])
    splits = {"train": (["a", "b", "c"], [0, 1, 0]), "test": (["d", "a_copy", "gray"], [1, 0, 1])}
    dd = datasets.DatasetDict(
        {
            split: datasets.Dataset.from_dict(
                {"image": [str(files[n]) for n in names], "label": labels}
            ).cast_column("image", datasets.Image())
            for split, (names, labels) in splits.items()
        }
    )
    assert dd["train"].data.schema.field("image").type.num_fields == 2  # struct<bytes, path>
    reports = labelcheck.scan_splits(dd)
    assert list(reports) == ["train", "test"]
    # Independent counts: decode every file here.
    decoded = {n: _file_key(p) for n, p in files.items()}
    train_pictures = {decoded[n] for n in splits["train"][0]}
    leaked = sum(decoded[n] in train_pictures for n in splits["test"][0])
    for split, (names, _) in splits.items():
        stats = reports[split].stats.columns["image"]
        assert reports[split].rows == len(names)
        assert (stats.decoded, stats.failed) == (len(names), 0)
        modes = {decoded[n][0] for n in names}
        assert set(stats.modes) == modes
        assert bool(reports[split].by_code("LC402")) == (len(modes) > 1)
    assert leaked == 1
    assert [f.rows for f in reports["test"].by_code("LC303")] == [leaked]
    assert reports["test"].by_code("LC402")[0].severity == "error"  # a table: no conversion
    assert reports["train"].stats.plan.label == "label"


def test_parquet_written_by_datasets_holds_image_bytes_and_scans_as_images(tmp_path):
    pictures = [_picture(1), _picture(2), _picture(1), _picture(3, "L"), _picture(4)]
    labels = [0, 1, 0, 1, 0]
    values: list = list(pictures)
    values.append({"bytes": b"not an image at all", "path": "junk.png"})
    labels.append(1)
    features = datasets.Features(
        {"image": datasets.Image(), "label": datasets.ClassLabel(names=["cat", "dog"])}
    )
    ds = datasets.Dataset.from_dict({"image": values, "label": labels}, features=features)
    path = tmp_path / "train.parquet"
    ds.to_parquet(str(path))
    # The premise: datasets stored the encoded bytes, and declared the column an Image.
    table = pq.read_table(path)
    stored = table.column("image").to_pylist()
    assert all(isinstance(v["bytes"], bytes) and v["bytes"] for v in stored)
    assert b'"Image"' in table.schema.metadata[b"huggingface"]
    # Independent counts from the stored bytes.
    keys: list = []
    for v in stored:
        try:
            with Image.open(io.BytesIO(v["bytes"])) as im:
                im.load()
                keys.append(_key(im))
        except Exception:
            keys.append(None)
    readable = [k for k in keys if k is not None]
    rows = list(zip(keys, labels, strict=True))
    copies = len([r for r in rows if r[0] is not None]) - len({r for r in rows if r[0]})
    proc = subprocess.run(
        [sys.executable, "-m", "labelcheck", "scan", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and proc.stderr == "", proc.stderr
    data = json.loads(proc.stdout)
    assert data["rows"] == len(stored)
    column = data["columns"]["image"]
    assert (column["decoded"], column["failed"]) == (len(readable), len(keys) - len(readable))
    codes = {f["code"]: f for f in data["findings"]}
    assert codes["LC401"]["rows"] == keys.count(None) and "junk.png" in codes["LC401"]["message"]
    assert codes["LC301"]["rows"] == copies == 1
    assert codes["LC402"]["severity"] == "error"
    assert {k[0] for k in readable} == {"RGB", "L"}


def test_a_dataset_dict_saved_to_disk_scans_per_split(tmp_path):
    """``save_to_disk`` writes ``dataset_dict.json``, ``state.json`` and
    ``dataset_info.json`` beside the Arrow files: bookkeeping, not rows (they used to
    make the folder "mix named splits with other files", exit 2)."""
    features = datasets.Features(
        {"image": datasets.Image(), "label": datasets.ClassLabel(names=["cat", "dog"])}
    )
    content = {
        "train": ([_picture(1), _picture(2), _picture(3), _picture(4)], [0, 1, 0, 1]),
        "test": ([_picture(5), _picture(2), _picture(6, "L")], [0, 1, 1]),
    }
    dd = datasets.DatasetDict(
        {
            split: datasets.Dataset.from_dict({"image": ims, "label": y}, features=features)
            for split, (ims, y) in content.items()
        }
    )
    root = tmp_path / "saved"
    dd.save_to_disk(str(root))
    assert (root / "dataset_dict.json").is_file() and (root / "train" / "state.json").is_file()
    train_keys = {_key(im) for im in content["train"][0]}
    leaked = sum(_key(im) in train_keys for im in content["test"][0])
    proc = subprocess.run(
        [sys.executable, "-m", "labelcheck", "scan", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and proc.stderr == "", proc.stderr
    train, test = json.loads(proc.stdout)
    for report, (ims, _) in ((train, content["train"]), (test, content["test"])):
        assert report["rows"] == len(ims)
        assert report["columns"]["image"]["decoded"] == len(ims)
    assert [f["rows"] for f in test["findings"] if f["code"] == "LC303"] == [leaked] == [1]
    assert "LC402" in {f["code"] for f in test["findings"]}
