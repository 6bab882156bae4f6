"""Rules own their fixes: walking the catalogue, every rule with a fix yields plan steps.

A rule whose ``fix`` is set must say, in its own module, how a finding becomes
proposals (or rely on a generic one: drop a column, reindex, scale); a new rule
declaring ``fix="clip"`` without saying how would land in ``plan.unfixed``, and
this test names it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa
import pytest

import labelcheck
from labelcheck.fixes.derive import derive_plan
from labelcheck.options import Strategies
from labelcheck.rules import RULES
from labelcheck.rules.base import Finding, RuleContext, Unfixed

FIXED = [r for r in RULES.values() if r.fix is not None]


@pytest.fixture(scope="module")
def report():
    rng = np.random.default_rng(7)
    x = rng.normal(0, 1, 400)
    x[:3] = [np.nan, np.inf, 50.0]  # something to drop, impute, clip
    y = np.r_[np.arange(399) % 5, 8000]
    table = pa.table({"x": x, "c": np.full(400, 2.0), "y": y})
    # Against itself as the reference: every row "leaks", so LC303's fix has rows to drop.
    return labelcheck.scan(table, label="y", reference=table)


def _sample(rule, report) -> Finding:
    label_rule = rule.code.startswith("LC2")
    column = report.label if label_rule else ("x" if rule.code != "LC104" else None)
    values = (8000,) if label_rule else (50.0,)
    return Finding(rule.code, rule.name, rule.severity, column, "sample", 1, values, rule.fix)


@pytest.mark.parametrize("rule", FIXED, ids=[r.code for r in FIXED])
@pytest.mark.parametrize(
    "strategies", [Strategies(), Strategies("median", "clip", "standard", "reindex")]
)
def test_every_rule_with_a_fix_produces_steps(rule, strategies, report):
    finding = _sample(rule, report)
    ctx = RuleContext(stats=report.stats, options=report.options, task=report.task)
    proposals = rule.proposals(finding, ctx, strategies)
    assert proposals and not any(isinstance(p, Unfixed) for p in proposals), proposals
    # The exact median comes from a pass over the data in fix; any value does here.
    plan = derive_plan(replace(report, findings=[finding]), strategies, medians={"x": 0.0})
    assert any(rule.code in step.reason for step in plan.steps), plan.describe()
    assert not plan.unfixed


def test_a_rule_without_a_way_to_fix_is_listed_as_unfixed(report):
    clip_rule = RULES["LC108"]
    bare = replace(clip_rule, propose=None)  # fix="clip" but no fix function
    ctx = RuleContext(stats=report.stats, options=report.options, task=report.task)
    assert bare.proposals(_sample(clip_rule, report), ctx, Strategies()) == [Unfixed()]
