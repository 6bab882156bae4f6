"""Benchmark an image-folder scan against the decode floor and cleanvision.

Generates class folders of photo-like 64x64 JPEGs (crops and resizes of a
synthetic photograph: 1/f noise in colour, the spectrum of natural images, with
edges and smooth regions; no download) and measures, in one run, every method
in its own fresh process: ``work`` is timed inside the child after its imports,
``wall`` is the whole process, ``peak RSS`` the child's own maximum resident
set (``os.wait4``; cleanvision, which starts worker processes, the sampled sum
over its process tree). Rounds are interleaved (every method once per round) so
that a busy machine slows all methods alike; the table shows medians.

    python bench/images.py                        # 20,000 images, 5 rounds
    python bench/images.py --images 3000 --repeat 3 --methods floor,scan
    python bench/images.py --venv /work/benchvenv # where cleanvision lives

cleanvision runs in its own virtual environment (``--venv``; created with
``pip install cleanvision`` when missing), never in labelcheck's. Peak RSS of
the scan is measured on the first 5,000 images (hard links) and on all of
them. Writes bench/results/images.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from run import tree_rss  # bench/ is the script's directory: on sys.path

HERE = Path(__file__).resolve().parent
CLASSES = 10
SIDE = 64
SMALL = 5_000

METHODS: dict[str, str] = {
    "floor": "decode floor: Pillow `open` + `load` of every file, thread pool on all cores",
    "scan": "labelcheck scan (library, local engine)",
    "scan_5k": f"labelcheck scan of the first {SMALL:,} images (peak RSS)",
    "cleanvision": "cleanvision `Imagelab(data_path).find_issues()`",
}


# ------------------------------------------------------------------ data
def photo(side: int = 1024, seed: int = 0):  # -> np.ndarray (side, side, 3) uint8
    """A synthetic photograph: colour 1/f noise (natural images' spectrum), a few hard edges."""
    import numpy as np

    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(side)[:, None]
    fx = np.fft.rfftfreq(side)[None, :]
    radius = np.hypot(fy, fx)
    radius[0, 0] = 1.0
    planes = []
    for _ in range(3):
        spectrum = rng.standard_normal(radius.shape) + 1j * rng.standard_normal(radius.shape)
        plane = np.fft.irfft2(spectrum / radius**1.1, s=(side, side))
        planes.append((plane - plane.mean()) / plane.std())
    mix = np.array([[0.8, 0.3, 0.1], [0.3, 0.8, 0.3], [0.1, 0.3, 0.8]])  # correlated channels
    img = np.stack(planes, -1) @ mix
    # Objects: discs and bars of flat colour with hard edges, as photos have.
    yy, xx = np.mgrid[:side, :side]
    for _ in range(60):
        cy, cx, r = [*rng.integers(0, side, 2).tolist(), int(rng.integers(10, side // 8))]
        inside = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
        img[inside] = img[inside] * 0.3 + rng.normal(0, 1.2, 3)
    img = (img - img.min()) / (img.max() - img.min())
    return (img * 255).astype(np.uint8)


def generate(images: int, root: Path, *, seed: int = 0) -> Path:
    """``root/class_k/NNNNNN.jpg``: ``images`` random crops (48..512 px) resized to 64x64,
    JPEG quality 90. Deterministic; skipped when ``root`` exists."""
    import numpy as np
    from PIL import Image

    if root.exists():
        return root
    rng = np.random.default_rng(seed)
    source = Image.fromarray(photo(seed=seed))
    side = source.size[0]
    tmp = root.with_name(root.name + ".tmp")
    for k in range(CLASSES):
        (tmp / f"class_{k}").mkdir(parents=True, exist_ok=True)
    for i in range(images):
        size = int(rng.integers(48, 512))
        x, y = (int(v) for v in rng.integers(0, side - size, 2))
        crop = source.crop((x, y, x + size, y + size)).resize((SIDE, SIDE), Image.BILINEAR)
        if rng.random() < 0.5:
            crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
        crop.save(tmp / f"class_{i % CLASSES}" / f"{i:06d}.jpg", quality=90)
    os.replace(tmp, root)
    return root


def subset(root: Path, images: int, out: Path) -> Path:
    """The first ``images`` files of ``root`` (by number), as hard links in ``out``."""
    if out.exists():
        return out
    tmp = out.with_name(out.name + ".tmp")
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        (tmp / folder.name).mkdir(parents=True, exist_ok=True)
        for f in folder.iterdir():
            if int(f.stem) < images:
                os.link(f, tmp / folder.name / f.name)
    os.replace(tmp, out)
    return out


def ensure_venv(venv: Path) -> Path:
    """A virtual environment holding cleanvision (not a labelcheck dependency)."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(python), "-c", "import cleanvision"], capture_output=True)
    if probe.returncode:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "cleanvision"], check=True)
    return python


# ---------------------------------------------------------- child: methods
def _files(root: str) -> list[str]:
    out = []
    for folder in sorted(os.scandir(root), key=lambda e: e.name):
        if folder.is_dir():
            out.extend(e.path for e in os.scandir(folder.path) if e.is_file())
    return out


def _floor(path: str) -> Iterator[None]:
    from concurrent.futures import ThreadPoolExecutor

    from PIL import Image

    def load(name: str) -> None:
        with Image.open(name) as im:
            im.load()

    yield
    # Listing the folder is part of the floor: the scan has to list it too.
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for _ in pool.map(load, _files(path), chunksize=64):
            pass


def _scan(path: str) -> Iterator[None]:
    import labelcheck
    import labelcheck.api
    import labelcheck.engines.local
    import labelcheck.report
    import labelcheck.rules
    import labelcheck.stats.image

    labelcheck.rules.catalogue()  # every rule module, imported before the clock
    labelcheck.stats.image.pillow()
    yield
    labelcheck.scan(path)


def _cleanvision(path: str) -> Iterator[None]:
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    from cleanvision import Imagelab

    yield
    with contextlib.redirect_stdout(sys.stderr):  # its progress text is not our JSON
        Imagelab(data_path=path).find_issues()


CHILDREN = {"floor": _floor, "scan": _scan, "scan_5k": _scan, "cleanvision": _cleanvision}


def child(method: str, path: str) -> None:
    steps = CHILDREN[method](path)
    next(steps)
    start, cpu = time.perf_counter(), time.process_time()
    next(steps, None)
    work, work_cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({"work": work, "work_cpu": work_cpu}))


# ---------------------------------------------------------------- parent
def run_once(cmd: list[str], *, tree: bool) -> dict[str, float]:
    """One fresh process: wall and work seconds, peak RSS MiB (own, or summed over its tree)."""
    peak = 0.0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if tree else 0)
            if pid:
                break
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if code != 0:
        tail = stderr.strip().splitlines()[-1:] or ["(no output)"]
        raise RuntimeError(f"exit {code}: {tail[0]}")
    timed = json.loads(stdout.strip().splitlines()[-1])
    rss = max(peak, usage.ru_maxrss / 1024)
    return {"wall": wall, "work": timed["work"], "work_cpu": timed["work_cpu"], "rss": rss}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--images", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5, help="rounds (median is reported)")
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset")
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--venv", type=Path, default=HERE / "data" / "cleanvision-venv")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "images.json")
    ap.add_argument("--child", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        ap.error(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")

    t = time.perf_counter()
    root = generate(args.images, args.data / f"images_{args.images}_{SIDE}px")
    small = subset(root, min(SMALL, args.images), args.data / f"images_{args.images}_first{SMALL}")
    print(f"data: {root} ({time.perf_counter() - t:.0f} s)", flush=True)
    pythons = {m: sys.executable for m in methods}
    if "cleanvision" in methods:
        pythons["cleanvision"] = str(ensure_venv(args.venv))
    me = str(Path(__file__).resolve())
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
    notes: dict[str, str] = {}
    load = list(os.getloadavg())
    for r in range(args.repeat):
        for m in methods:
            folder = small if m == "scan_5k" else root
            cmd = [pythons[m], me, "--child", m, str(folder)]
            try:
                runs[m].append(run_once(cmd, tree=m == "cleanvision"))
            except RuntimeError as exc:
                notes[m] = str(exc)[:300]
        print(
            f"round {r + 1}/{args.repeat}: "
            + str({m: round(runs[m][-1]["work"], 2) for m in methods if runs[m]}),
            flush=True,
        )
        payload = _payload(args, runs, notes, load, r + 1)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_name(args.out.name + ".tmp")
        tmp.write_text(json.dumps(payload, indent=2) + "\n")
        os.replace(tmp, args.out)
    print()
    print(table(payload))
    print(f"\nwritten: {args.out}")
    return 0


def _payload(args, runs, notes, load, rounds: int) -> dict:
    res = {}
    for m, rs in runs.items():
        if rs:
            res[m] = {
                "method": METHODS[m],
                **{k + "_s": statistics.median(x[k] for x in rs) for k in ("wall", "work")},
                "work_cpu_s": statistics.median(x["work_cpu"] for x in rs),
                "rss_mib": statistics.median(x["rss"] for x in rs),
                "runs": rs,
            }

    def ratio(a: str, b: str, key: str = "work_s") -> float | None:
        return res[a][key] / res[b][key] if a in res and b in res and res[b][key] else None

    checks = [
        ("scan <= 1.25x decode floor", ratio("scan", "floor"), lambda x: x <= 1.25),
        ("cleanvision >= 5x scan", ratio("cleanvision", "scan"), lambda x: x >= 5),
        (
            f"peak RSS {args.images:,} vs {SMALL:,} images <= +10%",
            ratio("scan", "scan_5k", "rss_mib"),
            lambda x: x <= 1.10,
        ),
    ]
    return {
        "command": "python bench/images.py " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "images": args.images,
        "side": SIDE,
        "repeat": rounds,
        "load_average": {"start": load, "end": list(os.getloadavg())},
        "results": res,
        "targets": [
            {"target": n, "ratio": x, "met": None if x is None else ok(x)} for n, x, ok in checks
        ],
        "notes": notes,
    }


def table(payload: dict) -> str:
    load = payload["load_average"]
    lines = [
        f"{payload['images']:,} JPEGs {SIDE}x{SIDE} in {CLASSES} class folders; "
        f"{payload['machine']['cpus']} cores; median of {payload['repeat']} fresh processes "
        f"per method; load average {load['start'][0]:.1f} at start, {load['end'][0]:.1f} at end",
        "",
        "| method | wall s | work s | work CPU s | peak RSS MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in payload["results"].values():
        lines.append(
            f"| {r['method']} | {r['wall_s']:.2f} | {r['work_s']:.2f} | {r['work_cpu_s']:.2f} "
            f"| {r['rss_mib']:.0f} |"
        )
    lines += ["", "| target | measured | met |", "|---|---:|:-:|"]
    for t in payload["targets"]:
        if t["ratio"] is not None:
            lines.append(f"| {t['target']} | {t['ratio']:.2f} | {'yes' if t['met'] else 'NO'} |")
    for m, note in payload["notes"].items():
        lines.append(f"\n{m}: {note}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
