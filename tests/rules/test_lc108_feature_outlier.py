"""LC108 feature-outlier: a few values far beyond the rest of a column."""

from lc_helpers import codes, one

import labelcheck


def test_a_sentinel_temperature(write, rng):
    temperature = rng.normal(19.5, 1.0, 5000).round(1)
    temperature[[42, 4321]] = 99999.0
    data = {"temperature": temperature, "y": rng.integers(0, 2, 5000)}
    finding = one(labelcheck.scan(write(data, fmt="csv")), "LC108")
    assert finding.column == "temperature"
    assert finding.rows == 2
    assert finding.values == (99999,)
    assert finding.severity == "warning"
    assert finding.fix == "clip"


def test_sentinels_at_both_ends(write, rng):
    x = rng.standard_normal(2000)
    x[0], x[1] = -999.0, 1e9
    finding = one(labelcheck.scan(write({"x": x, "y": rng.integers(0, 2, 2000)})), "LC108")
    assert finding.rows == 2
    assert set(finding.values) == {-999, 1_000_000_000}


def test_near_miss_heavy_tails_sparse_indicators_and_tiny_files(write, rng):
    data = {
        "lognormal": rng.lognormal(0.0, 1.5, 20_000),  # long tail, no gap
        "exponential": rng.exponential(3.0, 20_000),
        "indicator": (rng.random(20_000) < 0.01).astype(float),  # 1% ones
        "uniform": rng.uniform(-1, 1, 20_000),
        "y": rng.integers(0, 2, 20_000),
    }
    assert "LC108" not in codes(labelcheck.scan(write(data)))
    # Three random numbers have no "bulk" to be far from.
    tiny = labelcheck.scan(write({"x": [0.50, 0.51, 0.91], "y": [0, 1, 0]}, name="tiny"))
    assert "LC108" not in codes(tiny)


def test_an_outlier_dwarfing_the_bulk_is_found_the_same_in_any_chunking():
    """One int64 minimum (a sentinel, -9.2e18) among small integers: taken off the whole
    column's m2 (8.5e37), it leaves only rounding, which once made a spread of ~0 and
    called the -2s outliers too, or not, by the order the chunks' moments merged in."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(2)
    x = rng.normal(size=254).astype(np.int64)  # -2..2
    x[rng.integers(0, 254)] = np.iinfo(np.int64).min
    table = pa.table({"x": x, "y": rng.integers(0, 2, 254)})
    bulk = x[x != x.min()].astype(float)
    # -2 is a value of the bulk: within outlier_gap (5) spreads of the rest
    assert (bulk != -2).any() and abs(-2 - bulk[bulk != -2].min()) < 5 * bulk.std()
    for chunk in (None, 7, 1):
        data = table if chunk is None else pa.Table.from_batches(table.to_batches(chunk))
        finding = one(labelcheck.scan(data, label="y"), "LC108")
        assert (finding.rows, finding.values) == (1, (float(np.iinfo(np.int64).min),)), chunk
