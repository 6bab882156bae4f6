"""LC209 label-loss-domain: labels outside the declared loss's domain."""

import numpy as np
import pyarrow as pa
import pytest
from lc_helpers import codes, one

import labelcheck


def test_bce_target_of_2(write, rng):
    # pytorch/pytorch#87373: a BCE target of 2 is accepted and gives a negative loss.
    y = rng.integers(0, 2, 500)
    y[[4, 44]] = 2
    finding = one(labelcheck.scan(write({"x": rng.random(500), "y": y}), loss="bce"), "LC209")
    assert finding.column == "y"
    assert finding.rows == 2
    assert finding.values == (2,)
    assert finding.severity == "error"
    assert "binary_crossentropy, [0, 1]" in finding.message


def test_poisson_with_negative_counts(write, rng):
    # scikit-learn-contrib/skglm#114: y < 0 and the solver diverges silently.
    y = rng.poisson(3.0, 1000).astype(float)
    y[:5] = -1.0
    report = labelcheck.scan(write({"x": rng.random(1000), "target": y}), loss="poisson")
    finding = one(report, "LC209")
    assert (finding.rows, finding.values) == (5, (-1,))
    assert report.task.task == "regression"


def test_msle_hinge_and_categorical(write, rng):
    X = rng.random((300, 2))
    y = rng.uniform(0, 5, 300)
    y[0] = -1.5
    finding = one(labelcheck.scan((X, y), loss="msle"), "LC209")
    assert finding.values == (-1.5,) and finding.rows == 1

    zero_one = np.tile([0, 1], 150)
    finding = one(labelcheck.scan((X, zero_one), loss="hinge"), "LC209")
    assert (finding.values, finding.rows) == ((0,), 150)
    assert "map {0, 1} to {-1, 1}" in finding.message

    finding = one(labelcheck.scan((X, zero_one), loss="categorical_crossentropy"), "LC209")
    assert "sparse_categorical_crossentropy" in finding.message

    rows = [[0.0, 1.0, 0.0]] * 97 + [[0.5, 0.6, 0.0], [-0.2, 1.2, 0.0], [1.0, 0.0, 0.0]]
    table = pa.table({"x": rng.random(100), "y": pa.array(rows, pa.list_(pa.float64()))})
    finding = one(labelcheck.scan(write(table), loss="categorical_crossentropy"), "LC209")
    assert finding.rows == 2
    assert "2 target rows of 100" in finding.message
    assert "1 with a negative or NaN entry, 1 not summing to 1" in finding.message


def test_near_miss_valid_domains_and_no_loss(write, rng):
    X = rng.random((300, 2))
    assert "LC209" not in codes(labelcheck.scan((X, rng.random(300)), loss="bce"))
    assert "LC209" not in codes(labelcheck.scan((X, rng.poisson(2, 300)), loss="poisson"))
    assert "LC209" not in codes(labelcheck.scan((X, rng.normal(0, 9, 300)), loss="mse"))
    assert "LC209" not in codes(labelcheck.scan((X, rng.choice([-1, 1], 300)), loss="hinge"))
    onehot = np.eye(3)[rng.integers(0, 3, 300)]
    assert "LC209" not in codes(labelcheck.scan((X, onehot), loss="categorical_crossentropy"))
    y = rng.integers(0, 2, 300)
    y[0] = 2
    assert "LC209" not in codes(labelcheck.scan((X, y)))


# ----------------------------------------------------------------- fixes, by loss
def _fix(loss, y, **kw):
    rng = np.random.default_rng(1)
    table = pa.table({"a": rng.random(len(y)), "y": y})
    return table, *labelcheck.fix(table, loss=loss, **kw)


@pytest.mark.parametrize(
    ("loss", "y", "expected", "decoded"),
    [
        ("hinge", [0, 1] * 10, [-1, 1] * 10, [0, 1]),
        ("squared_hinge", [2, 7] * 10, [-1, 1] * 10, [2, 7]),
        ("bce", [0, 255] * 10, [0, 1] * 10, [0, 255]),  # a 0/255 mask
        ("binary_crossentropy", [-1, 1] * 10, [0, 1] * 10, [-1, 1]),
    ],
)
def test_two_classes_are_mapped_to_the_losss_targets(loss, y, expected, decoded):
    table, fixed, plan = _fix(loss, y)
    assert fixed.column("y").to_pylist() == expected
    assert plan.decode_labels(expected[:2]).tolist() == decoded
    assert not labelcheck.scan(fixed, loss=loss).by_code("LC209")  # rescan is clean
    assert plan.transform(table).column("y").to_pylist() == expected  # replays the same


def test_bce_with_three_classes_is_unfixed_with_the_loss_to_use():
    _, fixed, plan = _fix("bce", [0, 1, 2] * 10)
    (note,) = [u for u in plan.unfixed if u.startswith("LC209")]
    assert "use a categorical loss (sparse_categorical_crossentropy)" in note
    assert fixed.column("y").to_pylist() == [0, 1, 2] * 10


@pytest.mark.parametrize(
    ("loss", "y", "kept"),
    [
        ("poisson", [3.0, -1.0, 2.0, 0.0], [3.0, 2.0, 0.0]),
        ("kl_divergence", [0.5, -0.1, 0.2, 0.3], [0.5, 0.2, 0.3]),
        ("msle", [3.0, -1.0, -2.0, -0.5], [3.0, -0.5]),  # -1 itself is out: log(1 + y)
    ],
)
def test_targets_outside_the_domain_are_dropped_and_counted(loss, y, kept):
    _, fixed, plan = _fix(loss, y * 5, task="regression")
    assert fixed.column("y").to_pylist() == kept * 5
    (drop,) = [s for s in plan.steps if s.step == "drop-rows"]
    assert drop.rows == (len(y) - len(kept)) * 5 and "LC209" in drop.reason
    assert plan.rows_in - plan.rows_out == drop.rows
