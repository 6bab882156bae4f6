"""Issue 16, the library: fixed pandas rows keep their index; numpy X through a plan
fitted on named columns; an inferred schema never blesses LC205's outlier."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labelcheck


def _frame(index: pd.Index) -> pd.DataFrame:
    """12 rows: NaN in x at positions 2 and 7, label 8000 (LC205) at 5, the rest clean."""
    n = len(index)
    x = np.linspace(0.0, 1.0, n)
    x[[2, 7]] = np.nan
    y = np.array([0, 1, 2, 3] * (n // 4))
    y[5] = 8000
    return pd.DataFrame({"x": x, "z": np.linspace(1, 2, n), "y": y}, index=index)


INDEXES = {
    "default": pd.RangeIndex(24),
    "shifted-ints": pd.Index(np.arange(100, 124) * 3),
    "strings": pd.Index([f"id-{i:03d}" for i in range(24)], name="key"),
    "multi": pd.MultiIndex.from_arrays(
        [np.repeat(["a", "b"], 12), np.arange(24)], names=["part", "n"]
    ),
}


@pytest.mark.parametrize("which", list(INDEXES))
def test_fix_on_pandas_keeps_the_index_of_the_rows_kept(which):
    df = _frame(INDEXES[which])
    meta = pd.DataFrame({"source": [f"s{i}" for i in range(len(df))]}, index=df.index)
    fixed, _ = labelcheck.fix(df)
    # Independently: the rows kept are those without NaN in x and without the 8000.
    kept = df[df["x"].notna() & (df["y"] != 8000)]
    assert len(fixed) == len(kept) == len(df) - 3
    assert fixed.index.equals(kept.index)
    assert fixed.index.names == df.index.names
    # Row identity: the metadata of each fixed row is that of its original row.
    assert meta.loc[fixed.index, "source"].tolist() == meta.loc[kept.index, "source"].tolist()
    assert np.allclose(fixed["z"].to_numpy(), kept["z"].to_numpy())
    assert "__labelcheck_row__" not in fixed.columns


def test_transform_on_pandas_keeps_the_index_and_the_input_is_untouched():
    df = _frame(pd.Index(np.arange(24) * 10))
    _, plan = labelcheck.fix(df)
    test = _frame(pd.Index(np.arange(24) + 1000))
    copy = test.copy()
    out = plan.transform(test, drop_unknown=True)
    assert out.index.tolist() == [i for i in test.index if i not in (1002, 1005, 1007)]
    pd.testing.assert_frame_equal(test, copy)


def test_transform_missing_columns_names_only_the_data_columns():
    _, plan = labelcheck.fix(_frame(pd.RangeIndex(24)))
    with pytest.raises(labelcheck.InputError) as err:
        plan.transform(pd.DataFrame({"x": [0.5], "y": [1]}))
    assert "'z'" in str(err.value) and "__labelcheck_row__" not in str(err.value)


# ----------------------------------------------------------------------- item 16
SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def test_numpy_x_through_a_plan_fitted_on_a_dataframe_goes_by_column_order():
    df = pd.read_parquet(SAMPLES / "pixels.parquet")
    fixed, plan = labelcheck.fix(df)
    features = [c for c in df.columns if c != "label"]
    X_inference = df[features].to_numpy()
    X_new = plan.transform(X_inference)  # the README's line
    # Each column is transformed as its named column is: the same values as the DataFrame
    # route, computed by the plan on the frame without its label.
    expected = plan.transform(df[features]).to_numpy()
    assert X_new.shape == (len(df), len(features))
    np.testing.assert_allclose(X_new, expected)
    # And by hand for one normalize step: [min, max] -> [-1, 1].
    step = next(s for s in plan.steps if s.step == "normalize" and s.column == "px3")
    lo, hi = step.params["min"], step.params["max"]
    np.testing.assert_allclose(X_new[:, 3], (df["px3"] - lo) * 2 / (hi - lo) - 1)
    assert len(fixed) == len(df)


def test_numpy_x_of_the_wrong_width_is_one_input_error_naming_the_columns():
    df = pd.read_parquet(SAMPLES / "pixels.parquet")
    _, plan = labelcheck.fix(df)
    with pytest.raises(labelcheck.InputError, match=r"X has 3 columns, 16 are expected \('px0'"):
        plan.transform(np.zeros((4, 3)))
