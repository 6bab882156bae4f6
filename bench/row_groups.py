"""The cost of a row group must not grow with the row groups: files of 1,000 to 10,000.

Writers choose the row groups (one per ``write_table`` call, one per streamed
batch): files of thousands of tiny groups are common. A footer describes every
row group, so a reader that parsed it again for each group read made a scan or
a fix quadratic in them (issue 16: 3,000 one-row groups took 4.6 minutes).
This scans (and fixes) files of the same row-group size and more and more row
groups, each method in a fresh process (``bench/run.py`` children), rounds
interleaved, and reports the work per row group: flat means linear.

    python bench/row_groups.py                            # 1,000 .. 10,000 groups of 10 rows
    python bench/row_groups.py --groups 1000,2000 --repeat 1 --methods floor,scan

Writes bench/results/row_groups.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HERE, METHODS, _versions, run_once

FEATURES = 8


def generate(groups: int, rows_per_group: int, directory: Path, seed: int = 0) -> Path:
    """``groups`` row groups of ``rows_per_group`` rows: 8 float32 features (f0 with a NaN
    every 97 rows, f1 integers 0..9) + an int64 ``label``, a copy of an earlier row in
    every 50th group. Deterministic; skipped when the file exists."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = directory / f"row_groups_{groups}x{rows_per_group}.parquet"
    if path.exists():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = groups * rows_per_group
    cols = {f"f{i}": rng.standard_normal(n, dtype=np.float32) for i in range(FEATURES)}
    cols["f0"][::97] = np.nan
    cols["f1"] = rng.integers(0, 10, n).astype(np.float32)
    cols["label"] = rng.integers(0, 10, n).astype(np.int64)
    table = pa.table(cols)
    copies = np.arange(50 * rows_per_group, n, 50 * rows_per_group)  # first row of a group
    take = np.arange(n)
    take[copies] = copies - rows_per_group * 7  # the same row as one 7 groups earlier
    table = table.take(pa.array(take))
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, row_group_size=rows_per_group, compression="snappy")
    os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--groups", default="1000,2000,5000,10000", help="row groups per file")
    ap.add_argument("--rows-per-group", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3, help="rounds (median is reported)")
    ap.add_argument("--methods", default="floor,scan,fix")
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "row_groups.json")
    args = ap.parse_args(argv)

    sizes = [int(g) for g in args.groups.split(",")]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    files = {g: generate(g, args.rows_per_group, args.data) for g in sizes}
    load = list(os.getloadavg())
    runs: dict[str, dict[int, list[dict[str, float]]]] = {
        m: {g: [] for g in sizes} for m in methods
    }
    scratch = Path(tempfile.mkdtemp(prefix="lcrg_"))
    try:
        for r in range(args.repeat):
            for g in sizes:  # interleaved: a busy spell slows every size and method alike
                for m in methods:
                    runs[m][g].append(run_once(m, files[g], scratch))
            print(f"round {r + 1}/{args.repeat} done", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    load_end = list(os.getloadavg())

    results: dict[str, dict[str, dict]] = {}
    for m in methods:
        results[m] = {}
        for g in sizes:
            work = statistics.median(x["work"] for x in runs[m][g])
            results[m][str(g)] = {
                "work_s": work,
                "work_cpu_s": statistics.median(x["work_cpu"] for x in runs[m][g]),
                "us_per_group": work / g * 1e6,
                "runs": runs[m][g],
            }
        base = results[m][str(sizes[0])]["us_per_group"]
        for g in sizes:
            results[m][str(g)]["per_group_x_smallest"] = results[m][str(g)]["us_per_group"] / base
    lines = [
        f"row groups of {args.rows_per_group} rows, {FEATURES} float32 features + int64 label; "
        f"{os.cpu_count()} cores; median of {args.repeat} fresh processes per method and "
        f"size; load average {load[0]:.1f} at start, {load_end[0]:.1f} at end",
        "",
        "| method | row groups | work s | µs per row group | per group x "
        f"{sizes[0]:,} groups | x decode floor |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in methods:
        for g in sizes:
            r = results[m][str(g)]
            floor = results.get("floor", {}).get(str(g), {}).get("work_s")
            x = f"{r['work_s'] / floor:.2f}" if floor else ""
            lines.append(
                f"| {m} | {g:,} | {r['work_s']:.2f} | {r['us_per_group']:.0f} "
                f"| {r['per_group_x_smallest']:.2f} | {x} |"
            )
    print("\n" + "\n".join(lines))
    payload = {
        "command": "python bench/row_groups.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "versions": _versions()},
        "rows_per_group": args.rows_per_group,
        "methods": {m: METHODS[m] for m in methods},
        "load_average": {"start": load, "end": load_end},
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    os.replace(tmp, args.out)
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
