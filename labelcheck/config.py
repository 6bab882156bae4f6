"""Repository configuration: ``labelcheck.yaml`` or ``[tool.labelcheck]`` in ``pyproject.toml``.

Found by walking up from the working directory (stopping at the repository
root, the first directory holding ``.git``). It maps file globs to schemas and
holds defaults for every scan::

    files:
      "data/train/*.parquet": schemas/train.yaml
      "data/**/*.csv": schemas/tables.yaml
    rules: {ignore: [LC211], severity: {LC207: error}}
    thresholds: {rare_class_min: 10}

Globs and schema paths are relative to the configuration file's directory;
``*`` stays within one directory, ``**`` crosses directories; the first
matching glob wins. Settings layer as: configuration < schema < flags.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labelcheck.errors import InputError

CONFIG_NAMES = ("labelcheck.yaml", ".labelcheck.yaml")


@dataclass(frozen=True)
class RepoConfig:
    """A loaded repository configuration."""

    path: Path  # the file it came from
    files: dict[str, str] = field(default_factory=dict)  # glob -> schema path (as written)
    defaults: dict[str, Any] = field(default_factory=dict)  # ScanOptions settings

    @property
    def root(self) -> Path:
        return self.path.parent

    def schema_for(self, data_path: str | os.PathLike[str]) -> Path | None:
        """The schema mapped to ``data_path`` (first matching glob), or None."""
        try:
            rel = Path(os.path.abspath(data_path)).relative_to(self.root.resolve())
        except ValueError:  # outside the configured tree
            return None
        text = rel.as_posix()
        for pattern, schema in self.files.items():
            if _glob_regex(pattern).fullmatch(text):
                return self.root / schema
        return None


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regex: ``*`` and ``?`` within a directory, ``**/`` any depth."""
    pattern = pattern.removeprefix("./")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def find_config(start: str | os.PathLike[str] | None = None) -> RepoConfig | None:
    """The configuration governing ``start`` (default: the working directory), or None."""
    try:
        here = Path(start if start is not None else os.getcwd()).resolve()
    except OSError:  # the working directory was removed under us
        return None
    for directory in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return load_config(candidate)
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            table = _pyproject_table(pyproject)
            if table is not None:
                return _build(table, pyproject)
        if (directory / ".git").exists():  # the repository root: look no further
            return None
    return None


def load_config(path: str | os.PathLike[str]) -> RepoConfig:
    """Load ``labelcheck.yaml`` or a ``pyproject.toml`` with ``[tool.labelcheck]``."""
    path = Path(path)
    if path.name == "pyproject.toml":
        table = _pyproject_table(path)
        if table is None:
            raise InputError(f"{path}: has no [tool.labelcheck] table")
        return _build(table, path)
    from labelcheck.schema import read_yaml

    data = read_yaml(path, what="configuration")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: the configuration is a mapping (files: ..., rules: ...)")
    return _build(data, path)


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    import tomllib

    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read it as TOML ({exc})") from None
    table = data.get("tool", {}).get("labelcheck")
    return table if isinstance(table, dict) else None


def _build(data: dict[str, Any], path: Path) -> RepoConfig:
    from labelcheck.schema import options_from_settings, rule_settings, validate

    where = f"{path} [tool.labelcheck]" if path.name == "pyproject.toml" else str(path)
    validate(data, where, definition="config")
    defaults = rule_settings(data)
    try:
        options_from_settings(defaults)  # unknown rule codes, thresholds: fail here, once
    except InputError as exc:
        from labelcheck.options import in_file

        raise InputError(f"{where}: {in_file(exc)}") from None
    return RepoConfig(path=path, files=dict(data.get("files") or {}), defaults=defaults)


__all__ = ["RepoConfig", "find_config", "load_config"]
