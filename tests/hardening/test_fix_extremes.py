"""A fix never creates NaN or Inf, however large the values (hardening items 3 and 8)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app
from labelcheck.fixes.plan import FixPlan, Step

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=150, deadline=None)
@given(
    x=arrays(np.float64, st.integers(2, 40), elements=finite),
    scale=st.sampled_from(["minmax", "standard"]),
)
def test_fitted_scaling_of_any_finite_values_stays_finite(x, scale):
    table = pa.table({"x": x, "y": np.arange(len(x)) % 2})
    fixed, plan = labelcheck.fix(table, scale=scale, select=["LC103", "LC104", "LC106"])
    out = fixed.column("x").to_numpy()
    assert np.isfinite(out).all(), plan.describe()
    if plan.step("normalize", "x") is not None:
        assert np.all(np.abs(out) <= 1.0 + 1e-12)


@pytest.mark.parametrize("scale", ["minmax", "standard"])
def test_values_near_the_float64_limit(tmp_path, scale):
    src = tmp_path / "ext.parquet"
    x = [1e308, -1e308, 5e307, *np.arange(7.0)]
    pq.write_table(pa.table({"x": x, "y": [0, 1] * 5}), src)
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(
        app, ["fix", str(src), "-o", str(out), "--scale", scale, "--no-config"]
    )
    assert result.exit_code == 0, result.output
    values = pq.read_table(out).column("x").to_numpy()
    assert np.isfinite(values).all()
    assert values.min() == -1.0 and values.max() == pytest.approx(1.0)


def test_one_value_at_1e160_is_fixed_not_an_internal_error(tmp_path):
    src = tmp_path / "big.parquet"
    pq.write_table(pa.table({"x": [1e160, *np.arange(99.0)], "y": [0, 1] * 50}), src)
    out = tmp_path / "out.parquet"
    for scale in ("minmax", "standard"):
        result = CliRunner().invoke(
            app, ["fix", str(src), "-o", str(out), "--scale", scale, "--no-config", "--force"]
        )
        assert result.exit_code == 0, result.output
        assert "clip" in result.output and "internal error" not in result.output
        assert np.isfinite(pq.read_table(out).column("x").to_numpy()).all()


def test_apply_refuses_to_create_inf_from_far_out_new_data():
    # Fitted on a tiny range; new data 1e300 maps to ~1e600: an error, not an Inf.
    plan = FixPlan([Step("normalize", "x", {"min": 0.0, "max": 1e-300})], columns=["x"])
    with pytest.raises(labelcheck.InputError, match="into NaN or Inf"):
        plan.transform(pa.table({"x": [1e300, 0.0]}))
    wide = FixPlan([Step("normalize", "x", {"min": -1e308, "max": 1e308})], columns=["x"])
    assert wide.transform(pa.table({"x": [1.7e308]})).column("x").to_pylist() == [
        pytest.approx(1.7)
    ]
    float32 = FixPlan([Step("standardize", "x", {"mean": 0.0, "std": 1e-30})], columns=["x"])
    with pytest.raises(labelcheck.InputError, match="float"):
        float32.transform(pa.table({"x": pa.array([1e10], pa.float32())}))
