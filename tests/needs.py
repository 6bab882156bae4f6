"""Optional test dependencies (torch, keras, tokenizers): a skip on a laptop without them,
a failure in CI (LABELCHECK_CI=1, set by .ci/run, which installs them): a test that CI
skips is a test that does not run. Imported by name, as the other shared test modules."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from types import ModuleType

import pytest


def needed(module: str, name: str | None = None) -> ModuleType:
    """``module``, imported; ``name`` is how messages call it (default: the module's)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        name = name or module
        if os.environ.get("LABELCHECK_CI"):
            pytest.fail(f"LABELCHECK_CI is set but {name} is not installed; .ci/run installs it")
        pytest.skip(f"{name} is not installed (optional: pip install 'labelcheck[{module}]')")


def runs_without(module: str, test: str) -> dict[str, subprocess.CompletedProcess[str]]:
    """Run the test ``test`` (a pytest node id) with ``module`` unimportable, once with
    LABELCHECK_CI=1 and once without: the runs by that variable's value ("1", "")."""
    code = (
        f"import sys; sys.modules[{module!r}] = None; import pytest; "  # cannot be imported
        f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', {test!r}]))"
    )
    return {
        ci: subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "LABELCHECK_CI": ci},
            capture_output=True,
            text=True,
            timeout=300,
        )
        for ci in ("1", "")
    }
