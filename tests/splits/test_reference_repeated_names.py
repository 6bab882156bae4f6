"""A reference whose header repeats a name gets LC111's treatment, not an internal error.

The repeated column is not compared (nothing says which ``a`` is meant), the
others are, and LC111 names it; expected leak counts from pandas on the
columns both files have unambiguously.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from labelcheck.cli import app

runner = CliRunner()


def _files(root: Path) -> tuple[Path, Path, int]:
    rng = np.random.default_rng(7)
    n = 60
    ref = pd.DataFrame(
        {"a": rng.integers(0, 9, n), "a2": rng.integers(0, 9, n), "b": np.arange(n), "y": n * [0]}
    )
    ref["y"] = rng.integers(0, 2, n)
    test = pd.DataFrame({"a": rng.integers(0, 9, 30), "b": np.arange(30) + 45, "y": 30 * [1]})
    root.mkdir(parents=True, exist_ok=True)
    ref_path, test_path = root / "train.csv", root / "test.csv"
    text = ref.to_csv(index=False).replace("a,a2,b,y", "a,a,b,y", 1)
    ref_path.write_text(text)
    test.to_csv(test_path, index=False)
    expected = int(test["b"].isin(ref["b"]).sum())  # compared on b only: 'a' is ambiguous
    return ref_path, test_path, expected


def _findings(output: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in json.loads(output)["findings"]:
        out.setdefault(f["code"], []).append(f)
    return out


def test_a_reference_repeating_a_name_is_compared_on_the_other_columns(tmp_path):
    ref, test, expected = _files(tmp_path)
    assert expected == 15
    result = runner.invoke(app, ["scan", str(test), "--reference", str(ref), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = _findings(result.stdout)
    assert found["LC303"][0]["rows"] == expected
    assert [(f["column"], f["values"]) for f in found["LC111"]] == [("a", [2])]
    assert "reference" in found["LC111"][0]["message"]


def test_a_split_directory_whose_train_repeats_a_name(tmp_path):
    _, _, expected = _files(tmp_path / "ds")
    result = runner.invoke(app, ["scan", str(tmp_path / "ds"), "--format", "json"])
    assert result.exit_code == 1, result.output
    train, split = json.loads(result.stdout)
    assert [f["column"] for f in train["findings"] if f["code"] == "LC111"] == ["a"]
    found = _findings(json.dumps(split))
    assert found["LC303"][0]["rows"] == expected
    assert [f["column"] for f in found["LC111"]] == ["a"]


def test_a_reference_repeating_the_label_is_a_user_error(tmp_path):
    _, test, _ = _files(tmp_path)
    ref = tmp_path / "bad.csv"
    ref.write_text("a,b,y,y\n1,2,0,1\n")
    result = runner.invoke(app, ["scan", str(test), "--reference", str(ref)])
    assert result.exit_code == 2
    assert "internal error" not in result.output
    assert "'y' is ambiguous" in result.output
