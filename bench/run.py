"""Benchmark labelcheck against the decode floor and the tools a user might use instead.

Generates one Parquet file (default 10M rows x 32 float32 features + an int64
label, 10 row groups, snappy) and measures, in one run on that file, every
method in its own fresh process: ``work`` is timed inside the child after its
imports, ``wall`` is the whole process, ``peak RSS`` is the child's maximum
resident set (``os.wait4``; for the Dask engine, the sum over the process
tree, sampled). Runs are interleaved (every method once per round) so that a
noisy machine slows all methods alike; the table shows medians.

    python bench/run.py                       # full size, 10 rounds
    python bench/run.py --rows 1000000 --repeat 3
    python bench/run.py --methods floor,scan  # a subset

Writes bench/results/latest.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
FEATURES = 32
PIXEL_FEATURES = 8  # f0..f7 hold integers 0..255
NAN_FEATURES = (3, 9)

#: name -> what the table calls it. Order is the table's order.
METHODS: dict[str, str] = {
    "floor": "decode floor: `ParquetFile.read_row_group(i)` for every i",
    "read_table": "`pq.read_table` (all columns)",
    "scan": "labelcheck scan (library, local engine)",
    "scan_cols": "labelcheck scan, column checks only (no row checks)",
    "scan_numpy": "labelcheck scan without the compiled kernels (`LABELCHECK_NATIVE=0`)",
    "cli": "labelcheck scan (CLI, whole process)",
    "cli_html": "labelcheck scan --format html (CLI, whole process)",
    "polars": "polars streaming lazy scan, same column aggregates",
    "polars_rows": "polars streaming, column aggregates + duplicate rows",
    "duckdb": "DuckDB, one SQL query, same column aggregates",
    "duckdb_rows": "DuckDB, column aggregates + duplicate rows",
    "pandera": "pandera (pandas read + finite/not-null/in-range checks, lazy)",
    "pandas": "pandas (read_parquet + isna/isinf/describe/value_counts)",
    "fix": "labelcheck fix (CLI, whole process)",
    "rw": "`pq.read_table` + `pq.write_table`",
    "dask": "labelcheck scan, Dask engine, 2-worker LocalCluster",
}
#: Methods whose work time is the whole process (nothing to import first).
WHOLE_PROCESS = ("cli", "cli_html", "fix")


# ------------------------------------------------------------------ data
def bench_path(rows: int, row_groups: int, directory: Path) -> Path:
    return directory / f"bench_{rows}_{row_groups}rg.parquet"


def generate(rows: int, path: Path, *, row_groups: int = 10, seed: int = 0) -> Path:
    """Write ``rows`` x 32 float32 features + int64 ``label`` (snappy), one row group at a time.

    f0..f7 hold integers 0..255 (pixels), the others are normal with scales
    1..10^4; f3 and f9 get 3 NaN, one +Inf and one -Inf per row group; the
    labels are classes 0..9 with three 8000 outliers. Deterministic; skipped
    when the file exists.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = [f"f{i}" for i in range(FEATURES)]
    schema = pa.schema([*(pa.field(n, pa.float32()) for n in names), pa.field("label", pa.int64())])
    per_group = -(-rows // row_groups)
    tmp = path.with_name(path.name + ".tmp")
    with pq.ParquetWriter(tmp, schema, compression="snappy") as writer:
        for start in range(0, rows, per_group):
            n = min(per_group, rows - start)
            cols = []
            for i in range(FEATURES):
                if i < PIXEL_FEATURES:
                    col = rng.integers(0, 256, n).astype(np.float32)
                else:
                    col = rng.standard_normal(n, dtype=np.float32) * np.float32(10.0 ** (i % 5))
                    col += np.float32(i)
                if i in NAN_FEATURES and n > 10:
                    where = rng.choice(n, 5, replace=False)
                    col[where[:3]] = np.nan
                    col[where[3]] = np.inf
                    col[where[4]] = -np.inf
                cols.append(pa.array(col))
            label = rng.integers(0, 10, n).astype(np.int64)
            if start == 0 and n > 100:
                label[rng.choice(n, 3, replace=False)] = 8000
            cols.append(pa.array(label))
            writer.write_table(pa.Table.from_arrays(cols, schema=schema), row_group_size=n)
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------- child: methods
def _floor(path: str) -> Iterator[None]:
    import pyarrow.parquet as pq

    yield
    pf = pq.ParquetFile(path)
    for i in range(pf.num_row_groups):
        pf.read_row_group(i)


def _read_table(path: str) -> Iterator[None]:
    import pyarrow.parquet as pq

    yield
    pq.read_table(path)


def _scan(path: str) -> Iterator[None]:
    import labelcheck
    import labelcheck.api
    import labelcheck.engines.local

    yield
    labelcheck.scan(path)


def _no_row_checks() -> dict[str, object]:
    """The keyword that turns row checks off, when this build has row checks at all."""
    import inspect

    import labelcheck

    return (
        {"row_checks": False}
        if "row_checks" in inspect.signature(labelcheck.scan).parameters
        or any(s.name == "row_checks" for s in getattr(_options(), "SCAN_SETTINGS", ()))
        else {}
    )


def _options() -> object:
    """labelcheck.options (the table of scan keywords), or None in an older build."""
    try:
        return importlib.import_module("labelcheck.options")
    except ImportError:
        return None


def _scan_cols(path: str) -> Iterator[None]:
    import labelcheck
    import labelcheck.api
    import labelcheck.engines.local

    kwargs = _no_row_checks()
    yield
    labelcheck.scan(path, **kwargs)


def _scan_numpy(path: str) -> Iterator[None]:
    # The child runs with LABELCHECK_NATIVE=0 (see run_once): the numpy route.
    yield from _scan(path)


def _feature_names(path: str) -> list[str]:
    import pyarrow.parquet as pq

    return [n for n in pq.read_schema(path).names if n != "label"]


def _polars(path: str, *, rows: bool = False) -> Iterator[None]:
    import polars as pl

    names = _feature_names(path)
    yield
    aggs = []
    for n in names:
        c = pl.col(n)
        aggs += [
            c.null_count().alias(f"{n}_null"),
            c.is_nan().sum().alias(f"{n}_nan"),
            c.is_infinite().sum().alias(f"{n}_inf"),
            c.min().alias(f"{n}_min"),
            c.max().alias(f"{n}_max"),
            c.mean().alias(f"{n}_mean"),
            c.std().alias(f"{n}_std"),
        ]
    if rows:  # duplicate rows: rows minus distinct rows (all columns, the label included)
        aggs.append((pl.len() - pl.struct(pl.all()).n_unique()).alias("duplicate_rows"))
    lf = pl.scan_parquet(path)
    counts = lf.group_by("label").len()
    pl.collect_all([lf.select(aggs), counts], engine="streaming")


def _polars_rows(path: str) -> Iterator[None]:
    return _polars(path, rows=True)


def _duckdb(path: str, *, rows: bool = False) -> Iterator[None]:
    import duckdb

    names = _feature_names(path)
    yield
    parts = []
    for n in names:
        q = f'"{n}"'
        parts += [
            f"count(*) - count({q})",
            f"count_if(isnan({q}))",
            f"count_if(isinf({q}))",
            f"min({q})",
            f"max({q})",
            f"avg({q})",
            f"stddev_samp({q})",
        ]
    if rows:  # duplicate rows: rows minus distinct rows (all columns, the label included)
        every = ", ".join(f'"{n}"' for n in [*names, "label"])
        parts.append(f"count(*) - count(DISTINCT ({every}))")
    sql = f"SELECT {', '.join(parts)}, histogram(label) FROM read_parquet('{path}')"
    duckdb.sql(sql).fetchall()


def _duckdb_rows(path: str) -> Iterator[None]:
    return _duckdb(path, rows=True)


def _pandas(path: str) -> Iterator[None]:
    import numpy as np
    import pandas as pd

    yield
    df = pd.read_parquet(path)
    features = df.drop(columns="label")
    features.isna().sum()
    np.isinf(features).sum()
    df.describe()
    df["label"].value_counts()


def _pandera(path: str) -> Iterator[None]:
    import numpy as np
    import pandas as pd
    import pandera.pandas as pa

    names = _feature_names(path)
    yield
    df = pd.read_parquet(path)
    finite = pa.Check(lambda s: np.isfinite(s), name="finite")
    columns = {
        n: pa.Column("float32", checks=[finite, pa.Check.in_range(-1e6, 1e6)], nullable=False)
        for n in names
    }
    columns["label"] = pa.Column("int64", pa.Check.in_range(0, 9), nullable=False)
    # The file has NaN, Inf and label outliers on purpose: failures are expected.
    with contextlib.suppress(pa.errors.SchemaErrors):
        pa.DataFrameSchema(columns).validate(df, lazy=True)


def _rw(path: str) -> Iterator[None]:
    import pyarrow.parquet as pq

    out = Path(tempfile.mkdtemp(prefix="lcbench_")) / "rw.parquet"
    yield
    pq.write_table(pq.read_table(path), out, compression="snappy")
    yield
    shutil.rmtree(out.parent, ignore_errors=True)


def _dask(path: str) -> Iterator[None]:
    from distributed import Client, LocalCluster

    import labelcheck

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        # Workers import labelcheck before the clock starts, as the other children do.
        client.run(importlib.import_module, "labelcheck.engines.dask")
        yield
        labelcheck.scan(path, engine="dask", scheduler=client)
        yield


CHILDREN = {
    "floor": _floor,
    "read_table": _read_table,
    "scan": _scan,
    "scan_cols": _scan_cols,
    "scan_numpy": _scan_numpy,
    "polars": _polars,
    "polars_rows": _polars_rows,
    "duckdb": _duckdb,
    "duckdb_rows": _duckdb_rows,
    "pandas": _pandas,
    "pandera": _pandera,
    "rw": _rw,
    "dask": _dask,
}


def child(method: str, path: str) -> None:
    """Run one method in this (fresh) process; print its work time as JSON."""
    steps = CHILDREN[method](path)
    next(steps)  # imports and set-up
    start, cpu = time.perf_counter(), time.process_time()
    next(steps, None)  # the work, up to a second yield (before clean-up) or the end
    work, work_cpu = time.perf_counter() - start, time.process_time() - cpu
    for _ in steps:  # clean-up, not timed
        pass
    print(json.dumps({"work": work, "work_cpu": work_cpu}))


# ---------------------------------------------------------------- parent
def labelcheck_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("labelcheck")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "labelcheck"]


def fix_available() -> bool:
    try:
        proc = subprocess.run(
            [*labelcheck_cmd(), "fix", "--help"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def command(method: str, path: Path, scratch: Path) -> list[str]:
    if method == "cli":
        return [*labelcheck_cmd(), "scan", str(path), "--format", "json", "-o", os.devnull]
    if method == "cli_html":
        out = scratch / "report.html"
        return [*labelcheck_cmd(), "scan", str(path), "--format", "html", "-o", str(out)]
    if method == "fix":
        out = scratch / "fixed.parquet"
        return [*labelcheck_cmd(), "fix", str(path), "-o", str(out), "--force"]
    return [sys.executable, str(Path(__file__).resolve()), "--child", method, str(path)]


def run_once(method: str, path: Path, scratch: Path) -> dict[str, float]:
    """One fresh process: wall and work seconds, peak RSS in MiB.

    The child is reaped with ``os.wait4``, whose rusage is that child's own
    peak RSS (``RUSAGE_CHILDREN`` would be a running maximum over all runs).
    The Dask engine runs in several processes: its peak is the sampled sum.
    """
    cmd = command(method, path, scratch)
    tree = method == "dask"
    peak_tree = 0.0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        env = {**os.environ, "LABELCHECK_NATIVE": "0"} if method == "scan_numpy" else None
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, env=env)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if tree else 0)
            if pid:
                break
            peak_tree = max(peak_tree, tree_rss(proc.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    ok = proc.returncode == 0 or (method in ("cli", "cli_html", "fix") and proc.returncode == 1)
    if not ok:
        tail = stderr.strip().splitlines()[-1:] or ["(no output)"]
        raise RuntimeError(f"{method} failed (exit {proc.returncode}): {tail[0]}")
    rss = max(peak_tree, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux
    # CPU seconds of the child (and the descendants it reaped): less sensitive than
    # wall time to other load on the machine, though it includes imports.
    cpu = usage.ru_utime + usage.ru_stime
    if method in WHOLE_PROCESS:
        work, work_cpu = wall, cpu
    else:
        timed = json.loads(stdout.strip().splitlines()[-1])
        work, work_cpu = timed["work"], timed["work_cpu"]
    # work_cpu: the process's CPU seconds during the work only (all its threads; for
    # the Dask engine, the client's alone). On a busy machine its ratios are steadier.
    return {"wall": wall, "work": work, "rss": rss, "cpu": cpu, "work_cpu": work_cpu}


def tree_rss(pid: int) -> float:
    """Summed RSS of a process and its descendants, MiB."""
    import psutil

    total = 0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--row-groups", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=10, help="rounds (median is reported)")
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset")
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    ap.add_argument("--child", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        ap.error(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
    notes: dict[str, str] = {}
    if "fix" in methods and not fix_available():
        methods.remove("fix")
        notes["fix"] = "skipped: `labelcheck fix` is not available in this build"
    if "dask" in methods:
        try:
            import distributed  # noqa: F401
        except ImportError:
            methods.remove("dask")
            notes["dask"] = "skipped: dask[distributed] is not installed"

    t = time.perf_counter()
    path = generate(
        args.rows, bench_path(args.rows, args.row_groups, args.data), row_groups=args.row_groups
    )
    print(f"data: {path} ({path.stat().st_size / 2**30:.2f} GiB, {time.perf_counter() - t:.0f} s)")
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
    load = list(os.getloadavg())
    payload: dict = {}
    scratch = Path(tempfile.mkdtemp(prefix="lcbench_"))
    try:
        for r in range(args.repeat):
            for m in methods:
                try:
                    runs[m].append(run_once(m, path, scratch))
                except RuntimeError as exc:
                    notes[m] = str(exc).splitlines()[0][:300]
            done = {m: round(runs[m][-1]["work"], 3) for m in methods if runs[m]}
            print(f"round {r + 1}/{args.repeat}: {done}", flush=True)
            payload = _payload(args, argv, path, runs, notes, rounds=r + 1, load=load)
            _write(args.out, payload)  # after every round: a long run leaves partial results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print()
    print(table(payload))
    print(f"\nwritten: {args.out}")
    return 0


def _write(out: Path, payload: dict) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    os.replace(tmp, out)


def _payload(args, argv, path: Path, runs: dict, notes: dict, *, rounds: int, load) -> dict:
    results = summarise(runs)
    return {
        "command": "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "versions": _versions(),
        },
        "file": {
            "path": path.name,  # the file's name only: no machine's directories in results
            "rows": args.rows,
            "row_groups": args.row_groups,
            "bytes": path.stat().st_size,
        },
        "repeat": rounds,
        "load_average": {"start": load, "end": list(os.getloadavg())},
        "results": results,
        "targets": targets(results),
        "notes": notes,
    }


def summarise(runs: dict[str, list[dict[str, float]]]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for m, rs in runs.items():
        if not rs:
            continue
        out[m] = {
            "method": METHODS[m],
            "wall_s": statistics.median(r["wall"] for r in rs),
            "work_s": statistics.median(r["work"] for r in rs),
            "rss_mib": statistics.median(r["rss"] for r in rs),
            "cpu_s": statistics.median(r["cpu"] for r in rs),
            "work_cpu_s": statistics.median(r["work_cpu"] for r in rs),
            "runs": rs,
        }
    floor = out.get("floor", {}).get("work_s")
    floor_cpu = out.get("floor", {}).get("work_cpu_s")
    for row in out.values():
        row["x_floor"] = row["work_s"] / floor if floor else None
        row["cpu_x_floor"] = row["work_cpu_s"] / floor_cpu if floor_cpu else None
    return out


def targets(res: dict[str, dict]) -> list[dict]:
    """The issue's targets, each with the measured ratio and whether it is met."""

    def ratio(a: str, b: str, key: str = "work_s") -> float | None:
        if a in res and b in res and res[b][key]:
            return res[a][key] / res[b][key]
        return None

    # (name, numerator, denominator, key, test); time ratios are on work seconds.
    checks = [
        ("default scan work <= 1.35x decode floor", "scan", "floor", "work_s", _le(1.35)),
        (
            "scan, column checks only, <= 1.2x decode floor",
            "scan_cols",
            "floor",
            "work_s",
            _le(1.2),
        ),
        (
            "row checks: default scan <= 1.25x column-only scan",
            "scan",
            "scan_cols",
            "work_s",
            _le(1.25),
        ),
        ("polars + duplicate rows >= 1.5x default scan", "polars_rows", "scan", "work_s", _ge(1.5)),
        ("DuckDB + duplicate rows >= 1.5x default scan", "duckdb_rows", "scan", "work_s", _ge(1.5)),
        ("polars (columns) >= 1.5x column-only scan", "polars", "scan_cols", "work_s", _ge(1.5)),
        ("DuckDB (columns) >= 1.5x column-only scan", "duckdb", "scan_cols", "work_s", _ge(1.5)),
        ("scan RSS <= 1/4 read_table RSS", "scan", "read_table", "rss_mib", _le(0.25)),
        ("pandera work >= 7x scan", "pandera", "scan", "work_s", _ge(7)),
        ("pandas work >= 12x scan", "pandas", "scan", "work_s", _ge(12)),
        ("fix <= 1.5x read_table+write_table", "fix", "rw", "work_s", _le(1.5)),
        ("compiled kernels: numpy route / default scan", "scan_numpy", "scan", "work_s", _ge(1)),
        ("Dask work <= 1.5x local scan", "dask", "scan", "work_s", _le(1.5)),
        ("scan --format html <= 1.05x --format json", "cli_html", "cli", "work_s", _le(1.05)),
    ]
    out = []
    for name, a, b, key, ok in checks:
        r = ratio(a, b, key)
        # The same ratio in CPU seconds of the work: steadier on a busy machine.
        cpu = ratio(a, b, "work_cpu_s") if key == "work_s" else None
        out.append(
            {"target": name, "ratio": r, "cpu_ratio": cpu, "met": None if r is None else ok(r)}
        )
    return out


def _le(limit: float) -> Callable[[float], bool]:
    return lambda r: r <= limit


def _ge(limit: float) -> Callable[[float], bool]:
    return lambda r: r >= limit


def table(payload: dict) -> str:
    res = payload["results"]
    f = payload["file"]
    load = payload["load_average"]
    lines = [
        f"{f['rows']:,} rows x {FEATURES} float32 + int64 label, {f['row_groups']} row groups, "
        f"{f['bytes'] / 2**30:.2f} GiB snappy; {payload['machine']['cpus']} cores; "
        f"median of {payload['repeat']} fresh processes per method; load average "
        f"{load['start'][0]:.1f} at start, {load['end'][0]:.1f} at end",
        "",
        "| method | wall s | work s | CPU s | work CPU s | peak RSS MiB | x decode floor "
        "| work CPU x floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in METHODS:
        if m not in res:
            continue
        r = res[m]
        x = "" if r["x_floor"] is None else f"{r['x_floor']:.2f}"
        xc = "" if r["cpu_x_floor"] is None else f"{r['cpu_x_floor']:.2f}"
        lines.append(
            f"| {r['method']} | {r['wall_s']:.2f} | {r['work_s']:.2f} | {r['cpu_s']:.2f} "
            f"| {r['work_cpu_s']:.2f} | {r['rss_mib']:.0f} | {x} | {xc} |"
        )
    lines += ["", "| target | measured | in CPU s | met |", "|---|---:|---:|:-:|"]
    for t in payload["targets"]:
        if t["ratio"] is not None:
            cpu = "" if t.get("cpu_ratio") is None else f"{t['cpu_ratio']:.2f}"
            met = "yes" if t["met"] else "NO"
            lines.append(f"| {t['target']} | {t['ratio']:.2f} | {cpu} | {met} |")
    for m, note in payload["notes"].items():
        lines.append(f"\n{m}: {note}")
    return "\n".join(lines)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("labelcheck", "pyarrow", "numpy", "pandas", "pandera", "polars", "duckdb", "dask"):
        with contextlib.suppress(PackageNotFoundError):
            out[pkg] = version(pkg)
    return out


if __name__ == "__main__":
    sys.exit(main())
