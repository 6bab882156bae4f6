"""Law: any data passes the schema inferred from it (LC109 never fires; LC214 and LC204 fire
only on the class ids LC205 flags, which an inferred schema leaves out: issue 16 item 11)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import labelcheck
from labelcheck.schema import dump_schema, infer_schema, load_schema

FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)
LABELS = st.one_of(
    hnp.arrays(np.int64, st.integers(1, 40), elements=st.integers(-5, 10**6)),
    hnp.arrays(np.float64, st.integers(1, 40), elements=st.floats(-1e6, 1e6)),
    st.lists(st.sampled_from(["cat", "dog", "Ünïcode", "a b", "null"]), min_size=1, max_size=40),
)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), labels=LABELS)
def test_data_passes_its_own_inferred_schema(data, labels):
    n = len(labels)
    X = data.draw(hnp.arrays(np.float64, (n, 2), elements=FLOATS))
    with np.errstate(over="ignore"):  # float32 overflow to inf is part of the test
        X32 = X.astype(np.float32) if data.draw(st.booleans()) else X
    y = np.asarray(labels, dtype=object if isinstance(labels, list) else None)
    report = labelcheck.scan((X32, y))
    inferred = infer_schema(report)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_text(dump_schema(inferred, header="law"), encoding="utf-8")
        loaded = load_schema(path)  # valid against the JSON Schema, round-trips through YAML
        assert loaded.data == inferred
        again = labelcheck.scan((X32, y), schema=path)
    assert "LC109" not in {f.code for f in again.findings}
    outliers = {v for f in report.by_code("LC205") for v in f.values}
    for f in again.findings:
        if f.code in ("LC204", "LC214"):
            assert outliers and set(f.values) <= outliers, f.message
