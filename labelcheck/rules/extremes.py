"""Sparse extremes: a few values far beyond the bulk of a column (LC108, LC205).

Pure arithmetic on exact statistics, no quantiles: for the j most extreme
distinct values, the statistics of the *bulk* (every other value) follow
exactly by removing them from (n, mean, m2). The j values are outliers when
they lie more than ``outlier_gap`` bulk spreads beyond the bulk's edge, and
they are few (at most ``outlier_min_rows`` rows, or ``outlier_max_fraction`` of
the rows, whichever is larger). Each side is judged with the other side's
outliers set aside the way ``fix`` sets them aside: clipped to the bulk's edge
for features (LC108), removed for class ids (LC205, whose rows are dropped);
so fixed data shows no outlier the original did not, and a second ``fix``
changes nothing. The spread is the larger of the bulk's standard deviation
and the distance from its mean to its edge, so a long but contiguous tail
(0..999) never has a gap, and a 99.5%-zero binary label never either.

Two guards keep tiny or two-valued columns quiet: the bulk must keep at least
two distinct values (labels {0, 255} are two classes, LC207's business, not an
outlier and its class), and, without a floor, at least ``MIN_BULK_ROWS`` rows
(the spread of three random numbers says nothing).
"""

from __future__ import annotations

import math
from itertools import groupby
from typing import Any

from labelcheck.options import Thresholds
from labelcheck.stats.column import ColumnStats

#: Least rows the bulk must keep when no spread floor is given (features).
MIN_BULK_ROWS = 10


def sparse_extremes(
    stats: ColumnStats, th: Thresholds, *, floor: float = 0.0, clip: bool | None = None
) -> list[tuple[Any, int]]:
    """Outlier values with their row counts, largest side first; [] when none.

    ``floor`` is the least spread to assume (1 for class ids: a gap of one id is
    never an outlier). Uses exact distinct counts when tracked, else the k
    most extreme values kept by the statistics. Each side is judged with the
    other side's outliers clipped to its edge (``clip``; the default for
    features, ``floor == 0``) or removed (class ids), so a 1e9 does not hide a
    -999.
    """
    if clip is None:
        clip = floor == 0
    if stats.n < 3:
        return []
    distinct = stats.sorted_distinct()
    if distinct is not None and all(isinstance(v, int | float) for v, _ in distinct):
        high = [(v, c) for v, c in reversed(distinct)]
        low = list(distinct)
        keep = 2  # every distinct value is listed: the bulk keeps two of them
    else:
        high = [(v, len(list(g))) for v, g in groupby(stats.top)]
        low = [(v, len(list(g))) for v, g in groupby(stats.bottom)]
        keep = 1  # the last group may be cut at k values: never remove it
    # Every value, when the statistics hold them all (few rows): bulk moments are then
    # summed directly, not got by subtracting a 1e9 outlier's share from the whole's.
    known = list(low) if sum(c for _, c in low) == stats.n else None
    few = max(th.outlier_min_rows, th.outlier_max_fraction * stats.n)
    min_bulk = 2 if floor > 0 else MIN_BULK_ROWS
    whole: _Moments = (stats.n, stats.mean, stats.m2)

    def side(
        items: list[tuple[Any, int]],
        opposite: list[tuple[Any, int]],
        other: list[tuple[Any, int]],
        sign: float,
    ):
        drop = {v for v, _ in other}
        rest = [vc for vc in items if vc[0] not in drop]
        # The bulk's far end (its min when judging the high side): an exact stored value.
        far = next((v for v, _ in opposite if v not in drop), None)
        moments = _without(whole, other)
        values = None if known is None else [vc for vc in known if vc[0] not in drop]
        if clip and far is not None and other:  # the other side's outliers become its edge
            moments = _fold(moments, far, sum(c for _, c in other))
            if values is not None:
                values.append((far, sum(c for _, c in other)))
        return _side(rest, moments, th, few, floor, keep, min_bulk, sign, far, values)

    hi: list[tuple[Any, int]] = []
    lo: list[tuple[Any, int]] = []
    for _ in range(2):  # removing one side's outliers can only reveal more on the other
        hi = side(high, low, lo, 1.0)
        lo = side(low, high, hi, -1.0)
    return hi + lo


#: A bulk's m2 at most this fraction of the whole's is rounding, not spread (float64
#: moments merged over many chunks keep ~1e-13 of the whole, relative).
_LOST = 1e-12

#: (n, mean, m2) of a set of values.
_Moments = tuple[int, float, float]


def _fold(acc: _Moments, value: float, count: int) -> _Moments:
    """Add ``count`` copies of ``value`` (Chan et al.)."""
    n, mean, m2 = acc
    total = n + count
    delta = value - mean
    return total, mean + delta * count / total, m2 + delta * delta * n * count / total


def _moments(values: list[tuple[Any, int]]) -> _Moments | None:
    """(n, mean, m2) of values with counts, two passes with fsum; None on overflow."""
    n = sum(c for _, c in values)
    if not n:
        return 0, 0.0, 0.0
    try:
        mean = math.fsum(float(v) * c for v, c in values) / n
        m2 = math.fsum(c * (float(v) - mean) * (float(v) - mean) for v, c in values)
    except (OverflowError, ValueError):  # 1e308-scale values: inf - inf
        return None
    return (n, mean, m2) if math.isfinite(m2) else None


def _without(whole: _Moments, removed: list[tuple[Any, int]]) -> _Moments:
    """Exact moments of ``whole`` minus the ``removed`` values."""
    acc: _Moments = (0, 0.0, 0.0)
    for value, count in removed:
        acc = _fold(acc, value, count)
    return _subtract(whole, acc)


def _subtract(whole: _Moments, part: _Moments) -> _Moments:
    n, mean, m2 = whole
    s_n, s_mean, s_m2 = part
    if s_n == 0:
        return whole
    n_b = n - s_n
    if n_b <= 0:
        return 0, 0.0, 0.0
    mean_b = (n * mean - s_n * s_mean) / n_b
    d = s_mean - mean_b
    return n_b, mean_b, max(m2 - s_m2 - d * d * s_n * n_b / n, 0.0)


def _side(
    items: list[tuple[Any, int]],
    whole: _Moments,
    th: Thresholds,
    few: float,
    floor: float,
    keep: int,
    min_bulk: int,
    sign: float,
    far: Any = None,
    values: list[tuple[Any, int]] | None = None,
) -> list[tuple[Any, int]]:
    """The longest run of extreme values, from the end, that lies far from the rest.

    The bulk's moments come from subtracting the extremes from the whole
    column's, which leaves rounding residue: a constant bulk (ten -1.0 and one
    1.0) gets a spread of 1e-16 instead of 0, and its 1.0 a gap of 1e16
    spreads, while the same column before rescaling (ten 0.0 and one 11.0) had
    an exact 0. So the spread is clamped into the bounds the bulk's exact
    range ``r`` (edge to ``far``, stored values) implies, ``r / sqrt(2 n_b) <=
    spread <= r``: exact arithmetic never leaves them, rounding does.

    Subtraction also loses the bulk to the whole's rounding when an outlier
    dwarfs it (m2 of 1e18 carries an error of ~100); given every value
    (``values``), the bulk's moments are summed from them instead.
    """
    best: list[tuple[Any, int]] = []
    removed: _Moments = (0, 0.0, 0.0)  # the extreme values taken off so far
    for j in range(len(items) - keep):
        value, count = items[j]
        removed = _fold(removed, value, count)
        if removed[0] > few:
            break
        n_b, mean_b, m2_b = _subtract(whole, removed)
        # what is left of the whole's m2 after taking off an outlier that dwarfs the bulk
        # is its rounding (1e-16 of 8e37 for one -9.2e18): no spread, and which rounding
        # the merge order gave (the chunks the rows came in) must not decide the finding
        lost = m2_b <= _LOST * whole[2]
        if values is not None:
            gone = {v for v, _ in items[: j + 1]}
            direct = _moments([vc for vc in values if vc[0] not in gone])
            if direct is not None:
                (n_b, mean_b, m2_b), lost = direct, False
        if n_b < min_bulk:
            break
        edge = items[j + 1][0]
        spread = max(sign * (edge - mean_b), math.sqrt(m2_b / n_b))
        if far is not None:
            r = max(sign * (edge - far), 0.0)
            # a spread lost to rounding is only known to lie within the bounds: the
            # largest, so that no value is called an outlier on rounding's word
            spread = r if lost else min(max(spread, r / math.sqrt(2 * n_b)), r)
        spread = max(spread, floor)
        if spread > 0 and sign * (value - edge) > th.outlier_gap * spread:
            best = items[: j + 1]
    return best
