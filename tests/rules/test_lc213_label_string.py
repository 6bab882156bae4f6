"""LC213 label-string: string or categorical labels need encoding."""

import pyarrow as pa
from lc_helpers import SAMPLE_DATA, codes, one

import labelcheck


def test_animal_names_in_jsonl():
    report = labelcheck.scan(SAMPLE_DATA / "string_labels.jsonl")
    finding = one(report, "LC213")
    assert finding.column == "label"
    assert finding.values == ("bird", "cat", "dog")
    assert finding.severity == "info"
    assert finding.fix == "reindex-labels"
    assert "3 classes" in finding.message
    assert report.task.task == "classification"


def test_dictionary_encoded_categories_from_pandas(rng):
    import pandas as pd

    df = pd.DataFrame({"x": rng.random(60), "y": pd.Categorical(["low", "high", "mid"] * 20)})
    finding = one(labelcheck.scan(df), "LC213")
    assert finding.values == ("high", "low", "mid")


def test_near_miss_integer_and_bool_labels(write, rng):
    X = rng.random((100, 2))
    assert "LC213" not in codes(labelcheck.scan((X, rng.integers(0, 3, 100))))
    table = pa.table({"x": rng.random(100), "y": rng.random(100) > 0.5})
    assert "LC213" not in codes(labelcheck.scan(write(table)))
