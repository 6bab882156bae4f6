"""Issue 16, the command line: outputs that cannot lose each other, the rows file in the
format its name says, and the wording of help, summaries and errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from labelcheck.cli import app
from labelcheck.rules import RULES


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def invoke(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def dup_data(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    """60 distinct rows plus copies of rows 3 and 7 (LC301) and rows of 11 and 12 with the
    other label (LC302)."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60), "y": [0, 1, 2] * 20})
    extra = pd.concat([df.iloc[[3, 7]], df.iloc[[11, 12]].assign(y=lambda d: (d.y + 1) % 3)])
    df = pd.concat([df, extra], ignore_index=True)
    path = tmp_path / "d.parquet"
    df.to_parquet(path, index=False)
    return path, df


def _involved(df: pd.DataFrame) -> set[int]:
    """Rows in a duplicate group or a conflicting group, by brute force over pandas."""
    features = df[["a", "b"]].apply(tuple, axis=1)
    groups = df.groupby(features).indices
    return {int(i) for rows in groups.values() if len(rows) > 1 for i in rows}


# ------------------------------------------------------------------------- item 8
def test_rows_out_onto_the_report_is_refused_and_nothing_is_written(dup_data, tmp_path):
    path, _ = dup_data
    before = sha(path)
    out = tmp_path / "r.json"
    result = invoke("scan", path, "--format", "json", "-o", out, "--rows-out", out)
    assert result.exit_code == 2, result.output
    assert "same file" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
    assert sha(path) == before


def test_rows_out_onto_the_report_through_another_spelling_is_refused(dup_data, tmp_path):
    path, _ = dup_data
    (tmp_path / "sub").mkdir()
    out = tmp_path / "r.json"
    other = tmp_path / "sub" / ".." / "r.json"
    result = invoke("scan", path, "--format", "json", "-o", out, "--rows-out", other)
    assert result.exit_code == 2 and "same file" in result.stderr


@pytest.mark.parametrize(
    ("name", "read"),
    [
        ("rows.csv", lambda p: pd.read_csv(p)),
        ("rows.jsonl", lambda p: pd.read_json(p, lines=True)),
        ("rows.parquet", lambda p: pd.read_parquet(p)),
        ("rows.csv.gz", lambda p: pd.read_csv(p)),
    ],
)
def test_rows_out_writes_the_format_its_suffix_names(dup_data, tmp_path, name, read):
    path, df = dup_data
    before = sha(path)
    out = tmp_path / name
    result = invoke("scan", path, "--rows-out", out, "--fail-on", "never")
    assert result.exit_code == 0, result.output
    if name.endswith(".csv") or name.endswith(".jsonl"):
        assert not out.read_bytes().startswith(b"PAR1")  # not Parquet under another name
    rows = read(out)
    assert set(rows["row"]) == _involved(df)  # every row of every group, counted by pandas
    assert sha(path) == before


@pytest.mark.parametrize("name", ["rows.npz", "rows.txt", "rows"])
def test_rows_out_a_format_it_cannot_write_is_refused_before_the_scan(dup_data, tmp_path, name):
    path, _ = dup_data
    out = tmp_path / name
    result = invoke("scan", path, "--rows-out", out)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"labelcheck: error: {out}")
    assert ".csv" in result.stderr and ".npz" not in result.stderr.split(";")[-1]
    assert not out.exists() and "Traceback" not in result.output


# ------------------------------------------------------------------------ item 11
SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def test_infer_leaves_out_the_sparse_outlier_and_says_why(tmp_path):
    import yaml

    before = sha(SAMPLES / "classic.parquet")
    result = invoke("infer", SAMPLES / "classic.parquet")
    assert result.exit_code == 0, result.output
    schema = yaml.safe_load(result.stdout)
    y = pd.read_parquet(SAMPLES / "classic.parquet")["y"]
    bulk = sorted(int(v) for v in y.unique() if v != 8000)  # the data's 0..4
    assert schema["classes"] == bulk and schema["n_classes"] == max(bulk) + 1
    assert 8000 not in schema["classes"]
    why = "class id 8000 (1 row) left out of classes and n_classes: LC205"
    assert f"# Note: {why}" in result.stdout  # in the schema file's header
    assert why in result.stderr  # and on the terminal when -o writes it elsewhere
    assert sha(SAMPLES / "classic.parquet") == before


def test_a_file_scanned_with_its_inferred_schema_still_reports_the_outlier(tmp_path):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.normal(size=41), "label": [0, 1, 2, 3] * 10 + [9000]})
    data = tmp_path / "d.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "s.yaml"
    assert invoke("infer", data, "-o", out).exit_code == 0
    result = invoke("scan", data, "--schema", out, "--format", "json")
    found = {f["code"]: f for f in json.loads(result.stdout)["findings"]}
    assert {"LC204", "LC205", "LC214"} <= set(found)
    assert found["LC214"]["values"] == [9000] and found["LC214"]["rows"] == 1


def test_infer_says_why_sparse_ids_have_no_n_classes(tmp_path):
    data = tmp_path / "big.parquet"
    y = np.array([2**40, 0, 1, 2] * 25, dtype=np.int64)
    pd.DataFrame({"x": np.arange(100) / 100, "y": y}).to_parquet(data)
    result = invoke("infer", data)
    assert result.exit_code == 0
    assert "n_classes:" not in result.stdout
    assert "# Note: n_classes left out: 4 class ids up to 1099511627776" in result.stdout


# ------------------------------------------------------------------------ item 16
ROOT = Path(__file__).resolve().parents[2]


def _source_copy(tmp_path: Path) -> Path:
    import shutil

    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "kernels-off.txt", ".*.tmp")
    shutil.copytree(ROOT / "labelcheck", src / "labelcheck", ignore=ignore)
    shutil.copytree(ROOT / "schemas", src / "schemas")
    for name in ("pyproject.toml", "hatch_build.py", "README.md", ".gitignore"):
        shutil.copy(ROOT / name, src / name)
    return src


def test_version_says_the_kernels_are_off_because_no_kernels_was_set_at_install(tmp_path):
    """A real wheel built with LABELCHECK_NO_KERNELS=1, installed, asked for --version."""
    import os
    import subprocess
    import sys
    import zipfile

    src = _source_copy(tmp_path)
    env = {**os.environ, "LABELCHECK_NO_KERNELS": "1"}
    env.pop("PYTHONPATH", None)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(src)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("labelcheck-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    assert "labelcheck/stats/kernels.so" not in names
    assert "labelcheck/stats/kernels-off.txt" in names
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:  # installing a pure wheel is unpacking it
        zf.extractall(target)
    env["PYTHONPATH"] = str(target)
    version = subprocess.run(
        [sys.executable, "-c", "from labelcheck.cli import main; main()", "--version"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert version.returncode == 0, version.stderr
    assert "LABELCHECK_NO_KERNELS=1 was set when labelcheck was installed" in version.stdout
    assert "no C compiler" not in version.stdout


def test_build_records_why_when_the_compiler_is_missing_or_fails(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("hatch_build_copy", ROOT / "hatch_build.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    src = _source_copy(tmp_path)
    monkeypatch.delenv("LABELCHECK_NO_KERNELS", raising=False)
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    assert "no C compiler" in hook.build_kernels(src, warn=lambda _: None)
    monkeypatch.setenv("CC", "false")  # a compiler that fails
    why = hook.build_kernels(src, warn=lambda _: None)
    assert why.startswith("the C compiler failed")
    off = src / "labelcheck/stats/kernels-off.txt"
    assert off.read_text().strip() == why
    assert not (src / "labelcheck/stats/kernels.so").exists()


def test_version_without_a_library_or_a_record_claims_no_cause_it_does_not_know(
    tmp_path, monkeypatch
):
    from labelcheck.stats import native

    monkeypatch.setattr(native, "LIBRARY", tmp_path / "kernels.so")
    monkeypatch.setattr(native, "WHY_OFF", tmp_path / "kernels-off.txt")
    monkeypatch.delenv("LABELCHECK_NATIVE", raising=False)
    native._library.cache_clear()
    try:
        assert "no C compiler" not in native.why_off()
        (tmp_path / "kernels-off.txt").write_text("LABELCHECK_NO_KERNELS=yes was set ...\n")
        assert native.why_off() == "not built: LABELCHECK_NO_KERNELS=yes was set ..."
        result = invoke("--version")
        assert "off: numpy route, not built: LABELCHECK_NO_KERNELS=yes" in result.stdout
    finally:
        native._library.cache_clear()


# ------------------------------------------------------------------------ item 17
def _readme_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("| code | name | severity | what it catches |")
    return text[start : text.index("\n\n", start) + 1]


def test_the_readme_rule_table_is_what_labelcheck_rules_prints():
    """One source: the README's table is `labelcheck rules --format markdown`, verbatim
    (regenerate it with that command when a rule's summary changes)."""
    result = invoke("rules", "--format", "markdown")
    assert result.exit_code == 0
    assert _readme_table() == result.stdout


def test_rules_text_json_and_markdown_say_the_same():
    table = invoke("rules", "--format", "markdown").stdout.splitlines()[2:]
    listed = json.loads(invoke("rules", "--format", "json").stdout)
    assert len(table) == len(listed) == len(RULES)
    for row, rule in zip(table, listed, strict=True):
        cells = [c.strip().replace("\\|", "|") for c in row.strip("|").split(" | ")]
        assert cells == [rule["code"], rule["name"], rule["severity"], rule["summary"]]
    lc205 = next(r for r in listed if r["code"] == "LC205")
    assert "among 0..4" in lc205["summary"]  # the README's and the docstring's example
    lc106 = next(r for r in listed if r["code"] == "LC106")
    assert "--precision fp16" in lc106["summary"]


# ------------------------------------------------------------------------ item 18
ADULT = SAMPLES / "adult_splits"


def test_fix_summaries_say_rows_once(tmp_path):
    before = {p.name: sha(p) for p in ADULT.iterdir()}
    train = invoke("fix", ADULT / "train.csv", "--label", "income", "-o", tmp_path / "t.parquet")
    assert train.exit_code == 0, train.output
    assert "rows rows" not in train.stdout and "row rows" not in train.stdout
    # The counts, from pandas: 6 appended copies, 4 pairs with the other label.
    df = pd.read_csv(ADULT / "train.csv", dtype=str)
    features = [c for c in df.columns if c != "income"]
    copies = int(df.duplicated().sum())
    by_features = df.groupby(features)["income"].nunique()
    conflicting = int(df.merge(by_features[by_features > 1].reset_index()[features]).shape[0])
    assert f"drop-duplicates {copies} rows copying an earlier row" in train.stdout
    assert f"drop-conflicts {conflicting} rows in groups with conflicting labels" in train.stdout
    assert {p.name: sha(p) for p in ADULT.iterdir()} == before


@pytest.mark.parametrize(
    ("kind", "rows", "expected"),
    [
        ("drop-leaked", 15, "drop-leaked  15 rows also in the reference split;"),
        ("drop-leaked", 1, "drop-leaked  1 row also in the reference split;"),
        ("drop-leaked", None, "drop-leaked  rows also in the reference split;"),
        ("drop-conflicts", 8, "drop-conflicts 8 rows in groups with conflicting labels;"),
        (
            "drop-duplicates",
            1,
            "drop-duplicates 1 row copying an earlier row (the first of each kept)",
        ),
    ],
)
def test_row_group_steps_say_rows_once(kind, rows, expected):
    from labelcheck.fixes.plan import Step
    from labelcheck.fixes.steps import STEPS

    step = Step(kind, "y", {"columns": ["x"], "keep": "all"}, rows=rows)
    assert STEPS[kind].describe(step).startswith(expected)


def test_one_ignored_label_row_is_one_row():
    import labelcheck

    x = np.array([0.1, 0.2, 0.3, 0.4] * 10)
    y = np.array([0, 1, 2, 3] * 10)
    y[0] = -100
    report = labelcheck.scan((x.reshape(-1, 1), y), ignore_index=-100)
    assert report.ignored_note().startswith(
        "1 label row carries --ignore-index -100 and was left out"
    )
    y[1] = -100
    report = labelcheck.scan((x.reshape(-1, 1), y), ignore_index=-100)
    assert report.ignored_note().startswith("2 label rows carry --ignore-index -100 and were")


def test_a_given_label_reads_once_in_parentheses():
    result = invoke("scan", SAMPLES / "clean.parquet", "--label", "target")
    assert "label 'target' (given with --label / label=)" in result.stdout


@pytest.mark.parametrize(
    ("keyword", "named"),
    [
        ({"task": "bogus"}, "task (--task)"),
        ({"precision": "fp8"}, "precision (--precision)"),
        ({"n_classes": 0}, "n_classes (--n-classes)"),
        ({"loss": "nope"}, "loss (--loss)"),
        ({"encoding": "nope"}, "encoding (--encoding)"),
        ({"spill_rows": -1}, "spill_rows (--spill-rows)"),
        ({"select": ["LC999"]}, "select (--select)"),
    ],
)
def test_library_errors_name_the_keyword(keyword, named):
    import labelcheck

    with pytest.raises(labelcheck.InputError) as err:
        labelcheck.scan(pd.DataFrame({"x": [0.1, 0.2], "y": [0, 1]}), **keyword)
    assert named in str(err.value)


def test_a_schema_file_error_names_its_key_not_the_flag(tmp_path):
    schema = tmp_path / "s.yaml"
    schema.write_text("version: 1\nloss: nope\n")
    result = invoke("scan", SAMPLES / "clean.parquet", "--schema", schema)
    assert result.exit_code == 2
    assert f"{schema}: unknown loss 'nope'" in result.stderr and "--" not in result.stderr


def test_scan_help_reads_as_unix_usage():
    result = invoke("scan", "--help")
    assert result.output.splitlines()[0] == "Usage: labelcheck scan [OPTIONS] PATH..."
    assert "{" not in result.output.splitlines()[0]
    assert "exit 1 on findings" not in result.output
    assert "--fail-on" in result.output.split("Arguments:")[0]  # the summary says what decides
    for command, usage in (("fix", "PATH"), ("apply", "PLAN PATH"), ("explain", "RULE")):
        first = invoke(command, "--help").output.splitlines()[0]
        assert first == f"Usage: labelcheck {command} [OPTIONS] {usage}"


def test_scan_exits_0_on_warnings_only():
    # "exit 1 on findings" was wrong: the default --fail-on is error.
    result = invoke("scan", SAMPLES / "string_labels.jsonl")  # an LC213 info only
    assert result.exit_code == 0 and "LC213" in result.stdout


@pytest.mark.parametrize("name", ["label-sparse-outlier", "LABEL-SPARSE-OUTLIER", "LC205"])
def test_explain_takes_a_name_or_a_code(name):
    result = invoke("explain", name)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("LC205 label-sparse-outlier")


def test_explain_unknown_name_suggests_close_ones():
    result = invoke("explain", "sparse")
    assert result.exit_code == 2
    assert "did you mean label-sparse-outlier" in result.stderr


def test_apply_counts_unknown_labels_against_the_rows_read(tmp_path):
    """All 150 test labels are unknown to train's plan; one row goes first (LC101 drop)."""
    plan = tmp_path / "t.plan.json"
    assert invoke("fix", ADULT / "train.csv", "--label", "income", "-o", tmp_path / "t.parquet",
                  "--plan", plan).exit_code == 0  # fmt: skip
    test = pd.read_csv(ADULT / "test.csv", dtype=str)
    unknown = int((~test["income"].isin(["<=50K", ">50K"])).sum())
    dropped_first = int((test["capital_gain"].str.strip() == "?").sum())
    assert unknown == len(test) == 150 and dropped_first == 1
    result = invoke("apply", plan, ADULT / "test.csv", "-o", tmp_path / "a.parquet")
    assert result.exit_code == 2
    left = unknown - dropped_first
    assert (
        f"{left} rows in column 'income' (of the {left} rows left after earlier steps dropped "
        f"{dropped_first} of the {len(test)} read)" in result.stderr
    )
    dropped = invoke(
        "apply", plan, ADULT / "test.csv", "-o", tmp_path / "b.parquet", "--drop-unknown"
    )
    assert f"dropped {left} rows with labels the plan does not know" in dropped.stdout
    assert f"{len(test)} rows -> " in dropped.stdout and "(150 dropped)" in dropped.stdout


def test_the_ci_torch_step_says_what_its_command_does():
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    start = text.index("# The training proof test")
    block = text[start : text.index("\n\n", start)]
    (command,) = [line for line in block.splitlines() if line.startswith("pip install torch")]
    if "--index-url" not in command and "+cpu" not in command:
        # The command takes whatever build pip finds: the comment may not promise the CPU one.
        assert "Pinned to the CPU build" not in block and "(CPU build" not in block
        assert "find-links" in block  # where this machine's CPU wheel comes from
