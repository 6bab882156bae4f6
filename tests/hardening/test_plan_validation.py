"""Plans are validated against the JSON Schema, one line naming the step and key (item 9)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("plan")
    CliRunner().invoke(app, ["fix", str(SAMPLES / "classic.parquet"), "-o", str(tmp / "f.parquet")])
    return json.loads((tmp / "f.plan.json").read_text())


def _clip(**params):
    return {"step": "clip", "column": "x0", **params}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p["steps"].append(_clip(min="a", max=1)), "].min: expected a number, got 'a'"),
        (
            lambda p: p["steps"][-1].__setitem__("classes", "abc"),
            "].classes: expected an array, got 'abc'",
        ),
        (lambda p: p["steps"].append(_clip(min=0)), "on 'x0' lacks max"),
        (
            lambda p: p["steps"][0].__setitem__("when", "sometimes"),
            "'when' must be one of missing, inf, in, below, at-most, empty, all-zero, "
            "all-ignored, longer, out-of-range, lengths-differ, got 'sometimes'",
        ),
        (lambda p: p["steps"][0].__setitem__("rows", -3), "].rows: -3 is less than"),
        (lambda p: p.__setitem__("steps", {"a": 1}), "'steps' must be a list"),
        (lambda p: p["steps"][-1].__setitem__("ids", [1]), "1 'ids' for 5 'classes'"),
        (
            lambda p: p["steps"].insert(0, {"step": "drop-rows", "column": "y", "when": "below"}),
            "drop-rows when 'below' needs a 'value'",
        ),
    ],
    ids=[
        "min-text",
        "classes-string",
        "missing-max",
        "bad-when",
        "negative-rows",
        "steps-dict",
        "ids-length",
        "below-without-value",
    ],
)
def test_a_bad_plan_is_one_line_naming_the_step_and_key(plan, tmp_path, mutate, message):
    bad = json.loads(json.dumps(plan))
    mutate(bad)
    path = tmp_path / "bad.plan.json"
    path.write_text(json.dumps(bad))
    data = tmp_path / "c.parquet"
    shutil.copy(SAMPLES / "classic.parquet", data)
    result = CliRunner().invoke(
        app, ["apply", str(path), str(data), "-o", str(tmp_path / "o.parquet")]
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert "internal error" not in result.stderr
    with pytest.raises(labelcheck.InputError, match="step"):
        labelcheck.load_plan(path)
