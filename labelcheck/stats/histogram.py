"""A mergeable histogram over fixed bins on a symmetric-log scale (the HTML report's plots).

Why fixed bins: a column's range is known only after the pass, and a feature
may be 0..1, 0..255 or -1e6..1e6. Bins that are the same for every column and
every batch, ``BINS_PER_DECADE`` per power of ten on each side of zero, merge
by adding counts (exact, associative, commutative), cover every finite float, and give
every plot its scale: a bin is at most ``10**(1/64) - 1`` = 3.7% of its value
wide, fine enough to re-bin into a linear histogram of a column's range.
Storage is sparse (only bins that hold values), a few hundred per column.

Why a sample: the numeric kernels of :mod:`labelcheck.stats.column` touch each
value about twice; binning every value (abs, log10, floor, bincount) would cost
about as much again. Plots need shapes, not exact counts, so each array is
binned from a deterministic strided sample of at most ``SAMPLE`` values, each
weighted by ``n / sample`` so counts still add up to the values seen. Arrays
up to ``SAMPLE`` values are binned exactly (so merging the parts of a small
column gives exactly the whole). The exact extremes the outlier rules keep
(ColumnStats.top/bottom), min, max and the NaN/Inf counts stay exact; a plot
states when its bars come from a sample.

Cost, measured with thread CPU time inside a scan (2 cores, a loaded machine,
so a few runs each): on the benchmark's 10M rows x 32 float32 file (1M-row
row groups) the histograms take 0.04 s of the scan's ~1.8 s CPU (about 2%);
with 100K-row row groups about 4%. That is within the 5% budget, so they are
always computed: ``labelcheck.scan(df)`` shown in a notebook has its plots
without a second pass. No quantile sketch: a KLL sketch fed every value costs
~29 ms per million (SPEC §3), and its quantiles would still have to be
turned into bins to be drawn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Bins per power of ten (each side of zero).
BINS_PER_DECADE = 64
#: Magnitudes below this count as zero. TOP is past the largest float64 (1.8e308), so
#: every finite value has its own bin: 1e200 is not drawn at 1e40.
TINY_EXP, TOP_EXP = -12, 309
#: Values binned per array at most (strided sample beyond it).
SAMPLE = 1024
_LAST = (TOP_EXP - TINY_EXP) * BINS_PER_DECADE  # bins per side


class SymlogHistogram:
    """Counts per fixed symmetric-log bin: key 0 is zero, ``±k`` is ``±10**(TINY_EXP + (k-1)/B)``.

    ``keys`` (sorted) and ``counts`` (sample-weighted) hold the non-empty bins;
    ``sampled`` is how many values were actually binned and ``total`` how many
    they stand for.
    """

    __slots__ = ("counts", "keys", "sampled", "total")

    def __init__(
        self,
        keys: np.ndarray | None = None,
        counts: np.ndarray | None = None,
        sampled: int = 0,
        total: int = 0,
    ) -> None:
        self.keys = np.zeros(0, np.int64) if keys is None else keys
        self.counts = np.zeros(0, np.float64) if counts is None else counts
        self.sampled = sampled
        self.total = total

    def add(self, values: np.ndarray, *, total: int | None = None) -> None:
        """Bin finite ``values`` (a strided sample of them past ``SAMPLE``).

        With ``total``, ``values`` is already a sample of finite values that
        stands for ``total`` of them (a chunk that still holds NaN/Inf).
        """
        n = int(values.size) if total is None else total
        if n == 0 or values.size == 0:
            return
        size = values.size
        sample = values[:: -(-size // SAMPLE)] if size > SAMPLE else values
        keys = bin_keys(sample)
        lo, hi = int(keys.min()), int(keys.max())
        if self.keys.size:
            lo, hi = min(lo, int(self.keys[0])), max(hi, int(self.keys[-1]))
        # One dense window over this sample's and the kept bins (a few hundred wide).
        counts = np.bincount(keys - lo, minlength=hi - lo + 1).astype(np.float64)
        counts *= n / sample.size
        counts[self.keys - lo] += self.counts
        nz = np.flatnonzero(counts)
        self.keys, self.counts = nz + lo, counts[nz]
        self.sampled += int(sample.size)
        self.total += n

    def merge(self, other: SymlogHistogram) -> SymlogHistogram:
        """Both parts together (pure)."""
        keys, counts = _sum_by_key(
            np.concatenate([self.keys, other.keys]), np.concatenate([self.counts, other.counts])
        )
        return SymlogHistogram(keys, counts, self.sampled + other.sampled, self.total + other.total)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SymlogHistogram):
            return NotImplemented
        return (
            (self.sampled, self.total) == (other.sampled, other.total)
            and np.array_equal(self.keys, other.keys)
            and np.array_equal(self.counts, other.counts)
        )

    def __repr__(self) -> str:
        return f"<SymlogHistogram {self.keys.size} bins, {self.sampled}/{self.total} sampled>"

    @property
    def exact(self) -> bool:
        return self.sampled == self.total

    def bins(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Non-empty bins sorted by value: (left edges, right edges, counts)."""
        lo, hi = bin_edges(self.keys)
        return lo, hi, self.counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "keys": self.keys.tolist(),
            "counts": self.counts.tolist(),
            "sampled": self.sampled,
            "total": self.total,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SymlogHistogram:
        return cls(
            np.asarray(data["keys"], dtype=np.int64),
            np.asarray(data["counts"], dtype=np.float64),
            data["sampled"],
            data["total"],
        )


def _sum_by_key(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and the summed weights of each (a bincount over their window)."""
    if keys.size == 0:
        return keys, weights
    lo = int(keys.min())
    sums = np.bincount(keys - lo, weights=weights)
    nz = np.flatnonzero(sums)
    return nz + lo, sums[nz]


def bin_keys(values: np.ndarray) -> np.ndarray:
    """The bin key of each finite value (see :class:`SymlogHistogram`).

    In place on one float64 buffer, a few microseconds per thousand values:
    ``floor((log10|x| - TINY_EXP) * B) + 1``, clipped to the bins, signed.
    """
    v = np.asarray(values, dtype=np.float64)  # one gather of a strided sample
    k = np.abs(v)
    with np.errstate(divide="ignore"):
        np.log10(k, out=k)  # zero -> -inf, clipped into bin 0 below
    k *= BINS_PER_DECADE
    k += 1 - TINY_EXP * BINS_PER_DECADE
    np.floor(k, out=k)
    np.maximum(k, 0, out=k)
    np.minimum(k, _LAST, out=k)
    k *= np.sign(v)  # bin 0 stays 0
    return k.astype(np.int64)


def bin_edges(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The value range [lo, hi) of each key's bin (lo < hi, both for negative keys)."""
    k = np.abs(keys).astype(np.float64)
    with np.errstate(over="ignore"):  # the top bin's edge, 10**308.27, is past float64
        lo = np.where(k == 0, 0.0, 10.0 ** (TINY_EXP + (k - 1) / BINS_PER_DECADE))
        hi = np.where(k == 0, 10.0**TINY_EXP, 10.0 ** (TINY_EXP + k / BINS_PER_DECADE))
    hi = np.minimum(hi, np.finfo(np.float64).max)
    neg = keys < 0
    return np.where(neg, -hi, lo), np.where(neg, -lo, hi)
