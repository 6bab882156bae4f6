"""PyTorch and Keras for the model and loader tests: a skip on a laptop without them, a
failure in CI (LABELCHECK_CI=1, set by .ci/run, which installs both)."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

# Keras 3 picks its backend when first imported: the CPU torch the tests install.
os.environ.setdefault("KERAS_BACKEND", "torch")


def _optional(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        if os.environ.get("LABELCHECK_CI"):
            pytest.fail(f"LABELCHECK_CI is set but {name} is not installed; .ci/run installs it")
        pytest.skip(f"{name} is not installed (optional: pip install 'labelcheck[{name}]')")


@pytest.fixture(scope="session")
def torch() -> ModuleType:
    return _optional("torch")


@pytest.fixture(scope="session")
def keras() -> ModuleType:
    _optional("torch")  # the backend
    return _optional("keras")
