"""Sparse extremes: a few values far beyond the bulk of a column (LC108, LC205).

Pure arithmetic on exact statistics, no quantiles: for the j most extreme
distinct values, the statistics of the *bulk* (every other value) follow
exactly by removing them from (n, mean, m2). The j values are outliers when
they lie more than ``outlier_gap`` bulk spreads beyond the bulk's edge, and
they are few (at most ``outlier_min_rows`` rows, or ``outlier_max_fraction`` of
the rows, whichever is larger). The spread is the larger of the bulk's standard
deviation and the distance from its mean to its edge, so a long but contiguous
tail (0..999) never has a gap, and a 99.5%-zero binary label never either.
"""

from __future__ import annotations

import math
from itertools import groupby
from typing import Any

from labelcheck.options import Thresholds
from labelcheck.stats.column import ColumnStats


def sparse_extremes(
    stats: ColumnStats, th: Thresholds, *, floor: float = 0.0
) -> list[tuple[Any, int]]:
    """Outlier values with their row counts, largest side first; [] when none.

    ``floor`` is the least spread to assume (1 for class ids: a gap of one id is
    never an outlier). Uses exact distinct counts when tracked, else the k
    most extreme values kept by the statistics.
    """
    if stats.n < 3:
        return []
    distinct = stats.sorted_distinct()
    if distinct is not None and all(isinstance(v, int | float) for v, _ in distinct):
        high = [(v, c) for v, c in reversed(distinct)]
        low = list(distinct)
    else:
        high = [(v, len(list(g))) for v, g in groupby(stats.top)]
        low = [(v, len(list(g))) for v, g in groupby(stats.bottom)]
    few = max(th.outlier_min_rows, th.outlier_max_fraction * stats.n)
    found = _side(high, stats, th, few, floor, sign=1.0)
    found += _side(low, stats, th, few, floor, sign=-1.0)
    return found


def _side(
    items: list[tuple[Any, int]],
    stats: ColumnStats,
    th: Thresholds,
    few: float,
    floor: float,
    sign: float,
) -> list[tuple[Any, int]]:
    best: list[tuple[Any, int]] = []
    s_n, s_mean, s_m2 = 0, 0.0, 0.0  # running stats of the removed (extreme) values
    for j in range(len(items) - 1):
        value, count = items[j]
        # Chan et al.: fold `count` copies of `value` into the removed set.
        total = s_n + count
        delta = value - s_mean
        s_m2 += delta * delta * s_n * count / total
        s_mean += delta * count / total
        s_n = total
        if s_n > few:
            break
        n_b = stats.n - s_n
        if n_b < 2:
            break
        mean_b = (stats.n * stats.mean - s_n * s_mean) / n_b
        d = s_mean - mean_b
        m2_b = max(stats.m2 - s_m2 - d * d * s_n * n_b / stats.n, 0.0)
        edge = items[j + 1][0]
        spread = max(sign * (edge - mean_b), math.sqrt(m2_b / n_b), floor)
        if spread > 0 and sign * (value - edge) > th.outlier_gap * spread:
            best = items[: j + 1]
    return best
