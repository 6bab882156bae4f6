"""LC303 split-leakage: rows of a split that also occur in the reference split."""

import numpy as np
import pandas as pd
from lc_helpers import codes, one

import labelcheck


def test_planted_leak_is_counted_exactly(write, rng):
    train = pd.DataFrame({"a": rng.random(1000), "b": rng.integers(0, 9, 1000)})
    train["y"] = rng.integers(0, 3, 1000)
    test = pd.DataFrame({"a": rng.random(300), "b": rng.integers(0, 9, 300)})
    test["y"] = rng.integers(0, 3, 300)
    leaked_from = rng.choice(1000, 22, replace=False)
    test.iloc[:22] = train.iloc[leaked_from].to_numpy()
    test.loc[[0, 1], "y"] = (train.loc[leaked_from[:2], "y"].to_numpy() + 1) % 3
    tr = write({c: train[c].to_numpy() for c in train}, name="train")
    te = write({c: test[c].to_numpy() for c in test}, name="test")
    finding = one(labelcheck.scan(te, reference=tr), "LC303")
    assert finding.rows == 22 and finding.severity == "error"
    assert finding.row_numbers[:3] == (0, 1, 2)
    assert "22 of 300 rows (7.3%) also occur in the reference" in finding.message
    assert "(20 with the same label)" in finding.message
    assert str(tr) in finding.message


def test_compares_the_common_columns(write, rng):
    x = rng.random(100)
    tr = write({"a": x, "extra": rng.random(100), "y": np.arange(100) % 2}, name="train")
    te = write({"a": x[:10], "y": np.arange(10) % 2}, name="test")
    finding = one(labelcheck.scan(te, reference=tr), "LC303")
    assert finding.rows == 10


def test_near_miss_no_reference_and_disjoint_splits(write, rng):
    tr = write({"a": rng.random(100), "y": np.arange(100) % 2}, name="train")
    te = write({"a": rng.random(100), "y": np.arange(100) % 2}, name="test")
    assert "LC303" not in codes(labelcheck.scan(te))
    assert "LC303" not in codes(labelcheck.scan(te, reference=tr))
