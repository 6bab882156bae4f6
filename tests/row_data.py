"""Random data with planted repeats, shared by the row-check exactness tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def planted(seed: int, n: int, width: int, card: int, repeats: int) -> pd.DataFrame:
    """Random rows (some columns of low cardinality, NaN, text), then copies of some rows."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {}
    for i in range(width):
        if i % 3 == 0:
            values = rng.integers(0, card, n).astype(float)
            values[rng.random(n) < 0.1] = np.nan
        elif i % 3 == 1:
            values = rng.choice(np.array(["a", "b", "?", ""], dtype=object), n)
        else:
            values = rng.integers(0, card, n)
        cols[f"f{i}"] = values
    cols["y"] = rng.integers(0, 3, n)
    frame = pd.DataFrame(cols)
    if repeats and n:
        picks = rng.integers(0, n, repeats)
        copies = frame.iloc[picks].copy()
        flip = rng.random(repeats) < 0.3  # some copies with another label: conflicts
        copies.loc[flip, "y"] = (copies.loc[flip, "y"] + 1) % 3
        frame = pd.concat([frame, copies], ignore_index=True)
        frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return frame
