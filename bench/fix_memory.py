"""Peak memory of `labelcheck fix` / `apply` on a 5-million-row Parquet file.

Generates (once, into bench/data/, which git ignores) a file with the problems
fix repairs: pixel-scale features, NaN and Inf, labels {-1, 0, 1} plus a few
8000s. Then runs `labelcheck fix` and `labelcheck apply` each in a child
process and prints its peak RSS next to the size of the decoded table
(``pyarrow.Table.nbytes``): streaming means the first is well below the second.
The time is compared with ``pq.write_table(pq.read_table(path))`` of the same file.

    python bench/fix_memory.py [--rows 5000000] [--row-group 1048576]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DATA = Path(__file__).resolve().parent / "data"


def generate(path: Path, rows: int, row_group: int) -> None:
    """32 float32 features + an int64 label, written chunk by chunk (bounded memory too).

    Problems planted: pixel-scale columns 0..255 (LC103), NaN (LC101) and +Inf (LC102)
    in a few rows, labels {-1, 0, 1} (LC206) plus 50 rows of 8000 (LC205).
    """
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        part = Path(tmp) / path.name
        writer = None
        for start in range(0, rows, row_group):
            n = min(row_group, rows - start)
            cols = {f"x{i}": rng.standard_normal(n, dtype=np.float32) for i in range(24)}
            cols["x1"][rng.random(n) < 0.001] = np.nan
            cols["x2"][rng.random(n) < 0.0005] = np.inf
            for i in range(24, 32):
                cols[f"x{i}"] = rng.integers(0, 256, n).astype(np.float32)
            y = rng.integers(-1, 2, n).astype(np.int64)
            if start == 0:
                y[:50] = 8000  # the classic: a handful of absurd class ids
            cols["y"] = y
            table = pa.table(cols)
            if writer is None:
                writer = pq.ParquetWriter(part, table.schema)
            writer.write_table(table, row_group_size=row_group)
        assert writer is not None
        writer.close()
        part.replace(path)


def peak_rss(cmd: list[str]) -> tuple[int, float, subprocess.CompletedProcess]:
    """Peak RSS in bytes of ``cmd`` run in a fresh child of a fresh wrapper process."""
    wrapper = (
        "import resource, subprocess, sys, json, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "dt = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
        "print(json.dumps([rss, dt, p.returncode, p.stdout, p.stderr]))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True)
    rss, dt, code, stdout, stderr = json.loads(out.stdout)
    return rss, dt, subprocess.CompletedProcess(cmd, code, stdout, stderr)


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--row-group", type=int, default=1 << 20)  # pyarrow's default
    args = ap.parse_args()
    DATA.mkdir(exist_ok=True)
    src = DATA / f"fix_{args.rows}_{args.row_group}.parquet"
    if not src.exists():
        print(f"generating {src} ...", flush=True)
        generate(src, args.rows, args.row_group)
    meta = pq.read_metadata(src)
    decoded = pq.read_table(src).nbytes  # measured here, in this process, not in the children
    print(
        f"input: {src.name}: {meta.num_rows:,} rows x {meta.num_columns} columns, "
        f"{meta.num_row_groups} row groups, {mib(src.stat().st_size)} on disk, "
        f"{mib(decoded)} decoded (Table.nbytes)"
    )
    exe = [sys.executable, "-m", "labelcheck"]
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        out = Path(tmp) / "fixed.parquet"
        runs = {
            "fix": [*exe, "fix", str(src), "-o", str(out), "--no-config"],
            "fix --nan median --scale standard": [
                *exe,
                "fix",
                str(src),
                "-o",
                str(Path(tmp) / "fixed2.parquet"),
                "--no-config",
                "--nan",
                "median",
                "--scale",
                "standard",
            ],
            "apply": [
                *exe,
                "apply",
                str(Path(tmp) / "fixed.plan.json"),
                str(src),
                "-o",
                str(Path(tmp) / "applied.parquet"),
                "--drop-unknown",
            ],
        }
        copy = Path(tmp) / "copy.parquet"
        baseline = "import pyarrow.parquet as pq, sys; t = pq.read_table(sys.argv[1]); "
        baseline += "pq.write_table(t, sys.argv[2])"
        rss, base_dt, _ = peak_rss([sys.executable, "-c", baseline, str(src), str(copy)])
        print(
            f"pyarrow read_table + write_table: peak RSS {mib(rss)} = {rss / decoded:.0%} of "
            f"the decoded table; {base_dt:.1f} s"
        )
        for name, cmd in runs.items():
            rss, dt, proc = peak_rss(cmd)
            if proc.returncode != 0:
                sys.exit(f"{name} failed ({proc.returncode}): {proc.stderr.strip()}")
            first = proc.stdout.splitlines()[0]
            print(
                f"labelcheck {name}: peak RSS {mib(rss)} = {rss / decoded:.0%} of the decoded "
                f"table; {dt:.1f} s = {dt / base_dt:.1f}x read_table + write_table\n    {first}"
            )
        print(f"output: {mib(out.stat().st_size)} on disk, {pq.read_metadata(out).num_rows:,} rows")


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - t0:.0f} s")
