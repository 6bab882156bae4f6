"""LC212 label-scale: regression targets far from unit scale (house prices)."""

from lc_helpers import codes, one

import labelcheck


def test_house_prices(write, rng):
    price = rng.uniform(95_000, 1_250_000, 2000).round(2)
    report = labelcheck.scan(
        write({"sqft": rng.random(2000), "price": price}, fmt="csv"), label="price"
    )
    assert report.task.task == "regression"
    finding = one(report, "LC212")
    assert finding.column == "price"
    assert finding.values == (float(price.min()), float(price.max()))
    assert finding.severity == "warning"
    assert finding.fix == "scale-target"


def test_near_miss_standardized_target_and_class_ids(write, rng):
    X = rng.random((500, 2))
    assert "LC212" not in codes(labelcheck.scan((X, rng.normal(0, 1, 500))))
    # Integer ids 0..499 are classification: large, but not a target scale problem.
    assert "LC212" not in codes(labelcheck.scan((X, rng.integers(0, 500, 500))))
