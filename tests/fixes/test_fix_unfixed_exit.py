"""`labelcheck fix` writes what it can and exits 1 when an error-level finding remains."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from labelcheck.cli import app

runner = CliRunner()


def test_fix_exits_1_when_an_error_is_not_fixed_automatically(tmp_path):
    # Three classes under binary cross-entropy: LC209, an error no step can fix.
    data = tmp_path / "b.csv"
    pd.DataFrame({"x": np.arange(30.0), "label": np.arange(30) % 3}).to_csv(data, index=False)
    out = tmp_path / "b.fixed.csv"
    result = runner.invoke(app, ["fix", str(data), "--loss", "bce", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "not fixed automatically" in result.output and "LC209" in result.output
    assert len(pd.read_csv(out)) == 30  # written all the same
    plan = json.loads((tmp_path / "b.fixed.plan.json").read_text())
    assert [u[:5] for u in plan["unfixed"]] == ["LC209"]


def test_fix_exits_0_when_only_warnings_remain(tmp_path):
    data = tmp_path / "r.csv"
    y = np.r_[np.zeros(40, int), np.ones(2, int)]  # a rare class: LC210, a warning
    pd.DataFrame({"x": np.linspace(0, 1, 42), "label": y}).to_csv(data, index=False)
    out = tmp_path / "r.fixed.csv"
    result = runner.invoke(app, ["fix", str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output
    plan = json.loads((tmp_path / "r.fixed.plan.json").read_text())
    assert plan["unfixed"] and all("(warning)" in u for u in plan["unfixed"])
