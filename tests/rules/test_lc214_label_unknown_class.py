"""LC214 label-unknown-class: a class id or name not in the schema's `classes`."""

import numpy as np
import pyarrow as pa
from lc_helpers import codes, one

import labelcheck


def test_a_new_integer_class(write, rng):
    y = np.r_[np.arange(300) % 3, [7, 7, 9]]
    data = {"x": rng.random(303), "y": y}
    report = labelcheck.scan(write(data), schema={"version": 1, "classes": [0, 1, 2]})
    finding = one(report, "LC214")
    assert finding.column == "y"
    assert finding.severity == "error"
    assert finding.rows == 3
    assert finding.values == (7, 9)  # commonest first
    assert finding.message == (
        "3 rows with 2 classes not in the schema's classes [0, 1, 2]: 7 (2 rows), 9 (1 row)"
    )


def test_string_names_typos_and_new_classes(write, rng):
    names = ["cat", "dog", "bird"] * 100 + ["Dog", "fish", "fish"]
    report = labelcheck.scan(
        write({"x": rng.random(303), "label": names}, fmt="jsonl"),
        schema={"version": 1, "label": "label", "classes": ["cat", "dog", "bird"]},
    )
    finding = one(report, "LC214")
    assert finding.rows == 3
    assert finding.values == ("fish", "Dog")
    assert "'fish' (2 rows), 'Dog' (1 row)" in finding.message


def test_ids_declared_as_numbers_match_ids_stored_as_text(write, rng):
    labels = pa.array([str(i % 3) for i in range(60)] + ["5"])
    table = pa.table({"x": rng.random(61), "y": labels})
    report = labelcheck.scan(write(table), schema={"version": 1, "classes": [0, 1, 2]})
    assert one(report, "LC214").values == ("5",)


def test_near_miss_every_label_known_and_ignore_index(write, rng):
    y = np.r_[np.arange(300) % 3, [-100, -100]]
    path = write({"x": rng.random(302), "y": y})
    schema = {"version": 1, "classes": [0, 1, 2], "ignore_index": -100}
    assert "LC214" not in codes(labelcheck.scan(path, schema=schema))
    # Float-typed labels 0.0/1.0/2.0 are the same ids.
    floats = write({"x": rng.random(300), "y": (np.arange(300) % 3).astype(float)}, name="f")
    assert "LC214" not in codes(
        labelcheck.scan(floats, schema={"version": 1, "classes": [0, 1, 2]})
    )
    # No `classes` declared: the rule has nothing to compare with.
    assert "LC214" not in codes(
        labelcheck.scan(write({"x": rng.random(9), "y": [5] * 9}, name="n"))
    )
