"""Peak memory of a scan must not grow with rows: scan a file and one 4x longer.

Both files have row groups of the same size (the 4x file has 4x as many), so
a streaming scan holds the same few row groups at a time; the target is a
peak RSS less than 10% higher on the 4x file. Each scan runs in a fresh
process (``bench/run.py`` children), median of ``--repeat`` runs.

    python bench/memory_scaling.py                  # 10M vs 40M rows (~1.1 and 4.4 GiB)
    python bench/memory_scaling.py --rows 1000000   # quick: 1M vs 4M rows

Writes bench/results/memory_scaling.json.
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

from run import HERE, bench_path, generate, run_once


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000, help="rows of the 1x file")
    ap.add_argument("--row-group-rows", type=int, default=1_000_000)
    ap.add_argument("--factor", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--methods", default="scan,floor")
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "memory_scaling.json")
    args = ap.parse_args(argv)

    sizes = {"1x": args.rows, f"{args.factor}x": args.rows * args.factor}
    files = {}
    for tag, rows in sizes.items():
        groups = max(1, rows // args.row_group_rows)
        t = time.perf_counter()
        files[tag] = generate(rows, bench_path(rows, groups, args.data), row_groups=groups)
        print(f"{tag}: {files[tag]} ({time.perf_counter() - t:.0f} s)", flush=True)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    scratch = Path(tempfile.mkdtemp(prefix="lcmem_"))
    results: dict[str, dict[str, dict]] = {m: {} for m in methods}
    try:
        for m in methods:
            for tag, path in files.items():
                runs = [run_once(m, path, scratch) for _ in range(args.repeat)]
                results[m][tag] = {
                    "rows": sizes[tag],
                    "bytes": path.stat().st_size,
                    "rss_mib": statistics.median(r["rss"] for r in runs),
                    "work_s": statistics.median(r["work"] for r in runs),
                    "runs": runs,
                }
                print(f"{m} {tag}: {results[m][tag]['rss_mib']:.0f} MiB", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    big = f"{args.factor}x"
    lines = ["| method | rows | file GiB | peak RSS MiB | work s |", "|---|---:|---:|---:|---:|"]
    for m in methods:
        for tag in sizes:
            r = results[m][tag]
            lines.append(
                f"| {m} | {r['rows']:,} | {r['bytes'] / 2**30:.2f} | {r['rss_mib']:.0f} "
                f"| {r['work_s']:.2f} |"
            )
    growth = {m: results[m][big]["rss_mib"] / results[m]["1x"]["rss_mib"] - 1 for m in methods}
    for m, g in growth.items():
        lines.append(f"\n{m}: peak RSS {g:+.1%} on the {big} file (target for scan: < +10%)")
    print("\n" + "\n".join(lines))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps({"results": results, "growth": growth}, indent=2) + "\n")
    os.replace(tmp, args.out)
    return 0 if growth.get("scan", 0.0) < 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
