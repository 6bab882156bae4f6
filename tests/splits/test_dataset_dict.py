"""A datasets.DatasetDict (built locally, never from the hub) is scanned split by split."""

from __future__ import annotations

import numpy as np
import pytest

import labelcheck

datasets = pytest.importorskip("datasets")


def _dict() -> object:
    rng = np.random.default_rng(5)
    a, y = rng.random(300), rng.integers(0, 2, 300)
    train = {"a": a.tolist(), "text_len": rng.integers(1, 9, 300).tolist(), "label": y.tolist()}
    test = {
        "a": [*rng.random(40).tolist(), *a[:6].tolist()],
        "text_len": [*rng.integers(1, 9, 40).tolist(), *train["text_len"][:6]],
        "label": [*rng.integers(0, 2, 40).tolist(), *y[:6].tolist()],
    }
    return datasets.DatasetDict(
        {"train": datasets.Dataset.from_dict(train), "test": datasets.Dataset.from_dict(test)}
    )


def test_dataset_dict_split_by_split_against_train():
    dd = _dict()
    reports = labelcheck.scan_splits(dd)
    assert list(reports) == ["train", "test"]
    assert reports["test"].source == "DatasetDict[test]"
    (leak,) = reports["test"].by_code("LC303")
    assert leak.rows == 6 and leak.row_numbers == (40, 41, 42, 43, 44, 45)
    assert not reports["train"].by_code("LC303")
    # The same as scanning the test split with the train split as reference.
    alone = labelcheck.scan(dd["test"], reference=dd["train"])
    assert [(f.code, f.rows) for f in alone.findings] == [
        (f.code, f.rows) for f in reports["test"].findings
    ]


def test_a_filtered_dataset_is_scanned_as_filtered():
    dd = _dict()
    view = dd["train"].filter(lambda row: row["label"] == 1)
    report = labelcheck.scan(view)
    assert report.rows == sum(dd["train"]["label"])
    with pytest.raises(labelcheck.InputError, match="scan_splits"):
        labelcheck.scan(dd)
