"""Exceptions raised by labelcheck.

``InputError`` is a problem with what the user gave us (a missing file, a bad
option); the CLI prints its one-line message and exits 2. ``DataValidationError``
means the data was read fine but has error-level findings; it carries the report
(``BatchError``, one of them: a training batch ``guard`` stopped, with its number and samples).
``NothingLeftError``: a fix would drop every row (the CLI exits 1, writing nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labelcheck.report import Report


class LabelcheckError(Exception):
    """Base class of every exception labelcheck raises on purpose."""


class InputError(LabelcheckError, ValueError):
    """The input cannot be used: message says what, where and how to fix it."""


class DataValidationError(LabelcheckError, ValueError):
    """The data has findings at error level; ``.report`` holds them all."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(report.error_message())

    def __reduce__(self) -> tuple[Any, ...]:  # pickled from worker processes (Keras, Dask)
        return type(self), (self.report,)


class BatchError(DataValidationError):
    """A training batch holds a value that breaks training (``guard``): no report, the
    batch number, the sample indices within it and the problems found."""

    def __init__(self, batch: int, samples: tuple[int, ...], problems: list[str]) -> None:
        self.report = None  # type: ignore[assignment]  # one batch, not a scanned dataset
        self.batch = batch
        self.samples = samples
        self.problems = problems
        LabelcheckError.__init__(
            self,
            f"batch {batch} would break training: {'; '.join(problems)}. Fix the data or the "
            "transform these samples come from (check_loader scans the whole loader)",
        )

    def __reduce__(self) -> tuple[Any, ...]:  # raised in a Keras worker process, re-raised here
        return type(self), (self.batch, self.samples, self.problems)


class NothingLeftError(LabelcheckError, ValueError):
    """A fix would drop every row: an empty training set is not a fix."""


#: Pillow's warnings about a file's own structure ("Possibly corrupt EXIF data", "Tag data
#: larger than file", "Truncated File Read" from a TIFF/EXIF directory, a malformed MPO,
#: palette transparency on conversion): all UserWarnings raised inside PIL's modules.
_PILLOW_FILTER = ("ignore", None, UserWarning, r"PIL(\.|$)", 0)


def quiet_pillow() -> None:
    """Keep Pillow's warnings about the files being decoded off stderr (call before decoding).

    They describe the data, which the scan reports as findings (or which is harmless,
    like a malformed EXIF tag next to fine pixels), and a scan never prints a Python
    warning. ``warnings.catch_warnings`` per file cannot do it: it swaps the
    process-wide filter list and is not thread-safe, and files are decoded on every
    core; Pillow has no option for them. So one targeted filter (UserWarning from
    PIL's modules only; Pillow's DecompressionBombWarning is a RuntimeWarning, handled
    by the decoders) is appended, so the user's own explicit filters still win. It is
    re-added when missing: a ``catch_warnings`` block elsewhere may have dropped it.
    """
    import re
    import warnings

    action, _, category, module, lineno = _PILLOW_FILTER
    wanted = (action, None, category, re.compile(module), lineno)
    if wanted not in warnings.filters:
        warnings.filterwarnings(action, category=category, module=module, append=True)
