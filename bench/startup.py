"""Start-up: a whole-process scan of a small file against ``import pyarrow.parquet``.

The target (project brief): ``labelcheck scan sample_data/classic.parquet``, the whole
process, within 2.0x ``python -c "import pyarrow.parquet"`` — the fixed cost a user pays
on every CI run or pre-commit hook, with the work itself a few milliseconds.

Methods, each run in a fresh process, rounds interleaved (every method once a round, so a
busy machine slows them alike), medians of the wall and the CPU times (the target is for
wall time; CPU time, user + system, is less disturbed by other load):

- ``python``: ``python -c pass`` (the interpreter alone, informational);
- ``pyarrow``: ``python -c "import pyarrow.parquet"`` (the reference);
- ``import``: ``python -c "import labelcheck"`` (informational);
- ``scan``: the ``labelcheck`` entry point, ``scan FILE`` (text report to stdout);
- ``scan@NAME``: the same with ``PYTHONPATH`` set to another checkout (``--tree
  NAME=PATH``), to compare branches in one run.

    python bench/startup.py                                  # 21 rounds
    python bench/startup.py --tree base=/tmp/base --rounds 31
    python bench/startup.py --importtime                     # and the slowest imports of a scan

Results (every run, the medians, the ratios, the load average before and after) go to
``bench/results/startup.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "classic.parquet"
RESULTS = Path(__file__).parent / "results" / "startup.json"
TARGET = 2.0
#: Where the children cache their bytecode (None: as the environment says).
CACHE: Path | None = None
_SCRIPT = Path(sys.executable).with_name("labelcheck")  # the installed entry point
ENTRY = (
    [sys.executable, str(_SCRIPT)]
    if _SCRIPT.is_file()
    else [
        sys.executable,
        "-P",
        "-c",
        "import sys; from labelcheck.cli import main; sys.exit(main())",
    ]
)


def commands(sample: Path, trees: dict[str, Path]) -> dict[str, tuple[list[str], Path | None]]:
    """Each method's command line and the checkout its ``PYTHONPATH`` points at."""
    scan = [*ENTRY, "scan", str(sample)]
    out: dict[str, tuple[list[str], Path | None]] = {
        "python": ([sys.executable, "-c", "pass"], None),
        "pyarrow": ([sys.executable, "-c", "import pyarrow.parquet"], None),
        # -P: the checkout is the one PYTHONPATH names, not the working directory's
        "import": ([sys.executable, "-P", "-c", "import labelcheck"], ROOT),
        "scan": (scan, ROOT),
    }
    for name, path in trees.items():
        out[f"scan@{name}"] = (scan, path)
    return out


def child_env(tree: Path | None) -> dict[str, str]:
    """The environment of a run: ``PYTHONPATH`` at ``tree``, and compiled bytecode cached
    as an installed package has it (``PYTHONDONTWRITEBYTECODE`` would compile every
    module of a source checkout on every run), in a cache of its own, so the checkouts
    measured are never written to."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    if CACHE is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(CACHE)
    return env


def run_once(argv: list[str], tree: Path | None) -> tuple[float, float]:
    """(wall, CPU) seconds of one process: CPU time (user + system, ``os.wait4``) is
    less disturbed by other load on the machine than wall time."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, env=child_env(tree), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):  # 1: the sample has findings
            err.seek(0)
            message = err.read().decode(errors="replace")
            raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{message}")
    return wall, usage.ru_utime + usage.ru_stime


def importtime(sample: Path, top: int) -> list[tuple[float, str]]:
    """The slowest imports of one scan (cumulative microseconds, ``-X importtime``)."""
    env = child_env(ROOT)
    argv = [sys.executable, "-X", "importtime", *ENTRY[1:], "scan", str(sample)]
    proc = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        rows.append((int(cumulative) / 1e6, name.rstrip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--tree", action="append", default=[], help="NAME=PATH, repeatable")
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep the environment's PYTHONDONTWRITEBYTECODE (every module compiled each run)",
    )
    args = parser.parse_args()
    global CACHE
    if not args.no_bytecode_cache:
        CACHE = Path(tempfile.mkdtemp(prefix="labelcheck-startup-pyc-"))
    trees = {}
    for spec in args.tree:
        name, _, path = spec.partition("=")
        trees[name] = Path(path).resolve()
    methods = commands(args.sample, trees)

    for argv, tree in methods.values():  # warm the page cache and .pyc files
        run_once(argv, tree)
    load = list(os.getloadavg())
    runs: dict[str, list[float]] = {m: [] for m in methods}
    cpu: dict[str, list[float]] = {m: [] for m in methods}
    for _ in range(args.rounds):
        for name, (argv, tree) in methods.items():
            wall, used = run_once(argv, tree)
            runs[name].append(wall)
            cpu[name].append(used)
    load_end = list(os.getloadavg())

    medians = {m: statistics.median(v) for m, v in runs.items()}
    cpu_medians = {m: statistics.median(v) for m, v in cpu.items()}
    ref, cpu_ref = medians["pyarrow"], cpu_medians["pyarrow"]
    ratios = {m: medians[m] / ref for m in methods if m.startswith("scan")}
    cpu_ratios = {m: cpu_medians[m] / cpu_ref for m in methods if m.startswith("scan")}
    cached = "bytecode cached" if CACHE is not None else "no bytecode cache"
    print(
        f"load average {load[0]:.2f} -> {load_end[0]:.2f}; {args.rounds} rounds; {cached}; medians"
    )
    print("| method | wall s | x pyarrow.parquet | CPU s | x pyarrow.parquet |")
    print("|---|---:|---:|---:|---:|")
    for m in methods:
        print(
            f"| {m} | {medians[m]:.3f} | {medians[m] / ref:.2f} | {cpu_medians[m]:.3f} | "
            f"{cpu_medians[m] / cpu_ref:.2f} |"
        )
    verdict = "met" if ratios["scan"] <= TARGET else "MISSED"
    print(
        f"target: scan within {TARGET}x import pyarrow.parquet (wall): {ratios['scan']:.2f}x "
        f"{verdict} (CPU: {cpu_ratios['scan']:.2f}x)"
    )

    slowest = importtime(args.sample, 25) if args.importtime else []
    if slowest:
        print("\nslowest imports of a scan (cumulative s):")
        for seconds, name in slowest:
            print(f"{seconds:8.3f}  {name}")

    result = {
        "sample": str(args.sample),
        "rounds": args.rounds,
        "load_average": {"start": load, "end": load_end},
        "python": sys.version.split()[0],
        "bytecode_cache": CACHE is not None,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "trees": {"scan": str(ROOT), **{f"scan@{k}": str(v) for k, v in trees.items()}},
        "median_s": medians,
        "ratio_to_pyarrow": ratios,
        "cpu_median_s": cpu_medians,
        "cpu_ratio_to_pyarrow": cpu_ratios,
        "target": TARGET,
        "runs_s": runs,
        "cpu_runs_s": cpu,
        "importtime_s": [[s, n] for s, n in slowest],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)
    if CACHE is not None:
        shutil.rmtree(CACHE, ignore_errors=True)


if __name__ == "__main__":
    main()
