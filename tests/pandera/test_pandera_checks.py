"""pandera interop with real pandera: registered check methods and schema conversion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

import labelcheck.pandera_checks as lcp

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def _user_schema(df: pd.DataFrame, label: str, n_classes: int) -> pa.DataFrameSchema:
    """What a pandera user writes, adding labelcheck's checks to their own schema."""
    features = {
        name: pa.Column(float, [pa.Check.lc_finite(), pa.Check.lc_no_sparse_outliers(label=False)])
        for name in df.columns
        if name != label
    }
    return pa.DataFrameSchema(
        {
            **features,
            label: pa.Column(
                int,
                [pa.Check.lc_class_ids(n_classes=n_classes), pa.Check.lc_no_sparse_outliers()],
            ),
        },
        strict=True,
    )


def test_importing_labelcheck_does_not_import_pandera():
    code = (
        "import sys, labelcheck, labelcheck.api, labelcheck.cli, labelcheck.schema;"
        "assert 'pandera' not in sys.modules, 'pandera imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_checks_are_registered_with_pandera():
    for name in lcp.CHECK_NAMES:
        assert name in pa.Check.REGISTERED_CUSTOM_CHECKS
    lcp.register()  # idempotent: a second registration does not raise


def test_user_schema_raises_schema_errors_on_the_classic_sample():
    df = pd.read_parquet(SAMPLES / "classic.parquet")
    with pytest.raises(pa.errors.SchemaErrors) as info:
        _user_schema(df, "y", n_classes=5).validate(df, lazy=True)
    cases = info.value.failure_cases
    failing = cases[["column", "check", "failure_case", "index"]].to_dict("records")
    assert {
        "column": "y",
        "check": "lc_class_ids(n_classes=5)",
        "failure_case": 8000,
        "index": 20,
    } in failing
    assert {
        "column": "y",
        "check": "lc_no_sparse_outliers",
        "failure_case": 8000,
        "index": 20,
    } in failing
    assert set(cases["column"]) == {"y"}  # the features are fine


def test_user_schema_passes_on_the_clean_sample():
    df = pd.read_parquet(SAMPLES / "clean.parquet")
    validated = _user_schema(df, "target", n_classes=3).validate(df, lazy=True)
    assert validated.shape == df.shape


def test_lc_finite_flags_inf_and_non_nullable_columns_flag_nan():
    df = pd.DataFrame({"x": [0.1, np.inf, -np.inf, np.nan, 0.5]})
    schema = pa.DataFrameSchema({"x": pa.Column(float, pa.Check.lc_finite())})
    with pytest.raises(pa.errors.SchemaErrors) as info:
        schema.validate(df, lazy=True)
    cases = info.value.failure_cases
    inf_rows = cases[cases["check"] == "lc_finite"]["index"].tolist()
    assert sorted(inf_rows) == [1, 2]
    assert 3 in cases[cases["check"] == "not_nullable"]["index"].tolist()


def test_lc_in_classes_and_lc_range():
    df = pd.DataFrame({"label": ["cat", "dog", "fish"], "px": [0, 255, 300]})
    schema = pa.DataFrameSchema(
        {
            "label": pa.Column(str, pa.Check.lc_in_classes(classes=["cat", "dog"])),
            "px": pa.Column(int, pa.Check.lc_range(min_value=0, max_value=255)),
        }
    )
    with pytest.raises(pa.errors.SchemaErrors) as info:
        schema.validate(df, lazy=True)
    failing = set(
        zip(
            info.value.failure_cases["column"],
            info.value.failure_cases["failure_case"],
            strict=True,
        )
    )
    assert failing == {("label", "fish"), ("px", 300)}


def test_to_pandera_from_a_schema_file():
    schema = lcp.to_pandera(SCHEMAS / "classic.yaml")
    assert isinstance(schema, pa.DataFrameSchema)
    assert list(schema.columns) == ["x0", "x1", "x2", "x3", "x4", "y"]
    df = pd.read_parquet(SAMPLES / "classic.parquet")
    with pytest.raises(pa.errors.SchemaErrors) as info:
        schema.validate(df, lazy=True)
    cases = info.value.failure_cases
    checks = set(cases.loc[cases["column"] == "y", "check"])
    assert checks == {
        "lc_in_classes(classes=[0, 1, 2, 3, 4])",
        "lc_class_ids(n_classes=5)",
        "lc_no_sparse_outliers",
    }
    assert set(cases["failure_case"]) == {8000}
    # The clean sample passes its own schema.
    clean = pd.read_parquet(SAMPLES / "clean.parquet")
    lcp.to_pandera(SCHEMAS / "clean.yaml").validate(clean, lazy=True)


def test_to_pandera_regression_and_missing_columns():
    schema = lcp.to_pandera(
        {
            "version": 1,
            "label": "t",
            "task": "regression",
            "features": ["a"],
            "columns": {"a": {"min": 0, "max": 1}},
        }
    )
    df = pd.DataFrame({"a": [0.5, 2.0], "t": [1.0, np.inf]})
    with pytest.raises(pa.errors.SchemaErrors) as info:
        schema.validate(df, lazy=True)
    cases = info.value.failure_cases
    assert set(zip(cases["column"], cases["check"], strict=True)) == {
        ("a", "lc_range(min_value=0, max_value=1)"),
        ("t", "lc_finite"),
    }
    with pytest.raises(pa.errors.SchemaErrors, match="column 'a' not in dataframe"):
        schema.validate(pd.DataFrame({"t": [1.0]}), lazy=True)


def test_to_pandera_respects_the_ignore_index_marker():
    labels = [i % 3 for i in range(60)] + [-100, -100]
    df = pd.DataFrame({"x": np.linspace(0, 1, 62), "y": labels})
    declared = {
        "version": 1,
        "label": "y",
        "task": "classification",
        "n_classes": 3,
        "classes": [0, 1, 2],
        "features": ["x"],
    }
    with pytest.raises(pa.errors.SchemaErrors) as info:
        lcp.to_pandera(declared).validate(df, lazy=True)
    assert set(info.value.failure_cases["failure_case"]) == {-100}
    lcp.to_pandera({**declared, "ignore_index": -100}).validate(df, lazy=True)
