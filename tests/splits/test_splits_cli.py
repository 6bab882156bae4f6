"""Splits: --reference, directories of named splits, --rows-out and bad references (real CLI)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app

runner = CliRunner()


def _tables(seed: int = 0) -> tuple[pa.Table, pa.Table, pa.Table]:
    """train, validation, test; test holds 20 train rows (a leak) and a rescaled column."""
    rng = np.random.default_rng(seed)

    def part(n: int, scale: float = 1.0) -> pa.Table:
        return pa.table(
            {
                "a": rng.random(n),
                "px": rng.integers(0, 256, n) / scale,
                "y": rng.integers(0, 3, n),
            }
        )

    train = part(1000)
    train = pa.concat_tables([train, train.slice(0, 7)])  # 7 duplicate rows in train
    test = pa.concat_tables([part(200, 255.0), train.slice(100, 20)])
    return train, part(150), test


def _hf_layout(root: Path) -> Path:
    train, val, test = _tables()
    data = root / "data"
    data.mkdir(parents=True)
    pq.write_table(train.slice(0, 600), data / "train-00000-of-00002.parquet", row_group_size=128)
    pq.write_table(train.slice(600), data / "train-00001-of-00002.parquet", row_group_size=128)
    pq.write_table(val, data / "validation-00000-of-00001.parquet")
    pq.write_table(test, data / "test-00000-of-00001.parquet")
    return root


def _signature(report: dict) -> list:
    keys = ("code", "column", "severity", "rows", "row_numbers", "groups")
    return sorted(tuple(json.dumps(f.get(k)) for k in keys) for f in report["findings"])


def test_a_directory_of_named_splits_equals_reference_scans(tmp_path):
    root = _hf_layout(tmp_path / "ds")
    result = runner.invoke(app, ["scan", str(root), "--format", "json"])
    assert result.exit_code == 1, result.output
    reports = json.loads(result.stdout)
    splits = ("train", "validation", "test")
    assert [r["source"] for r in reports] == [f"{root}[{s}]" for s in splits]
    by_split = {r["source"].rsplit("[", 1)[1][:-1]: r for r in reports}
    assert {f["code"] for f in by_split["test"]["findings"]} >= {"LC303", "LC306"}
    assert "LC303" not in {f["code"] for f in by_split["validation"]["findings"]}
    assert "LC301" in {f["code"] for f in by_split["train"]["findings"]}
    train_glob = str(root / "data" / "train-*.parquet")
    for split in ("validation", "test"):
        path = next((root / "data").glob(f"{split}-*.parquet"))
        one = runner.invoke(app, ["scan", str(path), "--reference", train_glob, "--format", "json"])
        assert _signature(json.loads(one.stdout)) == _signature(by_split[split]), split
    alone = runner.invoke(app, ["scan", train_glob, "--format", "json"])
    assert _signature(json.loads(alone.stdout)) == _signature(by_split["train"])


def test_split_subfolders_and_plain_parts(tmp_path):
    train, val, test = _tables(1)
    for split, table in (("train", train), ("val", val), ("test", test)):
        (tmp_path / "sub" / split).mkdir(parents=True)
        pq.write_table(table, tmp_path / "sub" / split / "part-0.parquet")
    reports = labelcheck.scan_splits(tmp_path / "sub")
    assert list(reports) == ["train", "validation", "test"]
    assert reports["test"].by_code("LC303")[0].rows == 20
    # Plain parts: still one dataset, no split logic.
    (tmp_path / "parts").mkdir()
    for i in range(3):
        pq.write_table(train.slice(i * 300, 300), tmp_path / "parts" / f"part-{i}.parquet")
    result = runner.invoke(app, ["scan", str(tmp_path / "parts"), "--format", "json"])
    report = json.loads(result.stdout)
    assert isinstance(report, dict) and report["rows"] == 900


def test_a_directory_mixing_splits_and_other_files_is_refused(tmp_path):
    root = _hf_layout(tmp_path / "ds")
    pq.write_table(_tables()[1], root / "data" / "extra.parquet")
    result = runner.invoke(app, ["scan", str(root)])
    assert result.exit_code == 2
    assert result.output.startswith("labelcheck: error: ")
    assert "mixes named splits (train, validation, test) with other files" in result.output
    with pytest.raises(labelcheck.InputError, match="named splits"):
        labelcheck.scan(_hf_layout(tmp_path / "ds2"))


def test_rows_out_lists_every_involved_row(tmp_path):
    train, _, test = _tables()
    tr, te = tmp_path / "train.parquet", tmp_path / "test.parquet"
    pq.write_table(train, tr)
    pq.write_table(pa.concat_tables([test, test.slice(0, 3)]), te)
    out = tmp_path / "rows.parquet"
    result = runner.invoke(app, ["scan", str(te), "--reference", str(tr), "--rows-out", str(out)])
    assert result.exit_code == 1
    rows = pq.read_table(out).to_pylist()
    leaked = sorted(r["row"] for r in rows if r["code"] == "LC303")
    assert leaked == list(range(200, 220))
    dups = [r for r in rows if r["code"] == "LC301"]
    assert sorted(r["row"] for r in dups) == [0, 1, 2, 220, 221, 222]
    assert {r["group"] for r in dups} == {0, 1, 2}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left
    # Never over an input.
    before = te.read_bytes()
    bad = runner.invoke(app, ["scan", str(te), "--rows-out", str(te)])
    assert bad.exit_code == 2 and "is an input" in bad.output
    assert te.read_bytes() == before


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda t: t.drop_columns(["y"]), "label column 'y' (the label of"),
        (lambda t: pa.table({"other": t["a"], "y": t["y"]}), "has none of the features"),
        (None, "--reference"),
    ],
    ids=["no-label", "no-common-feature", "unreadable"],
)
def test_bad_reference_is_one_line_exit_2(tmp_path, make, expected):
    train, _, test = _tables()
    te = tmp_path / "test.parquet"
    pq.write_table(test, te)
    ref = tmp_path / "ref.parquet"
    if make is None:
        ref.write_bytes(b"PAR1 not really parquet")
    else:
        pq.write_table(make(train), ref)
    proc = subprocess.run(
        [sys.executable, "-m", "labelcheck", "scan", str(te), "--reference", str(ref)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("labelcheck: error: ")
    assert expected in lines[0]
    assert "Traceback" not in proc.stderr


def test_reference_with_fewer_columns_compares_the_common_ones(tmp_path):
    train, _, test = _tables()
    tr, te = tmp_path / "train.parquet", tmp_path / "test.parquet"
    pq.write_table(train.drop_columns(["px"]), tr)
    pq.write_table(test, te)
    report = labelcheck.scan(te, reference=tr)
    (leak,) = report.by_code("LC303")
    assert leak.rows == 20
    assert "compared on the 1 features both splits have" in leak.message


def test_no_row_checks_and_selects_turn_hashing_off(tmp_path):
    train, _, _ = _tables()
    path = tmp_path / "train.parquet"
    pq.write_table(train, path)
    assert labelcheck.scan(path).by_code("LC301")
    for kwargs in ({"row_checks": False}, {"select": ["LC1"]}, {"ignore": ["LC3"]}):
        report = labelcheck.scan(path, **kwargs)
        assert report.stats.row_stats is None and not report.by_code("LC301"), kwargs
    result = runner.invoke(app, ["scan", str(path), "--no-row-checks", "--format", "json"])
    assert "LC301" not in {f["code"] for f in json.loads(result.stdout)["findings"]}


def test_schema_names_the_reference(tmp_path, monkeypatch):
    train, _, test = _tables()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "train").mkdir(parents=True)
    pq.write_table(train, tmp_path / "data" / "train" / "part-0.parquet")
    pq.write_table(test, tmp_path / "new_test.parquet")
    (tmp_path / "s.yaml").write_text("version: 1\nlabel: y\nreference: data/train/*.parquet\n")
    result = runner.invoke(app, ["scan", "new_test.parquet", "--schema", "s.yaml"])
    assert result.exit_code == 1 and "LC303" in result.output


def test_text_report_stays_short(tmp_path):
    train, _, test = _tables()
    tr, te = tmp_path / "train.parquet", tmp_path / "test.parquet"
    pq.write_table(train, tr)
    pq.write_table(test, te)
    result = runner.invoke(app, ["scan", str(te), "--reference", str(tr)])
    assert len(result.output.splitlines()) < 30
    assert "20 of 220 rows (9.1%)" in " ".join(result.output.split())
    assert "204" in result.output and "205" not in result.output  # five row numbers, not 20
