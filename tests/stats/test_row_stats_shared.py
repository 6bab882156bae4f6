"""Row hashes on all features and, in the same pass, on the subset a reference shares:
each equals a RowStats of those columns alone, whatever the batching, column
grouping, unit order, merging (pure or in place) and spilling."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelcheck.stats.rows import RowStats

FEATURES = ("x", "s", "z", "i")
SHARED = ("s", "x")  # what the reference has (in another order)


def _table(seed: int, n: int, card: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, card, n).astype(float)
    x[rng.random(n) < 0.1] = np.nan
    s = rng.choice(np.array(["a", "bb", "", None], dtype=object), n)
    return pa.table(
        {
            "x": x,
            "s": s,
            "z": rng.integers(0, card, n),
            "i": rng.integers(0, 2, n),
            "y": rng.integers(0, 3, n),
        }
    )


def _built(
    table: pa.Table, features, shared, batch_rows: int, groups, order: int, spill: int, in_place
):
    units = table.to_batches(max_chunksize=batch_rows)
    total = RowStats.over(features, "y", spill, shared=shared)
    for u in np.random.default_rng(order).permutation(len(units)).tolist():
        for group in groups:
            part = RowStats.over(features, "y", spill, shared=shared)
            part.update(units[u].select(group), u)
            if in_place:
                total.absorb(part, consume=True)
            else:
                total = total.merge(part)
    return total


def _groups_equal(a, b) -> None:
    for kind in ("duplicates", "conflicts"):
        x, y = getattr(a, kind), getattr(b, kind)
        assert np.array_equal(x.rows, y.rows) and np.array_equal(x.group, y.group), kind


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 300),
    card=st.integers(1, 5),
    batch_rows=st.integers(1, 120),
    split=st.integers(0, 4),
    order=st.integers(0, 100),
    spill=st.sampled_from([0, 40, 10**9]),
    in_place=st.booleans(),
)
def test_shared_hashes_equal_the_subsets_own(
    seed, n, card, batch_rows, split, order, spill, in_place
):
    table = _table(seed, n, card)
    reference = _table(seed + 1, 200, card)
    columns = [*FEATURES, "y"]
    groups = [columns[: split + 1], columns[split + 1 :]] if split < 4 else [columns]
    both = _built(table, FEATURES, SHARED, batch_rows, groups, order, spill, in_place)
    assert both.shared is not None
    alone = _built(table, FEATURES, None, batch_rows, groups, order, spill, in_place)
    subset = _built(table.select([*SHARED, "y"]), SHARED, None, n, [[*SHARED, "y"]], 0, spill, 0)
    ref = _built(reference.select([*SHARED, "y"]), SHARED, None, 50, [[*SHARED, "y"]], 0, 10**9, 0)
    _groups_equal(both.summary(), alone.summary())  # duplicates on every feature
    got, want = both.leakage(ref), subset.leakage(ref)  # leakage on the shared ones
    assert got.columns == SHARED
    assert np.array_equal(got.leaked, want.leaked) and got.same_label == want.same_label
    assert np.array_equal(got.reference_rows, want.reference_rows)

    # Independently: the rows whose (x, s) occur in the reference, NaN equal to NaN.
    def key(t: pa.Table) -> list[tuple]:
        xs, ss = t["x"].to_pylist(), t["s"].to_pylist()
        return [("nan" if x != x else x, s) for x, s in zip(xs, ss, strict=True)]

    known = set(key(reference))
    assert got.leaked.tolist() == [i for i, k in enumerate(key(table)) if k in known]
    both.close()
    alone.close()


def test_shared_must_be_a_subset_and_equal_sets_hash_once():
    import pytest

    assert RowStats.over(("a", "b"), None, shared=("b", "a")).shared is None
    with pytest.raises(ValueError, match="shared columns"):
        RowStats.over(("a", "b"), None, shared=("a", "c"))
