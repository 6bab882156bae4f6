"""Schema files (SPEC §7): YAML validated against the shipped JSON Schema.

A schema says what a dataset should look like (label, task, classes, column
ranges, rule settings). Its settings are the *defaults* of a scan: a repo
configuration's defaults sit below it, command-line flags and keyword
arguments above it (:func:`merge_settings`).

Errors are one line naming the file and the offending key::

    s.yaml: unknown key 'n_clases' (did you mean 'n_classes'?)
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

from labelcheck.errors import InputError

SCHEMA_VERSION = 1
#: The JSON Schema's file name, in ``schemas/`` (repo) and ``labelcheck/schemas/`` (wheel).
JSON_SCHEMA_NAME = "labelcheck.schema.json"

#: Settings whose values accumulate across layers instead of being replaced.
_UNION = ("ignore", "exclude")
_DICT_MERGE = ("severity", "thresholds", "ranges")


# ------------------------------------------------------------------ JSON Schema
def json_schema_path() -> Path:
    """Where the JSON Schema is: inside the installed package, else the source tree."""
    here = Path(__file__).resolve().parent
    for candidate in (
        here / "schemas" / JSON_SCHEMA_NAME,
        here.parent / "schemas" / JSON_SCHEMA_NAME,
    ):
        if candidate.is_file():
            return candidate
    raise InputError(  # a broken installation, not a user error; still one line
        f"labelcheck's {JSON_SCHEMA_NAME} is missing from the installation; reinstall labelcheck"
    )


@cache
def json_schema() -> dict[str, Any]:
    """The JSON Schema of schema files (its ``$defs/config`` is the repo configuration's)."""
    return json.loads(json_schema_path().read_text(encoding="utf-8"))


@cache
def _validator(definition: str) -> Any:
    import jsonschema

    root = json_schema()
    target = (
        root
        if definition == "schema"
        else {"$defs": root["$defs"], "$ref": f"#/$defs/{definition}"}
    )
    return jsonschema.Draft202012Validator(target)


def validate(data: Any, source: str, definition: str = "schema") -> None:
    """Raise :class:`InputError` (one line: file, key, fix) unless ``data`` is valid."""
    errors = list(_validator(definition).iter_errors(data))
    if not errors:
        return
    # Unknown keys first (the commonest mistake: a typo), then the shallowest error.
    errors.sort(key=lambda e: (e.validator != "additionalProperties", len(e.absolute_path)))
    raise InputError(f"{source}: {_shorten(_describe(errors[0]))}")


def _shorten(text: str, limit: int = 300) -> str:
    """Keep a message one readable line: jsonschema quotes whole (maybe huge) values."""
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]} ... {text[-limit // 2 :]}"


def _describe(error: Any) -> str:
    where = _key_path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        key = extra[0] if extra else "?"
        full = f"{where}.{key}" if where else str(key)
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
        return f"unknown key {full!r} ({hint})"
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        key = missing[0] if missing else error.message
        fix = " (add `version: 1` at the top)" if key == "version" else ""
        return f"{where + ': ' if where else ''}missing required key {key!r}{fix}"
    if error.validator == "const" and where == "version":
        return f"unsupported version {error.instance!r}; this labelcheck reads version 1"
    if error.validator == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        return f"{where or 'value'}: {error.instance!r} is not one of {choices}"
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{where or 'the file'}: expected {_a(expected)}, got {error.instance!r}"
    return f"{where or 'the file'}: {error.message}"


def _a(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def _key_path(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# ------------------------------------------------------------------------ YAML
#: Bounds on a schema or configuration file, checked while it is composed, before
#: anything is expanded: a 425-byte file of nested aliases ("billion laughs") would
#: otherwise expand to 9**9 list items and take minutes and gigabytes to reject.
MAX_YAML_BYTES = 8 << 20
MAX_YAML_NODES = 1_000_000  # after expanding aliases; 10,000 classes are ~10,000 nodes
MAX_YAML_DEPTH = 64


class YamlTooLarge(Exception):
    """A YAML document beyond the bounds above (read_yaml makes it an InputError)."""


def _yaml_loader() -> type:
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader that reads `1e3` as a number (YAML 1.1 wants `1.0e+3`) and bounds size.

        Every node is counted as it is composed, an alias as the size of what it
        stands for (known once its anchor is complete), so the expanded size is
        known without expanding anything; nesting depth is bounded so that deep
        brackets fail cleanly instead of exhausting Python's stack.
        """

        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            self._nodes = 0
            self._depth = 0
            self._sizes: dict[str, int] = {}

        def _count(self, n: int) -> None:
            self._nodes += n
            if self._nodes > MAX_YAML_NODES:
                raise YamlTooLarge(
                    f"more than {MAX_YAML_NODES:,} values once its aliases are expanded"
                )

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                anchor = self.peek_event().anchor
                if anchor in self.anchors and anchor not in self._sizes:
                    raise YamlTooLarge(f"the alias *{anchor} refers to itself")
                self._count(self._sizes.get(anchor, 0))
                return super().compose_node(parent, index)
            self._depth += 1
            if self._depth > MAX_YAML_DEPTH:
                raise YamlTooLarge(f"nested more than {MAX_YAML_DEPTH} levels deep")
            anchor = self.peek_event().anchor
            before = self._nodes
            self._count(1)
            node = super().compose_node(parent, index)
            self._depth -= 1
            if anchor is not None:
                self._sizes[anchor] = self._nodes - before
            return node

    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(
            r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
            |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
            |\.[0-9_]+(?:[eE][-+][0-9]+)?
            |[-+]?\.(?:inf|Inf|INF)
            |\.(?:nan|NaN|NAN))$""",
            re.X,
        ),
        list("-+0123456789."),
    )
    return Loader


def read_yaml(path: str | os.PathLike[str], what: str = "schema") -> Any:
    """Parse a YAML file; a missing file or bad YAML is a one-line :class:`InputError`."""
    import yaml

    name = os.fspath(path)
    try:
        # Read at most the bound (+1 to tell): /dev/zero or a huge file fails at once.
        with open(name, "rb") as fh:
            data = fh.read(MAX_YAML_BYTES + 1)
        if len(data) > MAX_YAML_BYTES:
            raise InputError(
                f"{name}: the {what} file is larger than a {what} needs "
                f"(limit {MAX_YAML_BYTES >> 20} MiB); check it is the right file"
            )
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{name}: {what} file not found; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not a {what} file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: cannot read the {what} file ({exc})") from None
    try:
        return yaml.load(text, Loader=_yaml_loader())  # a SafeLoader subclass: safe
    except YamlTooLarge as exc:
        raise InputError(f"{name}: {what} file too large or too deep: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{name}: invalid YAML{at}: {problem}") from None


# ---------------------------------------------------------------------- Schema
@dataclass(frozen=True)
class Schema:
    """A validated schema: its data and where it came from (for error messages)."""

    data: Mapping[str, Any]
    source: str = "schema"  # the file name; "schema" for a dict

    @property
    def described(self) -> str:
        """How reports name it: ``schema s.yaml``, or ``the schema`` for a dict."""
        return "the schema" if self.source == "schema" else f"schema {self.source}"

    def settings(self) -> dict[str, Any]:
        """The schema as :class:`~labelcheck.options.ScanOptions` keyword arguments."""
        from labelcheck.options import SCAN_SETTINGS

        d = self.data
        out: dict[str, Any] = {}
        for spec in SCAN_SETTINGS:
            if spec.schema_key is not None and d.get(spec.schema_key) is not None:
                value = d[spec.schema_key]
                out[spec.attr] = tuple(value) if spec.kind is list else value
        if d.get("exclude"):
            out["exclude"] = tuple(d["exclude"])
        if d.get("classes") is not None:
            out["classes"] = tuple(d["classes"])
        ranges = {
            name: (spec.get("min"), spec.get("max"))
            for name, spec in (d.get("columns") or {}).items()
            if spec.get("min") is not None or spec.get("max") is not None
        }
        if ranges:
            out["ranges"] = ranges
        out.update(rule_settings(d))
        return out


def rule_settings(data: Mapping[str, Any]) -> dict[str, Any]:
    """``rules:`` and ``thresholds:`` (shared by schemas and the repo configuration)."""
    out: dict[str, Any] = {}
    rules = data.get("rules") or {}
    if rules.get("select") is not None:
        out["select"] = tuple(rules["select"])
    if rules.get("ignore"):
        out["ignore"] = tuple(rules["ignore"])
    if rules.get("severity"):
        out["severity"] = {k.upper(): v for k, v in rules["severity"].items()}
    if data.get("thresholds"):
        out["thresholds"] = dict(data["thresholds"])
    return out


def load_schema(schema: Schema | Mapping[str, Any] | str | os.PathLike[str]) -> Schema:
    """Read and validate a schema (a path to YAML, a dict, or a :class:`Schema`).

    Raises :class:`~labelcheck.InputError` naming the file and the key when the
    schema is invalid.
    """
    if isinstance(schema, Schema):
        return schema
    if isinstance(schema, Mapping):
        data, source = dict(schema), "schema"
    elif isinstance(schema, str | os.PathLike):
        source = os.fspath(schema)
        data = read_yaml(source)
        if data is None:
            raise InputError(f"{source}: the schema file is empty; start it with `version: 1`")
    else:
        raise InputError(
            f"schema must be a path to a YAML file or a dict, not {type(schema).__name__}"
        )
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: a schema is a mapping of keys (version: 1, label: ...)")
    validate(data, source)
    loaded = Schema(data, source)
    _check_semantics(loaded)
    return loaded


def _check_semantics(schema: Schema) -> None:
    """What JSON Schema cannot say: known losses and rule codes, min <= max."""
    for name, spec in (schema.data.get("columns") or {}).items():
        lo, hi = spec.get("min"), spec.get("max")
        if lo is not None and hi is not None and lo > hi:
            raise InputError(f"{schema.source}: columns.{name}: min {lo} is greater than max {hi}")
    try:
        options_from_settings(schema.settings())
    except InputError as exc:
        from labelcheck.options import in_file

        raise InputError(f"{schema.source}: {in_file(exc)}") from None


# ------------------------------------------------------------------ layering
def merge_settings(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Merge settings, later layers over earlier (config < schema < flags).

    Scalars are replaced; ``ignore``/``exclude`` accumulate (ignoring more is
    what anyone adding an ``--ignore`` means); ``severity``, ``thresholds`` and
    ``ranges`` merge key by key.
    """
    out: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if value is None:
                continue
            if key in _UNION:
                out[key] = tuple(dict.fromkeys([*out.get(key, ()), *value]))
            elif key in _DICT_MERGE:
                out[key] = {**out.get(key, {}), **value}
            else:
                out[key] = value
    return out


def options_from_settings(settings: Mapping[str, Any]) -> Any:
    """Validated :class:`~labelcheck.options.ScanOptions` from merged settings."""
    from labelcheck.options import ScanOptions, Thresholds

    known = {f.name for f in fields(ScanOptions)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise InputError(f"unknown option {unknown[0]!r}")
    kwargs = dict(settings)
    thresholds = kwargs.get("thresholds")
    if thresholds is not None and not isinstance(thresholds, Thresholds):
        kwargs["thresholds"] = Thresholds.from_mapping(thresholds)
    for key in ("features", "select", "ignore", "exclude", "classes"):
        if kwargs.get(key) is not None:
            kwargs[key] = tuple(kwargs[key])
    for key in ("tokens", "token_labels"):
        if kwargs.get(key) is not None:
            kwargs[key] = tuple(kwargs[key])
    if kwargs.get("tokenizer") is not None:
        from labelcheck.io.tokenizer import tokenizer_vocab_size

        kwargs["tokenizer"] = str(kwargs["tokenizer"])
        kwargs["tokenizer_vocab"] = tokenizer_vocab_size(kwargs["tokenizer"])
    if kwargs.get("ranges") is not None:
        kwargs["ranges"] = {k: tuple(v) for k, v in kwargs["ranges"].items()}
    # Rule codes and prefixes are resolved here, where the catalogue may be imported
    # (options themselves never import the rules).
    from labelcheck.options import named
    from labelcheck.rules import resolve_codes

    if kwargs.get("select") is not None:
        kwargs["select"] = resolve_codes(kwargs["select"], named("select"))
    kwargs["ignore"] = resolve_codes(kwargs.get("ignore") or (), named("ignore"))
    for code in kwargs.get("severity") or {}:
        resolve_codes([code], "severity override")
    return ScanOptions(**kwargs)


# ---------------------------------------------------------------------- infer
def infer_schema(report: Any, notes: list[str] | None = None) -> dict[str, Any]:
    """A schema describing the scanned data (``labelcheck infer``), as TFDV's infer_schema.

    Records the label, task, classes and observed min/max of every numeric
    feature, so a later file that drifts outside them is caught (LC109, LC214).
    ``n_classes`` is what this data needs (``max id + 1`` for ids, the class
    count for names), so the file it came from passes its own schema, except for
    the defect a schema must not bless: class ids LC205 flags as sparse outliers
    (one 8000 among 0..4) are left out of ``classes`` and ``n_classes``, and ids
    too sparse to be an output layer's size leave ``n_classes`` out. ``notes``
    receives one line for each thing left out, saying why.
    """
    from labelcheck.rules.base import RuleContext
    from labelcheck.text import fmt_values, plural

    said = notes if notes is not None else []
    stats = report.stats
    out: dict[str, Any] = {"version": SCHEMA_VERSION}
    if stats.plan.label:
        out["label"] = stats.plan.label
    if report.task.task != "none":
        out["task"] = report.task.task
    lab = stats.label
    if report.task.task == "classification" and lab is not None:
        items = lab.sorted_distinct()
        # The ids LC205 flags (its own test, also when LC205 is not selected).
        outliers = RuleContext(stats, report.options, report.task).label_outliers
        if items and outliers:
            odd = {v for v, _ in outliers}
            items = [(v, c) for v, c in items if v not in odd]
            one = len(odd) == 1
            it, real = ("it", "it is a real class") if one else ("them", "they are real classes")
            ids = fmt_values(sorted(_plain(v) for v, _ in outliers))
            said.append(
                f"class {'id' if one else 'ids'} {ids} "
                f"({plural(sum(c for _, c in outliers), 'row')}) left out of classes and "
                f"n_classes: LC205 flags {it} as far from the other ids (a typo, sentinel or "
                f"ignore marker); add {it} back if {real}"
            )
        if items is not None and items:
            classes = [_plain(v) for v, _ in items]
            ints = [c for c in classes if isinstance(c, int) and not isinstance(c, bool)]
            cap = report.options.thresholds.max_classes
            if len(ints) == len(classes) and min(ints) >= 0:
                # Ids as sparse as 2**63 are not an output layer's size: leave n_classes
                # out (LC207 says to reindex) rather than record max + 1.
                if max(ints) < max(cap, 2 * len(ints)):
                    out["n_classes"] = max(ints) + 1
                else:
                    said.append(
                        f"n_classes left out: {len(ints)} class ids up to "
                        f"{fmt_values([max(ints)])} are not an output layer's size (LC207: "
                        "reindex them to 0..K-1)"
                    )
            elif all(isinstance(c, str) for c in classes):
                out["n_classes"] = len(classes)
            out["classes"] = classes
    if report.options.ignore_index is not None:
        out["ignore_index"] = _plain(report.options.ignore_index)
    out["features"] = list(stats.plan.features)
    columns: dict[str, dict[str, Any]] = {}
    for name, col in stats.features().items():
        if col.kind in ("numeric", "bool") and col.n:
            columns[name] = {"min": _plain(col.min), "max": _plain(col.max)}
    if columns:
        out["columns"] = columns
    validate(out, "inferred schema")  # never hand out a schema we would reject
    return out


def _plain(value: Any) -> Any:
    from labelcheck.stats.column import to_python

    return to_python(value)


def dump_schema(data: Mapping[str, Any], header: str = "") -> str:
    """A schema as YAML text, in a stable key order, with an optional comment header."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def _flow_seq(dumper: Any, seq: list[Any]) -> Any:
        # Short scalar lists ([0, 1, 2]) read best inline; column specs too.
        return dumper.represent_sequence("tag:yaml.org,2002:seq", seq, flow_style=True)

    Dumper.add_representer(list, _flow_seq)
    body = dict(data)
    columns = body.pop("columns", None)
    text = yaml.dump(body, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)
    if columns:
        text += "columns:\n"
        for name, spec in columns.items():
            inline = yaml.dump(
                {name: spec},
                Dumper=Dumper,
                default_flow_style=None,
                sort_keys=False,
                allow_unicode=True,
                width=10**6,
            )
            text += "  " + inline.strip().replace("\n", "\n  ") + "\n"
    prefix = "".join(f"# {line}\n" for line in header.splitlines())
    return prefix + text


__all__ = [
    "Schema",
    "dump_schema",
    "infer_schema",
    "json_schema",
    "load_schema",
    "merge_settings",
    "options_from_settings",
    "validate",
]
