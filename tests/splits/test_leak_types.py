"""Leakage compares values, not encodings, when a column's type differs between splits.

Text numbers with a `?` marker in one split and numbers in the other, timestamps
stored in ns in one and µs (or dates) in the other; a column whose types cannot
be reconciled is named by LC303, never a silent 0. Expected counts come from
pandas merges on values (pd.to_numeric, pd.to_datetime), on the compiled route
and on the numpy one (LABELCHECK_NATIVE=0).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROUTES = pytest.mark.parametrize("native", ["1", "0"])
LONG = 20_000  # past the compiled kernels' threshold (8,192 rows)


def _scan(args: list[str], native: str, *, command: str = "scan") -> tuple[int, str]:
    env = {**os.environ, "LABELCHECK_NATIVE": native}
    out = subprocess.run(
        [sys.executable, "-m", "labelcheck", command, *args],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode in (0, 1), out.stderr
    assert out.stderr == "" or command == "fix", out.stderr
    return out.returncode, out.stdout


def _reports(args: list[str], native: str) -> list[dict]:
    _, out = _scan([*args, "--format", "json"], native)
    data = json.loads(out)
    return data if isinstance(data, list) else [data]


def _codes(report: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for f in report["findings"]:
        found.setdefault(f["code"], []).append(f)
    return found


def _leaks(report: dict) -> int:
    return sum(f["rows"] for f in _codes(report).get("LC303", []) if f["column"] is None)


def _pandas_leaks(test: pd.DataFrame, train: pd.DataFrame, on: list[str]) -> int:
    """Rows of ``test`` whose values on ``on`` occur in ``train`` (NaN equals NaN)."""
    keys = train[on].drop_duplicates()
    return int(test[on].merge(keys, on=on, how="left", indicator=True)["_merge"].eq("both").sum())


def _text_numbers(n_train: int, n_test: int, leaked: int, seed: int):
    """train: 'f' numbers written as text with '?' markers and a few words; test: numbers."""
    rng = np.random.default_rng(seed)
    train = pd.DataFrame(
        {
            "f": rng.integers(0, 10**6, n_train).astype(float) / 8,
            "g": rng.integers(0, 10**6, n_train),
            "y": rng.integers(0, 3, n_train),
        }
    )
    text = train["f"].map(repr).astype(object)
    text[rng.choice(n_train, 9, replace=False)] = "?"
    text[rng.choice(n_train, 3, replace=False)] = " N/A "
    text.iloc[0] = "many"  # neither a number nor a marker: equals no number
    train["f"] = text
    test = pd.DataFrame(
        {
            "f": rng.integers(0, 10**6, n_test).astype(float) / 8,
            "g": rng.integers(0, 10**6, n_test),
            "y": rng.integers(0, 3, n_test),
        }
    )
    pick = rng.choice(n_train, leaked, replace=False)
    copied = train.iloc[pick].reset_index(drop=True)
    numeric = pd.to_numeric(copied["f"].str.strip(), errors="coerce")
    test.loc[: leaked - 1, ["g", "y"]] = copied[["g", "y"]].to_numpy()
    test.loc[: leaked - 1, "f"] = numeric.to_numpy()
    return train, test


def _as_values(train: pd.DataFrame) -> pd.DataFrame:
    """The train split as values: LC110's cast (markers -> missing, text -> number)."""
    out = train.copy()
    out["f"] = pd.to_numeric(out["f"].str.strip(), errors="coerce")
    return out


def _digest(paths: list[Path]) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


@ROUTES
@pytest.mark.parametrize("n", [300, LONG])
def test_text_with_markers_in_train_and_numbers_in_test(tmp_path: Path, native: str, n: int):
    train, test = _text_numbers(n, n // 10, 14 if n < LONG else 400, seed=n)
    root = tmp_path / "ds"
    root.mkdir()
    train.to_csv(root / "train.csv", index=False)
    test.to_csv(root / "test.csv", index=False)
    before = _digest([root / "train.csv", root / "test.csv"])
    expected = _pandas_leaks(test, _as_values(train), ["f", "g"])
    assert expected == (14 if n < LONG else 400) or expected > 0
    _, split = _reports([str(root)], native)
    assert _leaks(split) == expected
    # Either way round, and through --reference.
    alone = _reports([str(root / "train.csv"), "--reference", str(root / "test.csv")], native)[0]
    assert _leaks(alone) == _pandas_leaks(_as_values(train), test, ["f", "g"])
    assert _digest([root / "train.csv", root / "test.csv"]) == before


@ROUTES
def test_fix_drops_the_leaked_rows_of_a_text_split(tmp_path: Path, native: str):
    """The split is the text one: the fix matches its rows with the scan's keys."""
    train, test = _text_numbers(LONG, 2_000, 300, seed=5)
    # Swap roles: the scanned split holds the text column.
    (tmp_path / "ref.csv").write_text(test.to_csv(index=False))
    (tmp_path / "split.csv").write_text(train.to_csv(index=False))
    expected = _pandas_leaks(_as_values(train), test, ["f", "g"])
    _scan(
        [
            str(tmp_path / "split.csv"),
            "--reference",
            str(tmp_path / "ref.csv"),
            "-o",
            str(tmp_path / "out.parquet"),
            "--select",
            "LC303",
        ],
        native,
        command="fix",
    )
    out = pq.read_table(tmp_path / "out.parquet").to_pandas()
    assert len(out) == len(train) - expected
    kept = out if pd.api.types.is_numeric_dtype(out["f"]) else _as_values(out)
    assert _pandas_leaks(kept, test, ["f", "g"]) == 0


def _timestamps(n: int, seed: int, far: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.datetime64("2024-01-01T00:00:00", "us")
    us = base + rng.integers(0, 10**12, n).astype("timedelta64[us]")
    return us


@ROUTES
@pytest.mark.parametrize("n", [1_000, LONG])
def test_timestamps_in_ns_and_us(tmp_path: Path, native: str, n: int):
    us = _timestamps(n, seed=n)
    v = np.random.default_rng(1).random(n)
    train = pa.table({"t": pa.array(us.astype("datetime64[ns]")), "v": v})
    half = n // 2
    test = pa.table({"t": pa.array(us[:half]), "v": v[:half]})  # stored in µs
    pq.write_table(train, tmp_path / "train.parquet")
    pq.write_table(test, tmp_path / "test.parquet")
    expected = _pandas_leaks(test.to_pandas(), train.to_pandas(), ["t", "v"])
    assert expected == half
    report = _reports(
        [str(tmp_path / "test.parquet"), "--reference", str(tmp_path / "train.parquet")], native
    )[0]
    assert _leaks(report) == expected


@ROUTES
def test_dates_and_far_instants_in_other_units(tmp_path: Path, native: str):
    """A date equals the timestamp of its midnight; year-3000 instants (beyond int64 ns)
    in seconds equal them in milliseconds; a non-midnight timestamp equals no date."""
    rng = np.random.default_rng(2)
    n = LONG
    days = rng.integers(0, 40_000, n)  # 1970 .. 2079
    date = np.datetime64("1970-01-01", "D") + days.astype("timedelta64[D]")
    far = np.datetime64("3000-01-01T00:00:00", "s") + rng.integers(0, 10**9, n).astype(
        "timedelta64[s]"
    )
    train = pa.table({"d": pa.array(date), "far": pa.array(far), "v": np.arange(n)})
    shifted = date.astype("datetime64[s]").copy()
    shifted[::7] += np.timedelta64(1, "s")  # these rows are not the midnights
    test = pa.table(
        {
            "d": pa.array(shifted),
            "far": pa.array(far.astype("datetime64[ms]")),
            "v": np.arange(n),
        }
    )
    pq.write_table(train, tmp_path / "train.parquet")
    pq.write_table(test, tmp_path / "test.parquet")
    # pandas on the values: the dates as midnights, every instant as its count of seconds
    as_secs = {
        "d": lambda a: a.astype("datetime64[s]").astype(np.int64),
        "far": lambda a: a.astype("datetime64[s]").astype(np.int64),
    }
    ref = pd.DataFrame({"d": as_secs["d"](date), "far": as_secs["far"](far), "v": np.arange(n)})
    got = pd.DataFrame({"d": as_secs["d"](shifted), "far": as_secs["far"](far), "v": np.arange(n)})
    expected = _pandas_leaks(got, ref, ["d", "far", "v"])
    assert expected == n - len(range(0, n, 7))
    report = _reports(
        [str(tmp_path / "test.parquet"), "--reference", str(tmp_path / "train.parquet")], native
    )[0]
    assert _leaks(report) == expected


@ROUTES
def test_types_that_cannot_be_reconciled_are_named(tmp_path: Path, native: str):
    """Timestamps in train, epoch integers in test: LC303 names the column and the rows
    are looked up on the other features (pandas on those)."""
    rng = np.random.default_rng(3)
    n = LONG
    t = _timestamps(n, seed=4)
    g = rng.integers(0, 50_000, n)
    train = pa.table({"t": pa.array(t), "g": g, "y": rng.integers(0, 2, n)})
    test = pa.table(
        {
            "t": t.astype(np.int64)[:2_000],
            "g": rng.integers(0, 50_000, 2_000),
            "y": np.zeros(2_000, int),
        }
    )
    pq.write_table(train, tmp_path / "train.parquet")
    pq.write_table(test, tmp_path / "test.parquet")
    expected = _pandas_leaks(test.to_pandas(), train.to_pandas(), ["g"])
    assert expected > 0
    report = _reports(
        [str(tmp_path / "test.parquet"), "--reference", str(tmp_path / "train.parquet")], native
    )[0]
    named = [f for f in _codes(report)["LC303"] if f["column"] == "t"]
    assert len(named) == 1 and named[0]["severity"] == "warning"
    assert "timestamp[us]" in named[0]["message"] and "int64" in named[0]["message"]
    assert _leaks(report) == expected


def test_no_feature_can_be_compared_is_a_user_error(tmp_path: Path):
    t = _timestamps(50, seed=1)
    pq.write_table(pa.table({"t": pa.array(t)}), tmp_path / "train.parquet")
    pq.write_table(pa.table({"t": t.astype(np.int64)}), tmp_path / "test.parquet")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "labelcheck",
            "scan",
            str(tmp_path / "test.parquet"),
            "--reference",
            str(tmp_path / "train.parquet"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert "no feature can be compared" in out.stderr and "'t'" in out.stderr
    assert "internal error" not in out.stderr


def test_fix_leaves_a_column_it_could_not_compare_unfixed(tmp_path: Path):
    t = _timestamps(300, seed=2)
    g = np.arange(300)
    pq.write_table(pa.table({"t": pa.array(t), "g": g}), tmp_path / "train.parquet")
    pq.write_table(
        pa.table({"t": t.astype(np.int64)[:40], "g": g[:40] + 280}), tmp_path / "test.parquet"
    )
    before = _digest([tmp_path / "train.parquet", tmp_path / "test.parquet"])
    code, out = _scan(
        [
            str(tmp_path / "test.parquet"),
            "--reference",
            str(tmp_path / "train.parquet"),
            "-o",
            str(tmp_path / "out.parquet"),
            "--select",
            "LC303",
        ],
        "1",
        command="fix",
    )
    assert code == 0
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 40 - 20  # g 280..299 leak
    assert "LC303 split-leakage in 't'" in out and "one type in every split" in out
    assert _digest([tmp_path / "train.parquet", tmp_path / "test.parquet"]) == before
