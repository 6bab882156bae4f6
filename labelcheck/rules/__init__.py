"""The rule catalogue (SPEC §4). Codes are a public contract: never renumber.

Each rule lives in its own module, named after its code (``lc205_...``), whose
docstring is its documentation and which owns its fix. The catalogue is the
set of those modules, found here by name: adding a rule is adding its file.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable

from labelcheck.errors import InputError
from labelcheck.options import Strategies
from labelcheck.rules.base import Finding, Proposal, Rule, RuleContext, TaskInfo

_RULE_MODULE = re.compile(r"lc\d{3}_\w+")


def _catalogue() -> dict[str, Rule]:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if _RULE_MODULE.fullmatch(m.name))
    rules = [importlib.import_module(f"{__name__}.{name}").check for name in names]
    return {r.code: r for r in sorted(rules, key=lambda r: r.code)}


#: Every rule by code, in catalogue order.
RULES: dict[str, Rule] = _catalogue()


def get_rule(code: str) -> Rule:
    """The rule with this code or name (``LC205``, ``label-sparse-outlier``; any case),
    or :class:`InputError`."""
    key = code.strip().lower()
    found = next((r for r in RULES.values() if key in (r.code.lower(), r.name)), None)
    if found is None:
        close = [r.name for r in RULES.values() if key and key in r.name][:3]
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise InputError(
            f"unknown rule {code!r}; {hint}give a code or a name: `labelcheck rules` lists "
            f"them ({', '.join(RULES)})"
        )
    return found


def markdown_table() -> str:
    """Every rule as the README's table (``labelcheck rules --format markdown``); the
    README's copy is checked against it (tests/hardening/test_issue16_cli.py)."""
    lines = ["| code | name | severity | what it catches |", "|---|---|---|---|"]
    for r in RULES.values():
        summary = r.summary.replace("|", "\\|")
        lines.append(f"| {r.code} | {r.name} | {r.severity} | {summary} |")
    return "\n".join(lines) + "\n"


def resolve_codes(codes: Iterable[str], option: str) -> tuple[str, ...]:
    """Expand codes and prefixes (``LC2`` -> every LC2xx; ``ALL``) into known codes."""
    out: list[str] = []
    for raw in codes:
        for part in str(raw).split(","):
            code = part.strip().upper()
            if not code:
                continue
            matched = list(RULES) if code == "ALL" else [c for c in RULES if c.startswith(code)]
            if not matched:
                raise InputError(
                    f"{option}: unknown rule code {part.strip()!r}; codes are "
                    f"{', '.join(RULES)} (or a prefix such as LC2)"
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
    """Every enabled rule's findings, in catalogue order."""
    findings: list[Finding] = []
    for code, rule in RULES.items():
        if ctx.options.enabled(code):
            findings.extend(rule.check(ctx))
    return findings


def propose(finding: Finding, ctx: RuleContext, how: Strategies) -> list[Proposal]:
    """What ``finding`` asks of a fix plan, as its rule says."""
    return RULES[finding.code].proposals(finding, ctx, how)


__all__ = [
    "RULES",
    "Finding",
    "Proposal",
    "Rule",
    "RuleContext",
    "TaskInfo",
    "get_rule",
    "propose",
    "resolve_codes",
    "run_rules",
]
