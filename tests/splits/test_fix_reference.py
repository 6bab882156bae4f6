"""`fix TEST --reference TRAIN`: TEST is transformed with TRAIN's fitted parameters.

The value parameters (label mapping, scaling, imputed values) come from the reference,
as `fix TRAIN` fits them; only the row drops (copies, leaks, classes TRAIN lacks) are
TEST's own. Expected values are computed here with pandas, never read from the plan.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from labelcheck.cli import app

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "adult_splits"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(tmp_path: Path) -> tuple[Path, Path, pd.DataFrame, pd.DataFrame]:
    """train cat/dog with x in [0, 100]; test dog/eel with x in [0, 10] and one train row."""
    rng = np.random.default_rng(7)
    train = pd.DataFrame(
        {
            "x": rng.random(40) * 100,
            "z": rng.random(40),
            "label": np.where(np.arange(40) % 2, "dog", "cat"),
        }
    )
    test = pd.DataFrame(
        {
            "x": rng.random(12) * 10,
            "z": rng.random(12),
            "label": np.where(np.arange(12) % 3 == 0, "eel", "dog"),
        }
    )
    test.iloc[1] = train.iloc[1]  # a leaked row (a dog)
    tr, te = tmp_path / "train.csv", tmp_path / "test.csv"
    train.to_csv(tr, index=False)
    test.to_csv(te, index=False)
    return tr, te, train, test


def test_fix_against_a_reference_uses_its_mapping_and_scaling_not_the_splits_own(tmp_path):
    tr, te, train, test = _write(tmp_path)
    before = {p: _sha(p) for p in (tr, te)}
    out = tmp_path / "test.fixed.csv"
    result = runner.invoke(app, ["fix", str(te), "--reference", str(tr), "-o", str(out)])
    assert {p: _sha(p) for p in (tr, te)} == before
    # 'eel' is a class TRAIN lacks: its rows go (counted), LC304 stays unfixed, exit 1.
    assert result.exit_code == 1, result.output
    plan = json.loads((tmp_path / "test.fixed.plan.json").read_text())
    assert any(u.startswith("LC304") for u in plan["unfixed"])
    fixed = pd.read_csv(out)
    leaked = test.merge(train, how="inner").shape[0]
    kept = test[(test["label"] != "eel")].drop(index=1)
    assert leaked == 1 and len(fixed) == len(kept) == 7
    # TRAIN's mapping (cat 0, dog 1), never TEST's own (dog 0, eel 1).
    assert fixed["label"].tolist() == [1] * len(kept)
    # TRAIN's min/max, never TEST's.
    lo, hi = train["x"].min(), train["x"].max()
    expected = 2 * (kept["x"].to_numpy() - lo) / (hi - lo) - 1
    np.testing.assert_allclose(fixed["x"].to_numpy(), expected, rtol=1e-12)


def test_apply_the_train_plan_on_a_split_fixed_for_leaks_only(tmp_path):
    tr, te, _, test = _write(tmp_path)
    test = test[test["label"] != "eel"]  # classes TRAIN knows only
    test.to_csv(te, index=False)
    train_out, test_out = tmp_path / "train.fixed.csv", tmp_path / "test.leakfree.csv"
    assert runner.invoke(app, ["fix", str(tr), "-o", str(train_out)]).exit_code == 0
    result = runner.invoke(
        app, ["fix", str(te), "--reference", str(tr), "--select", "LC303", "-o", str(test_out)]
    )
    assert result.exit_code == 0, result.output
    leakfree = pd.read_csv(test_out)
    assert len(leakfree) == len(test) - 1
    assert leakfree["label"].tolist() == test.drop(index=1)["label"].tolist()  # untouched
    final = tmp_path / "test.final.csv"
    result = runner.invoke(
        app, ["apply", str(tmp_path / "train.fixed.plan.json"), str(test_out), "-o", str(final)]
    )
    assert result.exit_code == 0, result.output
    assert pd.read_csv(final)["label"].tolist() == [1] * len(leakfree)  # train's dog


def test_fix_lists_the_unseen_classes_of_adult_test_as_unfixed_and_fails(tmp_path):
    test, train = SAMPLE / "test.csv", SAMPLE / "train.csv"
    before = {p: _sha(p) for p in (test, train)}
    out = tmp_path / "t.fixed.csv"
    args = ["fix", str(test), "--reference", str(train), "--label", "income", "-o", str(out)]
    result = runner.invoke(app, [*args, "--allow-empty"])
    assert {p: _sha(p) for p in (test, train)} == before
    assert result.exit_code == 1, result.output
    plan = json.loads((tmp_path / "t.fixed.plan.json").read_text())
    (note,) = [u for u in plan["unfixed"] if u.startswith("LC304")]
    classes = set(pd.read_csv(test)["income"]) - set(pd.read_csv(train)["income"])
    assert classes == {"<=50K.", ">50K."}
    rows = pd.read_csv(test)["income"].isin(classes).sum()
    assert rows == 150 and "<=50K." in note and ">50K." in note
    assert "not fixed automatically" in result.output
    # Without --allow-empty nothing is written, exit 1, and the reason names LC304.
    result = runner.invoke(app, [*args, "--force"])
    assert result.exit_code == 1 and "LC304" in result.output


def test_class_ids_of_a_split_are_judged_against_the_reference_classes(tmp_path):
    rng = np.random.default_rng(3)
    train = pd.DataFrame({"x": rng.random(60), "label": np.arange(60) % 3})
    test = pd.DataFrame({"x": rng.random(20), "label": 1 + np.arange(20) % 2})
    tr, te = tmp_path / "train.csv", tmp_path / "test.csv"
    train.to_csv(tr, index=False)
    test.to_csv(te, index=False)
    result = runner.invoke(
        app, ["scan", str(te), "--reference", str(tr), "--format", "json", "--select", "LC2"]
    )
    assert result.exit_code == 0, result.output
    assert [f["code"] for f in json.loads(result.output)["findings"]] == []
    out = tmp_path / "test.fixed.csv"
    result = runner.invoke(app, ["fix", str(te), "--reference", str(tr), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out)["label"].tolist() == test["label"].tolist()  # 1 stays 1


def test_a_split_starting_above_zero_of_a_reference_starting_above_zero_maps_as_train(tmp_path):
    rng = np.random.default_rng(4)
    train = pd.DataFrame({"x": rng.random(60), "label": 1 + np.arange(60) % 3})  # 1..3
    test = pd.DataFrame({"x": rng.random(20), "label": 2 + np.arange(20) % 2})  # 2..3
    tr, te = tmp_path / "train.csv", tmp_path / "test.csv"
    train.to_csv(tr, index=False)
    test.to_csv(te, index=False)
    out = tmp_path / "test.fixed.csv"
    result = runner.invoke(app, ["fix", str(te), "--reference", str(tr), "-o", str(out)])
    assert result.exit_code == 0, result.output
    ranks = {v: i for i, v in enumerate(sorted(train["label"].unique()))}
    assert pd.read_csv(out)["label"].tolist() == test["label"].map(ranks).tolist()


def test_missing_values_only_the_split_has_get_the_reference_median(tmp_path):
    rng = np.random.default_rng(9)
    train = pd.DataFrame(
        {"x": rng.random(41) * 100, "z": rng.random(41), "label": np.arange(41) % 2}
    )
    test = pd.DataFrame(
        {"x": rng.random(10) * 100, "z": rng.random(10), "label": np.arange(10) % 2}
    )
    test.loc[[2, 5], "x"] = np.nan
    tr, te = tmp_path / "train.csv", tmp_path / "test.csv"
    train.to_csv(tr, index=False)
    test.to_csv(te, index=False)
    out = tmp_path / "test.fixed.csv"
    args = ["fix", str(te), "--reference", str(tr), "--nan", "median", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    fixed = pd.read_csv(out)
    assert len(fixed) == len(test) and not fixed["x"].isna().any()
    lo, hi, median = train["x"].min(), train["x"].max(), train["x"].median()
    expected = 2 * (test["x"].fillna(median).to_numpy() - lo) / (hi - lo) - 1
    np.testing.assert_allclose(fixed["x"].to_numpy(), expected, rtol=1e-12)


def test_a_saved_reference_plan_gives_what_fitting_on_the_reference_gives(tmp_path):
    tr, te, train, test = _write(tmp_path)
    test = test[test["label"] != "eel"]
    test.to_csv(te, index=False)
    assert runner.invoke(app, ["fix", str(tr), "-o", str(tmp_path / "tr.out.csv")]).exit_code == 0
    saved = tmp_path / "tr.out.plan.json"
    before = _sha(saved)
    fitted, given = tmp_path / "a.csv", tmp_path / "b.csv"
    base = ["fix", str(te), "--reference", str(tr)]
    assert runner.invoke(app, [*base, "-o", str(fitted)]).exit_code == 0
    result = runner.invoke(app, [*base, "--reference-plan", str(saved), "-o", str(given)])
    assert result.exit_code == 0, result.output
    assert _sha(saved) == before
    assert fitted.read_bytes() == given.read_bytes()
    # Without --reference: the same transform, no leak check (the leaked row stays).
    alone = tmp_path / "c.csv"
    result = runner.invoke(app, ["fix", str(te), "--reference-plan", str(saved), "-o", str(alone)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(alone)) == len(test) == len(pd.read_csv(given)) + 1
    lo, hi = train["x"].min(), train["x"].max()
    np.testing.assert_allclose(
        pd.read_csv(alone)["x"].to_numpy(), 2 * (test["x"].to_numpy() - lo) / (hi - lo) - 1
    )
    bad = runner.invoke(
        app, ["fix", str(te), "--reference-plan", str(tr), "-o", str(tmp_path / "d.csv")]
    )
    assert bad.exit_code == 2 and "--reference-plan" in bad.output


def test_zero_symmetric_ids_of_a_split_map_as_the_reference_maps_them(tmp_path):
    rng = np.random.default_rng(11)
    train = pd.DataFrame({"x": rng.random(60), "label": np.arange(60) % 3 - 1})  # -1, 0, 1
    test = pd.DataFrame({"x": rng.random(20), "label": np.where(np.arange(20) % 2, 1, -1)})
    tr, te = tmp_path / "train.csv", tmp_path / "test.csv"
    train.to_csv(tr, index=False)
    test.to_csv(te, index=False)
    out = tmp_path / "test.fixed.csv"
    result = runner.invoke(app, ["fix", str(te), "--reference", str(tr), "-o", str(out)])
    assert result.exit_code == 0, result.output
    ranks = {v: i for i, v in enumerate(sorted(train["label"].unique()))}  # -1 0, 0 1, 1 2
    assert pd.read_csv(out)["label"].tolist() == test["label"].map(ranks).tolist()


def test_a_value_fix_the_reference_plan_lacks_is_listed_not_refitted(tmp_path):
    rng = np.random.default_rng(12)
    train = pd.DataFrame({"x": rng.random(60), "label": np.arange(60) % 2})
    test = pd.DataFrame(
        {"x": rng.random(20), "w": rng.random(20) * 1e6, "label": np.arange(20) % 2}
    )
    tr, te = tmp_path / "train.csv", tmp_path / "test.csv"
    train.to_csv(tr, index=False)
    test.to_csv(te, index=False)
    out = tmp_path / "test.fixed.csv"
    result = runner.invoke(app, ["fix", str(te), "--reference", str(tr), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    plan = json.loads((tmp_path / "test.fixed.plan.json").read_text())
    assert not any(s["column"] == "w" for s in plan["steps"])  # never fitted on TEST
    assert any("'w'" in u and "reference's plan" in u for u in plan["unfixed"])
    assert pd.read_csv(out)["w"].tolist() == pytest.approx(test["w"].tolist())
