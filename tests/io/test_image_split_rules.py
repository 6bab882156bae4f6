"""Class-folder rules on images (issue 17 item 3): LC304/LC305 between split folders,
LC210/LC211 on class folders, through the real CLI and the library.

The expected counts come from walking the files the test wrote; ``rows`` counts
images (files), never pixels: every image here has 64 pixels, so a pixel count
could not pass for an image count.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

import labelcheck

SIDE = 8  # 64 pixels an image
_SEEDS = itertools.count(1)


def _write(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):  # distinct random pictures: no LC301/LC303 noise
        rng = np.random.default_rng(next(_SEEDS))
        pixels = rng.integers(0, 256, (SIDE, SIDE, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{i}.png")


def _images(folder: Path) -> int:
    """The images of a class folder, counted from the disk."""
    return sum(1 for p in folder.iterdir() if p.suffix == ".png")


def _splits(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    # train: 'cat' outnumbers 'dog' 101:1 (LC211), 'dog' has fewer than 5 (LC210).
    _write(root / "train" / "cat", 202)
    _write(root / "train" / "dog", 2)
    # test: balanced cat/dog (LC305: 99% -> 43%) and a class train lacks (LC304).
    _write(root / "test" / "cat", 10)
    _write(root / "test" / "dog", 10)
    _write(root / "test" / "fox", 3)
    (root / "test" / "fox" / "Thumbs.db").write_bytes(b"\0" * 16)  # not an image
    return root


def _scan_json(root: Path) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "labelcheck", "scan", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr  # LC304 is an error
    assert proc.stderr == ""
    return json.loads(proc.stdout)


def _by_code(report: dict, code: str) -> list[dict]:
    return [f for f in report["findings"] if f["code"] == code]


def test_split_class_folders_give_lc304_lc305_counting_images(tmp_path):
    root = _splits(tmp_path)
    train = {c.name: _images(c) for c in (root / "train").iterdir()}
    test = {c.name: _images(c) for c in (root / "test").iterdir()}
    unseen = {c: n for c, n in test.items() if c not in train}
    assert unseen == {"fox": 3}
    train_json, test_json = _scan_json(root)
    assert (train_json["rows"], test_json["rows"]) == (sum(train.values()), sum(test.values()))
    lc304 = _by_code(test_json, "LC304")
    assert len(lc304) == 1
    assert lc304[0]["values"] == list(unseen) and lc304[0]["rows"] == sum(unseen.values())
    assert lc304[0]["rows"] != sum(unseen.values()) * SIDE * SIDE
    # LC305: the total variation distance of the class shares, computed here.
    classes = set(train) | set(test)
    p = {c: train.get(c, 0) / sum(train.values()) for c in classes}
    q = {c: test.get(c, 0) / sum(test.values()) for c in classes}
    tvd = 0.5 * sum(abs(p[c] - q[c]) for c in classes)
    lc305 = _by_code(test_json, "LC305")
    assert len(lc305) == 1 and f"TVD {tvd:.2f}" in lc305[0]["message"]
    moved = max(classes, key=lambda c: abs(p[c] - q[c]))
    assert lc305[0]["values"][0] == moved
    assert f"{p[moved]:.1%} -> {q[moved]:.1%}" in lc305[0]["message"]
    assert not _by_code(train_json, "LC304") and not _by_code(train_json, "LC305")
    # The library gives the same per split.
    reports = labelcheck.scan_splits(root)
    assert [f.rows for f in reports["test"].by_code("LC304")] == [3]
    assert [f.values for f in reports["test"].by_code("LC304")] == [("fox",)]


def test_class_folders_give_lc210_and_lc211_counting_images(tmp_path):
    root = _splits(tmp_path)
    train = {c.name: _images(c) for c in (root / "train").iterdir()}
    test = {c.name: _images(c) for c in (root / "test").iterdir()}
    train_json, test_json = _scan_json(root)
    for counts, report in ((train, train_json), (test, test_json)):
        rare = {c: n for c, n in counts.items() if n < 5}
        lc210 = _by_code(report, "LC210")
        assert len(lc210) == 1
        assert set(lc210[0]["values"]) == set(rare) and lc210[0]["rows"] == sum(rare.values())
        for c, n in rare.items():
            assert f"'{c}': {n}" in lc210[0]["message"]
    big, small = max(train, key=train.get), min(train, key=train.get)
    assert train[big] / train[small] > 100
    lc211 = _by_code(train_json, "LC211")
    assert len(lc211) == 1 and lc211[0]["severity"] == "info"
    assert lc211[0]["values"] == [big, small]
    message = lc211[0]["message"]
    assert f"{train[big]:,} rows" in message and f"{small!r} {train[small]:,}" in message
    assert f"({train[big] / train[small]:,.0f}:1)" in message
    assert not _by_code(test_json, "LC211")  # 10:3 in test
    # A single class folder: the same rules on a plain (unsplit) folder of classes.
    report = labelcheck.scan(root / "train")
    assert [f.rows for f in report.by_code("LC210")] == [train[small]]
    assert [f.values for f in report.by_code("LC211")] == [(big, small)]
