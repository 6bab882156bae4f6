"""Repo configuration: labelcheck.yaml or [tool.labelcheck], found by walking up from the cwd."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from labelcheck.cli import app
from labelcheck.config import find_config, load_config
from labelcheck.errors import InputError


def _parquet(path: Path, labels: list[int], x: list[float] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    xs = x if x is not None else [i / len(labels) for i in range(len(labels))]
    pq.write_table(pa.table({"x": pa.array(xs, pa.float64()), "y": labels}), path)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A data repo: train files mapped to a schema with classes 0..2 and x in [0, 1]."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "train.yaml").write_text(
        "version: 1\nlabel: y\nclasses: [0, 1, 2]\ncolumns: {x: {min: 0, max: 1}}\n",
        encoding="utf-8",
    )
    (tmp_path / "labelcheck.yaml").write_text(
        'files:\n  "data/train/*.parquet": schemas/train.yaml\n'
        "rules: {ignore: [LC210]}\n"
        "thresholds: {rare_class_min: 3}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_found_from_a_subdirectory_and_maps_globs(repo, monkeypatch):
    sub = repo / "data" / "train"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    config = find_config()
    assert config is not None and config.path == repo / "labelcheck.yaml"
    assert config.schema_for("a.parquet") == repo / "schemas" / "train.yaml"
    assert config.schema_for(repo / "data" / "train" / "b.parquet") == repo / "schemas/train.yaml"
    # `*` does not cross directories; other formats and folders are not mapped.
    assert config.schema_for(repo / "data" / "train" / "old" / "c.parquet") is None
    assert config.schema_for(repo / "data" / "train" / "a.csv") is None
    assert config.schema_for(repo / "data" / "test" / "a.parquet") is None
    assert config.defaults == {"ignore": ("LC210",), "thresholds": {"rare_class_min": 3}}


def test_double_star_crosses_directories(tmp_path):
    (tmp_path / "labelcheck.yaml").write_text(
        'files:\n  "data/**/*.csv": s.yaml\n  "*.npz": t.yaml\n', encoding="utf-8"
    )
    config = load_config(tmp_path / "labelcheck.yaml")
    assert config.schema_for(tmp_path / "data" / "a.csv") == tmp_path / "s.yaml"
    assert config.schema_for(tmp_path / "data" / "x" / "y" / "a.csv") == tmp_path / "s.yaml"
    assert config.schema_for(tmp_path / "a.npz") == tmp_path / "t.yaml"
    assert config.schema_for(tmp_path / "data" / "a.npz") is None


def test_pyproject_tool_table(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "data"\n\n[tool.labelcheck]\nfiles = {"*.parquet" = "s.yaml"}\n'
        '[tool.labelcheck.rules]\nselect = ["LC1", "LC2"]\nseverity = {LC207 = "error"}\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    config = find_config()
    assert config is not None and config.path.name == "pyproject.toml"
    assert config.files == {"*.parquet": "s.yaml"}
    assert config.defaults == {"select": ("LC1", "LC2"), "severity": {"LC207": "error"}}


def test_walk_stops_at_the_repository_root(tmp_path):
    (tmp_path / "labelcheck.yaml").write_text("files: {}\n", encoding="utf-8")
    inner = tmp_path / "repo"
    (inner / ".git").mkdir(parents=True)
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert find_config(inner) is None
    assert find_config(tmp_path) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("file: {}\n", "unknown key 'file' (did you mean 'files'?)"),
        ("rules: {ignore: [LC999]}\n", "ignore: unknown rule code 'LC999'"),
        ("files: {'a/*.csv': 3}\n", "files.a/*.csv: expected a string, got 3"),
    ],
)
def test_invalid_configuration_is_one_line(tmp_path, text, expected):
    path = tmp_path / "labelcheck.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: {expected}")


def test_invalid_pyproject_table_names_the_table(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.labelcheck]\nselcet = ['LC1']\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"pyproject.toml \[tool.labelcheck\]: unknown key 'selcet'"
    ):
        load_config(path)


def test_scan_picks_each_files_schema_from_the_config(repo, monkeypatch):
    monkeypatch.chdir(repo)
    good = _parquet(repo / "data" / "train" / "good.parquet", [i % 3 for i in range(30)])
    new_class = _parquet(repo / "data" / "train" / "new.parquet", [i % 4 for i in range(40)])
    elsewhere = _parquet(repo / "data" / "other" / "new.parquet", [i % 4 for i in range(40)])
    paths = [str(p.relative_to(repo)) for p in (good, new_class, elsewhere)]
    result = CliRunner().invoke(app, ["scan", *paths, "--format", "json"])
    assert result.exit_code == 1, result.output
    reports = {r["source"]: r for r in json.loads(result.stdout)}
    codes = {src: {f["code"] for f in r["findings"]} for src, r in reports.items()}
    assert codes["data/train/good.parquet"] == set()
    assert codes["data/train/new.parquet"] == {"LC214"}  # schema: classes 0..2
    assert codes["data/other/new.parquet"] == set()  # not mapped: no schema
    reason = reports["data/train/good.parquet"]["label_reason"]
    assert reason == f"from schema {repo / 'schemas' / 'train.yaml'}"


def test_config_defaults_apply_and_flags_and_no_config_override(repo, monkeypatch):
    monkeypatch.chdir(repo)
    # 3 classes of 4 rows: LC210 (rare class) would fire at the default of 5 rows.
    path = _parquet(repo / "data" / "other" / "small.parquet", [i % 3 for i in range(12)])
    rel = str(path.relative_to(repo))
    runner = CliRunner()
    assert runner.invoke(app, ["scan", rel, "--format", "json"]).stdout.count("LC210") == 0
    plain = runner.invoke(app, ["scan", rel, "--no-config", "--format", "json"])
    assert "LC210" in plain.stdout


def test_explicit_schema_beats_the_config_mapping(repo, monkeypatch):
    monkeypatch.chdir(repo)
    path = _parquet(repo / "data" / "train" / "wide.parquet", [0, 1, 2] * 10, [5.0] * 30)
    lax = repo / "lax.yaml"
    lax.write_text("version: 1\nlabel: y\n", encoding="utf-8")
    runner = CliRunner()
    mapped = runner.invoke(app, ["scan", str(path), "--format", "json", "--select", "LC109"])
    assert mapped.exit_code == 1 and "LC109" in mapped.stdout
    explicit = runner.invoke(
        app, ["scan", str(path), "--schema", str(lax), "--format", "json", "--select", "LC109"]
    )
    assert explicit.exit_code == 0, explicit.output


def test_explicit_config_option(tmp_path):
    cfg = tmp_path / "ci.yaml"
    cfg.write_text("rules: {select: [LC205]}\n", encoding="utf-8")
    data = _parquet(tmp_path / "d.parquet", [i % 5 for i in range(20)] + [8000])
    result = CliRunner().invoke(app, ["scan", str(data), "--config", str(cfg), "--format", "json"])
    assert result.exit_code == 1
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["LC205"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("rulez: {}\n", encoding="utf-8")
    failed = CliRunner().invoke(app, ["scan", str(data), "--config", str(bad)])
    assert failed.exit_code == 2
    assert "bad.yaml: unknown key 'rulez' (did you mean 'rules'?)" in failed.output
