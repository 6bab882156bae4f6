"""Scan options: what the user told us about the dataset, validated once.

Everything a rule may depend on besides the statistics lives here, so rules
stay pure functions of ``(stats, options)``. Options are validated when built
(scikit-learn style: the error names the option, the bad value and the fix).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, get_args

from labelcheck.errors import InputError

Task = Literal["auto", "classification", "regression"]
Precision = Literal["fp32", "bf16", "fp16"]
Severity = Literal["error", "warning", "info"]
FailOn = Literal["error", "warning", "info", "never"]

SEVERITY_ORDER: dict[str, int] = {"info": 0, "warning": 1, "error": 2, "never": 3}

#: Column names taken as the label when none is given (SPEC §6).
LABEL_CANDIDATES = ("label", "labels", "target", "y", "class")

#: Losses by family, with their aliases mapped to one canonical name.
LOSS_ALIASES: dict[str, str] = {
    "binary_crossentropy": "binary_crossentropy",
    "bce": "binary_crossentropy",
    "bcewithlogitsloss": "binary_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "cross_entropy": "sparse_categorical_crossentropy",
    "crossentropyloss": "sparse_categorical_crossentropy",
    "nll": "sparse_categorical_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "poisson": "poisson",
    "kl_divergence": "kl_divergence",
    "kld": "kl_divergence",
    "mean_squared_logarithmic_error": "mean_squared_logarithmic_error",
    "msle": "mean_squared_logarithmic_error",
    "hinge": "hinge",
    "squared_hinge": "squared_hinge",
    "mse": "mse",
    "mean_squared_error": "mse",
    "mae": "mae",
    "mean_absolute_error": "mae",
    "huber": "huber",
}
CLASSIFICATION_LOSSES = frozenset(
    {
        "binary_crossentropy",
        "sparse_categorical_crossentropy",
        "categorical_crossentropy",
        "hinge",
        "squared_hinge",
    }
)
HINGE_LOSSES = frozenset({"hinge", "squared_hinge"})


@dataclass(frozen=True)
class Thresholds:
    """Numbers the rules compare against; all configurable (schema ``thresholds:``)."""

    scale_max_abs: float = 10.0  # LC103: a feature is "far from unit scale" above this
    scale_spread: float = 1e3  # LC104: ratio of typical magnitudes between features
    rare_class_min: int = 5  # LC210: classes with fewer rows are rare
    imbalance_ratio: float = 100.0  # LC211: majority / minority
    target_max_abs: float = 100.0  # LC212: regression target scale
    outlier_gap: float = 5.0  # LC108/LC205: gap to the bulk, in bulk spreads
    outlier_max_fraction: float = 0.05  # LC108/LC205: "few" rows at most this share...
    outlier_min_rows: int = 3  # ...or this many, whichever is larger
    max_classes: int = 10_000  # more distinct integer labels than this: regression

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> Thresholds:
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(
                f"unknown threshold {unknown[0]!r}; known thresholds: {', '.join(sorted(known))}"
            )
        return replace(cls(), **{k: type(getattr(cls(), k))(v) for k, v in data.items()})


def _check_choice(name: str, value: object, choices: Iterable[str]) -> None:
    choices = tuple(choices)
    if value not in choices:
        raise InputError(f"invalid {name} {value!r}; choose one of: {', '.join(choices)}")


@dataclass(frozen=True)
class ScanOptions:
    """What a scan needs to know besides the data. Built once, validated on creation."""

    label: str | None = None
    features: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()  # columns never scanned (schema `exclude:`)
    task: Task = "auto"
    n_classes: int | None = None
    loss: str | None = None
    precision: Precision = "fp32"
    ignore_index: float | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)
    # Schema-only expectations (LC109, LC214): declared ranges and classes.
    ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    classes: tuple[Any, ...] | None = None
    # Where settings not given as flags came from ({"task": "schema s.yaml"}), for reports.
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        _check_choice("--task", self.task, get_args(Task))
        _check_choice("--precision", self.precision, get_args(Precision))
        if self.n_classes is not None and (
            isinstance(self.n_classes, bool)
            or int(self.n_classes) != self.n_classes
            or self.n_classes < 1
        ):
            raise InputError(
                f"invalid --n-classes {self.n_classes!r}: give a positive integer, "
                "the number of outputs of your model"
            )
        if self.loss is not None:
            canonical = LOSS_ALIASES.get(self.loss.lower().replace("-", "_"))
            if canonical is None:
                raise InputError(
                    f"unknown --loss {self.loss!r}; known losses: "
                    f"{', '.join(sorted(set(LOSS_ALIASES.values())))}"
                )
            object.__setattr__(self, "loss", canonical)
        from labelcheck.rules import resolve_codes  # local: rules import options

        if self.select is not None:
            object.__setattr__(self, "select", resolve_codes(self.select, "--select"))
        object.__setattr__(self, "ignore", resolve_codes(self.ignore, "--ignore"))
        for code, sev in self.severity.items():
            resolve_codes([code], "severity override")
            _check_choice(f"severity for {code}", sev, get_args(Severity))

    def said(self, key: str, flag: str) -> str:
        """Why a setting holds: ``--task classification`` or ``task: ... in schema s.yaml``."""
        origin = self.origins.get(key)
        return f"{key}: {getattr(self, key)} in {origin}" if origin else flag

    @property
    def hinge(self) -> bool:
        return self.loss in HINGE_LOSSES

    def enabled(self, code: str) -> bool:
        if code in self.ignore:
            return False
        return self.select is None or code in self.select
