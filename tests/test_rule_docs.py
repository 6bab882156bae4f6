"""Meta-test of the rule catalogue: every rule is documented, named, filed and tested.

Like ruff's CI check on rule docs: a rule cannot be added without its sections,
its module named after its code, and a test file of its own. SPEC §4's table is
copied here (not read from the spec, which lives outside the repository).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import get_args

import pytest

from labelcheck.rules import RULES
from labelcheck.rules.base import FixName, Rule

TESTS = Path(__file__).resolve().parent

#: SPEC §4: code, name, default severity, default fix (codes are a public contract).
SPEC_CATALOGUE: list[tuple[str, str, str, str | None]] = [
    ("LC001", "empty-dataset", "error", None),
    ("LC101", "feature-nan", "error", "drop-rows"),
    ("LC102", "feature-inf", "error", "drop-rows"),
    ("LC103", "feature-scale", "warning", "normalize"),
    ("LC104", "feature-scale-spread", "warning", "standardize"),
    ("LC105", "feature-constant", "warning", "drop-column"),
    ("LC106", "feature-precision-overflow", "warning", "normalize"),
    ("LC107", "feature-non-numeric", "warning", "drop-column"),
    ("LC108", "feature-outlier", "warning", "clip"),
    ("LC109", "feature-range-violation", "error", None),
    ("LC110", "feature-null-strings", "warning", "cast"),
    ("LC111", "feature-duplicate-name", "error", None),  # issue 9; SPEC §4 gains the row
    ("LC201", "label-missing", "error", "drop-rows"),
    ("LC202", "label-inf", "error", "drop-rows"),
    ("LC203", "label-negative", "error", "reindex-labels"),
    ("LC204", "label-out-of-range", "error", "reindex-labels"),
    ("LC205", "label-sparse-outlier", "error", "drop-rows"),
    ("LC206", "label-zero-symmetric", "error", "reindex-labels"),
    ("LC207", "label-non-contiguous", "warning", "reindex-labels"),
    ("LC208", "label-non-integer", "error", None),
    ("LC209", "label-loss-domain", "error", None),
    ("LC210", "label-rare-class", "warning", None),
    ("LC211", "label-imbalance", "info", None),
    ("LC212", "label-scale", "warning", "scale-target"),
    ("LC213", "label-string", "info", "reindex-labels"),
    ("LC214", "label-unknown-class", "error", None),
    ("LC215", "label-unusable-type", "error", None),  # issue 9; SPEC §4 gains the row
    ("LC301", "duplicate-rows", "warning", "drop-rows"),
    ("LC302", "conflicting-labels", "warning", "drop-rows"),
    ("LC303", "split-leakage", "error", "drop-rows"),
    ("LC304", "unseen-class", "error", None),
    ("LC305", "label-shift", "warning", None),
    ("LC306", "feature-shift", "warning", None),
    # SPEC §10: file-level steps of `fix DIR -o OUT_DIR` (exclude the files, convert or
    # turn them upright, map mask values and colours to ids).
    ("LC401", "image-unreadable", "error", "exclude-files"),
    ("LC402", "image-mixed-channels", "error", "convert-images"),
    ("LC403", "image-odd-size", "warning", "exclude-files"),
    ("LC404", "image-blank", "warning", "exclude-files"),
    ("LC405", "image-exif-rotated", "warning", "convert-images"),
    ("LC406", "mask-out-of-range", "error", "map-mask"),
    ("LC407", "mask-lossy", "error", "map-mask"),
    ("LC408", "mask-color-coded", "error", "map-mask"),
    ("LC409", "mask-mismatch", "error", "exclude-files"),
    ("LC410", "image-class-empty", "error", None),
    # SPEC §11 (LC508: its Details). LC501 has no fix by design (re-tokenize or resize the
    # embeddings); LC508 asks for flattening, which no step does.
    ("LC501", "token-id-out-of-range", "error", None),
    ("LC502", "sequence-too-long", "error", "drop-rows"),
    ("LC503", "attention-mask-empty", "error", "drop-rows"),
    ("LC504", "sequence-empty", "error", "drop-rows"),
    ("LC505", "token-labels-all-ignored", "warning", "drop-rows"),
    ("LC506", "token-label-out-of-range", "error", "reindex-token-labels"),
    ("LC507", "sequence-length-mismatch", "error", "drop-rows"),
    ("LC508", "sequence-nested", "error", None),
]
SECTIONS = ("What it does", "Why is this bad?", "Example", "Fix")


@pytest.mark.parametrize(("code", "name", "severity", "fix"), SPEC_CATALOGUE)
def test_every_spec_code_is_a_rule_with_its_name_severity_and_fix(code, name, severity, fix):
    assert code in RULES, f"SPEC §4 code {code} ({name}) has no rule"
    rule = RULES[code]
    assert (rule.name, rule.severity, rule.fix) == (name, severity, fix)


def test_the_catalogue_has_no_code_outside_the_spec_and_keeps_its_order():
    assert list(RULES) == [code for code, *_ in SPEC_CATALOGUE]


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_rule_is_documented(rule: Rule):
    assert re.fullmatch(r"LC\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.severity in ("error", "warning", "info")
    assert rule.summary.strip(), f"{rule.code} has no summary"
    assert rule.doc.splitlines()[0].startswith(f"{rule.code} {rule.name}: ")
    sections = rule.sections()
    for heading in SECTIONS:
        assert sections.get(heading), f"{rule.code}: section '## {heading}' missing or empty"
    assert rule.fix is None or rule.fix in get_args(FixName)
    if rule.fix is not None:
        assert rule.fix_title, f"{rule.code} proposes {rule.fix} without a fix title"


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_rule_module_is_named_after_its_code_and_name(rule: Rule):
    module = sys.modules[rule.check.__module__]
    expected = f"lc{rule.code[2:]}_{rule.name.replace('-', '_')}.py"
    assert Path(module.__file__ or "").name == expected


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_rule_has_a_test_file(rule: Rule):
    found = sorted((TESTS / "rules").glob(f"test_lc{rule.code[2:]}_*.py"))
    assert found, f"{rule.code} has no tests/rules/test_lc{rule.code[2:]}_*.py"
    text = found[0].read_text(encoding="utf-8")
    assert "near_miss" in text, f"{found[0].name} has no near-miss test (where it must not fire)"


def _cli_flags() -> set[str]:
    import typer.main

    from labelcheck.cli import app

    group = typer.main.get_command(app)
    return {
        opt
        for command in group.commands.values()
        for param in command.params
        for opt in [*param.opts, *param.secondary_opts]
        if opt.startswith("--")
    }


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_every_flag_a_rule_mentions_exists(rule: Rule):
    """A rule's doc, summary and messages (its module's text) name only real flags."""
    text = Path(sys.modules[rule.check.__module__].__file__).read_text(encoding="utf-8")
    mentioned = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text))
    unknown = sorted(mentioned - _cli_flags())
    assert not unknown, f"{rule.code} mentions {unknown}, which no labelcheck command has"
