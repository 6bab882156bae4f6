"""LC302 prints text labels as themselves, however many distinct labels there are.

Past 10,000 distinct text labels the labels used to be forgotten and printed as
the floats their hash keys' bits spell (``label=4.178e-300``). Expected groups
come from pandas (feature rows with more than one distinct label).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelcheck.stats import rows
from labelcheck.stats.rows import LABEL_NOT_KEPT, LabelTexts, RowStats


def _scan(path: Path, native: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "labelcheck", "scan", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "LABELCHECK_NATIVE": native},
    )
    assert out.returncode in (0, 1) and out.stderr == "", out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("native", ["1", "0"])
def test_conflicts_among_many_text_labels_print_the_labels(tmp_path: Path, native: str):
    rng = np.random.default_rng(11)
    n = 60_000
    labels = np.array([f"person_{i:06d}" for i in rng.permutation(n // 2)] * 2, dtype=object)
    x = rng.random(n)
    planted = [(5, 40_000), (123, 59_999), (7_000, 7_001)]
    for i, j in planted:
        x[j] = x[i]
        labels[j] = f"other_{j}"
    pq.write_table(pa.table({"x": x, "label": labels.tolist()}), tmp_path / "d.parquet")
    df = pd.DataFrame({"x": x, "label": labels})
    per_row = df.groupby("x")["label"].nunique()
    expected_groups = int((per_row > 1).sum())
    assert expected_groups == 3 and df["label"].nunique() > 10_000
    report = _scan(tmp_path / "d.parquet", native)
    (lc302,) = [f for f in report["findings"] if f["code"] == "LC302"]
    assert lc302["groups"] == expected_groups
    shown = re.findall(r"label=('[^']*'|[^)]*)\)", lc302["message"])
    first = planted[0]
    assert shown == [repr(labels[first[0]]), repr(labels[first[1]])]
    assert "could not all be confirmed" not in lc302["message"]


def test_two_labels_with_one_key_are_caught_among_many():
    """Keys forced to collide (every label keyed by its length): not confirmed."""
    acc = RowStats(("x",), "y")

    def by_length(array):
        import pyarrow.compute as pc

        return np.asarray(pc.utf8_length(array).to_pylist(), dtype=np.uint64) + np.uint64(7)

    with mock.patch.object(rows, "label_keys", by_length):
        texts = LabelTexts()
        for start in range(0, 30_000, 5_000):
            texts.add(pa.array([f"{i:06d}" for i in range(start, start + 5_000)]))
    assert not texts.confirmed
    acc.update(pa.record_batch({"x": [1.0, 2.0], "y": ["a", "b"]}), 0)
    assert acc.summary().labels_confirmed  # real keys: no collision


def test_labels_past_the_budget_print_as_unknown_never_as_numbers():
    with mock.patch.object(rows, "LABEL_TEXT_BYTES", 2_000):
        acc = RowStats(("x",), "y")
        acc.update(pa.record_batch({"x": [1.0] * 3, "y": ["a", "b", "c"]}), 0)
        many = [f"label-{i}" for i in range(1_000)]
        acc.update(pa.record_batch({"x": [2.0, 2.0, *range(3, 1_001)], "y": many}), 1)
        summary = acc.summary()
    assert not summary.labels_confirmed
    seen = {summary.label_of(k) for k in summary.conflicts.lab.tolist()}
    assert {"a", "b", "c"} <= seen
    assert seen - {"a", "b", "c"} <= {"label-0", "label-1", LABEL_NOT_KEPT}
    assert not any(isinstance(v, float) for v in seen)


def test_merged_accumulators_keep_every_label():
    """Threads' accumulators merge their labels (overlapping and new ones)."""
    parts = []
    for unit in range(3):
        acc = RowStats(("x",), "y")
        ys = [f"c{(unit * 7_000 + i) % 15_000}" for i in range(8_000)]
        xs = np.arange(8_000, dtype=float) + unit * 8_000
        if unit == 2:
            xs[0] = 0.0  # the first row of unit 0: labels c0 (unit 0) and c14000 (unit 2)
        acc.update(pa.record_batch({"x": xs, "y": ys}), unit)
        parts.append(acc)
    merged = parts[0].merge(parts[1])
    merged.absorb(parts[2])
    summary = merged.summary()
    assert summary.labels_confirmed
    assert sorted(summary.label_of(k) for k in summary.conflicts.lab.tolist()) == [
        "c0",
        "c14000",
    ]
