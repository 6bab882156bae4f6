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
#: How a folder of images is laid out (labelcheck/io/images.py); "auto": detected.
Layout = Literal["auto", "imagefolder", "masks", "flat"]
LAYOUTS: tuple[str, ...] = get_args(Layout)
FailOn = Literal["error", "warning", "info", "never"]
#: Token rows longer than --max-length (LC502): dropped, or cut at the length.
LongStrategy = Literal["drop", "truncate"]

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
#: The rules that read row hashes: with all of them off, rows are not hashed.
ROW_CODES = ("LC301", "LC302", "LC303")


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
    low_cardinality_rows: int = 256  # LC301/LC302: at most this many distinct feature rows...
    label_shift: float = 0.1  # LC305: total variation distance between class proportions
    feature_shift: float = 1.0  # LC306: |mean difference| in reference standard deviations
    spread_ratio: float = 10.0  # LC306: ratio of standard deviations
    image_min_area: float = 1 / 16  # LC403: an image's area below this share of the median's
    image_max_aspect: float = 10.0  # LC403: ... or a longer side this many times the shorter

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
        raise InputError(f"invalid {named(name)} {value!r}; choose one of: {', '.join(choices)}")


def named(name: str) -> str:
    """An option as an error names it, for a library caller and a CLI user alike: the
    keyword and the flag, ``task (--task)`` (a schema file's message drops the flag)."""
    for spec in (*SCAN_SETTINGS, *FIX_SETTINGS):
        if name in (spec.name, spec.attr):
            return f"{spec.name} ({spec.flag})"
    return name


def in_file(error: Exception) -> str:
    """An option error as a schema or configuration file's reader needs it: the key
    ("unknown loss 'x'"), not the flag ("loss (--loss)")."""
    import re

    return re.sub(r" \(--[a-z-]+\)", "", str(error)).replace("--", "")


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
    encoding: str = "utf-8"  # of CSV files (how to read them, not what they mean)
    layout: Layout = "auto"  # of a folder of images (how to read it, as encoding)
    masks: str | None = None  # a folder of segmentation masks paired with the images by stem
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)
    # Schema-only expectations (LC109, LC214): declared ranges and classes.
    ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    classes: tuple[Any, ...] | None = None
    #: Row checks (LC301-LC303): hash every row. Off with --no-row-checks or an ignore of LC3.
    row_checks: bool = True
    #: Rows of row hashes kept in memory before spilling to a temporary directory.
    spill_rows: int = 50_000_000
    #: The reference split (schema ``reference:``, ``--reference``): a path, or in the
    #: library anything ``scan`` accepts.
    reference: Any = field(default=None, compare=False)
    # Token sequences (SPEC §11): declared columns (besides the Hugging Face names) and
    # the bounds they are checked against.
    tokens: tuple[str, ...] | None = None
    token_labels: tuple[str, ...] | None = None
    #: The model's embedding size (``--vocab-size``, or read from ``model=``, SPEC §12).
    vocab_size: int | None = None
    tokenizer: str | None = None  # a local tokenizer.json
    #: The tokenizer's range (its largest id plus one), read from ``tokenizer`` by the face.
    tokenizer_vocab: int | None = None
    max_length: int | None = None  # the model's positions (``--max-length`` or ``model=``)
    pad_id: int | None = None
    # Where settings not given as flags came from ({"task": "schema s.yaml"}, {"n_classes":
    # "the model's last layer Dense(5)"}), for reports.
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        _check_choice("task", self.task, get_args(Task))
        _check_choice("precision", self.precision, get_args(Precision))
        _check_choice("layout", self.layout, LAYOUTS)
        if self.n_classes is not None and (
            isinstance(self.n_classes, bool)
            or int(self.n_classes) != self.n_classes
            or self.n_classes < 1
        ):
            raise InputError(
                f"invalid {named('n_classes')} {self.n_classes!r}: give a positive integer, "
                "the number of outputs of your model"
            )
        if self.loss is not None:
            canonical = LOSS_ALIASES.get(self.loss.lower().replace("-", "_"))
            if canonical is None:
                raise InputError(
                    f"unknown {named('loss')} {self.loss!r}; known losses: "
                    f"{', '.join(sorted(set(LOSS_ALIASES.values())))}"
                )
            object.__setattr__(self, "loss", canonical)
        check_encoding(self.encoding)
        # Rule codes arrive resolved (``select=("LC2",)`` is expanded by the face, which
        # knows the catalogue: options never import the rules, which import options).
        for code, sev in self.severity.items():
            _check_choice(f"severity for {code}", sev, get_args(Severity))
        for key, flag, least in (
            ("vocab_size", "--vocab-size", 1),
            ("max_length", "--max-length", 1),
            ("pad_id", "--pad-id", 0),
        ):
            value = getattr(self, key)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < least
            ):
                raise InputError(f"invalid {flag} {value!r}: give an integer of at least {least}")
        if isinstance(self.spill_rows, bool) or self.spill_rows < 0:
            raise InputError(
                f"invalid {named('spill_rows')} {self.spill_rows!r}: give the rows of hashes to "
                "keep in "
                "memory before spilling to disk (0 spills everything)"
            )
        if not any(self.enabled(code) for code in ROW_CODES):
            object.__setattr__(self, "row_checks", False)  # nothing would read the hashes

    @property
    def array_tokens(self) -> str | None:
        """The column a 2-D integer numpy array is read as when it holds token ids: the
        first ``--tokens`` name, or ``input_ids`` when a pad id is declared (else None:
        its columns are features)."""
        if self.tokens:
            return self.tokens[0]
        return "input_ids" if self.pad_id is not None else None

    def said(self, key: str, flag: str) -> str:
        """Why a setting holds: ``--task classification``, ``task classification from schema
        s.yaml`` or ``n_classes 5 from the model's last layer Dense(5)``."""
        origin = self.origins.get(key)
        return f"{key} {getattr(self, key)} from {origin}" if origin else flag

    @property
    def hinge(self) -> bool:
        return self.loss in HINGE_LOSSES

    def enabled(self, code: str) -> bool:
        """Whether rule ``code`` runs: ``select``/``ignore`` hold codes or prefixes (LC2)."""
        if code.startswith(self.ignore):
            return False
        return self.select is None or code.startswith(self.select)


def check_encoding(encoding: object) -> None:
    """Refuse an encoding Python does not know (or a bytes codec such as base64), up front."""
    import codecs

    try:
        text = codecs.lookup(encoding)._is_text_encoding  # type: ignore[arg-type]
    except (LookupError, TypeError):
        text = False
    if not text:
        raise InputError(
            f"unknown {named('encoding')} {encoding!r}; give a Python codec name such as utf-8, "
            "latin-1 or cp1252"
        )


# ----------------------------------------------------------------- fixing
NanStrategy = Literal["drop", "median"]
InfStrategy = Literal["drop", "clip"]
ScaleStrategy = Literal["minmax", "standard"]
OutlierStrategy = Literal["drop", "reindex"]
ConflictStrategy = Literal["drop", "majority"]


@dataclass(frozen=True)
class Strategies:
    """How ``fix`` repairs what has more than one repair; validated when built."""

    nan: NanStrategy = "drop"  # LC101: drop the rows, or impute the exact median
    inf: InfStrategy = "drop"  # LC102: drop the rows, or clip to the finite range
    scale: ScaleStrategy = "minmax"  # LC103/LC104/LC106: normalize to [-1, 1] or standardize
    outliers: OutlierStrategy = "drop"  # LC205: drop the rows, or keep them as a class
    conflicts: ConflictStrategy = "drop"  # LC302: drop the groups, or keep the majority label
    long: LongStrategy = "drop"  # LC502: drop the token rows, or truncate every token column

    def __post_init__(self) -> None:
        for spec in FIX_SETTINGS:
            value = getattr(self, spec.attr)
            if value not in (spec.choices or ()):
                raise InputError(
                    f"invalid {named(spec.name)} {value!r}; choose one of: "
                    f"{', '.join(spec.choices or ())}"
                )

    def to_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# ------------------------------------------------------- the options table
@dataclass(frozen=True)
class Setting:
    """One user-facing option, declared once: the CLI flags, the library keywords and
    the schema loader are all built from these tables."""

    name: str  # the library keyword
    flag: str  # the CLI flag
    help: str
    kind: type = str  # str, int, float, bool (a --x/--no-x flag), list, or object (library: any)
    choices: tuple[str, ...] | None = None
    default: Any = None  # None: not given (a lower layer, or ScanOptions, decides)
    short: str | None = None
    schema_key: str | None = None  # the top-level schema key that sets it
    field: str | None = None  # the ScanOptions/Strategies attribute, when not ``name``

    @property
    def attr(self) -> str:
        return self.field or self.name


#: Detection options of ``scan``, ``fix`` and ``infer`` (and ``labelcheck.scan``'s keywords).
SCAN_SETTINGS: tuple[Setting, ...] = (
    Setting("label", "--label", "The label column.", short="-l", schema_key="label"),
    Setting(
        "features",
        "--features",
        "Feature columns (comma-separated); default: all others.",
        kind=list,
        schema_key="features",
    ),
    Setting(
        "task",
        "--task",
        "What the label is for [default: auto].",
        choices=get_args(Task),
        schema_key="task",
    ),
    Setting(
        "n_classes",
        "--n-classes",
        "Outputs of the model (enables LC204).",
        kind=int,
        schema_key="n_classes",
    ),
    Setting("loss", "--loss", "The loss you train with (enables LC209).", schema_key="loss"),
    Setting(
        "precision",
        "--precision",
        "Training precision (LC106) [default: fp32].",
        choices=get_args(Precision),
        schema_key="precision",
    ),
    Setting(
        "ignore_index",
        "--ignore-index",
        "Label value meaning 'ignore this target' (e.g. -100).",
        kind=float,
        schema_key="ignore_index",
    ),
    Setting(
        "tokens",
        "--tokens",
        "Token-id list columns (comma-separated) besides input_ids & co (LC501-LC508).",
        kind=list,
        schema_key="tokens",
    ),
    Setting(
        "token_labels",
        "--token-labels",
        "Per-token class label columns, checked against --n-classes (LC506).",
        kind=list,
        schema_key="token_labels",
    ),
    Setting(
        "vocab_size",
        "--vocab-size",
        "The model's embedding size: token ids must be below it (LC501).",
        kind=int,
        schema_key="vocab_size",
    ),
    Setting(
        "tokenizer",
        "--tokenizer",
        "A local tokenizer.json: its largest id plus one bounds the ids (LC501).",
        schema_key="tokenizer",
    ),
    Setting(
        "max_length",
        "--max-length",
        "The model's position embeddings: longer rows are LC502.",
        kind=int,
        schema_key="max_length",
    ),
    Setting(
        "pad_id",
        "--pad-id",
        "The padding id (real lengths without an attention mask).",
        kind=int,
        schema_key="pad_id",
    ),
    Setting(
        "encoding", "--encoding", "Text encoding of CSV files (e.g. latin-1) [default: utf-8]."
    ),
    Setting(
        "layout",
        "--layout",
        "How a folder of images is laid out: class folders, masks, or flat [default: auto].",
        choices=LAYOUTS,
    ),
    Setting(
        "masks",
        "--masks",
        "A folder of segmentation masks, paired with the images by file stem.",
    ),
    Setting("select", "--select", "Only these rule codes or prefixes.", kind=list),
    Setting("ignore", "--ignore", "Skip these rule codes or prefixes.", kind=list),
    Setting(
        "reference",
        "--reference",
        "Training split to check against (LC303-LC306): leaked rows, unseen classes, shift.",
        kind=object,  # the library takes anything scan takes; the CLI a path
        schema_key="reference",
    ),
    Setting(
        "row_checks",
        "--row-checks",
        "Hash every row for duplicates, conflicts and leakage (LC301-LC303) [default: on].",
        kind=bool,
    ),
    Setting(
        "spill_rows",
        "--spill-rows",
        "Row hashes kept in memory (24 bytes each) before spilling to a temp directory.",
        kind=int,
    ),
)

#: The repair strategies of ``fix`` (``labelcheck.fix``'s keywords).
FIX_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "nan_strategy",
        "--nan",
        "NaN/null features (LC101): drop rows or impute the median.",
        choices=get_args(NanStrategy),
        default="drop",
        field="nan",
    ),
    Setting(
        "inf_strategy",
        "--inf",
        "±Inf features (LC102): drop rows or clip.",
        choices=get_args(InfStrategy),
        default="drop",
        field="inf",
    ),
    Setting(
        "scale",
        "--scale",
        "Scale (LC103/104/106): minmax to [-1, 1] or standard.",
        choices=get_args(ScaleStrategy),
        default="minmax",
    ),
    Setting(
        "outliers",
        "--outliers",
        "Outlier class ids (LC205): drop rows or keep as classes.",
        choices=get_args(OutlierStrategy),
        default="drop",
    ),
    Setting(
        "conflicts",
        "--conflicts",
        "Conflicting labels (LC302): drop the groups or keep each group's majority label.",
        choices=get_args(ConflictStrategy),
        default="drop",
    ),
    Setting(
        "long",
        "--long",
        "Token rows longer than --max-length (LC502): drop them or truncate every token column.",
        choices=get_args(LongStrategy),
        default="drop",
    ),
)

#: Library-only keywords that set scan options (no flag: they come from schemas on the CLI).
LIBRARY_ONLY = ("severity", "thresholds", "schema")
