"""The rule catalogue (SPEC §4). Codes are a public contract: never renumber.

Each rule lives in its own module, named after its code (``lc205_...``), whose
docstring is its documentation. This module is the one registry of codes.
"""

from __future__ import annotations

from collections.abc import Iterable

from labelcheck.errors import InputError
from labelcheck.rules import (
    lc001_empty_dataset,
    lc101_feature_nan,
    lc102_feature_inf,
    lc103_feature_scale,
    lc104_feature_scale_spread,
    lc105_feature_constant,
    lc106_feature_precision_overflow,
    lc107_feature_non_numeric,
    lc108_feature_outlier,
    lc109_feature_range_violation,
    lc201_label_missing,
    lc202_label_inf,
    lc203_label_negative,
    lc204_label_out_of_range,
    lc205_label_sparse_outlier,
    lc206_label_zero_symmetric,
    lc207_label_non_contiguous,
    lc208_label_non_integer,
    lc209_label_loss_domain,
    lc210_label_rare_class,
    lc211_label_imbalance,
    lc212_label_scale,
    lc213_label_string,
    lc214_label_unknown_class,
)
from labelcheck.rules.base import Finding, Rule, RuleContext, TaskInfo

_MODULES = (
    lc001_empty_dataset,
    lc101_feature_nan,
    lc102_feature_inf,
    lc103_feature_scale,
    lc104_feature_scale_spread,
    lc105_feature_constant,
    lc106_feature_precision_overflow,
    lc107_feature_non_numeric,
    lc108_feature_outlier,
    lc109_feature_range_violation,
    lc201_label_missing,
    lc202_label_inf,
    lc203_label_negative,
    lc204_label_out_of_range,
    lc205_label_sparse_outlier,
    lc206_label_zero_symmetric,
    lc207_label_non_contiguous,
    lc208_label_non_integer,
    lc209_label_loss_domain,
    lc210_label_rare_class,
    lc211_label_imbalance,
    lc212_label_scale,
    lc213_label_string,
    lc214_label_unknown_class,
)

#: Every rule by code, in catalogue order.
RULES: dict[str, Rule] = {m.check.code: m.check for m in _MODULES}


def get_rule(code: str) -> Rule:
    """The rule with this code (case-insensitive), or :class:`InputError`."""
    found = RULES.get(code.strip().upper())
    if found is None:
        raise InputError(
            f"unknown rule code {code!r}; `labelcheck rules` lists them ({', '.join(RULES)})"
        )
    return found


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
    return tuple(out)


def run_rules(ctx: RuleContext) -> list[Finding]:
    """Every enabled rule's findings, in catalogue order."""
    findings: list[Finding] = []
    for code, rule in RULES.items():
        if ctx.options.enabled(code):
            findings.extend(rule.check(ctx))
    return findings


__all__ = ["RULES", "Finding", "Rule", "RuleContext", "TaskInfo", "get_rule", "run_rules"]
