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
from labelcheck.rules.base import FILE_STEPS, Finding, RuleContext, Unfixed

FIXED = [r for r in RULES.values() if r.fix is not None and r.fix not in FILE_STEPS]
#: Rules whose fix rewrites a folder's files (images, masks): walked on real folders.
FILES = [r for r in RULES.values() if r.fix in FILE_STEPS]


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


@pytest.fixture(scope="module")
def folder_reports(tmp_path_factory):
    """Real folders holding every image and mask defect: the file rules' findings."""
    from PIL import Image

    rng = np.random.default_rng(3)
    root = tmp_path_factory.mktemp("folders")
    pets = root / "pets"
    for c in ("cat", "dog"):
        (pets / c).mkdir(parents=True)
        for i in range(6):
            Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(
                pets / c / f"{i}.png"
            )
    (pets / "cat" / "zero.jpg").write_bytes(b"")  # LC401
    Image.fromarray(rng.integers(0, 256, (32, 32), dtype=np.uint8)).save(pets / "dog/g.png")
    Image.new("RGB", (32, 32)).save(pets / "cat" / "black.png")  # LC404
    Image.new("RGB", (2, 2), (1, 2, 3)).save(pets / "dog" / "tiny.png")  # LC403
    exif = Image.Exif()
    exif[0x0112] = 6  # LC405
    Image.new("RGB", (32, 24), (9, 80, 7)).save(pets / "dog" / "side.jpg", exif=exif.tobytes())
    seg, voc = root / "seg", root / "voc"
    for folder in (seg / "images", seg / "masks", voc / "images", voc / "masks"):
        folder.mkdir(parents=True)
    for i in range(10):
        image = Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
        image.save(seg / "images" / f"{i}.jpg")
        image.save(voc / "images" / f"{i}.jpg")
        mask = np.zeros((32, 32), np.uint8)
        mask[3 + i : 20, 5:25] = 255
        Image.fromarray(mask).save(seg / "masks" / f"{i}.jpg")  # LC406, LC407
        colours = np.zeros((32, 32, 3), np.uint8)
        colours[mask > 0] = (128, 0, 0)
        Image.fromarray(colours).save(voc / "masks" / f"{i}.png")  # LC408
    Image.fromarray(mask).save(seg / "masks" / "orphan.png")  # LC409
    return [labelcheck.scan(str(p)) for p in (pets, seg, voc)]


@pytest.mark.parametrize("rule", FILES, ids=[r.code for r in FILES])
def test_every_file_rule_fix_produces_file_steps(rule, folder_reports):
    report = next(r for r in folder_reports if any(f.code == rule.code for f in r.findings))
    finding = next(f for f in report.findings if f.code == rule.code)
    ctx = RuleContext(stats=report.stats, options=report.options, task=report.task)
    proposals = rule.proposals(finding, ctx, Strategies())
    assert proposals and not any(isinstance(p, Unfixed) for p in proposals), proposals
    plan = derive_plan(replace(report, findings=[finding]))
    mine = [s for s in plan.steps if rule.code in s.reason]
    assert mine and all(s.step == rule.fix for s in mine), plan.describe()
    assert not plan.unfixed
