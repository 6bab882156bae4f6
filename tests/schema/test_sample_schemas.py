"""schemas/: one reviewed schema per file in sample_data/, each valid and meaningful."""

from __future__ import annotations

from pathlib import Path

import pytest

import labelcheck
from labelcheck.io.readers import FORMATS
from labelcheck.schema import load_schema

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p for p in (ROOT / "sample_data").iterdir() if p.suffix in FORMATS or p.is_dir())
SCHEMAS = sorted((ROOT / "schemas").glob("*.yaml"))

#: Error codes each sample must report when scanned with its schema.
EXPECTED_ERRORS = {
    "classic.parquet": {"LC204", "LC205", "LC214"},
    "classic.npz": {"LC204", "LC205", "LC214"},
    "clean.parquet": set(),
    "labels_1_to_10.feather": {"LC204"},
    "pixels.parquet": {"LC206"},
    "regression_nan_inf.csv": {"LC101", "LC102"},
    "string_labels.jsonl": set(),
    # A folder of class folders: one report (a truncated JPEG).
    "pet_images": {"LC401"},
    # A segmentation pair: masks stored 0/255 for 2 classes.
    "seg_masks": {"LC406"},
    # A directory of named splits: the errors of each split (one report each).
    "adult_splits": {
        "train": set(),
        "validation": {"LC109"},  # age scaled to [0, 1] in this split only
        "test": {"LC214", "LC303", "LC304"},  # "<=50K." labels; rows copied from train
    },
}


def _schema_of(sample: Path) -> Path:
    return ROOT / "schemas" / f"{sample.name.split('.')[0]}.yaml"


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda p: p.name)
def test_each_schema_validates(schema):
    loaded = load_schema(schema)
    assert loaded.data["version"] == 1


def test_every_sample_has_a_schema_and_every_schema_a_sample():
    assert {_schema_of(s) for s in SAMPLES} == set(SCHEMAS)
    assert set(EXPECTED_ERRORS) == {s.name for s in SAMPLES}


@pytest.mark.parametrize(
    "sample",
    [s for s in SAMPLES if not isinstance(EXPECTED_ERRORS[s.name], dict)],
    ids=lambda p: p.name,
)
def test_each_sample_against_its_schema(sample):
    report = labelcheck.scan(sample, schema=_schema_of(sample))
    errors = {f.code for f in report.findings if f.severity == "error"}
    assert errors == EXPECTED_ERRORS[sample.name]
    assert "LC109" not in {f.code for f in report.findings}  # ranges hold for every sample


@pytest.mark.parametrize(
    "sample",
    [s for s in SAMPLES if isinstance(EXPECTED_ERRORS[s.name], dict)],
    ids=lambda p: p.name,
)
def test_each_split_sample_against_its_schema(sample):
    reports = labelcheck.scan_splits(sample, schema=_schema_of(sample))
    errors = {
        split: {f.code for f in report.findings if f.severity == "error"}
        for split, report in reports.items()
    }
    assert errors == EXPECTED_ERRORS[sample.name]
