"""Schema files: validation against the shipped JSON Schema, one-line errors, layering."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import labelcheck
from labelcheck.errors import InputError
from labelcheck.options import Thresholds
from labelcheck.pipeline import make_options
from labelcheck.schema import (
    json_schema,
    json_schema_path,
    load_schema,
    merge_settings,
    options_from_settings,
)

ROOT = Path(__file__).resolve().parents[2]

FULL = """\
version: 1
label: y
task: classification
n_classes: 11
classes: [0, 1, 2]
loss: sparse_categorical_crossentropy
precision: fp16
features: [f0, f1]
columns: {f0: {min: 0, max: 255}}
rules: {ignore: [LC103], severity: {LC207: error}}
thresholds: {scale_max_abs: 10, rare_class_min: 5, scale_spread: 1e3}
"""


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(InputError) as info:
        load_schema(_write(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message
    return message.replace(str(tmp_path) + "/", "")


def test_the_spec_example_loads_into_options(tmp_path):
    schema = load_schema(_write(tmp_path, FULL))
    options = options_from_settings(schema.settings())
    assert options.label == "y"
    assert options.task == "classification"
    assert options.n_classes == 11
    assert options.classes == (0, 1, 2)
    assert options.loss == "sparse_categorical_crossentropy"
    assert options.precision == "fp16"
    assert options.features == ("f0", "f1")
    assert options.ranges == {"f0": (0, 255)}
    assert options.ignore == ("LC103",)
    assert options.severity == {"LC207": "error"}
    # `1e3` is a number here, although YAML 1.1 would read it as a string.
    assert options.thresholds.scale_spread == 1000.0
    assert options.thresholds.rare_class_min == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nn_clases: 3\n", "s.yaml: unknown key 'n_clases' (did you mean 'n_classes'?)"),
        (
            "version: 1\nrules: {ignor: [LC103]}\n",
            "s.yaml: unknown key 'rules.ignor' (did you mean 'ignore'?)",
        ),
        (
            "version: 1\ncolumns: {f0: {minimum: 0}}\n",
            "s.yaml: unknown key 'columns.f0.minimum' (did you mean 'min'?)",
        ),
        (
            "version: 1\nthresholds: {rare_clas_min: 3}\n",
            "s.yaml: unknown key 'thresholds.rare_clas_min' (did you mean 'rare_class_min'?)",
        ),
        ("label: y\n", "s.yaml: missing required key 'version' (add `version: 1` at the top)"),
        ("version: 2\n", "s.yaml: unsupported version 2; this labelcheck reads version 1"),
        ("version: 1\nn_classes: three\n", "s.yaml: n_classes: expected an integer, got 'three'"),
        (
            "version: 1\ntask: classify\n",
            "s.yaml: task: 'classify' is not one of auto, classification, regression",
        ),
        (
            "version: 1\nrules: {severity: {LC207: fatal}}\n",
            "s.yaml: rules.severity.LC207: 'fatal' is not one of error, warning, info",
        ),
        (
            "version: 1\ncolumns: {f0: {min: 5, max: 1}}\n",
            "s.yaml: columns.f0: min 5 is greater than max 1",
        ),
        ("version: 1\nloss: nll_loss\n", "s.yaml: unknown loss 'nll_loss'; known losses:"),
        ("version: 1\nrules: {ignore: [LC999]}\n", "s.yaml: ignore: unknown rule code 'LC999'"),
        ("version: 1\nlabel: [y\n", "s.yaml: invalid YAML at line 3, column 1:"),
        ("- version: 1\n", "s.yaml: a schema is a mapping of keys"),
        ("", "s.yaml: the schema file is empty; start it with `version: 1`"),
    ],
)
def test_invalid_schemas_name_the_file_and_the_key(tmp_path, text, expected):
    assert _error(tmp_path, text).startswith(expected)


def test_missing_schema_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.yaml: schema file not found; check the path"):
        load_schema(tmp_path / "nope.yaml")


def test_dict_schemas_are_validated_too():
    with pytest.raises(
        InputError, match=r"^schema: unknown key 'lable' \(did you mean 'label'\?\)"
    ):
        load_schema({"version": 1, "lable": "y"})


def test_flags_override_the_schema_and_ignores_accumulate():
    schema = {
        "version": 1,
        "label": "target",
        "n_classes": 3,
        "task": "classification",
        "rules": {"ignore": ["LC211"], "severity": {"LC207": "error"}},
        "thresholds": {"rare_class_min": 2},
    }
    defaults = {"ignore": ("LC210",), "thresholds": {"rare_class_min": 9, "outlier_gap": 7}}
    options = make_options(n_classes=5, ignore=["LC103"], schema=schema, defaults=defaults)
    assert options.label == "target"  # from the schema
    assert options.n_classes == 5  # the flag wins
    assert options.ignore == ("LC210", "LC211", "LC103")
    assert options.severity == {"LC207": "error"}
    assert options.thresholds.rare_class_min == 2  # schema over config
    assert options.thresholds.outlier_gap == 7  # config default kept
    assert options.origins == {
        "label": "the schema",
        "task": "the schema",
        "severity": "the schema",
        "thresholds": "the schema",
    }


@given(
    a=st.dictionaries(st.sampled_from(["label", "loss", "n_classes"]), st.integers(), max_size=3),
    b=st.dictionaries(st.sampled_from(["label", "loss", "n_classes"]), st.integers(), max_size=3),
)
def test_later_layers_win_for_scalars(a, b):
    merged = merge_settings(a, b)
    assert merged == {**a, **b}


def test_library_scan_with_a_schema_path(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.random((60, 2))
    y = np.r_[np.arange(59) % 3, 3]
    schema = _write(tmp_path, "version: 1\nlabel: y\nclasses: [0, 1, 2]\n")
    report = labelcheck.scan((X, y), schema=schema)
    assert [f.code for f in report.findings if f.severity == "error"] == ["LC214"]
    assert report.task.reason == "integer-valued labels (4 distinct values)"
    # A keyword beats the schema: `select` narrows the rules to LC1xx.
    assert labelcheck.scan((X, y), schema=schema, select=["LC1"]).findings == []


def test_exclude_keeps_columns_out_of_the_scan(tmp_path):
    rng = np.random.default_rng(1)
    X = np.c_[rng.random(50), np.arange(50) * 1e6]  # x1: an id column at scale 1e6
    report = labelcheck.scan((X, np.arange(50) % 2), schema={"version": 1, "exclude": ["x1"]})
    assert "x1" not in report.stats.columns
    assert report.stats.plan.features == ("x0",)


def test_thresholds_in_the_json_schema_match_the_options():
    declared = set(json_schema()["$defs"]["thresholds"]["properties"])
    assert declared == {f.name for f in fields(Thresholds)}


def test_json_schema_is_a_valid_draft_2020_12_schema():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(json_schema())
    # Installed or editable, the schema in use is the one in the repository.
    repo_copy = json.loads((ROOT / "schemas" / "labelcheck.schema.json").read_text())
    assert json.loads(json_schema_path().read_text()) == repo_copy


def test_the_wheel_ships_the_json_schema(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("labelcheck-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        shipped = json.loads(zf.read("labelcheck/schemas/labelcheck.schema.json"))
    assert shipped == json_schema()


# ------------------------------------------------------------- hostile YAML (#9)
def _alias_bomb(levels: int = 9) -> str:
    """The "billion laughs" schema: 9 aliases a level, 9**levels values once expanded."""
    lines = ["version: 1", "a0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]")
    lines.append(f"classes: *a{levels - 1}")
    return "\n".join(lines) + "\n"


HOSTILE_YAML = {
    "alias-bomb": (_alias_bomb(), "once its aliases are expanded"),
    "deep-nesting": ("version: 1\nclasses: " + "[" * 5000 + "]" * 5000 + "\n", "nested more"),
    "recursive-alias": ("version: 1\nclasses: &c [0, *c]\n", "the alias *c refers to itself"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_YAML))
def test_hostile_yaml_is_refused_before_expanding(tmp_path, case):
    text, expected = HOSTILE_YAML[case]
    assert len(_alias_bomb()) < 500  # 425 bytes in the report
    schema = tmp_path / "s.yaml"
    schema.write_text(text)
    with pytest.raises(
        InputError, match=rf"s\.yaml: schema file too large or too deep: .*{re.escape(expected)}"
    ):
        load_schema(schema)
    data = tmp_path / "d.parquet"
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"x": [0.5, 0.25], "y": [0, 1]}), data)
    proc = subprocess.run(
        [sys.executable, "-m", "labelcheck", "scan", str(data), "--schema", str(schema)],
        capture_output=True,
        text=True,
        timeout=60,  # a hang guard, not a speed target: unbounded, this took a minute
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and expected in proc.stderr, proc.stderr
    assert schema.read_text() == text


def test_a_yaml_bomb_in_the_repo_configuration(tmp_path):
    from labelcheck.config import load_config

    config = tmp_path / "labelcheck.yaml"
    config.write_text(_alias_bomb().replace("classes:", "files:"))
    with pytest.raises(InputError, match=r"labelcheck\.yaml: configuration file too large"):
        load_config(config)


def test_anchors_and_a_large_literal_schema_still_load(tmp_path):
    """Aliases are fine within bounds; 20,000 literal classes are a schema, not a bomb."""
    schema = tmp_path / "s.yaml"
    schema.write_text("version: 1\nclasses: &c [0, 1, 2]\ndescription: ok\n")
    assert load_schema(schema).data["classes"] == [0, 1, 2]
    schema.write_text(f"version: 1\nclasses: [{', '.join(map(str, range(20_000)))}]\n")
    assert len(load_schema(schema).data["classes"]) == 20_000


def test_a_huge_value_in_an_error_message_is_shortened(tmp_path):
    schema = tmp_path / "s.yaml"
    schema.write_text(f"version: 1\nclasses: [{', '.join(['7'] * 50_000)}]\n")
    with pytest.raises(InputError, match="non-unique") as info:
        load_schema(schema)
    assert len(str(info.value)) < 400


def test_an_endless_schema_file_is_refused_after_the_bound(tmp_path):
    """/dev/zero (size 0 to stat) or a huge file: read at most the bound, then refuse."""
    from labelcheck.schema import MAX_YAML_BYTES

    huge = tmp_path / "huge.yaml"
    huge.write_text("version: 1\ndescription: " + "x" * MAX_YAML_BYTES + "\n")
    for path in (huge, Path("/dev/zero")):
        with pytest.raises(InputError, match="larger than a schema needs"):
            load_schema(path)
