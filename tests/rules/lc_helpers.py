"""Helpers for the rule tests (imported as ``lc_helpers``; fixtures live in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.feather as feather
import pyarrow.parquet as pq

import labelcheck
from labelcheck.report import Report
from labelcheck.rules.base import Finding

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"


def write_data(directory: Path, data: Any, fmt: str = "parquet", name: str = "data") -> Path:
    """Write ``data`` (a dict of columns, a pyarrow Table, or an (X, y) pair for npz) to a file."""
    if fmt == "npz":
        X, y = data
        path = directory / f"{name}.npz"
        np.savez(path, X=X, y=y)
        return path
    table = data if isinstance(data, pa.Table) else pa.table(data)
    if fmt == "parquet":
        path = directory / f"{name}.parquet"
        pq.write_table(table, path)
    elif fmt == "csv":
        path = directory / f"{name}.csv"
        pcsv.write_csv(table, path)
    elif fmt == "feather":
        path = directory / f"{name}.feather"
        feather.write_feather(table, path)
    elif fmt == "jsonl":
        path = directory / f"{name}.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for row in table.to_pylist():
                fh.write(json.dumps(row) + "\n")
    else:  # pragma: no cover - a typo in a test
        raise ValueError(fmt)
    return path


def one(report: Report, code: str) -> Finding:
    """The single finding of ``code`` in ``report`` (fails with the findings listed)."""
    found = report.by_code(code)
    listed = [(f.code, f.message) for f in report.findings]
    assert len(found) == 1, f"expected one {code}, got {listed}"
    return found[0]


def codes(report: Report) -> set[str]:
    return {f.code for f in report.findings}


def scan(source: Any, **kwargs: Any) -> Report:
    return labelcheck.scan(source, **kwargs)


def write_image(path: Path, pixels: Any = None, *, mode: str = "RGB", size: int = 16, **save: Any):
    """A real image file written with Pillow (random pixels unless given); returns its path."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    if pixels is None:
        rng = np.random.default_rng(abs(hash(str(path))) % 2**32)
        shape = (size, size) if mode in ("L", "P") else (size, size, len(mode))
        pixels = rng.integers(0, 256, shape, dtype=np.uint8)
    Image.fromarray(np.asarray(pixels, dtype=np.uint8), mode=None).convert(mode).save(path, **save)
    return path


def scan_cli(path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """``labelcheck scan PATH --format json`` through the real CLI: (exit code, report)."""
    from typer.testing import CliRunner

    from labelcheck.cli import app

    result = CliRunner().invoke(app, ["scan", str(path), "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def cli_codes(report: dict[str, Any]) -> list[str]:
    return [f["code"] for f in report["findings"]]
