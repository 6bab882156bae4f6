"""The pre-commit hook, run by the real pre-commit framework against a temporary git repo.

The hook repository is a copy of this project's working tree, committed in a
temporary git repo (pre-commit clones a hook repo at a ``rev``, so it needs a
committed state; the project's own HEAD may lag behind the working tree).
pre-commit then installs labelcheck into its own virtualenv from PyPI
dependencies, which takes a minute the first time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not PRE_COMMIT.exists(),
    reason="needs git and pre-commit (pip install -e '.[test]')",
)


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _hook_repo(dest: Path) -> str:
    """Copy the project's working tree into a fresh git repo; return its HEAD sha."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    dest.mkdir()
    for name in ("pyproject.toml", "hatch_build.py", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("labelcheck", "schemas"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "hook repo for the test")
    return _git(dest, "rev-parse", "HEAD")


def _csv(path: Path, labels: list[int]) -> None:
    rows = [f"{(i % 7) / 7:.3f},{(i % 5) / 5:.3f},{y}" for i, y in enumerate(labels)]
    path.write_text("x0,x1,y\n" + "\n".join(rows) + "\n", encoding="utf-8")


def _run(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_hook_blocks_bad_data_and_passes_fixed_data(tmp_path: Path) -> None:
    sha = _hook_repo(tmp_path / "hook")
    repo = tmp_path / "data"
    (repo / "data").mkdir(parents=True)
    (repo / "schemas").mkdir()
    _git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {tmp_path / 'hook'}\n  rev: {sha}\n  hooks:\n  - id: labelcheck\n",
        encoding="utf-8",
    )
    # The repo configuration maps the extra file to a schema declaring classes 0..4.
    (repo / "labelcheck.yaml").write_text(
        'files:\n  "data/extra*.csv": schemas/classes.yaml\n', encoding="utf-8"
    )
    (repo / "schemas" / "classes.yaml").write_text(
        "version: 1\nlabel: y\ntask: classification\nclasses: [0, 1, 2, 3, 4]\n", encoding="utf-8"
    )
    (repo / "notes.txt").write_text("not data: the hook must not scan it\n", encoding="utf-8")
    # The classic bug: labels 0..4 and one 8000 (LC205) ...
    _csv(repo / "data" / "train.csv", [i % 5 for i in range(40)] + [8000])
    # ... and a class the schema does not know (LC214), invisible without the schema.
    _csv(repo / "data" / "extra.csv", [i % 6 for i in range(60)])
    _git(repo, "add", "-A")

    home = tmp_path / "pre-commit-home"
    bad = _run(repo, home)
    out = bad.stdout + bad.stderr
    assert bad.returncode == 1, out
    assert "labelcheck" in out and "Failed" in out, out
    assert "LC205" in out and "8000" in out, out
    assert "LC214" in out and "data/extra.csv" in out, out
    assert "notes.txt" not in out, out

    _csv(repo / "data" / "train.csv", [i % 5 for i in range(40)])
    _csv(repo / "data" / "extra.csv", [i % 5 for i in range(60)])
    _git(repo, "add", "-A")
    good = _run(repo, home)
    out = good.stdout + good.stderr
    assert good.returncode == 0, out
    assert "Passed" in out, out
