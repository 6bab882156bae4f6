"""PyTorch and Keras for the model and loader tests: a skip on a laptop without them, a
failure in CI (LABELCHECK_CI=1, set by .ci/run, which installs both)."""

from __future__ import annotations

import os
from types import ModuleType

import pytest
from needs import needed

# Keras 3 picks its backend when first imported: the CPU torch the tests install.
os.environ.setdefault("KERAS_BACKEND", "torch")


@pytest.fixture(scope="session")
def torch() -> ModuleType:
    return needed("torch")


@pytest.fixture(scope="session")
def keras() -> ModuleType:
    needed("torch")  # the backend
    return needed("keras")
