"""Nothing lost: an output never replaces an input; data and plan are one unit;
an unwritable folder is a one-line error (issue: hardening items 1, 2, 4, 10)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelcheck.cli import app
from labelcheck.errors import InputError
from labelcheck.io import writers

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labelcheck", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "c.parquet"
    shutil.copy(SAMPLES / "classic.parquet", path)
    return path


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("spelling", ["{p}", "{d}/sub/../c.parquet", "{d}/link.parquet"])
def test_scan_output_never_replaces_the_data(data, fmt, spelling):
    (data.parent / "sub").mkdir()
    (data.parent / "link.parquet").symlink_to(data)
    digest = sha(data)
    out = spelling.format(p=data, d=data.parent)
    result = run("scan", data, "-o", out, "--format", fmt, "--no-config")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "is an input of this command" in result.stderr
    assert sha(data) == digest


def test_scan_output_never_replaces_a_file_of_a_glob_or_the_schema(data, tmp_path):
    schema = tmp_path / "s.yaml"
    schema.write_text("version: 1\nlabel: y\n")
    digests = (sha(data), sha(schema))
    glob = run("scan", str(tmp_path / "*.parquet"), "-o", data, "--no-config")
    assert glob.returncode == 2 and "is an input" in glob.stderr
    on_schema = run("scan", data, "--schema", schema, "-o", schema, "--no-config")
    assert on_schema.returncode == 2 and "is an input" in on_schema.stderr
    assert (sha(data), sha(schema)) == digests


def test_infer_output_never_replaces_the_data(data):
    digest = sha(data)
    result = CliRunner().invoke(app, ["infer", str(data), "-o", str(data)])
    assert result.exit_code == 2 and "is an input" in result.stderr
    assert sha(data) == digest


def test_apply_never_overwrites_its_plan_even_with_force(data, tmp_path):
    out = tmp_path / "f.parquet"
    assert run("fix", data, "-o", out, "--no-config").returncode == 0
    plan = tmp_path / "f.plan.json"
    digest = sha(plan)
    result = run("apply", plan, data, "-o", plan, "--force", "--no-config")
    assert result.returncode == 2 and "is an input" in result.stderr
    assert sha(plan) == digest


def _immutable(folder: Path) -> None:
    # root ignores permission bits; chattr +i stops it too (CI runs as root).
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)


def _mutable(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o755)


@pytest.fixture
def read_only(tmp_path: Path):
    folder = tmp_path / "ro"
    folder.mkdir()
    _immutable(folder)
    yield folder
    _mutable(folder)


def test_fix_with_an_unwritable_plan_folder_writes_nothing(data, tmp_path, read_only):
    out = tmp_path / "out.parquet"
    result = run("fix", data, "-o", out, "--plan", read_only / "p.json", "--no-config")
    assert result.returncode == 2
    assert "cannot write to the folder" in result.stderr and "ro" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not out.exists()  # the data without its plan would be half a unit


@pytest.mark.parametrize(
    "command",
    [
        ["scan", "{data}", "-o", "{ro}/r.txt"],
        ["fix", "{data}", "-o", "{ro}/x.parquet"],
        ["infer", "{data}", "-o", "{ro}/s.yaml"],
    ],
    ids=["scan", "fix", "infer"],
)
def test_unwritable_output_folder_is_one_line(data, read_only, command):
    args = [a.format(data=data, ro=read_only) for a in command]
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("labelcheck: error: ") and result.stderr.count("\n") == 1
    assert "cannot write to the folder" in result.stderr and "internal error" not in result.stderr


def test_apply_to_an_unwritable_folder_is_one_line(data, tmp_path, read_only):
    assert run("fix", data, "-o", tmp_path / "f.parquet", "--no-config").returncode == 0
    result = run("apply", tmp_path / "f.plan.json", data, "-o", read_only / "a.parquet")
    assert result.returncode == 2 and "cannot write to the folder" in result.stderr


def test_outputs_of_a_unit_appear_together_or_not_at_all(tmp_path, monkeypatch):
    first, second = tmp_path / "a.parquet", tmp_path / "a.plan.json"
    real = os.replace

    def fail_second(src, dst):
        if Path(dst) == second:
            raise PermissionError(13, "Permission denied")
        real(src, dst)

    monkeypatch.setattr(writers.os, "replace", fail_second)
    with (
        pytest.raises(InputError, match="cannot write"),
        writers.atomic_paths(first, second) as (a, b),
    ):
        a.write_text("data")
        b.write_text("plan")
    assert not first.exists() and not second.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left either


@pytest.mark.parametrize("value", ["", " ", ","])
def test_an_empty_select_is_a_usage_error(data, value):
    result = run("scan", data, "--select", value, "--no-config")
    assert result.returncode == 2 and "empty selection" in result.stderr
    with pytest.raises(InputError, match="empty selection"):
        import labelcheck

        labelcheck.scan(data, select=[value])


def test_fix_never_writes_over_its_reference_even_with_force(tmp_path):
    splits = tmp_path / "splits"
    shutil.copytree(SAMPLES / "adult_splits", splits)
    train = splits / "train.csv"
    digest = sha(train)
    args = ["fix", splits / "test.csv", "-o", tmp_path / "f.csv", "-l", "income"]
    result = run(*args, "--reference", train, "--plan", train, "--force", "--no-config")
    assert result.returncode == 2 and "is an input of this command" in result.stderr
    # A file inside a directory given as the reference is an input too.
    inside = run(*args, "--reference", splits, "--plan", splits / "validation.csv", "--force")
    assert inside.returncode == 2 and "is an input of this command" in inside.stderr
    assert sha(train) == digest


def test_rows_out_never_replaces_a_split_of_a_scanned_directory(tmp_path):
    splits = tmp_path / "splits"
    shutil.copytree(SAMPLES / "adult_splits", splits)
    digest = sha(splits / "test.csv")
    result = run("scan", splits, "-l", "income", "--rows-out", splits / "test.csv")
    assert result.returncode == 2 and "is an input of this command" in result.stderr
    assert sha(splits / "test.csv") == digest


def test_a_negative_spill_bound_is_a_usage_error(data):
    result = run("scan", data, "--spill-rows", "-5", "--no-config")
    assert result.returncode == 2 and "invalid spill_rows (--spill-rows) -5" in result.stderr
