"""CPU nanoseconds per value of the column statistics, blocked pass against the plain kernels.

The statistics' share of a scan, without the decoding: each case folds chunks
of 1M values (the row-group size of the benchmark file) into a ColumnStats,
once with the blocked pass (``_fused_pass``) and once with the separate
bounds/moments/extremes kernels, interleaved, and prints the median CPU time
per value. CPU time, not wall time: other load on the machine disturbs it less.

    python bench/kernels.py                # 16 chunks per case, 7 rounds
    python bench/kernels.py --chunks 4 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import time
from unittest import mock

import numpy as np
import pyarrow as pa

from labelcheck.stats import column
from labelcheck.stats.column import ColumnStats

CHUNK = 1_000_000


def cases(chunks: int) -> dict[str, list[pa.Array]]:
    rng = np.random.default_rng(0)
    out: dict[str, list[pa.Array]] = {}
    for dtype in ("float32", "float64"):
        data = [(rng.standard_normal(CHUNK) * 100 + 7).astype(dtype) for _ in range(chunks)]
        out[f"{dtype} finite"] = [pa.array(x) for x in data]
        holed = []
        for x in data:
            x = x.copy()
            x[::1000] = np.nan  # every block holds a NaN: the masked path
            holed.append(pa.array(x))
        out[f"{dtype} 0.1% NaN"] = holed
    return out


def cpu_per_value(arrays: list[pa.Array]) -> float:
    start = time.process_time()
    for a in arrays:
        ColumnStats.of(a)
    return (time.process_time() - start) / (len(arrays) * CHUNK) * 1e9


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--chunks", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args(argv)
    print("| case | blocked pass ns/value | plain kernels ns/value | ratio |")
    print("|---|---:|---:|---:|")
    for name, arrays in cases(args.chunks).items():
        fused, plain = [], []
        for _ in range(args.rounds):
            fused.append(cpu_per_value(arrays))
            with mock.patch.object(column, "_fusable", lambda values: False):
                plain.append(cpu_per_value(arrays))
        f, p = statistics.median(fused), statistics.median(plain)
        print(f"| {name} | {f:.2f} | {p:.2f} | {p / f:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
