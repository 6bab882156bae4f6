"""Token sequences as inputs (SPEC §11): the formats they come in, how they are declared,
what `fix` does with them, and the one-line errors of bad declarations."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app
from labelcheck.errors import InputError


def _tokenized(n: int = 40) -> dict[str, list]:
    rng = np.random.default_rng(5)
    ids = [rng.integers(1, 900, int(rng.integers(3, 9))).tolist() for _ in range(n)]
    return {
        "input_ids": ids,
        "attention_mask": [[1] * len(r) for r in ids],
        "labels": [[-100, *r[1:]] for r in ids],
        "score": rng.normal(size=n).tolist(),
    }


def _kinds(report) -> dict[str, str]:
    return dict(report.stats.plan.kinds)


@pytest.mark.parametrize("list_type", [pa.list_, pa.large_list])
def test_parquet_list_columns_are_token_columns_and_labels_is_not_the_class_label(
    tmp_path, list_type
):
    data = _tokenized()
    table = pa.table(
        {k: pa.array(v, list_type(pa.int64())) if k != "score" else v for k, v in data.items()}
    )
    pq.write_table(table, tmp_path / "t.parquet")
    report = labelcheck.scan(tmp_path / "t.parquet")
    assert _kinds(report) == dict.fromkeys(("input_ids", "attention_mask", "labels"), "tokens")
    assert report.stats.plan.label is None
    # exempt from the feature rules: no LC107 "non-numeric", no LC302 on a list label
    assert {f.code for f in report.findings} == set()
    assert set(report.stats.features()) == {"score"}


def test_jsonl_arrays_and_fixed_size_lists(tmp_path):
    data = _tokenized()
    path = tmp_path / "t.jsonl"
    rows = [dict(zip(data, row, strict=True)) for row in zip(*data.values(), strict=True)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    report = labelcheck.scan(path, vocab_size=500)
    assert _kinds(report)["input_ids"] == "tokens"
    expected = sum(any(v >= 500 for v in r) for r in data["input_ids"])
    assert report.by_code("LC501")[0].rows == expected
    fixed = pa.FixedSizeListArray.from_arrays(pa.array(np.arange(40) % 7), 4)
    report = labelcheck.scan(pa.table({"input_ids": fixed}))
    assert _kinds(report) == {"input_ids": "tokens"}


def test_a_declared_column_and_a_numpy_id_array():
    ids = pa.array([[1, 2, 3], [4, 5]] * 10)
    report = labelcheck.scan(pa.table({"text_ids": ids}), tokens=["text_ids"], max_length=2)
    assert _kinds(report) == {"text_ids": "tokens"}
    assert report.by_code("LC502")[0].rows == 10
    X = np.tile(np.array([[5, 6, 7, 0, 0]]), (30, 1))
    X[4] = [5, 6, 7, 8, 9]
    as_tokens = labelcheck.scan(X, pad_id=0, max_length=3)
    assert _kinds(as_tokens) == {"input_ids": "tokens"}
    assert as_tokens.by_code("LC502")[0].row_numbers == (4,)
    named = labelcheck.scan((X, np.arange(30) % 2), tokens=["ids"])
    assert _kinds(named) == {"ids": "tokens"} and named.stats.plan.label == "y"
    # a 2-D float array stays features, declared or not
    floats = labelcheck.scan(X.astype(float), pad_id=0)
    assert len(floats.stats.features()) == 5 and not _kinds(floats)


def test_a_datasetdict_with_sequence_features_is_scanned_split_by_split():
    datasets = pytest.importorskip("datasets")
    train = {
        "input_ids": [[1, 2, 3], [4, 5], []] * 4,
        "attention_mask": [[1, 1, 1], [0, 0], []] * 4,
    }
    test = {"input_ids": [[1, 2, 3], [9]] * 3, "attention_mask": [[1, 1, 1], [1]] * 3}
    dd = datasets.DatasetDict(
        {"train": datasets.Dataset.from_dict(train), "test": datasets.Dataset.from_dict(test)}
    )
    reports = labelcheck.scan_splits(dd)
    found = {f.code: f for f in reports["train"].findings}
    assert found["LC503"].row_numbers == (1, 4, 7, 10)
    assert found["LC504"].row_numbers == (2, 5, 8, 11)
    leaked = {f.code: f for f in reports["test"].findings}["LC303"]
    assert leaked.rows == 3  # [1, 2, 3] with its mask is a training row


def test_npy_and_npz_id_arrays_through_the_cli(tmp_path):
    X = np.tile(np.arange(1, 9), (40, 1))
    X[6, 3:] = 0  # right padding
    X[8] = 0  # all padding
    np.save(tmp_path / "ids.npy", X)
    np.savez(tmp_path / "ids.npz", X=X, y=np.arange(40) % 3)
    for name in ("ids.npy", "ids.npz"):
        args = [str(tmp_path / name), "--pad-id", "0", "--max-length", "6", "--format", "json"]
        result = CliRunner().invoke(app, ["scan", *args])
        report = json.loads(result.stdout)
        lc502 = next(f for f in report["findings"] if f["code"] == "LC502")
        assert lc502["rows"] == 38  # 8 real tokens, except rows 6 (3) and 8 (0)
        assert "LC103" not in {f["code"] for f in report["findings"]}  # not 8 features


def test_token_columns_stay_together_when_row_groups_are_split_by_columns(tmp_path):
    # More columns than one task reads: the token columns go to the same task, so a row's
    # lengths are compared (LC507) and its real length read from its mask (LC502).
    n = 64
    data = {f"f{i}": np.arange(n, dtype=float) for i in range(12)}
    data["labels"] = [[1, 2]] * n
    data["attention_mask"] = [[1, 1]] * (n - 1) + [[1, 1, 1]]
    data["input_ids"] = [[5, 6]] * n
    pq.write_table(pa.table(data), tmp_path / "wide.parquet", row_group_size=16)
    report = labelcheck.scan(tmp_path / "wide.parquet", row_checks=False)
    assert report.by_code("LC507")[0].row_numbers == (n - 1,)


def test_rows_out_lists_the_token_rows(tmp_path):
    data = {"input_ids": [[1, 2]] * 6 + [[], [3]], "attention_mask": [[1, 1]] * 6 + [[], [0]]}
    pq.write_table(pa.table(data), tmp_path / "t.parquet")
    rows_out = tmp_path / "rows.parquet"
    args = ["scan", str(tmp_path / "t.parquet"), "--rows-out", str(rows_out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    table = pq.read_table(rows_out).to_pylist()
    named = {(r["code"], r["row"]) for r in table if r["code"] != "LC301"}
    assert named == {("LC504", 6), ("LC503", 7)}


def test_a_small_token_scan_imports_no_heavy_library(tmp_path):
    pq.write_table(pa.table(_tokenized()), tmp_path / "t.parquet")
    code = (
        "import sys, labelcheck\n"
        f"labelcheck.scan({str(tmp_path / 't.parquet')!r}, vocab_size=500, max_length=4)\n"
        "print(sorted(m for m in ('pandas', 'polars', 'dask', 'matplotlib', 'torch', 'PIL')"
        " if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_fix_keeps_the_token_columns(tmp_path):
    data = _tokenized()
    data["note"] = ["a"] * 40  # a text feature: LC107, whose fix drops that column only
    pq.write_table(pa.table(data), tmp_path / "t.parquet")
    out = tmp_path / "fixed.parquet"
    result = CliRunner().invoke(app, ["fix", str(tmp_path / "t.parquet"), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    fixed = pq.read_table(out)
    for name in ("input_ids", "attention_mask", "labels"):
        assert fixed.column(name).to_pylist() == data[name]


def test_schema_keys_set_the_token_options(tmp_path):
    (tmp_path / "s.yaml").write_text("version: 1\nvocab_size: 100\nmax_length: 4\n")
    table = pa.table({"input_ids": [[1, 2, 300], [1, 2, 3, 4, 5]] + [[1, 2]] * 10})
    report = labelcheck.scan(table, schema=tmp_path / "s.yaml")
    assert {"LC501", "LC502"} <= {f.code for f in report.findings}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--vocab-size", "0"], "--vocab-size"),
        (["--vocab-size", "many"], "many"),
        (["--max-length", "-3"], "--max-length"),
        (["--tokenizer", "TOK_NOT_JSON"], "not a tokenizer.json"),
        (["--tokenizer", "TOK_NO_VOCAB"], "not a tokenizer.json"),
        (["--tokenizer", "TOK_MISSING"], "no such file"),
        (["--tokens", "score"], "not a list of token ids"),
        (["--tokens", "nope"], "'nope' not found"),
    ],
)
def test_bad_declarations_are_one_line_exit_2(tmp_path, args, says):
    pq.write_table(pa.table(_tokenized()), tmp_path / "t.parquet")
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "empty.json").write_text(json.dumps({"model": {"type": "BPE"}}))
    paths = {
        "TOK_NOT_JSON": tmp_path / "bad.json",
        "TOK_NO_VOCAB": tmp_path / "empty.json",
        "TOK_MISSING": tmp_path / "absent.json",
    }
    args = [str(paths.get(a, a)) for a in args]
    proc = subprocess.run(
        ["labelcheck", "scan", str(tmp_path / "t.parquet"), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_library_keywords_raise_input_error():
    with pytest.raises(InputError, match="--vocab-size"):
        labelcheck.scan(pa.table({"input_ids": [[1]]}), vocab_size=0)
