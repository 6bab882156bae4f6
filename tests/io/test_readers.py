"""Every input of SPEC §2 is read into the same findings.

One small dataset (features x0..x2, label y) is written in every format and
passed as every in-memory type; each must give the same rows and findings:
LC101 (2 missing values in x1), LC103 (x2 on the 0..255 pixel scale) and LC205
(one label 8000 among 0..4). The names match what numpy inputs get (x0.., y),
so arrays compare too.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.dataset as ds
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

import labelcheck
from labelcheck.io.readers import open_source

N = 400
EXPECTED = [
    ("LC101", "x1", "error", 2),
    ("LC103", "x2", "warning", None),
    ("LC205", "y", "error", 1),
]


def _columns() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    x1 = rng.random(N)
    x1[[5, 77]] = np.nan
    y = np.arange(N) % 5
    y[123] = 8000
    return {
        "x0": rng.random(N),
        "x1": x1,
        "x2": rng.integers(0, 256, N).astype(np.float64),
        "y": y,
    }


def _table() -> pa.Table:
    cols = _columns()
    # NaN -> null, so that CSV and JSON Lines (which have no NaN) hold the same data.
    return pa.table({k: pa.array(v, from_pandas=True) for k, v in cols.items()})


def _xy() -> tuple[np.ndarray, np.ndarray]:
    cols = _columns()
    return np.c_[cols["x0"], cols["x1"], cols["x2"]], cols["y"]


def signature(report: labelcheck.Report) -> list[tuple]:
    """What must not depend on the input format: findings with their rows and values."""
    return sorted(
        (f.code, f.column, f.severity, f.rows, tuple(float(v) for v in f.values))
        for f in report.findings
    )


@pytest.fixture(scope="module")
def reference() -> labelcheck.Report:
    return labelcheck.scan(_table(), label="y")


def _check(report: labelcheck.Report, reference: labelcheck.Report) -> None:
    assert report.rows == N
    assert report.label == "y"
    assert report.task.task == "classification"
    assert [s[:4] for s in signature(report)] == EXPECTED
    assert signature(report) == signature(reference)
    (lc205,) = report.by_code("LC205")
    assert lc205.values == (8000,)


# ------------------------------------------------------------------ files
def test_reference_has_the_expected_findings(reference):
    assert [s[:4] for s in signature(reference)] == EXPECTED


@pytest.mark.parametrize("row_group_size", [None, 64])
def test_parquet_file(tmp_path, reference, row_group_size):
    path = tmp_path / "d.parquet"
    pq.write_table(_table(), path, row_group_size=row_group_size)
    if row_group_size:
        assert pq.ParquetFile(path).num_row_groups > 1
    _check(labelcheck.scan(path, label="y"), reference)
    _check(labelcheck.scan(str(path)), reference)  # label found by its name 'y'


def _write_parts(directory: Path, parts: int = 3) -> None:
    directory.mkdir()
    table = _table()
    step = -(-N // parts)
    for i in range(parts):
        pq.write_table(table.slice(i * step, step), directory / f"part-{i}.parquet")
    (directory / "_SUCCESS").write_text("")  # Spark's marker file is skipped


def test_parquet_directory_and_glob_match_one_file(tmp_path):
    one = tmp_path / "one.parquet"
    pq.write_table(_table(), one)
    _write_parts(tmp_path / "parts")
    whole = labelcheck.scan(one, label="y")
    for source in (tmp_path / "parts", str(tmp_path / "parts" / "*.parquet")):
        report = labelcheck.scan(source, label="y")
        assert signature(report) == signature(whole)
        assert report.rows == whole.rows == N
        for name, col in report.to_dict()["columns"].items():
            ref = whole.to_dict()["columns"][name]
            for key in ("count", "nulls", "nan", "inf", "min", "max"):
                assert col[key] == ref[key], (name, key)
            assert col["mean"] == pytest.approx(ref["mean"], rel=1e-12)
            assert col["std"] == pytest.approx(ref["std"], rel=1e-9)


def test_parquet_directory_and_glob(tmp_path, reference):
    _write_parts(tmp_path / "parts")
    _check(labelcheck.scan(tmp_path / "parts", label="y"), reference)
    _check(labelcheck.scan(f"{tmp_path}/parts/part-*.parquet", label="y"), reference)
    _check(labelcheck.scan(f"file://{tmp_path}/parts", label="y"), reference)


def test_parquet_nested_directory(tmp_path, reference):
    """Hive-style partitions: parts in sub-directories are found recursively."""
    root = tmp_path / "root"
    table = _table()
    for i, start in enumerate(range(0, N, 200)):
        sub = root / f"split={i}"
        sub.mkdir(parents=True)
        pq.write_table(table.slice(start, 200), sub / "data.parquet")
    _check(labelcheck.scan(root, label="y"), reference)


def test_csv(tmp_path, reference):
    path = tmp_path / "d.csv"
    pcsv.write_csv(_table(), path)
    _check(labelcheck.scan(path, label="y"), reference)


def test_tsv(tmp_path, reference):
    path = tmp_path / "d.tsv"
    pcsv.write_csv(_table(), path, pcsv.WriteOptions(delimiter="\t"))
    assert "\t" in path.read_text().splitlines()[0]
    _check(labelcheck.scan(path, label="y"), reference)


def test_gzipped_csv(tmp_path, reference):
    plain = tmp_path / "d.csv"
    pcsv.write_csv(_table(), plain)
    packed = tmp_path / "d.csv.gz"
    with plain.open("rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    _check(labelcheck.scan(packed, label="y"), reference)


def _late_csv(path: Path, column: str, late_value: str) -> int:
    """A CSV whose ``column`` is numeric for well over one 1 MB block, then text."""
    rows = 120_000  # ~2.4 MB: pyarrow infers types from the first 1 MB block
    with path.open("w") as f:
        f.write("x0,x1,y\n")
        for i in range(rows):
            x1 = late_value if (column == "x1" and i == rows - 1) else f"{(i % 97) / 97:.6f}"
            y = late_value if (column == "y" and i == rows - 1) else str(i % 3)
            f.write(f"{(i % 89) / 89:.6f},{x1},{y}\n")
    assert path.stat().st_size > 2 * (1 << 20)
    return rows


def test_csv_numeric_column_turns_to_text_after_first_block(tmp_path):
    path = tmp_path / "late.csv"
    rows = _late_csv(path, "x1", "n/a?")
    report = labelcheck.scan(path, label="y")
    assert report.rows == rows
    (lc107,) = report.by_code("LC107")
    assert lc107.column == "x1"
    assert report.stats.columns["x1"].kind == "string"
    assert report.stats.columns["x0"].kind == "numeric"
    assert report.ok


def test_csv_integer_column_turns_fractional_after_first_block(tmp_path):
    path = tmp_path / "late.csv"
    rows = _late_csv(path, "y", "1.5")
    report = labelcheck.scan(path, label="y")
    assert report.rows == rows
    assert report.stats.columns["y"].non_integer == 1
    assert not report.by_code("LC107")


def test_csv_label_turns_to_text_after_first_block(tmp_path):
    path = tmp_path / "late.csv"
    rows = _late_csv(path, "y", "cat")
    report = labelcheck.scan(path, label="y")
    assert report.rows == rows
    assert report.stats.columns["y"].kind == "string"
    assert report.task.task == "classification"


def test_feather_file_format(tmp_path, reference):
    path = tmp_path / "d.feather"
    feather.write_feather(_table(), path, chunksize=100)
    _check(labelcheck.scan(path, label="y"), reference)


def test_arrow_ipc_file_format(tmp_path, reference):
    path = tmp_path / "d.arrow"
    with pa.ipc.new_file(path, _table().schema) as writer:
        for batch in _table().to_batches(max_chunksize=150):
            writer.write_batch(batch)
    src = open_source(path)
    assert src.num_rows == N and len(src.units) == 3
    _check(labelcheck.scan(path, label="y"), reference)


def test_arrow_ipc_stream_format(tmp_path, reference):
    path = tmp_path / "d.arrows.arrow"
    with pa.ipc.new_stream(path, _table().schema) as writer:
        for batch in _table().to_batches(max_chunksize=150):
            writer.write_batch(batch)
    _check(labelcheck.scan(path, label="y"), reference)


def test_json_lines(tmp_path, reference):
    path = tmp_path / "d.jsonl"
    with path.open("w") as f:
        for row in _table().to_pylist():
            f.write(json.dumps(row) + "\n")
    _check(labelcheck.scan(path, label="y"), reference)


def _late_jsonl(path: Path, late: dict, first: dict | None = None) -> int:
    """JSON Lines whose rows look like ``first`` for well over 1 MB, then one ``late`` row."""
    rows = 60_000
    with path.open("w") as f:
        for i in range(rows):
            row = {"x0": (i % 89) / 89, "x1": i % 7, "y": i % 3, **(first or {})}
            f.write(json.dumps(row) + "\n")
        f.write(json.dumps({"x0": 0.5, "x1": 1, "y": 0, **late}) + "\n")
    assert path.stat().st_size > 1 << 21
    return rows + 1


@pytest.mark.parametrize(
    ("late", "first", "kind"),
    [
        ({"x1": 1.5}, None, "numeric"),  # integers, then a fraction
        ({"x1": "n/a"}, None, "string"),  # numbers, then text: pyarrow cannot read it
        ({"x1": 2.5}, {"x1": None}, "numeric"),  # null for the first block, then numbers
        ({"x1": "abc"}, {"x1": None}, "string"),  # null, then text
    ],
    ids=["int-then-float", "number-then-text", "null-then-number", "null-then-text"],
)
def test_json_lines_column_type_changes_after_first_block(tmp_path, late, first, kind):
    path = tmp_path / "late.jsonl"
    rows = _late_jsonl(path, late, first)
    report = labelcheck.scan(path, label="y")
    assert report.rows == rows
    assert report.stats.columns["x1"].kind == kind
    assert report.stats.columns["x0"].kind == "numeric"
    if kind == "string":  # "n/a" is a missing-value marker among numbers: LC110, not LC107
        code = "LC110" if late == {"x1": "n/a"} else "LC107"
        assert [f.column for f in report.by_code(code)] == ["x1"]
    if late == {"x1": 1.5}:
        assert report.stats.columns["x1"].max == 6


def test_json_lines_mixed_types_in_first_rows(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        '{"x": 1, "y": 0}\n{"x": "two", "y": 1}\n{"x": [1, 2], "y": 2}\n\n{"x": 3.5, "y": 0}\n'
    )
    report = labelcheck.scan(path)
    assert report.rows == 4
    assert report.by_code("LC107")[0].column == "x"
    assert report.stats.columns["y"].kind == "numeric"


def test_ipc_file_and_stream_parts_in_one_directory(tmp_path, reference):
    parts = tmp_path / "parts"
    parts.mkdir()
    table = _table()
    with pa.ipc.new_stream(parts / "a.arrow", table.schema) as writer:  # stream first
        writer.write_table(table.slice(0, 100))
    with pa.ipc.new_file(parts / "b.arrow", table.schema) as writer:
        writer.write_table(table.slice(100))
    _check(labelcheck.scan(parts, label="y"), reference)


def test_npz_with_x_and_y(tmp_path, reference):
    path = tmp_path / "d.npz"
    X, y = _xy()
    np.savez(path, X=X, y=y)
    _check(labelcheck.scan(path), reference)


def test_npz_compressed_with_other_key_names(tmp_path, reference):
    path = tmp_path / "d.npz"
    X, y = _xy()
    np.savez_compressed(path, features=X, labels=y)
    _check(labelcheck.scan(path), reference)


def test_npy_features_only(tmp_path, reference):
    path = tmp_path / "X.npy"
    X, _ = _xy()
    np.save(path, X)
    report = labelcheck.scan(path)
    assert report.rows == N
    assert report.label is None
    assert "no label column" in report.stats.plan.label_reason
    features_only = [s for s in signature(reference) if s[1] != "y"]
    assert signature(report) == features_only


def test_npy_of_3d_is_images_and_5d_is_refused(tmp_path):
    path = tmp_path / "X.npy"
    np.save(path, np.zeros((4, 2, 2)))  # 4 grey images of 2x2 (issue 17: an image tensor)
    assert labelcheck.scan(path).rows == 4
    np.save(path, np.zeros((4, 2, 2, 3, 1)))
    with pytest.raises(labelcheck.InputError, match=r"X\.npy.*2-D.*\(4, 2, 2, 3, 1\)"):
        labelcheck.scan(path)


# ---------------------------------------------------------------- memory
def test_pandas_dataframe(reference):
    df = _table().to_pandas()
    assert df["x1"].isna().sum() == 2
    _check(labelcheck.scan(df, label="y"), reference)
    _check(labelcheck.scan(df), reference)


def test_pandas_dataframe_with_index_is_not_a_column(reference):
    df = _table().to_pandas().set_index("x0")
    report = labelcheck.scan(df, label="y")
    assert "x0" not in report.stats.columns
    assert report.rows == N


def test_pyarrow_table_record_batch_and_dataset(reference):
    table = _table()
    _check(labelcheck.scan(table), reference)
    _check(labelcheck.scan(table.combine_chunks().to_batches()[0]), reference)
    _check(labelcheck.scan(ds.dataset(table)), reference)


def test_pyarrow_dataset_on_files(tmp_path, reference):
    _write_parts(tmp_path / "parts")
    dataset = ds.dataset(tmp_path / "parts", format="parquet")
    _check(labelcheck.scan(dataset, label="y"), reference)


def test_polars_dataframe_and_lazyframe(reference):
    pl = pytest.importorskip("polars")
    df = pl.from_arrow(_table())
    _check(labelcheck.scan(df, label="y"), reference)
    _check(labelcheck.scan(df.lazy(), label="y"), reference)


def test_numpy_x_y(reference):
    X, y = _xy()
    _check(labelcheck.scan((X, y)), reference)
    _check(labelcheck.scan((X, y.reshape(-1, 1))), reference)  # a column vector y


def test_numpy_x_y_length_mismatch():
    X, y = _xy()
    with pytest.raises(labelcheck.InputError, match=f"X has {N} rows but y has {N - 1}"):
        labelcheck.scan((X, y[:-1]))


def test_numpy_float32_and_fortran_order(reference):
    X, y = _xy()
    X32 = np.asfortranarray(X.astype(np.float32))
    report = labelcheck.scan((X32, y.astype(np.int32)))
    assert [s[:4] for s in signature(report)] == EXPECTED
    assert report.by_code("LC205")[0].values == (8000,)


def test_unsupported_object_is_an_input_error():
    with pytest.raises(labelcheck.InputError, match="cannot scan an object of type dict"):
        labelcheck.scan({"x": [1, 2]})


# ------------------------------------------------------- parts that differ
def _write_differing_parts(directory: Path, fmt: str) -> None:
    """Two parts: the second has an extra column ``z``; together 5 rows, labels 0..2."""
    directory.mkdir()
    a = pa.table({"x": [0.1, 0.2, 0.3], "y": [0, 1, 2]})
    b = pa.table({"x": [0.4, 0.5], "z": [7.0, 8.0], "y": [0, 1]})
    for stem, table in (("a", a), ("b", b)):
        if fmt == "parquet":
            pq.write_table(table, directory / f"{stem}.parquet")
        elif fmt == "csv":
            pcsv.write_csv(table, directory / f"{stem}.csv")
        else:
            with (directory / f"{stem}.jsonl").open("w") as f:
                f.writelines(json.dumps(row) + "\n" for row in table.to_pylist())


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_parts_with_a_column_only_some_have(tmp_path, fmt):
    _write_differing_parts(tmp_path / "parts", fmt)
    report = labelcheck.scan(tmp_path / "parts", label="y")
    assert report.rows == 5
    z = report.stats.columns["z"]
    assert (z.count, z.nulls, z.max) == (5, 3, 8.0)
    assert [(f.column, f.rows) for f in report.by_code("LC101")] == [("z", 3)]


def test_csv_parts_with_numbers_in_one_and_text_in_another(tmp_path):
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "a.csv").write_text("x,y\n1.5,0\n2.5,1\n")
    (parts / "b.csv").write_text("x,y\nfoo,0\n3.5,1\n")
    report = labelcheck.scan(parts)
    assert report.rows == 4
    (lc107,) = report.by_code("LC107")
    assert lc107.column == "x" and "3 of 4" in lc107.message


def test_directory_skips_hidden_and_underscore_entries(tmp_path, reference):
    _write_parts(tmp_path / "table")
    log = tmp_path / "table" / "_delta_log"
    log.mkdir()
    (log / "00000000000000000000.json").write_text('{"commitInfo": {}}\n')
    hidden = tmp_path / "table" / ".ipynb_checkpoints"
    hidden.mkdir()
    (hidden / "part-0-checkpoint.csv").write_text("x0,y\n1,2\n")
    _check(labelcheck.scan(tmp_path / "table", label="y"), reference)


def test_a_file_name_with_glob_characters_is_read_literally(tmp_path, reference):
    path = tmp_path / "train[2024].parquet"
    pq.write_table(_table(), path)
    _check(labelcheck.scan(path, label="y"), reference)


def test_fsspec_url_is_streamed_by_part(reference):
    """A URL pyarrow has no filesystem for goes through fsspec (here its memory://)."""
    fsspec = pytest.importorskip("fsspec")
    import io

    fs = fsspec.filesystem("memory")
    table = _table()
    for i, start in enumerate(range(0, N, 150)):
        buf = io.BytesIO()
        pq.write_table(table.slice(start, 150), buf)
        fs.pipe(f"/labelcheck-test/parts/part-{i}.parquet", buf.getvalue())
    try:
        src = open_source("memory://labelcheck-test/parts")
        assert len(src.units) == 3  # one unit per part: never one in-memory table
        _check(labelcheck.scan("memory://labelcheck-test/parts", label="y"), reference)
        with pytest.raises(labelcheck.InputError, match="memory://labelcheck-test/nothing"):
            labelcheck.scan("memory://labelcheck-test/nothing")
    finally:
        fs.rm("/labelcheck-test", recursive=True)


@pytest.mark.parametrize("fmt", ["parquet", "feather"])
def test_a_saved_pandas_index_is_row_ids_not_a_feature(tmp_path, fmt):
    import pandas as pd
    from typer.testing import CliRunner

    from labelcheck.cli import app

    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.random(300), "y": np.arange(300) % 3}, index=np.arange(5000, 5300))
    path = tmp_path / f"indexed.{fmt}"
    table = pa.Table.from_pandas(df)  # the index becomes column __index_level_0__
    if fmt == "parquet":
        pq.write_table(table, path)
    else:
        feather.write_feather(table, path)
    report = labelcheck.scan(path)
    assert report.stats.plan.features == ("x",)
    assert report.findings == []  # the index 5000..5299 as a feature would be LC103/LC104
    named = labelcheck.scan(path, features=["x", "__index_level_0__"])
    assert "LC103" in {f.code for f in named.findings}  # still scanned when asked for

    out = tmp_path / f"fixed.{fmt}"
    result = CliRunner().invoke(app, ["fix", str(path), "-o", str(out), "--no-config"])
    assert result.exit_code == 0, result.output
    fixed = feather.read_table(out) if fmt == "feather" else pq.read_table(out)
    assert fixed.column("__index_level_0__").to_pylist() == list(range(5000, 5300))
