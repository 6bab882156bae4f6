"""Columns whose spread is subnormal or tiny (0 and 2.2e-309; 1e-300 apart): fix scales
them without creating NaN/Inf under both strategies, and fix(fix(df)) changes nothing."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app
from labelcheck.fixes.plan import FixPlan, Step

SUBNORMAL = 2.225074e-309  # below float64's smallest normal, 2.2250738585072014e-308


def frame(x) -> pd.DataFrame:
    n = len(x)
    return pd.DataFrame({"x": x, "z": np.linspace(0, 1, n), "y": np.arange(n) % 2})


def minmax(x) -> list[float]:
    """(x - lo) / (hi - lo) * 2 - 1 in exact rational arithmetic, rounded once (the fix
    rounds up to three times: compare with an absolute 1e-15 on [-1, 1])."""
    lo, hi = Fraction(min(x)), Fraction(max(x))
    return [float((Fraction(v) - lo) / (hi - lo) * 2 - 1) for v in x]


def assert_fixed_point(fixed: pd.DataFrame, scale: str) -> None:
    assert "LC104" not in [f.code for f in labelcheck.scan(fixed).findings]
    again, plan2 = labelcheck.fix(fixed, scale=scale, nan_strategy="drop")
    assert [s.step for s in plan2.steps] == ["reindex-labels"], plan2.describe()
    pd.testing.assert_frame_equal(again, fixed)


@pytest.mark.parametrize("scale", ["minmax", "standard"])
@pytest.mark.parametrize(
    "x",
    [
        [0, 0, 0, 0, 0, SUBNORMAL],  # the example hypothesis found
        [0.0, 5e-324, 5e-324, 0.0, 5e-324, 0.0],  # the smallest subnormal: halving it gives 0
        [-SUBNORMAL, 0.0, SUBNORMAL, 0.0, -SUBNORMAL, 0.0],
        [i * 1e-300 for i in range(6)],  # normal values, but their squares underflow
        [1e-300 + i * 1e-310 for i in range(6)],  # magnitude 1e-300, spread subnormal
    ],
    ids=["subnormal-max", "smallest-subnormal", "subnormal-both-signs", "1e-300", "1e-300+sub"],
)
def test_tiny_spread_is_normalized_exactly_and_is_a_fixed_point(x, scale):
    df = frame(x)
    fixed, plan = labelcheck.fix(df, scale=scale, nan_strategy="drop")
    assert np.isfinite(fixed[["x", "z"]].to_numpy()).all()
    # float64 holds no std for these (the squared deviations underflow): both strategies
    # scale x min-max, exactly, with its endpoints at -1 and 1.
    step = plan.step("normalize", "x")
    assert step is not None and step.params == {"min": min(x), "max": max(x)}, plan.describe()
    assert fixed["x"].tolist() == pytest.approx(minmax(x), rel=0, abs=1e-15)
    assert fixed["x"].min() == -1.0 and fixed["x"].max() == 1.0
    if scale == "standard":
        assert "std underflows float64" in step.reason
        assert fixed["z"].mean() == pytest.approx(0.0, abs=1e-15)
        assert fixed["z"].std(ddof=0) == pytest.approx(1.0)
    assert_fixed_point(fixed, scale)


def test_a_spread_whose_squares_do_not_underflow_is_standardized():
    # 1e-150 apart: the squared deviations (~1e-300) are normal floats, the std is exact.
    x = [i * 1e-150 for i in range(6)]
    fixed, plan = labelcheck.fix(frame(x), scale="standard", nan_strategy="drop")
    step = plan.step("standardize", "x")
    assert step is not None, plan.describe()
    unit = np.array(x) / 1e-150  # the same column at unit scale: its std, then scaled back
    assert step.params["std"] == pytest.approx(float(np.std(unit)) * 1e-150, rel=1e-14)
    expected = (unit - unit.mean()) / unit.std()
    np.testing.assert_allclose(fixed["x"], expected, rtol=1e-13, atol=1e-15)
    assert_fixed_point(fixed, "standard")


def test_normalize_divides_by_a_subnormal_range_instead_of_inverting_it():
    # 2 / (max - min) is Inf for these; the fitted range maps to exactly -1..1.
    for lo, hi in [(0.0, 5e-324), (0.0, SUBNORMAL), (-SUBNORMAL, 3e-320)]:
        plan = FixPlan([Step("normalize", "x", {"min": lo, "max": hi})], columns=["x"])
        out = plan.transform(pa.table({"x": [lo, hi, (lo + hi) / 2]})).column("x").to_pylist()
        assert out[:2] == [-1.0, 1.0]
        assert out[2] == pytest.approx(minmax([lo, hi, (lo + hi) / 2])[2], rel=0, abs=1e-15)


def test_an_already_standardized_column_is_not_standardized_again():
    # 'c' is constant (LC105 not selected: nothing scales it), so LC104 keeps asking for
    # every feature to be standardized; 'z' already is, up to rounding (mean 1.1e-16):
    # re-standardizing it would only move the rounding about.
    z = (np.linspace(0, 1, 6) - 0.5) / np.std(np.linspace(0, 1, 6))
    assert z.mean() != 0.0 and abs(z.mean()) < 1e-15
    df = pd.DataFrame({"c": [1e6] * 6, "z": z, "y": np.arange(6) % 2})
    assert "LC104" in [f.code for f in labelcheck.scan(df, select=["LC104"]).findings]
    fixed, plan = labelcheck.fix(df, scale="standard", select=["LC104"])
    assert plan.step("standardize", "z") is None, plan.describe()
    pd.testing.assert_frame_equal(fixed, df)
    # A real offset is no rounding: mean 1e-6 with std 1 is standardized.
    shifted = df.assign(z=z + 1e-6)
    fixed, plan = labelcheck.fix(shifted, scale="standard", select=["LC104"])
    assert plan.step("standardize", "z") is not None
    assert fixed["z"].tolist() == pytest.approx(z.tolist(), abs=1e-12)


def test_an_already_normalized_column_is_not_normalized_again():
    z = np.array([-1.0, -0.3, 1e-20, 0.4, 1.0, 1.0])  # x + 1 rounds 1e-20 away
    df = pd.DataFrame({"c": [1e6] * 6, "z": z, "y": np.arange(6) % 2})
    fixed, plan = labelcheck.fix(df, scale="minmax", select=["LC104"])
    assert plan.step("normalize", "z") is None, plan.describe()
    pd.testing.assert_frame_equal(fixed, df)


@pytest.mark.parametrize("scale", ["minmax", "standard"])
def test_cli_fix_of_a_subnormal_column(tmp_path, scale):
    src = tmp_path / "tiny.parquet"
    x = [0.0, 0.0, 0.0, 0.0, 0.0, SUBNORMAL] * 5
    pq.write_table(
        pa.table({"x": x, "w": [i * 1e-300 for i in range(30)], "y": [0, 1, 2] * 10}), src
    )
    out = tmp_path / "fixed.parquet"
    args = ["fix", str(src), "-o", str(out), "--scale", scale, "--no-config"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "NaN or Inf" not in result.output
    table = pq.read_table(out)
    for name in ("x", "w"):
        values = table.column(name).to_numpy()
        assert np.isfinite(values).all()
        assert values.min() == -1.0 and values.max() == 1.0
    assert table.column("x").to_pylist() == pytest.approx(minmax(x), rel=0, abs=1e-15)
    again = tmp_path / "again.parquet"
    result = CliRunner().invoke(
        app, ["fix", str(out), "-o", str(again), "--scale", scale, "--no-config"]
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(again).equals(table)


@pytest.mark.parametrize("scale", ["minmax", "standard"])
def test_a_clip_that_shrinks_a_column_scales_it_in_the_same_plan(scale):
    # Noise of 1e-5 with two outliers at 1.0: no LC104 before the clip (RMS ~0.14 next to
    # z's ~0.6), a spread of 1e4 after it. The plan judges x as it will be once clipped,
    # so the second fix finds nothing to do.
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 1e-5, 98), 1.0, 1.0]
    df = pd.DataFrame({"x": x, "z": rng.uniform(0, 1, 100), "y": np.arange(100) % 2})
    assert "LC104" not in [f.code for f in labelcheck.scan(df).findings]
    fixed, plan = labelcheck.fix(df, scale=scale)
    clip = plan.step("clip", "x")
    assert clip is not None and clip.params["max"] == x[:98].max()
    kind = "normalize" if scale == "minmax" else "standardize"
    step = plan.step(kind, "x")
    assert step is not None and step.reason.endswith("(once fixed)"), plan.describe()
    clipped = np.minimum(x, x[:98].max())
    if scale == "minmax":
        expected = (clipped - clipped.min()) / (clipped.max() - clipped.min()) * 2 - 1
    else:
        expected = (clipped - clipped.mean()) / clipped.std()
    np.testing.assert_allclose(fixed["x"], expected, rtol=1e-9, atol=1e-12)
    assert_fixed_point(fixed, scale)


def test_a_standardize_step_after_a_clip_is_fitted_on_the_exact_clipped_values():
    # 50 rows near 1e-18 (spread 1e-20) and two at -100: once the -100s are clipped, the
    # bulk's moments, got by subtracting theirs from the column's, are rounding residue
    # of ~1e-14 (the statistics hold only the 16 most extreme values, not all 50). A
    # standardize step fitted with them gave values near 5 with a std of 0.05: fix sums
    # the clipped column's moments from the data instead.
    rng = np.random.default_rng(5)
    x = rng.normal(1e-18, 1e-20, 50)
    x[:2] = -100.0
    df = pd.DataFrame({"x": x, "z": rng.uniform(0, 1, 50), "y": np.arange(50) % 2})
    fixed, plan = labelcheck.fix(df, scale="standard")
    assert plan.step("clip", "x") is not None and plan.step("standardize", "x") is not None
    clipped = np.maximum(x, x[2:].min())
    expected = (clipped - clipped.mean()) / clipped.std()
    np.testing.assert_allclose(fixed["x"], expected, rtol=1e-12, atol=1e-12)
    assert_fixed_point(fixed, "standard")


def test_a_far_outlier_clipped_leaves_an_exact_std():
    # A 1e9 outlier among 10,000 values of unit scale: subtracting its share from the
    # column's m2 (1e18, rounding ~100) put the std of the clipped column 0.8% off.
    rng = np.random.default_rng(0)
    x = rng.normal(5, 2, 10_000)
    x[:3] = [1e9, 1.1e9, 1.2e9]
    df = pd.DataFrame({"x": x, "y": np.arange(10_000) % 2})
    fixed, plan = labelcheck.fix(df, scale="standard")
    clip = plan.step("clip", "x")
    assert clip is not None and clip.params["max"] == x[3:].max()
    clipped = np.minimum(x, x[3:].max())
    assert plan.step("standardize", "x").params["std"] == pytest.approx(clipped.std(), rel=1e-12)
    assert fixed["x"].std(ddof=0) == pytest.approx(1.0, rel=1e-12)
