"""The catalogue loads rules by need: a scan imports and runs the rules of the column
kinds it planned, and a table's scan skips the image, mask and token series, which
could have found nothing in it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import labelcheck
from labelcheck.rules import RULES, SERIES_KINDS, RuleContext, modules, runs_with

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"
RULE_FILES = ROOT / "labelcheck" / "rules"
TABLES = [
    "classic.parquet",
    "classic.npz",
    "pixels.parquet",
    "regression_nan_inf.csv",
    "string_labels.jsonl",
    "labels_1_to_10.feather",
]


def test_every_rule_file_is_catalogued_under_its_own_code():
    """Rules are looked up by the code their file name starts with: two files of one code
    would hide one of them."""
    files = sorted(p.stem for p in RULE_FILES.glob("lc[0-9][0-9][0-9]_*.py"))
    assert list(modules().values()) == files
    assert list(modules()) == list(RULES) == [f"LC{name[2:5]}" for name in files]


def test_the_series_read_by_kind_are_the_image_mask_and_token_ones():
    by_series = {code[:3] for code in RULES if not runs_with(code, set())}
    assert by_series == set(SERIES_KINDS) == {"LC4", "LC5"}
    assert runs_with("LC406", {"mask"}) and runs_with("LC501", {"tokens"})
    assert not runs_with("LC401", {"tokens", "tensor"})
    # the table's series run whatever the kinds (LC1xx also reads tensors)
    assert all(runs_with(code, set()) for code in RULES if code[:3] not in SERIES_KINDS)


@pytest.mark.parametrize("sample", TABLES)
def test_the_rules_a_table_scan_skips_find_nothing_in_it(sample):
    report = labelcheck.scan(SAMPLES / sample)
    ctx = RuleContext(stats=report.stats, options=report.options, task=report.task)
    every = [f for code, r in RULES.items() if ctx.options.enabled(code) for f in r.check(ctx)]
    assert every == report.findings
    assert report.findings, "each sample has a finding: the comparison is not of two empties"


PROBE = """
import sys
import labelcheck.rules
print(sorted(m for m in sys.modules if m.startswith("labelcheck.rules.lc")))
labelcheck.scan(sys.argv[1])
print(sorted({m[17:20] for m in sys.modules if m.startswith("labelcheck.rules.lc")}))
from labelcheck.rules import RULES
print(len(RULES) == len([m for m in sys.modules if m.startswith("labelcheck.rules.lc")]))
"""


def test_a_table_scan_imports_the_table_rules_only():
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(SAMPLES / "classic.parquet")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    imported, series, everything = proc.stdout.split("\n")[:3]
    assert imported == "[]"  # importing the package imports no rule
    assert series == "['lc0', 'lc1', 'lc2', 'lc3']"
    assert everything == "True"  # RULES, when asked for, is the whole catalogue
