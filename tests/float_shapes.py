"""Shapes of float data for the statistics' property tests (numpy and compiled routes)."""

from __future__ import annotations

import numpy as np

SHAPES = ["normal", "offset", "pixels", "constant", "sorted", "wide", "huge"]


def float_shape(n: int, shape: str, rng: np.random.Generator, huge: float = 1e25) -> np.ndarray:
    """``n`` float64 values of one of ``SHAPES``; "huge" draws them around ``huge``."""
    if shape == "normal":
        return rng.standard_normal(n) * 1000 + 3
    if shape == "offset":  # mean far from zero, small spread: the shift matters
        return rng.standard_normal(n) + 40_000
    if shape == "pixels":
        return rng.integers(0, 256, n).astype(np.float64)
    if shape == "constant":
        return np.full(n, 0.1)
    if shape == "sorted":
        return np.sort(rng.standard_normal(n) * 10)
    if shape == "wide":  # many orders of magnitude
        return rng.standard_normal(n) * 10.0 ** rng.integers(-3, 6, n)
    assert shape == "huge", shape
    return rng.standard_normal(n) * huge
