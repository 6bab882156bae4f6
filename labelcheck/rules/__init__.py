"""The rule catalogue (SPEC §4). Codes are a public contract: never renumber.

Each rule lives in its own module, named after its code (``lc205_...``), whose
docstring is its documentation and which owns its fix. The catalogue is the
set of those modules, found here by name: adding a rule is adding its file.

A module is imported when its rule is first needed, not with the package: a scan
loads the rules it runs (the series of the column kinds it planned, the codes
selected), ``labelcheck rules`` and ``explain`` the whole catalogue (``RULES``).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Collection, Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from labelcheck.errors import InputError
from labelcheck.options import Strategies
from labelcheck.rules.base import Finding, Proposal, Rule, RuleContext, TaskInfo

_RULE_MODULE = re.compile(r"lc\d{3}_\w+")

#: The column kinds a series of rules reads (SPEC §10, §11): its rules run only on a
#: scan that planned a column of one of them. The other series (dataset, features,
#: label, rows and splits) read what every table has and run on every scan.
SERIES_KINDS: dict[str, frozenset[str]] = {
    "LC4": frozenset({"image", "mask"}),
    "LC5": frozenset({"tokens"}),
}


@cache
def modules() -> dict[str, str]:
    """Every rule's module name by code (``LC205`` -> ``lc205_label_sparse_outlier``),
    in catalogue order, from the file names alone: nothing is imported."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if _RULE_MODULE.fullmatch(m.name))
    return {name[:5].upper(): name for name in names}


@cache
def rule(code: str) -> Rule:
    """The rule of a catalogued code, its module imported on first use."""
    return importlib.import_module(f"{__name__}.{modules()[code]}").check


@cache
def catalogue() -> dict[str, Rule]:
    """Every rule by code, in catalogue order (every rule module imported)."""
    return {code: rule(code) for code in modules()}


def runs_with(code: str, kinds: Collection[str]) -> bool:
    """Whether rule ``code`` can find anything in a scan whose columns have ``kinds``."""
    needs = SERIES_KINDS.get(code[:3])
    return needs is None or not needs.isdisjoint(kinds)


if TYPE_CHECKING:
    #: Every rule by code, in catalogue order (built on first use by ``__getattr__``).
    RULES: dict[str, Rule]


def __getattr__(name: str) -> Any:
    # ``RULES`` (every rule by code, in catalogue order) is built when first asked for.
    if name == "RULES":
        return catalogue()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_rule(code: str) -> Rule:
    """The rule with this code or name (``LC205``, ``label-sparse-outlier``; any case),
    or :class:`InputError`."""
    key = code.strip().lower()
    if key.upper() in modules():
        return rule(key.upper())
    rules = catalogue()
    found = next((r for r in rules.values() if key == r.name), None)
    if found is None:
        close = [r.name for r in rules.values() if key and key in r.name][:3]
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise InputError(
            f"unknown rule {code!r}; {hint}give a code or a name: `labelcheck rules` lists "
            f"them ({', '.join(rules)})"
        )
    return found


def markdown_table() -> str:
    """Every rule as the README's table (``labelcheck rules --format markdown``); the
    README's copy is checked against it (tests/hardening/test_issue16_cli.py)."""
    lines = ["| code | name | severity | what it catches |", "|---|---|---|---|"]
    for r in catalogue().values():
        summary = r.summary.replace("|", "\\|")
        lines.append(f"| {r.code} | {r.name} | {r.severity} | {summary} |")
    return "\n".join(lines) + "\n"


def resolve_codes(codes: Iterable[str], option: str) -> tuple[str, ...]:
    """Expand codes and prefixes (``LC2`` -> every LC2xx; ``ALL``) into known codes."""
    known = list(modules())
    out: list[str] = []
    for raw in codes:
        for part in str(raw).split(","):
            code = part.strip().upper()
            if not code:
                continue
            matched = known if code == "ALL" else [c for c in known if c.startswith(code)]
            if not matched:
                raise InputError(
                    f"{option}: unknown rule code {part.strip()!r}; codes are "
                    f"{', '.join(known)} (or a prefix such as LC2)"
                )
            out.extend(c for c in matched if c not in out)
    if option.startswith("select") and not out:
        # An empty selection would switch every rule off and pass anything (an unset CI
        # variable in `--select "$CODES"`): refuse it.
        raise InputError(
            f"{option}: no rule code given (empty selection); name codes or prefixes such as "
            "LC2, or leave the selection out to run every rule"
        )
    return tuple(out)


def run_rules(ctx: RuleContext) -> list[Finding]:
    """Every enabled rule's findings, in catalogue order. A table's scan skips (and never
    imports) the rules of the image, mask and token series: they read no table column."""
    kinds = {kind for _, kind in ctx.stats.plan.kinds}
    findings: list[Finding] = []
    for code in modules():
        if ctx.options.enabled(code) and runs_with(code, kinds):
            findings.extend(rule(code).check(ctx))
    return findings


def propose(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    """What ``finding`` asks of a fix plan, as its rule says."""
    return rule(finding.code).proposals(finding, ctx, how)


__all__ = [
    "RULES",
    "Finding",
    "Proposal",
    "Rule",
    "RuleContext",
    "TaskInfo",
    "catalogue",
    "get_rule",
    "modules",
    "propose",
    "resolve_codes",
    "rule",
    "run_rules",
    "runs_with",
]
