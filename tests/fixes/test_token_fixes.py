"""`fix` on token sequences (SPEC §11): the rows LC502-LC505/LC507 name are dropped (all
token columns of a row together), LC501 is unfixed naming the ids, the plan replays, and
the fixed file rescans clean."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app

VOCAB, MAX_LEN = 1000, 6


def _data(n: int = 300) -> dict[str, list]:
    rng = np.random.default_rng(9)
    ids, mask, labels = [], [], []
    for i in range(n):
        length = int(rng.integers(1, 9))
        row = rng.integers(1, VOCAB, length).tolist()
        pad = int(rng.integers(0, length)) if i % 3 == 0 else 0
        m = [0] * pad + [1] * (length - pad)
        lab = [-100, *row[1:]]
        if i % 17 == 0:
            m = [0] * length
        if i % 23 == 0:
            lab = [-100] * length
        if i % 29 == 0:
            row, m, lab = [], [], []
        if i % 31 == 0:
            lab = [*lab, 5]
        ids.append(row)
        mask.append(m)
        labels.append(lab)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def _bad(data: dict[str, list]) -> set[int]:
    """Rows any of LC502-LC505/LC507 names, by a loop over the rows (the reference)."""
    out = set()
    for i, (ids, m, lab) in enumerate(zip(*data.values(), strict=True)):
        real = sum(m) if len(m) == len(ids) else len(ids)
        if (
            not ids
            or (m and not any(m))
            or (lab and all(v == -100 for v in lab))
            or real > MAX_LEN
            or len(m) != len(ids)
            or len(lab) != len(ids)
        ):
            out.add(i)
    return out


def test_fix_drops_the_named_rows_and_the_result_rescans_clean(tmp_path):
    data = _data()
    src, out = tmp_path / "tok.parquet", tmp_path / "fixed.parquet"
    pq.write_table(pa.table(data), src)
    args = ["--max-length", str(MAX_LEN), "--vocab-size", str(VOCAB), "--no-row-checks"]
    result = CliRunner().invoke(app, ["fix", str(src), "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    bad = _bad(data)
    keep = [i for i in range(len(data["input_ids"])) if i not in bad]
    fixed = pq.read_table(out)
    for name, rows in data.items():
        assert fixed.column(name).to_pylist() == [rows[i] for i in keep], name
    plan = json.loads((tmp_path / "fixed.plan.json").read_text())
    dropped = {s["when"] for s in plan["steps"] if s["step"] == "drop-rows"}
    assert dropped == {"empty", "all-zero", "all-ignored", "longer", "lengths-differ"}
    again = labelcheck.scan(out, max_length=MAX_LEN, vocab_size=VOCAB, row_checks=False)
    assert [f.code for f in again.findings] == []
    # The saved plan replays on the raw data: the same rows go.
    replay = tmp_path / "replayed.parquet"
    result = CliRunner().invoke(
        app, ["apply", str(tmp_path / "fixed.plan.json"), str(src), "-o", str(replay)]
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(replay).equals(fixed)


def test_ids_beyond_the_vocabulary_are_unfixed_and_named(tmp_path):
    data = {"input_ids": [[1, 2, 3]] * 20 + [[1, 1200, 3]]}
    src, out = tmp_path / "tok.parquet", tmp_path / "fixed.parquet"
    pq.write_table(pa.table(data), src)
    result = CliRunner().invoke(
        app, ["fix", str(src), "-o", str(out), "--vocab-size", "1000", "--no-row-checks"]
    )
    assert result.exit_code in (0, 1), result.output
    plan = json.loads((tmp_path / "fixed.plan.json").read_text())
    assert not plan["steps"]
    note = " ".join(plan["unfixed"])
    assert "LC501" in note and "1200" in note and "resize" in note


def test_token_labels_outside_the_classes_are_reindexed_when_they_fit_else_dropped(tmp_path):
    labels = [[0, 1, -100]] * 10 + [[0, 9, 1], [-3, 1, 1]]
    data = {"input_ids": [[1, 2, 3]] * 12, "labels": labels}
    src = tmp_path / "tok.parquet"
    pq.write_table(pa.table(data), src)
    # 4 labels in use (-3, 0, 1, 9) fit in 5 classes: numbered 0..3, -100 kept
    out = tmp_path / "reindexed.parquet"
    result = CliRunner().invoke(
        app, ["fix", str(src), "-o", str(out), "--n-classes", "5", "--no-row-checks"]
    )
    assert result.exit_code == 0, result.output
    mapping = {-3: 0, 0: 1, 1: 2, 9: 3, -100: -100}
    expected = [[mapping[v] for v in row] for row in labels]
    assert pq.read_table(out).column("labels").to_pylist() == expected
    plan = json.loads((tmp_path / "reindexed.plan.json").read_text())
    assert [s["classes"] for s in plan["steps"]] == [[-3, 0, 1, 9]]
    again = labelcheck.scan(out, n_classes=5, row_checks=False)
    assert "LC506" not in {f.code for f in again.findings}
    replay = tmp_path / "replayed.parquet"
    plan_path = str(tmp_path / "reindexed.plan.json")
    result = CliRunner().invoke(app, ["apply", plan_path, str(src), "-o", str(replay)])
    assert result.exit_code == 0, result.output
    assert pq.read_table(replay).column("labels").to_pylist() == expected
    # they do not fit in 3 classes: the rows go
    out = tmp_path / "dropped.parquet"
    result = CliRunner().invoke(
        app, ["fix", str(src), "-o", str(out), "--n-classes", "3", "--no-row-checks"]
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).column("labels").to_pylist() == [[0, 1, -100]] * 10


def test_long_truncate_cuts_every_token_column_and_rechecks_the_labels(tmp_path):
    ids = [[1, 2, 3, 4]] * 10 + [[5, 6, 7, 8, 9, 10, 11], [1, 2, 3, 4, 5, 6]]
    mask = [[1] * len(r) for r in ids]
    labels = [[-100, 2, 3, 4]] * 10 + [[-100, 6, 7, 8, 9, 10, 11], [-100] * 5 + [6]]
    # the last row's only trained token lies beyond 4: truncated, it trains on nothing
    src, out = tmp_path / "tok.parquet", tmp_path / "fixed.parquet"
    pq.write_table(pa.table({"input_ids": ids, "attention_mask": mask, "labels": labels}), src)
    args = ["--max-length", "4", "--long", "truncate", "--no-row-checks"]
    result = CliRunner().invoke(app, ["fix", str(src), "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    fixed = pq.read_table(out)
    assert fixed.column("input_ids").to_pylist() == [[1, 2, 3, 4]] * 10 + [[5, 6, 7, 8]]
    assert fixed.column("attention_mask").to_pylist() == [[1, 1, 1, 1]] * 11
    assert fixed.column("labels").to_pylist() == [[-100, 2, 3, 4]] * 10 + [[-100, 6, 7, 8]]
    plan = json.loads((tmp_path / "fixed.plan.json").read_text())
    assert [s["step"] for s in plan["steps"]] == ["truncate-tokens", "drop-rows"]
    again = labelcheck.scan(out, max_length=4, row_checks=False)
    assert [f.code for f in again.findings] == []


def test_copies_of_sequences_are_dropped_and_identical_empty_rows_are_not_copies(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(4)
    pool = [rng.integers(1, 4000, int(rng.integers(1, 5))).tolist() for _ in range(400)]
    ids = [pool[int(i)] for i in rng.integers(0, 400, 700)]
    for i in (3, 50, 120):
        ids[i] = []  # LC504's, never LC301's
    for i in (7, 9):
        ids[i] = [0, 0, 0]  # all padding with --pad-id 0
    src, out = tmp_path / "tok.parquet", tmp_path / "fixed.parquet"
    pq.write_table(pa.table({"input_ids": ids}), src)
    report = labelcheck.scan(src, pad_id=0)
    keys = pd.Series([tuple(r) for r in ids])
    blank = keys.map(lambda r: all(v == 0 for v in r))
    copies = int((keys.duplicated() & ~blank).sum())
    assert report.by_code("LC301")[0].rows == copies
    result = CliRunner().invoke(app, ["fix", str(src), "-o", str(out), "--pad-id", "0"])
    assert result.exit_code == 0, result.output
    # copies go (LC301), empty rows go (LC504), all-padding rows stay, repeated or not
    dropped = (keys.duplicated() & ~blank) | (keys.map(len) == 0)
    expected = [r for r, gone in zip(ids, dropped, strict=True) if not gone]
    assert pq.read_table(out).column("input_ids").to_pylist() == expected


def _padded(rng: np.random.Generator, n: int, width: int = 16) -> np.ndarray:
    """n right-padded rows of ids (pad 0), 2 to ``width`` real tokens each."""
    ids = np.zeros((n, width), dtype=np.int64)
    for i, length in enumerate(rng.integers(2, width + 1, size=n)):
        ids[i, :length] = rng.integers(1, VOCAB, size=length)
    return ids


def test_a_plan_fitted_on_a_token_array_replays_on_new_arrays(tmp_path):
    # fit on train.npy read as token ids (--pad-id), apply the saved plan to test.npy
    # with no flag: the plan says the array holds token ids, not 16 feature columns
    rng = np.random.default_rng(4)
    train, test = _padded(rng, 200), _padded(rng, 80)
    np.save(tmp_path / "train.npy", train)
    np.save(tmp_path / "test.npy", test)
    args = ["--pad-id", "0", "--max-length", "8", "--long", "truncate", "--no-row-checks"]
    fixed = tmp_path / "fixed.parquet"
    result = CliRunner().invoke(app, ["fix", str(tmp_path / "train.npy"), "-o", str(fixed), *args])
    assert result.exit_code == 0, result.output
    plan = tmp_path / "fixed.plan.json"
    assert json.loads(plan.read_text())["tokens"] == "input_ids"
    out = tmp_path / "test_fixed.parquet"
    result = CliRunner().invoke(
        app, ["apply", str(plan), str(tmp_path / "test.npy"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    long = (test != 0).sum(1) > 8
    assert f"truncate     {long.sum()} rows of 'input_ids' at 8 tokens" in result.output
    rows = pq.read_table(out).column("input_ids").to_pylist()
    expected = [list(r[:8]) if cut else list(r) for r, cut in zip(test, long, strict=True)]
    assert rows == expected
    again = labelcheck.scan(out, pad_id=0, max_length=8, row_checks=False)
    assert [f.code for f in again.findings] == []
    # the library's replay on numpy reads the array the same way
    loaded = labelcheck.FixPlan.load(plan)
    table = loaded.transform(
        pa.table({"input_ids": pa.FixedSizeListArray.from_arrays(test.ravel(), 16)})
    )
    assert table.column("input_ids").to_pylist() == expected
    assert test.tolist() == np.load(tmp_path / "test.npy").tolist()  # the input untouched
