"""Fixtures for the rule tests: real data files written to tmp_path, then scanned."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lc_helpers import write_data

Writer = Callable[..., Path]


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """``write(data, fmt="parquet", name="data") -> Path`` of a real file in tmp_path."""

    def _write(data: Any, fmt: str = "parquet", name: str = "data") -> Path:
        return write_data(tmp_path, data, fmt, name)

    return _write


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261125)
