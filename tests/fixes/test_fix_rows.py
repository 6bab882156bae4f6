"""fix for LC110, LC301, LC302 and LC303: casts, copies, conflicting groups, leaked rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app

runner = CliRunner()


def _frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.random(n), "b": rng.normal(0, 1, n), "y": rng.integers(0, 3, n)})


def test_fix_drops_the_copies_and_keeps_the_first(tmp_path):
    base = _frame()
    data = pd.concat([base, base.iloc[[5, 9, 9, 120]]], ignore_index=True)
    src, out = tmp_path / "d.parquet", tmp_path / "d.fixed.parquet"
    pq.write_table(pa.Table.from_pandas(data, preserve_index=False), src, row_group_size=97)
    result = runner.invoke(app, ["fix", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    fixed = pq.read_table(out).to_pandas()
    assert len(fixed) == len(data.drop_duplicates()) == 400
    pd.testing.assert_frame_equal(fixed, data.drop_duplicates().reset_index(drop=True))
    plan = json.loads((tmp_path / "d.fixed.plan.json").read_text())
    step = next(s for s in plan["steps"] if s["step"] == "drop-duplicates")
    assert step["rows"] == 4 and plan["rows_in"] == 404 and plan["rows_out"] == 400
    assert "drop-duplicates 4 rows" in result.output
    assert not labelcheck.scan(out).by_code("LC301")


def test_conflicts_drop_or_keep_the_majority(tmp_path):
    base = _frame(300, 1)
    extra = base.iloc[[4, 4, 7]].copy()
    extra["y"] = [(base.y[4] + 1) % 3, base.y[4], (base.y[7] + 2) % 3]
    data = pd.concat([base, extra], ignore_index=True)  # row 4: 2 of one label, 1 of another
    src = tmp_path / "c.parquet"
    pq.write_table(pa.Table.from_pandas(data, preserve_index=False), src)
    dropped, _ = labelcheck.fix(src)
    assert dropped.num_rows == 303 - 5  # both groups gone (3 + 2 rows)
    majority, plan = labelcheck.fix(src, conflicts="majority")
    kept = majority.to_pandas()
    # Group of row 4 keeps its 2 rows with the majority label (one of them also a copy,
    # so LC301 drops it); group of row 7 is a tie, the first row's label wins.
    assert len(kept) == 303 - 1 - 1 - 1
    assert plan.step("drop-conflicts").params["keep"] == "majority"
    assert not labelcheck.scan(kept).by_code("LC302")


def test_fix_reference_drops_leaked_rows_and_never_touches_the_reference(tmp_path):
    train, test = _frame(500, 2), _frame(100, 3)
    test = pd.concat([test, train.iloc[[10, 20, 30]]], ignore_index=True)
    tr, te, out = tmp_path / "train.parquet", tmp_path / "test.parquet", tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pandas(train, preserve_index=False), tr)
    pq.write_table(pa.Table.from_pandas(test, preserve_index=False), te)
    before = tr.read_bytes()
    result = runner.invoke(app, ["fix", str(te), "--reference", str(tr), "-o", str(out)])
    assert result.exit_code == 0, result.output
    fixed = pq.read_table(out).to_pandas()
    assert len(fixed) == 100
    pd.testing.assert_frame_equal(fixed, test.iloc[:100].reset_index(drop=True))
    assert tr.read_bytes() == before
    assert not labelcheck.scan(out, reference=tr).by_code("LC303")
    # Without --reference there is nothing to compare with: no row is dropped.
    plain, _ = labelcheck.fix(te)
    assert plain.num_rows == 103


def test_apply_never_drops_duplicate_or_leaked_rows_of_new_data(tmp_path):
    base = _frame(300, 4)
    data = pd.concat([base, base.iloc[[1, 2]]], ignore_index=True)
    src, out = tmp_path / "d.parquet", tmp_path / "d.fixed.parquet"
    pq.write_table(pa.Table.from_pandas(data, preserve_index=False), src)
    assert runner.invoke(app, ["fix", str(src), "-o", str(out)]).exit_code == 0
    new = tmp_path / "new.parquet"  # inference data holding the same repeated rows
    pq.write_table(pa.Table.from_pandas(data, preserve_index=False), new)
    applied = tmp_path / "new.fixed.parquet"
    plan = tmp_path / "d.fixed.plan.json"
    result = runner.invoke(app, ["apply", str(plan), str(new), "-o", str(applied)])
    assert result.exit_code == 0, result.output
    assert pq.read_table(applied).num_rows == 302
    # The in-memory plan returned by the library forgets the rows too.
    fixed, mem_plan = labelcheck.fix(data)
    assert len(fixed) == 300 and len(mem_plan.transform(data)) == 302


def test_null_markers_are_cast_then_missing_values_handled(tmp_path):
    rng = np.random.default_rng(5)
    gain = [str(int(v)) for v in rng.integers(0, 20_000, 200)]
    for i in range(0, 200, 20):
        gain[i] = "?" if i % 40 else " N/A "
    table = pa.table({"gain": gain, "a": rng.random(200), "y": rng.integers(0, 2, 200)})
    src = tmp_path / "m.csv"
    import pyarrow.csv as pcsv

    pcsv.write_csv(table, src)
    dropped, plan = labelcheck.fix(src)
    kinds = [s.step for s in plan.steps if s.column == "gain"]
    assert kinds[:2] == ["cast-number", "drop-rows"]
    assert dropped.num_rows == 190 and dropped.schema.field("gain").type == pa.float64()
    imputed, plan = labelcheck.fix(src, nan_strategy="median")
    values = np.array([int(g) for g in gain if g.strip() not in ("?", "N/A")], dtype=float)
    assert plan.step("impute", "gain").params["value"] == np.median(values)
    assert imputed.num_rows == 200
    col = imputed.column("gain").to_numpy()
    assert np.isfinite(col).all()
    assert labelcheck.scan(imputed).ok


def test_low_cardinality_duplicates_are_left_alone(tmp_path):
    rng = np.random.default_rng(6)
    data = pd.DataFrame({f"b{i}": rng.integers(0, 2, 500) for i in range(3)})
    data["y"] = data["b0"]
    fixed, plan = labelcheck.fix(data)
    assert len(fixed) == 500 and plan.step("drop-duplicates") is None
    assert any("LC301" in u for u in plan.unfixed)
