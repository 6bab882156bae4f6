"""SPEC §9: bad input is one clear line and exit 2; odd-but-legal input is scanned.

Each bad input runs through the real CLI twice: in a subprocess
(``python -m labelcheck``, as a user or CI runs it) and in-process with typer's
CliRunner (which also proves no exception escapes the command).
"""

from __future__ import annotations

import datetime
import decimal
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app


def _good(tmp_path: Path) -> Path:
    path = tmp_path / "good.parquet"
    pq.write_table(pa.table({"x": np.arange(1000) / 1000, "y": np.arange(1000) % 3}), path)
    return path


def _truncated(tmp_path: Path) -> Path:
    data = _good(tmp_path).read_bytes()
    path = tmp_path / "truncated.parquet"
    path.write_bytes(data[: len(data) // 2])
    return path


def _write(name: str, content: str | bytes) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return make


def _glob_of_different_files(tmp_path: Path) -> Path:
    """Two unrelated samples picked by one quoted glob (the columns differ)."""
    pq.write_table(pa.table({"x0": [0.1, 0.2], "y": [0, 1]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"px": [3.0, 4.0], "target": [1, 0]}), tmp_path / "b.parquet")
    return tmp_path / "*.parquet"


LATIN1 = "x,y\n1.5,café\n2.5,thé\n".encode("latin-1")

# (make the file, extra CLI args, text the one line must contain), by case id
BAD_INPUTS = [
    pytest.param(
        lambda p: p / "does-not-exist.parquet",
        [],
        ["does-not-exist.parquet", "no such file"],
        id="missing-file",
    ),
    pytest.param(
        _write("notes.txt", "hello\n"), [], ["notes.txt", "not a data file"], id="not-a-data-file"
    ),
    pytest.param(
        _truncated, [], ["truncated.parquet", "not a valid Parquet file"], id="truncated-parquet"
    ),
    pytest.param(
        _write("junk.parquet", b"not parquet " * 20),
        [],
        ["junk.parquet", "Parquet"],
        id="corrupt-parquet",
    ),
    pytest.param(
        _write("empty.parquet", b""), [], ["empty.parquet", "empty (0 bytes)"], id="empty-parquet"
    ),
    pytest.param(_write("empty.csv", ""), [], ["empty.csv", "empty (0 bytes)"], id="empty-csv"),
    pytest.param(
        _write("ragged.csv", "a,b,y\n1,2,0\n3,4,5,6\n"),
        [],
        ["ragged.csv", "ragged CSV", "3,4,5,6"],
        id="ragged-csv",
    ),
    pytest.param(
        _write("junk.feather", b"not arrow " * 20),
        [],
        ["junk.feather", "Arrow IPC"],
        id="corrupt-feather",
    ),
    pytest.param(
        _write("junk.jsonl", "{not json\n"), [], ["junk.jsonl", "JSON Lines"], id="corrupt-jsonl"
    ),
    pytest.param(_write("junk.npz", b"PK not a zip"), [], ["junk.npz", ".npz"], id="corrupt-npz"),
    pytest.param(lambda p: p, [], ["holds no data file"], id="empty-dir"),
    pytest.param(lambda p: p / "*.parquet", [], ["matches no file"], id="glob-no-match"),
    pytest.param(
        _good,
        ["--label", "nope"],
        ["good.parquet", "'nope'", "columns are: 'x', 'y'"],
        id="missing-label",
    ),
    pytest.param(
        _good, ["--features", "x,zz"], ["good.parquet", "'zz'", "'x', 'y'"], id="missing-feature"
    ),
    pytest.param(
        _good, ["--select", "LC999"], ["--select", "LC999", "LC205"], id="unknown-rule-select"
    ),
    pytest.param(_good, ["--ignore", "LC1,XX1"], ["--ignore", "XX1"], id="unknown-rule-ignore"),
    pytest.param(_good, ["--n-classes", "0"], ["--n-classes", "0"], id="n-classes-zero"),
    pytest.param(_good, ["--n-classes", "-3"], ["--n-classes", "-3"], id="n-classes-negative"),
    pytest.param(_good, ["--n-classes", "abc"], ["--n-classes"], id="n-classes-not-int"),
    pytest.param(
        _good,
        ["--loss", "nope"],
        ["--loss", "'nope'", "sparse_categorical_crossentropy"],
        id="unknown-loss",
    ),
    pytest.param(_good, ["--fail-on", "sometimes"], ["--fail-on", "sometimes"], id="bad-fail-on"),
    pytest.param(_good, ["--format", "pdf"], ["--format", "pdf"], id="bad-format"),
    pytest.param(_good, ["--bogus"], ["--bogus"], id="unknown-option"),
    pytest.param(
        _write("latin1.csv", LATIN1),
        [],
        ["latin1.csv", "not utf-8 text at byte offset 11 (0xe9)", "--encoding latin-1"],
        id="latin1-csv",
    ),
    pytest.param(
        _write("latin1-header.csv", "x,température,y\n1,2,0\n".encode("latin-1")),
        [],
        ["latin1-header.csv", "at byte offset 6 (0xe9)", "--encoding latin-1"],
        id="latin1-csv-header",
    ),
    pytest.param(
        _write("cp1252.csv", LATIN1),
        ["--encoding", "ascii"],
        ["cp1252.csv", "not ascii text at byte offset 11", "--encoding"],
        id="csv-not-in-the-given-encoding",
    ),
    pytest.param(
        _write("plain.csv", "x,y\n1,0\n"),
        ["--encoding", "utf-16"],
        ["plain.csv", "not utf-16 text at byte offset 0", "does not start with BOM"],
        id="utf16-without-a-bom",
    ),
    pytest.param(
        _good, ["--encoding", "klingon"], ["--encoding", "'klingon'"], id="unknown-encoding"
    ),
    pytest.param(_good, ["--encoding", "base64"], ["--encoding", "'base64'"], id="bytes-codec"),
    pytest.param(
        _glob_of_different_files,
        [],
        [
            "*.parquet: the files have different columns",
            "a.parquet: 'x0', 'y'",
            "b.parquet: 'px', 'target'",
            "pass them as separate paths",
        ],
        id="glob-of-files-with-different-columns",
    ),
    pytest.param(
        _write("dup-label.csv", "x,y,y\n1,0,0\n2,1,1\n"),
        [],
        ["dup-label.csv", "label column 'y' is ambiguous: 2 columns have that name", "rename"],
        id="repeated-label-name",
    ),
    pytest.param(
        _write("dup-key.jsonl", '{"x": 1, "x": 2, "y": 0}\n'),
        [],
        ["dup-key.jsonl", "the key 'x' appears twice in one JSON object"],
        id="jsonl-repeated-key",
    ),
    pytest.param(
        lambda p: _write("r.json", '{\n  "version": 1,\n  "tool": "labelcheck 0.1.0"\n}\n')(p),
        [],
        ["r.json", "plan or report written by labelcheck, not data"],
        id="scan-a-json-report",
    ),
]


def _check_one_line(code: int, stdout: str, stderr: str, expect: list[str]) -> None:
    assert code == 2, (code, stdout, stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("labelcheck: error: "), stderr
    assert "Traceback" not in stderr + stdout
    assert "internal error" not in stderr
    for text in expect:
        assert text in lines[0], (text, lines[0])
    assert stdout == ""  # no partial report


@pytest.mark.parametrize(("make", "args", "expect"), BAD_INPUTS)
def test_bad_input_cli_runner(tmp_path, make, args, expect):
    path = make(tmp_path)
    result = CliRunner().invoke(app, ["scan", str(path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    _check_one_line(result.exit_code, result.stdout, result.stderr, expect)


@pytest.mark.parametrize(("make", "args", "expect"), BAD_INPUTS)
def test_bad_input_subprocess(tmp_path, make, args, expect):
    path = make(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "labelcheck", "scan", str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    _check_one_line(proc.returncode, proc.stdout, proc.stderr, expect)


def test_error_message_names_the_file_not_just_the_pattern(tmp_path):
    """A bad part inside a directory is named, so the user knows which file to re-export."""
    parts = tmp_path / "parts"
    parts.mkdir()
    pq.write_table(pa.table({"x": [1.0], "y": [0]}), parts / "part-0.parquet")
    (parts / "part-1.parquet").write_bytes(b"garbage" * 10)
    result = CliRunner().invoke(app, ["scan", str(parts)])
    _check_one_line(result.exit_code, result.stdout, result.stderr, ["part-1.parquet"])


def test_mixed_formats_in_a_directory(tmp_path):
    pq.write_table(pa.table({"x": [1.0], "y": [0]}), tmp_path / "a.parquet")
    (tmp_path / "b.csv").write_text("x,y\n1,0\n")
    result = CliRunner().invoke(app, ["scan", str(tmp_path)])
    _check_one_line(result.exit_code, result.stdout, result.stderr, ["mixes formats", "csv"])


def test_several_paths_one_bad_gives_no_partial_report(tmp_path):
    good = _good(tmp_path)
    result = CliRunner().invoke(app, ["scan", str(good), str(tmp_path / "missing.csv")])
    _check_one_line(result.exit_code, result.stdout, result.stderr, ["missing.csv"])


def test_output_file_not_written_on_error(tmp_path):
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        app, ["scan", str(tmp_path / "missing.parquet"), "--format", "json", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind either


def test_library_raises_input_error(tmp_path):
    with pytest.raises(labelcheck.InputError, match=r"truncated\.parquet"):
        labelcheck.scan(_truncated(tmp_path))
    with pytest.raises(labelcheck.InputError, match="columns are"):
        labelcheck.scan(_good(tmp_path), label="nope")
    with pytest.raises(labelcheck.InputError, match="LC999"):
        labelcheck.scan(_good(tmp_path), select=["LC999"])


# --------------------------------------------------------------- tolerated
N = 200


def _odd_table() -> pa.Table:
    rng = np.random.default_rng(0)
    return pa.table(
        {
            "all null": pa.nulls(N, pa.float64()),
            "null type": pa.nulls(N),
            "température °C": rng.random(N),
            "名前 with spaces": rng.random(N),
            "city": pa.array(["Paris", "Lyon"] * (N // 2)).dictionary_encode(),
            "price": pa.array(
                [decimal.Decimal(f"{i % 7}.25") for i in range(N)], pa.decimal128(10, 2)
            ),
            "flag": pa.array([True, False] * (N // 2)),
            "when": pa.array([datetime.datetime(2020, 1, 1 + i % 28) for i in range(N)]),
            "nested": pa.array([{"a": i, "b": [1, 2]} for i in range(N)]),
            "blob": pa.array([b"\x00\x01"] * N),
            "label": np.arange(N) % 3,
        }
    )


def _codes(report: labelcheck.Report) -> dict[str | None, set[str]]:
    out: dict[str | None, set[str]] = {}
    for f in report.findings:
        out.setdefault(f.column, set()).add(f.code)
    return out


def test_odd_columns_are_reported_not_crashed_on(tmp_path):
    path = tmp_path / "odd.parquet"
    pq.write_table(_odd_table(), path)
    report = labelcheck.scan(path)
    codes = _codes(report)
    assert report.rows == N and report.label == "label"
    assert codes["all null"] == {"LC101"}
    assert report.by_code("LC101")[0].rows == N
    for column in ("null type", "city", "when", "nested", "blob"):
        assert codes[column] == {"LC107"}, column
    for column in ("température °C", "名前 with spaces", "price", "flag"):
        assert column not in codes, column  # numeric (decimal and bool count) and fine
    assert report.stats.columns["price"].max == pytest.approx(6.25)
    assert report.ok is False  # the all-null feature is an error


def test_odd_columns_through_the_cli_text_and_json(tmp_path):
    import json

    path = tmp_path / "odd columns ü.parquet"
    pq.write_table(_odd_table(), path)
    text = CliRunner().invoke(app, ["scan", str(path)])
    assert text.exit_code == 1, text.output
    assert "température °C" in text.stdout or "all null" in text.stdout
    result = CliRunner().invoke(app, ["scan", str(path), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["source"].endswith("odd columns ü.parquet")
    assert "名前 with spaces" in data["columns"]
    assert {f["column"] for f in data["findings"] if f["code"] == "LC107"} >= {"when", "nested"}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_zero_rows_is_lc001(tmp_path, fmt):
    if fmt == "parquet":
        path = tmp_path / "zero.parquet"
        pq.write_table(
            pa.table({"x": pa.array([], pa.float64()), "y": pa.array([], pa.int64())}), path
        )
    else:
        path = tmp_path / "zero.csv"
        path.write_text("x,y\n")  # a header, no rows
    result = CliRunner().invoke(app, ["scan", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    import json

    data = json.loads(result.stdout)
    assert data["rows"] == 0
    assert [f["code"] for f in data["findings"] if f["severity"] == "error"] == ["LC001"]


def test_zero_rows_with_odd_columns_gives_only_sensible_findings():
    report = labelcheck.scan(_odd_table().slice(0, 0))
    assert report.by_code("LC001")
    for f in report.findings:
        assert "e.g. )" not in f.message and "0 of 0" not in f.message, f.message


def test_one_row():
    report = labelcheck.scan(pa.table({"x": [0.5], "z": [2.0], "y": [1]}))
    assert report.rows == 1
    assert not report.by_code("LC105")  # one value is not a constant column worth a warning
    assert not [f for f in report.findings if f.severity == "error"]


def test_dictionary_bool_and_decimal_labels():
    x = np.linspace(0, 1, N)
    cases = {
        "dictionary": pa.array(["cat", "dog"] * (N // 2)).dictionary_encode(),
        "bool": pa.array([True, False] * (N // 2)),
        "decimal": pa.array([decimal.Decimal(i % 3) for i in range(N)], pa.decimal128(5, 0)),
    }
    for name, labels in cases.items():
        report = labelcheck.scan(pa.table({"x": x, "y": labels}))
        assert report.task.task == "classification", name
        assert report.ok, (name, report.findings)
    assert labelcheck.scan(pa.table({"x": x, "y": cases["dictionary"]})).by_code("LC213")


def test_all_null_label():
    report = labelcheck.scan(pa.table({"x": np.arange(N) / N, "y": pa.nulls(N, pa.int64())}))
    (lc201,) = report.by_code("LC201")
    assert lc201.rows == N


def test_a_million_distinct_labels_in_bounded_memory(tmp_path):
    n = 1_000_000
    path = tmp_path / "million.parquet"
    rng = np.random.default_rng(0)
    names = pa.array([f"label-{i:07d}" for i in rng.permutation(n)])
    pq.write_table(pa.table({"x": rng.random(n), "y": names}), path, row_group_size=100_000)
    del names
    labelcheck.scan(path, select=["LC001"])  # imports and caches out of the measurement
    tracemalloc.start()
    try:
        report = labelcheck.scan(path, label="y")
        scan_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        every_label = {f"label-{i:07d}": 1 for i in range(n)}  # what an uncapped count holds
        uncapped = tracemalloc.get_traced_memory()[1]
        del every_label
    finally:
        tracemalloc.stop()
    assert report.rows == n
    assert report.stats.label.distinct is None  # dropped past the cap
    assert report.task.task == "classification"
    assert report.by_code("LC213")
    assert scan_peak < uncapped / 2, (scan_peak, uncapped)


def test_a_million_distinct_integer_labels(tmp_path):
    n = 1_000_000
    path = tmp_path / "million.parquet"
    rng = np.random.default_rng(1)
    pq.write_table(
        pa.table({"x": rng.random(n), "y": rng.permutation(n)}), path, row_group_size=100_000
    )
    report = labelcheck.scan(path, label="y")
    assert report.stats.label.distinct is None
    assert report.task.task == "regression"
    assert "more than" in report.task.reason and "--task classification" in report.task.reason
    forced = labelcheck.scan(path, label="y", task="classification")
    assert forced.task.task == "classification"
    assert forced.stats.label.distinct is None


def test_names_and_values_that_look_like_rich_markup(tmp_path):
    """Column names and labels are data: "[/]" or "[red]" must print as they are."""
    path = tmp_path / "markup[1].parquet"
    table = pa.table(
        {
            "[red]x": np.r_[np.zeros(N - 1), np.nan],
            "feat[/]": np.arange(N) * 1000.0,
            "[y]": pa.array(["[bold]a", "[cat]"] * (N // 2)),
        }
    )
    pq.write_table(table, path)
    result = CliRunner().invoke(app, ["scan", str(path), "--label", "[y]"])
    assert result.exit_code == 1, result.output
    for text in ("[red]x", "feat[/]", "label '[y]'", "'[bold]a'", "markup[1].parquet"):
        assert text in result.stdout, text


# ------------------------------------------------------------ encodings (#9)
def test_latin1_csv_is_read_with_encoding(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(LATIN1)
    before = path.read_bytes()
    report = labelcheck.scan(path, encoding="latin-1")
    assert sorted(report.stats.label.distinct) == ["café", "thé"]
    result = CliRunner().invoke(app, ["scan", str(path), "--encoding", "latin-1"])
    assert result.exit_code == 0, result.output
    assert "café" in result.stdout or "2 rows" in result.stdout
    with pytest.raises(labelcheck.InputError, match=r"latin1\.csv: not utf-8 .*--encoding latin-1"):
        labelcheck.scan(path)
    assert path.read_bytes() == before


def test_latin1_csv_fix_and_apply(tmp_path):
    path = tmp_path / "latin1.csv"
    # Distinct x per row: one x with both labels would be LC302 conflicts, all dropped.
    rows = b"".join(b"%d,caf\xe9\n%d,th\xe9\n" % (2 * i, 2 * i + 1) for i in range(20))
    path.write_bytes(b"x,y\n" + rows)
    out = tmp_path / "out.parquet"
    refused = CliRunner().invoke(app, ["fix", str(path), "-o", str(out)])
    _check_one_line(refused.exit_code, refused.stdout, refused.stderr, ["--encoding latin-1"])
    assert not out.exists()
    fixed = CliRunner().invoke(app, ["fix", str(path), "-o", str(out), "--encoding", "latin-1"])
    assert fixed.exit_code == 0, fixed.output
    assert pq.read_table(out).column("y").to_pylist()[:2] == [0, 1]  # café, thé reindexed
    plan = tmp_path / "out.plan.json"
    assert labelcheck.load_plan(plan).decode_labels([0, 1]).tolist() == ["café", "thé"]
    out2 = tmp_path / "out2.parquet"
    applied = CliRunner().invoke(
        app, ["apply", str(plan), str(path), "-o", str(out2), "--encoding", "latin-1"]
    )
    assert applied.exit_code == 0, applied.output
    _, plan2 = labelcheck.fix(path, encoding="latin-1")
    assert plan2.decode_labels([1]).tolist() == ["thé"]


def test_bad_byte_in_a_late_block_names_its_offset(tmp_path):
    """pyarrow infers types from the first block; a bad byte 1.2 MB in fails later."""
    path = tmp_path / "late.csv"
    head = b"x,s\n" + b"1,a\n" * 300_000
    path.write_bytes(head + b"2,caf\xe9\n")
    for args in (["scan"], ["fix", "-o", str(tmp_path / "o.parquet")]):
        result = CliRunner().invoke(app, [args[0], str(path), *args[1:]])
        expect = [f"late.csv: not utf-8 text at byte offset {len(head) + 5:,} (0xe9)", "--encoding"]
        _check_one_line(result.exit_code, result.stdout, result.stderr, expect)
    assert not (tmp_path / "o.parquet").exists()


# --------------------------------------------- what a data directory holds (#9)
def test_a_folder_with_labelcheck_plans_and_reports_scans_its_data(tmp_path):
    """`fix -o parts/fixed.parquet` writes its plan into the folder; rescanning must work."""
    parts = tmp_path / "parts"
    parts.mkdir()
    for i in range(2):
        pq.write_table(
            # Different rows in each part: copies would be LC301 duplicates, dropped by fix.
            pa.table({"x": (np.arange(50) + 50 * i) / 100, "y": np.arange(50) % 2}),
            parts / f"p{i}.parquet",
        )
    fixed = CliRunner().invoke(app, ["fix", str(parts), "-o", str(parts / "fixed.parquet")])
    assert fixed.exit_code == 0, fixed.output
    assert (parts / "fixed.plan.json").exists()
    for fmt, name in (("json", "report.json"), ("markdown", "report.md"), ("text", "r.txt")):
        scanned = CliRunner().invoke(
            app, ["scan", str(parts), "--format", fmt, "-o", str(parts / name)]
        )
        assert scanned.exit_code == 0, scanned.output
    several = CliRunner().invoke(
        app, ["scan", str(parts), str(parts), "--format", "json", "-o", str(parts / "all.json")]
    )
    assert several.exit_code == 0, several.output
    result = CliRunner().invoke(app, ["scan", str(parts), "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    assert json.loads(result.stdout)["rows"] == 200  # 2 x 50 + fixed.parquet (100); no reports
    globbed = CliRunner().invoke(app, ["scan", str(parts / "*.json*")])
    assert "matches no file but labelcheck's own plans and reports" in globbed.stderr


def test_a_json_lines_file_is_still_data(tmp_path):
    """Only labelcheck's own pretty-printed reports are skipped, not `.json` data."""
    data = tmp_path / "d"
    data.mkdir()
    (data / "rows.json").write_text('{"version": 1, "tool": "labelcheck", "y": 0}\n' * 3)
    assert labelcheck.scan(data).rows == 3


def test_a_glob_over_files_with_the_same_columns_is_one_dataset(tmp_path):
    for i in range(3):
        pq.write_table(pa.table({"y": [i, i], "x": [0.5, 0.25]}), tmp_path / f"p{i}.parquet")
    assert labelcheck.scan(tmp_path / "p*.parquet").rows == 6
