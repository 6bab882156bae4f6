"""`fix` on Parquet streams bounded batches, whatever the row group size, without pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from labelcheck.fixes.apply import SLICE_ROWS, fix_file, streamed
from labelcheck.io.readers import open_source

ROWS = 2 * SLICE_ROWS + 1234


def write_problem_file(path: Path, rows: int = ROWS, row_group: int = ROWS) -> pa.Table:
    """One big row group: pixel-scale features, NaN, Inf, labels {-1, 0, 1} and two 8000s."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal(rows).astype(np.float32)
    x[rng.random(rows) < 0.01] = np.nan
    w = rng.standard_normal(rows)
    w[rng.random(rows) < 0.005] = np.inf
    y = rng.integers(-1, 2, rows)
    y[[5, rows - 3]] = 8000
    px = rng.integers(0, 256, rows).astype(np.uint8)
    table = pa.table({"x": x, "w": w, "px": px, "y": y})
    pq.write_table(table, path, row_group_size=row_group)
    return table


def test_row_groups_are_read_in_slices_with_the_same_content(tmp_path):
    path = tmp_path / "big.parquet"
    table = write_problem_file(path)
    assert pq.read_metadata(path).num_row_groups == 1
    src = streamed(open_source(str(path)))
    batches = list(src.batches(["y", "x"]))
    assert max(b.num_rows for b in batches) <= SLICE_ROWS and len(batches) >= 3
    got = pa.Table.from_batches(batches)
    assert got.schema.names == ["y", "x"]
    for name in ("y", "x"):  # NaN included (Table.equals says NaN != NaN)
        np.testing.assert_array_equal(got[name].to_numpy(), table[name].to_numpy())


def test_fix_output_matches_the_in_memory_transform_in_bounded_row_groups(tmp_path):
    path = tmp_path / "big.parquet"
    table = write_problem_file(path)
    out = tmp_path / "fixed.parquet"
    result = fix_file(str(path), out)
    meta = pq.read_metadata(out)
    assert max(meta.row_group(i).num_rows for i in range(meta.num_row_groups)) <= SLICE_ROWS
    fixed = pq.read_table(out)
    assert fixed.equals(result.plan.transform(table))
    assert fixed.num_rows == result.plan.rows_out < ROWS
    assert sorted(set(fixed["y"].to_pylist())) == [0, 1, 2]


def test_parquet_to_parquet_fix_and_apply_do_not_import_pandas(tmp_path):
    # pandas costs ~50 MiB of RSS: pyarrow imports it on the first pa.array, pa.scalar,
    # fill_null(x, False) or to_numpy, so the fix path avoids all of them.
    path = tmp_path / "big.parquet"
    write_problem_file(path, rows=5000, row_group=1000)
    code = (
        "import sys\n"
        "from labelcheck.cli import app\n"
        "for argv in sys.argv[1:]:\n"
        "    try:\n"
        "        app(argv.split('|'))\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, (argv, exc.code)\n"
        "print('pandas' in sys.modules)\n"
    )
    fixed, plan, applied = tmp_path / "f.parquet", tmp_path / "f.plan.json", tmp_path / "a.parquet"
    fix = f"fix|{path}|-o|{fixed}|--no-config|--nan|median|--scale|standard"
    apply = f"apply|{plan}|{path}|-o|{applied}|--drop-unknown"
    proc = subprocess.run(
        [sys.executable, "-c", code, fix, apply], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False", proc.stdout
    assert pq.read_table(applied).equals(pq.read_table(fixed))
