"""labelcheck: find the training data that makes a loss go NaN, diverge or crash.

>>> import labelcheck
>>> report = labelcheck.scan("train.parquet", label="y")  # doctest: +SKIP
>>> report.raise_for_errors()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labelcheck._version import __version__
from labelcheck.errors import DataValidationError, InputError, LabelcheckError

if TYPE_CHECKING:
    from labelcheck.api import check_arrays, scan, scan_splits
    from labelcheck.fixes import FixPlan, fix, load_plan
    from labelcheck.report import Report

__all__ = [
    "DataValidationError",
    "FixPlan",
    "InputError",
    "LabelcheckError",
    "Report",
    "__version__",
    "check_arrays",
    "fix",
    "load_plan",
    "scan",
    "scan_splits",
]

_LAZY = {
    "scan": "labelcheck.api",
    "scan_splits": "labelcheck.api",
    "check_arrays": "labelcheck.api",
    "Report": "labelcheck.report",
    "fix": "labelcheck.fixes",
    "FixPlan": "labelcheck.fixes",
    "load_plan": "labelcheck.fixes",
}


def __getattr__(name: str) -> Any:
    # Lazy so that `import labelcheck` (and the CLI's start-up) stays cheap.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'labelcheck' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
