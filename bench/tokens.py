"""Token sequences: labelcheck's scan against the decode floor and polars (issue 18).

Generates ``bench/data/tokens_<rows>x<length>_g<group>.parquet`` once: ``input_ids``
(ids below 32,000), ``attention_mask`` and ``labels`` (``-100`` on the first token),
list<int64> columns of ``--length`` tokens, row groups of ``--group-rows`` rows (125,000:
8 groups at 1M rows; a fixed size, so peak RSS at two sizes shows whether memory is
flat in rows), snappy. Every method runs in its own fresh process;
``work`` is timed inside the child after its imports; rounds are interleaved and the
table shows medians; peak RSS is the child's (``os.wait4``).

    python bench/tokens.py                          # 1M rows x 128 tokens, 3 rounds
    python bench/tokens.py --rows 200000 --repeat 3
    python bench/tokens.py --rows 2000000 --repeat 1 --methods scan,scan_cols   # RSS

| method | what it does |
|---|---|
| floor | `pq.read_table` of the three columns |
| floor_groups | `ParquetFile.read_row_group` of each group in turn, each dropped after |
| scan | `labelcheck.scan(path, vocab_size=32000, max_length=128)` (row checks on) |
| scan_cols | the same with `row_checks=False` |
| polars | the same checks: list min/max and lengths, all-zero masks, all-ignored |
|        | labels, ids out of range, rows longer than the bound, distinct rows |
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = {
    "floor": """
import pyarrow.parquet as pq
t0 = time.perf_counter()
pq.read_table(PATH, columns=["input_ids", "attention_mask", "labels"])
""",
    "floor_groups": """
import pyarrow.parquet as pq
t0 = time.perf_counter()
pf = pq.ParquetFile(PATH)
for i in range(pf.num_row_groups):
    pf.read_row_group(i, columns=["input_ids", "attention_mask", "labels"])
""",
    "scan": """
import labelcheck
t0 = time.perf_counter()
labelcheck.scan(PATH, vocab_size=32000, max_length=LENGTH)
""",
    "scan_cols": """
import labelcheck
t0 = time.perf_counter()
labelcheck.scan(PATH, vocab_size=32000, max_length=LENGTH, row_checks=False)
""",
    "polars": """
import polars as pl
t0 = time.perf_counter()
lf = pl.scan_parquet(PATH)
ids, mask, lab = pl.col("input_ids"), pl.col("attention_mask"), pl.col("labels")
real = lab.list.eval(pl.element() != -100).list.sum()
pl.collect_all([
    lf.select(
        ids.list.max().max().alias("max"), ids.list.min().min().alias("min"),
        ids.list.len().max().alias("longest"),
        (ids.list.len() == 0).sum().alias("empty"),
        ((mask.list.sum() == 0) & (mask.list.len() > 0)).sum().alias("masked"),
        ((real == 0) & (lab.list.len() > 0)).sum().alias("ignored"),
        ((ids.list.max() >= 32000) | (ids.list.min() < 0)).sum().alias("oor"),
        (mask.list.sum() > LENGTH).sum().alias("long"),
        (ids.list.len() != mask.list.len()).sum().alias("mismatch"),
    ),
    lf.select(pl.struct(pl.all()).n_unique().alias("distinct")),
], engine="streaming")
""",
}


def _generate(path: Path, rows: int, length: int, group: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    writer = None
    for start in range(0, rows, group):
        n = min(group, rows - start)
        offsets = pa.array(np.arange(0, n * length + 1, length, dtype=np.int32))
        ids = rng.integers(0, 32000, n * length)
        labels = ids.copy()
        labels[::length] = -100
        table = pa.table(
            {
                "input_ids": pa.ListArray.from_arrays(offsets, pa.array(ids)),
                "attention_mask": pa.ListArray.from_arrays(
                    offsets, pa.array(np.ones(n * length, np.int64))
                ),
                "labels": pa.ListArray.from_arrays(offsets, pa.array(labels)),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="snappy")
        writer.write_table(table)
    assert writer is not None
    writer.close()


def _run(method: str, path: Path, length: int) -> tuple[float, float]:
    code = (
        "import time, sys\n"
        f"PATH = {str(path)!r}\nLENGTH = {length}\n"
        + CHILD[method]
        + "\nprint(time.perf_counter() - t0)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read() if proc.stdout else ""
    if status != 0:
        raise SystemExit(f"{method} failed")
    return float(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--group-rows", type=int, default=125_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--methods", default=",".join(CHILD))
    args = parser.parse_args()
    name = f"tokens_{args.rows}x{args.length}_g{args.group_rows}.parquet"
    path = HERE / "data" / name
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        _generate(path, args.rows, args.length, max(args.group_rows, 1))
    methods = args.methods.split(",")
    times: dict[str, list[float]] = {m: [] for m in methods}
    rss: dict[str, float] = {}
    for _ in range(args.repeat):
        for m in methods:
            work, peak = _run(m, path, args.length)
            times[m].append(work)
            rss[m] = max(rss.get(m, 0.0), peak)
    floor = statistics.median(times["floor"]) if "floor" in times else None
    size = path.stat().st_size / 2**20
    print(
        f"{args.rows:,} rows x {args.length} tokens, {size:.0f} MiB, groups of {args.group_rows:,}"
    )
    print("| method | work s (median) | peak RSS MiB | x floor |\n|---|---|---|---|")
    for m in methods:
        t = statistics.median(times[m])
        ratio = f"{t / floor:.2f}" if floor else "-"
        print(f"| {m} | {t:.2f} | {rss[m]:.0f} | {ratio} |")
    if "polars" in times and "scan" in times:
        speed = statistics.median(times["polars"]) / statistics.median(times["scan"])
        print(f"polars / scan: {speed:.2f}x   (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
