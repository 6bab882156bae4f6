"""sample_data/README.md says what labelcheck reports for each file: keep it true."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelcheck.cli import app

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"

# file, extra args, exit code, codes reported (the README line names each)
EXPECTED = [
    ("classic.parquet", [], 1, {"LC205", "LC210"}),
    ("classic.npz", [], 1, {"LC205", "LC210"}),
    ("pixels.parquet", [], 1, {"LC206", "LC103"}),
    ("pixels.parquet", ["--loss", "hinge"], 1, {"LC209", "LC103"}),
    ("clean.parquet", [], 0, set()),
    ("regression_nan_inf.csv", [], 1, {"LC101", "LC102"}),
    ("string_labels.jsonl", [], 0, {"LC213"}),
    ("labels_1_to_10.feather", [], 0, {"LC207"}),
    ("labels_1_to_10.feather", ["--n-classes", "10"], 1, {"LC204", "LC207"}),
    ("pet_images", [], 1, {"LC401", "LC402", "LC103"}),
    ("seg_masks", [], 1, {"LC406", "LC103"}),
]


def _readme_lines() -> dict[str, str]:
    text = (SAMPLES / "README.md").read_text()
    return dict(re.findall(r"^- `([^`]+)` — (.*)$", text, re.M))


def test_every_sample_file_has_a_readme_line():
    files = {p.name for p in SAMPLES.iterdir() if p.name != "README.md"}
    assert set(_readme_lines()) == files


@pytest.mark.parametrize(("name", "args", "code", "codes"), EXPECTED)
def test_sample_file_reports_what_the_readme_says(name, args, code, codes):
    result = CliRunner().invoke(app, ["scan", str(SAMPLES / name), *args, "--format", "json"])
    assert result.exit_code == code, result.output
    report = json.loads(result.stdout)
    assert {f["code"] for f in report["findings"]} == codes
    line = _readme_lines()[name]
    for c in codes:
        assert c in line, (name, c)
    if not args:
        assert f"exit {code}" in line


def test_the_split_sample_reports_what_the_readme_says():
    """adult_splits/: one report per split, each split but train checked against train."""
    path = SAMPLES / "adult_splits"
    result = CliRunner().invoke(app, ["scan", str(path), "--label", "income", "--format", "json"])
    assert result.exit_code == 1, result.output
    reports = {r["source"].rsplit("[", 1)[1][:-1]: r for r in json.loads(result.stdout)}
    codes = {split: {f["code"] for f in r["findings"]} for split, r in reports.items()}
    assert codes == {
        "train": {"LC110", "LC301", "LC302", "LC103", "LC213"},
        "validation": {"LC306", "LC103", "LC104", "LC213"},
        "test": {"LC303", "LC304", "LC305", "LC110", "LC103", "LC213"},
    }
    line = _readme_lines()["adult_splits"]
    for split_codes in codes.values():
        for c in split_codes:
            assert c in line, c
    (leak,) = [f for f in reports["test"]["findings"] if f["code"] == "LC303"]
    assert leak["rows"] == 15 and "15 rows copied from train" in line
    (markers,) = [f for f in reports["train"]["findings"] if f["code"] == "LC110"]
    assert markers["rows"] == 18 and markers["values"] == ["?"]


def test_the_main_readme_shows_real_output_of_the_row_and_split_rules():
    readme = (SAMPLES.parent / "README.md").read_text()
    shown = readme.split("<!-- rows-and-splits-example -->\n")[1].split("\n<!-- /")[0]
    args = ["scan", str(SAMPLES / "adult_splits"), "--label", "income"]
    result = CliRunner().invoke(app, [*args, "--select", "LC3,LC110", "--format", "markdown"])
    real = result.stdout.strip().replace(str(SAMPLES / "adult_splits"), "sample_data/adult_splits")
    assert shown.strip() == real
    for code in ("LC110", "LC301", "LC302", "LC303", "LC304", "LC305", "LC306"):
        assert code in shown, code


def _readme_block(marker: str) -> str:
    readme = (SAMPLES.parent / "README.md").read_text()
    return readme.split(f"<!-- {marker} -->\n")[1].split("\n<!-- /")[0].strip()


@pytest.mark.parametrize(
    ("name", "marker"), [("pet_images", "pet-images"), ("seg_masks", "seg-masks")]
)
def test_the_main_readme_shows_real_output_of_the_image_samples(name, marker):
    args = ["scan", str(SAMPLES / name), "--select", "LC4", "--format", "markdown"]
    result = CliRunner().invoke(app, args)
    real = result.stdout.strip().replace(str(SAMPLES), "sample_data")
    assert _readme_block(f"{marker}-example") == real


def _sha256(root: Path) -> dict[str, str]:
    import hashlib

    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_seg_masks_fix_maps_255_to_1_and_the_rescan_is_clean_as_the_readme_shows(
    tmp_path, monkeypatch
):
    """The README's fix and rescan of sample_data/seg_masks, run for real."""
    import numpy as np
    from PIL import Image

    source = SAMPLES / "seg_masks"
    before = _sha256(source)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    fixed = runner.invoke(app, ["fix", str(source), "-o", "seg-fixed", "--select", "LC4"])
    assert fixed.exit_code == 0, fixed.output
    rescan = runner.invoke(app, ["scan", "seg-fixed", "--select", "LC4"])
    assert rescan.exit_code == 0, rescan.output
    assert _sha256(source) == before  # the input is never written

    out = tmp_path / "seg-fixed"
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == sorted(before)  # the same layout, every pair kept
    for name in before:
        if name.startswith("images/"):
            assert (out / name).read_bytes() == (source / name).read_bytes()
        else:  # the masks: 0 stays 0, 255 becomes class id 1, pixel for pixel
            old = np.asarray(Image.open(source / name))
            assert set(np.unique(old).tolist()) == {0, 255}
            assert np.array_equal(np.asarray(Image.open(out / name)), old // 255)
    plan = json.loads((tmp_path / "seg-fixed.plan.json").read_text())
    (step,) = plan["steps"]
    assert (step["step"], step["mask_values"], step["mask_ids"]) == ("map-mask", [0, 255], [0, 1])

    shown = _readme_block("seg-masks-fix").removeprefix("```\n").removesuffix("\n```")
    real = (
        "$ labelcheck fix sample_data/seg_masks -o seg-fixed --select LC4\n"
        + fixed.stdout.replace(str(source), "sample_data/seg_masks")
        + "$ labelcheck scan seg-fixed --select LC4\n"
        + rescan.stdout
    )
    assert shown == real.strip()
