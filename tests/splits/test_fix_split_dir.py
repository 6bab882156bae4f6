"""`labelcheck fix DIR -o OUT` on a directory of named splits: the same layout, each
split fixed against train. Expected counts and values are computed with pandas."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from labelcheck.cli import app

runner = CliRunner()


def _sha_tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _hf_layout(root: Path) -> dict[str, pd.DataFrame]:
    """Train in two parts whose second repeats 7 rows of the first; test holds 20 train rows."""
    rng = np.random.default_rng(5)

    def part(n: int, scale: float = 1.0) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "a": rng.random(n),
                "px": rng.integers(0, 256, n) / scale,
                "y": rng.integers(0, 3, n),
            }
        )

    train = part(1000)
    train = pd.concat([train, train.iloc[:7]], ignore_index=True)
    test = pd.concat([part(200, 255.0), train.iloc[100:120]], ignore_index=True)
    val = part(150)
    data = root / "data"
    data.mkdir(parents=True)
    for name, frame in (
        ("train-00000-of-00002", train.iloc[:600]),
        ("train-00001-of-00002", train.iloc[600:]),
        ("validation-00000-of-00001", val),
        ("test-00000-of-00001", test),
    ):
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), data / f"{name}.parquet")
    return {"train": train, "validation": val, "test": test}


def test_fix_on_a_split_directory_writes_the_same_layout_fitted_on_train(tmp_path):
    frames = _hf_layout(tmp_path / "ds")
    before = _sha_tree(tmp_path / "ds")
    out = tmp_path / "fixed"
    result = runner.invoke(app, ["fix", str(tmp_path / "ds"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _sha_tree(tmp_path / "ds") == before
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == [
        "data/test-00000-of-00001.parquet",
        "data/train-00000-of-00002.parquet",
        "data/train-00001-of-00002.parquet",
        "data/validation-00000-of-00001.parquet",
        "test.plan.json",
        "train.plan.json",
        "validation.plan.json",
    ]

    def read(name: str) -> pd.DataFrame:
        return pd.concat(
            [pd.read_parquet(p) for p in sorted((out / "data").glob(f"{name}-*.parquet"))],
            ignore_index=True,
        )

    train, test = frames["train"], frames["test"]
    kept_train = train.drop_duplicates()
    assert len(read("train")) == len(kept_train) == 1000  # copies across parts dropped
    leaked = (
        test.merge(
            train[["a", "px"]].drop_duplicates(), on=["a", "px"], how="left", indicator=True
        )["_merge"]
        == "both"
    )
    kept_test = test[~leaked.to_numpy()]
    fixed_test = read("test")
    assert int(leaked.sum()) == 20 and len(fixed_test) == len(kept_test)
    # test's px scaled with train's range (test itself spans 0..1)
    plan = json.loads((out / "test.plan.json").read_text())
    steps = {(s["step"], s["column"]) for s in plan["steps"]}
    if ("normalize", "px") in steps:
        lo, hi = kept_train["px"].min(), kept_train["px"].max()
        expected = 2 * (kept_test["px"].to_numpy() - lo) / (hi - lo) - 1
        np.testing.assert_allclose(fixed_test["px"].to_numpy(), expected, rtol=1e-12)
    train_plan = json.loads((out / "train.plan.json").read_text())
    assert [s for s in plan["steps"] if s["step"] == "normalize"] == [
        {**s, "rows": None} for s in train_plan["steps"] if s["step"] == "normalize"
    ]
    assert ("normalize", "px") in steps
    assert read("validation").shape[0] == len(frames["validation"])
    # The output is a split directory again, with no error left.
    rescan = runner.invoke(app, ["scan", str(out), "--format", "json"])
    assert rescan.exit_code == 0, rescan.output


def test_fix_on_a_split_directory_refuses_outputs_it_cannot_write(tmp_path):
    _hf_layout(tmp_path / "ds")
    ds = tmp_path / "ds"
    inside = runner.invoke(app, ["fix", str(ds), "-o", str(ds / "fixed")])
    assert inside.exit_code == 2 and "inside the split directory" in inside.output
    plan = runner.invoke(app, ["fix", str(ds), "-o", str(tmp_path / "o"), "--plan", "p.json"])
    assert plan.exit_code == 2 and "--plan" in plan.output
    assert runner.invoke(app, ["fix", str(ds), "-o", str(tmp_path / "o")]).exit_code == 0
    again = runner.invoke(app, ["fix", str(ds), "-o", str(tmp_path / "o")])
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(app, ["fix", str(ds), "-o", str(tmp_path / "o"), "--force"]).exit_code == 0


def test_fix_on_the_adult_splits_refuses_an_empty_test_split_naming_lc304(tmp_path):
    ds = Path(__file__).resolve().parents[2] / "sample_data" / "adult_splits"
    before = _sha_tree(ds)
    out = tmp_path / "adult"
    result = runner.invoke(app, ["fix", str(ds), "--label", "income", "-o", str(out)])
    assert result.exit_code == 1 and "LC304" in result.output
    assert not out.exists()  # nothing written: the splits are one unit
    result = runner.invoke(
        app, ["fix", str(ds), "--label", "income", "-o", str(out), "--allow-empty"]
    )
    assert result.exit_code == 1, result.output
    assert _sha_tree(ds) == before
    test = pd.read_csv(out / "test.csv")
    assert len(test) == 0
    train_in, train_out = pd.read_csv(ds / "train.csv"), pd.read_csv(out / "train.csv")
    assert set(train_out["income"]) == {0, 1}
    assert len(train_out) < len(train_in)
