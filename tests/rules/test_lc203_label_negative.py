"""LC203 label-negative: negative class ids ('-1 meant unknown')."""

import numpy as np
from lc_helpers import codes, one

import labelcheck


def test_minus_one_meant_unknown(write, rng):
    y = rng.integers(0, 3, 600)
    y[[0, 100, 200, 300]] = -1
    finding = one(labelcheck.scan(write({"x": rng.random(600), "y": y})), "LC203")
    assert finding.column == "y"
    assert finding.rows == 4
    assert finding.values == (-1,)
    assert finding.severity == "error"
    assert finding.fix == "reindex-labels"
    # -1 is a common ignore marker: the message offers --ignore-index as the alternative.
    assert "--ignore-index -1" in finding.message


def test_several_negative_ids_name_no_marker(rng):
    y = rng.integers(-3, 3, 3000)  # -3..2: not symmetric, not sparse
    finding = one(labelcheck.scan((rng.random((3000, 2)), y)), "LC203")
    assert finding.values == (-3, -2, -1)
    assert finding.rows == int((y < 0).sum())
    assert "--ignore-index" not in finding.message


def test_ignore_index_removes_the_marker_rows(write, rng):
    y = rng.integers(0, 3, 600)
    y[:7] = -100
    report = labelcheck.scan(write({"x": rng.random(600), "y": y}), ignore_index=-100)
    assert not codes(report) & {"LC203", "LC205"}
    assert report.stats.ignored_rows == 7


def test_near_miss_hinge_loss_symmetric_ids_and_regression(write, rng):
    X = rng.random((400, 2))
    pm1 = rng.choice([-1, 1], 400)
    assert "LC203" not in codes(labelcheck.scan((X, pm1), loss="hinge"))
    sym = labelcheck.scan((X, pm1))
    assert "LC203" not in codes(sym)  # LC206 says it better
    assert "LC206" in codes(sym)
    target = rng.normal(0, 1, 400)
    assert "LC203" not in codes(labelcheck.scan((X, target)))
    assert "LC203" not in codes(labelcheck.scan((X, np.abs(pm1))))


def test_a_far_off_marker_is_reported_once_by_lc205(rng):
    y = rng.integers(0, 10, 1000)
    y[:5] = -100
    report = labelcheck.scan((rng.random((1000, 2)), y))
    assert "LC203" not in codes(report)
    assert one(report, "LC205").values == (-100,)
    # With LC205 switched off, LC203 still reports the negative ids.
    finding = one(labelcheck.scan((rng.random((1000, 2)), y), ignore=["LC205"]), "LC203")
    assert (finding.values, finding.rows) == ((-100,), 5)


def test_near_miss_an_ignore_index_the_label_type_cannot_hold(write, rng):
    mask = rng.integers(0, 4, 300).astype(np.uint8)  # -100 does not fit in uint8
    report = labelcheck.scan(write({"x": rng.random(300), "y": mask}), ignore_index=-100)
    assert report.stats.ignored_rows == 0
    assert "LC203" not in codes(report)
