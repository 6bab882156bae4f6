"""Regenerate sample_data/ (deterministic, small). Run: python scripts/make_sample_data.py"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.feather as feather
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent.parent / "sample_data"


def features(rng: np.random.Generator, rows: int, cols: int) -> dict[str, np.ndarray]:
    return {f"x{i}": rng.random(rows) for i in range(cols)}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    rng = np.random.default_rng(20261125)

    # The classic case: 20 rows of 5 features in [0, 1), labels 0..4, plus one 8000.
    classic = features(rng, 21, 5)
    classic["y"] = np.r_[np.arange(20) % 5, 8000].astype(np.int64)
    pq.write_table(pa.table(classic), OUT / "classic.parquet")
    np.savez(
        OUT / "classic.npz", X=np.column_stack([classic[f"x{i}"] for i in range(5)]), y=classic["y"]
    )

    # Raw pixels 0..255 with sentiment-style labels -1/0/1.
    pixels = {f"px{i}": rng.integers(0, 256, 300).astype(np.uint8) for i in range(16)}
    pixels["label"] = np.tile([-1, 0, 1], 100).astype(np.int64)
    pq.write_table(pa.table(pixels), OUT / "pixels.parquet")

    # Clean and well scaled: standard-normal features, balanced labels 0..2.
    clean = {f"f{i}": rng.standard_normal(300) for i in range(4)}
    clean["target"] = np.tile([0, 1, 2], 100).astype(np.int64)
    pq.write_table(pa.table(clean), OUT / "clean.parquet")

    # Regression with NaN and Inf in the features (a ratio with a zero denominator).
    n = 200
    reg = features(rng, n, 3)
    reg["x1"][[5, 77, 150]] = np.nan
    reg["x2"][[10, 11]] = np.inf
    reg["target"] = rng.normal(0.0, 1.0, n).round(3) + 0.5
    pcsv.write_csv(pa.table(reg), OUT / "regression_nan_inf.csv")

    # String labels: fine, but they need encoding (info).
    animals = np.array(["bird", "cat", "dog"])[np.arange(90) % 3]
    strings = pa.table({"weight": rng.random(90), "height": rng.random(90), "label": animals})
    with open(OUT / "string_labels.jsonl", "w") as fh:
        for row in strings.to_pylist():
            import json

            fh.write(json.dumps(row) + "\n")

    # MATLAB-style labels 1..10 (with --n-classes 10: LC204 and LC207).
    ten = features(rng, 100, 3)
    ten["y"] = (np.arange(100) % 10 + 1).astype(np.int64)
    feather.write_feather(pa.table(ten), OUT / "labels_1_to_10.feather")

    adult_splits(rng, OUT / "adult_splits")
    pet_images(OUT / "pet_images")
    seg_masks(OUT / "seg_masks")


def adult_splits(rng: np.random.Generator, root: Path) -> None:
    """Census-income-like splits with the UCI adult data's defects (CSV, label `income`).

    train.csv: "?" for unknown capital gains (numbers stored as text), 6 rows
    appended twice, 4 rows whose copy carries the other label. validation.csv:
    `age` scaled to [0, 1] in this split only. test.csv: 15 rows copied from
    train (a leak) and labels written "<=50K." / ">50K." (the trailing period of
    the real adult.test file: classes train never saw).
    """
    root.mkdir(exist_ok=True)

    def people(n: int) -> list[dict]:
        gain = rng.choice([0, 0, 0, 0, 2174, 5178, 14084, 7688], n)
        cols = {
            "age": rng.integers(17, 90, n).tolist(),
            "education_num": rng.integers(1, 17, n).tolist(),
            "hours_per_week": rng.integers(10, 70, n).tolist(),
            "capital_gain": [str(int(g)) for g in gain],
            "income": rng.choice(["<=50K", ">50K"], n, p=[0.76, 0.24]).tolist(),
        }
        return [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]

    rows = people(400)
    for i in range(0, 400, 23):
        rows[i]["capital_gain"] = "?"
    rows += [dict(rows[i]) for i in (3, 50, 51, 120, 200, 333)]  # appended twice
    for i in (7, 90, 150, 260):  # the same person with the other label
        rows.append({**rows[i], "income": ">50K" if rows[i]["income"] == "<=50K" else "<=50K"})
    validation = people(120)
    for row in validation:
        row["age"] = round((row["age"] - 17) / 73, 4)
    test = people(135) + [dict(rows[i]) for i in range(10, 400, 26)]  # 15 training rows
    for row in test:
        row["income"] += "."
    for name, table in (("train", rows), ("validation", validation), ("test", test)):
        pcsv.write_csv(pa.Table.from_pylist(table), root / f"{name}.csv")


def pet_images(root: Path) -> None:
    """Class folders of tiny images (needs Pillow) with the defects of real image datasets.

    cat/: 5 RGB PNGs and a JPEG cut short (it opens, its pixels do not load: LC401).
    dog/: 5 RGB PNGs and one grayscale image among them (LC402), plus a Windows
    Thumbs.db, which is not an image.
    """
    import io

    from PIL import Image

    rng = np.random.default_rng(17)
    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(5):
            pixels = rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    Image.fromarray(rng.integers(0, 256, (12, 12), dtype=np.uint8)).save(root / "dog" / "gray.png")
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)).save(buf, format="JPEG")
    (root / "cat" / "cut.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) * 2 // 3])
    (root / "dog" / "Thumbs.db").write_bytes(b"\0" * 64)


def seg_masks(root: Path) -> None:
    """A tiny segmentation pair (needs Pillow): images/ and masks/, paired by file stem.

    Two classes (background, object) whose masks are stored as 0/255, as image
    editors and most binary-mask datasets save them: the loss needs 0 and 1 (LC406).
    """
    from PIL import Image

    rng = np.random.default_rng(406)
    for sub in ("images", "masks"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[:16, :16]
    for i in range(4):
        cy, cx, r = rng.integers(5, 11), rng.integers(5, 11), rng.integers(3, 6)
        inside = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        pixels = rng.integers(0, 96, (16, 16, 3), dtype=np.uint8)
        pixels[inside] += np.array([150, 120, 40], dtype=np.uint8)  # the object, brighter
        Image.fromarray(pixels).save(root / "images" / f"{i:04d}.png")
        Image.fromarray((inside * 255).astype(np.uint8)).save(root / "masks" / f"{i:04d}.png")


if __name__ == "__main__":
    main()
