"""The compiled batch pass keeps each column's statistics and hashes to that column.

A column named like an internal key (``stats:x`` beside ``x``) must get its own
statistics (not x's) and its own share of the row hashes, on the compiled route
and on the numpy route (LABELCHECK_NATIVE=0) alike; expected values from numpy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelcheck.stats.rowhash import NATIVE_MIN_ROWS

N = 3 * NATIVE_MIN_ROWS  # long batches: the compiled pass


def _scan(args: list[str], native: bool) -> dict:
    env = {**os.environ, "LABELCHECK_NATIVE": "1" if native else "0"}
    out = subprocess.run(
        [sys.executable, "-m", "labelcheck", "scan", *args, "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode in (0, 1), out.stderr
    assert out.stderr == ""
    return json.loads(out.stdout)


def _table(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {
        "x": rng.normal(0.0, 1.0, n),
        "stats:x": rng.normal(100.0, 0.01, n),  # a constant-ish offset column
        "y": rng.integers(0, 3, n),
    }


@pytest.mark.parametrize("native", [True, False])
def test_a_column_named_like_an_internal_key_keeps_its_statistics(tmp_path: Path, native: bool):
    data = _table(np.random.default_rng(3), N)
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table(data), path, row_group_size=N)
    report = _scan([str(path), "--no-row-checks"], native)
    for name in ("x", "stats:x"):
        got = report["columns"][name]
        assert got["mean"] == pytest.approx(float(np.mean(data[name])), rel=1e-9, abs=1e-12)
        assert got["max"] == float(np.max(data[name]))
        assert got["min"] == float(np.min(data[name]))


@pytest.mark.parametrize("native", [True, False])
def test_a_column_named_like_an_internal_key_keeps_its_row_hashes(tmp_path: Path, native: bool):
    """With a reference lacking ``x``: x is summarised but not hashed, ``stats:x`` is hashed.

    No row repeats (distinct random floats), so no LC301/LC302/LC303; only the rows
    copied from the reference leak, counted with pandas-free numpy set logic.
    """
    rng = np.random.default_rng(4)
    train, test = _table(rng, N), _table(rng, N)
    copied = rng.choice(N, 37, replace=False)
    for name in ("stats:x", "y"):
        test[name][copied] = train[name][copied]
    del train["x"]
    pq.write_table(pa.table(train), tmp_path / "train.parquet", row_group_size=N)
    pq.write_table(pa.table(test), tmp_path / "test.parquet", row_group_size=N)
    report = _scan(
        [str(tmp_path / "test.parquet"), "--reference", str(tmp_path / "train.parquet")], native
    )
    codes = {f["code"]: f for f in report["findings"]}
    for code in ("LC301", "LC302", "LC306"):
        assert code not in codes, codes[code]["message"]
    expected = len(
        set(zip(test["stats:x"].tolist(), strict=True))
        & set(zip(train["stats:x"].tolist(), strict=True))
    )
    assert expected == 37
    assert codes["LC303"]["rows"] == expected
    assert report["columns"]["stats:x"]["mean"] == pytest.approx(float(np.mean(test["stats:x"])))
