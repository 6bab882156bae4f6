"""A split checked against a reference: its own row checks (LC301, LC302) on all its own
columns, leakage (LC303) on the columns both have; a directory of splits with
``--reference``; the reference row a leaked row matches (``--rows-out``).

Expected counts come from brute force over Python tuples (NaN equal to NaN, as
labelcheck defines row identity) and, where it applies, from pandas.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app

runner = CliRunner()

SHARED = ["a", "s", "c0", "c1", "c2", "c3", "c4"]  # what train and test both have
EXTRA = ["z", "e0", "e1", "e2", "e3", "e4"]  # test only: train lacks them


def _frames(seed: int, n_train: int, n_base: int, order: str) -> tuple[pd.DataFrame, ...]:
    """train (the shared columns, its own column ``w``, ``y``) and test (the shared columns,
    six of its own, ``y``). Test: base rows, each also twice more with only ``z`` changed
    (the same row on the shared columns, not on test's own), true copies, conflicting
    rows, and train rows with test's own columns added (leaks, half with another label)."""
    rng = np.random.default_rng(seed)

    def shared(n: int) -> dict[str, np.ndarray]:
        a = rng.integers(0, 10**6, n).astype(float)
        a[rng.random(n) < 0.05] = np.nan
        s = rng.choice(np.array(["p", "q", "", None], dtype=object), n)
        cols = {"a": a, "s": s}
        for i in range(5):
            cols[f"c{i}"] = rng.integers(0, 1000, n)
        return cols

    train = pd.DataFrame({**shared(n_train), "w": rng.random(n_train)})
    train["y"] = rng.integers(0, 3, n_train)
    train = pd.concat([train, train.iloc[:5]], ignore_index=True)  # train's own copies

    base = pd.DataFrame(shared(n_base))
    base["y"] = rng.integers(0, 3, n_base)
    for i, name in enumerate(EXTRA):
        base[name] = rng.integers(0, 1000, n_base).astype(float) if i == 0 else i
    parts = [base]
    for k in (1, 2):  # the same row on the shared columns and label, another z
        other = base.copy()
        other["z"] = base["z"] + 1000.0 * k
        parts.append(other)
    parts.append(base.iloc[:15])  # 15 true copies
    flipped = base.iloc[15:25].copy()
    flipped["y"] = (flipped["y"] + 1) % 3  # 10 conflicting rows
    parts.append(flipped)
    leaked = train.iloc[100:120].drop(columns=["w"]).copy()
    leaked.loc[leaked.index[:10], "y"] = (leaked["y"].iloc[:10] + 1) % 3
    for i, name in enumerate(EXTRA):
        leaked[name] = 5000.0 + np.arange(20) if i == 0 else i
    parts.append(leaked)
    test = pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed)
    test = test.reset_index(drop=True)
    columns = [*SHARED, *EXTRA] if order == "shared-first" else _interleaved()
    return train[[*SHARED, "w", "y"]], test[[*columns, "y"]]


def _interleaved() -> list[str]:
    out = []
    for i in range(max(len(SHARED), len(EXTRA))):
        out += [c for c in (SHARED[i : i + 1] + EXTRA[i : i + 1])]
    return out


def _key(row: tuple) -> tuple:
    return tuple("NaN" if isinstance(v, float) and v != v else v for v in row)


def _tuples(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [_key(r) for r in frame[columns].itertuples(index=False, name=None)]


def _expected(train: pd.DataFrame, test: pd.DataFrame) -> dict:
    """Brute force: duplicate copies and rows, conflict rows, leaks and their train rows."""
    features = [c for c in test.columns if c != "y"]
    full = _tuples(test, [*features, "y"])
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, t in enumerate(full):
        groups[t].append(i)
    dup_rows = sorted(i for rows in groups.values() if len(rows) > 1 for i in rows)
    copies = sum(len(rows) - 1 for rows in groups.values())
    labels: dict[tuple, set] = defaultdict(set)
    by_features: dict[tuple, list[int]] = defaultdict(list)
    for i, (t, y) in enumerate(zip(_tuples(test, features), test["y"], strict=True)):
        labels[t].add(y)
        by_features[t].append(i)
    conflict_rows = sorted(i for t, rows in by_features.items() if len(labels[t]) > 1 for i in rows)
    shared = [c for c in features if c in train.columns]
    first: dict[tuple, int] = {}
    first_labelled: dict[tuple, int] = {}
    for j, (t, y) in enumerate(zip(_tuples(train, shared), train["y"], strict=True)):
        first.setdefault(t, j)
        first_labelled.setdefault((*t, y), j)
    leaks: dict[int, int] = {}
    same = 0
    for i, (t, y) in enumerate(zip(_tuples(test, shared), test["y"], strict=True)):
        if t in first:
            labelled = first_labelled.get((*t, y))
            same += labelled is not None
            leaks[i] = labelled if labelled is not None else first[t]
    return {
        "copies": copies,
        "dup_rows": dup_rows,
        "dup_groups": sum(len(rows) > 1 for rows in groups.values()),
        "conflict_rows": conflict_rows,
        "leaks": leaks,
        "same": same,
    }


def _write(
    tmp_path: Path, train: pd.DataFrame, test: pd.DataFrame, group: int = 400
) -> tuple[Path, Path]:
    """Both as Parquet of several row groups (units; with more than 8 columns, a row
    group's columns are scanned by several tasks)."""
    tr, te = tmp_path / "train.parquet", tmp_path / "test.parquet"
    pq.write_table(pa.Table.from_pandas(train, preserve_index=False), tr, row_group_size=group)
    pq.write_table(pa.Table.from_pandas(test, preserve_index=False), te, row_group_size=group)
    return tr, te


def _sha(*paths: Path) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


def _by_code(report: dict) -> dict[str, dict]:
    return {f["code"]: f for f in report["findings"]}


@pytest.mark.parametrize("spill", [None, "0"], ids=["memory", "spilled"])
@pytest.mark.parametrize(
    ("n_base", "group", "order"),
    [(300, 400, "shared-first"), (300, 400, "interleaved"), (9_000, 10_000, "interleaved")],
    ids=["extras-in-their-own-task", "mixed-tasks", "compiled-pass"],
)
def test_own_row_checks_use_all_own_columns_leakage_the_shared_ones(
    tmp_path, n_base, group, order, spill
):
    train, test = _frames(3, 1500, n_base, order)
    tr, te = _write(tmp_path, train, test, group)
    before = _sha(tr, te)
    want = _expected(train, test)
    # pandas agrees with the brute force (NaN and None equal to themselves there too).
    assert int(test.duplicated().sum()) == want["copies"]
    assert want["copies"] == 15 and len(want["leaks"]) == 20  # the planted ones, no more
    out = tmp_path / "rows.parquet"
    args = ["scan", str(te), "--reference", str(tr), "--format", "json", "--rows-out", str(out)]
    result = runner.invoke(app, [*args, *(["--spill-rows", spill] if spill else [])])
    assert result.exit_code == 1, result.output
    found = _by_code(json.loads(result.stdout))
    assert found["LC301"]["rows"] == want["copies"]
    assert found["LC301"]["groups"] == want["dup_groups"]
    assert found["LC302"]["rows"] == len(want["conflict_rows"])
    assert found["LC303"]["rows"] == len(want["leaks"])
    assert f"({want['same']:,} with the same label)" in found["LC303"]["message"]
    assert "compared on the 7 features both splits have" in found["LC303"]["message"]
    rows = pq.read_table(out).to_pandas()
    assert sorted(rows.loc[rows.code == "LC301", "row"]) == want["dup_rows"]
    assert sorted(rows.loc[rows.code == "LC302", "row"]) == want["conflict_rows"]
    leaked = rows[rows.code == "LC303"]
    assert dict(zip(leaked["row"], leaked["reference_row"], strict=True)) == want["leaks"]
    assert set(leaked["reference"]) == {str(tr)}
    assert rows.loc[rows.code != "LC303", ["reference", "reference_row"]].isna().all().all()
    assert _sha(tr, te) == before


def test_fix_reference_drops_true_copies_and_leaks_only(tmp_path):
    train, test = _frames(5, 1500, 300, "interleaved")
    tr, te = _write(tmp_path, train, test)
    before = _sha(tr, te)
    want = _expected(train, test)
    out = tmp_path / "fixed.parquet"
    result = runner.invoke(
        app, ["fix", str(te), "--reference", str(tr), "-o", str(out), "--select", "LC301,LC303"]
    )
    assert result.exit_code == 0, result.output
    # Independently: drop the leaked rows and every later copy of an earlier row (pandas).
    keep = ~test.duplicated(keep="first").to_numpy()
    keep[list(want["leaks"])] = False
    expected = test[keep].reset_index(drop=True)
    fixed = pq.read_table(out).to_pandas()
    assert len(fixed) == len(test) - want["copies"] - len(want["leaks"])  # no leak is a copy
    pd.testing.assert_frame_equal(fixed[list(test.columns)], expected, check_dtype=False)
    assert _sha(tr, te) == before


def test_rows_out_names_the_reference_row_of_a_leak(tmp_path):
    """A leaked row points at the first train row with its features and label, else at
    the first with its features; train's own copies make 'first' matter."""
    train = pd.DataFrame({"a": [1.0, 2.0, 2.0, 3.0, 1.0, np.nan], "y": [0, 0, 1, 1, 0, 2]})
    test = pd.DataFrame({"a": [2.0, 9.0, 1.0, 2.0, np.nan, 3.0], "y": [1, 0, 0, 2, 1, 1]})
    tr, te = tmp_path / "train.csv", tmp_path / "test.csv"
    train.to_csv(tr, index=False)
    test.to_csv(te, index=False)
    out = tmp_path / "rows.parquet"
    result = runner.invoke(app, ["scan", str(te), "--reference", str(tr), "--rows-out", str(out)])
    assert result.exit_code == 1, result.output
    rows = pq.read_table(out).to_pylist()
    leaked = {r["row"]: r["reference_row"] for r in rows if r["code"] == "LC303"}
    assert leaked == _expected(train, test)["leaks"] == {0: 2, 2: 0, 3: 1, 4: 5, 5: 3}


def _split_dir(tmp_path: Path) -> tuple[Path, Path, pd.DataFrame, dict[str, pd.DataFrame]]:
    rng = np.random.default_rng(11)

    def frame(n: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "a": rng.integers(0, 10**6, n).astype(float),
                "b": rng.random(n),
                "y": rng.integers(0, 3, n),
            }
        )

    other = frame(400)  # another training set
    train = pd.concat([frame(500), other.iloc[:30]], ignore_index=True)
    test = pd.concat([frame(200), train.iloc[:12], other.iloc[100:107]], ignore_index=True)
    root = tmp_path / "ds"
    root.mkdir()
    splits = {"train": train, "test": test}
    for name, table in splits.items():
        table.to_parquet(root / f"{name}.parquet", index=False)
    ref = tmp_path / "other_train.parquet"
    other.to_parquet(ref, index=False)
    return root, ref, other, splits


def _leaks(split: pd.DataFrame, reference: pd.DataFrame) -> int:
    known = set(_tuples(reference, ["a", "b"]))
    return sum(t in known for t in _tuples(split, ["a", "b"]))


def test_a_directory_of_splits_with_reference_checks_every_split_against_it(tmp_path):
    root, ref, other, splits = _split_dir(tmp_path)
    before = _sha(ref, *sorted(root.iterdir()))
    result = runner.invoke(app, ["scan", str(root), "--reference", str(ref), "--format", "json"])
    assert result.exit_code == 1, result.output
    reports = {r["source"]: r for r in json.loads(result.stdout)}
    assert list(reports) == [f"{root}[train]", f"{root}[test]"]
    for name, split in splits.items():
        want = _leaks(split, other)
        assert want in (30, 7)  # what was planted: train holds 30 of them, test 7
        leak = _by_code(reports[f"{root}[{name}]"]).get("LC303")
        assert leak is not None and leak["rows"] == want, name
        assert str(ref) in leak["message"]
    library = labelcheck.scan_splits(root, reference=ref)
    assert [r.by_code("LC303")[0].rows for r in library.values()] == [30, 7]
    assert _sha(ref, *sorted(root.iterdir())) == before


def test_a_directory_of_splits_with_its_own_train_as_reference_is_the_plain_scan(tmp_path):
    root, _, _, splits = _split_dir(tmp_path)
    plain = runner.invoke(app, ["scan", str(root), "--format", "json"])
    train = root / "sub" / ".." / "train.parquet"
    (root / "sub").mkdir()
    same = runner.invoke(app, ["scan", str(root), "--reference", str(train), "--format", "json"])
    assert same.exit_code == plain.exit_code == 1
    assert json.loads(same.stdout) == json.loads(plain.stdout)
    test = _by_code(json.loads(plain.stdout)[1])
    assert test["LC303"]["rows"] == _leaks(splits["test"], splits["train"]) == 12


def test_each_split_is_matched_on_the_features_it_shares_with_the_reference(tmp_path):
    """Validation lacks z, test has it like train: test's rows are matched on (a, b, z),
    not on the (a, b) every split has."""
    rng = np.random.default_rng(2)
    train = pd.DataFrame(
        {
            "a": rng.random(300),
            "b": rng.random(300),
            "z": rng.random(300),
            "y": rng.integers(0, 2, 300),
        }
    )
    test = train.iloc[:40].copy()
    test.loc[test.index[:30], "z"] += 1.0  # 10 true leaks; 30 rows equal on (a, b) only
    validation = train.iloc[100:115].drop(columns=["z"])  # 15 leaks on (a, b)
    root = tmp_path / "ds"
    root.mkdir()
    splits = {"train": train, "validation": validation, "test": test}
    for name, frame in splits.items():
        frame.to_parquet(root / f"{name}.parquet", index=False)
    before = _sha(*sorted(root.iterdir()))
    result = runner.invoke(app, ["scan", str(root), "--format", "json", "--select", "LC303"])
    reports = json.loads(result.stdout)
    assert [r["source"] for r in reports] == [f"{root}[{name}]" for name in splits]
    for report, (name, frame) in zip(reports[1:], list(splits.items())[1:], strict=True):
        shared = [c for c in frame.columns if c in train.columns and c != "y"]
        known = set(_tuples(train, shared))
        want = sum(t in known for t in _tuples(frame, shared))
        assert want == {"validation": 15, "test": 10}[name]
        assert _by_code(report)["LC303"]["rows"] == want, name
    # The same through the library, and with both splits as paths against train.
    library = labelcheck.scan_splits(root)
    assert [r.by_code("LC303")[0].rows for r in list(library.values())[1:]] == [15, 10]
    paths = [str(root / "validation.parquet"), str(root / "test.parquet")]
    both = runner.invoke(
        app, ["scan", *paths, "--reference", str(root / "train.parquet"), "--format", "json"]
    )
    assert [_by_code(r)["LC303"]["rows"] for r in json.loads(both.stdout)] == [15, 10]
    assert _sha(*sorted(root.iterdir())) == before
